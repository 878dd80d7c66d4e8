/* cyrus.c - Cyrus IMAP (imapd, pop3d, timsieved) 2.x and 3.x.
 *
 *   badlogin: <rdns> [ip] plaintext <user> SASL(-13): authentication failure: ...
 *   badlogin: <rdns> [ip] <MECH> [SASL(-13): user not found: ...]
 *   badlogin: [ip] plain [SASL(-13): ...]                 (no reverse name)
 *   badlogin: example.com[1.2.3.4] PLAIN authentication failure   (timsieved)
 *   login: <rdns> [ip] <user> <mech>[+TLS] User logged in[ SESSIONID=<id>]
 *
 * "plaintext" is Cyrus's word for the protocol's own clear-text login
 * command (IMAP LOGIN, POP3 USER/PASS, sieve PLAIN without SASL): it is
 * reported as mech LOGIN.  A "+TLS" suffix on the mechanism says the
 * session runs under TLS; Cyrus writes it on every success, so a success
 * without it (and not on imaps/pop3s) has tls=false.  badlogin lines do
 * not carry it: tls comes from the tag alone.
 *
 *   badlogin: <host> plaintext <user> invalid user         (name refused)
 *   3.6+: badlogin: <host> plaintext (<user>) [SASL(-13): ...]
 *         badlogin: <host> <MECH> (<user>) [SASL(-13): ...]
 *         badlogin: <host> plaintext (<user>) invalid user
 *
 * Reasons from the SASL text: "authentication failure" -> bad_password,
 * "user not found" -> unknown_user, anything else -> other.
 * The service comes from the tag's last component: imap/imapd, imaps
 * (tls), pop3/pop3d, pop3s (tls), sieve/timsieved.
 *
 * Threat model (imap/imapd.c cmd_login() and cmd_authenticate(),
 * imap/pop3d.c, imap/global.c get_clienthost(), lib/auth_unix.c
 * mycanonifyid()): Cyrus writes "badlogin: "/"login: ", the host part
 * "[<rdns> ][<ip>]" (the PTR name as the resolver returned it: no blank
 * and no '['), the mechanism word, "User logged in", the session ID and
 * "SASL(<code>): <errstring>".  The client writes the user (for the
 * SASL forms canonicalised: any of auth_unix's characters, blanks and
 * brackets included but no ':'; for "invalid user" the raw name), the
 * SASL detail after the errstring (which may repeat the user), and an
 * anonymous login's password ("login: <host> anonymous <password>").
 * Anchors: the host part is the first "[...]" after "badlogin: " /
 * "login: ", before any client text, so a planted "[ip]" never counts;
 * the SASL reason is the first " SASL(<code>): " (a canonical user holds
 * no ':'); an "invalid user" line ends with Cyrus's words; a success is
 * the last " User logged in" of a "login: " line, and an anonymous login
 * (whose password is the client's) is not read.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static const char *service_of(const ap_line *ln, int8_t *tls)
{
	const char *p = ln->prog;
	size_t n = ln->proglen;
	const char *slash = AP_MEMRMEM(p, n, "/");
	if (slash != NULL) {
		n -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	ap_span w = ap_span_make(p, n);
	if (AP_SPAN_IIS(w, "timsieved") || AP_SPAN_IIS(w, "sieved"))
		return "sieve";
	return ap_service_from_word(p, n, tls);
}

/* "<rdns> [ip]", "[ip]" or "<rdns>[ip]"; cursor after "] " */
static int client_host(ap_cur *c, ap_event *ev)
{
	ap_span before;
	if (!ap_cur_until(c, '[', &before) || before.n > 255)
		return 0;
	if (memchr(before.p, ' ', before.n) != NULL) {
		/* only a trailing space may separate the name from "[" */
		ap_span t = ap_span_trim(before);
		if (memchr(t.p, ' ', t.n) != NULL)
			return 0;
		before = t;
	}
	c->p++;
	ap_span ip;
	if (!ap_cur_until(c, ']', &ip))
		return 0;
	c->p++;
	/* an address, "local" or "unix socket" (UNIX_SOCKET): an unclosed
	 * group ran into the client's text */
	if (memchr(ip.p, ' ', ip.n) != NULL && !AP_SPAN_IS(ip, "unix socket"))
		return 0;
	/* a PTR name that reads as an address is no name (and never the
	 * address) */
	ap_addr probe;
	if (before.n > 0 && !ap_set_ip(&probe, before.p, before.n))
		ev->rdns = before;
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return AP_EAT(c, " ");
}

static int is_plaintext(ap_span m)
{
	return AP_SPAN_IIS(m, "plaintext");
}

/* mech word, "+TLS" cut off (sets tls) and plaintext -> LOGIN */
static void set_mech(ap_event *ev, ap_span m, int *plus_tls)
{
	*plus_tls = 0;
	if (m.n > AP_LEN("+TLS") && AP_HAS_ISUFFIX(m.p, m.n, "+TLS")) {
		m.n -= AP_LEN("+TLS");
		*plus_tls = 1;
		ev->tls = 1;
	}
	if (is_plaintext(m))
		ev->mech = AP_SPAN_LIT("LOGIN");
	else if (m.n > 0)
		ev->mech = m;
}

/* "SASL(<code>): <errstring>" at p: the reason from the errstring */
static int sasl_at(ap_event *ev, const char *p, const char *e)
{
	ap_cur c = ap_cur_make(p, (size_t)(e - p));
	int64_t code;
	if (!AP_EAT(&c, "SASL("))
		return 0;
	(void)ap_cur_eatc(&c, '-');
	if (!ap_cur_uint(&c, &code) || !AP_EAT(&c, "): "))
		return 0;
	if (AP_AT(&c, "authentication failure"))
		ev->reason = AP_R_BAD_PASSWORD;
	else if (AP_AT(&c, "user not found"))
		ev->reason = AP_R_UNKNOWN_USER;
	else
		ev->reason = AP_R_OTHER;
	return 1;
}

