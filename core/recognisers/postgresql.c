/* postgresql.c - PostgreSQL's authentication failures (and, where the
 * prefix allows, its "connection authorized" lines), through syslog (tag
 * postgres, the default syslog_ident) or the stderr/logging_collector file
 * read by imfile (tag postgresql).  Service postgresql.
 *
 *   PREFIX FATAL:  password authentication failed for user "U"     failure
 *   PREFIX FATAL:  28P01: password authentication failed ...        (log_error_verbosity=verbose)
 *   PREFIX FATAL:  PAM|LDAP|RADIUS|BSD authentication failed for user "U"   failure
 *   PREFIX LOG:  connection authorized: user=U database=D ...       success (log_connections)
 * The "DETAIL:  Password does not match ..." line that follows tells the
 * reason; it is a line of its own and describes the same attempt: not an
 * event, and the failure carries no reason.
 *
 * PREFIX is the admin's log_line_prefix: a stamp (%t %m %n), the pid
 * ([%p]), line numbers ([%l-1]), and maybe the client's address (%h, or
 * %r "ADDR(port)"), the user (%u), the database (%d), the application
 * (%a), in any order, with any literal text.  Over syslog a "[N-M] "
 * sequence number comes first.
 *
 * Threat model.  elog.c writes PREFIX, then "SEVERITY:  " (two blanks),
 * then the message; auth.c's auth_failed() writes the user name from the
 * startup packet raw between double quotes at the end of the line.  %u,
 * %d and %a are the client's text (at most 63 bytes each) and may hold
 * anything, a fake "client=6.6.6.6" or a fake message; %h/%r are the
 * server's.  The recogniser does not know the prefix, so it takes an
 * address only where no client text can have put it:
 * - reading from the start of the line over tokens only the server writes
 *   (stamps, zone names, [pid], [N-M], "[local]"), the first token after
 *   them is the address when it is "ADDR", "ADDR(port)" or "key=ADDR",
 *   unless the message's user name starts with the same text (that token
 *   is then %u: "%m [%p] %u@%d" with a user "6.6.6.6 x").  A prefix with
 *   %d or %a right after the stamp and pid, before any address, is not
 *   supported: a database named "6.6.6.6" would read as the address.
 * - otherwise (key=value prefixes with the address last, pgbadger's
 *   "user=%u,db=%d,app=%a,client=%h "): the "client=ADDR" (host=, remote=,
 *   h=, ip=) token right before the severity, when the message start is
 *   certain (the message text occurs once, no "X:  " severity mark before
 *   it nor inside the user name), the prefix carries "user=" followed by
 *   the message's user, and not "user@" (the "%u@%d" form, where a
 *   database name could end in " client=6.6.6.6").  A prefix that ends in
 *   %d or %a with no address after it still lets such a database or
 *   application name pass as an address; docs/SECURITY.md says so.
 * Everything else: the event without an address (ambiguous where a
 * planted reading exists).  A success needs a prefix of server tokens only
 * (the success text then sits where no client text can reach).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static const char failed_for[] = " authentication failed for user \"";

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* a token only the server writes, at c: a date, a time (with fraction),
 * a zone name or offset, an epoch with fraction, "[digits]", "[N-M]",
 * "[local]"; the cursor moves past it */
