/* cpanel.c - cPanel & WHM's /usr/local/cpanel/logs/login_log, read
 * through imfile (tags cpanel, cpanel-login): the whole line is the
 * message.
 *
 * Old layout (up to 2015):
 *   <ip> - <user> [MM/DD/YYYY:HH:MM:SS +zzzz] "<request>" <VERDICT> <svc>[: <reason>]
 * New layout (2016 on):
 *   [YYYY-MM-DD HH:MM:SS +zzzz] info [<proc>] <ip> - <user> "<request>" <VERDICT> <svc>[: <reason>]
 *   [YYYY-MM-DD HH:MM:SS +zzzz] info [<proc>] <ip> - <user>[ (possessor: <owner>)] - SUCCESS LOGIN <svc>
 * VERDICT is FAILED LOGIN, DEFERRED LOGIN (a token or session problem,
 * not a password check) or SUCCESS LOGIN.  Copies pasted through web pages
 * carry typographic dashes and quotes ("–", "“", "”"): accepted alike.
 *
 * service: cpaneld -> cpanel, whostmgrd -> whm, webmaild -> webmail,
 * cpdavd -> http (WebDAV/CalDAV/CardDAV, which are HTTP), anything else ->
 * no service.
 * reason, from the start of cPanel's reason text: "user password
 * incorrect" -> bad_password; "invalid cpanel user", "user password hash
 * is missing" (user probably does not exist) -> unknown_user; "security
 * token" (incorrect/missing) -> bad_token; "root login is not permitted",
 * "login attempt to whm by a non-reseller", "suspended" -> disabled;
 * cPHulk's "brute force attempt ... has locked out IP" -> other: cPHulk
 * refused the attempt without checking the password; it is an attempt
 * from a locked-out address, logged on every try while the lock holds,
 * not a new ban decision, so it stays kind=auth.
 * A user that reads "[email protected]" (a copy passed through a web
 * page's e-mail obfuscation) is left out.
 * "PURGE <user>:<token> logout" lines are session bookkeeping: not events.
 * The time stamp gives ev->time (with its offset, as UTC).
 *
 * Threat model.  cpsrvd writes the time stamp, level, [proc], the address
 * and " - " first: the address sits at a fixed position before any client
 * text and is read from there.  Then come the client's words: the user as
 * typed in the login form and the request line (method, URL, protocol),
 * and the reason may repeat the user ("invalid cpanel user <user> (...)").
 * So the verdict is never searched for; it is read where cpsrvd writes it:
 * - success: the line has exactly the shape a success has, with the
 *   verdict at the position that shape fixes: one user word (a login that
 *   succeeded names a real account: no blanks), an optional
 *   "(possessor: <owner>)", then " - SUCCESS LOGIN <svc>" or a well-formed
 *   request ("METHOD TARGET HTTP/n.n", no blank inside the target) and
 *   " SUCCESS LOGIN <svc>", and <svc> ends the line.  Client text cannot
 *   make a failure line take this shape: the failure's own verdict and
 *   reason, written by cpsrvd, follow the client's words.  The line must
 *   also be shorter than 480 bytes (RFC 5424's smallest size every
 *   receiver takes, far below any message size limit): a failure line cut
 *   by such a limit right after a success shape typed into the user cannot
 *   pass.  A real success line is about 100 bytes.
 * - failure: a closing quote followed by " FAILED LOGIN " or " DEFERRED
 *   LOGIN", right after a well-formed request (and, in the old layout, the
 *   time stamp before it).  The user and the URL can hold such text too,
 *   so the candidates are counted: exactly one gives the user, service,
 *   reason (and the old layout's time); more than one is still a failure
 *   (every candidate says so) but the user and the service are left out.
 *   A SUCCESS LOGIN anywhere else is never read.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* " +zzzz" at p (n bytes left); seconds east of UTC, 1 ok */
static int zone(const char *p, size_t n, int64_t *off)
{
	int hh, mm;
	if (n < 6 || p[0] != ' ' || (p[1] != '+' && p[1] != '-') || !ap_digits(p + 2, 2, &hh)
	    || !ap_digits(p + 4, 2, &mm))
		return 0;
	*off = (hh * 3600 + mm * 60) * (p[1] == '-' ? -1 : 1);
	return 1;
}

static int64_t epoch(int y, int mo, int d, int hh, int mm, int ss, int64_t off)
{
	return ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss
	       - off;
}

/* a line this long or longer may have been cut by a message size limit */
#define CUT_SAFE 480

