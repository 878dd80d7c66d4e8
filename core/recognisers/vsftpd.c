/* vsftpd.c - vsftpd 2.x/3.x (tag vsftpd: syslog_enable=YES, or its own
 * vsftpd.log read with imfile, default tag vsftpd).  Service ftp (the
 * lines do not say whether the session used TLS).
 *
 * vsf_log_do_log_vsftpd_format() (logging.c) writes
 *   [DATE [pid N] ][[U] ]OK|FAIL WHAT: Client "IP"[, anon password "P"][, "R"]...
 * DATE and the pid only in vsftpd.log ("Thu Sep  8 00:39:49 2016"); in
 * syslog the tag carries the pid.  The login lines (privops.c):
 *
 *   [U] FAIL LOGIN: Client "IP"                        failure
 *   [U] FAIL LOGIN: Client "IP", "User is not in the allow user list."
 *                                                      failure, disabled (3.0.3+)
 *   [U] OK LOGIN: Client "IP"                          success
 *   [ftp] OK LOGIN: Client "IP", anon password "P"     anonymous: not an event
 *
 * and, with syslog_enable, PAM's own failure line under the vsftpd tag
 * ("pam_unix(vsftpd:auth): authentication failure; ... rhost=IP", also
 * bare "authentication failure; ..." with the module in the tag), read by
 * pam.c and reported as vsftpd/ftp.
 *
 * Threat model.  The client types U, the USER argument, unchecked and
 * logged before the address; with log_ftp_protocol=YES the "FTP command"
 * lines end with the client's command, and transfer lines with its file
 * names.  Every line has one daemon-written `: Client "` right before the
 * address.  A LOGIN line is read only when the line holds exactly one
 * `: Client "`, preceded by "FAIL LOGIN" or "OK LOGIN", and followed by
 * the address and one of the endings above (P has its blanks turned into
 * '_' by vsftpd, R is vsftpd's text): then U is what lies between the
 * opening '[' and "] FAIL"/"] OK".  A line holding a second one is not
 * read (a user name or a command can hold one; which is the daemon's
 * cannot be told): such a login attempt is still reported by PAM's line.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* "Thu Sep  8 00:39:49 2016 [pid 15019] " of vsftpd.log */
static void skip_file_prefix(ap_cur *c, ap_event *ev)
{
	int64_t t;
	size_t n = ap_parse_ctime(c->p, ap_cur_left(c), &t);
	if (n == 0)
		return;
	ap_cur k = *c;
	k.p += n;
	if (!AP_EAT(&k, " [pid "))
		return;
	while (k.p < k.e && is_digit(*k.p))
		k.p++;
	if (!AP_EAT(&k, "] "))
		return;
	ev->time = t;
	*c = k;
}

static int rec_vsftpd(const ap_line *ln, ap_event *ev)
{
	static const char mark[] = ": Client \"";
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));

	if (AP_AT(&c, "pam_") || AP_AT(&c, "(pam_") || AP_AT(&c, "authentication failure;")) {
		if (!ap_rec_pam_bare(ln, ev))
			return 0;
		ev->daemon = "vsftpd";
		ev->service = "ftp";
		return 1;
	}

	ev->daemon = "vsftpd";
	ev->service = "ftp";
	skip_file_prefix(&c, ev);
	size_t n = ap_cur_left(&c);
	const char *m = AP_MEMMEM(c.p, n, mark);
	if (m == NULL || m != AP_MEMRMEM(c.p, n, mark))
		return 0;

	/* before the mark: "[U] FAIL LOGIN", "[U] OK LOGIN" or without "[U] " */
	size_t before = (size_t)(m - c.p);
	const char *st;
	if (AP_HAS_ISUFFIX(c.p, before, "FAIL LOGIN")) {
		ev->outcome = AP_OUT_FAILURE;
		st = m - AP_LEN("FAIL LOGIN");
	} else if (AP_HAS_ISUFFIX(c.p, before, "OK LOGIN")) {
		ev->outcome = AP_OUT_SUCCESS;
		st = m - AP_LEN("OK LOGIN");
	} else {
		return 0;
	}
	if (st != c.p) {
		if (c.p[0] != '[' || st - c.p < 3 || st[-1] != ' ' || st[-2] != ']')
			return 0;
		ap_set_user(ev, c.p + 1, (size_t)(st - 2 - (c.p + 1)));
	}

	/* after it: IP" and an ending */
	ap_cur k = ap_cur_make(m + AP_LEN(mark), (size_t)(c.e - (m + AP_LEN(mark))));
	ap_span ip;
	if (!ap_cur_until(&k, '"', &ip))
		return 0;
	k.p++;
	if (AP_AT(&k, ", anon password \""))
		return 0; /* an anonymous login: no credentials */
	if (ap_cur_left(&k) > 0) {
		/* , "R" */
		if (!AP_EAT(&k, ", \"") || ap_cur_left(&k) < 1 || k.e[-1] != '"')
			return 0;
		ap_span r = ap_span_make(k.p, ap_cur_left(&k) - 1);
		if (memchr(r.p, '"', r.n) != NULL)
			return 0;
		if (ev->outcome == AP_OUT_FAILURE
		    && AP_SPAN_IS(r, "User is not in the allow user list."))
			ev->reason = AP_R_DISABLED;
	}
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_vsftpd = {
	AP_FAM_VSFTPD,
	"vsftpd",
	rec_vsftpd,
	(const char *const[]){ "vsftpd", NULL },
};