static int server_token(ap_cur *c)
{
	const char *s = c->p, *e = c->e;
	if (s == e)
		return 0;
	if (*s == '[') {
		if (AP_AT(c, "[local]")) {
			c->p += AP_LEN("[local]");
			return 1;
		}
		const char *p = s + 1;
		while (p < e && (is_digit(*p) || *p == '-'))
			p++;
		if (p == s + 1 || p == e || *p != ']')
			return 0;
		c->p = p + 1;
		return 1;
	}
	if (is_digit(*s)) {
		const char *p = s;
		while (p < e && (is_digit(*p) || *p == '-' || *p == ':' || *p == '.'))
			p++;
		/* a stamp part holds punctuation: a bare number could be the
		 * start of a client's name */
		if (memchr(s, '-', (size_t)(p - s)) == NULL
		    && memchr(s, ':', (size_t)(p - s)) == NULL
		    && memchr(s, '.', (size_t)(p - s)) == NULL)
			return 0;
		/* a stamp part ends at a blank or a bracket ("2001:db8::1" is
		 * no stamp) */
		if (p < e && *p != ' ' && *p != '\t' && *p != ']')
			return 0;
		/* "1.2.3.4" is an address, not a stamp */
		int dots = 0;
		for (const char *q = s; q < p; q++)
			dots += *q == '.';
		if (dots > 1
		    || (dots == 1 && memchr(s, '-', (size_t)(p - s)) == NULL
			&& memchr(s, ':', (size_t)(p - s)) == NULL && p - s < 11))
			return 0;
		c->p = p;
		return 1;
	}
	return 0;
}

/* a zone name or offset after a time: "UTC", "CEST", "+02", "-0530" */
static int zone_token(ap_cur *c)
{
	const char *s = c->p, *p = s, *e = c->e;
	if (p < e && (*p == '+' || *p == '-')) {
		p++;
		while (p < e && (is_digit(*p) || *p == ':'))
			p++;
		if (p - s < 3)
			return 0;
	} else {
		while (p < e && *p >= 'A' && *p <= 'Z')
			p++;
		if (p - s < 2 || p - s > 5)
			return 0;
	}
	if (p < e && *p != ' ' && *p != ':' && *p != ']')
		return 0;
	/* "FATAL:  ": a severity, not a zone */
	if (e - p >= 2 && p[0] == ':' && p[1] == ' ')
		return 0;
	c->p = p;
	return 1;
}

static void skip_seps(ap_cur *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == ':'))
		c->p++;
}

/* a candidate address token at c: [key=]ADDR[(port)] followed by a
 * separator; fills addr and port and moves past it */
static int addr_token(ap_cur *c, ap_addr *addr, int32_t *port)
{
	static const char *const keys[] = { "client=", "host=", "remote=", "h=", "r=", "ip=" };
	const char *s = c->p, *p = s, *e = c->e;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i]);
		if ((size_t)(e - s) > n && memcmp(s, keys[i], n) == 0) {
			p = s + n;
			break;
		}
	}
	const char *a = p;
	while (p < e
	       && (is_digit(*p) || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') || *p == '.'
		   || *p == ':'))
		p++;
	const char *ae = p;
	int64_t pv = -1;
	if (p < e && *p == '(') {
		ap_cur k = ap_cur_make(p + 1, (size_t)(e - p - 1));
		if (!ap_cur_uint(&k, &pv) || pv > 65535 || !ap_cur_eatc(&k, ')'))
			return 0;
		p = k.p;
	}
	if (p < e && *p != ' ' && *p != '\t' && *p != ',' && *p != ':' && *p != ';' && *p != ']')
		return 0;
	if (ae == a || !ap_set_ip(addr, a, (size_t)(ae - a)))
		return 0;
	*port = (int32_t)pv;
	c->p = p;
	return 1;
}

/* the severity mark at p: "FATAL:  " or "LOG:  ", then an optional
 * SQLSTATE "28P01: "; returns the message start after it or NULL */
static const char *after_severity(const char *p, const char *e, const char *sev, size_t sevn)
{
	if ((size_t)(e - p) < sevn || memcmp(p, sev, sevn) != 0)
		return NULL;
	p += sevn;
	if (e - p > 7 && p[5] == ':' && p[6] == ' ') {
		int ok = 1;
		for (int i = 0; i < 5; i++)
			ok &= is_digit(p[i]) || (p[i] >= 'A' && p[i] <= 'Z');
		if (ok)
			p += 7;
	}
	return p;
}

