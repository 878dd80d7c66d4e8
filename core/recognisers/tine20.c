/* tine20.c - Tine 2.0 (Tine Groupware) login failures from its log file
 * (read by imfile with tag tine20).  Service webmail.
 *
 *   REQID TRANSID -- none -- - 2014-01-13T05:02:22+00:00 WARN (4): Tinebase_Controller::login::106 Login with username U from ADDR failed (-1)!
 *       failure unknown_user (Zend_Auth_Result FAILURE_IDENTITY_NOT_FOUND)
 *   ... failed (-3)!    failure bad_password (FAILURE_CREDENTIAL_INVALID)
 *   ... failed (-2)! / (-4)!   failure (ambiguous identity, uncategorised)
 * The stamp carries its zone: it is the event's time.  Tine's success line
 * was not in the samples available: not read.
 *
 * Threat model.  U is the login name the client typed and may hold
 * " from ADDR failed (-3)!"; the line ends with Tine's own " from ADDR
 * failed (-N)!", read leftwards: the address after the last " from ".
 * The user name runs from the first "Login with username " after
 * "Tinebase_Controller::login" (shapes from fail2ban's filter and
 * samples).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_tine20(const ap_line *ln, ap_event *ev)
{
	const char *s = ln->msg, *e = ln->msg + ln->len;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	/* " failed (-N)!" at the end */
	if (e - s < 16 || e[-1] != '!' || e[-2] != ')' || e[-3] < '0' || e[-3] > '9' || e[-4] != '-'
	    || e[-5] != '(')
		return 0;
	int code = e[-3] - '0';
	const char *t = e - 5;
	if (!AP_HAS_PREFIX(t - AP_LEN(" failed "), AP_LEN(" failed "), " failed "))
		return 0;
	t -= AP_LEN(" failed ");
	ap_cur c = ap_cur_make(s, (size_t)(t - s));
	if (!AP_SKIP_PAST(&c, "Tinebase_Controller::login"))
		return 0;
	if (!AP_SKIP_PAST(&c, " Login with username "))
		return 0;
	const char *u = c.p;
	const char *from = AP_MEMRMEM(u, (size_t)(t - u), " from ");
	if (from == NULL)
		return 0;
	ev->daemon = "tine20";
	ev->service = "webmail";
	ev->outcome = AP_OUT_FAILURE;
	if (code == 1)
		ev->reason = AP_R_UNKNOWN_USER;
	else if (code == 3)
		ev->reason = AP_R_BAD_PASSWORD;
	ap_set_user(ev, u, (size_t)(from - u));
	ap_span addr = ap_span_make(from + AP_LEN(" from "), (size_t)(t - from) - AP_LEN(" from "));
	if (addr.n > 0 && memchr(addr.p, ' ', addr.n) == NULL)
		ap_set_ip(&ev->ip, addr.p, addr.n);
	/* " - 2014-01-13T05:02:22+00:00 " before the level */
	const char *d = AP_MEMMEM(s, (size_t)(u - s), " - ");
	if (d != NULL) {
		d += AP_LEN(" - ");
		while (d < u && *d == ' ')
			d++;
		int64_t tm;
		size_t n = ap_parse_ymdhms(d, (size_t)(u - d), 'T', &tm);
		if (n > 0 && n + 6 <= (size_t)(u - d) && (d[n] == '+' || d[n] == '-')
		    && d[n + 3] == ':') {
			int oh, om;
			if (ap_digits(d + n + 1, 2, &oh) && ap_digits(d + n + 4, 2, &om))
				ev->time = tm - (d[n] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
		}
	}
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_tine20 = {
	AP_FAM_TINE20,
	"tine20",
	rec_tine20,
	(const char *const[]){ "tine20", "tine", NULL },
};
