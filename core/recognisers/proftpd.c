/* proftpd.c - ProFTPD 1.2 to 1.3.9 (tag proftpd through syslog; its own
 * SystemLog file read with imfile, default tag proftpd).  Service ftp (the
 * lines do not say FTPS); the lines only mod_sftp writes say ssh.
 *
 * log_write() (src/log.c) puts the session's "serverinfo" in front of
 * every message: "[FQDN ](REMOTE_NAME[REMOTE_IP])", then " - " in syslog
 * and ": " in the SystemLog, whose lines start with
 * "[YYYY-MM-DD HH:MM:SS,mmm ][host ]proftpd[PID] " ("session[PID]" with
 * role-based labels; older versions wrote "Mon DD HH:MM:SS host").  The
 * messages (modules/mod_auth.c, contrib/mod_sftp/auth*.c):
 *
 *   USER U (Login failed): Incorrect password[.]       failure, bad_password
 *   USER U (Login failed): No such user found          failure, unknown_user
 *   USER U: no such user found from NAME [IP] to LIP:PORT
 *                                                      failure, unknown_user
 *   USER U (Login failed): Password expired | Account disabled |
 *        Invalid shell: 'SHELL' | User in /etc/ftpusers |
 *        Limit access denies login | Limit configuration denies login |
 *        New authentication token required             failure, disabled
 *   USER U: Limit access denies login                  failure, disabled
 *   USER U (Login failed): User not authorized for login   (mod_sftp)
 *                                                      failure, disabled, ssh
 *   USER U (Login failed): authentication via 'ALG' public key failed
 *                                                      failure, ssh, PUBLICKEY
 *   USER U (Login failed): Insufficient credentials | Unavailable
 *        credentials | Max authentication service attempts reached |
 *        maximum USER length exceeded                  failure, other
 *   USER U (Login failed): Unavailable authentication service | Failed
 *        initializing authentication service | Failure setting credentials
 *                                                      unknown (server side)
 *   USER U (Login failed): <anything else>             failure
 *   SECURITY VIOLATION: Root login attempted[.]        failure, disabled
 *   Maximum login attempts (N) exceeded[, connection refused]
 *                                                      failure, attempts N
 *   USER U: Login successful.                          success
 *
 * ANON lines (anonymous logins) are not credential checks: not events.
 *
 * Threat model.  The client types U (the USER argument; on the success
 * line U is the account's own name, session.user).  The serverinfo comes
 * before any client text and REMOTE_NAME is a resolver's host name or the
 * address (no '[' in it): the address is read there, from the left, and
 * nowhere else ("no such user found from NAME [IP]" repeats it after U);
 * a REMOTE_NAME that is a name is the rdns.
 * The message is read from its end: every suffix above is ProFTPD's own
 * text written after U, so the reason is the text after the last
 * " (Login failed): " and U is what lies before it.  A success needs
 * ": Login successful." at the end and no failure wording in U.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "proftpd[PID]", "session[PID]", "daemon[PID]" followed by ' ' or ':' */
static int eat_label(ap_cur *c)
{
	ap_cur k = *c;
	if (!AP_EAT(&k, "proftpd[") && !AP_EAT(&k, "session[") && !AP_EAT(&k, "daemon["))
		return 0;
	const char *d = k.p;
	while (k.p < k.e && *k.p >= '0' && *k.p <= '9')
		k.p++;
	if (k.p == d || !AP_EAT(&k, "]"))
		return 0;
	ap_cur_eatc(&k, ':');
	if (!AP_EAT(&k, " "))
		return 0;
	*c = k;
	return 1;
}

