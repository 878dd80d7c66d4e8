/* perdition.c - perdition IMAP/POP3/ManageSieve proxy (tags perdition,
 * perdition.imaps, perdition.pop3s, ...).  One line per login
 * (perdition.c, perdition_log_auth()):
 *
 *   Auth: 192.168.8.100:2274->193.48.191.9:993 client-secure=ssl
 *     authorisation_id=NONE authentication_id="carles"[ passwd="..."]
 *     server="imap.biotoul.fr:993" protocol=IMAP4S server-secure=ssl
 *     status="failed: Re-Authentication Failure"
 *
 * client address and port, server_ip (the proxy's local address),
 * client-secure ssl/starttls -> tls=true, plaintext -> false; user from
 * authentication_id; service from protocol (IMAP4S -> imap + tls).
 * status "ok" -> success; "failed: Re-Authentication Failure" (the back
 * end refused the credentials) and "failed: local authentication failure"
 * (perdition's own PAM check) -> failure; "failed: Login Disabled" ->
 * failure disabled; the other "failed: ..." statuses (Could not determine
 * server, Could not connect to server, Connection Negotiation Failure, TLS
 * not present, SASL mechanism unavailable) are the proxy's own trouble:
 * outcome unknown.
 *
 *   Fatal Error reading authentication information from client
 *     ["]<from>-><to>[ ]["]: Exiting child
 * (perdition.c, the in_get_pw() loop; older versions print no quotes,
 * some a blank after <to>): the client left or broke the protocol while
 * perdition read its credentials: failure, reason aborted; service and
 * tls from the tag ("perdition.imaps" -> imap, tls=true).
 *
 * Threat model.  perdition writes "Auth:", the addresses (getnameinfo()
 * with NI_NUMERICHOST: "<addr>:<port>", an IPv6 address without brackets,
 * so the port is after the last ':'), the secure states, the protocol and
 * the status (fixed texts); the Fatal Error line is perdition's text
 * throughout, the client writes nothing in it.  The client writes the authorisation id (a
 * SASL authzid, quoted, or NONE), the authentication id and, with debug
 * and log_passwd, the password; none of them is escaped.  The address is
 * read before any client text; the status at the last ` status="`, the
 * user and password up to the last `" server="` before it (nothing the
 * client writes follows them); the user is left out when
 * ` authentication_id="` occurs more than once.  The password runs from
 * the first `" passwd="` after the first ` authentication_id="`: a user
 * holding the marker makes more text redacted, never less.  The line is
 * formatted into MAX_LINE_LENGTH (4096) bytes: a message of 4095 bytes may
 * have been cut, and a long user or password could then have planted the
 * whole tail (`status="ok"` included), so such a line gives an unknown
 * outcome with its password redacted to the end, like a line without a
 * status.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* the longest message perdition_log_auth() writes (MAX_LINE_LENGTH - 1) */
#define PERDITION_CUT 4095

/* "<addr>:<port>" as getnameinfo() writes it (an IPv6 address holds ':'
 * and has no brackets: the port is after the last ':'), or "[v6]:port" */
static void host_port(ap_span s, ap_addr *a, int32_t *port)
{
	if (s.n == 0)
		return;
	const char *p = s.p, *e = s.p + s.n;
	const char *colon;
	ap_span host;
	if (*p == '[') {
		const char *rb = memchr(p, ']', s.n);
		if (rb == NULL)
			return;
		host = ap_span_make(p + 1, (size_t)(rb - p - 1));
		colon = (rb + 1 < e && rb[1] == ':') ? rb + 1 : NULL;
	} else {
		colon = AP_MEMRMEM(p, s.n, ":");
		host = ap_span_make(p, colon ? (size_t)(colon - p) : s.n);
	}
	ap_set_ip(a, host.p, host.n);
	if (port != NULL && colon != NULL && a->family != 0) {
		ap_cur c = ap_cur_make(colon + 1, (size_t)(e - colon - 1));
		int64_t v;
		if (ap_cur_uint(&c, &v) && c.p == c.e && v <= 65535)
			*port = (int32_t)v;
	}
}

/* a password logged in a line whose end is not known: cut out to the end */
static int cut_line(const ap_line *ln, ap_cur c, ap_event *ev)
{
	const char *id = AP_MEMMEM(c.p, ap_cur_left(&c), " authentication_id=\"");
	const char *pw = id ? AP_MEMMEM(id, (size_t)(c.e - id), "\" passwd=\"") : NULL;
	if (pw == NULL)
		return 0;
	pw += AP_LEN("\" passwd=\"");
	ap_add_redact(ev, ln, pw, (size_t)(c.e - pw));
	ev->outcome = AP_OUT_UNKNOWN;
	return 1;
}

/* "Fatal Error reading authentication information from client
 * ["]from->to[ ]["]: Exiting child" */
