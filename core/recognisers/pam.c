/* pam.c - the generic "authentication failure;" line of PAM modules
 * (pam_unix, pam_sss and the like) logged under a mail daemon's tag.
 *
 *   pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0
 *       tty=dovecot ruser=bob rhost=192.0.2.7  user=bob
 *   pam_unix(auth): ..., pam_unix: ..., (pam_unix) ..., pam_sss(imap:auth): ...
 *
 * Linux-PAM's pam_unix writes "ruser=%s rhost=%s %s%s" with " user=" only
 * when the account exists; when it does not, the preceding
 * "check pass; user unknown" line is the only hint and the failure line
 * has no user=.  So for pam_unix: user= present -> bad_password, absent ->
 * unknown_user (the name then comes from ruser=, which dovecot fills with
 * the login).  Other modules log user= either way: no reason.
 *
 * Threat model (Linux-PAM modules/pam_unix/support.c
 * _unix_verify_password(); dovecot src/auth/passdb-pam.c set_pam_items()):
 *   "authentication failure; logname=%s uid=%d euid=%d tty=%s ruser=%s
 *    rhost=%s %s%s"
 * logname, uid, euid and tty come from the system and the application
 * (dovecot sets tty=dovecot), rhost from the application (dovecot: the
 * client's address as text; sshd: the address or a checked DNS name).
 * ruser and user are the login name the client typed (dovecot sets both
 * to it), so either may hold " rhost=H  user=", and user= is last.
 * Anchor: the first " ruser=" is the module's (nothing before it is the
 * client's).  After it a reading is a " rhost=" candidate followed by
 * one word (the host) and either the end of the line (no user=: N) or
 * blanks and "user=" (U).  The real reading is always one of them, so a
 * single reading is the answer.  With several:
 * - dovecot (tty=dovecot) gives ruser and user the same name: a U reading
 *   is possible only when both agree, and at most one U reading can agree
 *   (their lengths differ from one candidate to the next).  pam_sss
 *   always writes user=, so N is not possible for it.  When exactly one
 *   possible reading remains it is taken.
 * - otherwise the line reads two ways: the event keeps its outcome and
 *   the user of the first reading, with no address (ambiguous), and a
 *   reason only when every reading gives the same.
 * "ruser=rhost=1.2.3.4 rhost=192.0.2.10" gives 192.0.2.10; "ruser=
 * rhost=192.0.2.2 user=x rhost=192.0.2.152" reads two ways.  Each
 * candidate is looked at once and only the one candidate whose ruser and
 * user have the same length is compared, so the scan is linear.  A host
 * name in rhost= (sshd with UseDNS, vsftpd) becomes rdns.
 *
 * "check pass; user unknown" and pam_sss's "received for user" lines
 * describe the same attempt as the failure line next to them: not events.
 * The PAM service name gives daemon and service: sshd -> sshd/ssh (tls:
 * ssh is always encrypted), dovecot -> dovecot (protocol unknown), a
 * protocol name (imap, pop3, smtp, sieve, ...) -> that service with daemon
 * "pam"; anything else -> daemon "pam", no service.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int is_mod_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* "pam_xxx" at c; returns the module name span (without "pam_") */
static int eat_module(ap_cur *c, ap_span *mod)
{
	if (!AP_EAT(c, "pam_"))
		return 0;
	const char *s = c->p;
	while (c->p < c->e && is_mod_char(*c->p))
		c->p++;
	if (c->p == s)
		return 0;
	*mod = ap_span_make(s, (size_t)(c->p - s));
	return 1;
}

static void set_service(ap_event *ev, ap_span svc)
{
	ev->daemon = "pam";
	if (svc.n == 0)
		return;
	if (AP_SPAN_IIS(svc, "sshd")) {
		ev->daemon = "sshd";
		ev->service = "ssh";
		ev->tls = 1;
		return;
	}
	if (AP_SPAN_IIS(svc, "dovecot")) {
		ev->daemon = "dovecot";
		return;
	}
	ev->service = ap_service_from_word(svc.p, svc.n, &ev->tls);
}

/* a reading: ruser is [rv, cand), the host the word after " rhost=", the
 * user (U readings) the rest of the line after "user=" */
typedef struct {
	const char *cand;
	ap_span host, user;
	int has_user;
} reading;

