/* sshd.c - OpenSSH sshd (tags sshd, sshd-session since 9.8, sshd-auth).
 *
 * Events (service ssh, daemon sshd, tls=true: ssh carries every credential
 * inside its encrypted transport):
 *   Failed <method> for [invalid user ]U from IP port N ssh2[: <key>]
 *       failure; invalid user -> unknown_user, password and
 *       keyboard-interactive -> bad_password, a refused key (publickey,
 *       hostbased, gssapi) -> other
 *   Accepted <method> for U from IP port N ssh2[: <key>]      success
 *   Invalid user U from IP[ port N]   (Illegal user: OpenSSH < 3.9)
 *       failure unknown_user
 *   User U from HOST not allowed because ...                  failure disabled
 *   [error: ]PAM: Authentication failure for [illegal user ]U from HOST
 *       failure bad_password (illegal user: unknown_user);
 *   [error: ]PAM: User not known to the underlying authentication module
 *       for U from HOST                                       unknown_user
 * mech is the SSH method upper case without the PAM sub-method: PASSWORD,
 * PUBLICKEY, KEYBOARD-INTERACTIVE, HOSTBASED, GSSAPI-WITH-MIC.
 *
 * Counting, one event per refused credential:
 * - "Invalid user"/"not allowed" is logged once per connection, when the
 *   first request (the "none" probe) names the account; it stands for
 *   that probe.  "Failed none ..." (the same probe, and for a valid user
 *   logged at VERBOSE only) is therefore not an event.  Each later
 *   "Failed password for invalid user" is an event of its own.
 * - pam_unix/pam_sss "authentication failure;" lines under sshd repeat an
 *   attempt sshd logs itself ("Failed password", or "PAM: Authentication
 *   failure" for keyboard-interactive): not events here (fail2ban's sshd
 *   filter makes the same choice).  Under the auth tags they go to
 *   ap_rec_pam.
 * - "maximum authentication attempts exceeded" and "Disconnecting: Too many
 *   authentication failures" close a connection whose attempts were
 *   already logged one by one: not events.  Neither are "Connection closed
 *   by ...", "Did not receive identification string", "Postponed" (but
 *   see below) and "Partial".
 * - Key probes are events the detectors do not count ("counted": false):
 *   a refused key ("Failed publickey/hostbased/gssapi...", failure) and
 *   "Postponed publickey" (the key would do; outcome unknown).
 *
 * The user name of an invalid user is the client's and may hold " from ";
 * the address is then the last " from " whose tail is well formed.  For a
 * real account (Accepted, Failed for a valid user) the first well-formed
 * one is taken, as a key's certificate ID after "ssh2: " is client text
 * too. */
#include "recognisers/recogniser.h"

/* the tail after " from ": HOST[ port N][ ssh2][: key| [preauth]] */
static int tail_ok(const char *p, const char *e, int allow_key, ap_span *host, int32_t *port)
{
	ap_cur c = ap_cur_make(p, (size_t)(e - p));
	*host = ap_cur_word(&c);
	*port = -1;
	if (host->n == 0)
		return 0;
	if (AP_EAT(&c, " port ")) {
		int64_t v;
		if (!ap_cur_uint(&c, &v) || v > 65535)
			return 0;
		*port = (int32_t)v;
	}
	if (!AP_EAT(&c, " ssh2"))
		(void)AP_EAT(&c, " ssh1");
	if (allow_key && AP_AT(&c, ": "))
		return 1;
	(void)AP_EAT(&c, " [preauth]");
	ap_cur_skip_blanks(&c);
	return c.p == c.e;
}

/* user from u to the chosen " from ", then address and port */
static int user_from(ap_event *ev, const char *u, const char *e, int pick_last, int allow_key,
		     int hostnames)
{
	/* u follows a literal ending in ' ': an empty user gives "user  from" */
	ap_cur k = ap_cur_make(u - 1, (size_t)(e - u + 1));
	const char *best = NULL;
	ap_span bhost = { NULL, 0 };
	int32_t bport = -1;
	while (AP_FIND(&k, " from ")) {
		const char *cand = k.p;
		k.p += 6;
		ap_span host;
		int32_t port;
		if (!tail_ok(k.p, e, allow_key, &host, &port))
			continue;
		best = cand;
		bhost = host;
		bport = port;
		if (!pick_last)
			break;
	}
	if (best == NULL)
		return 0;
	if (best > u)
		ap_set_user(ev, u, (size_t)(best - u));
	if (hostnames)
		ap_set_ip_or_rdns(ev, bhost);
	else
		ap_set_ip(&ev->ip, bhost.p, bhost.n);
	ev->port = bport;
	return 1;
}

