/* uwimap.c - UW-IMAP (University of Washington imapd, ipop3d, ipop2d;
 * also Panda IMAP and Alpine's imapd).  The tag imapd is shared with
 * courier, whose recogniser runs first.
 *
 * Failures (reason not told, except "disabled"):
 *   Login failed user=U auth=A host=H [ip]
 *   Login excessive login failures user=U auth=A host=H [ip]   (the attempt
 *       that hit the server's limit; the connection is then closed)
 *   Login disabled user=U auth=A host=H [ip]                   disabled
 *   Login SYSTEM BREAK-IN ATTEMPT user=U auth=A host=H [ip]    other
 *   Failed <name> override of user=U host=H [ip]              (uwmaster)
 *   AUTHENTICATE <MECH> failure host=H [ip]
 * Successes:
 *   Authenticated user=U host=H [ip][ mech=M]   Login user=U host=H [ip]
 *   Auth user=U host=H [ip] nmsgs=..            (ipop3d)
 * H is "name [ip]" or "[ip]" (tcp_clienthost); the name becomes rdns.
 * Service: imapd -> imap, ipop3d -> pop3, ipop2d -> pop2.
 *
 * Threat model (c-client env_unix.c server_login(): "Login %s user=%.64s
 * auth=%.64s host=%.80s"; imapd.c/ipop3d.c; tcp_unix.c tcp_clienthost()
 * and tcp_name()): UW writes "Login <err>", "host=" and the host part,
 * which ends the line (a checked PTR name without blanks, then the
 * address in brackets; cut at 80 bytes, which can cut the address off).
 * The client writes the user and the authentication id (the user again
 * for LOGIN), each at most 64 bytes and free to hold " auth=", " host="
 * and "[ip]".  Anchors: the host part is at the last " host=" (only a
 * success line has UW's own "mech=" or "nmsgs=" after it); the user of a
 * failure is the half of "U auth=U" when both halves are the same
 * (LOGIN), else it ends at the first " auth=".  A success needs UW's
 * "Login user="/"Authenticated user="/"Auth user=" at the start.  A PTR
 * name that reads as an address is no rdns.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static const char *service_of(const ap_line *ln)
{
	ap_span p = ap_span_make(ln->prog, ln->proglen);
	const char *slash = AP_MEMRMEM(p.p, p.n, "/");
	if (slash != NULL)
		p = ap_span_make(slash + 1, p.n - (size_t)(slash + 1 - p.p));
	if (AP_SPAN_IIS(p, "ipop3d"))
		return "pop3";
	if (AP_SPAN_IIS(p, "ipop2d"))
		return "pop2";
	if (AP_SPAN_IIS(p, "imapd"))
		return "imap";
	return NULL;
}

/* "host=H [ip][ mech=M]..." from the last " host=" in [p, e); returns the
 * position of that " host=" or NULL */
static const char *host_part(ap_event *ev, const char *p, const char *e)
{
	const char *h = AP_MEMRMEM(p, (size_t)(e - p), " host=");
	if (h == NULL)
		return NULL;
	ap_cur c = ap_cur_make(h + AP_LEN(" host="), (size_t)(e - h) - AP_LEN(" host="));
	ap_span name = { NULL, 0 };
	if (!AP_AT(&c, "[")) {
		name = ap_cur_word(&c);
		ap_cur_skip_blanks(&c);
	}
	if (AP_EAT(&c, "[")) {
		ap_span ip;
		if (ap_cur_until(&c, ']', &ip)) {
			c.p++;
			ap_addr probe;
			if (ap_set_ip(&ev->ip, ip.p, ip.n) && name.n > 0
			    && !ap_set_ip(&probe, name.p, name.n))
				ev->rdns = name;
		}
	}
	ap_cur_skip_blanks(&c);
	if (AP_EAT(&c, "mech=")) {
		ap_span m = ap_cur_word(&c);
		if (m.n > 0 && m.n <= 32)
			ev->mech = m;
	}
	return h;
}

/* "user=U[ auth=A] host=..." */
static int user_host(ap_cur *c, ap_event *ev, int has_auth)
{
	if (!AP_EAT(c, "user="))
		return 0;
	const char *u = c->p;
	const char *h = host_part(ev, u, c->e);
	if (h == NULL)
		return 0;
	const char *ue = h;
	if (has_auth) {
		/* "U auth=U" (LOGIN: the same name twice) splits in the
		 * middle whatever U holds; else the first " auth=" */
		size_t tn = (size_t)(h - u);
		size_t k = tn >= AP_LEN(" auth=") ? (tn - AP_LEN(" auth=")) / 2 : 0;
		const char *mid = u + k;
		if (tn >= AP_LEN(" auth=") && (tn - AP_LEN(" auth=")) % 2 == 0
		    && memcmp(mid, " auth=", AP_LEN(" auth=")) == 0
		    && memcmp(u, mid + AP_LEN(" auth="), k) == 0) {
			ue = mid;
		} else {
			const char *a = AP_MEMMEM(u, tn, " auth=");
			if (a != NULL)
				ue = a;
		}
	}
	ap_span user = ap_span_trim(ap_span_make(u, (size_t)(ue - u)));
	ap_set_user(ev, user.p, user.n);
	return 1;
}

static int rec_uwimap(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "uw-imap";
	ev->service = service_of(ln);

	if (AP_EAT(&c, "Login ")) {
		ev->outcome = AP_OUT_FAILURE;
		if (AP_EAT(&c, "failed ")) {
		} else if (AP_EAT(&c, "excessive login failures ")) {
		} else if (AP_EAT(&c, "disabled ")) {
			ev->reason = AP_R_DISABLED;
		} else if (AP_EAT(&c, "SYSTEM BREAK-IN ATTEMPT ")) {
			ev->reason = AP_R_OTHER;
		} else {
			ev->outcome = AP_OUT_SUCCESS;
			return user_host(&c, ev, 0);
		}
		return user_host(&c, ev, 1);
	}
	if (AP_EAT(&c, "Authenticated ") || AP_EAT(&c, "Auth ")) {
		ev->outcome = AP_OUT_SUCCESS;
		return user_host(&c, ev, 0);
	}
	if (AP_EAT(&c, "Failed ")) {
		/* "Failed uwmaster override of user=..." */
		ap_span who = ap_cur_word(&c);
		if (who.n == 0 || who.n > 64 || !AP_EAT(&c, " override of "))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		return user_host(&c, ev, 0);
	}
	if (AP_EAT(&c, "AUTHENTICATE ")) {
		ap_span m = ap_cur_word(&c);
		if (m.n == 0 || m.n > 32 || !AP_AT(&c, " failure host="))
			return 0;
		ev->mech = m;
		ev->outcome = AP_OUT_FAILURE;
		return host_part(ev, c.p, c.e) != NULL;
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_uwimap = {
	AP_FAM_UWIMAP,
	"uw-imap",
	rec_uwimap,
	(const char *const[]){ "imapd", "ipop3d", "ipop2d", NULL },
};
