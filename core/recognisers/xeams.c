/* xeams.c - Xeams' SuccessfulLogins.log, read through imfile (tag
 * xeams): one line per accepted login, the whole line is the message.
 *
 *   2020-07-24 16:12:25,189 - [IMAP] {SECURE} - mary@mydomain.com - 10.11.12.110 (LAN)
 *
 * Service in brackets (IMAP, POP3, SMTP, HTTP), {SECURE}/{UNSECURE} ->
 * tls true/false, the user, the client address, then Xeams' own location
 * label ("LAN" or a country name), which is ignored: geo comes from our
 * own lookup.  The time stamp is local time without a zone; it is read
 * as UTC.  The file holds successes only. */
#include "recognisers/recogniser.h"

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
	/* "<user> - <ip>[ (<label>)]": the user ends at the first " - " */
	const char *sep = AP_MEMMEM(c.p, ap_cur_left(&c), " - ");
	if (sep == NULL)
		return 0;
	ev->outcome = AP_OUT_SUCCESS;
	ev->daemon = "xeams";
	int8_t ignored = -1;
	ev->service = ap_service_from_word(svc.p, svc.n, &ignored);
	ap_set_user(ev, c.p, (size_t)(sep - c.p));
	c.p = sep + AP_LEN(" - ");
	ap_span ip = ap_cur_word(&c);
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_xeams = {
	AP_FAM_XEAMS,
	"xeams",
	rec_xeams,
	(const char *const[]){ "xeams", NULL },
};
