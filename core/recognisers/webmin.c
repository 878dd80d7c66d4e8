/* webmin.c - Webmin, Virtualmin and Usermin logins as miniserv.pl logs
 * them to syslog (miniserv.conf syslog=1; ident "webmin" or "usermin",
 * facility authpriv, tags webmin and usermin).  Service panel; daemon
 * "usermin" under the usermin tag, "webmin" otherwise.  Checked against
 * webmin/webmin miniserv-lib.pl (handle_login and the Basic-auth path of
 * handle_request), 2.x; 1.x writes the same words.
 *
 *   Successful login as <user> from <host>                      success
 *   Invalid login as <user> from <host>                         failure, bad_password
 *   Non-existent login as <user> from <host>                    failure, unknown_user
 *   Expired login as <user> from <host>                         failure, disabled
 *   Login as <user> from <host> rejected because two-factor
 *       authentication is enabled                               failure, other
 *
 * <host> is $loghost/$acpthost: the peer's address, its PTR name when
 * miniserv.conf has loghost=1 (then rdns), or, with trust_real_ip/logtrust,
 * an X-Forwarded-For/X-Real-IP value miniserv accepted only if it is a
 * single valid address.  Both settings are off by default; with them the
 * host is the client's choice (an unconfirmed PTR name can read "6.6.6.6")
 * and the line cannot tell.  A failed two-factor code is logged as "Invalid
 * login".  "Logout by", "Unknown SSL certificate" and "Security alert:"
 * lines are not events: the "Host <ip> blocked after N failed logins for
 * user <u>" alert names the host miniserv's own pipe message carried, and
 * a PAM-conversation answer holding blanks ("x 6.6.6.6 0") shifts that
 * message's fields, so the alert can name an address the client chose.
 *
 * The action log, /var/webmin/webmin.log (/var/usermin/webmin.log), read
 * through imfile under the same tags, gets a line per login and per failed
 * login when miniserv's login_script/failed_script run record-login.pl and
 * record-failed.pl (the default since Webmin's first install sets them):
 *
 *   <id> [DD/Mon/YYYY HH:MM:SS] <user> <session> <host> global <script> "login" "-" "-"
 *       -> success
 *   <id> [DD/Mon/YYYY HH:MM:SS] <user> - <host> global <script> "failed" "-" "<why>"
 *       -> failure: wronguser -> unknown_user, wrongpass -> bad_password,
 *          expiredpass -> disabled, twofactor -> bad_token, baduser and
 *          badpass (a name or password with forbidden characters) -> other
 *
 * (web-lib-funcs.pl webmin_log; the stamp is local time, read as UTC.)
 * Other actions ("logout", module actions) are not events.  miniserv.log
 * (the access log) records no verdict and is not read.
 *
 * Threat model: <user> is the client's text and may hold anything but a
 * line break: session logins trim it and refuse blanks only after some
 * paths have logged it, Basic auth logs it before the blank check, and a
 * PAM-conversation answer is never checked.  So a name can hold
 * " from 6.6.6.6" or "Successful login as".  The verdict is the first
 * words of the message, which miniserv writes before the name: a name
 * cannot change it.  The host is the last word, which miniserv writes
 * after the name and which never holds a blank: it is read from the last
 * " from ", so a planted " from <ip>" stays inside the user.
 *
 * In the action log the failed line's user is the name run_failed_script
 * got, blanks included (the "baduser" case is exactly a name with
 * blanks); everything after it is miniserv's (host, "global", the script,
 * the quoted action, type and reason), so the line is read from its end:
 * the quoted fields, then the script, "global", the host and the session
 * word ("-": the failed script has none); the user is what remains.
 * webmin_log writes a module action's object between quotes unescaped, so
 * an authenticated Webmin user who can name an object may end another
 * action's line like a failed or a successful login.  A success must
 * therefore be one word of user, a session, the host, "global", the
 * script and the action, and nothing more (another action's line has its
 * module where "global" stands); a failed line whose user holds '" "'
 * (another action's quoted fields) may be such a forgery: it keeps its
 * outcome but not the address (ambiguous).  Nothing is redacted (no
 * password is logged).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* does [s, e) end with the literal? */
#define ENDS(s, e, lit) \
	((size_t)((e) - (s)) >= AP_LEN(lit) && memcmp((e)-AP_LEN(lit), (lit), AP_LEN(lit)) == 0)

/* the word before e in [s, e), blank-separated; e moves onto its blank */
static int word_before(const char *s, const char **e, ap_span *w)
{
	const char *p = *e;
	while (p > s && p[-1] != ' ')
		p--;
	if (p == *e || p == s)
		return 0;
	*w = ap_span_make(p, (size_t)(*e - p));
	*e = p - 1;
	return 1;
}

static uint8_t failed_reason(ap_span why)
{
	if (AP_SPAN_IS(why, "wronguser"))
		return AP_R_UNKNOWN_USER;
	if (AP_SPAN_IS(why, "wrongpass"))
		return AP_R_BAD_PASSWORD;
	if (AP_SPAN_IS(why, "expiredpass"))
		return AP_R_DISABLED;
	if (AP_SPAN_IS(why, "twofactor"))
		return AP_R_BAD_TOKEN;
	return AP_R_OTHER;
}

/* webmin.log: "<id> [DD/Mon/YYYY HH:MM:SS] <user> <session> <host> global
 * <script> "<action>" "<type>" "<object>"" */
