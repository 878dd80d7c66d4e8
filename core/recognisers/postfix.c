/* postfix.c - Postfix smtpd SASL (inbound SMTP AUTH).
 *
 * The tag map sends every "postfix*" tag here; only smtpd's lines are
 * read: the last tag component must be "smtpd".  The component before it
 * is the master.cf service name that `-o syslog_name=postfix/<name>`
 * puts there (submission, smtps, submissions, or a name of the site's
 * own, "submissions-proxyprotocol"); it gives the service, and smtps /
 * submissions mean TLS from the first byte.  Unknown names are smtp.
 *
 * Lines (smtpd_sasl_glue.c, smtpd_sasl_mail_log):
 *   warning: NAME[ADDR][:PORT]: SASL MECH authentication failed: TEXT
 *            [, sasl_username=USER]                      (failure)
 *   QUEUEID: client=NAME[ADDR][:PORT], sasl_method=MECH,
 *            sasl_username=USER[, sasl_sender=...][, orig_...]  (success)
 * NAME[ADDR] is written by smtpd (a verified name or "unknown"), before any
 * client text.  TEXT comes from the SASL backend: "Connection lost to
 * authentication server", "Invalid authentication mechanism", "Invalid
 * base64 data in continued response" and temporary failures are
 * outcome=unknown (the credentials were never judged).  The user a client
 * tried is at the end of the line; it is read only when ", sasl_username="
 * occurs once, so a user name that copies the marker cannot shift it.
 *
 * Not events: "SASL ... authentication aborted" (the client gave up with
 * "*"), the SASL library's own "warning: SASL authentication failure: ..."
 * (no client address; smtpd's line follows), "lost connection after AUTH",
 * and the "disconnect from ... auth=0/1" summaries, which repeat attempts
 * already counted from the warning lines.  Postfix as a client
 * ("SASL authentication failed; server ... said") logs under postfix/smtp
 * and is outbound.
 *
 * Threat model (smtpd_sasl_glue.c smtpd_sasl_authenticate(), smtpd.c's
 * "client=" msg_info).  smtpd writes "warning: " and NAME[ADDR][:PORT]
 * first (NAME is "unknown" or a name valid_hostname() accepted), then the
 * mechanism the client named (%.100s, one word), the reply of the SASL
 * server (Cyrus: xsasl_cyrus_strerror()'s fixed texts or its base64
 * challenge; Dovecot: its reason, or "Invalid authentication mechanism:
 * '<word>'"), and last the user the client tried (%.100s).  So the address
 * and the verdict sit before any client text and are read at their fixed
 * places; the reply's first words give unknown outcomes; the user is the
 * text after ", sasl_username=" and is left out when the marker occurs
 * twice.  A success needs smtpd's "client=NAME[ADDR], sasl_method=" right
 * after the queue id: client text (the authenticated name, the xtext
 * sasl_sender) comes only after it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_alnum(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* service from the tag; 0 if the tag is not smtpd's */
static int tag_service(const ap_line *ln, ap_event *ev)
{
	const char *p = ln->prog;
	size_t n = ln->proglen;
	const char *last = AP_MEMRMEM(p, n, "/");
	const char *lp = last ? last + 1 : p;
	if (!AP_SPAN_IIS(ap_span_make(lp, n - (size_t)(lp - p)), "smtpd"))
		return 0;
	ev->service = "smtp";
	if (last == NULL)
		return 1;
	const char *prev = AP_MEMRMEM(p, (size_t)(last - p), "/");
	if (prev == NULL)
		return 1; /* "postfix/smtpd", "postfix-out/smtpd" */
	const char *mp = prev + 1;
	size_t mn = (size_t)(last - mp);
	const char *svc = ap_service_from_word(mp, mn, &ev->tls);
	if (svc == NULL) {
		/* "submissions-proxyprotocol" -> "submissions" */
		const char *dash = memchr(mp, '-', mn);
		if (dash != NULL)
			svc = ap_service_from_word(mp, (size_t)(dash - mp), &ev->tls);
	}
	if (svc != NULL && (strcmp(svc, "smtp") == 0 || strcmp(svc, "submission") == 0))
		ev->service = svc;
	else if (svc != NULL)
		ev->tls = -1; /* a name of another protocol: no inference */
	return 1;
}

