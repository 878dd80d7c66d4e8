/* lfd.c - ConfigServer lfd (CSF) block decisions (kind=block) and the
 * logins lfd logs itself (kind=auth).
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
 *   UI: Invalid login attempts from <tip> - *Blocked in csf*[ for <T> secs] [UI_RETRY]
 * and, kind=auth, service panel:
 *   UI: *Invalid login* attempt[s] from <ip> [<n>/<max>][ - ...]    failure
 *       (csf's web UI refused a login; n counts them per address)
 *   UI: Successful login from <ip>                                 success
 *   *Webmin login* from <ip> into the <acct> account               success
 *       (lfd's alert on webmin's "Successful login as <acct> from <ip>",
 *       whose own line often goes to miniserv.log only)
 * "*SSH login*" and "*SU login*" alerts repeat what sshd and su log
 * themselves: not events.
 *
 * <tip> is "<ip>", "<ip> (<rdns>)" or "<ip> (CC/Country[/Region/City]/<rdns>[/ASN])"
 * (lfd's iplookup with CC_LOOKUPS 0..3); rdns is left out when "-" or
 * "Unknown".  Failure texts: "Failed POP3 login from", "Failed SMTP AUTH
 * login from", "Login failure/trigger from" (several apps, LF_TRIGGER),
 * "mod_security triggered by", ...
 *
 * service from the app (lfd.pl's trigger table and RegexMain.pm's return
 * values, csf 14/15): pop3d -> pop3, imapd -> imap, smtpauth and
 * eximsyntax -> smtp, cpanel -> cpanel, whm -> whm, webmail -> webmail,
 * sshd -> ssh, ftpd/pure-ftpd/proftpd -> ftp, htpasswd (htaccess),
 * mod_security and cxs (modsec), mod_qos, suhosin, symlink, apache ->
 * http, bind -> dns, directadmin, interworx, cyberpanel, cwp, vesta and
 * webmin -> panel (DirectAdmin's "Failed DirectAdmin Roundcube|
 * SquirrelMail login from" -> webmail, "... phpMyAdmin login from" ->
 * http); several apps (LF_TRIGGER), a custom trigger's own app,
 * PERMBLOCK, NETBLOCK and port scans -> no service.
 * count/window are lfd's figures; "more than N" (PERMBLOCK, NETBLOCK,
 * Apache) is a threshold, not a count, and gives only the window.
 * A block without a valid address is not an event.
 *
 * Threat model.  lfd writes every word of these lines (lfd.pl's block(),
 * blockaccount(), blockdistftp(), blockdistsmtp(), portscans() and
 * ipblock(), ConfigServer::LookUpIP's iplookup(), csf.pl's dodeny() for
 * the csf.deny comment) except two: the PTR name inside the
 * lookup text, which whoever runs the client's reverse zone chooses
 * (`host` prints it without blanks, with "(" and ")" escaped, but with
 * '/', ':', ',' and '[' as they are), and the account of a distributed
 * attack, which is the user name the client tried (and the Webmin
 * account, which webmin's log gave lfd as one word).  The address is read
 * where lfd writes it: first in the tip, right after the app's failure
 * text ("... from", "... by") or at the start of the line.  The lookup
 * text ends at the first ")" that is followed by what lfd writes after a
 * tip (": N", ", N"/", more than", ". N", " has had", " - *Blocked in
 * csf*"), never at the first
 * ")" (an ASN organisation name may hold one).  The PTR name becomes rdns
 * only when the lookup text has one of lfd's part counts and the name is
 * a host name (letters, digits, '.', '-', '_', a letter, not an
 * address); it is never an address.  The account runs to the last
 * "] in the last " (lfd's text follows it, with no such text); the
 * Webmin account to the " account" that ends the line.  The UI's
 * address is lfd's socket peer, right after its fixed words.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* the service of lfd's app names (lfd.pl's trigger table, RegexMain.pm's
 * return values; csf 14/15) */
