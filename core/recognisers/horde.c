/* horde.c - Horde groupware and its IMP webmail, from horde.log read
 * by imfile (tag horde) or through syslog (tag horde/HORDE).  Service
 * webmail.
 *
 *   Nov 11 18:57:57 HORDE [error] [horde] FAILED LOGIN for U [ip] to Horde [on line ...]
 *   ... [imp] FAILED LOGIN for U [ip] (forwarded for [x]) to {host:993 [imap/ssl]} [pid ...]
 *   ... [notice] [horde] Login success for U [ip] to Horde [...]
 *   2015-03-12T12:00:00+01:00 ERR: HORDE [imp] FAILED LOGIN for U (ip) to {imap://host} (Horde 5)
 * IMP writes the user as "U (Horde user H)": U is kept.
 *
 * Sources: Horde 3/4 login.php ('FAILED LOGIN for %s [%s] to Horde',
 * 'Login success for %s [%s] to %s.'), IMP 4's IMP::logMessage() ('%s for
 * %s [%s]%s to {%s:%s [%s]}') and IMP 6's IMP_Auth::_log() ('%s for %s
 * (%s)%s to {%s}'), both with ' (forwarded for [' . X-Forwarded-For . '])'
 * when the header is set; Horde's logger adds ' [on line N of "FILE"]' or
 * ' [pid N on line N of "FILE"]'.
 *
 * Only logger words may come before the marker: the time stamp, "HORDE",
 * "[level]", "[app]", "LEVEL:"; the marker is at a position no client
 * text reaches, so the outcome cannot be planted.
 *
 * Threat model.  Horde writes the marker, REMOTE_ADDR (the address that
 * sent the request), " (forwarded for [", "]) to ", the destination and
 * the logger's suffix; the client types U (the login name) and the
 * X-Forwarded-For value.  So the line is read from its fixed ends:
 * - the real " to " is the last " to {" / " to Horde" / " to horde" (only
 *   the destination and the logger's suffix follow it);
 * - when the text before it ends with "])", Horde wrote a forwarded part:
 *   every "(forwarded for [" preceded by "[ADDR] " or "(ADDR) " is a
 *   reading; one gives REMOTE_ADDR as ev->ip and everything up to the "])"
 *   before " to " as ev->fwd (a ")" inside the header does not cut it),
 *   and the pipeline follows the chain only when REMOTE_ADDR is a trusted
 *   proxy (trustedProxies); several readings (the user or the header holds
 *   a whole "[ADDR] (forwarded for [") are ambiguous;
 * - otherwise the address is the "[ADDR]" / "(ADDR)" right before " to ".
 * The user is what precedes the address.  A line cut before " to " (no
 * destination) is read only when shorter than 480 bytes: a longer one
 * may have been cut by a message size limit right after an address typed
 * into the user (ambiguous).  One pass from each end; no scan restarts.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* REMOTE_ADDR is an address: a longer token is not one */
#define ADDR_MAX 64
/* a line this long or longer may have been cut by a message size limit
 * (480: RFC 5424's smallest size every receiver takes) */
#define CUT_SAFE 480

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* a word the logger writes before the message */
static int logger_word(ap_span w, int idx)
{
	if (w.n == 0)
		return 0;
	if (AP_SPAN_IS(w, "HORDE"))
		return 1;
	if (w.n >= 3 && w.p[0] == '[' && w.p[w.n - 1] == ']')
		return 1;
	if (idx < 3 && w.n == 3 && ap_month_from_abbr(w.p, 3))
		return 1;
	int all_digits_colons = 1, upper_colon = w.p[w.n - 1] == ':' && w.n >= 3;
	for (uint32_t i = 0; i < w.n; i++) {
		char ch = w.p[i];
		if (!is_digit(ch) && ch != ':')
			all_digits_colons = 0;
		if (i + 1 < w.n && !(ch >= 'A' && ch <= 'Z'))
			upper_colon = 0;
	}
	if (idx < 3 && all_digits_colons)
		return 1; /* "11", "18:57:57" */
	if (upper_colon)
		return 1; /* "ERR:", "NOTICE:" */
	/* ISO 8601 time stamp */
	if (idx == 0 && w.n >= 19 && is_digit(w.p[0]) && w.p[4] == '-' && w.p[10] == 'T')
		return 1;
	return 0;
}

static int is_addr_char(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == ':'
	       || ch == '.' || ch == '%' || ch == '-' || ch == '_';
}

/* "[ADDR]" or "(ADDR)" ending at b, preceded by a blank (lo: where the
 * user starts): its opening bracket, or NULL */