/* "NAME[ADDR]" then an optional ":PORT" */
static int client_addr(ap_cur *c, ap_event *ev)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p != '[' && *c->p != ' ' && *c->p != ',' && c->p - s < 256)
		c->p++;
	if (c->p == s || c->p >= c->e || *c->p != '[')
		return 0;
	ap_span name = ap_span_make(s, (size_t)(c->p - s));
	c->p++;
	ap_span addr;
	if (!ap_cur_until(c, ']', &addr) || addr.n > 64)
		return 0;
	c->p++;
	ev->rdns = name;
	ap_set_ip(&ev->ip, addr.p, addr.n);
	if (c->p + 1 < c->e && *c->p == ':' && is_digit(c->p[1])) {
		c->p++;
		int64_t port;
		if (!ap_cur_uint(c, &port))
			return 0;
		if (port <= 65535)
			ev->port = (int32_t)port;
	}
	return 1;
}

static const char *const unknown_texts[] = {
	"Connection lost to authentication server",
	"Invalid authentication mechanism",
	"Invalid base64 data",
	"Temporary authentication failure",
};

static int sasl_failure(ap_cur c, ap_event *ev)
{
	if (!client_addr(&c, ev) || !AP_EAT(&c, ": SASL "))
		return 0;
	ap_span mech = ap_cur_word(&c);
	if (mech.n == 0 || mech.n > 64)
		return 0;
	ev->mech = mech;
	if (!AP_EAT(&c, " authentication failed"))
		return 0; /* "authentication aborted": the client gave up */
	ev->outcome = AP_OUT_FAILURE;
	if (!AP_EAT(&c, ": "))
		return 1;
	ap_span text = ap_span_make(c.p, ap_cur_left(&c));
	const char *m = AP_MEMMEM(text.p, text.n, ", sasl_username=");
	if (m != NULL) {
		const char *u = m + AP_LEN(", sasl_username=");
		size_t un = (size_t)(c.e - u);
		if (AP_MEMMEM(u, un, ", sasl_username=") == NULL
		    && !AP_SPAN_IS(ap_span_make(u, un), "(unavailable)"))
			ap_set_user(ev, u, un);
		text.n = (uint32_t)(m - text.p);
	}
	for (size_t i = 0; i < sizeof(unknown_texts) / sizeof(unknown_texts[0]); i++) {
		size_t l = strlen(unknown_texts[i]);
		if (text.n >= l && memcmp(text.p, unknown_texts[i], l) == 0) {
			ev->outcome = AP_OUT_UNKNOWN;
			return 1;
		}
	}
	/* Cyrus SASL's SASL_NOUSER text; "authentication failure", the
	 * base64 of the last challenge and "(reason unavailable)" do not say
	 * which part was wrong */
	if (AP_SPAN_IS(text, "user not found"))
		ev->reason = AP_R_UNKNOWN_USER;
	return 1;
}

static int sasl_success(ap_cur c, ap_event *ev)
{
	const char *q = c.p;
	while (c.p < c.e && is_alnum(*c.p) && c.p - q < 32)
		c.p++;
	ap_span qid = ap_span_make(q, (size_t)(c.p - q));
	if (qid.n == 0 || !AP_EAT(&c, ": client="))
		return 0;
	if (!client_addr(&c, ev) || !AP_EAT(&c, ", sasl_method="))
		return 0;
	const char *ms = c.p;
	while (c.p < c.e && *c.p != ',' && *c.p != ' ' && c.p - ms < 64)
		c.p++;
	ev->mech = ap_span_make(ms, (size_t)(c.p - ms));
	if (ev->mech.n == 0 || !AP_EAT(&c, ", sasl_username="))
		return 0;
	/* the user ends at the next field smtpd appends, or the line */
	const char *u = c.p;
	const char *ue = c.e;
	static const char *const next[] = { ", sasl_sender=", ", orig_queue_id=", ", orig_client=" };
	for (size_t i = 0; i < 3; i++) {
		const char *f = ap_memmem(u, (size_t)(ue - u), next[i], strlen(next[i]));
		if (f != NULL)
			ue = f;
	}
	ap_set_user(ev, u, (size_t)(ue - u));
	ev->outcome = AP_OUT_SUCCESS;
	if (!AP_SPAN_IS(qid, "NOQUEUE"))
		ev->session = qid;
	return 1;
}

static int rec_postfix(const ap_line *ln, ap_event *ev)
{
	if (!tag_service(ln, ev))
		return 0;
	ev->kind = AP_KIND_AUTH;
	ev->daemon = "postfix";
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (AP_EAT(&c, "warning: "))
		return sasl_failure(c, ev);
	return sasl_success(c, ev);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_postfix = {
	AP_FAM_POSTFIX,
	"postfix",
	rec_postfix,
	(const char *const[]){ "smtpd", NULL },
};
