/* exim.c - Exim's SMTP AUTH verdicts, from syslog (tag exim/exim4,
 * log_file_path = syslog) or from the mainlog read as a file (imfile tag
 * exim/exim4).
 *
 * Every message may start with exim's own time stamp
 * "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]" (log_timezone adds the offset; a
 * stamp without one is read as UTC), then "[pid]" (log_selector +pid),
 * then a message id on message lines.  Then:
 *
 *   <auth> authenticator failed for [H=]<host> [<ip>][:<port>][ I=[<lip>]:<lport>][ U=<ident>][ Ci=<id>]:
 *       535 Incorrect authentication data[ (set_id=<user>)][: N Time(s)]
 *     -> failure (Ci= gives the session).  "501 Authentication cancelled"
 *        -> failure, reason aborted.  435 ("Unable to authenticate at
 *        present", "Internal error": the backend could not be asked), 501
 *        "Invalid base64 data" and 553 -> outcome unknown: no credential
 *        was checked.  ("H=" is written since exim 4.98.)
 *   <msgid> <= <sender> H=<host> [<ip>]:<port> I=[<lip>]:<lport> P=esmtpsa X=<tls> ... A=<auth>:<user> S=...
 *     -> success (only arrivals that carry A=), session = message id; tls
 *        true for P=esmtpsa/essmtpa or an X= field, false for P=esmtpa.
 *        With log_selector +smtp_mailauth A= adds ":<sender>": the user
 *        ends at the first ':' after the authenticator's name.
 *   SMTP protocol error in "AUTH <MECH>[ <resp>]" H=<host> ... AUTH command used when not advertised
 *     -> outcome unknown: an attempt the server refused before any
 *        credential check.  A PLAIN response is redacted; a LOGIN one is
 *        the base64 user name and is decoded, not redacted.
 *
 * <host> is "[<rdns> ][(<helo>) ][<ip>]": the HELO is the client's text
 * and may hold spaces, brackets ("([192.168.2.33])") or "(User)"; the
 * address is the first bracketed token outside parentheses.
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
 * submission, anything else (or none) -> smtp. */
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

/* "[<rdns> ][(<helo>) ][<ip>][:<port>][ I=[<lip>]:<lport>]": ip, port,
 * rdns, server_ip; the cursor ends after what was understood.  Returns
 * the local port or -1. */
static int32_t host_part(ap_cur *c, ap_event *ev)
{
	int depth = 0;
	int first = 1;
	while (ap_cur_left(c) > 0) {
		ap_cur_skip_blanks(c);
		const char *tok = c->p;
		ap_span w = ap_cur_word(c);
		if (w.n == 0)
			break;
		if (depth == 0 && w.p[0] == '[') {
			const char *close = memchr(w.p, ']', w.n);
			if (close != NULL
			    && ap_set_ip(&ev->ip, w.p + 1, (size_t)(close - w.p - 1))) {
				ap_cur t = ap_cur_make(close + 1, (size_t)(c->e - (close + 1)));
				int64_t v;
				ap_cur pt = t;
				if (ap_cur_eatc(&pt, ':') && ap_cur_uint(&pt, &v) && v <= 65535) {
					ev->port = (int32_t)v;
					t = pt;
				}
				*c = t;
				if (AP_EAT(c, " I="))
					return local_iface(c, ev);
				return -1;
			}
		}
		if (depth == 0) {
			/* the next field ("I=", "P=", ...): no address was found */
			uint32_t k = 0;
			while (k < w.n && is_alnum(w.p[k]))
				k++;
			if (k > 0 && k < w.n && w.p[k] == '=') {
				c->p = tok;
				break;
			}
		}
		if (first && depth == 0 && w.p[0] != '(' && w.p[0] != '[')
			ev->rdns = w;
		first = 0;
		for (uint32_t i = 0; i < w.n; i++) {
			if (w.p[i] == '(')
				depth++;
			else if (w.p[i] == ')' && depth > 0)
				depth--;
		}
		/* the host part ends at the reply (": 535 ...") */
		if (depth == 0 && w.p[w.n - 1] == ':') {
			c->p = w.p + w.n - 1;
			break;
		}
	}
	ev->rdns = ap_span_make(NULL, 0);
	return -1;
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
	int32_t lport = host_part(c, ev);
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

static int arrival(ap_cur *c, ap_event *ev, ap_span msgid)
{
	if (!AP_EAT(c, "<= "))
		return 0;
	ap_cur_word(c); /* sender */
	int32_t lport = -1;
	int found = 0;
	int8_t tls = -1;
	ap_span auth = { NULL, 0 };
	while (ap_cur_left(c) > 0) {
		ap_cur_skip_blanks(c);
		if (AP_EAT(c, "H=")) {
			int32_t lp = host_part(c, ev);
			if (lp >= 0)
				lport = lp;
			continue;
		}
		if (AP_EAT(c, "I=")) {
			int32_t lp = local_iface(c, ev);
			if (lp >= 0)
				lport = lp;
			continue;
		}
		if (AP_AT(c, "T=\"") || AP_AT(c, "for "))
			break; /* subject and recipients: the client's text */
		ap_span w = ap_cur_word(c);
		if (w.n == 0)
			break;
		if (w.n > AP_LEN("P=") && AP_HAS_PREFIX(w.p, w.n, "P=")) {
			ap_span p = ap_span_make(w.p + AP_LEN("P="), w.n - AP_LEN("P="));
			/* esmtpsa: STARTTLS then AUTH; essmtpa: TLS on connect */
			if (AP_SPAN_IS(p, "esmtpsa") || AP_SPAN_IS(p, "essmtpa"))
				tls = 1;
			else if (AP_SPAN_IS(p, "esmtpa") && tls < 0)
				tls = 0;
		} else if (w.n > AP_LEN("X=") && AP_HAS_PREFIX(w.p, w.n, "X=")) {
			tls = 1;
		} else if (w.n > AP_LEN("A=") && AP_HAS_PREFIX(w.p, w.n, "A=") && !found) {
			const char *e = field_end(w.p + AP_LEN("A="), c->e);
			auth = ap_span_make(w.p + AP_LEN("A="), (size_t)(e - (w.p + AP_LEN("A="))));
			c->p = e;
			found = 1;
		}
	}
	if (!found || auth.n == 0)
		return 0;
	ev->outcome = AP_OUT_SUCCESS;
	ev->daemon = "exim";
	ev->session = msgid;
	const char *colon = memchr(auth.p, ':', auth.n);
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
	if (tls >= 0 && ev->tls < 0)
		ev->tls = tls;
	return 1;
}

static int protocol_error(const ap_line *ln, ap_cur *c, ap_event *ev)
{
	if (!AP_EAT(c, "SMTP protocol error in \"AUTH "))
		return 0;
	const char *cmd = c->p;
	const char *q = AP_MEMMEM(c->p, ap_cur_left(c), "\" H=");
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
	if (AP_EAT(c, " H="))
		lport = host_part(c, ev);
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
	if (AP_AT(&c, "SMTP protocol error in \"AUTH "))
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
