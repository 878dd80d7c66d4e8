/* vpopmail.c - vpopmail's vchkpw (qmail, qmailtoaster).
 *
 * Every line is "<logname>: <text> <login>:<ip>" where logname is
 * "vchkpw-<service>" (from the local port: pop3, pop3s, imap, imaps, smtp,
 * smtps, submission, webmail or a bare port number) or plain "vchkpw".
 * The login is "user@domain" (domain possibly empty: "user@") or a bare
 * name; the address may be IPv6 or empty, so the split is at the first ':'
 * after the last '@'.  With logging levels 3 and 4 a failed line carries
 * the attempted password as "(pass: '...')": it is cut out with its
 * quotes, and the redacted form "(pass: [REDACTED]) " reads the same.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static const char *service_of(ap_span name, ap_event *ev)
{
	/* "vchkpw-pop3s" -> "pop3s" */
	if (name.n <= 7)
		return NULL;
	return ap_service_from_word(name.p + 7, name.n - 7, &ev->tls);
}

/* "<login>:<ip>" at the end of the line */
static void set_login_ip(ap_event *ev, ap_span tail)
{
	tail = ap_span_trim(tail);
	if (tail.n == 0)
		return;
	const char *at = AP_MEMRMEM(tail.p, tail.n, "@");
	const char *from = at ? at : tail.p;
	const char *colon = memchr(from, ':', tail.n - (size_t)(from - tail.p));
	size_t loginlen = colon ? (size_t)(colon - tail.p) : tail.n;
	/* "user@" means the client gave no domain */
	if (at != NULL && at == tail.p + loginlen - 1)
		loginlen--;
	ap_set_user(ev, tail.p, loginlen);
	if (colon != NULL) {
		size_t iplen = tail.n - (size_t)(colon + 1 - tail.p);
		ap_set_ip(&ev->ip, colon + 1, iplen);
	}
}

/* "(pass: '<pw>') " or, redacted, "(pass: [REDACTED]) "; the cursor is
 * after "(pass: ".  Returns 0 when the line was cut inside the password. */
static int password(const ap_line *ln, ap_cur *c, ap_event *ev)
{
	if (AP_EAT(c, AP_REDACTED ") "))
		return 1;
	if (!AP_AT(c, "'")) {
		ap_add_redact(ev, ln, c->p, ap_cur_left(c));
		return 0;
	}
	/* the password ends at the last "') " (it may hold spaces, quotes,
	 * "') " and '@'); a line cut short inside it loses the rest */
	const char *end = AP_MEMRMEM(c->p, ap_cur_left(c), "') ");
	if (end == NULL) {
		ap_add_redact(ev, ln, c->p, ap_cur_left(c));
		return 0;
	}
	ap_add_redact(ev, ln, c->p, (size_t)(end + 1 - c->p));
	c->p = end + AP_LEN("') ");
	return 1;
}

static int rec_vpopmail(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!AP_AT(&c, "vchkpw"))
		return 0;
	ap_span name;
	if (!ap_cur_until(&c, ':', &name) || name.n > 32)
		return 0;
	c.p++;
	ap_cur_skip_blanks(&c);
	ev->daemon = "vpopmail";
	ev->service = service_of(name, ev);

	ap_span rest;
	if (AP_EAT(&c, "password fail") || AP_EAT(&c, "system password fail")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_BAD_PASSWORD;
		ap_cur_skip_blanks(&c);
		if (AP_EAT(&c, "(pass: ") && !password(ln, &c, ev))
			return 1;
	} else if (AP_EAT(&c, "vpopmail user not found") || AP_EAT(&c, "system user not found")
		   || AP_EAT(&c, "system user shadow entry not found")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
	} else if (AP_EAT(&c, "null password given")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_NO_PASSWORD;
	} else if (AP_EAT(&c, "null user name given")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
	} else if (AP_EAT(&c, "invalid user/domain characters")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
	} else if (AP_EAT(&c, "user has no password")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_NO_PASSWORD;
	} else if (AP_EAT(&c, "system password login success")) {
		ev->outcome = AP_OUT_SUCCESS;
	} else if (AP_AT(&c, "(")) {
		/* "(PLAIN) login success" or "(pop) access denied" */
		ap_span inner;
		c.p++;
		if (!ap_cur_until(&c, ')', &inner) || inner.n == 0 || inner.n > 20)
			return 0;
		c.p++;
		ap_cur_skip_blanks(&c);
		if (AP_EAT(&c, "login success")) {
			ev->outcome = AP_OUT_SUCCESS;
			ev->mech = inner;
		} else if (AP_EAT(&c, "access denied")) {
			/* the password was right; the account may not use
			 * this service */
			ev->outcome = AP_OUT_FAILURE;
			ev->reason = AP_R_DISABLED;
		} else {
			return 0;
		}
	} else {
		/* setuid/chdir/autocreate errors are not credential checks */
		return 0;
	}
	rest = ap_span_make(c.p, ap_cur_left(&c));
	set_login_ip(ev, rest);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_vpopmail = {
	AP_FAM_VPOPMAIL,
	"vpopmail",
	rec_vpopmail,
	(const char *const[]){ "vpopmail", "vchkpw", NULL },
};