static int action_log(ap_cur c, ap_event *ev)
{
	/* "<secs>.<pid>.<n> " */
	const char *s = c.p;
	for (int dots = 0; dots < 3; dots++) {
		const char *d = s;
		while (s < c.e && *s >= '0' && *s <= '9')
			s++;
		if (s == d || s == c.e || *s != (dots < 2 ? '.' : ' '))
			return 0;
		s++;
	}
	c.p = s;
	/* "[DD/Mon/YYYY HH:MM:SS] " */
	const char *p = c.p;
	int d, mo, y, hh, mm, ss;
	if (ap_cur_left(&c) < 23 || p[0] != '[' || !ap_digits(p + 1, 2, &d) || p[3] != '/'
	    || (mo = ap_month_from_abbr(p + 4, 3)) == 0 || p[7] != '/' || !ap_digits(p + 8, 4, &y)
	    || p[12] != ' ' || !ap_digits(p + 13, 2, &hh) || p[15] != ':'
	    || !ap_digits(p + 16, 2, &mm) || p[18] != ':' || !ap_digits(p + 19, 2, &ss)
	    || p[21] != ']' || p[22] != ' ')
		return 0;
	if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	c.p += 23;
	const char *e = c.e;
	if (ENDS(c.p, e, " \"login\" \"-\" \"-\"")) {
		ev->outcome = AP_OUT_SUCCESS;
		e -= AP_LEN(" \"login\" \"-\" \"-\"");
	} else if (e > c.p && e[-1] == '"') {
		const char *f = AP_MEMRMEM(c.p, (size_t)(e - c.p), " \"failed\" \"-\" \"");
		if (f == NULL || (size_t)(e - 1 - f) < AP_LEN(" \"failed\" \"-\" \""))
			return 0;
		ap_span why = ap_span_make(f + AP_LEN(" \"failed\" \"-\" \""),
					   (size_t)(e - 1 - f) - AP_LEN(" \"failed\" \"-\" \""));
		if (why.n == 0 || memchr(why.p, '"', why.n) != NULL
		    || memchr(why.p, ' ', why.n) != NULL)
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = failed_reason(why);
		e = f;
	} else {
		return 0;
	}
	ap_span script, module, host, session;
	if (!word_before(c.p, &e, &script) || !word_before(c.p, &e, &module)
	    || !AP_SPAN_IS(module, "global") || !word_before(c.p, &e, &host)
	    || !word_before(c.p, &e, &session))
		return 0;
	ap_span user = ap_span_make(c.p, (size_t)(e - c.p));
	if (ev->outcome == AP_OUT_SUCCESS) {
		/* an authenticated user: one word */
		if (user.n == 0 || memchr(user.p, ' ', user.n) != NULL
		    || memchr(user.p, '"', user.n) != NULL)
			return 0;
	} else {
		/* record-failed.pl has no session */
		if (!AP_SPAN_IS(session, "-"))
			return 0;
		/* another action's line whose quoted object was typed to end
		 * like a failed login reads the same: its '"A" "T" "' is then
		 * inside the user */
		if (AP_MEMMEM(user.p, user.n, "\" \"") != NULL)
			ev->ambiguous = true;
	}
	ev->time = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60
		   + ss;
	ap_set_user(ev, user.p, user.n);
	if (!AP_SPAN_IS(host, "-") && !ev->ambiguous)
		ap_set_ip_or_rdns(ev, host);
	return 1;
}

static int rec_webmin(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	if (AP_EAT(&c, "Successful login as ")) {
		ev->outcome = AP_OUT_SUCCESS;
	} else if (AP_EAT(&c, "Invalid login as ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_BAD_PASSWORD;
	} else if (AP_EAT(&c, "Non-existent login as ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
	} else if (AP_EAT(&c, "Expired login as ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
	} else if (AP_EAT(&c, "Login as ")) {
		static const char tail[] = " rejected because two-factor authentication is enabled";
		size_t tn = sizeof(tail) - 1;
		if (ap_cur_left(&c) < tn || memcmp(c.e - tn, tail, tn) != 0)
			return 0;
		c.e -= tn;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_OTHER;
	} else if (c.p < c.e && *c.p >= '0' && *c.p <= '9') {
		if (!action_log(c, ev))
			return 0;
		ev->daemon = AP_HAS_IPREFIX(ln->prog, ln->proglen, "usermin") ? "usermin"
									      : "webmin";
		ev->service = "panel";
		return 1;
	} else {
		return 0;
	}
	/* the host: the last word, after the last " from " */
	const char *f = AP_MEMRMEM(c.p, ap_cur_left(&c), " from ");
	if (f == NULL)
		return 0;
	ap_span host = ap_span_make(f + AP_LEN(" from "), (size_t)(c.e - f) - AP_LEN(" from "));
	if (host.n == 0 || memchr(host.p, ' ', host.n) != NULL
	    || memchr(host.p, '\t', host.n) != NULL)
		return 0;
	ev->daemon = AP_HAS_IPREFIX(ln->prog, ln->proglen, "usermin") ? "usermin" : "webmin";
	ev->service = "panel";
	ap_set_user(ev, c.p, (size_t)(f - c.p));
	ap_set_ip_or_rdns(ev, host);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_webmin = {
	AP_FAM_WEBMIN,
	"webmin",
	rec_webmin,
	(const char *const[]){ "webmin", "usermin", NULL },
};