/* the length of "[YYYY-MM-DD HH:MM:SS +zzzz]" and "[MM/DD/YYYY:HH:MM:SS +zzzz]" */
#define STAMP_LEN 27

/* "[YYYY-MM-DD HH:MM:SS +zzzz]" or "[MM/DD/YYYY:HH:MM:SS +zzzz]"; the
 * cursor moves past the ']' */
static int stamp(ap_cur *c, int64_t *t)
{
	const char *p = c->p;
	size_t n = ap_cur_left(c);
	int y, mo, d, hh, mm, ss;
	int64_t off = 0;
	if (n < STAMP_LEN || p[0] != '[' || p[STAMP_LEN - 1] != ']')
		return 0;
	if (ap_digits(p + 1, 4, &y) && p[5] == '-' && ap_digits(p + 6, 2, &mo) && p[8] == '-'
	    && ap_digits(p + 9, 2, &d) && p[11] == ' ') {
		/* new layout */
	} else if (ap_digits(p + 1, 2, &mo) && p[3] == '/' && ap_digits(p + 4, 2, &d) && p[6] == '/'
		   && ap_digits(p + 7, 4, &y) && p[11] == ':') {
		/* old layout */
	} else {
		return 0;
	}
	if (!ap_digits(p + 12, 2, &hh) || p[14] != ':' || !ap_digits(p + 15, 2, &mm) || p[17] != ':'
	    || !ap_digits(p + 18, 2, &ss) || !zone(p + 20, 6, &off))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	*t = epoch(y, mo, d, hh, mm, ss, off);
	c->p += STAMP_LEN;
	return 1;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* " - " or " – " (U+2013) */
static int eat_dash(ap_cur *c)
{
	return AP_EAT(c, " - ") || AP_EAT(c, " \xe2\x80\x93 ");
}

/* an opening quote at p: '"' or U+201C; its length or 0 */
static size_t open_quote_at(const char *p, const char *e)
{
	if (p < e && *p == '"')
		return 1;
	return AP_HAS_PREFIX(p, (size_t)(e - p), "\xe2\x80\x9c") ? AP_LEN("\xe2\x80\x9c") : 0;
}

/* a closing quote at p: '"' or U+201D; its length or 0 */
static size_t close_quote_at(const char *p, const char *e)
{
	if (p < e && *p == '"')
		return 1;
	return AP_HAS_PREFIX(p, (size_t)(e - p), "\xe2\x80\x9d") ? AP_LEN("\xe2\x80\x9d") : 0;
}

/* an opening quote ending at e (lo: where the text starts); its length or 0 */
static size_t open_quote_before(const char *lo, const char *e)
{
	if (e > lo && e[-1] == '"')
		return 1;
	size_t n = AP_LEN("\xe2\x80\x9c");
	return (size_t)(e - lo) >= n && memcmp(e - n, "\xe2\x80\x9c", n) == 0 ? n : 0;
}

static int is_method_char(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static int is_proto_char(char ch)
{
	return (ch >= '0' && ch <= '9') || ch == '.';
}

#define METHOD_MAX 16

/* A well-formed request, read forwards from its opening quote:
 * "METHOD TARGET HTTP/n.n" - an upper-case method, a target without
 * blanks, the protocol.  The cursor moves past the closing quote. */
static int request_fwd(ap_cur *c)
{
	ap_cur t = *c;
	size_t q = open_quote_at(t.p, t.e);
	if (q == 0)
		return 0;
	t.p += q;
	const char *m = t.p;
	while (t.p < t.e && is_method_char(*t.p))
		t.p++;
	if (t.p == m || t.p - m > METHOD_MAX || !ap_cur_eatc(&t, ' '))
		return 0;
	const char *tg = t.p;
	while (t.p < t.e && !is_blank(*t.p))
		t.p++;
	if (t.p == tg || !ap_cur_eatc(&t, ' ') || !AP_EAT(&t, "HTTP/"))
		return 0;
	const char *v = t.p;
	while (t.p < t.e && is_proto_char(*t.p))
		t.p++;
	if (t.p == v || (q = close_quote_at(t.p, t.e)) == 0)
		return 0;
	t.p += q;
	*c = t;
	return 1;
}

/* The same request read backwards from its closing quote at q (lo: where
 * the client's text starts): the position of its opening quote, or NULL.
 * The words it steps over hold no blank and a candidate's verdict holds
 * three, so two candidates never scan the same bytes. */
static const char *request_back(const char *lo, const char *q)
{
	const char *p = q;
	while (p > lo && is_proto_char(p[-1]))
		p--;
	if (p == q || (size_t)(p - lo) < AP_LEN(" HTTP/")
	    || memcmp(p - AP_LEN(" HTTP/"), " HTTP/", AP_LEN(" HTTP/")) != 0)
		return NULL;
	p -= AP_LEN(" HTTP/");
	const char *tg = p;
	while (tg > lo && !is_blank(tg[-1]))
		tg--;
	if (tg == p || tg == lo || tg[-1] != ' ')
		return NULL;
	p = tg - 1;
	const char *m = p;
	while (m > lo && is_method_char(m[-1]) && p - m < METHOD_MAX + 1)
		m--;
	if (m == p || p - m > METHOD_MAX)
		return NULL;
	size_t oq = open_quote_before(lo, m);
	return oq > 0 ? m - oq : NULL;
}

static const char *service_of(ap_span w)
{
	if (AP_SPAN_IS(w, "cpaneld"))
		return "cpanel";
	if (AP_SPAN_IS(w, "whostmgrd"))
		return "whm";
	if (AP_SPAN_IS(w, "webmaild"))
		return "webmail";
	if (AP_SPAN_IS(w, "cpdavd"))
		return "http";
	return NULL;
}

/* cPanel's reason text, from its start (it may repeat the user further on) */
static uint8_t reason_of(const char *p, size_t n)
{
	if (AP_HAS_PREFIX(p, n, "user password incorrect"))
		return AP_R_BAD_PASSWORD;
	if (AP_HAS_PREFIX(p, n, "invalid cpanel user")
	    || AP_HAS_PREFIX(p, n, "user password hash is missing"))
		return AP_R_UNKNOWN_USER;
	if (AP_HAS_PREFIX(p, n, "security token"))
		return AP_R_BAD_TOKEN;
	if (AP_HAS_PREFIX(p, n, "brute force attempt"))
		return AP_R_OTHER;
	if (AP_HAS_PREFIX(p, n, "root login is not permitted")
	    || AP_HAS_PREFIX(p, n, "login attempt to whm by a non-reseller")
	    || AP_HAS_PREFIX(p, n, "suspended") || AP_HAS_PREFIX(p, n, "account suspended")
	    || AP_HAS_PREFIX(p, n, "the account is suspended"))
		return AP_R_DISABLED;
	return AP_R_NONE;
}

static void set_user(ap_event *ev, const char *p, size_t n)
{
	ap_span u = ap_span_trim(ap_span_make(p, n));
	/* "-": no user; "[email protected]": a copy that went through a
	 * web page's e-mail obfuscation, not what the client typed */
	if (AP_SPAN_IS(u, "-") || AP_SPAN_IS(u, "[email protected]"))
		return;
	ap_set_user(ev, u.p, u.n);
}

/* "<svc>[: <reason>]" after a failure verdict */
static void failure_tail(ap_cur *c, ap_event *ev, int deferred)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p != ':' && !is_blank(*c->p))
		c->p++;
	ev->service = service_of(ap_span_make(s, (size_t)(c->p - s)));
	ev->reason = AP_R_NONE;
	if (AP_EAT(c, ": "))
		ev->reason = reason_of(c->p, ap_cur_left(c));
	if (ev->reason == AP_R_NONE && deferred)
		ev->reason = AP_R_OTHER;
}