static const char *addr_before(const char *lo, const char *b)
{
	if (b <= lo || (b[-1] != ']' && b[-1] != ')'))
		return NULL;
	char open = b[-1] == ']' ? '[' : '(';
	const char *p = b - 1;
	while (p > lo && is_addr_char(p[-1]) && b - p <= ADDR_MAX + 1)
		p--;
	if (p == lo || p[-1] != open || p - 1 == lo || p[-2] != ' ')
		return NULL;
	return p - 1;
}

/* the last of lit in [p, e) */
static const char *last_of(const char *p, const char *e, const char *lit, size_t n)
{
	return ap_memrmem(p, (size_t)(e - p), lit, n);
}
#define LAST_OF(p, e, lit) last_of((p), (e), (lit), AP_LEN(lit))

/* the user [u, ue): "U (Horde user H)" -> U */
static void set_user(ap_event *ev, const char *u, const char *ue)
{
	if (ue > u && ue[-1] == ')') {
		const char *hu = LAST_OF(u, ue, " (Horde user ");
		if (hu != NULL)
			ue = hu;
	}
	if (ue > u)
		ap_set_user(ev, u, (size_t)(ue - u));
}

/* the readings "[ADDR] (forwarded for [" / "(ADDR) (forwarded for [" in
 * [lo, e): how many, and the last one's "(forwarded for [" and bracket */
static int forwarded_readings(const char *lo, const char *e, const char **fwd, const char **open)
{
	int n = 0;
	const char *f = lo;
	while ((f = AP_MEMMEM(f, (size_t)(e - f), "(forwarded for [")) != NULL) {
		const char *o = f > lo && f[-1] == ' ' ? addr_before(lo, f - 1) : NULL;
		if (o != NULL) {
			n++;
			*fwd = f;
			*open = o;
		}
		f += AP_LEN("(forwarded for [");
	}
	return n;
}

static void set_addr(ap_event *ev, const char *open, const char *close)
{
	ap_set_ip(&ev->ip, open + 1, (size_t)(close - open - 1));
}

static int rec_horde(const ap_line *ln, ap_event *ev)
{
	static const ap_span unreadable = { "?", 1 };
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "horde";
	ev->service = "webmail";

	int found = 0;
	for (int i = 0; i < 8 && c.p < c.e; i++) {
		if (AP_EAT(&c, "FAILED LOGIN for ")) {
			ev->outcome = AP_OUT_FAILURE;
			found = 1;
			break;
		}
		if (AP_EAT(&c, "Login success for ")) {
			ev->outcome = AP_OUT_SUCCESS;
			found = 1;
			break;
		}
		ap_span w = ap_cur_word(&c);
		if (!logger_word(w, i))
			return 0;
		ap_cur_skip_blanks(&c);
	}
	if (!found)
		return 0;

	/* lo: the blank before the user (an empty user leaves one blank) */
	const char *u = c.p, *lo = c.p - 1, *e = c.e;
	while (e > u && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *to = LAST_OF(lo, e, " to {");
	const char *t2 = LAST_OF(lo, e, " to Horde"), *t3 = LAST_OF(lo, e, " to horde");
	if (t2 != NULL && (to == NULL || t2 > to))
		to = t2;
	if (t3 != NULL && (to == NULL || t3 > to))
		to = t3;
	const char *b = to != NULL ? to : e;
	const char *open, *fwd = NULL, *fopen = NULL;

	if (b - lo >= 2 && b[-1] == ')' && b[-2] == ']') {
		/* "... (forwarded for [XFF])" before " to " (or the end) */
		int n = forwarded_readings(lo, b, &fwd, &fopen);
		if (n > 1)
			ev->ambiguous = true;
		if (n != 1)
			return to != NULL || n > 1;
		set_user(ev, u, fopen - 1);
		set_addr(ev, fopen, fwd - 2);
		const char *xs = fwd + AP_LEN("(forwarded for [");
		ev->fwd = ap_span_make(xs, (size_t)(b - 2 - xs));
	} else if ((open = addr_before(lo, b)) != NULL) {
		set_user(ev, u, open - 1);
		set_addr(ev, open, b - 1);
	} else if (to != NULL) {
		return 1; /* the address part is unreadable: the outcome only */
	} else if (forwarded_readings(lo, e, &fwd, &fopen) == 1) {
		/* cut inside the forwarded part: the chain is unknown */
		set_user(ev, u, fopen - 1);
		set_addr(ev, fopen, fwd - 2);
		ev->fwd = unreadable;
	} else {
		return 0;
	}
	/* cut before " to ": maybe by a size limit, after client text */
	if (to == NULL && ln->len >= CUT_SAFE)
		ev->ambiguous = true;
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_horde = {
	AP_FAM_HORDE,
	"horde",
	rec_horde,
	(const char *const[]){ "horde", NULL },
};
