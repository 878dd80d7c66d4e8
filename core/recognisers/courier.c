/* courier.c - Courier mail server: courier-imap/courier-pop3 login
 * verdicts, courieresmtpd's SMTP AUTH errors and its refusals of unknown
 * recipients.
 *
 * imapd / pop3d (tags imapd, imapd-ssl, pop3d, pop3d-ssl, courierpop3login,
 * courier-imapd-ssl, Plesk's courier-imaps and courier-pop3s, ...; the tag
 * names the service, "-ssl" and "imaps"/"pop3s" mean the implicit-TLS
 * listener):
 *   LOGIN FAILED, user=<user>, ip=[<ip>][, port=[<port>]]
 *   LOGIN FAILED, method=<MECH>, ip=[<ip>][, port=[<port>]]
 *   LOGIN, user=<user>, ip=[<ip>], port=[<port>][, protocol=<PROTO>][, starttls=1]
 * (courier-libs imap/imaplogin.C, imap/pop3login.C, imapd.C,
 * pop3dserver.C; "INFO: " in front, which courierlogger strips).  The
 * address is always bracketed and usually v4-mapped.  LOGOUT, TIMEOUT,
 * DISCONNECTED and "Connection," lines are session records, not verdicts.
 * The `imapd` tag is shared with UW-IMAP ("Login failed user=..."): only
 * the shapes above are claimed.
 *
 * Threat model (login lines).  The wording before "user=" is courier's and
 * comes first, so the client cannot choose the outcome.  <user> (and the
 * AUTHENTICATE method, at most 31 bytes) is the client's text and may hold
 * anything printable; everything after ", ip=[" is courier's (the
 * address, TCPREMOTEPORT, PROTOCOL).  The user runs to the LAST ", ip=["
 * and the address is taken only when what follows it is courier's tail:
 * "<address>]" then ", key=value" fields to the end of the line.  The
 * line can be cut: authlib formats it into 1024 bytes and courierlogger
 * reads 511 bytes a line (liblog/logger.c, fgets into buf[512]) and drops
 * the rest, so a user of some 480 bytes ending in ", ip=[6.6.6.6],
 * port=[1]" pushes courier's own address out of the line.  A message of
 * 505 bytes or more (511 less the stripped "INFO: ") may have been cut:
 * its address is left out (ambiguous), and so is the address of a line cut
 * inside it (no ']': "…123.12" may have been "…123.123").
 *
 * courieresmtpd (module.esmtp/courieresmtpd.C, iov_logerror()):
 *   error,relay=<ip>[,port=<n>][,ident="<info>"],msg="535 Authentication failed.",cmd: <cmd>
 * and (print_submit_log_fix(), set_submit_error()) a recipient refused as
 * unknown, submit's "550 User unknown." (cdmsgq2.C) or the local
 * module's "550 User <name> unknown":
 *   error,relay=<ip>[,port=<n>][,ident=<info>],from=<F>,to=<T>: 550 User unknown.
 * failure unknown_user, user T, marked "harvest": the client named an
 * account that does not exist, as sshd's "Invalid user" does, but at RCPT
 * time and with no credential (a directory-harvest probe when repeated;
 * fail2ban's courier-smtp jail bans on it).  F and T are the client's
 * MAIL FROM and RCPT TO addresses with every '<', '>' and ':' inside
 * turned into a blank by courier, and the ident has no ',' or ':' left:
 * so ",to=<" and the ">: " after T are courier's, and the reply that
 * follows them is courier's (with the client's name inside "<...>").
 * relay, port and ident are the server's (couriertcpd sets TCPREMOTEINFO
 * only for haproxy: "proxy via <ip>, port <n>"); <cmd> is the client's
 * last command and ends the line.  The fields are read left to right in
 * that order, so msg=" is courier's and a command cannot plant a verdict
 * or a relay.  <cmd> is "AUTH PLAIN <b64>" (user decoded, the password's
 * base64 redacted, sasl.c), "AUTH LOGIN <b64-or-user>", or a bare base64
 * SASL response, which may be the password and is redacted with no user
 * taken from it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/sasl.h"

/* service (and tls) from the program name */
static const char *service_of(const ap_line *ln, ap_event *ev)
{
	const char *p = ln->prog;
	size_t n = ln->proglen;
	if (n > AP_LEN("courier-") && AP_HAS_IPREFIX(p, n, "courier-")) {
		p += AP_LEN("courier-");
		n -= AP_LEN("courier-");
	} else if (n > AP_LEN("courier") && AP_HAS_IPREFIX(p, n, "courier")) {
		p += AP_LEN("courier");
		n -= AP_LEN("courier");
	}
	/* "pop3login", "imaplogin" */
	if (n > AP_LEN("login") && AP_HAS_ISUFFIX(p, n, "login"))
		n -= AP_LEN("login");
	return ap_service_from_word(p, n, &ev->tls);
}