/* the method word ending at m (just before " authentication failed") */
static int method_before(const char *s, const char *m, const char **start)
{
	static const char *const words[] = { "password", "PAM", "LDAP", "RADIUS", "BSD" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(m - s) >= n && memcmp(m - n, words[i], n) == 0) {
			*start = m - n;
			return 1;
		}
	}
	return 0;
}

/* the "user=<u>" key-value field inside the prefix */
static int has_user_field(const char *p, size_t n, ap_span u)
{
	const char *e = p + n;
	while (p < e) {
		const char *f = AP_MEMMEM(p, (size_t)(e - p), "user=");
		if (f == NULL)
			return 0;
		const char *v = f + AP_LEN("user=");
		if ((size_t)(e - v) > u.n && memcmp(v, u.p, u.n) == 0
		    && (v[u.n] == ',' || v[u.n] == ' ' || v[u.n] == ';'))
			return 1;
		p = f + 1;
	}
	return 0;
}

/* "key=ADDR " ending right at m (the severity), preceded by ',' or ' ' */
static int addr_before(const char *s, const char *m, ap_addr *addr)
{
	const char *p = m;
	if (p <= s || p[-1] != ' ')
		return 0;
	p--;
	const char *ae = p;
	while (p > s && p[-1] != '=' && p[-1] != ' ' && p[-1] != ',' && ae - p < 64)
		p--;
	if (p <= s || p[-1] != '=')
		return 0;
	const char *a = p;
	static const char *const keys[] = { "client", "host", "remote", "h", "ip" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i]);
		if ((size_t)(a - 1 - s) < n)
			continue;
		const char *k = a - 1 - n;
		if (memcmp(k, keys[i], n) != 0)
			continue;
		if (k > s && k[-1] != ',' && k[-1] != ' ')
			continue;
		return ap_set_ip(addr, a, (size_t)(ae - a));
	}
	return 0;
}

/* "LOG:  connection authorized: user=" at y, with no second severity
 * mark and no failure text after it: the user name's start, or NULL */
static const char *success_user(const char *y, const char *e)
{
	static const char auth[] = "connection authorized: user=";
	const char *m = after_severity(y, e, "LOG:  ", AP_LEN("LOG:  "));
	if (m == NULL || !AP_HAS_PREFIX(m, (size_t)(e - m), "connection authorized: user="))
		return NULL;
	const char *u = m + AP_LEN(auth);
	if (AP_MEMMEM(u, (size_t)(e - u), ":  ") != NULL
	    || AP_MEMMEM(u, (size_t)(e - u), failed_for) != NULL)
		return NULL;
	return u;
}

