/* kerio.c - Kerio Connect's security log (security.log read by imfile
 * with tag kerio, or its syslog output under the same tag).  Each file
 * line starts with "[DD/Mon/YYYY HH:MM:SS] ".
 *
 * Authentication (kind auth, failures):
 *   Failed SMTP login from ADDR with SASL method M.           service smtp, mech M
 *   SMTP: User U doesn't exist. Attempt from IP address ADDR.  unknown_user
 *   IMAP: Invalid password for user U. Attempt from IP address ADDR.   bad_password
 *   POP3: ..., HTTP/WebMail: ... (the protocol word gives the service)
 *   Administration login into Web Administration from ADDR failed: IP address not allowed
 *       reason other, service panel
 * Kerio's own rejections of a client (kind block, service smtp): they are
 * not credential checks, so no auth event, but they are decisions against
 * the address, as fail2ban's kerio filter reads them:
 *   SMTP Spam attack detected from ADDR, client ...
 *   IP address ADDR found in DNS blacklist NAME, mail from <S> to <R> rejected
 *   Relay attempt from IP address ADDR, mail from <S> to <R> rejected
 *   Attempt to deliver to unknown recipient <R>, from <S>, IP address ADDR
 *   Client with IP address ADDR has no reverse DNS entry, connection rejected before SMTP greeting
 *   Message from IP address ADDR, sender <S> rejected: sender domain does not exist
 *
 * Threat model.  U, S and R are the client's.  Where the address follows
 * a fixed text at the start of the message it comes before any client
 * text and is read there; where it comes last ("Attempt from IP address",
 * ", IP address ADDR" after the recipient and sender) it is read from the
 * end, after the last such text (shapes from fail2ban's filter and
 * samples and CSF's regexes; Kerio's source is closed).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* the address word at p (up to a blank, ',' or the end; a final '.'
 * dropped) */
static void addr_at(ap_event *ev, const char *p, const char *e)
{
	const char *s = p;
	while (p < e && *p != ' ' && *p != ',')
		p++;
	if (p > s && p[-1] == '.' && (p == e || *p != ','))
		p--;
	if (p > s)
		ap_set_ip(&ev->ip, s, (size_t)(p - s));
}

static const char *service_of(ap_span w)
{
	if (AP_SPAN_IIS(w, "SMTP"))
		return "smtp";
	if (AP_SPAN_IIS(w, "IMAP"))
		return "imap";
	if (AP_SPAN_IIS(w, "POP3"))
		return "pop3";
	if (AP_SPAN_IIS(w, "HTTP/WebMail") || AP_SPAN_IIS(w, "WebMail"))
		return "webmail";
	if (AP_HAS_IPREFIX(w.p, w.n, "HTTP"))
		return "http";
	if (AP_SPAN_IIS(w, "XMPP"))
		return "xmpp";
	return NULL;
}

static int block(ap_event *ev, const char *p, const char *e)
{
	ev->kind = AP_KIND_BLOCK;
	ev->outcome = AP_OUT_NONE;
	ev->service = "smtp";
	addr_at(ev, p, e);
	return ev->ip.family != 0;
}

