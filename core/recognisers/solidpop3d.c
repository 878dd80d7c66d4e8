/* solidpop3d.c - solid-pop3d 0.15/0.16 (tag solid-pop3d).  Service
 * pop3.  Every failure line ends in " - <ip>"; the split is at the last
 * " - " (the user name is the client's).
 *
 *   authentication failed: no such user: U - IP          unknown_user
 *   authentication failed: can't map user name: U - IP   unknown_user
 *   authentication failed for user U - IP                bad_password
 *   authentication failed for mapped user U - IP         bad_password
 *   APOP authentication failed for user U - IP           bad_password, mech APOP
 *   can't find APOP secret for user U - IP               no_password, mech APOP
 *   root login not allowed - IP                          disabled, user root
 * Lines end in " - <ip>", or " - <name> (<ip>)" when built with
 * RESOLVE_HOSTNAME (the name becomes rdns).  solid-pop3d also logs
 * "user U authenticated - ..." when the password was right, but before it
 * refuses root ("root login not allowed" follows): those lines are not
 * read.
 *
 * Threat model (solid-pop3d main.c, LOG_EXTEND): "<words> %.40s - %.384s"
 * with the user name the client sent (at most 40 bytes, raw: any byte
 * but NUL and the line end) and the host text solid-pop3d wrote
 * (inet_ntoa/inet_ntop, or gethostbyaddr's name: no blank, no " - ").
 * Anchor: the last " - " of the line; the user is everything between
 * solid-pop3d's words and it.  A name that reads as an address is no
 * rdns, and only the parenthesised address is ever the address.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "U - IP" or "U - NAME (IP)" */
static int user_ip(ap_event *ev, ap_cur *c)
{
	const char *sep = AP_MEMRMEM(c->p, ap_cur_left(c), " - ");
	if (sep == NULL)
		return 0;
	ap_set_user(ev, c->p, (size_t)(sep - c->p));
	ap_span h = ap_span_trim(
		ap_span_make(sep + AP_LEN(" - "), (size_t)(c->e - sep) - AP_LEN(" - ")));
	if (h.n == 0)
		return 1;
	if (h.p[h.n - 1] == ')') {
		const char *open = AP_MEMMEM(h.p, h.n, " (");
		if (open != NULL) {
			ap_span name = ap_span_make(h.p, (size_t)(open - h.p));
			const char *a = open + AP_LEN(" (");
			ap_addr probe;
			if (ap_set_ip(&ev->ip, a, (size_t)(h.p + h.n - 1 - a))
			    && memchr(name.p, ' ', name.n) == NULL
			    && !ap_set_ip(&probe, name.p, name.n))
				ev->rdns = name;
		}
		return 1;
	}
	ap_set_ip(&ev->ip, h.p, h.n);
	return 1;
}

static int rec_solidpop3d(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "solid-pop3d";
	ev->service = "pop3";
	ev->outcome = AP_OUT_FAILURE;

	if (AP_EAT(&c, "authentication failed: ")) {
		if (!AP_EAT(&c, "no such user: ") && !AP_EAT(&c, "can't map user name: "))
			return 0;
		ev->reason = AP_R_UNKNOWN_USER;
		return user_ip(ev, &c);
	}
	if (AP_EAT(&c, "APOP authentication failed for user ")) {
		ev->reason = AP_R_BAD_PASSWORD;
		ev->mech = AP_SPAN_LIT("APOP");
		return user_ip(ev, &c);
	}
	if (AP_EAT(&c, "authentication failed for ")) {
		if (!AP_EAT(&c, "user ") && !AP_EAT(&c, "mapped user "))
			return 0;
		ev->reason = AP_R_BAD_PASSWORD;
		return user_ip(ev, &c);
	}
	if (AP_EAT(&c, "can't find APOP secret for user ")) {
		ev->reason = AP_R_NO_PASSWORD;
		ev->mech = AP_SPAN_LIT("APOP");
		return user_ip(ev, &c);
	}
	if (AP_AT(&c, "root login not allowed - ")) {
		ev->reason = AP_R_DISABLED;
		ev->user = AP_SPAN_LIT("root");
		c.p += AP_LEN("root login not allowed"); /* at " - IP" */
		user_ip(ev, &c);
		return 1;
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_solidpop3d = {
	AP_FAM_SOLIDPOP3D,
	"solid-pop3d",
	rec_solidpop3d,
	(const char *const[]){ "solid-pop3d", NULL },
};
