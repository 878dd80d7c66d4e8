/* hestia.c - HestiaCP and VestaCP panel logins, $HESTIA/log/auth.log
 * (/usr/local/hestia/log/auth.log) and $VESTA/log/auth.log, read through
 * imfile (tags hestia, hestia-auth, vesta, vesta-auth): the whole line is
 * the message.  Service panel; daemon "vesta" under the vesta tags,
 * "hestia" otherwise.  Checked against hestiacp/hestiacp bin/
 * v-check-user-password, v-check-user-hash, v-get-user-salt,
 * v-log-user-login, v-check-api-key, v-check-access-key and
 * web/login/index.php (1.x), and serghey-rodin/vesta bin/ (0.9.8).
 *
 *   <stamp> <user> <ip> failed to login                        failure
 *   <stamp> <user> <ip> failed to login (<reason>)             failure, reason from the text
 *   <stamp> <user> <ip> has been suspended                     failure, disabled
 *   <stamp> <user> <ip> successfully logged in                 success
 *   <stamp> api <ip> failed to login                           failure (API key)
 *   <stamp> <key id> <ip> failed to login                      failure (access key)
 *   <stamp> api <ip> successfully launched                     success (API key)
 *   <stamp> <key id> <ip> <command> successfully launched      success (access key)
 *
 * <stamp> is "YYYY-MM-DD HH:MM:SS", local time without a zone: read as UTC
 * into ev->time.  The plain "failed to login" covers both an unknown user
 * and a wrong password (the scripts write the same words): no reason.
 * Reasons web/ passes to v-log-user-login: "Login disabled for this user"
 * -> disabled; "Invalid or missing 2FA token", "Failed to enter correct
 * 2FA reset key", "Invalid Username or Code", "Reset code has been
 * expired" -> bad_token; any other -> other.  "api" and the access key id
 * stand where the user stands and are reported as the user.  The per-user
 * $USER_DATA/auth.log (DATE='..' IP='..' STATUS='..') names no user and is
 * not read.
 *
 * Threat model: the scripts check the user name's format and the address
 * before they log, with one exception: v-check-access-key logs through its
 * error callback when the access key id itself fails the format check, so
 * an API client's key id reaches the line unchecked (any text but '/').
 * The verdict is the end of the line and the address the word before it,
 * both written after the user: the verdict is read from the end, the
 * address as the last word before it, and the user is whatever lies
 * between the stamp and the address, so a key id holding " 6.6.6.6" or
 * "successfully logged in" changes only the user.  A reason in
 * parentheses is the web panel's own text, found at the last
 * " failed to login (".  Nothing is redacted (no password is logged).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* does [s, e) end with the literal? */
#define ENDS(s, e, lit) \
	((size_t)((e) - (s)) >= AP_LEN(lit) && memcmp((e)-AP_LEN(lit), (lit), AP_LEN(lit)) == 0)

static uint8_t reason_of(ap_span r)
{
	if (AP_SPAN_IS(r, "Login disabled for this user"))
		return AP_R_DISABLED;
	if (AP_SPAN_IS(r, "Invalid or missing 2FA token")
	    || AP_SPAN_IS(r, "Failed to enter correct 2FA reset key")
	    || AP_SPAN_IS(r, "Invalid Username or Code")
	    || AP_SPAN_IS(r, "Reset code has been expired"))
		return AP_R_BAD_TOKEN;
	return AP_R_OTHER;
}

/* the last blank in [s, e), or NULL */
static const char *last_blank(const char *s, const char *e)
{
	while (e > s) {
		e--;
		if (*e == ' ' || *e == '\t')
			return e;
	}
	return NULL;
}

static int rec_hestia(const ap_line *ln, ap_event *ev)
{
	const char *s = ln->msg, *e = ln->msg + ln->len;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	size_t sn = ap_parse_ymdhms(s, (size_t)(e - s), ' ', &ev->time);
	if (sn == 0 || sn >= (size_t)(e - s) || s[sn] != ' ')
		return 0;
	s += sn + 1;
	int launched = 0;
	if (e > s && e[-1] == ')') {
		const char *f = AP_MEMRMEM(s, (size_t)(e - s), " failed to login (");
		if (f == NULL)
			return 0;
		const char *r = f + AP_LEN(" failed to login (");
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = reason_of(ap_span_make(r, (size_t)(e - 1 - r)));
		e = f;
	} else if (ENDS(s, e, " failed to login")) {
		ev->outcome = AP_OUT_FAILURE;
		e -= AP_LEN(" failed to login");
	} else if (ENDS(s, e, " has been suspended")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		e -= AP_LEN(" has been suspended");
	} else if (ENDS(s, e, " successfully logged in")) {
		ev->outcome = AP_OUT_SUCCESS;
		e -= AP_LEN(" successfully logged in");
	} else if (ENDS(s, e, " successfully launched")) {
		ev->outcome = AP_OUT_SUCCESS;
		e -= AP_LEN(" successfully launched");
		launched = 1;
	} else {
		return 0;
	}
	const char *b = last_blank(s, e);
	if (b == NULL)
		return 0;
	ap_span w = ap_span_make(b + 1, (size_t)(e - b - 1));
	if (launched && !ap_set_ip(&ev->ip, w.p, w.n)) {
		/* "<key id> <ip> <command> successfully launched" */
		e = b;
		if ((b = last_blank(s, e)) == NULL)
			return 0;
		w = ap_span_make(b + 1, (size_t)(e - b - 1));
	}
	if (ev->ip.family == 0)
		ap_set_ip(&ev->ip, w.p, w.n);
	ap_span u = ap_span_trim(ap_span_make(s, (size_t)(b - s)));
	ap_set_user(ev, u.p, u.n);
	ev->daemon = AP_HAS_IPREFIX(ln->prog, ln->proglen, "vesta") ? "vesta" : "hestia";
	ev->service = "panel";
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_hestia = {
	AP_FAM_HESTIA,
	"hestia",
	rec_hestia,
	(const char *const[]){ "hestia", "hestia-auth", "vesta", "vesta-auth", NULL },
};
