/* litespeed.c - LiteSpeed Web Server and OpenLiteSpeed: HTTP
 * authentication in the server's error.log (read with imfile, default tag
 * litespeed; lshttpd and openlitespeed too), service http, and WebAdmin
 * console login failures (PHP error_log lines), service panel.  TLS is
 * unknown: the lines do not say.
 *
 * Logger::vlog() (src/log4cxx/logger.cpp) writes "[LOGID] " before the
 * message, under the layout "%d [%p] %m" (src/http/httplog.cpp):
 *
 *   2026-03-05 10:00:00.123456 [INFO] [IP:PORT-N#VHOST] User 'U' failed to authenticate.
 *                                                      failure
 *   [DATE] [WebAdmin Console] Failed Login Attempt - username:U ip:IP url:URL
 *                                                      failure, service panel
 *
 * The LOGID (HttpSession::buildLogId(), NtwkIOLink::buildLogId()) is
 * "IP:PORT[:H2][-N][>PEER][#VHOST]": the connection's address, then the
 * address LiteSpeed took from a forwarded-for header ("Use Client IP in
 * Header") when it differs.  HttpSession::checkAuthentication()
 * (src/http/httpsession.cpp) logs the failure; a success is only logged
 * at debug level and is not read.  CAuthorizer::emailFailedLogin()
 * (dist/admin/html.open/lib/LSWebAdmin/Auth/CAuthorizer.php) writes the
 * WebAdmin line, the user cut at 64 characters without control bytes.
 *
 * Threat model.  U, and on the WebAdmin line the URL, are the client's;
 * PEER comes from a header the client may have sent.  The LOGID is
 * LiteSpeed's and comes before the message: the connection address is
 * read there; PEER is handed on as a forwarded-for chain of one (the
 * pipeline believes it only when the connection address is a trusted
 * proxy).  The message is fixed at both ends, so U is what lies between.
 * On the WebAdmin line U comes before " ip:" and the URL after it: the
 * address is read only when " ip:" occurs once after "username:";
 * otherwise the event is ambiguous and carries neither address nor user.
 * LiteSpeed's error.log keeps tabs and line breaks of U raw (logSanitize()
 * turns only the other control bytes into '.'): a user name holding a
 * line break forges a whole line in the file.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "IP:PORT[:H2][-N][>PEER][#VHOST]" */
static void set_logid(ap_event *ev, ap_span id)
{
	const char *hash = memchr(id.p, '#', id.n);
	if (hash != NULL)
		id.n = (uint32_t)(hash - id.p);
	const char *gt = memchr(id.p, '>', id.n);
	ap_span conn = id;
	if (gt != NULL) {
		conn.n = (uint32_t)(gt - id.p);
		ev->fwd = ap_span_make(gt + 1, id.n - conn.n - 1);
	}
	const char *dash = memchr(conn.p, '-', conn.n);
	if (dash != NULL)
		conn.n = (uint32_t)(dash - conn.p);
	if (AP_HAS_ISUFFIX(conn.p, conn.n, ":H2") || AP_HAS_ISUFFIX(conn.p, conn.n, ":H3"))
		conn.n -= AP_LEN(":H2");
	const char *colon = AP_MEMRMEM(conn.p, conn.n, ":");
	if (colon == NULL || !ap_set_ip(&ev->ip, conn.p, (size_t)(colon - conn.p)))
		ev->fwd = ap_span_make(NULL, 0);
}

/* "[WebAdmin Console] Failed Login Attempt - username:U ip:IP url:URL" */
static int webadmin(ap_event *ev, ap_cur *c)
{
	if (!AP_EAT(c, "[WebAdmin Console] Failed Login Attempt - username:"))
		return 0;
	ev->service = "panel";
	ev->outcome = AP_OUT_FAILURE;
	size_t n = ap_cur_left(c);
	const char *ip = AP_MEMMEM(c->p, n, " ip:");
	if (ip == NULL || ip != AP_MEMRMEM(c->p, n, " ip:")) {
		ev->ambiguous = true;
		return 1;
	}
	ap_set_user(ev, c->p, (size_t)(ip - c->p));
	ap_cur k = ap_cur_make(ip + AP_LEN(" ip:"), (size_t)(c->e - ip) - AP_LEN(" ip:"));
	ap_span a = ap_cur_word(&k);
	if (AP_AT(&k, " url:") || ap_cur_left(&k) == 0)
		ap_set_ip(&ev->ip, a.p, a.n);
	return 1;
}

static int rec_litespeed(const ap_line *ln, ap_event *ev)
{
	const char *e = ln->msg + ln->len;
	while (e > ln->msg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ap_cur c = ap_cur_make(ln->msg, (size_t)(e - ln->msg));
	ev->daemon = "litespeed";
	ev->service = "http";

	int64_t t;
	size_t tn = ap_parse_ymdhms(c.p, ap_cur_left(&c), ' ', &t);
	if (tn == 0) {
		/* PHP's error_log: "[05-Mar-2026 10:00:00 UTC] " */
		if (AP_AT(&c, "[") && !AP_AT(&c, "[WebAdmin Console] ")) {
			ap_span d;
			if (!ap_cur_until(&c, ']', &d))
				return 0;
			c.p++;
			if (!AP_EAT(&c, " "))
				return 0;
		}
		return webadmin(ev, &c);
	}
	c.p += tn;
	ev->time = t;
	/* " [LEVEL] [LOGID] " */
	ap_span lvl, id;
	if (!AP_EAT(&c, " [") || !ap_cur_until(&c, ']', &lvl) || !AP_EAT(&c, "] [")
	    || !ap_cur_until(&c, ']', &id) || !AP_EAT(&c, "] "))
		return 0;
	if (!AP_HAS_PREFIX(c.p, ap_cur_left(&c), "User '")
	    || !AP_HAS_ISUFFIX(c.p, ap_cur_left(&c), "' failed to authenticate.")
	    || ap_cur_left(&c) < AP_LEN("User '' failed to authenticate."))
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ap_set_user(ev, c.p + AP_LEN("User '"),
		    ap_cur_left(&c) - AP_LEN("User '' failed to authenticate."));
	set_logid(ev, id);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_litespeed = {
	AP_FAM_LITESPEED,
	"litespeed",
	rec_litespeed,
	(const char *const[]){ "litespeed", "lshttpd", "openlitespeed", NULL },
};