static void set_method(ap_event *ev, ap_span m)
{
	const char *slash = memchr(m.p, '/', m.n);
	if (slash != NULL)
		m.n = (uint32_t)(slash - m.p);
	ev->mech = m;
}

static int is_key_method(ap_span m)
{
	return AP_SPAN_IS(m, "publickey") || AP_SPAN_IS(m, "hostbased")
	       || (AP_HAS_PREFIX(m.p, m.n, "gssapi"));
}

static int failed_or_accepted(ap_cur *c, ap_event *ev, int ok)
{
	ap_span m = ap_cur_word(c);
	if (m.n == 0 || m.n > 64 || !AP_EAT(c, " for "))
		return 0;
	if (AP_SPAN_IS(m, "none"))
		return 0;
	int invalid = !ok && AP_EAT(c, "invalid user ");
	set_method(ev, m);
	ev->outcome = ok ? AP_OUT_SUCCESS : AP_OUT_FAILURE;
	ev->uncounted = !ok && is_key_method(m);
	if (!ok) {
		if (invalid)
			ev->reason = AP_R_UNKNOWN_USER;
		else if (is_key_method(m))
			ev->reason = AP_R_OTHER;
		else
			ev->reason = AP_R_BAD_PASSWORD;
	}
	return user_from(ev, c->p, c->e, invalid, 1, 0);
}

static int rec_sshd(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "sshd";
	ev->service = "ssh";
	ev->tls = 1;

	if (AP_EAT(&c, "Failed "))
		return failed_or_accepted(&c, ev, 0);
	if (AP_AT(&c, "Postponed publickey ") && AP_EAT(&c, "Postponed ")
	    && failed_or_accepted(&c, ev, 0))
		return ev->outcome = AP_OUT_UNKNOWN, ev->reason = AP_R_NONE, 1;
	if (AP_EAT(&c, "Accepted "))
		return failed_or_accepted(&c, ev, 1);
	if (AP_EAT(&c, "Invalid user ") || AP_EAT(&c, "Illegal user ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
		return user_from(ev, c.p, c.e, 1, 0, 0);
	}
	if (AP_EAT(&c, "User ")) {
		/* U is a real account here (allowed_user() runs on a passwd
		 * entry): the first " from " */
		const char *u = c.p;
		if (!AP_FIND(&c, " from "))
			return 0;
		const char *ue = c.p;
		c.p += 6;
		ap_span host = ap_cur_word(&c);
		if (!AP_AT(&c, " not allowed because "))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		ap_set_user(ev, u, (size_t)(ue - u));
		ap_set_ip_or_rdns(ev, host);
		return 1;
	}
	(void)AP_EAT(&c, "error: ");
	if (AP_EAT(&c, "PAM: ")) {
		int unknown = 0;
		if (AP_EAT(&c, "Authentication failure for ")) {
			ev->reason = AP_R_BAD_PASSWORD;
		} else if (AP_EAT(&c,
				  "User not known to the underlying authentication module for ")) {
			ev->reason = AP_R_UNKNOWN_USER;
			unknown = 1;
		} else {
			return 0;
		}
		ev->outcome = AP_OUT_FAILURE;
		int illegal = AP_EAT(&c, "illegal user ");
		if (illegal)
			ev->reason = AP_R_UNKNOWN_USER;
		/* an unknown or illegal user is the client's text */
		return user_from(ev, c.p, c.e, illegal || unknown, 0, 1);
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_sshd = {
	AP_FAM_SSHD,
	"sshd",
	rec_sshd,
	(const char *const[]){ "sshd", "sshd-session", "sshd-auth", NULL },
};
