/* qmail.c - qmail's SMTP AUTH outside vchkpw (vchkpw's own lines are
 * vpopmail.c's): Plesk's smtp_auth checkpassword (tag smtp_auth), the
 * InterWorx qmail-smtpd (tag qmail-smtpd, or its multilog file read with
 * imfile), and the spamcontrol / s/qmail qmail-smtpd log (tags
 * qmail-smtpd and qmail, splogger's).  Service smtp.
 *
 *   [smtp_auth: ]FAILED: U - password incorrect from INFO@HOST [IP]
 *                                                      failure, bad_password
 *   [smtp_auth: ]SMTP user U : [PATH ]logged in from INFO@HOST [IP]
 *                                                      success
 *   [qmail-smtpd[PID]: ]AUTH failed [IP] U             failure (InterWorx)
 *   qmail-smtpd: pid N Reject::AUTH::MECH P:PROTO S:IP:HOST H:HELO ?~ 'U'
 *                                                      failure
 *   qmail-smtpd: pid N Accept::AUTH::MECH P:PROTO S:IP:HOST H:HELO
 *                F:FROM T:TO ?~ 'U'                    success
 *
 * The multilog stamp ("@4000000068a1b2c3..." ) or splogger's
 * ("1157520813.485077 ") may come first.  In the spamcontrol lines
 * PROTO ESMTPSA says TLS, ESMTPA plain text; MECH is login, plain or a
 * cram/digest method ("Reject::AUTH::Auth_Meth", a refused method, is no
 * credential check).  "SMTP connect from", rblsmtpd's RBL refusals and
 * qmail-smtpd's other Reject:: lines are not events.
 *
 * Threat model.  The client types U (the AUTH user name), HELO, FROM and
 * TO; INFO is the client's ident answer (tcpserver's TCPREMOTEINFO) and
 * HOST its reverse DNS.  Plesk's smtp_auth writes the address last,
 * "[IP]" ending the line: it is read from the end.  U is read only when
 * " - password incorrect " occurs once (INFO may hold it too).  The
 * InterWorx line writes the address first, at a fixed place, and U after
 * it.  The spamcontrol line writes MECH, PROTO, IP and HOST (no blank in
 * any of them) before HELO: the address is the "S:" field up to the
 * first " H:"; U is the quoted text after " ?~ '" when that occurs once.
 * The outcome always comes from a fixed place at the start (FAILED /
 * SMTP user / AUTH failed / Reject:: / Accept::), before any client text.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* the multilog or splogger stamp, and the program name a file holds */
static void skip_prefix(ap_cur *c)
{
	if (AP_AT(c, "@4000")) {
		ap_cur_word(c);
		ap_cur_skip_blanks(c);
	} else if (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
		/* "1157520813.485077 " */
		ap_cur k = *c;
		ap_span w = ap_cur_word(&k);
		const char *dot = memchr(w.p, '.', w.n);
		if (dot != NULL && dot > w.p && AP_EAT(&k, " "))
			*c = k;
	}
	if (AP_AT(c, "qmail-smtpd[")) {
		ap_cur k = *c;
		if (ap_cur_until(&k, ']', &(ap_span){ NULL, 0 }) && AP_EAT(&k, "]: "))
			*c = k;
	}
}

/* "... [IP]" at the end of the line */
static int ip_at_end(ap_event *ev, const char *p, const char *e)
{
	if (e == p || e[-1] != ']')
		return 0;
	const char *o = e - 1;
	while (o > p && o[-1] != '[')
		o--;
	if (o == p || o - 1 == p || o[-2] != ' ')
		return 0;
	ap_set_ip(&ev->ip, o, (size_t)(e - 1 - o));
	return 1;
}

