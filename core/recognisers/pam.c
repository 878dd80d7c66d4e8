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
 * ruser= and user= are client-controlled and come either side of rhost=,
 * so a name holding " rhost=" can plant a second address.  A candidate
 * " rhost=H" is well formed only when H is followed by the end of the line
 * or by "user=".  Among the well-formed candidates the one whose ruser and
 * user agree (dovecot logs the same name in both) wins, otherwise the
 * first: "ruser=rhost=1.2.3.4 rhost=192.0.2.10" gives 192.0.2.10 and
 * "rhost=192.0.2.2 user=x rhost=192.0.2.152" gives 192.0.2.2.  A host
 * name in rhost= (sshd with UseDNS, vsftpd) becomes rdns.
 *
 * "check pass; user unknown" and pam_sss's "received for user" lines
 * describe the same attempt as the failure line next to them: not events.
 * The PAM service name gives daemon and service: sshd -> sshd/ssh (tls:
 * ssh is always encrypted), dovecot -> dovecot (protocol unknown), a
 * protocol name (imap, pop3, smtp, sieve, ...) -> that service with daemon
 * "pam"; anything else -> daemon "pam", no service. */
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

/* what follows a candidate host: end of line or "user=" */
static int tail_ok(const char *p, const char *e, ap_span *user, int *has_user)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e) {
		*has_user = 0;
		return 1;
	}
	if (AP_HAS_PREFIX(p, (size_t)(e - p), "user=")) {
		*user = ap_span_trim(
			ap_span_make(p + AP_LEN("user="), (size_t)(e - p) - AP_LEN("user=")));
		*has_user = 1;
		return 1;
	}
	return 0;
}

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
	ap_cur_skip_blanks(&c);
	if (!AP_EAT(&c, "authentication failure;"))
		return 0;

	ev->outcome = AP_OUT_FAILURE;
	set_service(ev, svc);
	int is_unix = AP_SPAN_IS(mod, "unix");

	/* logname=, uid=, euid= and tty= are set by the system; the first
	 * " ruser=" is the real one */
	if (!AP_SKIP_PAST(&c, " ruser="))
		return 1; /* cut short: a failure, nothing more known */
	const char *rv = c.p;

	int chosen = 0, chosen_has_user = 0;
	ap_span ch_host = { NULL, 0 }, ch_ruser = { NULL, 0 }, ch_user = { NULL, 0 };
	ap_cur k = ap_cur_make(rv, ap_cur_left(&c));
	/* an empty ruser: "ruser= rhost=" - the candidate starts at rv */
	while (AP_FIND(&k, " rhost=")) {
		const char *cand = k.p;
		k.p += 7;
		ap_cur h = k;
		ap_span host = ap_cur_word(&h);
		ap_span user = { NULL, 0 };
		int has_user = 0;
		if (!tail_ok(h.p, h.e, &user, &has_user))
			continue;
		ap_span ruser = ap_span_make(rv, (size_t)(cand - rv));
		int agree = has_user && user.n == ruser.n && user.n > 0
			    && memcmp(user.p, ruser.p, user.n) == 0;
		if (!chosen || agree) {
			chosen = 1 + agree;
			ch_host = host;
			ch_ruser = ruser;
			ch_user = user;
			chosen_has_user = has_user;
		}
		if (agree)
			break;
	}
	if (!chosen)
		return 1;
	ap_set_ip_or_rdns(ev, ch_host);
	if (chosen_has_user && ch_user.n > 0)
		ap_set_user(ev, ch_user.p, ch_user.n);
	else
		ap_set_user(ev, ch_ruser.p, ch_ruser.n);
	if (is_unix)
		ev->reason = chosen_has_user ? AP_R_BAD_PASSWORD : AP_R_UNKNOWN_USER;
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_pam = {
	AP_FAM_PAM,
	"pam",
	ap_rec_pam,
	(const char *const[]){ "auth", "auth-worker", "dovecot-auth", NULL },
};
