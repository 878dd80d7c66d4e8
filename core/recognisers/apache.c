/* apache.c - Apache httpd 2.2 and 2.4 basic, digest and form
 * authentication in the error log: through syslog (ErrorLog syslog:,
 * tags httpd, apache2, apache) or the error log file read with imfile
 * (default tag apache-error).  Service http (tls unknown: the line does
 * not say).
 *
 * do_errorlog_default() (server/log.c) writes
 *   [DATE] [MODULE:LEVEL] [pid P:tid T] [client IP:PORT] AHnnnnn: MSG[, referer: R]
 * ("[remote IP:PORT]" for a connection without a scoreboard handle; no
 * DATE in syslog); 2.2 wrote "[DATE] [error] [client IP] MSG".  The
 * messages (modules/aaa/mod_auth_basic.c, mod_auth_digest.c,
 * mod_auth_form.c; 2.2 prefixed digest's with "Digest: "):
 *
 *   AH01617 user U: authentication failure for "URI": Password Mismatch
 *                                                      failure, bad_password
 *   AH01618 user U not found: URI  (2.2 also "user U not found")
 *                                                      failure, unknown_user
 *   AH01807 user 'U': authentication failure for "URI": password Mismatch
 *   AH01808 user 'U' not found: URI                    (mod_auth_form)
 *   AH01790 user `U' in realm `R' not found: URI       failure, unknown_user
 *   AH01791 user `U' in realm `R' denied by provider: URI   failure, other
 *   AH01792, AH01794 user U: password mismatch: URI    failure, bad_password
 *   AH01614, AH01781 client used wrong authentication scheme: URI
 *   AH01788 realm mismatch - got `X' but expected `R'
 *   AH01789 unknown algorithm `X' received: URI
 *   AH01793 invalid qop `X' received: URI
 *   AH01775, AH01777 invalid nonce N received - length is not ... | user
 *           attempted time travel                      failure, other
 *
 * The credentials were refused in every one of them.  Not events:
 * authorisation denials (AH01630/AH01797 "client denied by server
 * configuration", AH01631 "authorization failure", AH01637
 * "Authorization of user U to access ... failed": the user, if any, had
 * authenticated), AH01776 "invalid nonce ... hash is not" (a stale nonce,
 * as after a restart), and anything else.
 *
 * Threat model.  U, URI, the nonce and R (the Referer header) are the
 * client's; Apache escapes control and 8-bit bytes of the message
 * ("\xNN") but not quotes.  The [client ...] field is written by Apache
 * before the message, after fields that hold no client text: it is read
 * from the left, walking the bracketed fields from the start of the line,
 * and nowhere else.  2.4 gives the message's kind by its AH code, also
 * written before any client text; 2.2 by the first words, and when U
 * could hold another kind's wording (both kinds' delimiters occur) the
 * event is a failure without reason or user.  U is set only when its
 * delimiter occurs once in the message.  Apache logs no successful login
 * in the error log: every event is a failure.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "[client IP:PORT] " / "[remote ...]" after the leading bracketed
 * fields: its content in *f, the cursor after it.  *v24: a field before
 * it is 2.4's ("[pid ", or "[MODULE:LEVEL]").  A first field that is the
 * file's date gives ev->time. */
static int client_field(ap_cur *c, ap_span *f, int *v24, ap_event *ev)
{
	*v24 = 0;
	for (int i = 0; i < 6 && AP_AT(c, "["); i++) {
		if (AP_EAT(c, "[client ") || AP_EAT(c, "[remote ")) {
			const char *s = c->p;
			ap_span v6;
			/* "[2001:db8::1]:PORT" holds a ']' of its own */
			if (AP_EAT(c, "[") && (!ap_cur_until(c, ']', &v6) || !AP_EAT(c, "]:")))
				return 0;
			if (!ap_cur_until(c, ']', f) || !AP_EAT(c, "] "))
				return 0;
			*f = ap_span_make(s, (size_t)(c->p - 2 - s));
			return 1;
		}
		ap_span g;
		if (!ap_cur_until(c, ']', &g))
			return 0;
		c->p++;
		if (!AP_EAT(c, " "))
			return 0;
		int64_t t;
		if (i == 0 && g.n > 1 && ap_parse_ctime(g.p + 1, g.n - 1, &t) == g.n - 1)
			ev->time = t; /* the file's "[Sat Jul 20 21:39:11.978080 2013]" */
		const char *colon = AP_MEMRMEM(g.p, g.n, ":");
		if (AP_HAS_PREFIX(g.p, g.n, "[pid ")
		    || (colon != NULL && colon + 1 < g.p + g.n && colon[1] >= 'a'
			&& colon[1] <= 'z'))
			*v24 = 1;
	}
	return 0;
}

