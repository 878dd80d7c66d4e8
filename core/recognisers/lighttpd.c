/* lighttpd.c - lighttpd 1.4 mod_auth (http_auth.c before 1.4.46): its
 * error log file read with imfile (default tag lighttpd-error) or
 * server.errorlog-use-syslog (tag lighttpd).  Service http (tls unknown).
 *
 * log_error() (src/log.c) writes "[TIME: ](FILE.c.LINE) MSG", TIME
 * "YYYY-MM-DD HH:MM:SS" (".NNNNNNNNN" with high-precision stamps) in the
 * file and nothing in syslog; non-printable bytes of MSG are written
 * escaped.  The messages (src/mod_auth.c, src/mod_authn_gssapi.c):
 *
 *   password doesn't match for URI username: U IP: ADDR      (1.4.60+)
 *   password doesn't match for URI username: U, IP: ADDR     (older)
 *                                                      failure, bad_password
 *   digest: auth failed for U: wrong password, IP: ADDR
 *   digest: auth failed for  U : wrong password, IP: ADDR    (older)
 *                                                      failure, bad_password
 *   digest: auth failed: uri mismatch (R != D), IP: ADDR
 *                                                      failure, other
 *   get_password failed, IP: ADDR                      failure, unknown_user
 *
 * Threat model.  URI, U and the digest URIs are the client's; ADDR
 * (r->dst_addr_buf, after mod_extforward's own trusted-proxy rules) is
 * written last and holds no blank: the address is the text after the last
 * " IP: ", which must end the line.  U is read from the left only when
 * " username: " occurs once (the URI before it is decoded and may hold
 * one); the digest user is what lies between "auth failed for " and the
 * last ": wrong password, IP: ".  lighttpd logs no successful login.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_lighttpd(const ap_line *ln, ap_event *ev)
{
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));
	ev->daemon = "lighttpd";
	ev->service = "http";

	int64_t t;
	size_t tn = ap_parse_ymdhms(c.p, ap_cur_left(&c), ' ', &t);
	if (tn > 0) {
		c.p += tn;
		if (!AP_EAT(&c, ": "))
			return 0;
		ev->time = t;
	}
	/* "(mod_auth.c.869) ": some logs lost the '(' */
	ap_cur_eatc(&c, '(');
	ap_span src;
	if (!ap_cur_until(&c, ')', &src) || AP_MEMMEM(src.p, src.n, ".c.") == NULL
	    || !AP_EAT(&c, ") "))
		return 0;

	/* the address: after the last " IP: ", ending the line */
	size_t n = ap_cur_left(&c);
	const char *ip = AP_MEMRMEM(c.p, n, " IP: ");
	if (ip == NULL)
		return 0;
	ap_span addr = ap_span_make(ip + AP_LEN(" IP: "), (size_t)(c.e - ip) - AP_LEN(" IP: "));
	if (addr.n == 0 || memchr(addr.p, ' ', addr.n) != NULL)
		return 0;
	/* the message without ", IP: ADDR" / " IP: ADDR" */
	ap_span m = ap_span_make(c.p, (size_t)(ip - c.p));
	if (m.n > 0 && m.p[m.n - 1] == ',')
		m.n--;

	ev->outcome = AP_OUT_FAILURE;
	if (AP_HAS_PREFIX(m.p, m.n, "password doesn't match for ")) {
		ev->reason = AP_R_BAD_PASSWORD;
		const char *u = AP_MEMMEM(m.p, m.n, " username: ");
		if (u != NULL && u == AP_MEMRMEM(m.p, m.n, " username: ")) {
			u += AP_LEN(" username: ");
			ap_set_user(ev, u, (size_t)(m.p + m.n - u));
		} else if (u == NULL) {
			return 0;
		}
	} else if (AP_HAS_PREFIX(m.p, m.n, "digest: auth failed for ")
		   && AP_HAS_ISUFFIX(m.p, m.n, ": wrong password")) {
		ev->reason = AP_R_BAD_PASSWORD;
		ap_span u = ap_span_trim(ap_span_make(m.p + AP_LEN("digest: auth failed for "),
						      m.n - AP_LEN("digest: auth failed for ")
							      - AP_LEN(": wrong password")));
		ap_set_user(ev, u.p, u.n);
	} else if (AP_HAS_PREFIX(m.p, m.n, "digest: auth failed: uri mismatch (")) {
		ev->reason = AP_R_OTHER;
	} else if (AP_SPAN_IS(m, "get_password failed")) {
		ev->reason = AP_R_UNKNOWN_USER;
	} else {
		return 0;
	}
	ap_set_ip(&ev->ip, addr.p, addr.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_lighttpd = {
	AP_FAM_LIGHTTPD,
	"lighttpd",
	rec_lighttpd,
	(const char *const[]){ "lighttpd-error", "lighttpd", NULL },
};