/* the SystemLog's own prefix, when the line is read from the file */
static void skip_systemlog_prefix(ap_cur *c, ap_event *ev)
{
	int64_t t;
	size_t n = ap_parse_ymdhms(c->p, ap_cur_left(c), ' ', &t);
	if (n > 0) {
		/* "2026-08-22 10:11:12,345 " */
		ap_cur k = *c;
		k.p += n;
		if (AP_EAT(&k, ",")) {
			while (k.p < k.e && *k.p >= '0' && *k.p <= '9')
				k.p++;
		}
		if (AP_EAT(&k, " ")) {
			*c = k;
			ev->time = t;
		}
	} else if (ap_cur_left(c) > 4 && ap_month_from_abbr(c->p, 3) != 0 && c->p[3] == ' ') {
		/* "Jan 10 00:00:00 ", "Feb  1 ...", "Feb 1 ..." of the older SystemLog
		 * (no year) */
		ap_cur k = *c;
		k.p += 4;
		ap_cur_skip_blanks(&k);
		const char *d = k.p;
		while (k.p < k.e && *k.p >= '0' && *k.p <= '9')
			k.p++;
		int hh, mm, ss;
		if (k.p > d && k.p - d <= 2 && ap_cur_left(&k) > 9 && k.p[0] == ' '
		    && ap_digits(k.p + 1, 2, &hh) && k.p[3] == ':' && ap_digits(k.p + 4, 2, &mm)
		    && k.p[6] == ':' && ap_digits(k.p + 7, 2, &ss) && k.p[9] == ' ')
			c->p = k.p + 10;
	}
	if (eat_label(c))
		return;
	/* "host proftpd[PID] " */
	ap_cur k = *c;
	ap_cur_word(&k);
	if (AP_EAT(&k, " ") && eat_label(&k))
		*c = k;
}

/* "[FQDN ](NAME[IP])" then " - " or ": "; the address into ev */
static int eat_serverinfo(ap_cur *c, ap_event *ev)
{
	ap_cur k = *c;
	if (!AP_AT(&k, "(")) {
		ap_span fqdn = ap_cur_word(&k);
		if (fqdn.n == 0 || !AP_EAT(&k, " ") || !AP_AT(&k, "("))
			return 0;
	}
	k.p++;
	ap_span name, ip;
	if (!ap_cur_until(&k, '[', &name) || memchr(name.p, ' ', name.n) != NULL)
		return 0;
	k.p++;
	if (!ap_cur_until(&k, ']', &ip) || !AP_EAT(&k, "])"))
		return 0;
	if (!AP_EAT(&k, " - ") && !AP_EAT(&k, ": "))
		return 0;
	ap_set_ip(&ev->ip, ip.p, ip.n);
	/* REMOTE_NAME is the address again, or the resolver's name for it */
	ap_addr same;
	if (!ap_set_ip(&same, name.p, name.n) && !AP_SPAN_IS(name, "unknown"))
		ap_set_ip_or_rdns(ev, name);
	*c = k;
	return 1;
}

/* the reason after "(Login failed): " (without a final '.') */
static void failed_reason(ap_event *ev, ap_span r)
{
	static const char *const disabled[] = {
		"Password expired",
		"Account disabled",
		"Limit access denies login",
		"Limit configuration denies login",
		"New authentication token required",
	};
	static const char *const other[] = {
		"Insufficient credentials",
		"Unavailable credentials",
		"Max authentication service attempts reached",
		"maximum USER length exceeded",
	};
	static const char *const server[] = {
		"Unavailable authentication service",
		"Failed initializing authentication service",
		"Failure setting credentials",
	};
	ev->outcome = AP_OUT_FAILURE;
	if (AP_SPAN_IS(r, "Incorrect password")) {
		ev->reason = AP_R_BAD_PASSWORD;
		return;
	}
	if (AP_SPAN_IS(r, "No such user found")) {
		ev->reason = AP_R_UNKNOWN_USER;
		return;
	}
	if (AP_HAS_PREFIX(r.p, r.n, "Invalid shell: '") || AP_HAS_PREFIX(r.p, r.n, "User in /")) {
		ev->reason = AP_R_DISABLED;
		return;
	}
	if (AP_SPAN_IS(r, "User not authorized for login")) {
		/* mod_sftp */
		ev->reason = AP_R_DISABLED;
		ev->service = "ssh";
		ev->tls = 1;
		return;
	}
	if (AP_HAS_PREFIX(r.p, r.n, "authentication via '")
	    && AP_HAS_ISUFFIX(r.p, r.n, "' public key failed")) {
		ev->reason = AP_R_OTHER;
		ev->service = "ssh";
		ev->tls = 1;
		ev->mech = AP_SPAN_LIT("PUBLICKEY");
		return;
	}
	for (size_t i = 0; i < sizeof(disabled) / sizeof(disabled[0]); i++)
		if (ap_span_eq(r, disabled[i], strlen(disabled[i]))) {
			ev->reason = AP_R_DISABLED;
			return;
		}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (ap_span_eq(r, other[i], strlen(other[i]))) {
			ev->reason = AP_R_OTHER;
			return;
		}
	for (size_t i = 0; i < sizeof(server) / sizeof(server[0]); i++)
		if (ap_span_eq(r, server[i], strlen(server[i]))) {
			ev->outcome = AP_OUT_UNKNOWN;
			return;
		}
}

