/* sendmail.c - sendmail 8.x SMTP AUTH (tags sendmail, sm-mta,
 * sm-acceptingconnections).  Lines start with the queue id ("06I02CNi016764: ")
 * when there is one; it becomes `session`.
 *
 *   AUTH failure (LOGIN): authentication failure (-13) SASL(-13): ...,
 *       user=U, relay=host [ip] (may be forged)          (LogLevel > 9;
 *       user= with AUTH_FAIL_LOG_USER, 8.16)
 *   <relay>: possible SMTP attack: command=AUTH, count=5
 *   AUTH=server, relay=host [ip], authid=U, mech=PLAIN, bits=0   success
 *
 * The relay is the last ", relay=" (the user name is the client's and may
 * hold one), the user the last ", user=" before it.  Reasons from the text
 * after "): ": "authentication failure" -> bad_password, "user not found"
 * -> unknown_user, else other.
 *
 * "possible SMTP attack: command=AUTH, count=N" is written once when a
 * connection reaches the AUTH command limit.  At sendmail's default
 * LogLevel 9 the single "AUTH failure" lines are not logged at all, so it
 * is kept as one failure event with attempts=N (no reason, no user).  With
 * LogLevel > 9 both kinds appear and the summary adds one event more.
 * "AUTH=client" (sendmail authenticating to another server) is not an
 * event. */
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
	if (host.n > 0 && memchr(host.p, ' ', host.n) == NULL)
		ev->rdns = host;
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
	const char *us = AP_MEMRMEM(c->p, (size_t)(rel - c->p), ", user=");
	if (us != NULL)
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
	c->p += 9;
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
	/* "<relay>: possible SMTP attack: command=AUTH, count=N" */
	const char *mark = AP_MEMMEM(c->p, ap_cur_left(c), ": possible SMTP attack: command=");
	if (mark == NULL)
		return 0;
	ap_span relay = ap_span_make(c->p, (size_t)(mark - c->p));
	/* the relay is "[ip]" or "host [ip]" with " (may be forged)":
	 * never text of another message (from=<...>, to=...) */
	if (relay.n == 0 || relay.n > 300 || memchr(relay.p, '=', relay.n) != NULL
	    || memchr(relay.p, '<', relay.n) != NULL || memchr(relay.p, '[', relay.n) == NULL)
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
