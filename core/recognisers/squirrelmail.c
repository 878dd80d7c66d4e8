/* squirrelmail.c - SquirrelMail's squirrel_logger plugin, its log file
 * read by imfile (tag squirrelmail) or through syslog (tag squirrelmail).
 * Service webmail.  The plugin's default layout is "%1 [%2] %3 (%4) from
 * %5: %6": date, event, user, domain, address, message.
 *
 *   MM/DD/YYYY HH:MM:SS [LOGIN_ERROR] U (D) from ADDR: Unknown user or password incorrect.
 *       failure
 * Only the failure is read: the wording of the plugin's other events
 * (LOGIN, LOGOUT, TIMEOUT) has not been checked against its source.
 *
 * Threat model.  U is the login name the client typed, D the domain
 * derived from it or configured: both may hold " from " and ": ".  The
 * event word in brackets follows the date at the start of the line, before
 * any client text; the message is the plugin's fixed text at the end of
 * the line.  The address is read leftwards from that message: after the
 * last " from " before it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_squirrelmail(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	/* "MM/DD/YYYY HH:MM:SS " (optional through syslog) */
	if (ap_cur_left(&c) > 20 && c.p[2] == '/' && c.p[5] == '/' && c.p[10] == ' ') {
		c.p += 11;
		while (c.p < c.e && ((*c.p >= '0' && *c.p <= '9') || *c.p == ':'))
			c.p++;
		ap_cur_skip_blanks(&c);
	}
	if (!AP_EAT(&c, "[LOGIN_ERROR] "))
		return 0;
	static const char msg[] = ": Unknown user or password incorrect.";
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (!AP_HAS_ISUFFIX(c.p, (size_t)(e - c.p), ": Unknown user or password incorrect."))
		return 0;
	e -= AP_LEN(msg);
	const char *from = AP_MEMRMEM(c.p, (size_t)(e - c.p), " from ");
	if (from == NULL)
		return 0;
	ev->daemon = "squirrelmail";
	ev->service = "webmail";
	ev->outcome = AP_OUT_FAILURE;
	ap_span addr = ap_span_make(from + AP_LEN(" from "), (size_t)(e - from) - AP_LEN(" from "));
	if (addr.n > 0 && memchr(addr.p, ' ', addr.n) == NULL)
		ap_set_ip(&ev->ip, addr.p, addr.n);
	/* "U (D)": the domain is the last parenthesised part */
	const char *ue = from;
	if (ue > c.p && ue[-1] == ')') {
		const char *open = AP_MEMRMEM(c.p, (size_t)(ue - c.p), " (");
		if (open != NULL)
			ue = open;
	}
	ap_set_user(ev, c.p, (size_t)(ue - c.p));
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_squirrelmail = {
	AP_FAM_SQUIRRELMAIL,
	"squirrelmail",
	rec_squirrelmail,
	(const char *const[]){ "squirrelmail", NULL },
};
