/* roundcube.c - Roundcube webmail, through syslog (tag roundcube) or
 * its own logs/errors.log and logs/userlogins.log read by imfile, whose
 * lines start with "[30-Dec-2014 13:02:34 -0500]: " (that time goes to
 * ev->time).  A "<sessid> " prefix (1.1+) is skipped.  Service webmail.
 *
 *   IMAP Error: Login failed for U [against H ]from R. <IMAP error> ...
 *   Login failed for U from R                              (before 0.5: no error text)
 *   Failed login for U from R in session S (error: N)      (log_logins)
 *   Successful login for U (ID: N) from R in session S     (log_logins)
 *   FAILED login for U from ADDR                           (fail2ban plugin)
 *
 * Sources: rcube_imap::connect() ("Login failed for %s against %s from %s.
 * %s", " against %s" since 1.4), rcube::log_bug() ("%s Error: %s%s (%s %s)":
 * the message, " in FILE on line N", the request method and URI),
 * rcmail::log_login() (the failed user cut at 256 bytes + "..."),
 * rcube_imap_generic's error texts ("AUTHENTICATE PLAIN: <reply>", "LOGIN:
 * <reply>", "Could not connect to ...", ...), rcube_utils::remote_ip(),
 * and the fail2ban plugin (mattrude/rc-plugin-fail2ban: "FAILED login for
 * %s from %s" with REMOTE_ADDR; its 1.3 logs X-Forwarded-For instead when
 * the header is set).
 *
 * Outcome: failure with no reason (the IMAP server does not tell which
 * part was wrong); an IMAP error "Could not connect to ..." means the IMAP
 * server was not reached: outcome unknown.  "AUTHENTICATE PLAIN:" gives
 * mech PLAIN, "LOGIN:" mech LOGIN.
 *
 * R is rcube_utils::remote_ip(): REMOTE_ADDR, then, when the request
 * carried them, "(X-Real-IP: a,X-Forwarded-For: b, c)" (" (" since 1.5,
 * which also leaves X-Real-IP out when it equals REMOTE_ADDR).
 *
 * Threat model.  Roundcube writes the markers, REMOTE_ADDR (the address
 * that sent the request), the session id's place, its error texts and
 * the file; the client types U (a login name of up to 1024 bytes since
 * 1.2, anything before), the X-Real-IP and X-Forwarded-For values, the
 * request URI, and the IMAP server's reply may repeat U.  So:
 * - the address is never the first " from " of the line: every " from "
 *   that roundcube could have written is a reading, " from ADDR" followed
 *   by what roundcube writes next - for the IMAP error ". " and one of
 *   rcube_imap_generic's error texts (or the end of the line), for
 *   log_logins exactly " in session S (error: N)" / " in session S" at the
 *   end of the line, either after ADDR or after its header part.  One
 *   reading gives the address and the user before it; several (the user
 *   or a header holds a whole " from ADDR. AUTHENTICATE ...") are two
 *   honest readings: the event keeps its outcome without address or user
 *   (ambiguous).
 * - the headers are the client's words unless a proxy set them: ev->ip is
 *   REMOTE_ADDR and ev->fwd the X-Forwarded-For chain (or X-Real-IP alone);
 *   the pipeline follows it only when REMOTE_ADDR is a trusted proxy
 *   (trustedProxies).  The header part ends where roundcube's text
 *   resumes, not at the first ")": a ")" inside a header does not cut the
 *   chain.  When the header part cannot be read in one way (two ends, two
 *   "X-Forwarded-For: ", or an X-Real-IP that is not the chain's last hop)
 *   the chain is given as unreadable: the pipeline then drops the address
 *   if a trusted proxy sent the request, and keeps REMOTE_ADDR otherwise.
 * - a reading anchored on the end of the line right after client text
 *   (the fail2ban plugin, the old error without reply text) needs a line
 *   shorter than 480 bytes: a longer one may have been cut by a message
 *   size limit right after an address typed into the user (ambiguous).
 * - the plugin 1.3 logs a comma list (X-Forwarded-For): who sent it is not
 *   logged, so it gives no address (ambiguous).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* REMOTE_ADDR is an address: a longer token is not one */
#define ADDR_MAX 64
/* a line this long or longer may have been cut by a message size limit
 * (480: RFC 5424's smallest size every receiver takes) */
