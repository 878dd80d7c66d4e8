/* sogo.c - SOGo groupware's web login (SOGoRootPage connectAction), from
 * its log file /var/log/sogo/sogo.log (read by imfile with tag sogo; the
 * line then starts "Mon DD HH:MM:SS sogod [PID]: ") or through syslog
 * (tag sogod).  Service webmail.
 *
 *   SOGoRootPage Login from 'A' for user 'U' might not have worked - password policy: N  grace: N  expire: N  bound: N
 *       failure (an LDAP password policy error, a wrong password or an
 *       unknown user: SOGo does not say which)
 *   SOGoRootPage Login for user 'U' might not have worked - password policy: ...   (SOGo < 2.0.5)
 *       failure, no address
 *   SOGoRootPage successful login from 'A' for user 'U' - expire = N  grace = N
 *       success
 *
 * Threat model.  A is the request's "x-webobjects-remote-host" header,
 * which SOPE's WOHttpTransaction fills, when the front proxy did not, from
 * "x-forwarded-for" or else the TCP peer: behind the usual local proxy
 * (SOGo listens on 127.0.0.1:20000) it is a forwarded-for chain "a, b"
 * whose left part the client may have sent itself, quotes included.  U is
 * the client's login name.  The line is read at both ends: the start up
 * to "from '" and the policy/expiry figures at the end are SOGo's; between
 * them "A' for user 'U" splits at the one "' for user '" it holds (two or
 * more: the event keeps its outcome, without address or user).  A goes to
 * ev->fwd with ev->ip 127.0.0.1, the local proxy that sent it: the
 * pipeline reads the chain from the right past the trusted proxies.  SOGo
 * exposed without a proxy logs a client-sent header as if a proxy had
 * set it; nothing in the line tells: see docs/SECURITY.md.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "Mon DD HH:MM:SS sogod [PID]: " or "[PID]: " before the message */
static void file_prefix(ap_cur *c)
{
	ap_cur k = *c;
	if (ap_cur_left(&k) > 16 && ap_month_from_abbr(k.p, 3) != 0 && k.p[3] == ' ') {
		k.p += 4;
		for (int i = 0; i < 2; i++) {
			ap_cur_skip_blanks(&k);
			while (k.p < k.e && ((*k.p >= '0' && *k.p <= '9') || *k.p == ':'))
				k.p++;
		}
		ap_cur_skip_blanks(&k);
		if (!AP_EAT(&k, "sogod"))
			return;
		ap_cur_skip_blanks(&k);
	}
	if (AP_EAT(&k, "[")) {
		while (k.p < k.e && *k.p >= '0' && *k.p <= '9')
			k.p++;
		if (!AP_EAT(&k, "]:"))
			return;
		ap_cur_skip_blanks(&k);
	}
	*c = k;
}

/* digits, maybe negative, at p; returns the end or NULL */
static const char *number(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	const char *s = p;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

/* the tail "' might not have worked - password policy: N  grace: N  expire: N  bound: N"
 * or "' - expire = N  grace = N", ending at e; returns its start or NULL */
static const char *tail(const char *s, const char *e, int success)
{
	static const char fail_t[] = "' might not have worked - password policy: ";
	static const char ok_t[] = "' - expire = ";
	const char *t = success ? AP_MEMRMEM(s, (size_t)(e - s), ok_t)
				: AP_MEMRMEM(s, (size_t)(e - s), fail_t);
	if (t == NULL)
		return NULL;
	const char *p = t + (success ? AP_LEN(ok_t) : AP_LEN(fail_t));
	static const char *const fail_keys[] = { "  grace: ", "  expire: ", "  bound: " };
	static const char *const ok_keys[] = { "  grace = " };
	const char *const *keys = success ? ok_keys : fail_keys;
	size_t nkeys = success ? 1 : 3;
	if ((p = number(p, e)) == NULL)
		return NULL;
	for (size_t i = 0; i < nkeys; i++) {
		size_t n = strlen(keys[i]);
		if ((size_t)(e - p) < n || memcmp(p, keys[i], n) != 0)
			return NULL;
		if ((p = number(p + n, e)) == NULL)
			return NULL;
	}
	return p == e ? t : NULL;
}

static int rec_sogo(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	file_prefix(&c);
	if (!AP_EAT(&c, "SOGoRootPage "))
		return 0;
	int success = 0, has_addr = 1;
	if (AP_EAT(&c, "Login from '")) {
		/* failure */
	} else if (AP_EAT(&c, "successful login from '")) {
		success = 1;
	} else if (AP_EAT(&c, "Login for user '")) {
		has_addr = 0;
	} else {
		return 0;
	}
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	const char *t = tail(c.p, e, success);
	if (t == NULL)
		return 0;
	ev->daemon = "sogo";
	ev->service = "webmail";
	ev->outcome = success ? AP_OUT_SUCCESS : AP_OUT_FAILURE;
	if (!has_addr) {
		ap_set_user(ev, c.p, (size_t)(t - c.p));
		return 1;
	}
	static const char mid[] = "' for user '";
	const char *m = AP_MEMMEM(c.p, (size_t)(t - c.p), mid);
	if (m == NULL)
		return 0;
	if (AP_MEMMEM(m + 1, (size_t)(t - m - 1), mid) != NULL) {
		/* the header or the user name holds the separator */
		ev->ambiguous = true;
		return 1;
	}
	ap_set_user(ev, m + AP_LEN(mid), (size_t)(t - m) - AP_LEN(mid));
	ap_span chain = ap_span_trim(ap_span_make(c.p, (size_t)(m - c.p)));
	if (chain.n == 0)
		return 1;
	/* sent by the local proxy in front of SOGo */
	ap_set_ip(&ev->ip, "127.0.0.1", AP_LEN("127.0.0.1"));
	ev->fwd = chain;
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_sogo = {
	AP_FAM_SOGO,
	"sogo",
	rec_sogo,
	(const char *const[]){ "sogod", "sogo", NULL },
};
