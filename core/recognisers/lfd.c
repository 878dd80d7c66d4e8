/* lfd.c - ConfigServer lfd (CSF) block decisions: kind=block.
 *
 * lfd.log (tag lfd) and the csf.deny comment read as a file
 * ("<ip> # lfd: <text>", under tag lfd) carry the same text:
 *
 *   (<app>[,<app>...]) <failtext> <tip>: <N> in the last <W> secs[ (CF_ENABLE)][ - ...]
 *   <tip>, <N> distributed <app> attacks on account [<acct>] in the last <W> secs[ - ...]
 *   <tip>, <N> distributed FTP|SMTP Logins on account [<acct>] in the last <W> secs
 *   (PERMBLOCK) <tip> has had more than <N> temp blocks in the last <W> secs
 *   (NETBLOCK) <tip> has had more than <N> blocks in the last <W> secs
 *   *Port Scan* detected from <tip>. <N> hits in the last <W> seconds
 *   <tip>, more than <N> Apache 40x hits in the last <W> secs
 *
 * <tip> is "<ip>", "<ip> (<rdns>)" or "<ip> (CC/Country[/Region/City]/<rdns>[/ASN])"
 * (lfd's iplookup with CC_LOOKUPS 0..3); rdns is left out when "-" or
 * "Unknown".  Failure texts: "Failed POP3 login from", "Failed SMTP AUTH
 * login from", "Login failure/trigger from" (several apps, LF_TRIGGER),
 * "mod_security triggered by", ...
 *
 * service from the app: pop3d -> pop3, imapd -> imap, smtpauth and
 * eximsyntax -> smtp, cpanel -> cpanel, sshd -> ssh, ftpd/pure-ftpd/
 * proftpd -> ftp, htpasswd/mod_security/mod_qos/apache -> http; several
 * apps, PERMBLOCK, NETBLOCK and port scans -> no service.
 * count/window are lfd's figures; "more than N" (PERMBLOCK, NETBLOCK,
 * Apache) is a threshold, not a count, and gives only the window.
 * A block without a valid address is not an event. */
#include "recognisers/recogniser.h"

static const char *service_of(ap_span app)
{
	static const struct {
		const char *app;
		const char *svc;
	} map[] = {
		{ "pop3d", "pop3" },      { "imapd", "imap" },        { "smtpauth", "smtp" },
		{ "eximsyntax", "smtp" }, { "cpanel", "cpanel" },     { "sshd", "ssh" },
		{ "ftpd", "ftp" },        { "pure-ftpd", "ftp" },     { "proftpd", "ftp" },
		{ "htpasswd", "http" },   { "mod_security", "http" }, { "mod_qos", "http" },
		{ "webmin", "http" },     { "FTP", "ftp" },           { "SMTP", "smtp" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ap_span_ieq(app, map[i].app, strlen(map[i].app)))
			return map[i].svc;
	return NULL;
}

/* "<ip>[ (<geo>)]": sets ip and rdns; the cursor ends after it.  1 if
 * the address is valid. */
static int tip(ap_cur *c, ap_event *ev)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p != ' ' && *c->p != ',' && *c->p != ':' && *c->p != ')')
		c->p++;
	/* an address ending in ':' (IPv6) is cut at the first ':' above:
	 * take the longest run of address characters instead */
	if (c->p < c->e && *c->p == ':') {
		while (c->p < c->e
		       && (*c->p == ':' || *c->p == '.' || (*c->p >= '0' && *c->p <= '9')
			   || (*c->p >= 'a' && *c->p <= 'f') || (*c->p >= 'A' && *c->p <= 'F')))
			c->p++;
		/* "1.2.3.4: 5 in the last" : the ':' belongs to the text */
		if (c->p > s && c->p[-1] == ':')
			c->p--;
	}
	if (!ap_set_ip(&ev->ip, s, (size_t)(c->p - s)))
		return 0;
	if (!AP_EAT(c, " ("))
		return 1;
	ap_span geo;
	if (!ap_cur_until(c, ')', &geo))
		return 1;
	c->p++;
	/* parts split by '/': 1 -> rdns, 3 -> CC/Country/rdns, 5 or 6 -> 5th */
	ap_span part[6];
	size_t np = 0;
	const char *p = geo.p, *e = geo.p + geo.n;
	while (np < 6) {
		const char *sl = memchr(p, '/', (size_t)(e - p));
		const char *pe = sl ? sl : e;
		part[np++] = ap_span_trim(ap_span_make(p, (size_t)(pe - p)));
		if (sl == NULL)
			break;
		p = sl + 1;
	}
	ap_span r = { NULL, 0 };
	if (np == 1)
		r = part[0];
	else if (np == 3)
		r = part[2];
	else if (np >= 5)
		r = part[4];
	if (r.n > 0 && !AP_SPAN_IS(r, "-") && !AP_SPAN_IS(r, "Unknown") && r.n <= 255)
		ev->rdns = r;
	return 1;
}

