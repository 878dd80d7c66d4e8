/* cphulk.c - cPanel & WHM's cPHulk brute-force protection,
 * /usr/local/cpanel/logs/cphulkd.log, read through imfile (tags cphulkd,
 * cphulk): the whole line is the message.  Checked against cPanel's
 * Cpanel/Hulkd/Processor.pm (_log_blocked, _request_report,
 * _send_login_notification_if_needed), Cpanel/Hulkd.pm (mainlog) and
 * Cpanel/Logger.pm (the "[stamp] level [prog] " prefix), 11.1xx.
 *
 *   [<stamp>] info [<prog>] Login Blocked: <reason> <report>[ (<cur>/<max> failures)][ (blocked until [...])]
 *   [<stamp>] info [<prog>] Notified Root Login: <report>
 *   [<stamp>] info [<prog>] Notified User Login: <report>
 *
 * <stamp> is "YYYY-MM-DD HH:MM:SS +zzzz" (ev->time, as UTC); "[<pid>] " may
 * follow the program name.  <report> is "[Name]=[value]" pairs for the
 * request's fields, sorted by key, empty ones left out: [Service]
 * (the service that asked: sshd, dovecot, exim, cpaneld ...), [Local IP
 * Address], [Local Port], [Local User triggering request], [Remote IP
 * Address], [Remote Port], [Authentication Database] (system, mail, ftp),
 * [Username].  Every value has its white space removed.
 *
 *   IP reached maximum auth failures[ for a one day block]
 *       -> kind=block: cPHulk blocked the address (count = <cur>)
 *   Too many failures for this username for this authentication database.
 *       -> kind=block: cPHulk locked the account (user and the address of
 *          the attempt that tripped it; count = <cur>)
 *   The IP address is marked as an excessive brute. / The IP address is
 *   blacklisted. / The country is blacklisted.
 *       -> kind=auth, failure, reason other: an attempt refused because an
 *          earlier block or a list holds, logged on every try; not a new
 *          ban decision (cpanel.c reads login_log's "has locked out IP" the
 *          same way)
 *   Notified Root Login / Notified User Login
 *       -> success (logged when cPHulk sends its new-login notice)
 * Any other reason is not an event.  service from [Service]: sshd -> ssh,
 * cpaneld -> cpanel, whostmgrd -> whm, webmaild -> webmail, cpdavd ->
 * http, exim -> smtp, pure-ftpd/proftpd/ftpd -> ftp, pop3/imap/smtp words
 * as such; otherwise [Authentication Database] ftp -> ftp; otherwise none
 * (dovecot serves both IMAP and POP3, "system" covers cPanel, WHM and SSH).
 * window is not in the line (it is cPHulk's configuration).
 *
 * Threat model: the client's text is the user name (and whatever a service
 * passes as its own name or the local user).  cPHulk removes white space
 * from every value, while every field name it writes holds a blank, so no
 * value can forge " [Remote IP Address]=[".  The address is read after the
 * first such name; a second one (an older release that kept blanks) makes
 * the line ambiguous and the address is left out.  The verdict is the
 * fixed text after "Login Blocked: " / "Notified ... Login: ", written
 * before any value.  A value ends at the first "] " (values hold no blank)
 * or at the line's final ']'.  The failure figures are read from the last
 * " failures)", written after the report.  Nothing is redacted (the
 * password's hash is logged only in debug mode and is not read).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "[YYYY-MM-DD HH:MM:SS +zzzz] <level> [<prog>] [[<pid>] ]" */
static int prefix(ap_cur *c, int64_t *t)
{
	if (!ap_cur_eatc(c, '['))
		return 0;
	size_t n = ap_parse_ymdhms(c->p, ap_cur_left(c), ' ', t);
	if (n == 0)
		return 0;
	c->p += n;
	const char *p = c->p;
	int oh, om;
	if (ap_cur_left(c) < 7 || p[0] != ' ' || (p[1] != '+' && p[1] != '-')
	    || !ap_digits(p + 2, 2, &oh) || !ap_digits(p + 4, 2, &om) || p[6] != ']')
		return 0;
	*t -= (oh * 3600 + om * 60) * (p[1] == '-' ? -1 : 1);
	c->p += 7;
	if (!AP_EAT(c, " "))
		return 0;
	ap_span level = ap_cur_word(c);
	ap_span prog;
	if (level.n == 0 || !AP_EAT(c, " [") || !ap_cur_until(c, ']', &prog) || prog.n == 0
	    || prog.n > 64)
		return 0;
	c->p++;
	if (!AP_EAT(c, " "))
		return 0;
	/* "[<pid>] " */
	if (AP_AT(c, "[")) {
		const char *d = c->p + 1;
		while (d < c->e && *d >= '0' && *d <= '9')
			d++;
		if (d > c->p + 1 && AP_HAS_PREFIX(d, (size_t)(c->e - d), "] "))
			c->p = d + AP_LEN("] ");
	}
	return 1;
}

/* a value starting at v: up to the first "] " (values hold no blank) or
 * the line's final ']' */
static ap_span value(const char *v, const char *e)
{
	const char *end = AP_MEMMEM(v, (size_t)(e - v), "] ");
	if (end == NULL)
		end = (e > v && e[-1] == ']') ? e - 1 : v;
	return ap_span_make(v, (size_t)(end - v));
}

