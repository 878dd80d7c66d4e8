/* domino.c - HCL (IBM, Lotus) Domino's console log (console.log read by
 * imfile with tag domino).  Lines start with an optional
 * "[PID:TID-THREAD] " and the date and time in the server's locale
 * ("22-06-2014 09:56:12", "2016-11-07 22:21:20", "... 09:56:12 AM").
 *
 *   smtp: U [ADDR] authentication failure using internet password     failure
 *   smtp: U ADDR authentication failure using internet password       failure
 *   imap:|pop3:|http:|ldap: ... (the task word gives the service)
 *   SMTP Server: Authentication failed for user U ; connecting host ADDR
 *   SMTP Server [0D14:0027-1334] Authentication failed for user U ; connecting host [ADDR]
 *       failure, service smtp
 *   SMTP Server [...] Connection from [ADDR] rejected for policy reasons. ...
 *       kind block (Domino refused the connection, no credential check)
 *
 * Threat model.  U is the name the client sent and may hold blanks,
 * brackets, an address or " ; connecting host ".  The address is Domino's
 * and comes last: the line is read from its end, after the fixed
 * "authentication failure using internet password" (the address is the
 * bracketed or blank-separated word before it) or after the last
 * " ; connecting host " (shapes from fail2ban's filter and samples,
 * including its GHSA-33wh-ccjc-p397 case).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "[...] ", the date and the time */
static void prefix(ap_cur *c)
{
	if (AP_AT(c, "[")) {
		ap_cur k = *c;
		ap_span s;
		k.p++;
		if (ap_cur_until(&k, ']', &s) && s.n <= 48 && memchr(s.p, ' ', s.n) == NULL) {
			k.p++;
			ap_cur_skip_blanks(&k);
			*c = k;
		}
	}
	for (int i = 0; i < 3; i++) {
		const char *s = c->p;
		while (c->p < c->e
		       && ((*c->p >= '0' && *c->p <= '9') || *c->p == '-' || *c->p == '/'
			   || *c->p == ':' || *c->p == '.'))
			c->p++;
		if (c->p == s && !AP_EAT(c, "AM") && !AP_EAT(c, "PM"))
			break;
		ap_cur_skip_blanks(c);
	}
}

static void addr_word(ap_event *ev, const char *p, const char *e)
{
	if (e - p >= 2 && *p == '[' && e[-1] == ']') {
		p++;
		e--;
	}
	if (e > p)
		ap_set_ip(&ev->ip, p, (size_t)(e - p));
}

static int rec_domino(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	prefix(&c);
	ev->daemon = "domino";

	if (AP_EAT(&c, "SMTP Server")) {
		if (AP_AT(&c, " [")) {
			ap_span s;
			c.p += 2;
			if (!ap_cur_until(&c, ']', &s) || s.n > 48)
				return 0;
			c.p++;
		} else if (!AP_AT(&c, ":")) {
			return 0;
		} else {
			c.p++;
		}
		ap_cur_skip_blanks(&c);
		ev->service = "smtp";
		if (AP_EAT(&c, "Authentication failed for user ")) {
			const char *h = AP_MEMRMEM(c.p, ap_cur_left(&c), " ; connecting host ");
			if (h == NULL)
				return 0;
			ev->outcome = AP_OUT_FAILURE;
			ap_set_user(ev, c.p, (size_t)(h - c.p));
			const char *a = h + AP_LEN(" ; connecting host ");
			if (memchr(a, ' ', (size_t)(c.e - a)) == NULL)
				addr_word(ev, a, c.e);
			return 1;
		}
		if (AP_EAT(&c, "Connection from ")) {
			const char *a = c.p;
			if (!AP_SKIP_PAST(&c, " rejected for policy reasons"))
				return 0;
			const char *ae = a;
			while (ae < c.e && *ae != ' ')
				ae++;
			ev->kind = AP_KIND_BLOCK;
			addr_word(ev, a, ae);
			return ev->ip.family != 0;
		}
		return 0;
	}

	/* "task: [U ][ADDR] authentication failure using internet password" */
	const char *t = c.p;
	while (c.p < c.e && ((*c.p >= 'a' && *c.p <= 'z') || (*c.p >= '0' && *c.p <= '9')))
		c.p++;
	if (c.p == t || c.p - t > 8 || !AP_EAT(&c, ": "))
		return 0;
	ap_span task = ap_span_make(t, (size_t)(c.p - t - 2));
	static const char tail[] = " authentication failure using internet password";
	if (!AP_HAS_ISUFFIX(c.p, ap_cur_left(&c),
			    " authentication failure using internet password"))
		return 0;
	const char *e = c.e - AP_LEN(tail);
	/* the address word before the tail */
	const char *a = e;
	while (a > c.p && a[-1] != ' ')
		a--;
	ev->outcome = AP_OUT_FAILURE;
	ev->service = ap_service_from_word(task.p, task.n, &ev->tls);
	if (ev->service == NULL && AP_SPAN_IS(task, "ldap"))
		ev->service = "ldap";
	addr_word(ev, a, e);
	if (a > c.p)
		ap_set_user(ev, c.p, (size_t)(a - 1 - c.p));
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_domino = {
	AP_FAM_DOMINO,
	"domino",
	rec_domino,
	(const char *const[]){ "domino", NULL },
};