/* "<N> in the last <W> sec" / "<N> hits in the last <W> seconds" */
static int figures(ap_cur *c, ap_event *ev, const char *mid, size_t midn)
{
	int64_t n, w;
	if (!ap_cur_uint(c, &n) || !ap_cur_eat(c, mid, midn) || !ap_cur_uint(c, &w)
	    || !AP_AT(c, " sec"))
		return 0;
	ev->count = n;
	ev->window = w;
	return 1;
}
#define FIGURES(c, ev, lit) figures((c), (ev), (lit), AP_LEN(lit))

/* "(app) <failtext> <tip>: N in the last W secs" */
static int app_block(ap_cur *c, ap_event *ev)
{
	ap_span app;
	c->p++;
	if (!ap_cur_until(c, ')', &app) || app.n == 0 || app.n > 64)
		return 0;
	c->p++;
	if (!AP_EAT(c, " "))
		return 0;
	if (AP_SPAN_IS(app, "PERMBLOCK") || AP_SPAN_IS(app, "NETBLOCK")) {
		if (!tip(c, ev) || !AP_EAT(c, " has had more than "))
			return 0;
		int64_t v;
		if (!ap_cur_uint(c, &v) || !AP_SKIP_PAST(c, " in the last ") || !ap_cur_uint(c, &v))
			return 0;
		ev->window = v;
		return 1;
	}
	/* the address follows the failure text's last word, "from" or "by" */
	const char *from = AP_MEMMEM(c->p, ap_cur_left(c), " from ");
	const char *by = AP_MEMMEM(c->p, ap_cur_left(c), " by ");
	const char *at = NULL;
	if (from != NULL && (by == NULL || from < by))
		at = from + AP_LEN(" from ");
	else if (by != NULL)
		at = by + AP_LEN(" by ");
	if (at == NULL)
		return 0;
	c->p = at;
	if (!tip(c, ev) || !AP_EAT(c, ": ") || !FIGURES(c, ev, " in the last "))
		return 0;
	if (memchr(app.p, ',', app.n) == NULL)
		ev->service = service_of(app);
	return 1;
}

/* "<tip>, N distributed <app> attacks on account [<acct>] in the last W secs"
 * and "<tip>, more than N Apache 404 hits in the last W secs" */
static int tip_block(ap_cur *c, ap_event *ev)
{
	if (!tip(c, ev) || !AP_EAT(c, ", "))
		return 0;
	if (AP_EAT(c, "more than ")) {
		int64_t v;
		if (!ap_cur_uint(c, &v) || !AP_EAT(c, " Apache ")
		    || !AP_SKIP_PAST(c, " hits in the last ") || !ap_cur_uint(c, &v))
			return 0;
		ev->window = v;
		ev->service = "http";
		return 1;
	}
	int64_t n, w;
	if (!ap_cur_uint(c, &n) || !AP_EAT(c, " distributed "))
		return 0;
	ap_span app = ap_cur_word(c);
	if (!AP_EAT(c, " attacks on account [") && !AP_EAT(c, " Logins on account ["))
		return 0;
	/* the account is the client's text: up to the last "] in the last " */
	const char *end = AP_MEMRMEM(c->p, ap_cur_left(c), "] in the last ");
	if (end == NULL)
		return 0;
	ap_span acct = ap_span_make(c->p, (size_t)(end - c->p));
	c->p = end + AP_LEN("] in the last ");
	if (!ap_cur_uint(c, &w) || !AP_AT(c, " sec"))
		return 0;
	ap_set_user(ev, acct.p, acct.n);
	ev->service = service_of(app);
	ev->count = n;
	ev->window = w;
	return 1;
}

static int rec_lfd(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	/* csf.deny: "[csf.deny: ]<ip> # lfd: <text>" */
	AP_EAT(&c, "csf.deny: ");
	const char *hash = AP_MEMMEM(c.p, ap_cur_left(&c) < 64 ? ap_cur_left(&c) : 64, " # lfd: ");
	if (hash != NULL && memchr(c.p, ' ', (size_t)(hash - c.p)) == NULL)
		c.p = hash + AP_LEN(" # lfd: ");
	ev->kind = AP_KIND_BLOCK;
	ev->daemon = "lfd";
	int ok;
	if (AP_AT(&c, "("))
		ok = app_block(&c, ev);
	else if (AP_EAT(&c, "*Port Scan* detected from "))
		ok = tip(&c, ev) && AP_EAT(&c, ". ") && FIGURES(&c, ev, " hits in the last ");
	else
		ok = tip_block(&c, ev);
	return ok && ev->ip.family != 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_lfd = {
	AP_FAM_LFD,
	"lfd",
	rec_lfd,
	(const char *const[]){ "lfd", NULL },
};
