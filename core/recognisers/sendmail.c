/* sendmail.c - sendmail 8.x SMTP AUTH (tags sendmail, sm-mta,
 * sm-acceptingconnections).  Lines start with the queue id ("06I02CNi016764: ")
 * when there is one; it becomes `session`.
 *
 *   AUTH failure (LOGIN): authentication failure (-13) SASL(-13): ...,
 *       user=U, relay=host [ip] (may be forged)          (LogLevel >= 9;
 *       user= with AUTH_FAIL_LOG_USER, 8.16)
 *   <relay>: possible SMTP attack: command=AUTH, count=5
 *   AUTH=server, relay=host [ip], authid=U, mech=PLAIN, bits=0   success
 *
 * Reasons from the text after "): ": "authentication failure" ->
 * bad_password, "user not found" -> unknown_user, else other.
 *
 * "possible SMTP attack: command=AUTH, count=N" is written once when a
 * connection reaches the AUTH command limit.  At sendmail's default
 * LogLevel 9 the single "AUTH failure" lines are not logged at all, so it
 * is kept as one failure event with attempts=N (no reason, no user).  With
 * LogLevel > 9 both kinds appear and the summary adds one event more.
 * "AUTH=client" (sendmail authenticating to another server) is not an
 * event.
 *
 * Threat model (srvrsmtp.c: LOGAUTHFAIL, the "AUTH=server" sm_syslog,
 * checksmtpattack(); daemon.c getauthinfo()).  <relay> is CurSmtpClient,
 * sendmail's: "[<ident>@]<host> [<addr>][ (may be forged)]" or "[<addr>]",
 * where <host> is a resolver-checked name and <ident> went through
 * cleanstrcpy() (letters, digits and !#$%&'*+-./^_`{|}~ only).  The
 * client writes: the SASL library's detail text (it may quote the user),
 * the user after ", user=" (at most 64 bytes of what the client sent;
 * sm_syslog() escapes what is not printable) and the authid (xtext: no
 * blank, no '=').  The mechanism is one the server offered.  Anchors: the
 * verdict is at the start of the message; the failure's relay is the last
 * ", relay=" (nothing the client writes follows it) and the user the text
 * between the one ", user=" before it and the relay (none when the detail
 * or the user repeats the marker); the success's relay is the first
 * "relay=", before any client text; the attack summary must end the
 * message and its relay must have CurSmtpClient's shape from the start of
 * the message.  sm_syslog() splits messages over about 1000 bytes into
 * "<id>[N]: ..." parts: those parts carry no queue id of the expected
 * shape and are not read.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "host [ip]", "[ip]", "[IPv6:...]", each maybe followed by
 * " (may be forged)"; rdns is the host word */
static void set_relay(ap_event *ev, ap_span r)
{
	r = ap_span_trim(r);
	const char *lb = memchr(r.p, '[', r.n);
	if (lb == NULL) {
		/* "relay=localhost" or "relay=root@localhost": no address */
		return;
	}
	const char *rb = memchr(lb, ']', r.n - (size_t)(lb - r.p));
	if (rb == NULL)
		return;
	ap_set_ip(&ev->ip, lb, (size_t)(rb + 1 - lb));
	ap_span host = ap_span_trim(ap_span_make(r.p, (size_t)(lb - r.p)));
	/* "<ident>@<host>": the name is after the '@' */
	const char *at = host.n ? AP_MEMRMEM(host.p, host.n, "@") : NULL;
	if (at != NULL)
		host = ap_span_make(at + 1, host.n - (size_t)(at + 1 - host.p));
	if (host.n > 0 && memchr(host.p, ' ', host.n) == NULL)
		ev->rdns = host;
}

/* CurSmtpClient exactly: "[<ident>@]<host> [<addr>][ (may be forged)]" or
 * "[<addr>][ (may be forged)]" */
static int relay_shape(ap_span r)
{
	const char *p = r.p, *e = r.p + r.n;
	if (p < e && *p != '[') {
		const char *s = p;
		while (p < e && *p != ' ' && *p != '[' && *p != ']' && *p != '(' && *p != ',')
			p++;
		if (p == s || p >= e || *p != ' ')
			return 0;
		p++;
	}
	if (p >= e || *p != '[')
		return 0;
	const char *rb = memchr(p, ']', (size_t)(e - p));
	if (rb == NULL || memchr(p, ' ', (size_t)(rb - p)) != NULL)
		return 0;
	p = rb + 1;
	ap_span rest = ap_span_make(p, (size_t)(e - p));
	return rest.n == 0 || AP_SPAN_IS(rest, " (may be forged)");
}

