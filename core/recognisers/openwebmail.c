/* openwebmail.c - Open WebMail's log file (openwebmail.log, read by imfile
 * with tag openwebmail).  Service webmail.  Each line is
 * "<date> - [PID] (ADDR) U - <event> - <text>":
 *
 *   Sat Dec 28 19:05:38 2013 - [73540] (ADDR) U - login error - auth_unix.pl, ret -4, Password incorrect
 *       failure bad_password
 *   ... (ADDR) U - login error - no such user - loginname=U       failure unknown_user
 *   ... (ADDR) U - userinfo error - auth_unix.pl, ret -4, User U doesn't exist
 *       failure unknown_user
 * The success line was not in the samples available: not read.
 *
 * Threat model.  U is the login name the client typed (and may hold
 * " - login - " or " - login error - "); the date, the process id and
 * the address in parentheses come before it, at positions the client
 * cannot reach.  The address is read there, left to right; the event word
 * is the last " - login error - " / " - userinfo error - " of the line,
 * so a user name holding one is passed over (the "loginname=U" and "User
 * U" texts after it repeat the name: such a name can change the reason
 * read, never the outcome or the address).  ADDR is whatever Open
 * WebMail took as the client address (shapes taken from fail2ban's
 * samples; its source was not available to check whether it reads
 * client-sent headers).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_openwebmail(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	/* "<date> - [PID] (" */
	if (!AP_SKIP_PAST(&c, " - ["))
		return 0;
	if (c.p - ln->msg > 40)
		return 0;
	const char *d = c.p;
	while (c.p < c.e && *c.p >= '0' && *c.p <= '9')
		c.p++;
	if (c.p == d || !AP_EAT(&c, "] ("))
		return 0;
	ap_span addr;
	if (!ap_cur_until(&c, ')', &addr) || addr.n > 64)
		return 0;
	c.p++;
	if (!AP_EAT(&c, " "))
		return 0;
	const char *u = c.p, *e = c.e;
	while (e > u && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;

	ev->daemon = "openwebmail";
	ev->service = "webmail";
	const char *m;
	if ((m = AP_MEMRMEM(u, (size_t)(e - u), " - login error - ")) != NULL) {
		const char *t = m + AP_LEN(" - login error - ");
		ap_span txt = ap_span_make(t, (size_t)(e - t));
		if (AP_HAS_PREFIX(txt.p, txt.n, "no such user - loginname="))
			ev->reason = AP_R_UNKNOWN_USER;
		else if (AP_HAS_ISUFFIX(txt.p, txt.n, "Password incorrect"))
			ev->reason = AP_R_BAD_PASSWORD;
		else
			return 0;
		ev->outcome = AP_OUT_FAILURE;
	} else if ((m = AP_MEMRMEM(u, (size_t)(e - u), " - userinfo error - ")) != NULL) {
		const char *t = m + AP_LEN(" - userinfo error - ");
		if (!AP_HAS_ISUFFIX(t, (size_t)(e - t), " doesn't exist"))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
	} else {
		return 0;
	}
	ap_set_user(ev, u, (size_t)(m - u));
	ap_span a = ap_span_trim(addr);
	if (a.n > 0)
		ap_set_ip(&ev->ip, a.p, a.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_openwebmail = {
	AP_FAM_OPENWEBMAIL,
	"openwebmail",
	rec_openwebmail,
	(const char *const[]){ "openwebmail", NULL },
};
