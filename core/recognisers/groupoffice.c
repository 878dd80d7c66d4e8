/* groupoffice.c - Group-Office's authentication log (its log file read by
 * imfile with tag groupoffice).  Service webmail.
 *
 *   [YYYY-MM-DD HH:MM:SS]LOGIN FAILED for user: "U" from IP: ADDR     failure
 *   [YYYY-MM-DD HH:MM:SS]LOGIN SUCCESS for user: "U" from IP: ADDR    success
 *
 * Threat model.  U is the login name the client typed, printed between
 * double quotes without escaping: it may hold '" from IP: ' and an
 * address, or the other outcome's words.  The outcome word comes right
 * after the stamp, before any client text; the address is the end of the
 * line, after the last '" from IP: '.  (Shapes from fail2ban's filter and
 * samples.)
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_groupoffice(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (AP_AT(&c, "[")) {
		ap_span stamp;
		c.p++;
		if (!ap_cur_until(&c, ']', &stamp) || stamp.n > 32)
			return 0;
		c.p++;
		ap_cur_skip_blanks(&c);
	}
	int success;
	if (AP_EAT(&c, "LOGIN FAILED for user: \""))
		success = 0;
	else if (AP_EAT(&c, "LOGIN SUCCESS for user: \""))
		success = 1;
	else
		return 0;
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	const char *f = AP_MEMRMEM(c.p, (size_t)(e - c.p), "\" from IP: ");
	if (f == NULL)
		return 0;
	ev->daemon = "groupoffice";
	ev->service = "webmail";
	ev->outcome = success ? AP_OUT_SUCCESS : AP_OUT_FAILURE;
	ap_set_user(ev, c.p, (size_t)(f - c.p));
	ap_span addr = ap_span_make(f + AP_LEN("\" from IP: "),
				    (size_t)(e - f) - AP_LEN("\" from IP: "));
	if (addr.n > 0 && memchr(addr.p, ' ', addr.n) == NULL)
		ap_set_ip(&ev->ip, addr.p, addr.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_groupoffice = {
	AP_FAM_GROUPOFFICE,
	"groupoffice",
	rec_groupoffice,
	(const char *const[]){ "groupoffice", "group-office", NULL },
};