static int fatal_read(const ap_line *ln, ap_cur *c, ap_event *ev)
{
	const char *e = c->e;
	while (e > c->p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	size_t n = (size_t)(e - c->p);
	if (n < AP_LEN(": Exiting child")
	    || !AP_HAS_PREFIX(e - AP_LEN(": Exiting child"), AP_LEN(": Exiting child"),
			      ": Exiting child"))
		return 0;
	e -= AP_LEN(": Exiting child");
	const char *p = c->p;
	if (p < e && *p == '"') {
		p++;
		if (e <= p || e[-1] != '"')
			return 0;
		e--;
	}
	while (e > p && e[-1] == ' ')
		e--;
	ap_span ft = ap_span_make(p, (size_t)(e - p));
	if (ft.n == 0 || memchr(ft.p, ' ', ft.n) != NULL)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = AP_R_ABORTED;
	const char *arrow = AP_MEMMEM(ft.p, ft.n, "->");
	if (arrow != NULL) {
		host_port(ap_span_make(ft.p, (size_t)(arrow - ft.p)), &ev->ip, &ev->port);
		host_port(ap_span_make(arrow + AP_LEN("->"),
				       ft.n - (size_t)(arrow + AP_LEN("->") - ft.p)),
			  &ev->server_ip, NULL);
	}
	/* "perdition.imaps", "perdition.pop3": the listener's protocol */
	const char *dot = memchr(ln->prog, '.', ln->proglen);
	if (dot != NULL) {
		int8_t tls = -1;
		ev->service = ap_service_from_word(
			dot + 1, ln->proglen - (size_t)(dot + 1 - ln->prog), &tls);
		if (tls == 1)
			ev->tls = 1;
	}
	return 1;
}

static int rec_perdition(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (AP_EAT(&c, "Fatal Error reading authentication information from client ")) {
		ev->daemon = "perdition";
		return fatal_read(ln, &c, ev);
	}
	if (!AP_EAT(&c, "Auth:"))
		return 0;
	ap_cur_skip_blanks(&c);
	ev->daemon = "perdition";

	/* status first: it decides whether this is an event */
	const char *st = AP_MEMRMEM(c.p, ap_cur_left(&c), " status=\"");
	if (st == NULL || ln->len >= PERDITION_CUT) {
		/* cut short (or maybe cut: a long user or password could have
		 * written the tail): no verdict, but a logged password is
		 * still cut out */
		if (!cut_line(ln, c, ev))
			return 0;
		return 1;
	}
	ap_span status = ap_span_make(st + AP_LEN(" status=\""),
				      (size_t)(c.e - st) - AP_LEN(" status=\""));
	if (status.n > 0 && status.p[status.n - 1] == '"')
		status.n--;
	if (AP_SPAN_IS(status, "ok")) {
		ev->outcome = AP_OUT_SUCCESS;
	} else if (AP_HAS_PREFIX(status.p, status.n, "failed: ")) {
		ap_span why = ap_span_make(status.p + AP_LEN("failed: "),
					   status.n - AP_LEN("failed: "));
		if (AP_SPAN_IS(why, "Re-Authentication Failure")
		    || AP_SPAN_IS(why, "local authentication failure")) {
			ev->outcome = AP_OUT_FAILURE;
		} else if (AP_SPAN_IS(why, "Login Disabled")) {
			ev->outcome = AP_OUT_FAILURE;
			ev->reason = AP_R_DISABLED;
		} else {
			ev->outcome = AP_OUT_UNKNOWN;
		}
	} else {
		return 0;
	}

	/* "from->to" */
	ap_span ft = ap_cur_word(&c);
	const char *arrow = AP_MEMMEM(ft.p, ft.n, "->");
	if (arrow != NULL) {
		host_port(ap_span_make(ft.p, (size_t)(arrow - ft.p)), &ev->ip, &ev->port);
		host_port(ap_span_make(arrow + AP_LEN("->"),
				       ft.n - (size_t)(arrow + AP_LEN("->") - ft.p)),
			  &ev->server_ip, NULL);
	}
	ap_cur_skip_blanks(&c);
	if (AP_EAT(&c, "client-secure=")) {
		ap_span w = ap_cur_word(&c);
		if (AP_SPAN_IS(w, "ssl") || AP_SPAN_IS(w, "starttls"))
			ev->tls = 1;
		else if (AP_SPAN_IS(w, "plaintext"))
			ev->tls = 0;
	}
	/* a line whose fields run into the status (no "from->to" part) is
	 * not perdition's Auth line */
	if (c.p > st)
		return 0;
	/* the client's quoted values end at the last `" server="` */
	const char *sv = AP_MEMRMEM(c.p, (size_t)(st - c.p), "\" server=\"");
	const char *id = AP_MEMMEM(c.p, (size_t)(st - c.p), " authentication_id=\"");
	/* the quote that closes one marker may open the other
	 * (`authentication_id=" server="`): the user starts after its marker
	 * and must not start past the server's */
	if (id != NULL && sv != NULL && id + AP_LEN(" authentication_id=\"") <= sv) {
		const char *u = id + AP_LEN(" authentication_id=\"");
		const char *ue = sv;
		const char *pw = AP_MEMMEM(u, (size_t)(sv - u), "\" passwd=\"");
		if (pw != NULL) {
			ue = pw;
			ap_add_redact(ev, ln, pw + AP_LEN("\" passwd=\""),
				      (size_t)(sv - pw) - AP_LEN("\" passwd=\""));
		}
		/* an authzid or a user repeating the marker: no user */
		if (AP_MEMMEM(u, (size_t)(sv - u), " authentication_id=\"") == NULL)
			ap_set_user(ev, u, (size_t)(ue - u));
	}
	if (sv != NULL) {
		ap_cur k = ap_cur_make(sv + AP_LEN("\" server=\""),
				       (size_t)(st - sv) - AP_LEN("\" server=\""));
		if (AP_SKIP_PAST(&k, " protocol=")) {
			ap_span pr = ap_cur_word(&k);
			int8_t tls = -1;
			ev->service = ap_service_from_word(pr.p, pr.n, &tls);
			if (tls == 1)
				ev->tls = 1;
		}
	}
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_perdition = {
	AP_FAM_PERDITION,
	"perdition",
	rec_perdition,
	(const char *const[]){ "perdition", NULL },
};