static int rec_postgresql(const ap_line *ln, ap_event *ev)
{
	const char *s = ln->msg, *e = ln->msg + ln->len;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;

	/* the server's tokens from the start, then maybe the address */
	ap_cur c = ap_cur_make(s, (size_t)(e - s));
	ap_addr left = { 0 };
	int32_t lport = -1;
	const char *left_tok = NULL, *left_end = NULL;
	for (int i = 0; i < 12; i++) {
		skip_seps(&c);
		if (server_token(&c)) {
			if (c.p < c.e && *c.p == ' ') {
				ap_cur z = c;
				z.p++;
				if (zone_token(&z))
					c = z;
			}
			continue;
		}
		if (left_tok == NULL) {
			const char *t = c.p;
			if (addr_token(&c, &left, &lport)) {
				left_tok = t;
				left_end = c.p;
				continue;
			}
		}
		break;
	}
	const char *y = c.p; /* the first text that is not the server's */

	/* a success needs the server's prefix only, and no failure text or
	 * second severity mark after it (a client field at y, "%m [%p] %u",
	 * could start with the success text: the real message follows it) */
	const char *su = success_user(y, e);
	if (su != NULL) {
		const char *u = su;
		ev->daemon = "postgresql";
		ev->service = "postgresql";
		ev->outcome = AP_OUT_SUCCESS;
		const char *ue = AP_MEMMEM(u, (size_t)(e - u), " database=");
		if (ue == NULL)
			ue = e;
		ap_set_user(ev, u, (size_t)(ue - u));
		if (left_tok != NULL) {
			size_t tn = (size_t)(left_end - left_tok);
			if ((size_t)(ue - u) >= tn && memcmp(u, left_tok, tn) == 0) {
				ev->ambiguous = true;
			} else {
				ev->ip = left;
				ev->port = lport;
			}
		}
		return 1;
	}

	/* the failure: the line ends with the user's closing quote */
	if (e - s < 2 || e[-1] != '"')
		return 0;
	/* every "FATAL:  [SQLSTATE: ]METHOD authentication failed for user \""
	 * of the line: the first gives the message start, the last the user */
	const char *sev = NULL, *last = NULL;
	int nk = 0;
	for (const char *q = s; q < e;) {
		const char *k = AP_MEMMEM(q, (size_t)(e - q), failed_for);
		if (k == NULL)
			break;
		nk++;
		q = k + 1;
		const char *meth;
		if (!method_before(s, k, &meth))
			continue;
		for (size_t back = AP_LEN("FATAL:  "); back <= 16 && back <= (size_t)(meth - s);
		     back++) {
			const char *f = meth - back;
			if (after_severity(f, e, "FATAL:  ", AP_LEN("FATAL:  ")) == meth) {
				if (sev == NULL)
					sev = f;
				last = k;
				break;
			}
		}
	}
	if (sev == NULL)
		return 0;
	ev->daemon = "postgresql";
	ev->service = "postgresql";
	ev->outcome = AP_OUT_FAILURE;
	const char *u = last + AP_LEN(failed_for);
	/* the line may end at the opening quote: an empty user */
	ap_span user = ap_span_make(u, u < e ? (size_t)(e - 1 - u) : 0);
	ap_set_user(ev, user.p, user.n);

	/* is this the message start for sure?  One such text, no severity
	 * mark before it nor in the user name */
	int certain = nk == 1 && AP_MEMMEM(user.p, user.n, ":  ") == NULL
		      && AP_MEMMEM(s, (size_t)(sev - s), ":  ") == NULL;

	if (left_tok != NULL) {
		size_t tn = (size_t)(left_end - left_tok);
		/* the token is %u when a user name starting with it follows a
		 * "... failed for user \"" of the line */
		int is_user = 0;
		for (const char *q = s; q < e;) {
			const char *f = AP_MEMMEM(q, (size_t)(e - q), failed_for);
			if (f == NULL)
				break;
			const char *v = f + AP_LEN(failed_for);
			if ((size_t)(e - v) >= tn && memcmp(v, left_tok, tn) == 0)
				is_user = 1;
			q = v;
		}
		if (is_user) {
			ev->ambiguous = true;
		} else {
			ev->ip = left;
			ev->port = lport;
		}
		return 1;
	}
	if (!certain) {
		ev->ambiguous = true;
		return 1;
	}
	if (y == sev)
		return 1; /* a prefix of server tokens without an address */
	ap_addr a;
	if (!addr_before(s, sev, &a))
		return 1;
	/* an address-shaped token before the message, after client text */
	if (user.n > 0 && user.n <= 64 && has_user_field(s, (size_t)(sev - s), user)) {
		int at_form = 0;
		for (const char *q = s; q + user.n < sev;) {
			const char *f = ap_memmem(q, (size_t)(sev - q), user.p, user.n);
			if (f == NULL || f + user.n >= sev)
				break;
			if (f[user.n] == '@')
				at_form = 1;
			q = f + 1;
		}
		if (!at_form) {
			ev->ip = a;
			return 1;
		}
	}
	ev->ambiguous = true;
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_postgresql = {
	AP_FAM_POSTGRESQL,
	"postgresql",
	rec_postgresql,
	(const char *const[]){ "postgres", "postgresql", "postmaster", NULL },
};
