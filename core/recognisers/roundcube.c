/* roundcube.c - Roundcube webmail, through syslog (tag roundcube) or
 * its own logs/errors.log and logs/userlogins.log read by imfile, whose
 * lines start with "[30-Dec-2014 13:02:34 -0500]: " (that time goes to
 * ev->time).  A "<sessid> " prefix (1.1+) is skipped.  Service webmail.
 *
 *   IMAP Error: Login failed for U [against H ]from ADDR. <IMAP reply>
 *   Login failed for U from 127.0.0.1 from 1.2.3.4        (proxied)
 *   FAILED login for U from ADDR                           (old plugin)
 *   Failed login for U from ADDR in session S (error: N)   (log_logins)
 *   Successful login for U (ID: N) from ADDR in session S  (log_logins)
 *
 * Outcome: failure with no reason (the IMAP server does not tell which
 * part was wrong); "Could not connect to" in the reply means the IMAP
 * server was not reached: outcome unknown.  "AUTHENTICATE PLAIN:" in the
 * reply gives mech PLAIN, "LOGIN:" mech LOGIN.
 *
 * ADDR is rcube_utils::remote_ip(): REMOTE_ADDR, maybe followed by
 * "(X-Real-IP: a,X-Forwarded-For: b, c)".  The headers are the client's
 * own words unless a local proxy set them, so they replace REMOTE_ADDR only
 * when REMOTE_ADDR is loopback, private, link-local or CGNAT: X-Real-IP
 * first, else the rightmost public X-Forwarded-For entry.  A chain
 * "from A from B" (proxy setups, or a user name holding " from ") gives
 * the last address, which is right in both readings. */
#include "recognisers/recogniser.h"

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

/* one address of the chain; cursor after it (and after a '.' ending it) */
static int one_addr(ap_cur *c, ap_addr *out, ap_span *hdrs)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p != ' ' && *c->p != '(' && *c->p != ',')
		c->p++;
	ap_span w = ap_span_make(s, (size_t)(c->p - s));
	hdrs->p = NULL;
	hdrs->n = 0;
	if (AP_AT(c, "(")) {
		c->p++;
		if (!ap_cur_until(c, ')', hdrs))
			hdrs->n = 0, hdrs->p = NULL, c->p = c->e;
		else
			c->p++;
	}
	/* "1.2.3.4." - the sentence's full stop */
	if (w.n > 0 && w.p[w.n - 1] == '.')
		w.n--;
	if (AP_AT(c, "."))
		c->p++;
	out->family = 0;
	if (w.n > 0)
		ap_addr_parse(w.p, w.n, out);
	return w.n > 0;
}

static void apply_headers(ap_addr *a, ap_span h)
{
	if (h.n == 0 || a->family == 0 || !ap_addr_is_local_hop(a))
		return;
	ap_addr r;
	const char *x = AP_MEMMEM(h.p, h.n, "X-Real-IP: ");
	if (x != NULL) {
		const char *v = x + AP_LEN("X-Real-IP: "), *e = h.p + h.n;
		const char *end = memchr(v, ',', (size_t)(e - v));
		ap_span s = ap_span_trim(ap_span_make(v, (size_t)((end ? end : e) - v)));
		if (ap_addr_parse(s.p, s.n, &r)) {
			*a = r;
			return;
		}
	}
	const char *f = AP_MEMMEM(h.p, h.n, "X-Forwarded-For: ");
	if (f != NULL
	    && ap_pick_forwarded(f + AP_LEN("X-Forwarded-For: "),
				 (size_t)(h.p + h.n - f) - AP_LEN("X-Forwarded-For: "), &r))
		*a = r;
}

/* "from ADDR[ from ADDR]..." at c: the last address wins */
static int addr_chain(ap_cur *c, ap_event *ev)
{
	int n = 0;
	while (AP_EAT(c, "from ")) {
		ap_addr a;
		ap_span h;
		if (!one_addr(c, &a, &h))
			break;
		apply_headers(&a, h);
		ev->ip = a;
		n++;
		if (!AP_AT(c, " from "))
			break;
		c->p++;
	}
	return n;
}

/* user up to the first of the stop strings */
static int user_until(ap_cur *c, ap_event *ev, const char *stop1, const char *stop2)
{
	const char *u = c->p;
	const char *a = ap_memmem(u, ap_cur_left(c), stop1, strlen(stop1));
	const char *b = stop2 ? ap_memmem(u, ap_cur_left(c), stop2, strlen(stop2)) : NULL;
	const char *e = a;
	if (e == NULL || (b != NULL && b < e))
		e = b;
	if (e == NULL)
		return 0;
	ap_set_user(ev, u, (size_t)(e - u));
	c->p = e + 1;
	return 1;
}

static void session_after(ap_cur *c, ap_event *ev)
{
	if (AP_SKIP_PAST(c, "in session ")) {
		ap_span s = ap_cur_word(c);
		if (s.n > 0)
			ev->session = s;
	}
}

static int login_failed(ap_cur *c, ap_event *ev)
{
	ev->outcome = AP_OUT_FAILURE;
	if (!user_until(c, ev, " from ", " against "))
		return 0;
	if (AP_EAT(c, "against ")) {
		/* the IMAP host: up to " from " */
		if (!AP_FIND(c, " from "))
			return 0;
		c->p++;
	}
	addr_chain(c, ev);
	ap_cur_skip_blanks(c);
	if (AP_EAT(c, "AUTHENTICATE ")) {
		ap_span m;
		if (ap_cur_until(c, ':', &m) && m.n > 0 && m.n <= 32 && !memchr(m.p, ' ', m.n))
			ev->mech = m;
	} else if (AP_AT(c, "LOGIN: ")) {
		ev->mech = AP_SPAN_LIT("LOGIN");
	}
	if (AP_MEMMEM(c->p, ap_cur_left(c), "Could not connect to") != NULL)
		ev->outcome = AP_OUT_UNKNOWN;
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
		return login_failed(&c, ev);
	}
	if (AP_EAT(&c, "Login failed for "))
		return login_failed(&c, ev);
	if (AP_EAT(&c, "FAILED login for ")) {
		ev->outcome = AP_OUT_FAILURE;
		if (!user_until(&c, ev, " from ", NULL))
			return 0;
		/* the old fail2ban plugin logs X-Forwarded-For as is */
		if (AP_EAT(&c, "from ")) {
			ap_addr a;
			if (ap_pick_forwarded(c.p, ap_cur_left(&c), &a))
				ev->ip = a;
		}
		return 1;
	}
	if (AP_EAT(&c, "Failed login for ")) {
		ev->outcome = AP_OUT_FAILURE;
		if (!user_until(&c, ev, " from ", NULL))
			return 0;
		addr_chain(&c, ev);
		session_after(&c, ev);
		return 1;
	}
	if (AP_EAT(&c, "Successful login for ")) {
		ev->outcome = AP_OUT_SUCCESS;
		if (!user_until(&c, ev, " (ID: ", NULL))
			return 0;
		if (!AP_SKIP_PAST(&c, ") "))
			return 1;
		addr_chain(&c, ev);
		session_after(&c, ev);
		return 1;
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_roundcube = {
	AP_FAM_ROUNDCUBE,
	"roundcube",
	rec_roundcube,
	(const char *const[]){ "roundcube", NULL },
};