/* Plesk's smtp_auth */
static int plesk(ap_event *ev, ap_cur *c)
{
	static const char bad[] = " - password incorrect ";
	if (AP_EAT(c, "FAILED: ")) {
		/* " - password incorrect from" (some versions write two blanks) */
		const char *b = AP_MEMMEM(c->p, ap_cur_left(c), bad);
		if (b == NULL || !ip_at_end(ev, c->p, c->e))
			return 0;
		ap_cur k = ap_cur_make(b + AP_LEN(bad), (size_t)(c->e - b) - AP_LEN(bad));
		ap_cur_skip_blanks(&k);
		if (!AP_AT(&k, "from "))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_BAD_PASSWORD;
		if (b == AP_MEMRMEM(c->p, ap_cur_left(c), bad))
			ap_set_user(ev, c->p, (size_t)(b - c->p));
		return 1;
	}
	if (AP_EAT(c, "SMTP user ")) {
		/* U is an account smtp_auth accepted */
		const char *s = AP_MEMMEM(c->p, ap_cur_left(c), " : ");
		if (s == NULL || AP_MEMMEM(s, (size_t)(c->e - s), "logged in from ") == NULL
		    || !ip_at_end(ev, c->p, c->e))
			return 0;
		ev->outcome = AP_OUT_SUCCESS;
		ap_set_user(ev, c->p, (size_t)(s - c->p));
		return 1;
	}
	return 0;
}

/* spamcontrol / s/qmail: after "Reject::AUTH::" or "Accept::AUTH::" */
static int spamcontrol(ap_event *ev, ap_cur *c)
{
	static const char *const mechs[] = { "login",       "plain",       "cram-md5",  "cram-sha1",
					     "cram-sha256", "cram-ripemd", "digest-md5" };
	ap_span mech = ap_cur_word(c);
	int known = 0;
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (ap_span_ieq(mech, mechs[i], strlen(mechs[i])))
			known = 1;
	if (!known || !AP_EAT(c, " P:"))
		return 0;
	ap_span proto = ap_cur_word(c);
	if (!AP_EAT(c, " S:"))
		return 0;
	/* "IP:HOST", neither with a blank, then " H:" */
	ap_span sh = ap_cur_word(c);
	if (!AP_AT(c, " H:"))
		return 0;
	const char *colon = AP_MEMRMEM(sh.p, sh.n, ":");
	if (colon == NULL)
		return 0;
	ev->mech = mech;
	if (AP_SPAN_IIS(proto, "ESMTPSA"))
		ev->tls = 1;
	else if (AP_SPAN_IIS(proto, "ESMTPA"))
		ev->tls = 0;
	ap_set_ip(&ev->ip, sh.p, (size_t)(colon - sh.p));
	ap_span host = ap_span_make(colon + 1, sh.n - (size_t)(colon + 1 - sh.p));
	if (!AP_SPAN_IS(host, "unknown"))
		ap_set_ip_or_rdns(ev, host);
	/* the user: " ?~ 'U'" ending the line, when it occurs once */
	size_t n = ap_cur_left(c);
	const char *q = AP_MEMRMEM(c->p, n, " ?~ '");
	if (q != NULL && q == AP_MEMMEM(c->p, n, " ?~ '") && c->e[-1] == '\'') {
		const char *u = q + AP_LEN(" ?~ '");
		if (u < c->e - 1)
			ap_set_user(ev, u, (size_t)(c->e - 1 - u));
	}
	return 1;
}

static int rec_qmail(const ap_line *ln, ap_event *ev)
{
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));
	ev->daemon = "qmail";
	ev->service = "smtp";
	skip_prefix(&c);

	if (AP_EAT(&c, "smtp_auth: ") || AP_AT(&c, "FAILED: ") || AP_AT(&c, "SMTP user "))
		return plesk(ev, &c);
	if (AP_EAT(&c, "AUTH failed [")) {
		/* InterWorx: the address first, then the user */
		ap_span ip;
		if (!ap_cur_until(&c, ']', &ip) || !ap_set_ip(&ev->ip, ip.p, ip.n))
			return 0;
		c.p++;
		ev->outcome = AP_OUT_FAILURE;
		if (AP_EAT(&c, " "))
			ap_set_user(ev, c.p, ap_cur_left(&c));
		return 1;
	}
	if (AP_EAT(&c, "qmail-smtpd: pid ")) {
		int64_t pid;
		if (!ap_cur_uint(&c, &pid) || !AP_EAT(&c, " "))
			return 0;
		if (AP_EAT(&c, "Reject::AUTH::"))
			ev->outcome = AP_OUT_FAILURE;
		else if (AP_EAT(&c, "Accept::AUTH::"))
			ev->outcome = AP_OUT_SUCCESS;
		else
			return 0;
		return spamcontrol(ev, &c);
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_qmail = {
	AP_FAM_QMAIL,
	"qmail",
	rec_qmail,
	(const char *const[]){ "smtp_auth", "qmail-smtpd", "qmail", NULL },
};