/* courierlogger reads lines of 511 bytes and strips "INFO: ": a message
 * this long may have lost its end */
#define LOGGER_CUT 505

static int login_line(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	/* courierlogger usually strips the severity; accept it when not */
	if (!AP_EAT(&c, "ERR: "))
		AP_EAT(&c, "INFO: ");
	if (AP_EAT(&c, "LOGIN FAILED, "))
		ev->outcome = AP_OUT_FAILURE;
	else if (AP_EAT(&c, "LOGIN, "))
		ev->outcome = AP_OUT_SUCCESS;
	else
		return 0;
	ev->daemon = "courier";
	ev->service = service_of(ln, ev);

	/* fields before the address: [method=<MECH>, ][user=<user>] */
	const char *fields_end;
	const char *ipval = NULL;
	const char *ipk = AP_MEMRMEM(c.p, ap_cur_left(&c), ", ip=[");
	if (ipk != NULL) {
		fields_end = ipk;
		ipval = ipk + AP_LEN(", ip=[");
	} else if (AP_AT(&c, "ip=[")) {
		fields_end = c.p;
		ipval = c.p + AP_LEN("ip=[");
	} else {
		fields_end = NULL; /* no address: the user's end is unknown */
	}
	if (AP_EAT(&c, "method=")) {
		ap_cur f = ap_cur_make(c.p, (size_t)((fields_end ? fields_end : c.e) - c.p));
		ap_span m;
		if (!ap_cur_until(&f, ',', &m))
			m = ap_span_make(f.p, ap_cur_left(&f));
		if (m.n > 0 && m.n <= 20)
			ev->mech = m;
		c.p = f.p;
		AP_EAT(&c, ", ");
	}
	if (fields_end != NULL && c.p < fields_end && AP_EAT(&c, "user="))
		ap_set_user(ev, c.p, (size_t)(fields_end - c.p));
	if (ipval == NULL)
		return 1;

	/* courier's tail: "<address>]" then ", key=value" fields to the end */
	const char *e = c.e;
	while (e > ipval && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	const char *close = memchr(ipval, ']', (size_t)(e - ipval));
	ap_cur t = ap_cur_make(close ? close + 1 : e, (size_t)(e - (close ? close + 1 : e)));
	int32_t port = -1;
	const char *svc = NULL;
	int8_t tls = -1;
	int tail_ok = close != NULL;
	while (tail_ok && AP_EAT(&t, ", ")) {
		if (AP_EAT(&t, "port=[")) {
			int64_t v;
			if (ap_cur_uint(&t, &v) && ap_cur_eatc(&t, ']') && v <= 65535)
				port = (int32_t)v;
			else
				tail_ok = 0;
			continue;
		}
		int proto = AP_EAT(&t, "protocol=");
		if (!proto) {
			/* another "key=" of courier's */
			const char *k = t.p;
			while (t.p < t.e && *t.p >= 'a' && *t.p <= 'z')
				t.p++;
			if (t.p == k || !ap_cur_eatc(&t, '=')) {
				tail_ok = 0;
				continue;
			}
		}
		const char *v = t.p;
		while (t.p < t.e && *t.p != ',' && *t.p != ' ')
			t.p++;
		if (proto)
			svc = ap_service_from_word(v, (size_t)(t.p - v), &tls);
	}
	if (!tail_ok || t.p != t.e || ln->len >= LOGGER_CUT) {
		/* the line was cut (or is not courier's): the last ", ip=["
		 * may be the user's */
		ev->ambiguous = true;
		return 1;
	}
	ap_set_ip(&ev->ip, ipval, (size_t)(close - ipval));
	ev->port = port;
	if (ev->service == NULL && svc != NULL) {
		ev->service = svc;
		if (tls == 1)
			ev->tls = 1;
	}
	return 1;
}

/* ",from=<F>,to=<T>: 550 User unknown." after the relay fields: F and
 * T hold no '<', '>' or ':' (courier blanks them), so the first '>' ends
 * each and the reply after T's ">: " is courier's */
static int rcpt_unknown(ap_event *ev, ap_cur c, ap_span relay, int32_t port)
{
	ap_span v;
	if (AP_EAT(&c, ",from=<") && (!ap_cur_until(&c, '>', &v) || !ap_cur_eatc(&c, '>')))
		return 0;
	if (!AP_EAT(&c, ",to=<") || !ap_cur_until(&c, '>', &v) || !AP_EAT(&c, ">: "))
		return 0;
	ap_span to = v;
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e > c.p && e[-1] == '.')
		e--;
	ap_span r = ap_span_make(c.p, (size_t)(e - c.p));
	if (!AP_SPAN_IS(r, "550 User unknown")
	    && !(AP_HAS_PREFIX(r.p, r.n, "550 User <") && r.n > AP_LEN("550 User <> unknown")
		 && AP_HAS_PREFIX(e - AP_LEN("> unknown"), AP_LEN("> unknown"), "> unknown")))
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = AP_R_UNKNOWN_USER;
	ev->harvest = true;
	ev->daemon = "courier";
	ev->service = "smtp";
	ap_set_user(ev, to.p, to.n);
	ap_set_ip(&ev->ip, relay.p, relay.n);
	ev->port = port;
	return 1;
}