/* The success shape, from the user (u) to the end of the line (e):
 *   new: <user>[ (possessor: <owner>)] - SUCCESS LOGIN <svc>
 *        <user> "<request>" SUCCESS LOGIN <svc>
 *   old: <user> [stamp] "<request>" SUCCESS LOGIN <svc>
 * with one word each for user, owner and svc, svc ending the line, and the
 * line (lnlen bytes) shorter than CUT_SAFE. */
static int success(const char *u, const char *e, size_t lnlen, int newlayout, ap_event *ev)
{
	ap_cur c = ap_cur_make(u, (size_t)(e - u));
	if (lnlen >= CUT_SAFE)
		return 0;
	while (c.p < c.e && !is_blank(*c.p))
		c.p++;
	const char *ue = c.p;
	if (ue == u)
		return 0;
	int64_t t = 0;
	if (newlayout) {
		if (AP_EAT(&c, " (possessor: ")) {
			const char *o = c.p;
			while (c.p < c.e && !is_blank(*c.p) && *c.p != '(' && *c.p != ')')
				c.p++;
			if (c.p == o || !ap_cur_eatc(&c, ')'))
				return 0;
		}
		if (eat_dash(&c)) {
			if (!AP_EAT(&c, "SUCCESS LOGIN "))
				return 0;
		} else if (!ap_cur_eatc(&c, ' ') || !request_fwd(&c)
			   || !AP_EAT(&c, " SUCCESS LOGIN ")) {
			return 0;
		}
	} else if (!ap_cur_eatc(&c, ' ') || !stamp(&c, &t) || !ap_cur_eatc(&c, ' ')
		   || !request_fwd(&c) || !AP_EAT(&c, " SUCCESS LOGIN ")) {
		return 0;
	}
	const char *s = c.p;
	while (c.p < c.e && !is_blank(*c.p) && *c.p != ':')
		c.p++;
	if (c.p == s || c.p != c.e)
		return 0;
	ev->outcome = AP_OUT_SUCCESS;
	ev->service = service_of(ap_span_make(s, (size_t)(c.p - s)));
	if (!newlayout)
		ev->time = t;
	set_user(ev, u, (size_t)(ue - u));
	return 1;
}

