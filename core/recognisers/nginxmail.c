/* nginxmail.c - nginx's mail proxy (ngx_mail), from the error log at level
 * info: the file read by imfile (tag nginx-mail, or nginx-error when one
 * error.log holds the http and the mail lines; the line starts with
 * "YYYY/MM/DD HH:MM:SS [info] PID#TID: *CID ") or error_log syslog:
 * (tag nginx).
 *
 *   *CID client login failed: "ERR" while in http auth state, client: ADDR[ using starttls], server: SADDR:PORT[, login: "U"]
 *       failure (the auth_http server refused; ERR is its Auth-Status)
 *   *CID client logged in, client: ADDR[ using starttls], server: SADDR:PORT, login: "U", upstream: UPADDR
 *       success (the upstream accepted the login)
 * tls when "using starttls"; service and tls from the listening port when
 * it is a well-known one (25, 587 smtp/submission; 465 submission+tls;
 * 143/993 imap; 110/995 pop3).
 *
 * Threat model.  ngx_mail_log_error appends ", client: %V", " using
 * starttls", ", server: %V", ", login: \"%V\"" and ", upstream: %V" to the
 * message, in that order.  The client address and the server address are
 * nginx's; the login is the client's, unescaped, at the end (before the
 * upstream); ERR comes from the auth_http server (which may echo client
 * text).  The success text is the start of the message, followed at once
 * by ", client: ": nothing the client types comes before the address.  In
 * a failure ERR comes before it: the fields are read only when '" while
 * in http auth state, client: ' occurs once in the line (more: the event
 * keeps its outcome, without address, user or service).  The login runs from the first
 * ', login: "' after the server address to the last '"' (before the last
 * '", upstream: ' in a success).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static const char auth_state[] = "\" while in http auth state, client: ";

/* "YYYY/MM/DD HH:MM:SS [level] PID#TID: *CID " */
static void prefix(ap_cur *c)
{
	ap_cur k = *c;
	if (ap_cur_left(&k) > 20 && k.p[4] == '/' && k.p[7] == '/' && k.p[10] == ' ') {
		k.p += 11;
		while (k.p < k.e && ((*k.p >= '0' && *k.p <= '9') || *k.p == ':'))
			k.p++;
		ap_cur_skip_blanks(&k);
	}
	if (AP_AT(&k, "[")) {
		ap_span lvl;
		k.p++;
		if (!ap_cur_until(&k, ']', &lvl) || lvl.n > 8)
			return;
		k.p++;
		ap_cur_skip_blanks(&k);
	}
	const char *d = k.p;
	while (k.p < k.e && ((*k.p >= '0' && *k.p <= '9') || *k.p == '#'))
		k.p++;
	if (k.p > d && !AP_EAT(&k, ": "))
		return;
	if (AP_EAT(&k, "*")) {
		while (k.p < k.e && *k.p >= '0' && *k.p <= '9')
			k.p++;
		if (!AP_EAT(&k, " "))
			return;
	}
	*c = k;
}

static void port_service(ap_event *ev, int64_t port)
{
	switch (port) {
	case 25: ev->service = "smtp"; break;
	case 587: ev->service = "submission"; break;
	case 465:
		ev->service = "submission";
		ev->tls = 1;
		break;
	case 143: ev->service = "imap"; break;
	case 993:
		ev->service = "imap";
		ev->tls = 1;
		break;
	case 110: ev->service = "pop3"; break;
	case 995:
		ev->service = "pop3";
		ev->tls = 1;
		break;
	default: break;
	}
}

/* "ADDR[ using starttls], server: SADDR:PORT[, login: \"U\"][, upstream: X]" at c */
static void after_client(ap_cur *c, ap_event *ev, int success)
{
	const char *a = c->p;
	while (c->p < c->e && *c->p != ' ' && *c->p != ',')
		c->p++;
	if (c->p > a)
		ap_set_ip(&ev->ip, a, (size_t)(c->p - a));
	if (AP_EAT(c, " using starttls"))
		ev->tls = 1;
	if (!AP_EAT(c, ", server: "))
		return;
	ap_span srv = ap_cur_word(c);
	if (srv.n > 0 && srv.p[srv.n - 1] == ',')
		srv.n--;
	const char *colon = srv.n ? AP_MEMRMEM(srv.p, srv.n, ":") : NULL;
	if (colon != NULL) {
		ap_cur pk = ap_cur_make(colon + 1, (size_t)(srv.p + srv.n - colon - 1));
		int64_t port;
		if (ap_cur_uint(&pk, &port) && pk.p == pk.e)
			port_service(ev, port);
	}
	c->p = srv.p + srv.n;
	if (!AP_EAT(c, ", login: \""))
		return;
	const char *u = c->p, *e = c->e;
	const char *ue = NULL;
	if (success)
		ue = AP_MEMRMEM(u, (size_t)(e - u), "\", upstream: ");
	if (ue == NULL && e > u && e[-1] == '"')
		ue = e - 1;
	if (ue != NULL)
		ap_set_user(ev, u, (size_t)(ue - u));
}

static int rec_nginxmail(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	prefix(&c);
	if (AP_EAT(&c, "client logged in, client: ")) {
		ev->daemon = "nginx";
		ev->outcome = AP_OUT_SUCCESS;
		after_client(&c, ev, 1);
		return 1;
	}
	if (!AP_EAT(&c, "client login failed: \""))
		return 0;
	const char *k = AP_MEMMEM(c.p, ap_cur_left(&c), auth_state);
	if (k == NULL)
		return 0;
	ev->daemon = "nginx";
	ev->outcome = AP_OUT_FAILURE;
	const char *after = k + AP_LEN(auth_state);
	if (AP_MEMMEM(after, (size_t)(c.e - after), auth_state) != NULL) {
		/* ERR or the login holds the separator: which one is nginx's
		 * cannot be told */
		ev->ambiguous = true;
		return 1;
	}
	c.p = after;
	after_client(&c, ev, 0);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_nginxmail = {
	AP_FAM_NGINXMAIL,
	"nginx-mail",
	rec_nginxmail,
	(const char *const[]){ "nginx-mail", "nginx", "nginx-error", NULL },
};
