/* zimbra.c - Zimbra Collaboration's mailboxd logs, audit.log (the
 * "security" category) and mailbox.log, read by imfile (tag zimbra; the
 * two files may share it).  Both are log4j lines:
 *
 *   DATE TIME,ms LEVEL [THREAD] [k=v;k=v;] CATEGORY - MESSAGE
 *
 * audit.log (ZimbraLog.security):
 *   ... security - cmd=Auth; account=U; protocol=P;                   success
 *   ... security - cmd=Auth; account=U; protocol=P; error=E;          failure
 *   ... security - cmd=AdminAuth; account=U; [...] error=E;           failure (service panel)
 * mailbox.log (SOAP handler, IMAP and POP3 servers):
 *   ... SoapEngine - handler exception: authentication failed for [U], invalid password
 *   ... imap - authentication failed for [U]...                       failure
 * E / the text after "], ": "invalid password" -> bad_password, "account
 * not found" -> unknown_user, "account lockout", "account is locked",
 * "not active" -> disabled.  Service from protocol= (imap, pop3, soap ->
 * webmail, zsync -> activesync, http_basic -> http) or the context's
 * oproto= (smtp: SMTP AUTH proxied through SOAP), else from the thread
 * (ImapServer, Pop3Server, qtp -> http); an "SSL" thread name (ImapSSLServer,
 * Pop3SSLServer) gives tls.
 *
 * Which address is the client's.  ZimbraLog's context holds ip= (the peer
 * of the connection: the client, or the zimbra-proxy in front) and, only
 * when that peer is trusted by Zimbra itself (localhost or
 * zimbraMailTrustedIP: RemoteIP's constructor), oip= (the
 * X-Originating-IP / X-Forwarded-For value the proxy passed: an address or
 * a list "a, b" whose left part the client may have sent) with oport= and
 * oproto=.  Depending on the release RemoteIP.addToLoggingContext writes
 * ip= beside oip= always, only when it is not localhost, or never.  So
 * with oip= the sender is a proxy Zimbra vetted: ev->fwd = oip with
 * ev->ip = 127.0.0.1, and the pipeline reads the list right to left past
 * the trusted proxies (the right end is what the proxy saw).  Without
 * oip=: ev->ip = ip=, port = port=.
 *
 * Threat model.  name=, aname=, ua= (the User-Agent or IMAP ID), the
 * account and the error text are the client's.  ZimbraLog.encodeArg
 * writes every context value and encodeAttrs every message attribute as
 * "key=value;" with each ';' inside a value doubled and CR/LF turned into
 * blanks, so a value cannot end its field early: the context and the
 * attributes are read field by field with that escape.  The thread name
 * (a Jetty thread carries the request URL, without blanks) ends at the
 * first "] ".  In mailbox.log the text after "authentication failed for
 * [" is the user name up to the last "]" (a user name may hold "], ").
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* one "key=value;" field at c (value with ";;" escapes); the cursor moves
 * past the terminating ';' */
static int field(ap_cur *c, ap_span *key, ap_span *val)
{
	const char *k = c->p;
	while (c->p < c->e && *c->p != '=' && *c->p != ';' && *c->p != ']' && *c->p != ' ')
		c->p++;
	if (c->p == k || c->p == c->e || *c->p != '=')
		return 0;
	*key = ap_span_make(k, (size_t)(c->p - k));
	const char *v = ++c->p;
	while (c->p < c->e) {
		if (*c->p == ';') {
			if (c->p + 1 < c->e && c->p[1] == ';') {
				c->p += 2;
				continue;
			}
			break;
		}
		c->p++;
	}
	if (c->p == c->e)
		return 0;
	*val = ap_span_make(v, (size_t)(c->p - v));
	c->p++;
	return 1;
}

struct zctx {
	ap_span ip, oip, port, oport, oproto;
};

static const char *service_of(ap_span p, int8_t *tls)
{
	if (AP_SPAN_IIS(p, "soap"))
		return "webmail";
	if (AP_SPAN_IIS(p, "zsync"))
		return "activesync";
	if (AP_SPAN_IIS(p, "http_basic") || AP_SPAN_IIS(p, "http_dav"))
		return "http";
	return ap_service_from_word(p.p, p.n, tls);
}

static void set_port(ap_event *ev, ap_span v)
{
	int64_t n;
	if (v.n == 0) /* an absent field is an empty span with no pointer */
		return;
	ap_cur k = ap_cur_make(v.p, v.n);
	if (ap_cur_uint(&k, &n) && k.p == k.e && n <= 65535)
		ev->port = (int32_t)n;
}

/* the message of a failure's reason text */
static void reason_of(ap_event *ev, const char *p, size_t n)
{
	if (AP_MEMMEM(p, n, "invalid password") != NULL)
		ev->reason = AP_R_BAD_PASSWORD;
	else if (AP_MEMMEM(p, n, "account not found") != NULL
		 || AP_MEMMEM(p, n, "no such account") != NULL)
		ev->reason = AP_R_UNKNOWN_USER;
	else if (AP_MEMMEM(p, n, "lockout") != NULL || AP_MEMMEM(p, n, "is locked") != NULL
		 || AP_MEMMEM(p, n, "not active") != NULL)
		ev->reason = AP_R_DISABLED;
}

