/* exim.c - Exim's SMTP AUTH verdicts, from syslog (tag exim/exim4,
 * log_file_path = syslog) or from the mainlog read as a file (imfile tag
 * exim/exim4).
 *
 * Every message may start with exim's own time stamp
 * "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]" (log_timezone adds the offset; a
 * stamp without one is read as UTC), then "[pid]" (log_selector +pid),
 * then a message id on message lines.  Then:
 *
 *   <auth> authenticator failed for [H=]<host>[ I=[<lip>]:<lport>][ U=<ident>][ Ci=<id>]:
 *       535 Incorrect authentication data[ (set_id=<user>)][: N Time(s)]
 *     -> failure (Ci= gives the session).  "501 Authentication cancelled"
 *        -> failure, reason aborted.  435 ("Unable to authenticate at
 *        present", "Internal error": the backend could not be asked), 501
 *        "Invalid base64 data" and 553 -> outcome unknown: no credential
 *        was checked.  ("H=" is written since exim 4.98.)
 *   <msgid> <= <sender>[ R=<ref>][ DS] H=<host>[ I=[<lip>]:<lport>][ TFO][ U=<ident>][ Ci=<id>]
 *       P=<proto>[ L..][ X=<tls>][ CV=..][ DN="<dn>"][ SNI=..] A=<auth>[:<user>[:<sender>]] ... S=...
 *     -> success (only arrivals that carry A=), session = message id; tls
 *        true for P=esmtpsa/essmtpa or an X= field, false for P=esmtpa.
 *        With log_selector +smtp_mailauth A= adds ":<sender>": the user
 *        ends at the first ':' after the authenticator's name.
 *   SMTP protocol error in "AUTH <MECH>[ <resp>]" H=<host> ... AUTH command used when not advertised
 *     (the command as the client typed it: "auth login", "aUtH lOgIn")
 *     -> outcome unknown: an attempt the server refused before any
 *        credential check.  A PLAIN response is redacted from the first
 *        base64 character holding a password bit (sasl.c); a LOGIN one is
 *        the base64 user name and is decoded, not redacted.
 *
 * <host> is "[<rdns> ][(<helo>) ]<ip>[:<port>]" with <ip> in brackets
 * (host.c, host_build_sender_fullhost(); host_and_ident() adds I=, U=,
 * Ci=; receive.c's add_host_info_for_log() and the "<=" line build in
 * receive_msg() give the arrival's field order above).
 *
 * Threat model.  exim writes the authenticator's name, "authenticator
 * failed for", <rdns> (a verified name), the addresses, ports and I=, Ci=,
 * P=, X=, CV=, S= and the reply codes.  The client writes: the HELO
 * (with helo_accept_junk_hosts any printable text: spaces, brackets,
 * parentheses, "I=", ": 535 ..."), the ident after U= (RFC 1413, up to
 * 127 printable characters), the set_id after "(set_id=" (its login,
 * printable), the AUTH command of a protocol error (quoted; a '"' inside
 * it is escaped only since 4.99), the sender address (a quoted local part
 * may hold spaces: "x A=dovecot_login:admin"@evil.example), the
 * certificate DN after DN=" and everything after S= (message id, subject,
 * recipients).
 *
 * Anchors.  With no HELO, <ip> is the first bracket of <host>.  After a
 * HELO, <ip> is the bracket after a ") [" whose address is valid and which
 * exim's next field follows (" I=[", " U=", " Ci=", ": NNN" on failures;
 * " I=[", " TFO", " U=", " Ci=", " P=" on arrivals; a blank on protocol
 * errors); when more than one ") [" of the line qualifies, the HELO (or
 * the set_id, the ident) planted one, nothing tells which, and the event
 * keeps its outcome without an address (ambiguous).  A success needs
 * exim's own P= with an authenticated protocol (esmtpa, esmtpsa, essmtpa:
 * exim adds the "a" only when AUTH succeeded) and exim's A= after it: the
 * sender is skipped as an address (a quoted local part as a whole), P=
 * must follow the host part directly (with an ident, P= must occur once
 * in the rest of the line), and A= must follow the fields exim writes
 * between (a DN, which may hold '"', must end at the one `" A=` or
 * `" SNI=` of the line, else the success is kept without user and mech).
 * An arrival whose host part reads two ways is no event.  A protocol
 * error's command ends at `" H=`; when the line holds more than one, the
 * address is left out.
 *
 * mech from the authenticator's name, which is the administrator's label:
 * the conventional names carry the mechanism as one '_'/'-' separated
 * part: plain -> PLAIN (plain, auth_plain, dovecot_plain, courier_plain,
 * plain_server, fixed_plain), login -> LOGIN (login, dovecot_login,
 * fixed_login, login_server), cram / cram_md5 / md5 -> CRAM-MD5, digest ->
 * DIGEST-MD5, spa / ntlm -> NTLM, xoauth2 -> XOAUTH2, external -> EXTERNAL,
 * gssapi -> GSSAPI; any other name gives no mech.
 *
 * service from the local port (I=): 465 -> smtp with tls=true, 587 ->
 * submission, anything else (or none) -> smtp.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/sasl.h"

/* "YYYY-MM-DD HH:MM:SS[.fff][ +hhmm]"; bytes used or 0 */
static size_t exim_time(const char *p, size_t n, int64_t *t)
{
	size_t i = ap_parse_ymdhms(p, n, ' ', t);
	if (i == 0)
		return 0;
	int64_t off = 0;
	if (i + 6 <= n && p[i] == ' ' && (p[i + 1] == '+' || p[i + 1] == '-')) {
		int oh, om;
		if (ap_digits(p + i + 2, 2, &oh) && ap_digits(p + i + 4, 2, &om)
		    && (i + 6 == n || p[i + 6] == ' ')) {
			off = (oh * 3600 + om * 60) * (p[i + 1] == '-' ? -1 : 1);
			i += 6;
		}
	}
	*t -= off;
	return i;
}

