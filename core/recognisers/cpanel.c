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
 * reason: "user password incorrect" -> bad_password; "invalid cpanel
 * user", "user password hash is missing" (user probably does not exist)
 * -> unknown_user; "security token" (incorrect/missing) -> bad_token; "root
 * login is not permitted", "non-reseller", "suspended" -> disabled;
 * cPHulk's "brute force attempt ... has locked out IP" -> other: cPHulk
 * refused the attempt without checking the password; it is an attempt
 * from a locked-out address, logged on every try while the lock holds,
 * not a new ban decision, so it stays kind=auth.
 * A user that reads "[email protected]" (a copy passed through a web
 * page's e-mail obfuscation) is left out.
 * "PURGE <user>:<token> logout" lines are session bookkeeping: not events.
 * The time stamp gives ev->time (with its offset, as UTC). */
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

/* "[YYYY-MM-DD HH:MM:SS +zzzz]" or "[MM/DD/YYYY:HH:MM:SS +zzzz]"; the
 * cursor moves past the ']' */
static int stamp(ap_cur *c, int64_t *t)
{
	const char *p = c->p;
	size_t n = ap_cur_left(c);
	int y, mo, d, hh, mm, ss;
	int64_t off = 0;
	if (n < 27 || p[0] != '[' || p[26] != ']')
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
	c->p += 27;
	return 1;
}

/* " - " or " – " (U+2013) */
static int eat_dash(ap_cur *c)
{
	return AP_EAT(c, " - ") || AP_EAT(c, " \xe2\x80\x93 ");
}

/* an opening quote: '"' or U+201C; returns its length or 0 */
static size_t open_quote(const char *p, size_t n)
{
	if (n >= 1 && p[0] == '"')
		return 1;
	if (AP_HAS_PREFIX(p, n, "\xe2\x80\x9c"))
		return 3;
	return 0;
}

/* a closing quote: '"' or U+201D */
static const char *find_close_quote(const char *p, const char *e, size_t *qlen)
{
	for (const char *s = p; s < e; s++) {
		if (*s == '"') {
			*qlen = 1;
			return s;
		}
		if (AP_HAS_PREFIX(s, (size_t)(e - s), "\xe2\x80\x9d")) {
			*qlen = 3;
			return s;
		}
	}
	return NULL;
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

static uint8_t reason_of(const char *p, size_t n)
{
	if (AP_MEMMEM(p, n, "user password incorrect"))
		return AP_R_BAD_PASSWORD;
	if (AP_MEMMEM(p, n, "invalid cpanel user")
	    || AP_MEMMEM(p, n, "user password hash is missing"))
		return AP_R_UNKNOWN_USER;
	if (AP_MEMMEM(p, n, "security token"))
		return AP_R_BAD_TOKEN;
	if (AP_MEMMEM(p, n, "brute force attempt"))
		return AP_R_OTHER;
	if (AP_MEMMEM(p, n, "root login is not permitted") || AP_MEMMEM(p, n, "non-reseller")
	    || AP_MEMMEM(p, n, "suspended"))
		return AP_R_DISABLED;
	return AP_R_NONE;
}

/* the user ends before " (possessor: ...)" */
static void set_user(ap_event *ev, const char *p, size_t n)
{
	const char *poss = AP_MEMMEM(p, n, " (possessor:");
	if (poss != NULL)
		n = (size_t)(poss - p);
	ap_span u = ap_span_trim(ap_span_make(p, n));
	/* "-": no user; "[email protected]": a copy that went through a
	 * web page's e-mail obfuscation, not what the client typed */
	if (AP_SPAN_IS(u, "-") || AP_SPAN_IS(u, "[email protected]"))
		return;
	ap_set_user(ev, u.p, u.n);
}

/* "<VERDICT> <svc>[: <reason>]" */
static int verdict(ap_cur *c, ap_event *ev)
{
	ap_cur_skip_blanks(c);
	int deferred = 0;
	if (AP_EAT(c, "FAILED LOGIN "))
		ev->outcome = AP_OUT_FAILURE;
	else if (AP_EAT(c, "DEFERRED LOGIN")) {
		ev->outcome = AP_OUT_FAILURE;
		deferred = 1;
		ap_cur_eatc(c, ' ');
	} else if (AP_EAT(c, "SUCCESS LOGIN "))
		ev->outcome = AP_OUT_SUCCESS;
	else
		return 0;
	ap_span svc;
	const char *s = c->p;
	while (c->p < c->e && *c->p != ':' && *c->p != ' ')
		c->p++;
	svc = ap_span_make(s, (size_t)(c->p - s));
	if (svc.n == 0)
		return 0;
	ev->daemon = "cpanel";
	ev->service = service_of(svc);
	if (ev->outcome == AP_OUT_FAILURE && ap_cur_eatc(c, ':')) {
		ev->reason = reason_of(c->p, ap_cur_left(c));
		if (ev->reason == AP_R_NONE && deferred)
			ev->reason = AP_R_OTHER;
	}
	return 1;
}

static int rec_cpanel(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	int newlayout = 0;
	if (AP_AT(&c, "[")) {
		if (!stamp(&c, &ev->time))
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
	ap_span ip = ap_cur_word(&c);
	if (ip.n == 0 || !eat_dash(&c))
		return 0;
	const char *ustart = c.p;
	const char *uend = NULL;
	if (!newlayout) {
		/* old: "<user> [MM/DD/YYYY:..." */
		const char *s = AP_MEMMEM(c.p, ap_cur_left(&c), " [");
		while (s != NULL) {
			ap_cur t = ap_cur_make(s + 1, (size_t)(c.e - (s + 1)));
			if (stamp(&t, &ev->time)) {
				uend = s;
				c = t;
				break;
			}
			s = AP_MEMMEM(s + AP_LEN(" ["), (size_t)(c.e - (s + AP_LEN(" ["))), " [");
		}
		if (uend == NULL)
			return 0;
		ap_cur_skip_blanks(&c);
	} else {
		/* new: "<user> "<request>"..." or "<user>[ (possessor: x)] - SUCCESS" */
		for (const char *s = c.p; s < c.e; s++) {
			if (*s != ' ')
				continue;
			if (open_quote(s + 1, (size_t)(c.e - s - 1))) {
				uend = s;
				break;
			}
			ap_cur t = ap_cur_make(s, (size_t)(c.e - s));
			if (eat_dash(&t) && AP_AT(&t, "SUCCESS LOGIN ")) {
				uend = s;
				break;
			}
		}
		if (uend == NULL)
			return 0;
		c.p = uend;
		ap_cur_skip_blanks(&c);
	}
	/* the request, or the " - " before a success */
	size_t q = open_quote(c.p, ap_cur_left(&c));
	if (q > 0) {
		size_t ql;
		const char *close = find_close_quote(c.p + q, c.e, &ql);
		if (close == NULL)
			return 0;
		c.p = close + ql;
	} else {
		c.p--; /* back onto the blank before the dash */
		if (!eat_dash(&c))
			return 0;
	}
	if (!verdict(&c, ev))
		return 0;
	ap_set_ip(&ev->ip, ip.p, ip.n);
	set_user(ev, ustart, (size_t)(uend - ustart));
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_cpanel = {
	AP_FAM_CPANEL,
	"cpanel",
	rec_cpanel,
	(const char *const[]){ "cpanel", "cpanel-login", NULL },
};
