/* froxlor.c - Froxlor panel login failures (tag froxlor: Froxlor 0.9 logs
 * with ident "Froxlor", 2.x through Monolog's SyslogHandler with ident
 * "froxlor"; the same tag for 2.x's logs/froxlor.log and 0.9's file log
 * read through imfile).  Service panel.  Checked against froxlor/froxlor
 * index.php, lib/Froxlor/FroxlorLogger.php (2.3) and
 * lib/classes/logger/class.SysLogger.php, class.FileLogger.php (0.9.40).
 *
 * Froxlor 0.9 (syslog; file: "DD.MM.YYYY HH:MM:SS [warning] [Login-action <ip>] <text>"):
 *   [Login Action <ip>] [warning] Unknown user '<user>' tried to login.        unknown_user
 *   [Login Action <ip>] [warning] User '<user>' tried to login with wrong password.   bad_password
 *   (older 0.9 releases write no "[warning] ")
 * Froxlor 2.x (syslog; file: "[<ISO 8601 stamp>] " first):
 *   froxlor.WARNING: Unknown user tried to login. {"source":"login","action":"50","user":"<ip>"} []
 *   froxlor.WARNING: User tried to login with wrong password. {...,"user":"<ip>"} []
 *   froxlor.WARNING: User '<login>' entered wrong 2fa code too often. {...,"user":"<ip>"} []
 *       -> failure, bad_token (written once the failures pass the limit)
 * All are failures; Froxlor logs no successful login.  For a login
 * failure Froxlor logs as "user" (the name in "[Login Action <name>]", the
 * "user" of the JSON context) the client's REMOTE_ADDR: it is read as the
 * address, not as a user.  A file time stamp goes to ev->time (0.9's is
 * local time without a zone, read as UTC).
 *
 * Threat model: in 0.9 the login name is the client's text, unescaped,
 * inside quotes near the end; the address is in the "[Login Action <ip>]"
 * prefix Froxlor writes before it, so it is read from there and a name
 * cannot reach it.  The verdict is the text's first words and its fixed
 * last words ("' tried to login." / "' tried to login with wrong
 * password."), both the daemon's; the user is what lies between.  In 2.x
 * the login name is not logged for a failed login, and FroxlorLogger
 * replaces every character of the message outside [\w @#"':.,()[]+-_/\!]
 * by '_', so no message text can hold the '{' that starts the JSON
 * context: the context starts at the first " {" after the text, and its
 * values (source, action, the address) are the daemon's.  Nothing is
 * redacted (no password is logged).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

#define ENDS(s, e, lit) \
	((size_t)((e) - (s)) >= AP_LEN(lit) && memcmp((e)-AP_LEN(lit), (lit), AP_LEN(lit)) == 0)

/* the text of a login failure in [s, e): outcome, reason and user */
static int text(const char *s, const char *e, ap_event *ev)
{
	size_t n = (size_t)(e - s);
	ev->outcome = AP_OUT_FAILURE;
	if (AP_SPAN_IS(ap_span_make(s, n), "Unknown user tried to login.")) {
		ev->reason = AP_R_UNKNOWN_USER;
		return 1;
	}
	if (AP_SPAN_IS(ap_span_make(s, n), "User tried to login with wrong password.")) {
		ev->reason = AP_R_BAD_PASSWORD;
		return 1;
	}
	if (AP_HAS_PREFIX(s, n, "Unknown user '") && ENDS(s, e, "' tried to login.")
	    && n >= AP_LEN("Unknown user '") + AP_LEN("' tried to login.")) {
		ev->reason = AP_R_UNKNOWN_USER;
		s += AP_LEN("Unknown user '");
		e -= AP_LEN("' tried to login.");
	} else if (AP_HAS_PREFIX(s, n, "User '")
		   && ENDS(s, e, "' tried to login with wrong password.")
		   && n >= AP_LEN("User '") + AP_LEN("' tried to login with wrong password.")) {
		ev->reason = AP_R_BAD_PASSWORD;
		s += AP_LEN("User '");
		e -= AP_LEN("' tried to login with wrong password.");
	} else if (AP_HAS_PREFIX(s, n, "User '")
		   && ENDS(s, e, "' entered wrong 2fa code too often.")
		   && n >= AP_LEN("User '") + AP_LEN("' entered wrong 2fa code too often.")) {
		ev->reason = AP_R_BAD_TOKEN;
		s += AP_LEN("User '");
		e -= AP_LEN("' entered wrong 2fa code too often.");
	} else {
		return 0;
	}
	ap_set_user(ev, s, (size_t)(e - s));
	return 1;
}

