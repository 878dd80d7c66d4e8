/* vpopmail.c - vpopmail's vchkpw (qmail, qmailtoaster), 5.4.x.
 *
 * Every line is "<logname>: <text> <login>:<ip>" where logname is
 * "vchkpw-<service>" (from the local port: pop3, pop3s, imap, imaps, smtp,
 * smtps, submission, webmail or a bare port number) or plain "vchkpw".
 * The templates (vchkpw.c, main(), read_user_pass(), login_virtual_user(),
 * login_system_user()), outcome and reason:
 *
 *   password fail [(pass: '<pw>') ]<user>@<domain>:<ip>     failure, bad_password
 *   system password fail [(pass: '<pw>') ]<name>:<ip>       failure, bad_password
 *   vpopmail user not found <user>@<domain>:<ip>            failure, unknown_user
 *   system user not found <user>:<ip>                       failure, unknown_user
 *   system user shadow entry not found <name>:<ip>          failure, unknown_user
 *   null user name given <name>:<ip>                        failure, unknown_user
 *   null password given <name>:<ip>                         failure, no_password
 *   invalid user/domain characters <name>:<ip>              failure, unknown_user
 *   user has no password <user>@<domain>:<ip>               failure, no_password
 *   pop|smtp|imap|webmail access denied <user>@<domain>:<ip> failure, disabled
 *   (<svc>) access denied <user>@<domain>:<ip>              failure, disabled (older)
 *   (<MECH>) login success <user>@<domain>:<ip>             success (MECH is
 *                                                           PLAIN, CRAM-MD5, APOP)
 *   system password login success <user>:<ip>               success
 * The setuid/setgid/chdir/putenv/autocreate errors come after a good
 * login and are not credential checks: not events.
 *
 * Threat model.  The wording after the log name is vchkpw's and sits at a
 * fixed position before any client text, so a client cannot choose the
 * outcome.  <ip> is TCPREMOTEIP (tcpserver; get_remote_ip() strips
 * "::ffff:"), the server's, and ends the line.  The login is the client's:
 * <user>, <domain> and <name> in the templates above come from
 * parse_email(), which splits the login at the first '@' (or '%', '/') and
 * rejects every user or domain holding a character outside its lists (no
 * space, ':', '@', '(', ')', '[', ']' ...).  Three templates log the raw
 * login from the client (at most 155 bytes, any byte but NUL, '%' shown as
 * '#'): "null user name given", "null password given" (written before
 * parse_email) and "invalid user/domain characters" (written because
 * parse_email refused it).  The attempted password (logging levels 3 and
 * 4) is any text the client sent, quotes and "') " included.
 *
 * Anchor: the address is read from the end of the line.  Text after the
 * last ':' holding a '.' (or nothing) is the IPv4 address (or its
 * absence): an IPv4 address holds no ':', so the last ':' is vchkpw's.
 * An IPv6 address holds ':' itself: after a checked login (no ':' in it)
 * it starts after the first ':' that follows the last '@'; after a raw
 * login it is taken only when exactly one ':' of the line starts a valid
 * address, and otherwise the event is kept without it ("ambiguous": a
 * compressed "2001:db8::1" after "bob:" could be "db8::1" after
 * "bob:2001:").  The password runs from "(pass: '" to the last "') " of
 * the line: the checked login after it holds neither a space nor ')'.  It
 * is redacted with its quotes, and the redacted form "(pass: [REDACTED]) "
 * reads the same.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static const char *service_of(ap_span name, ap_event *ev)
{
	/* "vchkpw-pop3s" -> "pop3s" */
	if (name.n <= AP_LEN("vchkpw-"))
		return NULL;
	return ap_service_from_word(name.p + AP_LEN("vchkpw-"), name.n - AP_LEN("vchkpw-"),
				    &ev->tls);
}

/* the longest IPv6 text vchkpw can log, with a zone */
#define V6_MAX 64

/* "<login>:<ip>" at the end of the line; raw: the login is the client's
 * unchecked text and may hold ':' itself */
static void set_login_ip(ap_event *ev, ap_span tail, int raw)
{
	tail = ap_span_trim(tail);
	const char *e = tail.p + tail.n;
	const char *lc = AP_MEMRMEM(tail.p, tail.n, ":");
	if (lc == NULL) {
		ap_set_user(ev, tail.p, tail.n); /* no address at all */
		return;
	}
	/* an IPv4 address (or none): after the last ':' */
	int v4 = memchr(lc + 1, '.', (size_t)(e - lc - 1)) != NULL || lc + 1 == e;
	const char *uend = lc, *ip = lc + 1;
	if (!raw) {
		/* a checked login holds no ':': it ends at the first one after
		 * the '@' (an IPv6 address starts there, "::ffff:a.b.c.d" too) */
		const char *at = AP_MEMRMEM(tail.p, tail.n, "@");
		const char *from = at ? at : tail.p;
		uend = memchr(from, ':', (size_t)(e - from));
		if (uend == NULL)
			uend = lc;
		if (!v4)
			ip = uend + 1;
		/* "user@" means the client gave no domain */
		if (uend > tail.p && uend[-1] == '@')
			uend--;
	} else if (!v4) {
		/* a ':' that starts a valid address, and only one; with more,
		 * the login is read up to the leftmost */
		const char *lo = (size_t)(e - tail.p) > V6_MAX ? e - V6_MAX : tail.p;
		int nvalid = 0;
		ap_addr a;
		for (const char *q = lc; q != NULL;
		     q = q > lo ? AP_MEMRMEM(lo, (size_t)(q - lo), ":") : NULL) {
			if (ap_addr_parse(q + 1, (size_t)(e - q - 1), &a)) {
				nvalid++;
				uend = q;
			}
		}
		ip = uend + 1;
		if (nvalid > 1) {
			ev->ambiguous = true;
			ip = e;
		}
	}
	ap_set_user(ev, tail.p, (size_t)(uend - tail.p));
	if (ip < e)
		ap_set_ip(&ev->ip, ip, (size_t)(e - ip));
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

	int raw = 0;
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
		raw = 1;
	} else if (AP_EAT(&c, "null user name given")
		   || AP_EAT(&c, "invalid user/domain characters")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
		raw = 1;
	} else if (AP_EAT(&c, "user has no password")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_NO_PASSWORD;
	} else if (AP_EAT(&c, "system password login success")) {
		ev->outcome = AP_OUT_SUCCESS;
	} else if (AP_EAT(&c, "pop access denied") || AP_EAT(&c, "smtp access denied")
		   || AP_EAT(&c, "imap access denied") || AP_EAT(&c, "webmail access denied")) {
		/* the password was right; the account may not use this
		 * service */
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
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
			ev->outcome = AP_OUT_FAILURE;
			ev->reason = AP_R_DISABLED;
		} else {
			return 0;
		}
	} else {
		/* setuid/chdir/autocreate errors are not credential checks */
		return 0;
	}
	set_login_ip(ev, ap_span_make(c.p, ap_cur_left(&c)), raw);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_vpopmail = {
	AP_FAM_VPOPMAIL,
	"vpopmail",
	rec_vpopmail,
	(const char *const[]){ "vpopmail", "vchkpw", NULL },
};