static const char *service_of(ap_span app)
{
	static const struct {
		const char *app;
		const char *svc;
	} map[] = {
		{ "pop3d", "pop3" },        { "imapd", "imap" },      { "smtpauth", "smtp" },
		{ "eximsyntax", "smtp" },   { "cpanel", "cpanel" },   { "whm", "whm" },
		{ "webmail", "webmail" },   { "sshd", "ssh" },        { "ftpd", "ftp" },
		{ "pure-ftpd", "ftp" },     { "proftpd", "ftp" },     { "htpasswd", "http" },
		{ "mod_security", "http" }, { "mod_qos", "http" },    { "cxs", "http" },
		{ "symlink", "http" },      { "suhosin", "http" },    { "bind", "dns" },
		{ "directadmin", "panel" }, { "interworx", "panel" }, { "cyberpanel", "panel" },
		{ "cwp", "panel" },         { "vesta", "panel" },     { "webmin", "panel" },
		{ "FTP", "ftp" },           { "SMTP", "smtp" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ap_span_ieq(app, map[i].app, strlen(map[i].app)))
			return map[i].svc;
	return NULL;
}

/* DirectAdmin's trigger also reads its Roundcube, SquirrelMail and
 * phpMyAdmin logs: lfd's failure text tells which */
static const char *directadmin_service(ap_span failtext)
{
	if (AP_MEMMEM(failtext.p, failtext.n, " Roundcube ") != NULL
	    || AP_MEMMEM(failtext.p, failtext.n, " SquirrelMail ") != NULL)
		return "webmail";
	if (AP_MEMMEM(failtext.p, failtext.n, " phpMyAdmin ") != NULL)
		return "http";
	return "panel";
}

/* what lfd writes right after a tip */
enum tip_next {
	NEXT_FIGURES, /* ": N in the last" */
	NEXT_COMMA,   /* ", N distributed", ", more than N Apache" */
	NEXT_STOP,    /* ". N hits" (port scan) */
	NEXT_HAS,     /* " has had more than" (PERMBLOCK, NETBLOCK) */
	NEXT_BLOCKED, /* " - *Blocked in csf*" (csf's UI) */
};

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* does [p, e) start with what lfd writes after a tip? */
static int tip_next_at(const char *p, const char *e, enum tip_next next)
{
	size_t n = (size_t)(e - p);
	switch (next) {
	case NEXT_FIGURES: return AP_HAS_PREFIX(p, n, ": ") && n > AP_LEN(": ") && is_digit(p[2]);
	case NEXT_COMMA:
		return AP_HAS_PREFIX(p, n, ", ") && n > AP_LEN(", ")
		       && (is_digit(p[2]) || AP_HAS_PREFIX(p + 2, n - 2, "more than "));
	case NEXT_STOP: return AP_HAS_PREFIX(p, n, ". ") && n > AP_LEN(". ") && is_digit(p[2]);
	case NEXT_HAS: return AP_HAS_PREFIX(p, n, " has had more than ");
	case NEXT_BLOCKED: return AP_HAS_PREFIX(p, n, " - *Blocked in csf*");
	}
	return 0;
}

/* a host name as a PTR record may give one: letters, digits, '.', '-',
 * '_', at least one letter, and not an address */
static int is_host_name(ap_span h)
{
	int letter = 0;
	if (h.n == 0 || h.n > 255)
		return 0;
	for (uint32_t i = 0; i < h.n; i++) {
		char ch = h.p[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			letter = 1;
		else if (!(is_digit(ch) || ch == '.' || ch == '-' || ch == '_'))
			return 0;
	}
	ap_addr a;
	return letter && !ap_set_ip(&a, h.p, h.n);
}

/* the host name inside lfd's lookup text: "host", "CC/Country/host",
 * "CC/Country/Region/City/host" or "CC/Country/Region/City/host/[ASN]"
 * (the ASN part "[ASnnn org]" or "-").  A host holding '/' shifts the
 * parts: any other count gives none. */
static void lookup_host(ap_span geo, ap_event *ev)
{
	ap_span part[7];
	size_t np = 0;
	const char *p = geo.p, *e = geo.p + geo.n;
	while (np < 7) {
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
	else if (np == 5)
		r = part[4];
	else if (np >= 6 && (AP_SPAN_IS(part[5], "-") || (part[5].n > 0 && part[5].p[0] == '[')))
		r = part[4];
	if (!AP_SPAN_IS(r, "Unknown") && is_host_name(r))
		ev->rdns = r;
}

/* "<ip>[ (<lookup>)]" followed by what lfd writes next: sets ip and rdns;
 * the cursor ends after it.  1 if the address is valid.
 * The lookup text holds the PTR name (the client's: `host` prints it
 * without blanks and with "(" and ")" escaped) and an ASN organisation
 * name (which may hold ")"): it ends at the first ")" followed by what lfd
 * writes after the tip, never at the first ")". */
static int tip(ap_cur *c, ap_event *ev, enum tip_next next)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p != ' ' && *c->p != ',' && *c->p != ':' && *c->p != ')')
		c->p++;
	/* an address ending in ':' (IPv6) is cut at the first ':' above:
	 * take the longest run of address characters instead */
	if (c->p < c->e && *c->p == ':') {
		while (c->p < c->e
		       && (*c->p == ':' || *c->p == '.' || is_digit(*c->p)
			   || (*c->p >= 'a' && *c->p <= 'f') || (*c->p >= 'A' && *c->p <= 'F')))
			c->p++;
		/* "1.2.3.4: 5 in the last" : the ':' belongs to the text */
		if (c->p > s && c->p[-1] == ':')
			c->p--;
	}
	if (!ap_set_ip(&ev->ip, s, (size_t)(c->p - s)))
		return 0;
	if (!AP_AT(c, " ("))
		return 1;
	const char *g = c->p + AP_LEN(" ("), *q = g;
	while ((q = memchr(q, ')', (size_t)(c->e - q))) != NULL) {
		if (tip_next_at(q + 1, c->e, next))
			break;
		q++;
	}
	if (q == NULL)
		return 1; /* the caller finds no figures: not an event */
	lookup_host(ap_span_make(g, (size_t)(q - g)), ev);
	c->p = q + 1;
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
		if (!tip(c, ev, NEXT_HAS) || !AP_EAT(c, " has had more than "))
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
	ap_span failtext = ap_span_make(c->p, (size_t)(at - c->p));
	c->p = at;
	if (!tip(c, ev, NEXT_FIGURES) || !AP_EAT(c, ": ") || !FIGURES(c, ev, " in the last "))
		return 0;
	if (memchr(app.p, ',', app.n) == NULL) {
		ev->service = service_of(app);
		if (AP_SPAN_IIS(app, "directadmin"))
			ev->service = directadmin_service(failtext);
	}
	return 1;
}

/* "<tip>, N distributed <app> attacks on account [<acct>] in the last W secs"
 * and "<tip>, more than N Apache 404 hits in the last W secs" */
static int tip_block(ap_cur *c, ap_event *ev)
{
	if (!tip(c, ev, NEXT_COMMA) || !AP_EAT(c, ", "))
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

/* csf's own web UI (lfd.pl's UI server): "UI: *Invalid login* attempt
 * from IP [n/max]", "... attempts from IP [n/max] - Banned ..." (each a
 * refused login; n counts them from that address), the block that
 * follows, "UI: Invalid login attempts from <tip> - *Blocked in csf*",
 * and "UI: Successful login from IP" */
static int ui_line(ap_cur *c, ap_event *ev)
{
	ev->service = "panel";
	if (AP_EAT(c, "Successful login from ")) {
		ap_span ip = ap_cur_word(c);
		ap_cur_skip_blanks(c);
		if (c->p != c->e || !ap_set_ip(&ev->ip, ip.p, ip.n))
			return 0;
		ev->kind = AP_KIND_AUTH;
		ev->outcome = AP_OUT_SUCCESS;
		return 1;
	}
	if (AP_EAT(c, "*Invalid login* attempt from ")
	    || AP_EAT(c, "*Invalid login* attempts from ")) {
		ap_span ip = ap_cur_word(c);
		if (!AP_AT(c, " [") || !ap_set_ip(&ev->ip, ip.p, ip.n))
			return 0;
		ev->kind = AP_KIND_AUTH;
		ev->outcome = AP_OUT_FAILURE;
		return 1;
	}
	if (AP_EAT(c, "Invalid login attempts from "))
		return tip(c, ev, NEXT_BLOCKED) && AP_AT(c, " - *Blocked in csf*");
	return 0;
}

/* "*Webmin login* from IP into the ACC account" (lfd.pl's webminalert(),
 * from webmin's "Successful login as ACC from IP"): a success */
static int webmin_login(ap_cur *c, ap_event *ev)
{
	ap_span ip = ap_cur_word(c);
	if (!AP_EAT(c, " into the ") || !ap_set_ip(&ev->ip, ip.p, ip.n))
		return 0;
	const char *e = c->e;
	while (e > c->p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - c->p) <= AP_LEN(" account")
	    || !AP_HAS_PREFIX(e - AP_LEN(" account"), AP_LEN(" account"), " account"))
		return 0;
	ev->kind = AP_KIND_AUTH;
	ev->outcome = AP_OUT_SUCCESS;
	ev->service = "panel";
	ap_set_user(ev, c->p, (size_t)(e - AP_LEN(" account") - c->p));
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
	if (AP_EAT(&c, "UI: "))
		ok = ui_line(&c, ev);
	else if (AP_EAT(&c, "*Webmin login* from "))
		ok = webmin_login(&c, ev);
	else if (AP_AT(&c, "("))
		ok = app_block(&c, ev);
	else if (AP_EAT(&c, "*Port Scan* detected from "))
		ok = tip(&c, ev, NEXT_STOP) && AP_EAT(&c, ". ")
		     && FIGURES(&c, ev, " hits in the last ");
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