/* "USER ..." messages; p..e after "USER " */
static int user_line(ap_event *ev, const char *p, const char *e)
{
	size_t n = (size_t)(e - p);
	const char *f = AP_MEMRMEM(p, n, " (Login failed): ");
	if (f != NULL) {
		const char *r = f + AP_LEN(" (Login failed): ");
		const char *re = e;
		if (re > r && re[-1] == '.')
			re--;
		failed_reason(ev, ap_span_make(r, (size_t)(re - r)));
		ap_set_user(ev, p, (size_t)(f - p));
		return 1;
	}
	f = AP_MEMRMEM(p, n, ": no such user found from ");
	if (f != NULL) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
		ap_set_user(ev, p, (size_t)(f - p));
		return 1;
	}
	if (AP_HAS_ISUFFIX(p, n, ": Limit access denies login")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		ap_set_user(ev, p, n - AP_LEN(": Limit access denies login"));
		return 1;
	}
	if (AP_HAS_ISUFFIX(p, n, ": Login successful.")) {
		/* session.user, the account's own name */
		size_t un = n - AP_LEN(": Login successful.");
		if (un == 0 || AP_MEMMEM(p, un, "(Login failed)") != NULL
		    || AP_MEMMEM(p, un, ": no such user found") != NULL)
			return 0;
		ev->outcome = AP_OUT_SUCCESS;
		ap_set_user(ev, p, un);
		return 1;
	}
	return 0;
}

static int rec_proftpd(const ap_line *ln, ap_event *ev)
{
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));
	ev->daemon = "proftpd";
	ev->service = "ftp";
	/* PAM's own line under the daemon's tag: "(pam_unix) authentication
	 * failure; ... rhost=" (pam.c reads it by its rules) */
	if (AP_HAS_PREFIX(ln->msg, ln->len, "pam_") || AP_HAS_PREFIX(ln->msg, ln->len, "(pam_")) {
		if (!ap_rec_pam_bare(ln, ev))
			return 0;
		ev->daemon = "proftpd";
		ev->service = "ftp";
		return 1;
	}

	skip_systemlog_prefix(&c, ev);
	if (!eat_serverinfo(&c, ev))
		return 0;

	if (AP_EAT(&c, "USER "))
		return user_line(ev, c.p, c.e);
	if (AP_EAT(&c, "SECURITY VIOLATION: ")) {
		/* RootLogin off: refused before the password is checked */
		ap_span r = ap_span_make(c.p, ap_cur_left(&c));
		if (r.n > 0 && r.p[r.n - 1] == '.')
			r.n--;
		if (!AP_SPAN_IIS(r, "Root login attempted"))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		return 1;
	}
	if (AP_EAT(&c, "Maximum login attempts (")) {
		int64_t n;
		if (!ap_cur_uint(&c, &n) || !AP_EAT(&c, ") exceeded"))
			return 0;
		if (ap_cur_left(&c) > 0
		    && !AP_SPAN_IS(ap_span_make(c.p, ap_cur_left(&c)), ", connection refused"))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		if (n < 1000000)
			ev->attempts = (int32_t)n;
		return 1;
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_proftpd = {
	AP_FAM_PROFTPD,
	"proftpd",
	rec_proftpd,
	(const char *const[]){ "proftpd", NULL },
};