/* The failure verdicts after a closing quote, counted (see the opening
 * comment).  1 when the line is a failure. */
static int failure(const char *u, const char *e, int newlayout, ap_event *ev)
{
	int nloose = 0, nstrict = 0, deferred = 0;
	const char *verdict = NULL, *uend = NULL, *stp = NULL;
	for (const char *p = u; p < e; p++) {
		size_t q = close_quote_at(p, e);
		if (q == 0)
			continue;
		const char *v = p + q;
		size_t vn = (size_t)(e - v);
		int d = AP_HAS_PREFIX(v, vn, " DEFERRED LOGIN");
		if (!d && !AP_HAS_PREFIX(v, vn, " FAILED LOGIN "))
			continue;
		nloose++;
		verdict = v;
		deferred = d;
		const char *o = request_back(u, p);
		if (o == NULL)
			continue;
		if (newlayout) {
			/* "<user> "<request>"" */
			if (o == u || o[-1] != ' ')
				continue;
			uend = o - 1;
		} else {
			/* "<user> [stamp] "<request>"" */
			if ((size_t)(o - u) < STAMP_LEN + 2 || o[-1] != ' '
			    || o[-2 - STAMP_LEN] != ' ')
				continue;
			ap_cur sc = ap_cur_make(o - 1 - STAMP_LEN, STAMP_LEN);
			int64_t t;
			if (!stamp(&sc, &t))
				continue;
			uend = o - 2 - STAMP_LEN;
			stp = o - 1 - STAMP_LEN;
		}
		nstrict++;
	}
	if (nloose == 0)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	if (nloose > 1)
		return 1; /* the client's words hold a verdict too: failure only */
	ap_cur c = ap_cur_make(verdict, (size_t)(e - verdict));
	if (deferred) {
		AP_EAT(&c, " DEFERRED LOGIN");
		ap_cur_eatc(&c, ' ');
	} else {
		AP_EAT(&c, " FAILED LOGIN ");
	}
	failure_tail(&c, ev, deferred);
	if (nstrict == 1) {
		set_user(ev, u, (size_t)(uend - u));
		if (!newlayout) {
			ap_cur sc = ap_cur_make(stp, STAMP_LEN);
			stamp(&sc, &ev->time);
		}
	}
	return 1;
}

static int rec_cpanel(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	int newlayout = 0;
	int64_t t = 0;
	if (AP_AT(&c, "[")) {
		if (!stamp(&c, &t))
			return 0;
		ap_cur_skip_blanks(&c);
		ap_cur_word(&c); /* level: info, warn */
		ap_cur_skip_blanks(&c);
		ap_span proc;
		if (!ap_cur_eatc(&c, '[') || !ap_cur_until(&c, ']', &proc) || proc.n > 32)
			return 0;
		c.p++;
		ap_cur_skip_blanks(&c);
		newlayout = 1;
	}
	/* the address: cpsrvd's, before any client text */
	ap_span ip = ap_cur_word(&c);
	if (ip.n == 0 || !eat_dash(&c))
		return 0;
	const char *u = c.p, *e = c.e;
	while (e > u && is_blank(e[-1]))
		e--;
	if (!success(u, e, ln->len, newlayout, ev) && !failure(u, e, newlayout, ev))
		return 0;
	ev->daemon = "cpanel";
	if (newlayout)
		ev->time = t;
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_cpanel = {
	AP_FAM_CPANEL,
	"cpanel",
	rec_cpanel,
	(const char *const[]){ "cpanel", "cpanel-login", NULL },
};