/* the address of the [client] field: 2.4 always writes ":PORT" after it
 * (an IPv6 address too, unbracketed), 2.2 never */
static void set_client(ap_event *ev, ap_span f, int v24)
{
	if (f.n > 0 && f.p[0] == '[') {
		/* "[2001:db8::1]:PORT" */
		const char *rb = memchr(f.p, ']', f.n);
		if (rb != NULL)
			ap_set_ip(&ev->ip, f.p + 1, (size_t)(rb - f.p - 1));
		return;
	}
	const char *colon = AP_MEMRMEM(f.p, f.n, ":");
	size_t n = f.n;
	if (colon != NULL && (v24 || memchr(f.p, ':', f.n) == colon))
		n = (size_t)(colon - f.p);
	ap_set_ip(&ev->ip, f.p, n);
}

/* U between the start of m and the delimiter, when the delimiter occurs
 * once in m */
static void user_once(ap_event *ev, ap_span m, size_t skip, const char *d, size_t dn)
{
	if (m.n < skip)
		return;
	const char *f = ap_memmem(m.p + skip, m.n - skip, d, dn);
	if (f == NULL || f != ap_memrmem(m.p + skip, m.n - skip, d, dn))
		return;
	ap_set_user(ev, m.p + skip, (size_t)(f - (m.p + skip)));
}
#define USER_ONCE(ev, m, pre, d) user_once((ev), (m), AP_LEN(pre), (d), AP_LEN(d))

/* a 2.4 code that names the user: its reason, U between the prefix and the
 * delimiter, and an event only when m opens with the prefix */
static int user_code(ap_event *ev, ap_span m, ap_reason reason, const char *pre, size_t pn,
		     const char *d, size_t dn)
{
	ev->reason = (uint8_t)reason;
	user_once(ev, m, pn, d, dn);
	return m.n >= pn && memcmp(m.p, pre, pn) == 0;
}
#define USER_CODE(ev, m, r, pre, d) user_code((ev), (m), (r), (pre), AP_LEN(pre), (d), AP_LEN(d))

/* the refusals that name no user */
static int protocol_refusal(ap_span m)
{
	return AP_HAS_PREFIX(m.p, m.n, "client used wrong authentication scheme")
	       || AP_HAS_PREFIX(m.p, m.n, "realm mismatch - got `")
	       || AP_HAS_PREFIX(m.p, m.n, "unknown algorithm `")
	       || AP_HAS_PREFIX(m.p, m.n, "invalid qop `")
	       || (AP_HAS_PREFIX(m.p, m.n, "invalid nonce ")
		   && (AP_MEMMEM(m.p, m.n, " received - length is not ") != NULL
		       || AP_MEMMEM(m.p, m.n, " received - user attempted time travel") != NULL));
}

/* 2.4: the kind from the AH code */
static int by_code(ap_event *ev, int code, ap_span m)
{
	switch (code) {
	case 1617:
		return USER_CODE(ev, m, AP_R_BAD_PASSWORD, "user ",
				 ": authentication failure for \"");
	case 1807:
		return USER_CODE(ev, m, AP_R_BAD_PASSWORD, "user '",
				 "': authentication failure for \"");
	case 1618: return USER_CODE(ev, m, AP_R_UNKNOWN_USER, "user ", " not found: ");
	case 1808: return USER_CODE(ev, m, AP_R_UNKNOWN_USER, "user '", "' not found: ");
	case 1790: return USER_CODE(ev, m, AP_R_UNKNOWN_USER, "user `", "' in realm `");
	case 1791: return USER_CODE(ev, m, AP_R_OTHER, "user `", "' in realm `");
	case 1792:
	case 1794: return USER_CODE(ev, m, AP_R_BAD_PASSWORD, "user ", ": password mismatch: ");
	case 1614:
	case 1781:
	case 1788:
	case 1789:
	case 1793:
	case 1775:
	case 1777: ev->reason = AP_R_OTHER; return protocol_refusal(m);
	default: return 0;
	}
}

