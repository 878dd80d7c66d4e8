/* webmin.c - Webmin, Virtualmin and Usermin logins as miniserv.pl logs
 * them to syslog (miniserv.conf syslog=1; ident "webmin" or "usermin",
 * facility authpriv, tags webmin and usermin).  Service panel; daemon
 * "usermin" under the usermin tag, "webmin" otherwise.  Checked against
 * webmin/webmin miniserv-lib.pl (handle_login and the Basic-auth path of
 * handle_request), 2.x; 1.x writes the same words.
 *
 *   Successful login as <user> from <host>                      success
 *   Invalid login as <user> from <host>                         failure, bad_password
 *   Non-existent login as <user> from <host>                    failure, unknown_user
 *   Expired login as <user> from <host>                         failure, disabled
 *   Login as <user> from <host> rejected because two-factor
 *       authentication is enabled                               failure, other
 *
 * <host> is $loghost/$acpthost: the peer's address, its PTR name when
 * miniserv.conf has loghost=1 (then rdns), or, with trust_real_ip/logtrust,
 * an X-Forwarded-For/X-Real-IP value miniserv accepted only if it is a
 * single valid address.  Both settings are off by default; with them the
 * host is the client's choice (an unconfirmed PTR name can read "6.6.6.6")
 * and the line cannot tell.  A failed two-factor code is logged as "Invalid
 * login".  "Logout by", "Unknown SSL certificate" and "Security alert:"
 * lines are not events: the "Host <ip> blocked after N failed logins for
 * user <u>" alert names the host miniserv's own pipe message carried, and
 * a PAM-conversation answer holding blanks ("x 6.6.6.6 0") shifts that
 * message's fields, so the alert can name an address the client chose.
 * miniserv.log (the access log) and webmin.log (the action log) record no
 * login verdict and are not read.
 *
 * Threat model: <user> is the client's text and may hold anything but a
 * line break: session logins trim it and refuse blanks only after some
 * paths have logged it, Basic auth logs it before the blank check, and a
 * PAM-conversation answer is never checked.  So a name can hold
 * " from 6.6.6.6" or "Successful login as".  The verdict is the first
 * words of the message, which miniserv writes before the name: a name
 * cannot change it.  The host is the last word, which miniserv writes
 * after the name and which never holds a blank: it is read from the last
 * " from ", so a planted " from <ip>" stays inside the user.  Nothing is
 * redacted (the line carries no password).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int rec_webmin(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	if (AP_EAT(&c, "Successful login as ")) {
		ev->outcome = AP_OUT_SUCCESS;
	} else if (AP_EAT(&c, "Invalid login as ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_BAD_PASSWORD;
	} else if (AP_EAT(&c, "Non-existent login as ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
	} else if (AP_EAT(&c, "Expired login as ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
	} else if (AP_EAT(&c, "Login as ")) {
		static const char tail[] = " rejected because two-factor authentication is enabled";
		size_t tn = sizeof(tail) - 1;
		if (ap_cur_left(&c) < tn || memcmp(c.e - tn, tail, tn) != 0)
			return 0;
		c.e -= tn;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_OTHER;
	} else {
		return 0;
	}
	/* the host: the last word, after the last " from " */
	const char *f = AP_MEMRMEM(c.p, ap_cur_left(&c), " from ");
	if (f == NULL)
		return 0;
	ap_span host = ap_span_make(f + AP_LEN(" from "), (size_t)(c.e - f) - AP_LEN(" from "));
	if (host.n == 0 || memchr(host.p, ' ', host.n) != NULL
	    || memchr(host.p, '\t', host.n) != NULL)
		return 0;
	ev->daemon = AP_HAS_IPREFIX(ln->prog, ln->proglen, "usermin") ? "usermin" : "webmin";
	ev->service = "panel";
	ap_set_user(ev, c.p, (size_t)(f - c.p));
	ap_set_ip_or_rdns(ev, host);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_webmin = {
	AP_FAM_WEBMIN,
	"webmin",
	rec_webmin,
	(const char *const[]){ "webmin", "usermin", NULL },
};
