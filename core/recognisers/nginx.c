/* nginx.c - nginx's basic authentication (ngx_http_auth_basic_module) and
 * the third-party ngx_http_auth_pam_module, in the error log: the file
 * read with imfile (default tag nginx-error) or error_log syslog: (tag
 * nginx).  Service http (tls unknown: the line does not say).
 *
 * ngx_log_error_core() (src/core/ngx_log.c) writes
 *   YYYY/MM/DD HH:MM:SS [LEVEL] PID#TID: *CONN MSG, client: ADDR,
 *   server: NAME[, request: "R"][, subrequest: "S"][, upstream: "U"]
 *   [, host: "H"][, referrer: "F"]
 * the part from ", client: " on written by ngx_http_log_error() and
 * ngx_http_log_error_handler() (src/http/ngx_http_request.c) after the
 * message; syslog carries the same text after the tag.  The messages:
 *
 *   user "U": password mismatch                failure, bad_password
 *   user "U" was not found in "FILE"           failure, unknown_user
 *   PAM: user 'U' - not authenticated: ERR     failure (unknown_user when
 *        ERR is "User not known to the underlying authentication module")
 *   PAM: user 'U' - invalid account: ERR       failure, disabled
 *
 * and PAM's own "pam_unix(nginx:auth): authentication failure; ..." line
 * under the nginx tag (pam.c).  "no user/password was provided for basic
 * authentication" is the request a browser sends before it asks for a
 * password, and a header nginx could not read: no credential was
 * checked, not an event.
 *
 * Threat model.  U (the Authorization header's user), R, H and F are the
 * client's; nginx writes them unescaped.  ngx_http_auth_basic_user()
 * (src/http/ngx_http_core_module.c) ends U at the first ':', so U holds
 * no ':' and cannot hold ", client: "; FILE and the PAM error are the
 * server's: the first ", client: " after the message is nginx's own, and
 * the message before it must be one of the shapes above exactly.  After
 * it, R holds no blank (nginx 1.21.1+ refuses spaces in the request line)
 * and H is a validated host: neither can hold ", client: " nor
 * ", referrer: \"".  A second ", client: " before the referrer field
 * means the line is not what nginx writes for these messages (an older
 * nginx's request line, another module's user): the event keeps its
 * outcome and loses its address, user and reason (ambiguous).  A user name holding a line
 * break forges a whole line in a file-based error log (nginx writes it
 * raw); syslog transport escapes it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* the header: "[LEVEL] PID#TID: [*CONN ]", after the time stamp or the
 * syslog/journal text in front of it (no '[' there) */
static int header(ap_cur *c, ap_event *ev)
{
	int y, mo, d, hh, mi, ss;
	const char *p = c->p;
	size_t n = ap_cur_left(c);
	if (n > 20 && ap_digits(p, 4, &y) && p[4] == '/' && ap_digits(p + 5, 2, &mo) && p[7] == '/'
	    && ap_digits(p + 8, 2, &d) && p[10] == ' ' && ap_digits(p + 11, 2, &hh) && p[13] == ':'
	    && ap_digits(p + 14, 2, &mi) && p[16] == ':' && ap_digits(p + 17, 2, &ss) && mo >= 1
	    && mo <= 12 && d >= 1 && d <= 31 && hh < 24 && mi < 60 && ss <= 60)
		ev->time = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600
			   + mi * 60 + ss;
	const char *b = memchr(p, '[', n < 128 ? n : 128);
	if (b == NULL)
		return 0;
	c->p = b + 1;
	ap_span lvl;
	if (!ap_cur_until(c, ']', &lvl) || lvl.n > 6 || !AP_EAT(c, "] "))
		return 0;
	int64_t v;
	if (!ap_cur_uint(c, &v) || !AP_EAT(c, "#") || !ap_cur_uint(c, &v) || !AP_EAT(c, ": "))
		return 0;
	if (AP_EAT(c, "*") && (!ap_cur_uint(c, &v) || !AP_EAT(c, " ")))
		return 0;
	return 1;
}

/* the message [p, e), before ", client: " */
static int message(ap_event *ev, const char *p, const char *e)
{
	static const char nf[] = "\" was not found in \"";
	static const char na[] = "' - not authenticated: ";
	static const char ia[] = "' - invalid account: ";
	size_t n = (size_t)(e - p);
	ev->outcome = AP_OUT_FAILURE;
	if (AP_HAS_PREFIX(p, n, "user \"")) {
		const char *u = p + AP_LEN("user \"");
		if (AP_HAS_ISUFFIX(p, n, "\": password mismatch")) {
			ev->reason = AP_R_BAD_PASSWORD;
			e -= AP_LEN("\": password mismatch");
		} else {
			/* FILE is the server's: the last one */
			const char *f = AP_MEMRMEM(p, n, nf);
			if (f == NULL || f < u || e[-1] != '"')
				return 0;
			ev->reason = AP_R_UNKNOWN_USER;
			e = f;
		}
		if (e < u)
			return 0;
		ap_set_user(ev, u, (size_t)(e - u));
		return 1;
	}
	if (AP_HAS_PREFIX(p, n, "PAM: user '")) {
		const char *u = p + AP_LEN("PAM: user '");
		const char *f = AP_MEMRMEM(p, n, na);
		if (f != NULL && f >= u) {
			ap_span err = ap_span_make(f + AP_LEN(na), (size_t)(e - f) - AP_LEN(na));
			if (AP_SPAN_IS(err,
				       "User not known to the underlying authentication module"))
				ev->reason = AP_R_UNKNOWN_USER;
		} else if ((f = AP_MEMRMEM(p, n, ia)) != NULL && f >= u) {
			ev->reason = AP_R_DISABLED;
		} else {
			return 0;
		}
		ap_set_user(ev, u, (size_t)(f - u));
		return 1;
	}
	return 0;
}

static int rec_nginx(const ap_line *ln, ap_event *ev)
{
	static const char client[] = ", client: ";
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));
	if (AP_AT(&c, "pam_") || AP_AT(&c, "(pam_")) {
		if (!ap_rec_pam(ln, ev))
			return 0;
		ev->daemon = "nginx";
		ev->service = "http";
		return 1;
	}
	ev->daemon = "nginx";
	ev->service = "http";
	if (!header(&c, ev))
		return 0;
	const char *cl = AP_MEMMEM(c.p, ap_cur_left(&c), client);
	if (cl == NULL || !message(ev, c.p, cl))
		return 0;

	/* ADDR, then ", server: " or the end */
	ap_cur k = ap_cur_make(cl + AP_LEN(client), (size_t)(c.e - cl) - AP_LEN(client));
	const char *a = k.p;
	while (k.p < k.e && *k.p != ',')
		k.p++;
	ap_span addr = ap_span_make(a, (size_t)(k.p - a));
	/* a second ", client: " before the referrer field: not nginx's shape */
	const char *ref = AP_MEMMEM(k.p, ap_cur_left(&k), ", referrer: \"");
	const char *end = ref != NULL ? ref : k.e;
	if (AP_MEMMEM(k.p, (size_t)(end - k.p), client) != NULL) {
		/* which message is nginx's cannot be told either */
		ev->ambiguous = true;
		ev->reason = AP_R_NONE;
		ev->user = ap_span_make(NULL, 0);
		return 1;
	}
	ap_set_ip(&ev->ip, addr.p, addr.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_nginx = {
	AP_FAM_NGINX,
	"nginx",
	rec_nginx,
	(const char *const[]){ "nginx-error", "nginx", NULL },
};