/* 2.2: the kind from the words; "Digest: " already eaten */
static int by_words(ap_event *ev, ap_span m)
{
	if (protocol_refusal(m)) {
		ev->reason = AP_R_OTHER;
		return 1;
	}
	if (AP_HAS_PREFIX(m.p, m.n, "user `")) {
		/* digest: the realm after U is the server's (AuthName) */
		if (AP_MEMMEM(m.p, m.n, "' not found: ") != NULL)
			ev->reason = AP_R_UNKNOWN_USER;
		else if (AP_MEMMEM(m.p, m.n, "' denied by provider: ") != NULL)
			ev->reason = AP_R_OTHER;
		else
			return 0;
		USER_ONCE(ev, m, "user `", "' in realm `");
		return 1;
	}
	if (!AP_HAS_PREFIX(m.p, m.n, "user "))
		return 0;
	int bad = AP_MEMMEM(m.p, m.n, ": authentication failure for \"") != NULL;
	int mism = AP_MEMMEM(m.p, m.n, ": password mismatch: ") != NULL;
	int nf = AP_MEMMEM(m.p, m.n, " not found: ") != NULL
		 || AP_HAS_ISUFFIX(m.p, m.n, " not found");
	if (bad + mism + nf != 1)
		return bad + mism + nf > 1; /* a failure; which kind U hides */
	if (bad) {
		ev->reason = AP_R_BAD_PASSWORD;
		USER_ONCE(ev, m, "user ", ": authentication failure for \"");
	} else if (mism) {
		ev->reason = AP_R_BAD_PASSWORD;
		USER_ONCE(ev, m, "user ", ": password mismatch: ");
	} else if (AP_MEMMEM(m.p, m.n, " not found: ") != NULL) {
		ev->reason = AP_R_UNKNOWN_USER;
		USER_ONCE(ev, m, "user ", " not found: ");
	} else {
		/* "user U not found" ending the message */
		ev->reason = AP_R_UNKNOWN_USER;
		/* "user not found" is the prefix and the suffix sharing their
		 * blank: no user between them (m.n is one short of both) */
		if (m.n >= AP_LEN("user ") + AP_LEN(" not found")
		    && AP_MEMMEM(m.p, m.n, " not found") == m.p + m.n - AP_LEN(" not found"))
			ap_set_user(ev, m.p + AP_LEN("user "),
				    m.n - AP_LEN("user ") - AP_LEN(" not found"));
	}
	return 1;
}

static int rec_apache(const ap_line *ln, ap_event *ev)
{
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));
	ap_span field;
	int v24;
	ev->daemon = "apache";
	ev->service = "http";
	ev->outcome = AP_OUT_FAILURE;
	if (!client_field(&c, &field, &v24, ev))
		return 0;

	int code = -1;
	if (AP_AT(&c, "AH") && ap_cur_left(&c) > 9 && c.p[7] == ':' && c.p[8] == ' '
	    && ap_digits(c.p + 2, 5, &code))
		c.p += 9;
	set_client(ev, field, v24 || code >= 0);
	ap_span m = ap_span_make(c.p, ap_cur_left(&c));
	if (code >= 0)
		return by_code(ev, code, m);
	if (AP_HAS_PREFIX(m.p, m.n, "Digest: ")) {
		m.p += AP_LEN("Digest: ");
		m.n -= AP_LEN("Digest: ");
	}
	return by_words(ev, m);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_apache = {
	AP_FAM_APACHE,
	"apache",
	rec_apache,
	(const char *const[]){ "apache-error", "httpd", "apache2", "apache", NULL },
};