/* "cmd=Auth; account=U; protocol=P; [error=E;]" */
static int audit(ap_cur *c, ap_event *ev)
{
	ap_span k, v, cmd = { NULL, 0 }, acct = { NULL, 0 }, proto = { NULL, 0 }, err = { NULL, 0 };
	int have_err = 0;
	while (c->p < c->e) {
		ap_cur_skip_blanks(c);
		if (c->p == c->e)
			break;
		if (!field(c, &k, &v))
			return 0;
		if (AP_SPAN_IS(k, "cmd"))
			cmd = v;
		else if (AP_SPAN_IS(k, "account"))
			acct = v;
		else if (AP_SPAN_IS(k, "protocol"))
			proto = v;
		else if (AP_SPAN_IS(k, "error")) {
			err = v;
			have_err = 1;
		}
	}
	if (AP_SPAN_IS(cmd, "AdminAuth")) {
		ev->service = "panel";
	} else if (AP_SPAN_IS(cmd, "Auth")) {
		if (proto.n > 0)
			ev->service = service_of(proto, &ev->tls);
	} else {
		return 0;
	}
	ap_set_user(ev, acct.p, acct.n);
	if (have_err) {
		ev->outcome = AP_OUT_FAILURE;
		reason_of(ev, err.p, err.n);
	} else {
		ev->outcome = AP_OUT_SUCCESS;
	}
	return 1;
}

/* "... authentication failed for [U][, reason]" */
static int mailbox(ap_cur *c, ap_event *ev)
{
	if (!AP_SKIP_PAST(c, "authentication failed for ["))
		return 0;
	const char *u = c->p, *e = c->e;
	const char *close = NULL;
	const char *sep = AP_MEMRMEM(u, (size_t)(e - u), "], ");
	if (sep != NULL) {
		close = sep;
		reason_of(ev, sep + AP_LEN("], "), (size_t)(e - sep) - AP_LEN("], "));
	} else {
		close = e;
		while (close > u && close[-1] != ']')
			close--;
		if (close == u)
			return 0;
		close--;
	}
	ev->outcome = AP_OUT_FAILURE;
	ap_set_user(ev, u, (size_t)(close - u));
	return 1;
}

static int rec_zimbra(const ap_line *ln, ap_event *ev)
{
	int64_t t;
	size_t n = ap_parse_ymdhms(ln->msg, ln->len, ' ', &t);
	if (n == 0)
		return 0;
	ap_cur c = ap_cur_make(ln->msg + n, ln->len - n);
	if (AP_EAT(&c, ",")) {
		while (c.p < c.e && *c.p >= '0' && *c.p <= '9')
			c.p++;
	}
	ap_cur_skip_blanks(&c);
	ap_cur_word(&c); /* level */
	ap_cur_skip_blanks(&c);
	/* [THREAD] */
	if (!AP_EAT(&c, "["))
		return 0;
	const char *th = c.p;
	if (!AP_FIND(&c, "] "))
		return 0;
	ap_span thread = ap_span_make(th, (size_t)(c.p - th));
	c.p += AP_LEN("] ");
	/* [CONTEXT] */
	if (!AP_EAT(&c, "["))
		return 0;
	struct zctx z;
	memset(&z, 0, sizeof(z));
	while (!AP_AT(&c, "]")) {
		ap_span k, v;
		if (!field(&c, &k, &v))
			return 0;
		if (AP_SPAN_IS(k, "ip"))
			z.ip = v;
		else if (AP_SPAN_IS(k, "oip"))
			z.oip = v;
		else if (AP_SPAN_IS(k, "port"))
			z.port = v;
		else if (AP_SPAN_IS(k, "oport"))
			z.oport = v;
		else if (AP_SPAN_IS(k, "oproto"))
			z.oproto = v;
	}
	c.p++;
	if (!AP_EAT(&c, " "))
		return 0;
	/* CATEGORY - MESSAGE */
	ap_span cat = ap_cur_word(&c);
	if (!AP_EAT(&c, " - "))
		return 0;

	ev->daemon = "zimbra";
	if (AP_MEMMEM(thread.p, thread.n, "SSL") != NULL)
		ev->tls = 1;
	int ok;
	if (AP_SPAN_IS(cat, "security"))
		ok = audit(&c, ev);
	else
		ok = mailbox(&c, ev);
	if (!ok)
		return 0;
	if (z.oproto.n > 0)
		ev->service = ap_service_from_word(z.oproto.p, z.oproto.n, &ev->tls);
	if (ev->service == NULL) {
		if (AP_HAS_PREFIX(thread.p, thread.n, "Imap"))
			ev->service = "imap";
		else if (AP_HAS_PREFIX(thread.p, thread.n, "Pop3"))
			ev->service = "pop3";
		else if (AP_HAS_PREFIX(thread.p, thread.n, "qtp"))
			ev->service = "http";
	}

	if (z.oip.n > 0) {
		/* sent by a proxy Zimbra trusts (it logs oip= for no other) */
		ap_set_ip(&ev->ip, "127.0.0.1", AP_LEN("127.0.0.1"));
		ev->fwd = z.oip;
		set_port(ev, z.oport);
	} else if (z.ip.n > 0) {
		ap_set_ip(&ev->ip, z.ip.p, z.ip.n);
		set_port(ev, z.port);
	}
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_zimbra = {
	AP_FAM_ZIMBRA,
	"zimbra",
	rec_zimbra,
	(const char *const[]){ "zimbra", "zimbra-audit", "zimbra-mailbox", NULL },
};