/* the candidate at k (" rhost=..."): 1 and *r when it is a reading */
static int read_at(const char *k, const char *e, reading *r)
{
	ap_cur c = ap_cur_make(k + AP_LEN(" rhost="), (size_t)(e - k) - AP_LEN(" rhost="));
	r->cand = k;
	r->host = ap_cur_word(&c);
	const char *b = c.p;
	ap_cur_skip_blanks(&c);
	if (c.p == c.e) {
		r->has_user = 0;
		r->user = ap_span_make(NULL, 0);
		return 1;
	}
	if (c.p == b || !AP_EAT(&c, "user="))
		return 0;
	r->has_user = 1;
	r->user = ap_span_make(c.p, ap_cur_left(&c));
	return 1;
}

static void set_reading(ap_event *ev, const reading *r, const char *rv, int is_unix)
{
	if (r->has_user && r->user.n > 0)
		ap_set_user(ev, r->user.p, r->user.n);
	else
		ap_set_user(ev, rv, (size_t)(r->cand - rv));
	if (is_unix)
		ev->reason = r->has_user ? AP_R_BAD_PASSWORD : AP_R_UNKNOWN_USER;
}

static int pam_failure(ap_cur c, ap_event *ev, ap_span mod, ap_span svc);

int ap_rec_pam(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ap_span mod = { NULL, 0 }, svc = { NULL, 0 };

	if (AP_EAT(&c, "(")) {
		/* "(pam_unix) authentication failure; ..." (Linux-PAM < 0.99) */
		if (!eat_module(&c, &mod) || !AP_EAT(&c, ")"))
			return 0;
	} else {
		if (!eat_module(&c, &mod))
			return 0;
		if (AP_EAT(&c, "(")) {
			/* "(svc:auth)" or "(auth)" */
			ap_span inner;
			if (!ap_cur_until(&c, ')', &inner) || inner.n == 0 || inner.n > 64)
				return 0;
			c.p++;
			const char *colon = memchr(inner.p, ':', inner.n);
			if (colon != NULL) {
				ap_span type = ap_span_make(
					colon + 1, inner.n - (size_t)(colon + 1 - inner.p));
				if (!AP_SPAN_IS(type, "auth"))
					return 0;
				svc = ap_span_make(inner.p, (size_t)(colon - inner.p));
			} else if (!AP_SPAN_IS(inner, "auth")) {
				return 0;
			}
		}
		if (!AP_EAT(&c, ":"))
			return 0;
	}
	return pam_failure(c, ev, mod, svc);
}

/* "authentication failure; ..." at c, the module and the PAM service
 * already read (from the message, or from a "SERVICE(pam_MOD)" tag) */
static int pam_failure(ap_cur c, ap_event *ev, ap_span mod, ap_span svc)
{
	ap_cur_skip_blanks(&c);
	if (!AP_EAT(&c, "authentication failure;"))
		return 0;

	ev->outcome = AP_OUT_FAILURE;
	set_service(ev, svc);
	int is_unix = AP_SPAN_IS(mod, "unix");

	/* logname=, uid=, euid= and tty= are set by the system and the
	 * application; the first " ruser=" is the real one */
	const char *tty = c.p;
	if (!AP_SKIP_PAST(&c, " ruser="))
		return 1; /* cut short: a failure, nothing more known */
	const char *rv = c.p;
	ap_cur t = ap_cur_make(tty, (size_t)(rv - tty));
	int dovecot = AP_SKIP_PAST(&t, " tty=dovecot ruser=") && t.p == rv;
	int always_user = AP_SPAN_IS(mod, "sss");

	/* the end of the line without trailing blanks, once */
	const char *e = c.e;
	while (e > rv && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	/* N is possible only at the last candidate */
	const char *last = AP_MEMRMEM(rv, (size_t)(e - rv), " rhost=");

	reading first, n_read, agree;
	int nread = 0, nu = 0, nagree = 0, has_n = 0;
	ap_cur k = ap_cur_make(rv, (size_t)(e - rv));
	/* an empty ruser: "ruser= rhost=" - the candidate starts at rv */
	while (AP_FIND(&k, " rhost=")) {
		reading r;
		int ok = read_at(k.p, e, &r);
		k.p += AP_LEN(" rhost=");
		if (!ok || (!r.has_user && r.cand != last))
			continue;
		if (nread++ == 0)
			first = r;
		if (!r.has_user) {
			has_n = 1;
			n_read = r;
			continue;
		}
		nu++;
		size_t rn = (size_t)(r.cand - rv);
		if (rn > 0 && rn == r.user.n && memcmp(rv, r.user.p, rn) == 0) {
			nagree++;
			agree = r;
		}
	}
	if (nread == 0)
		return 1;
	if (nread == 1) {
		set_reading(ev, &first, rv, is_unix);
		ap_set_ip_or_rdns(ev, first.host);
		return 1;
	}
	/* several readings: what the application tells apart */
	int n_possible = has_n && !always_user;
	const reading *pick = NULL;
	if (dovecot || always_user) {
		if (nagree == 1 && !n_possible)
			pick = &agree;
		else if (dovecot && nagree == 0 && n_possible)
			pick = &n_read;
	}
	if (pick != NULL) {
		set_reading(ev, pick, rv, is_unix);
		ap_set_ip_or_rdns(ev, pick->host);
		return 1;
	}
	set_reading(ev, &first, rv, is_unix);
	if (has_n && nu > 0)
		ev->reason = AP_R_NONE;
	ev->ambiguous = true;
	return 1;
}

/* the same, and also the bare "authentication failure; ..." some daemons
 * log (vsftpd), the module named in the tag ("vsftpd(pam_unix)[pid]") or
 * nowhere */
int ap_rec_pam_bare(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!AP_AT(&c, "authentication failure;"))
		return ap_rec_pam(ln, ev);
	ap_span mod = { NULL, 0 }, svc = { NULL, 0 };
	const char *m = AP_MEMMEM(ln->tag, ln->taglen, "(pam_");
	if (m != NULL) {
		ap_cur t = ap_cur_make(m + 1, ln->taglen - (size_t)(m + 1 - ln->tag));
		eat_module(&t, &mod);
	}
	return pam_failure(c, ev, mod, svc);
}

