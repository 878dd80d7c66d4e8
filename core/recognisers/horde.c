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
 * Only logger words may come before the marker: the time stamp, "HORDE",
 * "[level]", "[app]", "LEVEL:".  The user and X-Forwarded-For are the
 * client's text, so the address is found from the fixed ends: the real
 * " to " is the last " to {" or " to Horde"; the client address is the
 * first "[ip]"/"(ip)" that leads straight to it, or to a
 * " (forwarded for [...])" that does.  X-Forwarded-For replaces the
 * address only when that is loopback, private, link-local or CGNAT (a
 * local proxy); then its rightmost public entry is taken.  Logout and
 * other lines are not events. */
#include "recognisers/recogniser.h"

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

static const char *last_of(const char *p, const char *e, const char *lit)
{
	return ap_memrmem(p, (size_t)(e - p), lit, strlen(lit));
}

static int rec_horde(const ap_line *ln, ap_event *ev)
{
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

	const char *u = c.p, *e = c.e;
	const char *t1 = last_of(u, e, " to {"), *t2 = last_of(u, e, " to Horde");
	const char *to = t1;
	if (t2 != NULL && (to == NULL || t2 > to))
		to = t2;
	const char *lim = to ? to : e;

	/* candidates: " [" or " (" whose content is an address */
	const char *best = NULL, *bclose = NULL;
	ap_addr direct = { 0, { 0 } };
	for (const char *p = u; p + 2 < lim; p++) {
		if (p[0] != ' ' || (p[1] != '[' && p[1] != '('))
			continue;
		char close = p[1] == '[' ? ']' : ')';
		const char *q = memchr(p + 2, close, (size_t)(lim - p - 2));
		if (q == NULL)
			continue;
		ap_addr a;
		if (!ap_addr_parse(p + 2, (size_t)(q - p - 2), &a))
			continue;
		const char *after = q + 1;
		int ok;
		if (to != NULL) {
			ok = after == to
			     || (AP_HAS_PREFIX(after, (size_t)(lim - after), " (forwarded for [")
				 && to - after >= 19 && to[-1] == ')' && to[-2] == ']');
		} else {
			/* cut short before " to ": the last address that ends
			 * the line or leads to a forwarded part */
			const char *r = after;
			while (r < e && (*r == ' ' || *r == '\t'))
				r++;
			ok = r == e
			     || AP_HAS_PREFIX(after, (size_t)(e - after), " (forwarded for [");
		}
		if (ok) {
			best = p;
			bclose = q;
			direct = a;
			if (to != NULL)
				break;
		}
	}
	if (best == NULL) {
		/* no address: the user alone, if the line says where it ends */
		if (to == NULL)
			return 0;
		/* the address part is unreadable: the user ends before it */
		const char *ue = to;
		const char *b1 = AP_MEMRMEM(u, (size_t)(to - u), " [");
		const char *b2 = AP_MEMRMEM(u, (size_t)(to - u), " (");
		if (b2 != NULL && (b1 == NULL || b2 > b1))
			b1 = b2;
		if (b1 != NULL)
			ue = b1;
		ap_set_user(ev, u, (size_t)(ue - u));
		return 1;
	}
	/* "U (Horde user H)" -> U */
	const char *ue = best;
	const char *hu = AP_MEMMEM(u, (size_t)(ue - u), " (Horde user ");
	if (hu != NULL && ue[-1] == ')')
		ue = hu;
	ap_set_user(ev, u, (size_t)(ue - u));

	ev->ip = direct;
	const char *after = bclose + 1;
	if (AP_HAS_PREFIX(after, (size_t)(e - after), " (forwarded for [")
	    && ap_addr_is_local_hop(&direct)) {
		const char *fs = after + AP_LEN(" (forwarded for [");
		const char *fe = to != NULL ? to - 2 : memchr(fs, ']', (size_t)(e - fs));
		ap_addr f;
		if (fe != NULL && fe >= fs && ap_pick_forwarded(fs, (size_t)(fe - fs), &f))
			ev->ip = f;
	}
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_horde = {
	AP_FAM_HORDE,
	"horde",
	rec_horde,
	(const char *const[]){ "horde", NULL },
};