/* 0.9: "<ip>] [<level>] <text>" after "[Login Action " / "[Login-action " */
static int v09(ap_cur *c, ap_event *ev)
{
	ap_span ip;
	if (!ap_cur_until(c, ']', &ip) || ip.n == 0 || ip.n > 64)
		return 0;
	c->p++;
	if (!AP_EAT(c, " "))
		return 0;
	if (AP_AT(c, "[")) {
		ap_cur k = *c;
		ap_span lvl;
		k.p++;
		if (ap_cur_until(&k, ']', &lvl) && lvl.n > 0 && lvl.n <= 16
		    && memchr(lvl.p, ' ', lvl.n) == NULL
		    && AP_HAS_PREFIX(k.p + 1, ap_cur_left(&k) - 1, " ")) {
			c->p = k.p + 2;
		}
	}
	if (!text(c->p, c->e, ev))
		return 0;
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return 1;
}

/* 2.x: "<channel>.<LEVEL>: <text> {<context>} []" */
static int v2(ap_cur *c, ap_event *ev)
{
	if (!AP_EAT(c, "froxlor."))
		return 0;
	while (c->p < c->e && *c->p >= 'A' && *c->p <= 'Z')
		c->p++;
	if (!AP_EAT(c, ": "))
		return 0;
	const char *j = AP_MEMMEM(c->p, ap_cur_left(c), " {");
	if (j == NULL || !text(c->p, j, ev))
		return 0;
	const char *je = memchr(j, '}', (size_t)(c->e - j));
	if (je == NULL)
		return 1;
	const char *u = AP_MEMMEM(j, (size_t)(je - j), "\"user\":\"");
	if (u != NULL) {
		u += AP_LEN("\"user\":\"");
		const char *q = memchr(u, '"', (size_t)(je - u));
		if (q != NULL)
			ap_set_ip(&ev->ip, u, (size_t)(q - u));
	}
	return 1;
}

/* "[YYYY-MM-DDTHH:MM:SS[.f](+hh:mm|Z)] " (2.x file log) */
static void iso_stamp(ap_cur *c, ap_event *ev)
{
	if (!AP_AT(c, "["))
		return;
	int64_t t;
	const char *p = c->p + 1;
	size_t left = ap_cur_left(c) - 1;
	size_t n = ap_parse_ymdhms(p, left, 'T', &t);
	if (n == 0)
		return;
	int64_t off = 0;
	if (n < left && p[n] == 'Z') {
		n++;
	} else if (n + 6 <= left && (p[n] == '+' || p[n] == '-') && p[n + 3] == ':') {
		int oh, om;
		if (!ap_digits(p + n + 1, 2, &oh) || !ap_digits(p + n + 4, 2, &om))
			return;
		off = (oh * 3600 + om * 60) * (p[n] == '-' ? -1 : 1);
		n += 6;
	}
	if (!AP_HAS_PREFIX(p + n, left - n, "] "))
		return;
	ev->time = t - off;
	c->p = p + n + AP_LEN("] ");
}

/* "DD.MM.YYYY HH:MM:SS [<level>] " (0.9 file log) */
static int dmy_stamp(ap_cur *c, ap_event *ev)
{
	const char *p = c->p;
	int d, mo, y, hh, mm, ss;
	if (ap_cur_left(c) < 20 || !ap_digits(p, 2, &d) || p[2] != '.' || !ap_digits(p + 3, 2, &mo)
	    || p[5] != '.' || !ap_digits(p + 6, 4, &y) || p[10] != ' ' || !ap_digits(p + 11, 2, &hh)
	    || p[13] != ':' || !ap_digits(p + 14, 2, &mm) || p[16] != ':'
	    || !ap_digits(p + 17, 2, &ss) || p[19] != ' ')
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	ap_cur k = ap_cur_make(p + 20, ap_cur_left(c) - 20);
	ap_span lvl;
	if (!ap_cur_eatc(&k, '[') || !ap_cur_until(&k, ']', &lvl) || lvl.n == 0 || lvl.n > 16)
		return 0;
	k.p++;
	if (!AP_EAT(&k, " "))
		return 0;
	ev->time = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60
		   + ss;
	*c = k;
	return 1;
}

static int rec_froxlor(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	int ok;
	if (dmy_stamp(&c, ev)) {
		ok = AP_EAT(&c, "[Login-action ") && v09(&c, ev);
	} else if (AP_EAT(&c, "[Login Action ")) {
		ok = v09(&c, ev);
	} else {
		iso_stamp(&c, ev);
		ok = v2(&c, ev);
	}
	if (!ok)
		return 0;
	ev->daemon = "froxlor";
	ev->service = "panel";
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_froxlor = {
	AP_FAM_FROXLOR,
	"froxlor",
	rec_froxlor,
	(const char *const[]){ "froxlor", NULL },
};
