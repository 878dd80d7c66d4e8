/* xeams.c - Xeams' SuccessfulLogins.log, read through imfile (tag
 * xeams): one line per accepted login, the whole line is the message.
 *
 *   2020-07-24 16:12:25,189 - [IMAP] {SECURE} - mary@mydomain.com - 10.11.12.110 (LAN)
 *
 * Service in brackets (IMAP, POP3, SMTP, HTTP), {SECURE}/{UNSECURE} ->
 * tls true/false, the user, the client address, then Xeams' own location
 * label ("LAN" or a country name), which is ignored: geo comes from our
 * own lookup.  The time stamp is local time without a zone; it is read
 * as UTC.  The file holds successes only (Xeams' "Monitoring Secure
 * Logins" page: a line for every user who entered correct credentials).
 *
 * Threat model.  Xeams writes the time stamp, the channel, the security
 * flag, the address and the label; the user is the login name the client
 * sent (it authenticated, but the name as typed is the client's text and
 * may hold " - ", "(" or an address).  So the fixed prefix is read from
 * the left up to the user, and the address from the end of the line
 * leftwards: the label is the parenthesised group that ends the line
 * (matched by depth: a country name may hold parentheses, "Korea
 * (Republic of)"), the address is the word before it, preceded by " - ";
 * the user is what lies between.  A line whose end does not have that
 * shape is not read.  A line of 480 bytes or more (a real one is about
 * 100) may have been cut by a message size limit right after an address
 * typed into the user: it keeps its event but not its address
 * (ambiguous).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* a line this long or longer may have been cut by a message size limit
 * (480: RFC 5424's smallest size every receiver takes) */
#define CUT_SAFE 480

/* "YYYY-MM-DD HH:MM:SS,mmm" */
static int stamp(ap_cur *c, int64_t *t)
{
	const char *p = c->p;
	int y, mo, d, hh, mm, ss, ms;
	if (ap_cur_left(c) < 23 || !ap_digits(p, 4, &y) || p[4] != '-' || !ap_digits(p + 5, 2, &mo)
	    || p[7] != '-' || !ap_digits(p + 8, 2, &d) || p[10] != ' ' || !ap_digits(p + 11, 2, &hh)
	    || p[13] != ':' || !ap_digits(p + 14, 2, &mm) || p[16] != ':'
	    || !ap_digits(p + 17, 2, &ss) || p[19] != ',' || !ap_digits(p + 20, 3, &ms))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	*t = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
	c->p += 23;
	return 1;
}

static int rec_xeams(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!stamp(&c, &ev->time) || !AP_EAT(&c, " - ["))
		return 0;
	ap_span svc;
	if (!ap_cur_until(&c, ']', &svc) || svc.n == 0 || svc.n > 16)
		return 0;
	c.p++;
	if (AP_EAT(&c, " {SECURE}"))
		ev->tls = 1;
	else if (AP_EAT(&c, " {UNSECURE}"))
		ev->tls = 0;
	else
		return 0;
	if (!AP_EAT(&c, " - "))
		return 0;
	/* from the end: "<user> - <ip>[ (<label>)]" */
	const char *u = c.p, *e = c.e;
	while (e > u && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *ipe = e;
	if (e > u && e[-1] == ')') {
		/* the label's opening parenthesis, matched by depth */
		int depth = 0;
		const char *p = e;
		while (p > u) {
			p--;
			if (*p == ')')
				depth++;
			else if (*p == '(' && --depth == 0)
				break;
		}
		if (depth != 0 || p == u || p[-1] != ' ')
			return 0;
		ipe = p - 1;
	}
	const char *ips = ipe;
	while (ips > u && ips[-1] != ' ' && ips[-1] != '\t')
		ips--;
	if (ips == ipe || (size_t)(ips - u) < AP_LEN(" - ")
	    || memcmp(ips - AP_LEN(" - "), " - ", AP_LEN(" - ")) != 0)
		return 0;
	ev->outcome = AP_OUT_SUCCESS;
	ev->daemon = "xeams";
	int8_t ignored = -1;
	ev->service = ap_service_from_word(svc.p, svc.n, &ignored);
	ap_set_user(ev, u, (size_t)(ips - AP_LEN(" - ") - u));
	ap_set_ip(&ev->ip, ips, (size_t)(ipe - ips));
	if (ln->len >= CUT_SAFE)
		ev->ambiguous = true;
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_xeams = {
	AP_FAM_XEAMS,
	"xeams",
	rec_xeams,
	(const char *const[]){ "xeams", NULL },
};