/* the first "<sep>SASL(<code>): " in [p, e): its position, or NULL */
static const char *find_sasl(const char *p, const char *e, const char *sep, size_t sn)
{
	if ((size_t)(e - p) < sn)
		return NULL;
	ap_cur c = ap_cur_make(p + sn, (size_t)(e - p) - sn);
	ap_event probe;
	while (AP_FIND(&c, "SASL(")) {
		if (memcmp(c.p - sn, sep, sn) == 0 && sasl_at(&probe, c.p, e))
			return c.p - sn;
		c.p++;
	}
	return NULL;
}

static void reason_from(ap_event *ev, const char *p, const char *e)
{
	ap_cur c = ap_cur_make(p, (size_t)(e - p));
	ap_cur_skip_blanks(&c);
	(void)ap_cur_eatc(&c, '[');
	if (sasl_at(ev, c.p, c.e))
		return;
	/* timsieved: "PLAIN authentication failure" */
	if (AP_AT(&c, "authentication failure"))
		ev->reason = AP_R_BAD_PASSWORD;
	else if (AP_AT(&c, "user not found"))
		ev->reason = AP_R_UNKNOWN_USER;
	else
		ev->reason = AP_R_OTHER;
}

/* 3.6+ "(<user>) [SASL(...)]" or "(<user>) invalid user" at c */
static int paren_user(ap_cur *c, ap_event *ev)
{
	if (!AP_AT(c, "("))
		return 0;
	const char *u = c->p + 1;
	if (AP_HAS_ISUFFIX(u, (size_t)(c->e - u), ") invalid user")) {
		/* the raw name the client sent */
		ap_set_user(ev, u, (size_t)(c->e - u) - AP_LEN(") invalid user"));
		ev->reason = AP_R_OTHER;
		c->p = c->e;
		return 1;
	}
	const char *f = find_sasl(u, c->e, ") [", AP_LEN(") ["));
	if (f == NULL)
		return 0;
	if (!(f - u == AP_LEN("-notset-") && memcmp(u, "-notset-", AP_LEN("-notset-")) == 0))
		ap_set_user(ev, u, (size_t)(f - u));
	sasl_at(ev, f + AP_LEN(") ["), c->e);
	c->p = c->e;
	return 1;
}

static int badlogin(ap_cur *c, ap_event *ev)
{
	if (!client_host(c, ev))
		return 0;
	ap_span m = ap_cur_word(c);
	if (m.n == 0 || m.n > 40 || m.p[0] == '[')
		return 0;
	int plus_tls;
	set_mech(ev, m, &plus_tls);
	ev->outcome = AP_OUT_FAILURE;
	ap_cur_skip_blanks(c);
	if (paren_user(c, ev))
		return 1;
	if (is_plaintext(m) && c->p < c->e && *c->p != '[') {
		const char *u = c->p;
		if (AP_HAS_ISUFFIX(u, ap_cur_left(c), " invalid user")) {
			/* the raw name the client sent, up to Cyrus's words */
			ap_set_user(ev, u, ap_cur_left(c) - AP_LEN(" invalid user"));
			ev->reason = AP_R_OTHER;
			return 1;
		}
		/* a canonical name (no ':'): it ends at the first
		 * " SASL(<code>): " */
		const char *end = find_sasl(u, c->e, " ", AP_LEN(" "));
		if (end == NULL) {
			ap_span w = ap_cur_word(c);
			end = w.p + w.n;
		}
		ap_set_user(ev, u, (size_t)(end - u));
		c->p = end;
	}
	reason_from(ev, c->p, c->e);
	return 1;
}

static int login(ap_cur *c, ap_event *ev, int8_t tag_tls)
{
	if (!client_host(c, ev))
		return 0;
	const char *u = c->p;
	/* "login: <host> anonymous <password>": the rest is the client's */
	if (AP_AT(c, "anonymous "))
		return 0;
	const char *mark = AP_MEMRMEM(u, ap_cur_left(c), " User logged in");
	if (mark == NULL || mark <= u)
		return 0;
	/* the mechanism is the word before the mark */
	const char *ms = mark;
	while (ms > u && ms[-1] != ' ')
		ms--;
	if (ms <= u + 1)
		return 0;
	ap_span m = ap_span_make(ms, (size_t)(mark - ms));
	int plus_tls;
	set_mech(ev, m, &plus_tls);
	ap_set_user(ev, u, (size_t)(ms - 1 - u));
	ev->outcome = AP_OUT_SUCCESS;
	if (!plus_tls)
		ev->tls = tag_tls == 1 ? 1 : 0;
	c->p = mark + AP_LEN(" User logged in");
	if (AP_SKIP_PAST(c, "SESSIONID=<")) {
		ap_span s;
		if (ap_cur_until(c, '>', &s) && s.n > 0)
			ev->session = s;
	}
	return 1;
}

static int rec_cyrus(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	int8_t tag_tls = -1;
	ev->daemon = "cyrus";
	ev->service = service_of(ln, &tag_tls);
	ev->tls = tag_tls;
	if (AP_EAT(&c, "badlogin: "))
		return badlogin(&c, ev);
	if (AP_EAT(&c, "login: "))
		return login(&c, ev, tag_tls);
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_cyrus = {
	AP_FAM_CYRUS,
	"cyrus",
	rec_cyrus,
	(const char *const[]){ "imapd", "pop3d", "imap", "imaps", "pop3", "pop3s", "timsieved",
			       "sieve", NULL },
};