/* ------------------------------------------------------------------ */
/* any tag: the generic PAM line                                        */

/* Linux-PAM < 0.99.2 logged under the ident "SERVICE(pam_MOD)": the tag
 * then holds the module after the program name */
static int tag_module(const ap_line *ln, ap_span *mod)
{
	if (ln->prog < ln->tag || ln->proglen == 0)
		return 0;
	size_t off = (size_t)(ln->prog - ln->tag) + ln->proglen;
	if (off >= ln->taglen)
		return 0;
	ap_cur c = ap_cur_make(ln->tag + off, ln->taglen - off);
	if (!AP_EAT(&c, "(") || !eat_module(&c, mod) || !AP_EAT(&c, ")"))
		return 0;
	return 1;
}

int ap_pam_marker(const ap_line *ln)
{
	if (AP_HAS_PREFIX(ln->msg, ln->len, "pam_") || AP_HAS_PREFIX(ln->msg, ln->len, "(pam_"))
		return 1;
	size_t off = (size_t)(ln->prog - ln->tag) + ln->proglen;
	return ln->prog >= ln->tag && off < ln->taglen
	       && AP_HAS_PREFIX(ln->tag + off, ln->taglen - off, "(pam_");
}

/* services PAM knows by the daemon's name */
static const char *service_of_pam(ap_span svc)
{
	static const struct {
		const char *w;
		const char *svc;
	} map[] = {
		{ "vsftpd", "ftp" },    { "proftpd", "ftp" },           { "pure-ftpd", "ftp" },
		{ "ftpd", "ftp" },      { "wu-ftpd", "ftp" },           { "mysql", "mysql" },
		{ "mariadb", "mysql" }, { "postgresql", "postgresql" }, { "cockpit", "http" },
		{ "httpd", "http" },    { "webmin", "panel" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ap_span_ieq(svc, map[i].w, strlen(map[i].w)))
			return map[i].svc;
	return NULL;
}

/* the PAM service of "pam_MOD(SERVICE:auth)" at the start of the message */
static ap_span message_service(const ap_line *ln)
{
	ap_span mod, none = { NULL, 0 };
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!eat_module(&c, &mod) || !AP_EAT(&c, "("))
		return none;
	ap_span inner;
	if (!ap_cur_until(&c, ')', &inner) || inner.n > 64)
		return none;
	const char *colon = memchr(inner.p, ':', inner.n);
	return colon ? ap_span_make(inner.p, (size_t)(colon - inner.p)) : none;
}

int ap_rec_pam_any(const ap_line *ln, ap_event *ev)
{
	ap_span mod, svc;
	if (tag_module(ln, &mod)) {
		/* "pop(pam_unix)[4920]: authentication failure; ..." */
		svc = ap_span_make(ln->prog, ln->proglen);
		if (!pam_failure(ap_cur_make(ln->msg, ln->len), ev, mod, svc))
			return 0;
	} else {
		if (!ap_rec_pam(ln, ev))
			return 0;
		svc = message_service(ln);
	}
	if (ev->service == NULL && svc.n > 0)
		ev->service = service_of_pam(svc);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_pam = {
	AP_FAM_PAM,
	"pam",
	ap_rec_pam,
	(const char *const[]){ "auth", "auth-worker", "dovecot-auth", NULL },
};