static int rec_kerio(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	if (AP_AT(&c, "[")) {
		ap_span st;
		c.p++;
		if (!ap_cur_until(&c, ']', &st) || st.n > 32)
			return 0;
		c.p++;
		ap_cur_skip_blanks(&c);
	}
	ev->daemon = "kerio";

	/* "Failed SMTP login from ADDR with SASL method M." */
	if (AP_EAT(&c, "Failed ")) {
		ap_span proto = ap_cur_word(&c);
		if (!AP_EAT(&c, " login from "))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->service = service_of(proto);
		const char *a = c.p;
		addr_at(ev, a, c.e);
		if (AP_SKIP_PAST(&c, " with SASL method ")) {
			ap_span m = ap_cur_word(&c);
			if (m.n > 0 && m.p[m.n - 1] == '.')
				m.n--;
			if (m.n > 0 && m.n <= 32)
				ev->mech = m;
		}
		return 1;
	}
	if (AP_EAT(&c, "Administration login into Web Administration from ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_OTHER;
		ev->service = "panel";
		addr_at(ev, c.p, c.e);
		return AP_MEMMEM(c.p, ap_cur_left(&c), " failed") != NULL;
	}
	/* "PROTO: User U doesn't exist. Attempt from IP address ADDR." and
	 * "PROTO: Invalid password for user U. Attempt from IP address ADDR." */
	const char *colon = memchr(c.p, ':', ap_cur_left(&c) < 16 ? ap_cur_left(&c) : 16);
	if (colon != NULL && colon > c.p && colon + 2 <= c.e && colon[1] == ' '
	    && memchr(c.p, ' ', (size_t)(colon - c.p)) == NULL) {
		ap_span proto = ap_span_make(c.p, (size_t)(colon - c.p));
		const char *a = AP_MEMRMEM(c.p, ap_cur_left(&c), ". Attempt from IP address ");
		if (a == NULL)
			return 0;
		const char *t = colon + 2;
		const char *u;
		if ((size_t)(a - t) >= AP_LEN("User ") + AP_LEN(" doesn't exist")
		    && AP_HAS_PREFIX(t, (size_t)(a - t), "User ")
		    && AP_HAS_ISUFFIX(t, (size_t)(a - t), " doesn't exist")) {
			ev->reason = AP_R_UNKNOWN_USER;
			u = t + AP_LEN("User ");
			ap_set_user(ev, u, (size_t)(a - u) - AP_LEN(" doesn't exist"));
		} else if (AP_HAS_PREFIX(t, (size_t)(a - t), "Invalid password for user ")) {
			ev->reason = AP_R_BAD_PASSWORD;
			u = t + AP_LEN("Invalid password for user ");
			ap_set_user(ev, u, (size_t)(a - u));
		} else {
			return 0;
		}
		ev->outcome = AP_OUT_FAILURE;
		ev->service = service_of(proto);
		/* the address is the rest of the line */
		const char *ap = a + AP_LEN(". Attempt from IP address ");
		if (memchr(ap, ' ', (size_t)(c.e - ap)) == NULL)
			addr_at(ev, ap, c.e);
		return 1;
	}

	/* rejections */
	if (AP_EAT(&c, "SMTP Spam attack detected from "))
		return block(ev, c.p, c.e);
	if (AP_EAT(&c, "IP address ")) {
		const char *a = c.p;
		if (!AP_SKIP_PAST(&c, " found in DNS blacklist "))
			return 0;
		return block(ev, a, c.e);
	}
	if (AP_EAT(&c, "Relay attempt from IP address "))
		return block(ev, c.p, c.e);
	if (AP_EAT(&c, "Client with IP address ")) {
		const char *a = c.p;
		if (!AP_SKIP_PAST(&c, " has no reverse DNS entry"))
			return 0;
		return block(ev, a, c.e);
	}
	if (AP_EAT(&c, "Message from IP address ")) {
		const char *a = c.p;
		if (!AP_HAS_ISUFFIX(c.p, ap_cur_left(&c),
				    " rejected: sender domain does not exist"))
			return 0;
		return block(ev, a, c.e);
	}
	if (AP_EAT(&c, "Attempt to deliver to unknown recipient ")) {
		const char *a = AP_MEMRMEM(c.p, ap_cur_left(&c), ", IP address ");
		if (a == NULL)
			return 0;
		a += AP_LEN(", IP address ");
		if (memchr(a, ' ', (size_t)(c.e - a)) != NULL)
			return 0;
		return block(ev, a, c.e);
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_kerio = {
	AP_FAM_KERIO,
	"kerio",
	rec_kerio,
	(const char *const[]){ "kerio", "kerio-connect", NULL },
};