static int auth_failure(ap_cur *c, ap_event *ev)
{
	ap_span m;
	if (!ap_cur_until(c, ')', &m) || m.n == 0 || m.n > 32)
		return 0;
	c->p++;
	if (!AP_EAT(c, ": "))
		return 0;
	ev->mech = m;
	ev->outcome = AP_OUT_FAILURE;
	if (AP_AT(c, "authentication failure"))
		ev->reason = AP_R_BAD_PASSWORD;
	else if (AP_AT(c, "user not found"))
		ev->reason = AP_R_UNKNOWN_USER;
	else
		ev->reason = AP_R_OTHER;
	const char *rel = AP_MEMRMEM(c->p, ap_cur_left(c), ", relay=");
	if (rel == NULL)
		return 1; /* cut short before the relay */
	set_relay(ev, ap_span_make(rel + AP_LEN(", relay="),
				   (size_t)(c->e - rel) - AP_LEN(", relay=")));
	/* the user is the client's, and so is part of the SASL detail: it
	 * is read only when ", user=" occurs once */
	const char *us = AP_MEMRMEM(c->p, (size_t)(rel - c->p), ", user=");
	if (us != NULL && AP_MEMRMEM(c->p, (size_t)(us - c->p), ", user=") == NULL)
		ap_set_user(ev, us + AP_LEN(", user="), (size_t)(rel - us) - AP_LEN(", user="));
	return 1;
}

static int auth_server(ap_cur *c, ap_event *ev)
{
	if (!AP_EAT(c, "relay="))
		return 0;
	const char *r = c->p;
	if (!AP_FIND(c, ", authid="))
		return 0;
	set_relay(ev, ap_span_make(r, (size_t)(c->p - r)));
	c->p += AP_LEN(", authid=");
	/* authid is the authenticated identity; mech= follows it */
	const char *u = c->p;
	const char *me = AP_MEMRMEM(u, ap_cur_left(c), ", mech=");
	if (me == NULL)
		return 0;
	ap_set_user(ev, u, (size_t)(me - u));
	c->p = me + AP_LEN(", mech=");
	ap_span m;
	if (ap_cur_until(c, ',', &m) || (m = ap_cur_word(c)).n > 0)
		ev->mech = m;
	ev->outcome = AP_OUT_SUCCESS;
	return 1;
}

static int smtp_attack(ap_cur *c, ap_event *ev)
{
	/* "<relay>: possible SMTP attack: command=AUTH, count=N", the whole
	 * message: the summary ends it and the relay starts it */
	const char *mark = AP_MEMRMEM(c->p, ap_cur_left(c), ": possible SMTP attack: command=");
	if (mark == NULL)
		return 0;
	ap_span relay = ap_span_make(c->p, (size_t)(mark - c->p));
	if (relay.n == 0 || relay.n > 300 || !relay_shape(relay))
		return 0;
	c->p = mark + AP_LEN(": possible SMTP attack: command=");
	if (!AP_EAT(c, "AUTH, count="))
		return 0;
	int64_t n;
	if (!ap_cur_uint(c, &n))
		return 0;
	ap_cur_skip_blanks(c);
	if (c->p != c->e)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->attempts = n > 0x7fffffff ? 0x7fffffff : (int32_t)n;
	set_relay(ev, relay);
	return 1;
}

static int rec_sendmail(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "sendmail";
	ev->service = "smtp";

	/* queue id: 8 to 20 letters and digits, then ": " */
	const char *q = c.p;
	size_t n = 0;
	while (n < ap_cur_left(&c) && n <= 20 && is_alnum(q[n]))
		n++;
	if (n >= 8 && n <= 20 && ap_cur_left(&c) >= n + 2 && q[n] == ':' && q[n + 1] == ' ') {
		ev->session = ap_span_make(q, n);
		c.p += n + 2;
	} else if (AP_EAT(&c, "NOQUEUE: ")) {
		/* no queue id yet */
	}

	if (AP_EAT(&c, "AUTH failure ("))
		return auth_failure(&c, ev);
	if (AP_EAT(&c, "AUTH=server, "))
		return auth_server(&c, ev);
	return smtp_attack(&c, ev);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_sendmail = {
	AP_FAM_SENDMAIL,
	"sendmail",
	rec_sendmail,
	(const char *const[]){ "sendmail", "sm-mta", "sm-acceptingconnections", NULL },
};