/* the report's fields, read in one pass over [p, e): a field
 * starts where " [<Name>]=[" does; the first of each name counts (every
 * value is read once), and the Remote IP Address names are counted */
typedef struct {
	ap_span rip, user, svc, db;
	int nrip;
} report;

#define NAMED(b, left, lit) AP_HAS_PREFIX((b), (left), lit)
static void read_report(const char *p, const char *e, report *r)
{
	memset(r, 0, sizeof(*r));
	for (const char *s = p; s < e;) {
		/* a byte loop, not memchr: a line dense with '[' would make a
		 * call per byte */
		const char *b = s;
		while (b < e && *b != '[')
			b++;
		if (b == e)
			break;
		s = b + 1;
		if (b == p || b[-1] != ' ')
			continue;
		size_t left = (size_t)(e - b);
		if (NAMED(b, left, "[Remote IP Address]=[")) {
			if (r->nrip++ == 0)
				r->rip = value(b + AP_LEN("[Remote IP Address]=["), e);
			s = b + AP_LEN("[Remote IP Address]=[");
		} else if (r->user.p == NULL && NAMED(b, left, "[Username]=[")) {
			r->user = value(b + AP_LEN("[Username]=["), e);
			s = b + AP_LEN("[Username]=[");
		} else if (r->svc.p == NULL && NAMED(b, left, "[Service]=[")) {
			r->svc = value(b + AP_LEN("[Service]=["), e);
			s = b + AP_LEN("[Service]=[");
		} else if (r->db.p == NULL && NAMED(b, left, "[Authentication Database]=[")) {
			r->db = value(b + AP_LEN("[Authentication Database]=["), e);
			s = b + AP_LEN("[Authentication Database]=[");
		}
	}
}

static const char *service_of(ap_span svc, ap_span db, int8_t *tls)
{
	static const struct {
		const char *w;
		const char *svc;
	} map[] = {
		{ "sshd", "ssh" },         { "cpaneld", "cpanel" }, { "whostmgrd", "whm" },
		{ "webmaild", "webmail" }, { "cpdavd", "http" },    { "exim", "smtp" },
		{ "pure-ftpd", "ftp" },    { "proftpd", "ftp" },    { "ftpd", "ftp" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ap_span_eq(svc, map[i].w, strlen(map[i].w)))
			return map[i].svc;
	const char *s = svc.n > 0 ? ap_service_from_word(svc.p, svc.n, tls) : NULL;
	if (s != NULL)
		return s;
	if (AP_SPAN_IS(db, "ftp"))
		return "ftp";
	return NULL;
}

static int rec_cphulk(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	if (!prefix(&c, &ev->time))
		return 0;
	int count = 0;
	if (AP_EAT(&c, "Login Blocked: ")) {
		if (AP_EAT(&c, "IP reached maximum auth failures")) {
			AP_EAT(&c, " for a one day block");
			ev->kind = AP_KIND_BLOCK;
			count = 1;
		} else if (AP_EAT(&c, "Too many failures for this username for this "
				      "authentication database.")) {
			ev->kind = AP_KIND_BLOCK;
			count = 1;
		} else if (AP_EAT(&c, "The IP address is marked as an excessive brute.")
			   || AP_EAT(&c, "The IP address is blacklisted.")
			   || AP_EAT(&c, "The country is blacklisted.")) {
			ev->kind = AP_KIND_AUTH;
			ev->outcome = AP_OUT_FAILURE;
			ev->reason = AP_R_OTHER;
		} else {
			return 0;
		}
	} else if (AP_EAT(&c, "Notified Root Login:") || AP_EAT(&c, "Notified User Login:")) {
		ev->kind = AP_KIND_AUTH;
		ev->outcome = AP_OUT_SUCCESS;
	} else {
		return 0;
	}
	if (c.p < c.e && *c.p != ' ')
		return 0;
	/* the report: every field name is " [<words>]=[" */
	report r;
	read_report(c.p, c.e, &r);
	if (r.nrip > 1)
		ev->ambiguous = true;
	else if (r.nrip == 1)
		ap_set_ip(&ev->ip, r.rip.p, r.rip.n);
	ap_set_user(ev, r.user.p, r.user.n);
	ev->service = service_of(r.svc, r.db, &ev->tls);
	/* " (<cur>/<max> failures)" */
	const char *fl = count ? AP_MEMRMEM(c.p, ap_cur_left(&c), " failures)") : NULL;
	if (fl != NULL) {
		const char *o = fl;
		while (o > c.p && o[-1] != '(')
			o--;
		ap_cur k = ap_cur_make(o, (size_t)(fl - o));
		int64_t cur, max;
		if (o > c.p && ap_cur_uint(&k, &cur) && ap_cur_eatc(&k, '/')
		    && ap_cur_uint(&k, &max) && k.p == k.e)
			ev->count = cur;
	}
	ev->daemon = "cphulkd";
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_cphulk = {
	AP_FAM_CPHULK,
	"cphulk",
	rec_cphulk,
	(const char *const[]){ "cphulkd", "cphulk", NULL },
};