static int is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* exim message id: 1kABCD-000123-Ab (6-6-2) or, since 4.97,
 * 1rT8vN-00000000Ab2-Xy12 (6-11-4) */
static int is_msgid(ap_span w)
{
	if (w.n != 16 && w.n != 23)
		return 0;
	size_t a = 6, b = w.n == 16 ? 13 : 18;
	for (size_t i = 0; i < w.n; i++) {
		if (i == a || i == b) {
			if (w.p[i] != '-')
				return 0;
		} else if (!is_alnum(w.p[i])) {
			return 0;
		}
	}
	return 1;
}

static void mech_of(ap_event *ev, ap_span name)
{
	static const struct {
		const char *part;
		const char *mech;
	} map[] = {
		{ "plain", "PLAIN" },   { "login", "LOGIN" },       { "cram", "CRAM-MD5" },
		{ "md5", "CRAM-MD5" },  { "digest", "DIGEST-MD5" }, { "spa", "NTLM" },
		{ "ntlm", "NTLM" },     { "xoauth2", "XOAUTH2" },   { "external", "EXTERNAL" },
		{ "gssapi", "GSSAPI" },
	};
	size_t i = 0;
	while (i < name.n) {
		size_t s = i;
		while (i < name.n && name.p[i] != '_' && name.p[i] != '-')
			i++;
		ap_span part = ap_span_make(name.p + s, i - s);
		for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (ap_span_ieq(part, map[k].part, strlen(map[k].part))) {
				ev->mech = ap_span_make(map[k].mech, strlen(map[k].mech));
				return;
			}
		}
		i++;
	}
}

/* "[<lip>]:<lport>" after "I=": sets server_ip, returns the port or -1 */
static int32_t local_iface(ap_cur *c, ap_event *ev)
{
	ap_span a;
	if (!ap_cur_eatc(c, '[') || !ap_cur_until(c, ']', &a))
		return -1;
	c->p++;
	ap_set_ip(&ev->server_ip, a.p, a.n);
	int64_t v;
	ap_cur t = *c;
	if (ap_cur_eatc(&t, ':') && ap_cur_uint(&t, &v) && v <= 65535) {
		*c = t;
		return (int32_t)v;
	}
	return -1;
}

