/* courier.c - Courier mail server: courier-imap/courier-pop3 login
 * verdicts and courieresmtpd's SMTP AUTH errors.
 *
 * imapd / pop3d (tags imapd, imapd-ssl, pop3d, pop3d-ssl, courierpop3login,
 * courier-imapd-ssl, ...; the tag names the service, "-ssl" means the
 * implicit-TLS listener):
 *   LOGIN FAILED, user=<user>, ip=[<ip>][, port=[<port>]]
 *   LOGIN FAILED, method=<MECH>, ip=[<ip>]
 *   LOGIN, user=<user>, ip=[<ip>], port=[<port>][, protocol=<PROTO>]
 * The address is always bracketed and usually v4-mapped.  The user name is
 * the client's text and may hold anything, so it runs up to the LAST
 * ", ip=[" (what follows is the server's).  A line cut before the ']'
 * still gives the address if what is there parses.  LOGOUT, TIMEOUT,
 * DISCONNECTED and "Connection," lines are session records, not
 * verdicts.  The `imapd` tag is shared with UW-IMAP ("Login failed
 * user=..."): only the shapes above are claimed.
 *
 * courieresmtpd:
 *   error,relay=<ip>[,port=<n>][,ident=..],msg="535 Authentication failed.",cmd: <cmd>
 * where <cmd> is the client's last command: "AUTH PLAIN <b64>" (user
 * decoded, blob redacted), "AUTH LOGIN <b64-or-user>", or a bare base64
 * SASL response, which may be the password and is redacted with no user
 * taken from it. */
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

/* "[<ip>]" possibly cut short: the address runs to ']' or, on a cut line,
 * to the next ',' or the end */
static const char *bracket_ip(ap_event *ev, const char *p, const char *e)
{
	const char *close = memchr(p, ']', (size_t)(e - p));
	const char *end = close;
	if (end == NULL) {
		end = memchr(p, ',', (size_t)(e - p));
		if (end == NULL)
			end = e;
	}
	ap_span s = ap_span_trim(ap_span_make(p, (size_t)(end - p)));
	ap_set_ip(&ev->ip, s.p, s.n);
	return close ? close + 1 : end;
}

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
		ipval = c.p + 4;
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

	ap_cur t = ap_cur_make(ipval, (size_t)(c.e - ipval));
	t.p = bracket_ip(ev, t.p, t.e);
	/* trailing fields: ", port=[n]", ", protocol=IMAP", ... */
	while (AP_EAT(&t, ", ")) {
		if (AP_EAT(&t, "port=[")) {
			int64_t v;
			if (ap_cur_uint(&t, &v) && AP_AT(&t, "]") && v <= 65535)
				ev->port = (int32_t)v;
		} else if (AP_EAT(&t, "protocol=")) {
			ap_span w;
			if (!ap_cur_until(&t, ',', &w))
				w = ap_span_make(t.p, ap_cur_left(&t));
			if (ev->service == NULL)
				ev->service = ap_service_from_word(w.p, w.n, &ev->tls);
		}
		if (!AP_FIND(&t, ", "))
			break;
	}
	return 1;
}

static int esmtpd_line(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!AP_EAT(&c, "error,"))
		return 0;
	const char *m = AP_MEMMEM(c.p, ap_cur_left(&c), "msg=\"");
	if (m == NULL)
		return 0;
	ap_cur r = ap_cur_make(m + 5, (size_t)(c.e - (m + 5)));
	if (AP_AT(&r, "535 "))
		ev->outcome = AP_OUT_FAILURE;
	else if (AP_AT(&r, "454 "))
		ev->outcome = AP_OUT_UNKNOWN; /* temporary authentication failure */
	else
		return 0;
	ev->daemon = "courier";
	ev->service = "smtp";

	/* relay=<ip>,port=<n>,... before msg= */
	ap_cur f = ap_cur_make(c.p, (size_t)(m - c.p));
	while (ap_cur_left(&f) > 0) {
		ap_span kv;
		if (!ap_cur_until(&f, ',', &kv))
			kv = ap_span_make(f.p, ap_cur_left(&f));
		f.p = kv.p + kv.n;
		ap_cur_eatc(&f, ',');
		if (kv.n > AP_LEN("relay=") && AP_HAS_PREFIX(kv.p, kv.n, "relay=")
		    && ev->ip.family == 0) {
			ap_set_ip(&ev->ip, kv.p + AP_LEN("relay="), kv.n - AP_LEN("relay="));
		} else if (kv.n > AP_LEN("port=") && AP_HAS_PREFIX(kv.p, kv.n, "port=")) {
			ap_cur pc = ap_cur_make(kv.p + AP_LEN("port="), kv.n - AP_LEN("port="));
			int64_t v;
			if (ap_cur_uint(&pc, &v) && ap_cur_left(&pc) == 0 && v <= 65535)
				ev->port = (int32_t)v;
		}
	}

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
			       "courier-pop3d", "courier-pop3d-ssl", "courier-pop3", NULL },
};