#define CUT_SAFE 480

/* "[DD-Mon-YYYY HH:MM:SS +ZZZZ]: " (the zone may be missing or a name:
 * then no time is taken) */
static void file_prefix(ap_cur *c, ap_event *ev)
{
	if (!AP_AT(c, "["))
		return;
	const char *p = c->p + 1;
	ap_cur k = *c;
	k.p++;
	ap_span stamp;
	if (!ap_cur_until(&k, ']', &stamp) || stamp.n < 20 || stamp.n > 64)
		return;
	k.p++;
	if (!AP_EAT(&k, ":"))
		return;
	ap_cur_skip_blanks(&k);
	*c = k;
	int d, y, hh, mm, ss;
	int mon = stamp.n >= 6 ? ap_month_from_abbr(p + 3, 3) : 0;
	if (!ap_digits(p, 2, &d) || p[2] != '-' || mon == 0 || p[6] != '-'
	    || !ap_digits(p + 7, 4, &y) || p[11] != ' ' || !ap_digits(p + 12, 2, &hh)
	    || p[14] != ':' || !ap_digits(p + 15, 2, &mm) || p[17] != ':'
	    || !ap_digits(p + 18, 2, &ss))
		return;
	if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return;
	int64_t off = 0;
	if (stamp.n == 26 && p[20] == ' ' && (p[21] == '+' || p[21] == '-')) {
		int oh, om;
		if (!ap_digits(p + 22, 2, &oh) || !ap_digits(p + 24, 2, &om))
			return;
		off = (oh * 3600 + om * 60) * (p[21] == '-' ? -1 : 1);
	} else {
		return;
	}
	ev->time = ap_days_from_civil(y, (unsigned)mon, (unsigned)d) * 86400 + hh * 3600 + mm * 60
		   + ss - off;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Does one of rcube_imap_generic's error texts start at p?  The fixed
 * sentences, and "<COMMAND>: <reply>" / "AUTHENTICATE <MECH>: <reply>". */
static int imap_error_at(const char *p, const char *e)
{
	size_t n = (size_t)(e - p);
	if (AP_HAS_PREFIX(p, n, "Login disabled by IMAP server")
	    || AP_HAS_PREFIX(p, n, "Could not connect to ")
	    || AP_HAS_PREFIX(p, n, "Empty startup greeting")
	    || AP_HAS_PREFIX(p, n, "Wrong startup greeting")
	    || AP_HAS_PREFIX(p, n, "Unable to negotiate TLS")
	    || AP_HAS_PREFIX(p, n, "Configuration error")
	    || AP_HAS_PREFIX(p, n, "GSSAPI authentication failed")
	    || AP_HAS_PREFIX(p, n, "The Auth_SASL package")
	    || AP_HAS_PREFIX(p, n, "The krb5 extension") || AP_HAS_PREFIX(p, n, "The gssapi_")
	    || AP_HAS_PREFIX(p, n, "Unexpected response from server")
	    || AP_HAS_PREFIX(p, n, "Connection error") || AP_HAS_PREFIX(p, n, "Empty host")
	    || AP_HAS_PREFIX(p, n, "Empty user") || AP_HAS_PREFIX(p, n, "Empty password"))
		return 1;
	const char *q = p;
	if (AP_HAS_PREFIX(p, n, "AUTHENTICATE "))
		q += AP_LEN("AUTHENTICATE ");
	const char *w = q;
	while (q < e && q - w <= 32 && ((*q >= 'A' && *q <= 'Z') || is_digit(*q) || *q == '-'))
		q++;
	return q > w && q - w <= 32 && AP_HAS_PREFIX(q, (size_t)(e - q), ": ");
}

/* remote_ip()'s header part "(X-" or " (X-" at x: its '(' or NULL */
static const char *headers_open(const char *x, const char *e)
{
	if (x < e && *x == ' ')
		x++;
	size_t n = (size_t)(e - x);
	if (AP_HAS_PREFIX(x, n, "(X-Real-IP: ") || AP_HAS_PREFIX(x, n, "(X-Forwarded-For: "))
		return x;
	return NULL;
}

/* the readings of "<user> from R" */
typedef struct {
	int n;             /* how many */
	const char *from;  /* the last one's " from " */
	ap_span addr;      /* its REMOTE_ADDR */
	const char *hopen; /* its header part's '(' or NULL */
	ap_span hdrs;      /* its header part's text, when its end is known */
	const char *after; /* IMAP error: where the error text starts (NULL: at the end) */
} readings;

static void add_reading(readings *r, const char *f, const char *t, const char *x, const char *h)
{
	r->n++;
	r->from = f;
	r->addr = ap_span_make(t, (size_t)(x - t));
	r->hopen = h;
	r->hdrs = ap_span_make(NULL, 0);
	r->after = NULL;
}

static int is_addr_char(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == ':'
	       || ch == '.' || ch == '%' || ch == '-' || ch == '_';
}

/* the token after " from ": REMOTE_ADDR's characters (at most ADDR_MAX + 1) */
static const char *token_end(const char *t, const char *e)
{
	const char *x = t;
	while (x < e && is_addr_char(*x) && x - t <= ADDR_MAX)
		x++;
	return x;
}

/* log_logins: R ends at rend (the " in session " roundcube writes) */
static void read_to(const char *lo, const char *rend, readings *r)
{
	memset(r, 0, sizeof(*r));
	const char *f = lo;
	while ((f = AP_MEMMEM(f, (size_t)(rend - f), " from ")) != NULL) {
		const char *t = f + AP_LEN(" from "), *x = token_end(t, rend);
		const char *h;
		if (x > t && x - t <= ADDR_MAX) {
			if (x == rend) {
				add_reading(r, f, t, x, NULL);
			} else if ((h = headers_open(x, rend)) != NULL && rend[-1] == ')') {
				add_reading(r, f, t, x, h);
				r->hdrs = ap_span_make(h + 1, (size_t)(rend - 1 - (h + 1)));
			}
		}
		f = x;
	}
}

/* the IMAP error: " from ADDR" then ". <error text>", "." or nothing at
 * the end of the line, or the header part */
static void read_imap(const char *lo, const char *e, readings *r)
{
	memset(r, 0, sizeof(*r));
	const char *f = lo;
	while ((f = AP_MEMMEM(f, (size_t)(e - f), " from ")) != NULL) {
		const char *t = f + AP_LEN(" from "), *x = token_end(t, e);
		const char *h;
		if (x > t && x - t <= ADDR_MAX) {
			if (x[-1] == '.' && x - t > 1
			    && (x == e || (*x == ' ' && imap_error_at(x + 1, e)))) {
				add_reading(r, f, t, x - 1, NULL);
				r->after = x < e ? x + 1 : NULL;
			} else if (x == e) {
				add_reading(r, f, t, x, NULL);
			} else if ((h = headers_open(x, e)) != NULL) {
				add_reading(r, f, t, x, h);
			}
		}
		f = x;
	}
	if (r->n != 1 || r->hopen == NULL)
		return;
	/* the only reading has headers: they end at a ")" followed by ". "
	 * and an error text (roundcube logs the line only with one), and at
	 * one such ")" only */
	int ends = 0;
	const char *q = r->hopen + 1, *hend = NULL;
	while ((q = memchr(q, ')', (size_t)(e - q))) != NULL) {
		q++;
		if (AP_HAS_PREFIX(q, (size_t)(e - q), ". ") && imap_error_at(q + AP_LEN(". "), e)) {
			ends++;
			hend = q - 1;
		}
	}
	if (ends == 1) {
		r->hdrs = ap_span_make(r->hopen + 1, (size_t)(hend - (r->hopen + 1)));
		r->after = hend + AP_LEN("). ");
	}
}

static int same_addr(const ap_addr *a, const ap_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

/* The forwarded-for chain in remote_ip()'s header text "X-Real-IP: a",
 * "X-Forwarded-For: b, c" or both, joined by ','.  X-Forwarded-For (a list
 * a proxy appends to) is the chain; X-Real-IP alone is a chain of one.
 * Both must agree on the last hop: one of them is otherwise the client's
 * own (a proxy that sets X-Real-IP passes the client's X-Forwarded-For on,
 * one that appends to X-Forwarded-For passes the client's X-Real-IP on).
 * What cannot be read one way is "?": no address, so the pipeline drops
 * the address when the sender is a trusted proxy. */
static ap_span header_chain(ap_span h)
{
	static const ap_span unreadable = { "?", 1 };
	if (h.p == NULL)
		return unreadable;
	const char *p = h.p, *e = h.p + h.n;
	if (AP_HAS_PREFIX(p, h.n, "X-Forwarded-For: "))
		return ap_span_make(p + AP_LEN("X-Forwarded-For: "),
				    h.n - AP_LEN("X-Forwarded-For: "));
	if (!AP_HAS_PREFIX(p, h.n, "X-Real-IP: "))
		return unreadable;
	const char *v = p + AP_LEN("X-Real-IP: ");
	const char *x = AP_MEMMEM(v, (size_t)(e - v), ",X-Forwarded-For: ");
	if (x == NULL)
		return ap_span_make(v, (size_t)(e - v));
	const char *xff = x + AP_LEN(",X-Forwarded-For: ");
	if (AP_MEMMEM(xff, (size_t)(e - xff), ",X-Forwarded-For: ") != NULL)
		return unreadable;
	const char *last = e;
	while (last > xff && last[-1] != ',')
		last--;
	ap_span r = ap_span_trim(ap_span_make(v, (size_t)(x - v)));
	ap_span l = ap_span_trim(ap_span_make(last, (size_t)(e - last)));
	ap_addr a, b;
	if (!ap_set_ip(&a, r.p, r.n) || !ap_set_ip(&b, l.p, l.n) || !same_addr(&a, &b))
		return unreadable;
	return ap_span_make(xff, (size_t)(e - xff));
}

/* the address of the only reading; several: ambiguous.  1 when the
 * reading gives the user's end (r->from) */
static int apply(const readings *r, ap_event *ev)
{
	if (r->n != 1) {
		if (r->n > 1)
			ev->ambiguous = true;
		return 0;
	}
	ap_set_ip(&ev->ip, r->addr.p, r->addr.n);
	if (r->hopen != NULL)
		ev->fwd = header_chain(r->hdrs);
	return 1;
}

static int login_failed(ap_cur *c, const ap_line *ln, ap_event *ev)
{
	ev->outcome = AP_OUT_FAILURE;
	const char *lo = c->p, *e = c->e;
	while (e > lo && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	readings r;
	read_imap(lo - 1, e, &r); /* lo - 1: the blank before the user */
	if (r.n == 0)
		return AP_MEMMEM(lo, (size_t)(e - lo), " from ") != NULL;
	if (!apply(&r, ev))
		return 1;
	/* "<user> against <host> from": the host is one word */
	const char *ue = r.from, *hw = ue;
	while (hw > lo && hw[-1] != ' ')
		hw--;
	if ((size_t)(hw - lo) >= AP_LEN(" against ")
	    && memcmp(hw - AP_LEN(" against "), " against ", AP_LEN(" against ")) == 0)
		ue = hw - AP_LEN(" against ");
	ap_set_user(ev, lo, ue > lo ? (size_t)(ue - lo) : 0);
	if (r.after == NULL) {
		/* the address (or its header part) ends the line */
		if (ln->len >= CUT_SAFE)
			ev->ambiguous = true;
		return 1;
	}
	ap_cur t = ap_cur_make(r.after, (size_t)(e - r.after));
	if (AP_EAT(&t, "AUTHENTICATE ")) {
		ap_span m;
		if (ap_cur_until(&t, ':', &m) && m.n > 0 && m.n <= 32 && !memchr(m.p, ' ', m.n))
			ev->mech = m;
	} else if (AP_AT(&t, "LOGIN: ")) {
		ev->mech = AP_SPAN_LIT("LOGIN");
	} else if (AP_AT(&t, "Could not connect to ")) {
		ev->outcome = AP_OUT_UNKNOWN;
	}
	return 1;
}

/* log_logins' end: " in session S (error: N)" (failed) or " in session S"
 * (successful); the position of " in session ", or NULL */
static const char *session_tail(const char *lo, const char *e, int failed, ap_event *ev)
{
	const char *p = e;
	if (failed) {
		if (p == lo || p[-1] != ')')
			return NULL;
		p--;
		const char *d = p;
		while (d > lo && is_digit(d[-1]))
			d--;
		if (d == p)
			return NULL;
		if (d > lo && d[-1] == '-')
			d--;
		if ((size_t)(d - lo) < AP_LEN(" (error: ")
		    || memcmp(d - AP_LEN(" (error: "), " (error: ", AP_LEN(" (error: ")) != 0)
			return NULL;
		p = d - AP_LEN(" (error: ");
	}
	const char *s = p;
	while (s > lo && s[-1] != ' ')
		s--;
	if (s == p || (size_t)(s - lo) < AP_LEN(" in session ")
	    || memcmp(s - AP_LEN(" in session "), " in session ", AP_LEN(" in session ")) != 0)
		return NULL;
	ev->session = ap_span_make(s, (size_t)(p - s));
	return s - AP_LEN(" in session ");
}

/* "Failed login for U from R in session S (error: N)" and
 * "Successful login for U (ID: N) from R in session S" */
static int log_login(ap_cur *c, ap_event *ev, int failed)
{
	ev->outcome = failed ? AP_OUT_FAILURE : AP_OUT_SUCCESS;
	const char *lo = c->p, *e = c->e;
	while (e > lo && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *rend = session_tail(lo, e, failed, ev);
	if (rend == NULL)
		return 1; /* cut short: the outcome only */
	readings r;
	read_to(lo - 1, rend, &r);
	if (!apply(&r, ev))
		return 1;
	const char *ue = r.from;
	if (!failed) {
		/* "<user> (ID: N)" */
		const char *d = ue;
		if (d > lo && d[-1] == ')') {
			d--;
			while (d > lo && is_digit(d[-1]))
				d--;
			if ((size_t)(d - lo) >= AP_LEN(" (ID: ")
			    && memcmp(d - AP_LEN(" (ID: "), " (ID: ", AP_LEN(" (ID: ")) == 0)
				ue = d - AP_LEN(" (ID: ");
		}
	}
	ap_set_user(ev, lo, ue > lo ? (size_t)(ue - lo) : 0);
	return 1;
}

/* the fail2ban plugin: "FAILED login for U from ADDR", ADDR ending the line */
static int plugin_failed(ap_cur *c, const ap_line *ln, ap_event *ev)
{
	ev->outcome = AP_OUT_FAILURE;
	const char *lo = c->p, *e = c->e;
	while (e > lo && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *f = AP_MEMRMEM(lo - 1, (size_t)(e - (lo - 1)), " from ");
	if (f == NULL)
		return 0;
	ap_set_user(ev, lo, f > lo ? (size_t)(f - lo) : 0);
	ap_span a = ap_span_trim(
		ap_span_make(f + AP_LEN(" from "), (size_t)(e - f) - AP_LEN(" from ")));
	if (memchr(a.p, ',', a.n) != NULL || ln->len >= CUT_SAFE)
		ev->ambiguous = true; /* a list (plugin 1.3), or maybe cut */
	else
		ap_set_ip(&ev->ip, a.p, a.n);
	return 1;
}

static int rec_roundcube(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "roundcube";
	ev->service = "webmail";
	file_prefix(&c, ev);
	if (AP_AT(&c, "<")) {
		/* "<3z506z6r> " session prefix */
		ap_cur k = c;
		ap_span s;
		k.p++;
		if (ap_cur_until(&k, '>', &s) && s.n > 0 && s.n <= 40 && !memchr(s.p, ' ', s.n)) {
			k.p++;
			ap_cur_skip_blanks(&k);
			c = k;
		}
	}
	if (AP_EAT(&c, "IMAP Error: ")) {
		if (!AP_EAT(&c, "Login failed for "))
			return 0;
		return login_failed(&c, ln, ev);
	}
	if (AP_EAT(&c, "Login failed for "))
		return login_failed(&c, ln, ev);
	if (AP_EAT(&c, "FAILED login for "))
		return plugin_failed(&c, ln, ev);
	if (AP_EAT(&c, "Failed login for "))
		return log_login(&c, ev, 1);
	if (AP_EAT(&c, "Successful login for "))
		return log_login(&c, ev, 0);
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_roundcube = {
	AP_FAM_ROUNDCUBE,
	"roundcube",
	rec_roundcube,
	(const char *const[]){ "roundcube", NULL },
};