static int esmtpd_line(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!AP_EAT(&c, "error,relay="))
		return 0;
	/* relay=<ip>[,port=<n>][,ident="<info>"],msg=" in this order */
	ap_span relay;
	if (!ap_cur_until(&c, ',', &relay))
		return 0;
	int32_t port = -1;
	if (AP_EAT(&c, ",port=")) {
		int64_t v;
		if (ap_cur_uint(&c, &v) && v <= 65535)
			port = (int32_t)v;
	}
	if (AP_EAT(&c, ",ident=\"")) {
		ap_span id;
		if (!ap_cur_until(&c, '"', &id))
			return 0;
		c.p++;
	} else if (AP_EAT(&c, ",ident=")) {
		/* the recipient form: unquoted, ',' and ':' made blanks */
		while (c.p < c.e && *c.p != ',')
			c.p++;
	}
	if (AP_AT(&c, ",from=<") || AP_AT(&c, ",to=<"))
		return rcpt_unknown(ev, c, relay, port);
	if (!AP_EAT(&c, ",msg=\""))
		return 0;
	ap_cur r = c;
	if (AP_AT(&r, "535 "))
		ev->outcome = AP_OUT_FAILURE;
	else if (AP_AT(&r, "454 "))
		ev->outcome = AP_OUT_UNKNOWN; /* temporary authentication failure */
	else
		return 0;
	ev->daemon = "courier";
	ev->service = "smtp";
	ap_set_ip(&ev->ip, relay.p, relay.n);
	ev->port = port;

	/* the client's command after the server's quoted reply */
	if (!AP_SKIP_PAST(&r, "\",cmd:"))
		return 1;
	ap_cur_skip_blanks(&r);
	if (AP_HAS_IPREFIX(r.p, ap_cur_left(&r), "AUTH ")) {
		r.p += AP_LEN("AUTH ");
		ap_sasl_auth_cmd(ln, ev, r.p, ap_cur_left(&r));
		return 1;
	}
	/* a SASL continuation: the user name or the password, in base64;
	 * it cannot be told which, so it is cut out and not used */
	const char *e = r.e;
	while (e > r.p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e > r.p)
		ap_add_redact(ev, ln, r.p, (size_t)(e - r.p));
	return 1;
}

static int rec_courier(const ap_line *ln, ap_event *ev)
{
	if (ln->len < 6)
		return 0;
	if (ln->msg[0] == 'e')
		return esmtpd_line(ln, ev);
	return login_line(ln, ev);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_courier = {
	AP_FAM_COURIER,
	"courier",
	rec_courier,
	(const char *const[]){ "imapd", "imapd-ssl", "pop3d", "pop3d-ssl", "courierpop3login",
			       "courierpop3d", "courierimaplogin", "imaplogin", "courieresmtpd",
			       "courier-imap", "courier-imapd", "courier-imapd-ssl",
			       "courier-pop3d", "courier-pop3d-ssl", "courier-pop3",
			       "courier-imaps", "courier-pop3s", NULL },
};