/* what follows a host part: exim's next field */
enum { HOST_FAILED, HOST_ARRIVAL, HOST_PROTOCOL };

/* the longest "[<address>]" exim writes, with a zone */
#define BRACKET_MAX 64

/* "[<addr>][:<port>]" at p: the position after it (NULL when there is no
 * ']' close by); *a has family 0 when the bracket holds no address */
static const char *addr_port(const char *p, const char *e, ap_addr *a, int32_t *port)
{
	a->family = 0;
	*port = -1;
	if (p >= e || *p != '[')
		return NULL;
	size_t lim = (size_t)(e - p) < BRACKET_MAX ? (size_t)(e - p) : BRACKET_MAX;
	const char *rb = memchr(p, ']', lim);
	if (rb == NULL)
		return NULL;
	ap_set_ip(a, p, (size_t)(rb + 1 - p));
	const char *q = rb + 1;
	if (q + 1 < e && *q == ':' && q[1] >= '0' && q[1] <= '9') {
		int32_t v = 0;
		const char *d = q + 1;
		while (d < e && *d >= '0' && *d <= '9' && d - q <= 5)
			v = v * 10 + (*d++ - '0');
		if (d - q <= 6 && v <= 65535) {
			*port = v;
			q = d;
		}
	}
	return q;
}

/* does exim's next field start at p? */
static int host_next(const char *p, const char *e, int what)
{
	size_t n = (size_t)(e - p);
	if (what == HOST_PROTOCOL)
		return n == 0 || *p == ' ';
	if (AP_HAS_PREFIX(p, n, " I=[") || AP_HAS_PREFIX(p, n, " U=")
	    || AP_HAS_PREFIX(p, n, " Ci="))
		return 1;
	if (what == HOST_ARRIVAL)
		return AP_HAS_PREFIX(p, n, " TFO") || AP_HAS_PREFIX(p, n, " P=");
	return n >= 3 && p[0] == ':' && p[1] == ' ' && p[2] >= '0' && p[2] <= '9';
}

/* "[<rdns> ][(<helo>) ]<ip>[:<port>]" from p: sets ip, port and rdns (or
 * ambiguous) and returns where the host part ends, NULL when it cannot be
 * read.  Each ") [" is looked at once, over a bounded stretch. */
static const char *host_part(const char *p, const char *e, ap_event *ev, int what)
{
	ap_span rdns = { NULL, 0 };
	ap_addr a;
	int32_t port;
	if (p < e && *p != '(' && *p != '[') {
		const char *s = p;
		while (p < e && *p != ' ' && *p != '(' && *p != '[')
			p++;
		if (p >= e || *p != ' ')
			return NULL;
		rdns = ap_span_make(s, (size_t)(p - s));
		p++;
	}
	if (p < e && *p == '[') {
		/* no HELO: the first bracket is exim's */
		const char *t = addr_port(p, e, &a, &port);
		if (t == NULL)
			return NULL;
		if (a.family != 0)
			ev->ip = a;
		ev->port = a.family != 0 ? port : -1;
		ev->rdns = rdns;
		return t;
	}
	if (p >= e || *p != '(')
		return NULL;
	/* the HELO is the client's: every ") [<address>]" that exim's next
	 * field follows could end it */
	int n = 0;
	const char *first = NULL, *fallback = NULL;
	ap_addr fa = { 0 };
	int32_t fport = -1;
	const char *s = p + 1;
	const char *m;
	while ((m = AP_MEMMEM(s, (size_t)(e - s), ") [")) != NULL) {
		const char *t = addr_port(m + 2, e, &a, &port);
		if (t != NULL && fallback == NULL)
			fallback = t;
		if (t != NULL && a.family != 0 && host_next(t, e, what)) {
			if (++n == 1) {
				first = t;
				fa = a;
				fport = port;
			}
		}
		s = m + 1;
	}
	ev->rdns = rdns;
	if (n == 0)
		return fallback; /* no valid address (or the line was cut) */
	if (n > 1) {
		ev->ambiguous = true;
		return first;
	}
	ev->ip = fa;
	ev->port = fport;
	return first;
}

