/* phpmyadmin.c - phpMyAdmin's authentication log ($cfg['AuthLog']):
 * syslog (ident phpMyAdmin, facility authpriv; tag phpMyAdmin) or its own
 * file (AuthLog = a path, read by imfile with tag phpmyadmin; each line
 * then starts with "Mon DD HH:MM:SS phpmyadmin: ").  Service http.
 *
 *   user denied: U (mysql-denied) from ADDR    failure (MySQL refused the credentials)
 *   user denied: U (empty-denied) from ADDR    failure no_password
 *   user denied: U (root-denied) from ADDR     failure disabled (AllowRoot off)
 *   user denied: U (allow-denied) from ADDR    failure disabled (AllowDeny rules)
 *   user authenticated: U from ADDR            success (AuthLogSuccess on)
 *
 * Threat model.  Logging::getLogMessage writes 'user denied: ' . $user .
 * ' (' . $status . ') from ' . Core::getIp() and 'user authenticated: ' .
 * $user . ' from ' . Core::getIp().  The user name is the client's and may
 * hold " from ", "(mysql-denied)" or an address; the status is one of the
 * words above and the address is Core::getIp(): REMOTE_ADDR, or the first
 * element of the header the admin named in TrustedProxies when REMOTE_ADDR
 * is such a proxy (one address, or empty when that element is not one).
 * The line is read from its end: the address after the last " from ", the
 * status in the parentheses just before it.  The outcome word comes first,
 * at a position the client cannot reach.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "Mon DD HH:MM:SS phpmyadmin: " of the AuthLog file */
static void file_prefix(ap_cur *c)
{
	ap_cur k = *c;
	if (ap_cur_left(&k) < 16 || ap_month_from_abbr(k.p, 3) == 0 || k.p[3] != ' ')
		return;
	k.p += 4;
	ap_cur_skip_blanks(&k);
	while (k.p < k.e && ((*k.p >= '0' && *k.p <= '9') || *k.p == ':'))
		k.p++;
	ap_cur_skip_blanks(&k);
	while (k.p < k.e && ((*k.p >= '0' && *k.p <= '9') || *k.p == ':'))
		k.p++;
	ap_cur_skip_blanks(&k);
	if (AP_EAT(&k, "phpmyadmin: ") || AP_EAT(&k, "phpMyAdmin: "))
		*c = k;
}

static int rec_phpmyadmin(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	file_prefix(&c);
	int success;
	if (AP_EAT(&c, "user denied: "))
		success = 0;
	else if (AP_EAT(&c, "user authenticated: "))
		success = 1;
	else
		return 0;
	ev->daemon = "phpmyadmin";
	ev->service = "http";
	ev->outcome = success ? AP_OUT_SUCCESS : AP_OUT_FAILURE;

	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	const char *from;
	if (AP_HAS_ISUFFIX(c.p, (size_t)(e - c.p), " from")) {
		/* "from " with an empty address (getIp() gave false): the user
		 * and the status are still the line's */
		from = e - AP_LEN(" from");
	} else {
		from = AP_MEMRMEM(c.p, (size_t)(e - c.p), " from ");
		if (from == NULL)
			return 0;
		ap_span addr = ap_span_make(from + AP_LEN(" from "),
					    (size_t)(e - from) - AP_LEN(" from "));
		if (addr.n > 0 && memchr(addr.p, ' ', addr.n) == NULL)
			ap_set_ip(&ev->ip, addr.p, addr.n);
	}
	const char *uend = from;
	if (!success) {
		/* "U (status)" */
		if (uend <= c.p || uend[-1] != ')')
			return 0;
		const char *open = AP_MEMRMEM(c.p, (size_t)(uend - c.p), " (");
		if (open == NULL)
			return 0;
		ap_span st = ap_span_make(open + AP_LEN(" ("),
					  (size_t)(uend - 1 - open) - AP_LEN(" ("));
		if (AP_SPAN_IS(st, "empty-denied"))
			ev->reason = AP_R_NO_PASSWORD;
		else if (AP_SPAN_IS(st, "root-denied") || AP_SPAN_IS(st, "allow-denied"))
			ev->reason = AP_R_DISABLED;
		else if (!AP_SPAN_IS(st, "mysql-denied"))
			return 0;
		uend = open;
	}
	ap_set_user(ev, c.p, (size_t)(uend - c.p));
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_phpmyadmin = {
	AP_FAM_PHPMYADMIN,
	"phpmyadmin",
	rec_phpmyadmin,
	(const char *const[]){ "phpmyadmin", NULL },
};
