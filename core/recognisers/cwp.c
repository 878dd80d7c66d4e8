/* cwp.c - Control Web Panel (CWP, formerly CentOS Web Panel) 0.9.8 panel
 * logins, /var/log/cwp_client_login.log, read through imfile (tags cwp,
 * cwp-login): the whole line is the message.  Service panel.
 *
 *   <stamp> <user> Failed Login from: <ip> on: '<url>'     failure
 *   <stamp> <user> Failed Login from: <ip> on: <url>       failure (releases before the quotes)
 *
 * <stamp> is "YYYY-MM-DD HH:MM:SS", local time without a zone: read as UTC
 * into ev->time.  CWP does not say whether the user or the password was
 * wrong: no reason.  The file holds failures only.
 *
 * Threat model: CWP is closed source; the shape comes from the installer's
 * own lfd rule (regex.custom.pm: "\S+ \S+ (\S+) Failed Login from: (\S+)
 * on: (\S+)") and from the CVE-2022-44877 write-up, which shows the line
 * and the shell command that wrote it.  Both ends of the line are the
 * client's: <user> is the login name as typed, and <url> is the request
 * URL with its query string, so either can hold "Failed Login from: 6.6.6.6
 * on: ".  The address (the peer's, a single word) sits between them.  A
 * candidate is " Failed Login from: <word> on:"; with exactly one candidate
 * the line has one reading and the address is its word.  With two or more
 * the client planted one on one side or the other and nothing in the line
 * says which: the event keeps its outcome, the address is left out
 * (ambiguous), and the user is read up to the first candidate.  Candidates
 * are found left to right, each search starting after the previous one:
 * linear.  Nothing is redacted (no password is logged).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_cwp(const ap_line *ln, ap_event *ev)
{
	const char *s = ln->msg, *e = ln->msg + ln->len;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	size_t sn = ap_parse_ymdhms(s, (size_t)(e - s), ' ', &ev->time);
	if (sn == 0 || sn >= (size_t)(e - s) || s[sn] != ' ')
		return 0;
	s += sn; /* on the blank before the user */
	const char *first = NULL;
	ap_span ip = { NULL, 0 };
	int n = 0;
	for (const char *p = s; n < 2;) {
		const char *f = AP_MEMMEM(p, (size_t)(e - p), " Failed Login from: ");
		if (f == NULL)
			break;
		const char *w = f + AP_LEN(" Failed Login from: "), *we = w;
		while (we < e && *we != ' ' && *we != '\t')
			we++;
		p = w;
		/* " on: <url>", or " on:" ending the line (an empty URL) */
		size_t rest = (size_t)(e - we);
		int on = AP_HAS_PREFIX(we, rest, " on: ")
			 || (rest == AP_LEN(" on:") && AP_HAS_PREFIX(we, rest, " on:"));
		if (we == w || !on)
			continue;
		if (n++ == 0) {
			first = f;
			ip = ap_span_make(w, (size_t)(we - w));
		}
	}
	if (n == 0)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->daemon = "cwp";
	ev->service = "panel";
	if (n > 1)
		ev->ambiguous = true;
	else
		ap_set_ip(&ev->ip, ip.p, ip.n);
	ap_set_user(ev, s + 1, first > s ? (size_t)(first - s - 1) : 0);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_cwp = {
	AP_FAM_CWP,
	"cwp",
	rec_cwp,
	(const char *const[]){ "cwp", "cwp-login", NULL },
};
