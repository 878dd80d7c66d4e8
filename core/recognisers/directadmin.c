/* directadmin.c - DirectAdmin's panel logins, /var/log/directadmin/login.log
 * (DirectAdmin 1.45.3 and later), read through imfile (tags directadmin,
 * directadmin-login): the whole line is the message.  Service panel.
 *
 *   <stamp>: '<ip>' N failed login attempts. Account '<user>'            failure
 *   <stamp>: '<ip>' N failed login attempt. Invalid account '<user>'     failure, unknown_user
 *   <stamp>: '<ip>' N failed login attempts. Account '<user>' via '<a>'  failure (login-as)
 *   <stamp>: '<ip>' N failed login attempt on account '<user>'           failure (older releases)
 *   <stamp>: '<ip>' successful login to '<user>'[ via '<a>'][ after N attempts]   success
 *
 * <stamp> is "YYYY:MM:DD-HH:MM:SS", local time without a zone: read as UTC
 * into ev->time.  N counts the failures of that address so far: it is one
 * failed attempt per line and N goes to attempts, never to a count of
 * events (detection counts the line once).  "after N attempts" on a
 * success goes to attempts too.  "Account" does not tell why the login
 * failed (a wrong password and a wrong 2FA answer both count): no reason.
 * "via '<a>'" is the account whose password a login-as ("user|admin")
 * used; the user is the account logged into.  An invalid account is
 * URL-encoded by DirectAdmin ("user%2Ename"): %XX is decoded into
 * ev->scratch so that user is the name as the client typed it ("user.name").
 *
 * Threat model: DirectAdmin writes the stamp, the quoted address and the
 * verdict ("N failed login attempt", "successful login to") before any
 * client text; the account name comes last.  So the address and the outcome
 * are read from that fixed prefix, never searched for: nothing the client
 * sends can move them.  The account name is read from the end: the
 * " after N attempts" tail, the closing quote and the last "' via '" are the
 * daemon's, so a name holding quotes or " via " changes only the user.
 * Nothing is redacted (the line carries no password).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "YYYY:MM:DD-HH:MM:SS"; returns its length or 0 */
static size_t da_stamp(const char *p, size_t n, int64_t *t)
{
	int y, mo, d, hh, mm, ss;
	if (n < 19 || !ap_digits(p, 4, &y) || p[4] != ':' || !ap_digits(p + 5, 2, &mo)
	    || p[7] != ':' || !ap_digits(p + 8, 2, &d) || p[10] != '-' || !ap_digits(p + 11, 2, &hh)
	    || p[13] != ':' || !ap_digits(p + 14, 2, &mm) || p[16] != ':'
	    || !ap_digits(p + 17, 2, &ss))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	*t = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 19;
}

/* the user, with DirectAdmin's %XX encoding undone into ev->scratch */
static void set_user_decoded(ap_event *ev, const char *p, size_t n)
{
	if (memchr(p, '%', n) == NULL) {
		ap_set_user(ev, p, n);
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o < sizeof(ev->scratch); i++) {
		int hi, lo;
		if (p[i] == '%' && i + 2 < n && (hi = ap_hexval(p[i + 1])) >= 0
		    && (lo = ap_hexval(p[i + 2])) >= 0) {
			ev->scratch[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			ev->scratch[o++] = p[i];
		}
	}
	ap_set_user(ev, ev->scratch, o);
}

static int32_t clamp32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* "<user>'[ via '<a>'][ after N attempts]" in [p, e): the user, and the
 * attempts of a success */
static void account(ap_event *ev, const char *p, const char *e, int success)
{
	const char *a = AP_MEMRMEM(p, (size_t)(e - p), "' after ");
	if (a != NULL) {
		ap_cur t = ap_cur_make(a + AP_LEN("' after "),
				       (size_t)(e - a) - AP_LEN("' after "));
		int64_t n;
		if (ap_cur_uint(&t, &n) && AP_EAT(&t, " attempt")) {
			ap_cur_eatc(&t, 's');
			if (t.p == t.e) {
				if (success)
					ev->attempts = clamp32(n);
				e = a + 1;
			}
		}
	}
	if (e == p || e[-1] != '\'')
		return;
	e--;
	const char *via = AP_MEMRMEM(p, (size_t)(e - p), "' via '");
	if (via != NULL)
		e = via;
	set_user_decoded(ev, p, (size_t)(e - p));
}

static int rec_directadmin(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	size_t sn = da_stamp(c.p, ap_cur_left(&c), &ev->time);
	if (sn > 0) {
		c.p += sn;
		if (!AP_EAT(&c, ": "))
			return 0;
	}
	ap_span ip;
	if (!ap_cur_eatc(&c, '\'') || !ap_cur_until(&c, '\'', &ip) || ip.n == 0 || ip.n > 64)
		return 0;
	c.p++;
	if (!AP_EAT(&c, " "))
		return 0;
	if (AP_EAT(&c, "successful login to '")) {
		ev->outcome = AP_OUT_SUCCESS;
		account(ev, c.p, c.e, 1);
	} else {
		int64_t n;
		if (!ap_cur_uint(&c, &n) || !AP_EAT(&c, " failed login attempt"))
			return 0;
		ap_cur_eatc(&c, 's');
		ev->outcome = AP_OUT_FAILURE;
		ev->attempts = clamp32(n);
		if (AP_EAT(&c, ". Invalid account '")) {
			ev->reason = AP_R_UNKNOWN_USER;
			account(ev, c.p, c.e, 0);
		} else if (AP_EAT(&c, ". Account '") || AP_EAT(&c, " on account '")) {
			account(ev, c.p, c.e, 0);
		}
	}
	ev->daemon = "directadmin";
	ev->service = "panel";
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_directadmin = {
	AP_FAM_DIRECTADMIN,
	"directadmin",
	rec_directadmin,
	(const char *const[]){ "directadmin", "directadmin-login", NULL },
};