static void service_of(ap_event *ev, int32_t lport)
{
	if (lport == 465) {
		ev->service = "smtp";
		ev->tls = 1;
	} else if (lport == 587) {
		ev->service = "submission";
	} else {
		ev->service = "smtp";
	}
}

/* the end of a field value: the next " KEY=" (KEY alphanumeric) or e */
static const char *field_end(const char *p, const char *e)
{
	for (const char *s = p; s < e; s++) {
		if (*s != ' ')
			continue;
		const char *k = s + 1;
		while (k < e && is_alnum(*k))
			k++;
		if (k > s + 1 && k < e && *k == '=')
			return s;
	}
	return e;
}

static int auth_failed(ap_cur *c, ap_event *ev)
{
	ap_span name = ap_cur_word(c);
	if (name.n == 0 || name.n > 64 || !AP_EAT(c, " authenticator failed for "))
		return 0;
	for (uint32_t i = 0; i < name.n; i++)
		if (!is_alnum(name.p[i]) && name.p[i] != '_' && name.p[i] != '-'
		    && name.p[i] != '.')
			return 0;
	AP_EAT(c, "H="); /* exim 4.98 and later */
	if (!AP_AT(c, "U=")) {
		/* (a local -bs session has no host, only "U=<login>") */
		const char *h = host_part(c->p, c->e, ev, HOST_FAILED);
		if (h == NULL)
			return 0;
		c->p = h;
	}
	int32_t lport = -1;
	/* (after no valid address, nothing of the host part is believed) */
	if (ev->ip.family != 0 && AP_EAT(c, " I="))
		lport = local_iface(c, ev);
	/* [ U=<ident>][ Ci=<id>]: <code> <text> */
	if (AP_EAT(c, " U="))
		while (c->p < c->e && *c->p != ' ' && *c->p != ':')
			c->p++;
	if (AP_EAT(c, " Ci=")) {
		const char *s = c->p;
		while (c->p < c->e && is_alnum(*c->p))
			c->p++;
		ev->session = ap_span_make(s, (size_t)(c->p - s));
	}
	/* the reply: the first ": NNN " from here */
	for (;;) {
		if (!AP_SKIP_PAST(c, ": "))
			return 0;
		if (ap_cur_left(c) >= 4 && c->p[0] >= '2' && c->p[0] <= '5' && c->p[1] >= '0'
		    && c->p[1] <= '9' && c->p[2] >= '0' && c->p[2] <= '9' && c->p[3] == ' ')
			break;
	}
	if (AP_AT(c, "535 ")) {
		ev->outcome = AP_OUT_FAILURE;
	} else if (AP_AT(c, "501 Authentication cancelled")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_ABORTED;
	} else if (c->p[0] == '4' || c->p[0] == '5') {
		/* 435 (backend unreachable, internal error), 501 invalid
		 * base64, 553 initial data not expected: no credential check */
		ev->outcome = AP_OUT_UNKNOWN;
	} else {
		return 0;
	}
	ev->daemon = "exim";
	mech_of(ev, name);
	service_of(ev, lport);
	/* (set_id=<user>): the client's text, to the ')' that ends the line
	 * or, when more follows (435 lines add ": <error>"), to the last "): " */
	if (AP_SKIP_PAST(c, " (set_id=")) {
		const char *e = c->e;
		while (e > c->p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		const char *close = NULL;
		if (e > c->p && e[-1] == ')')
			close = e - 1;
		else
			close = AP_MEMRMEM(c->p, (size_t)(e - c->p), "): ");
		if (close != NULL)
			ap_set_user(ev, c->p, (size_t)(close - c->p));
	}
	return 1;
}

/* the sender address, a quoted local part as a whole ("a b"@x); the
 * cursor ends on the blank after it */
static int skip_address(ap_cur *c)
{
	const char *p = c->p;
	while (p < c->e && *p != ' ') {
		if (*p == '"') {
			for (p++; p < c->e && *p != '"'; p++)
				if (*p == '\\' && p + 1 < c->e)
					p++;
			if (p >= c->e)
				return 0;
		}
		p++;
	}
	if (p == c->p)
		return 0;
	c->p = p;
	return 1;
}

/* a received-protocol word ("esmtpsa", "utf8esmtpa") ending at a blank */
static int proto_at(const char *p, const char *e)
{
	const char *s = p;
	while (p < e && p - s < 24 && (is_alnum(*p) || *p == '-'))
		p++;
	return p > s && (p == e || *p == ' ');
}

/* a field value that holds no blank: "X=...", "CV=...", "SNI=..." */
static void skip_word(ap_cur *c)
{
	while (c->p < c->e && *c->p != ' ')
		c->p++;
}

static int arrival(ap_cur *c, ap_event *ev, ap_span msgid)
{
	if (!AP_EAT(c, "<= ") || !skip_address(c))
		return 0;
	if (AP_EAT(c, " R="))
		skip_word(c);
	AP_EAT(c, " DS");
	if (!AP_EAT(c, " H="))
		return 0; /* no host: a local submission */
	const char *h = host_part(c->p, c->e, ev, HOST_ARRIVAL);
	if (h == NULL || ev->ambiguous)
		return 0; /* the HELO could hold what follows */
	c->p = h;
	int32_t lport = -1;
	if (AP_EAT(c, " I="))
		lport = local_iface(c, ev);
	if (AP_EAT(c, " TFO"))
		ap_cur_eatc(c, '*');
	if (AP_AT(c, " U=")) {
		/* the ident is the client's text: exim's P= is the one P= of
		 * the rest of the line, or it cannot be told */
		const char *pp = NULL, *s = c->p, *m;
		int np = 0;
		while ((m = AP_MEMMEM(s, (size_t)(c->e - s), " P=")) != NULL) {
			if (proto_at(m + AP_LEN(" P="), c->e)) {
				np++;
				pp = m;
			}
			s = m + 1;
		}
		if (np != 1)
			return 0;
		c->p = pp;
	} else if (AP_EAT(c, " Ci=")) {
		skip_word(c);
	}
	if (!AP_EAT(c, " P="))
		return 0;
	ap_span proto = ap_cur_word(c);
	/* exim adds the "a" to the protocol only when AUTH succeeded */
	if (proto.n == 0 || proto.p[proto.n - 1] != 'a')
		return 0;
	int8_t tls = -1;
	if (proto.n >= AP_LEN("esmtpsa")
	    && (AP_HAS_ISUFFIX(proto.p, proto.n, "esmtpsa")
		|| AP_HAS_ISUFFIX(proto.p, proto.n, "essmtpa")))
		tls = 1; /* esmtpsa: STARTTLS then AUTH; essmtpa: TLS on connect */
	else
		tls = 0;
	/* [ L..][ X=..][ CV=..][ DN="..."][ SNI=..] A=... */
	if (AP_AT(c, " L")
	    && (ap_cur_left(c) == 2 || c->p[2] == ' ' || c->p[2] == '-' || c->p[2] == '*'
		|| c->p[2] == '.')) {
		c->p++;
		skip_word(c);
	}
	if (AP_EAT(c, " X=")) {
		tls = 1;
		skip_word(c);
	}
	if (AP_EAT(c, " CV="))
		skip_word(c);
	int found = 1;
	if (AP_EAT(c, " DN=\"")) {
		/* the certificate's DN is the client's and may hold '"': it
		 * ends at the one `" SNI=` or `" A=` of the rest of the line */
		const char *end = NULL, *s = c->p, *m;
		int nd = 0;
		while ((m = AP_MEMMEM(s, (size_t)(c->e - s), "\" ")) != NULL) {
			size_t k = (size_t)(c->e - m) - AP_LEN("\" ");
			if (AP_HAS_PREFIX(m + AP_LEN("\" "), k, "A=")
			    || AP_HAS_PREFIX(m + AP_LEN("\" "), k, "SNI=")) {
				nd++;
				end = m + 1;
			}
			s = m + 1;
		}
		if (nd == 1)
			c->p = end;
		else
			found = 0; /* authenticated (P=), by whom is not known */
	}
	if (found && AP_EAT(c, " SNI="))
		skip_word(c);
	ap_span auth = { NULL, 0 };
	if (found) {
		if (!AP_EAT(c, " A="))
			return 0;
		const char *e = field_end(c->p, c->e);
		auth = ap_span_make(c->p, (size_t)(e - c->p));
		if (auth.n == 0)
			return 0;
	}
	ev->outcome = AP_OUT_SUCCESS;
	ev->daemon = "exim";
	ev->session = msgid;
	const char *colon = auth.n ? memchr(auth.p, ':', auth.n) : NULL;
	ap_span name = colon ? ap_span_make(auth.p, (size_t)(colon - auth.p)) : auth;
	mech_of(ev, name);
	if (colon != NULL) {
		/* "A=<auth>:<id>[:<authenticated sender>]" (smtp_mailauth) */
		const char *u = colon + 1;
		size_t un = auth.n - (size_t)(u - auth.p);
		const char *c2 = memchr(u, ':', un);
		if (c2 != NULL)
			un = (size_t)(c2 - u);
		ap_set_user(ev, u, un);
	}
	service_of(ev, lport);
	if (ev->tls < 0)
		ev->tls = tls;
	return 1;
}

/* `SMTP protocol error in "AUTH ` with AUTH in any letter case: exim
 * matches commands without case and logs the command as the client
 * typed it */
static int at_protocol_error(const ap_cur *c)
{
	size_t n = ap_cur_left(c);
	return AP_HAS_PREFIX(c->p, n, "SMTP protocol error in \"")
	       && AP_HAS_IPREFIX(c->p + AP_LEN("SMTP protocol error in \""),
				 n - AP_LEN("SMTP protocol error in \""), "AUTH ");
}

static int protocol_error(const ap_line *ln, ap_cur *c, ap_event *ev)
{
	if (!at_protocol_error(c))
		return 0;
	c->p += AP_LEN("SMTP protocol error in \"AUTH ");
	/* the command is the client's: it ends at `" H=`, and when the line
	 * holds more than one, which is exim's cannot be told */
	const char *cmd = c->p;
	const char *q = AP_MEMMEM(c->p, ap_cur_left(c), "\" H=");
	int nq = 0;
	for (const char *m = q; m != NULL; m = AP_MEMMEM(m + 1, (size_t)(c->e - m - 1), "\" H="))
		nq++;
	if (q == NULL) {
		q = memchr(c->p, '"', ap_cur_left(c));
		if (q == NULL)
			return 0;
	}
	ev->outcome = AP_OUT_UNKNOWN;
	ev->daemon = "exim";
	ap_sasl_auth_cmd(ln, ev, cmd, (size_t)(q - cmd));
	c->p = q + 1;
	int32_t lport = -1;
	if (nq > 1) {
		ev->ambiguous = true;
	} else if (AP_EAT(c, " H=")) {
		const char *h = host_part(c->p, c->e, ev, HOST_PROTOCOL);
		if (h != NULL) {
			c->p = h;
			if (AP_EAT(c, " I="))
				lport = local_iface(c, ev);
		}
	}
	service_of(ev, lport);
	return 1;
}

static int rec_exim(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	size_t tn = exim_time(c.p, ap_cur_left(&c), &ev->time);
	if (tn > 0) {
		c.p += tn;
		ap_cur_skip_blanks(&c);
	}
	if (AP_AT(&c, "[")) {
		/* [pid] */
		ap_cur t = c;
		t.p++;
		int64_t pid;
		if (ap_cur_uint(&t, &pid) && ap_cur_eatc(&t, ']')) {
			c = t;
			ap_cur_skip_blanks(&c);
		}
	}
	if (at_protocol_error(&c))
		return protocol_error(ln, &c, ev);
	ap_cur w = c;
	ap_span first = ap_cur_word(&w);
	if (is_msgid(first)) {
		ap_cur_skip_blanks(&w);
		return arrival(&w, ev, first);
	}
	return auth_failed(&c, ev);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_exim = {
	AP_FAM_EXIM,
	"exim",
	rec_exim,
	(const char *const[]){ "exim", "exim4", NULL },
};
