/* sshd.c - OpenSSH sshd (tags sshd, sshd-session since 9.8, sshd-auth).
 *
 * Events (service ssh, daemon sshd, tls=true: ssh carries every credential
 * inside its encrypted transport):
 *   Failed <method> for [invalid user ]U from IP port N ssh2[: <key>]
 *       failure; invalid user -> unknown_user, password and
 *       keyboard-interactive -> bad_password, a refused key for an
 *       invalid user or a refused hostbased/gssapi credential -> other
 *   Failed <method> for <invalid username> from IP port N ssh2
 *       (SunSSH, Solaris and early OS X) failure unknown_user, no user
 *   Accepted <method> for U from IP port N ssh2[: <key>]      success
 *   Invalid user U from IP[ port N]   (Illegal user: OpenSSH < 3.9)
 *       failure unknown_user
 *   User U from HOST not allowed because ...                  failure disabled
 *   ROOT LOGIN REFUSED FROM HOST[ port N][ [preauth]]
 *       failure disabled, user root (auth.c auth_root_allowed(): logged
 *       when root gave the RIGHT credentials and PermitRootLogin refused
 *       them; sshd then also logs "Failed <method> for root")
 *   [error: ]PAM: Authentication failure|authentication error for
 *       [illegal user ]U from HOST[ via LOCAL]
 *       failure bad_password (illegal user: unknown_user); " via LOCAL"
 *       is Apple's sshd (auth-pam.c, OpenSSH-142..209: get_local_ipaddr())
 *       naming the server's own address: server_ip, never the client
 *   [error: ]PAM: User not known to the underlying authentication module
 *       for U from HOST                                       unknown_user
 *   [error: ]maximum authentication attempts exceeded for [invalid user ]U
 *       from IP port N ssh2[ [preauth]]
 *       failure, reason other (unknown_user for an invalid user): the
 *       connection reached MaxAuthTries
 *   Connection closed|reset by authenticating user U IP port N[ [preauth]]
 *       failure aborted: a real account's client went away during
 *       authentication without success
 *   Disconnecting invalid|authenticating user U IP port N: Change of
 *       username or service not allowed: (..) -> (..)[ [preauth]]
 *       failure (invalid: unknown_user, else other)
 *   [error: ]Received disconnect from IP[ port N]:3: <text>: Auth fail[ [preauth]]
 *       failure, no reason: the client (JSch) gives up after its
 *       credentials were refused
 * Events that name no address, reported through the connection table
 * (below; read alone, ap_parse, they are no events):
 *   User U not allowed because account is locked
 *   User U not allowed because shell S does not exist|is not executable
 *       failure disabled (auth.c allowed_user(): no host in these three)
 *   Disconnecting: Too many authentication failures[ for U][ [preauth]]
 *       failure other: MaxAuthTries before OpenSSH 6.8, which logged no
 *       "maximum authentication attempts exceeded" line (6.8 to 7.4 log
 *       both, and this one without U); U is dropped when the text
 *       reaches sshd's 100-byte cut
 * Prefixes a logger puts in front of the message are skipped: Solaris'
 * "[ID <n> <facility>.<level>] " and a kernel-time "kernel:[ <t>]: " /
 * "kernel: [ <t>] " that some journal set-ups add.
 * mech is the SSH method upper case without the PAM sub-method: PASSWORD,
 * PUBLICKEY, KEYBOARD-INTERACTIVE, HOSTBASED, GSSAPI-WITH-MIC.
 *
 * Counting, one event per refused credential:
 * - "Invalid user"/"not allowed" is logged once per connection, when the
 *   first request (the "none" probe) names the account; it stands for
 *   that probe.  "Failed none ..." (the same probe, and for a valid user
 *   logged at VERBOSE only) is therefore not an event.  Each later
 *   "Failed password for invalid user" is an event of its own.
 * - "Failed publickey for <real account>" is an event the detectors do
 *   not count ("counted": false): a client offers the keys of its agent
 *   one after the other and sshd logs each refused one, so a user with
 *   three keys logs two failures before the accepted one (fail2ban
 *   gh-1263 does not count them either).  A connection that ends without
 *   success still counts: "Connection closed by authenticating user"
 *   (aborted) or "maximum authentication attempts exceeded" (other).
 * - pam_unix/pam_sss "authentication failure;" lines under sshd repeat an
 *   attempt sshd logs itself ("Failed password", or "PAM: Authentication
 *   failure" for keyboard-interactive): not events here (fail2ban's sshd
 *   filter makes the same choice).  Under the auth tags they go to
 *   ap_rec_pam.
 * - "Disconnecting ...: Too many authentication failures" follows the
 *   "maximum authentication attempts exceeded" line of the same
 *   connection when sshd logs that line (6.8 and later): then it is no
 *   event; before 6.8 it is the connection's MaxAuthTries failure.
 *   "Connection closed by invalid user" follows its "Invalid user" line:
 *   not an event.  Neither are "Connection closed by IP", "Disconnected
 *   from [authenticating user U ]IP", "Did not receive identification
 *   string", "Postponed", "Partial", "Received disconnect" with another
 *   code or text, and key-exchange failures: no credential was refused
 *   (they may carry a waiting verdict of their connection, below).
 *
 * The connection table (session.h; ap_process only).  sshd logs every
 * line of one connection under one pid: the per-connection sshd (or
 * sshd-session) writes them, and its unprivileged child and sshd-auth
 * hand theirs to it ("[preauth]").  A small table keyed by the sending
 * host and that pid keeps, per connection, the client address sshd wrote
 * and two facts: that its MaxAuthTries failure was reported, and a
 * verdict that waits for an address.  Nothing a client typed goes in:
 * no user name, no text; an address goes in only from sshd's own
 * positions, read as the per-line rules below read it, and only when the
 * line is read one way (an ambiguous line adds nothing).
 * - "Connection from IP[ port N[ on LIP port LP[ rdomain "R"]]]"
 *   (LogLevel VERBOSE; sshd.c/sshd-session.c main(), every word sshd's)
 *   starts a connection: a new entry with its address and port.
 * - A line that carries sshd's address (every event above with an
 *   address, "Failed none" and a real account's "Failed publickey")
 *   writes it; an address other than the entry's means another
 *   connection under a pid used again: the entry starts anew.
 * - A verdict that names no address takes the entry's address (the
 *   event says "correlated": true).  Without one it waits, and the next
 *   line of the connection that carries sshd's address and is no event of
 *   its own reports it ("correlated", with that line's address, port and
 *   connection-id user): usually the line that ends the connection,
 *   "Connection closed|reset by", "Disconnected from", "Disconnecting
 *   <id>: Too many authentication failures", "Received disconnect from
 *   IP" (the address precedes the client's text).  A line that ends the
 *   connection and is an event of its own (a real account's "Connection
 *   closed by authenticating user", JSch's "Auth fail") stands for the
 *   connection: the waiting verdict is dropped.
 * - "Accepted" and the lines that end a connection forget it.
 * - An entry lives AP_SESS_TTL (120) seconds of the lines' own time after
 *   its last write: LoginGraceTime (120 s by default) ends a connection
 *   that has not authenticated by then, and only such a connection logs
 *   the lines that need the table.  A longer LoginGraceTime can leave a
 *   late verdict without its address (no event, as without the table).
 * - Bounds: 4096 entries (sets of 8 by a hash of host and pid, the
 *   oldest of a full set given up: a verdict then waits or goes
 *   unreported, never takes another connection's address), one mutex
 *   per 8 sets, nothing allocated per line.
 * - What can still go wrong: a pid used again within 120 seconds by a
 *   connection whose predecessor ended without any line read here (no
 *   "Connection from", no end line) and whose own first line is an
 *   address-less verdict would take the predecessor's address; Linux
 *   hands a pid out again only after the whole pid range (32768, or 4M
 *   with systemd's pid_max) was used.  Lines of one connection are
 *   expected in order; rsyslog workers that take two lines of one
 *   connection in two batches at once can swap them, which loses the
 *   verdict's address (no event), the same failure as a missing line.
 * - pam_unix "authentication failure;" lines stay no events: for
 *   keyboard-interactive, PAM runs in a process sshd forks (auth-pam.c's
 *   pthread emulation), whose pid names no connection; for password,
 *   sshd's own "Failed password" follows.
 * - Key probes are events the detectors do not count ("counted": false):
 *   a refused key ("Failed publickey/hostbased/gssapi...", failure) and
 *   "Postponed publickey" (the key would do; outcome unknown).
 *
 * Threat model (OpenSSH auth.c auth_log(), allowed_user(), getpwnamallow(),
 * auth_root_allowed(), auth_maxtries_exceeded(); auth-pam.c
 * sshpam_thread(); auth.c format_method_key(); packet.c
 * fmt_connection_id(), sshpkt_vfatal(), ssh_packet_disconnect() and the
 * SSH2_MSG_DISCONNECT handler; auth2.c ssh_packet_set_log_preamble()):
 *   "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s"
 * sshd writes the verdict, the method, "invalid user ", the address, the
 * port and "ssh2".  The client writes the user name (at most 100 bytes,
 * any text but NUL: sshd's log() turns control and 8-bit bytes into
 * octal escapes) and, after "ssh2: ", parts of the key description: a
 * certificate's key ID ("RSA-CERT SHA256:.. ID <key id> (serial N) CA
 * ..."), hostbased's client user and host, a GSSAPI display name.  So
 * both sides of the address may hold " from <ip> port <n> ssh2".
 * Anchors:
 * - Failed/Accepted: a candidate is a " from " followed by "HOST port N
 *   ssh2" and then the end or ": ".  sshd's own one is always a
 *   candidate, so when there is exactly one it is the address.  With
 *   several, a real account's name (Accepted, Failed without "invalid
 *   user") is a passwd entry, which holds no " from ": the first " from "
 *   is sshd's.  For an invalid user the name is the client's and so,
 *   for a key method, is the key description; a password line carries no
 *   description in OpenSSH, but other builds and fail2ban's reading
 *   ("ssh2: from <ip> port <n> ssh2" as planted auth info) disagree, so
 *   the line is read two ways: the event keeps its outcome, the user up
 *   to the first candidate, and no address or port (ambiguous).
 * - "Invalid user U from IP port N", "PAM: ... for U from HOST" and
 *   "maximum authentication attempts exceeded for U from IP port N ssh2"
 *   end with sshd's text: the address is the last " from ".  Apple's
 *   " via LOCAL" is taken off the end first (the last " via " followed
 *   by one address and the end of the line).
 * - "User U from HOST not allowed because ...": U is pw->pw_name (a real
 *   account), HOST sshd's (the address or a DNS name sshd checked): the
 *   first " from ".
 * - "ROOT LOGIN REFUSED FROM IP ..." and "Received disconnect from IP":
 *   the address follows sshd's fixed words, before any client text (the
 *   disconnect text after the code is the client's, and it only ever
 *   accuses the client itself).
 * - "Connection closed|reset by authenticating user U IP port N" and
 *   "Disconnecting ... user U IP port N: <msg>": the connection id is
 *   "<preamble> IP port N" with the client's U in the preamble.  The line
 *   ends with sshd's " IP port N[ [preauth]]": read from the end.  The
 *   "Change of username" message repeats U and the client's new name
 *   after the address, so its fixed text ": Change of username or service
 *   not allowed: (" must occur once; a second one (planted in a name)
 *   leaves user and address out (ambiguous).
 * - Success ("Accepted") is read only at the start of the message, which
 *   is sshd's.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/session.h"

/* what a line tells the connection table (see the opening comment) */
enum {
	S_NONE = 0,
	S_CONNECT, /* "Connection from IP ...": a new connection and its address */
	S_ADDR,    /* sshd wrote the client's address; the connection goes on */
	S_END,     /* sshd wrote the client's address; the connection ends */
	S_SUCCESS, /* Accepted: no verdict can follow */
	S_VERDICT  /* a failure that names no address */
};

typedef struct {
	int what;
	int maxtries; /* S_ADDR: "maximum authentication attempts exceeded" */
	int too_many; /* S_VERDICT: "Disconnecting: Too many authentication failures" */
} sess_line;

/* what follows " from ": HOST[ port N][ ssh2|ssh1], then the end (blanks
 * and " [preauth]" allowed) or, when key is set, ": " (sets *keyed) */
static int tail_ok(const char *p, const char *e, int key, ap_span *host, int32_t *port, int *keyed)
{
	ap_cur c = ap_cur_make(p, (size_t)(e - p));
	*host = ap_cur_word(&c);
	*port = -1;
	*keyed = 0;
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
	if (key && AP_AT(&c, ": ")) {
		*keyed = 1;
		return 1;
	}
	(void)AP_EAT(&c, " [preauth]");
	ap_cur_skip_blanks(&c);
	return c.p == c.e;
}

static void set_host(ap_event *ev, ap_span host, int32_t port, int hostnames)
{
	if (hostnames)
		ap_set_ip_or_rdns(ev, host);
	else
		ap_set_ip(&ev->ip, host.p, host.n);
	ev->port = port;
}

/* the line ends with sshd's text: user from u to the last " from ", then
 * the address (a DNS name too when hostnames is set) */
static int user_from_last(ap_event *ev, const char *u, const char *e, int hostnames)
{
	/* u follows a literal ending in ' ': an empty user gives "user  from" */
	const char *f = AP_MEMRMEM(u - 1, (size_t)(e - u + 1), " from ");
	ap_span host;
	int32_t port;
	int keyed;
	if (f == NULL || !tail_ok(f + AP_LEN(" from "), e, 0, &host, &port, &keyed))
		return 0;
	if (f > u)
		ap_set_user(ev, u, (size_t)(f - u));
	set_host(ev, host, port, hostnames);
	return 1;
}

/* a key method: the candidates are the " from "s followed by a
 * well-formed tail (see the opening comment) */
static int user_from_keyed(ap_event *ev, const char *u, const char *e, int real_account)
{
	ap_cur k = ap_cur_make(u - 1, (size_t)(e - u + 1));
	const char *first = NULL, *first_any = NULL;
	ap_span fhost = { NULL, 0 };
	int32_t fport = -1;
	int n = 0;
	while (n < 2 && AP_FIND(&k, " from ")) {
		const char *cand = k.p;
		k.p += AP_LEN(" from ");
		if (first_any == NULL)
			first_any = cand;
		ap_span host;
		int32_t port;
		int keyed;
		if (!tail_ok(k.p, e, 1, &host, &port, &keyed))
			continue;
		if (n++ == 0) {
			first = cand;
			fhost = host;
			fport = port;
		}
	}
	if (first == NULL)
		return 0;
	if (first > u)
		ap_set_user(ev, u, (size_t)(first - u));
	if (n == 1 || (real_account && first == first_any))
		set_host(ev, fhost, fport, 0);
	else
		ev->ambiguous = true;
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

static int failed_or_accepted(ap_cur *c, ap_event *ev, int ok, sess_line *sl)
{
	ap_span m = ap_cur_word(c);
	if (m.n == 0 || m.n > 64 || !AP_EAT(c, " for "))
		return 0;
	int invalid = !ok && AP_EAT(c, "invalid user ");
	/* SunSSH writes this in place of a name it did not find */
	int noname = !ok && !invalid && AP_AT(c, "<invalid username> from ");
	if (noname) {
		c->p += AP_LEN("<invalid username>");
		invalid = 1;
	}
	/* the "none" probe is no failure; its address (read as an event's) is
	 * the connection's */
	if (AP_SPAN_IS(m, "none")) {
		sl->what = S_ADDR;
		user_from_keyed(ev, c->p + (noname ? 1 : 0), c->e, noname || !invalid);
		return 0;
	}
	sl->what = ok ? S_SUCCESS : S_ADDR;
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
	if (noname) /* no client text on the line: " from ..." is sshd's */
		return user_from_keyed(ev, c->p + 1, c->e, 1);
	return user_from_keyed(ev, c->p, c->e, !invalid);
}

/* "U IP port N" ending at e (sshd's fmt_connection_id() after the
 * preamble "... user U"): sets user, ip and port; 0 if it is not */
static int user_ip_port_before(ap_event *ev, const char *u, const char *e)
{
	if (e <= u) /* the text after the preamble was blanks alone */
		return 0;
	const char *pk = AP_MEMRMEM(u, (size_t)(e - u), " port ");
	if (pk == NULL)
		return 0;
	ap_cur d = ap_cur_make(pk + AP_LEN(" port "), (size_t)(e - pk) - AP_LEN(" port "));
	int64_t port;
	if (!ap_cur_uint(&d, &port) || d.p != d.e || port > 65535)
		return 0;
	const char *h = pk;
	while (h > u && h[-1] != ' ')
		h--;
	if (h == pk)
		return 0;
	ap_set_ip(&ev->ip, h, (size_t)(pk - h));
	ev->port = (int32_t)port;
	if (h > u + 1)
		ap_set_user(ev, u, (size_t)(h - 1 - u));
	return 1;
}

/* the end of the message without trailing blanks and " [preauth]" */
static const char *end_of(ap_cur *c)
{
	const char *e = c->e;
	while (e > c->p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - c->p) >= AP_LEN(" [preauth]")
	    && AP_HAS_PREFIX(e - AP_LEN(" [preauth]"), AP_LEN(" [preauth]"), " [preauth]"))
		e -= AP_LEN(" [preauth]");
	return e;
}

/* "IP[ port N]" from p to e and nothing else (sshd's connection id
 * without a user, or before OpenSSH 7.x the address alone) */
static int ip_port_only(ap_event *ev, const char *p, const char *e)
{
	ap_cur d = ap_cur_make(p, (size_t)(e - p));
	ap_span host = ap_cur_word(&d);
	int64_t port = -1;
	if (AP_EAT(&d, " port ") && (!ap_cur_uint(&d, &port) || port > 65535))
		return 0;
	if (d.p != d.e || !ap_set_ip(&ev->ip, host.p, host.n))
		return 0;
	ev->port = (int32_t)port;
	return 1;
}

/* sshd's connection id "[invalid user U |authenticating user U |user U
 * ]IP port N" (or "IP[ port N]") from c to e: sets user, ip and port */
static int connection_id(ap_cur *c, ap_event *ev, const char *e)
{
	/* e was found before the preamble was eaten, its trailing blanks
	 * dropped: for a line cut right after "invalid user " (a client's
	 * name of blanks up to rsyslog's maxMessageSize) it lies before c->p */
	if (AP_EAT(c, "invalid user ") || AP_EAT(c, "authenticating user ") || AP_EAT(c, "user "))
		return e > c->p && user_ip_port_before(ev, c->p, e);
	return ip_port_only(ev, c->p, e);
}

/* "Connection closed|reset by <connection id>": an event for an
 * authenticating (real) user, otherwise the connection's end */
static int closed_by(ap_cur *c, ap_event *ev, sess_line *sl)
{
	if (!AP_EAT(c, "authenticating user ")) {
		if (connection_id(c, ev, end_of(c)))
			sl->what = S_END;
		return 0;
	}
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = AP_R_ABORTED;
	if (!user_ip_port_before(ev, c->p, end_of(c)))
		return 0;
	sl->what = S_END;
	return 1;
}

/* "Disconnecting <connection id>: Too many authentication failures"
 * (OpenSSH 7.5 and later, after "maximum authentication attempts
 * exceeded"): the connection's end */
static void disconnecting_too_many(ap_cur c, ap_event *ev, sess_line *sl)
{
	const char *e = end_of(&c);
	size_t n = (size_t)(e - c.p);
	if (n <= AP_LEN(": Too many authentication failures")
	    || !AP_HAS_PREFIX(e - AP_LEN(": Too many authentication failures"),
			      AP_LEN(": Too many authentication failures"),
			      ": Too many authentication failures"))
		return;
	if (connection_id(&c, ev, e - AP_LEN(": Too many authentication failures")))
		sl->what = S_END;
}

/* "Disconnecting: Too many authentication failures[ for U]" (OpenSSH
 * before 7.5; "for U" before 6.8): a verdict without address.  sshd cut
 * "Too many authentication failures for U" at 100 bytes: a user that
 * reaches the cut may be cut short and is left out. */
static int too_many(ap_cur *c, ap_event *ev, sess_line *sl)
{
	const char *t = c->p - AP_LEN("Too many authentication failures");
	const char *e = end_of(c);
	if (c->p != e && !AP_AT(c, " for "))
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = AP_R_OTHER;
	/* e was found with the line's trailing blanks (and " [preauth]")
	 * dropped, " for " then checked against the whole line: for an empty
	 * or blank user ("... failures for " cut there, or "for [preauth]")
	 * e lies inside " for " and precedes the user's start */
	if (c->p != e && e - t < 100 && e > c->p + AP_LEN(" for ")) {
		c->p += AP_LEN(" for ");
		ap_set_user(ev, c->p, (size_t)(e - c->p));
	}
	sl->what = S_VERDICT;
	sl->too_many = 1;
	return 0;
}

/* "User U not allowed because account is locked" and "User U not allowed
 * because shell S does not exist|is not executable" (auth.c
 * allowed_user(), which names no host there): a verdict without address;
 * U is pw_name, a real account */
static int not_allowed_no_host(ap_cur *c, ap_event *ev, sess_line *sl)
{
	const char *e = end_of(c);
	size_t n = (size_t)(e - c->p);
	const char *ue = NULL;
	if (AP_HAS_SUFFIX(c->p, n, " not allowed because account is locked")) {
		ue = e - AP_LEN(" not allowed because account is locked");
	} else if (AP_HAS_SUFFIX(c->p, n, " does not exist")
		   || AP_HAS_SUFFIX(c->p, n, " is not executable")) {
		ue = AP_MEMMEM(c->p, n, " not allowed because shell ");
	}
	if (ue == NULL || ue == c->p)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = AP_R_DISABLED;
	ap_set_user(ev, c->p, (size_t)(ue - c->p));
	sl->what = S_VERDICT;
	return 1;
}

/* "Connection from IP[ port N[ on LIP port LP[ rdomain "R"]]]" (LogLevel
 * VERBOSE; sshd.c / sshd-session.c main()): every word is sshd's */
static void connection_from(ap_cur *c, ap_event *ev, sess_line *sl)
{
	ap_span host = ap_cur_word(c);
	int64_t v;
	if (AP_EAT(c, " port ")) {
		if (!ap_cur_uint(c, &v) || v > 65535)
			return;
		ev->port = (int32_t)v;
		if (AP_EAT(c, " on ")) {
			(void)ap_cur_word(c);
			if (!AP_EAT(c, " port ") || !ap_cur_uint(c, &v))
				return;
			if (AP_EAT(c, " rdomain \"")) {
				const char *e = end_of(c);
				if (e == c->p || e[-1] != '"')
					return;
				c->p = e;
			}
		}
	}
	ap_cur_skip_blanks(c);
	if (c->p != c->e || !ap_set_ip(&ev->ip, host.p, host.n))
		return;
	sl->what = S_CONNECT;
}

/* "Disconnecting invalid|authenticating user U IP port N: Change of
 * username or service not allowed: (U,svc) -> (V,svc)" */
static int change_of_user(ap_cur *c, ap_event *ev)
{
	int invalid;
	if (AP_EAT(c, "invalid user "))
		invalid = 1;
	else if (AP_EAT(c, "authenticating user "))
		invalid = 0;
	else
		return 0;
	ap_cur k = *c;
	if (!AP_FIND(&k, ": Change of username or service not allowed: ("))
		return 0;
	const char *mk = k.p;
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = invalid ? AP_R_UNKNOWN_USER : AP_R_OTHER;
	k.p += AP_LEN(": Change of username or service not allowed: (");
	if (AP_FIND(&k, ": Change of username or service not allowed: (")) {
		ev->ambiguous = true;
		return 1;
	}
	user_ip_port_before(ev, c->p, mk);
	return 1;
}

/* "[error: ]maximum authentication attempts exceeded for [invalid user ]U
 * from IP port N ssh2" */
static int max_attempts(ap_cur *c, ap_event *ev)
{
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = AP_EAT(c, "invalid user ") ? AP_R_UNKNOWN_USER : AP_R_OTHER;
	return user_from_last(ev, c->p, c->e, 0);
}

/* "Received disconnect from IP[ port N]:[ ]<code>: <text>": the
 * connection's end; an event for JSch's "3: <text>: Auth fail" */
static int received_disconnect(ap_cur *c, ap_event *ev, sess_line *sl)
{
	const char *h = c->p;
	while (c->p < c->e && *c->p != ' ' && !(*c->p == ':' && c->p + 1 < c->e && c->p[1] == ' '))
		c->p++;
	ap_span host = ap_span_make(h, (size_t)(c->p - h));
	int64_t port = -1, code;
	if (AP_EAT(c, " port ")) {
		if (!ap_cur_uint(c, &port) || port > 65535)
			return 0;
	}
	if (!ap_cur_eatc(c, ':'))
		return 0;
	ap_cur_skip_blanks(c);
	if (!ap_cur_uint(c, &code))
		return 0;
	int text = AP_EAT(c, ": ");
	if (!text && !AP_EAT(c, ":") && c->p != end_of(c))
		return 0;
	if (ap_set_ip(&ev->ip, host.p, host.n)) {
		ev->port = (int32_t)port;
		sl->what = S_END;
	}
	if (code != 3 || !text)
		return 0;
	const char *e = end_of(c);
	size_t n = (size_t)(e - c->p);
	if (!(n == AP_LEN("Auth fail") && AP_HAS_PREFIX(c->p, n, "Auth fail"))
	    && !(n > AP_LEN(": Auth fail")
		 && AP_HAS_PREFIX(e - AP_LEN(": Auth fail"), AP_LEN(": Auth fail"), ": Auth fail")))
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	return 1;
}

/* "PAM: <pam_strerror> for [illegal user ]U from HOST[ via LOCAL]" */
static int pam_line(ap_cur *c, ap_event *ev)
{
	const char *p = c->p;
	size_t n = ap_cur_left(c);
	if (AP_HAS_IPREFIX(p, n, "authentication failure for ")) {
		c->p += AP_LEN("authentication failure for ");
		ev->reason = AP_R_BAD_PASSWORD;
	} else if (AP_HAS_IPREFIX(p, n, "authentication error for ")) {
		c->p += AP_LEN("authentication error for ");
		ev->reason = AP_R_BAD_PASSWORD;
	} else if (AP_EAT(c, "User not known to the underlying authentication module for ")) {
		ev->reason = AP_R_UNKNOWN_USER;
	} else {
		return 0;
	}
	ev->outcome = AP_OUT_FAILURE;
	if (AP_EAT(c, "illegal user "))
		ev->reason = AP_R_UNKNOWN_USER;
	/* Apple's " via <local address>" ends the line */
	const char *e = c->e;
	while (e > c->p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *via = AP_MEMRMEM(c->p, (size_t)(e - c->p), " via ");
	if (via != NULL) {
		const char *l = via + AP_LEN(" via ");
		ap_addr local;
		if (memchr(l, ' ', (size_t)(e - l)) == NULL
		    && ap_set_ip(&local, l, (size_t)(e - l))) {
			ev->server_ip = local;
			e = via;
		}
	}
	/* sshd's host ends the line; the user may be the client's */
	return user_from_last(ev, c->p, e, 1);
}

/* "[ID 800047 auth.info] " (Solaris syslog), "kernel:[  970.699396]: "
 * or "kernel: [  970.699397] " (a kernel time some journal set-ups put in
 * front) */
static void skip_logger_prefix(ap_cur *c)
{
	if (AP_AT(c, "[ID ")) {
		const char *rb = memchr(c->p, ']', ap_cur_left(c) < 64 ? ap_cur_left(c) : 64);
		if (rb != NULL && rb + 1 < c->e && rb[1] == ' ') {
			ap_cur t = ap_cur_make(c->p + AP_LEN("[ID "),
					       (size_t)(rb - c->p) - AP_LEN("[ID "));
			int64_t id;
			if (ap_cur_uint(&t, &id) && AP_EAT(&t, " ")
			    && memchr(t.p, '.', ap_cur_left(&t))
			    && memchr(t.p, ' ', ap_cur_left(&t)) == NULL)
				c->p = rb + 2;
		}
		return;
	}
	ap_cur t = *c;
	if (!AP_EAT(&t, "kernel:"))
		return;
	(void)AP_EAT(&t, " ");
	if (!ap_cur_eatc(&t, '['))
		return;
	ap_cur_skip_blanks(&t);
	int64_t v;
	if (!ap_cur_uint(&t, &v) || !ap_cur_eatc(&t, '.') || !ap_cur_uint(&t, &v)
	    || !ap_cur_eatc(&t, ']'))
		return;
	(void)ap_cur_eatc(&t, ':');
	if (!AP_EAT(&t, " "))
		return;
	*c = t;
}

/* one line alone: 1 for an event; *sl says what it tells the connection
 * table (rec_sshd) */
static int read_line(const ap_line *ln, ap_event *ev, sess_line *sl)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	ev->daemon = "sshd";
	ev->service = "ssh";
	ev->tls = 1;
	skip_logger_prefix(&c);

	if (AP_EAT(&c, "Failed "))
		return failed_or_accepted(&c, ev, 0, sl);
	if (AP_AT(&c, "Postponed publickey ") && AP_EAT(&c, "Postponed ")
	    && failed_or_accepted(&c, ev, 0, sl))
		return ev->outcome = AP_OUT_UNKNOWN, ev->reason = AP_R_NONE, 1;
	if (AP_EAT(&c, "Accepted "))
		return failed_or_accepted(&c, ev, 1, sl);
	if (AP_EAT(&c, "Invalid user ") || AP_EAT(&c, "Illegal user ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
		sl->what = S_ADDR;
		return user_from_last(ev, c.p, c.e, 0);
	}
	if (AP_EAT(&c, "User ")) {
		if (not_allowed_no_host(&c, ev, sl))
			return 0;
		/* U is a real account here (allowed_user() runs on a passwd
		 * entry): the first " from " */
		const char *u = c.p;
		if (!AP_FIND(&c, " from "))
			return 0;
		const char *ue = c.p;
		c.p += AP_LEN(" from ");
		ap_span host = ap_cur_word(&c);
		if (!AP_AT(&c, " not allowed because "))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		ap_set_user(ev, u, (size_t)(ue - u));
		ap_set_ip_or_rdns(ev, host);
		sl->what = S_ADDR;
		return 1;
	}
	if (AP_EAT(&c, "ROOT LOGIN REFUSED FROM ")) {
		ap_span host;
		int32_t port;
		int keyed;
		if (!tail_ok(c.p, c.e, 0, &host, &port, &keyed))
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		ev->user = AP_SPAN_LIT("root");
		/* before OpenSSH 3.x: get_canonical_hostname(), a checked name */
		set_host(ev, host, port, 1);
		sl->what = S_ADDR;
		return 1;
	}
	if (AP_EAT(&c, "Connection closed by ") || AP_EAT(&c, "Connection reset by "))
		return closed_by(&c, ev, sl);
	if (AP_EAT(&c, "Connection from ")) {
		connection_from(&c, ev, sl);
		return 0;
	}
	if (AP_EAT(&c, "Disconnected from ")) {
		if (connection_id(&c, ev, end_of(&c)))
			sl->what = S_END;
		return 0;
	}
	if (AP_EAT(&c, "Disconnecting: Too many authentication failures"))
		return too_many(&c, ev, sl);
	if (AP_EAT(&c, "Disconnecting ")) {
		ap_cur d = c;
		if (change_of_user(&d, ev)) {
			if (ev->ip.family != 0)
				sl->what = S_END;
			return 1;
		}
		disconnecting_too_many(c, ev, sl);
		return 0;
	}
	(void)AP_EAT(&c, "error: ");
	if (AP_EAT(&c, "maximum authentication attempts exceeded for ")) {
		sl->what = S_ADDR;
		sl->maxtries = 1;
		return max_attempts(&c, ev);
	}
	if (AP_EAT(&c, "Received disconnect from "))
		return received_disconnect(&c, ev, sl);
	if (AP_EAT(&c, "PAM: ")) {
		sl->what = S_ADDR;
		return pam_line(&c, ev);
	}
	return 0;
}

/* flags of a connection */
#define F_MAXTRIES 1 /* its MaxAuthTries failure was reported */

static int same_addr(const ap_addr *a, const ap_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, a->family == 4 ? 4 : 16) == 0;
}

/* a line and its reading, handed to the table's callback */
typedef struct {
	const sess_line *sl;
	ap_event *ev;
	int event; /* in: the line alone is an event; out: the line's answer */
} step;

/* the pending verdict of the connection, reported on this line, which
 * names the address and is no event of its own */
static void report_pending(ap_event *ev, const ap_conn *c)
{
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = (uint8_t)(c->pending - 1);
	ev->mech = ap_span_make(NULL, 0);
	ev->correlated = true;
}

/* the connection table's part (see the opening comment), under its lock */
static int step_fn(ap_conn *c, void *arg)
{
	step *st = arg;
	const sess_line *sl = st->sl;
	ap_event *ev = st->ev;
	switch (sl->what) {
	case S_CONNECT:
		memset(c, 0, sizeof(*c));
		c->addr = ev->ip;
		c->port = ev->port;
		return AP_CONN_KEEP;
	case S_SUCCESS: return AP_CONN_DROP;
	case S_ADDR:
	case S_END:
		if (c->addr.family != 0 && !same_addr(&c->addr, &ev->ip)) {
			/* another connection under a pid used again */
			memset(c, 0, sizeof(*c));
			c->port = -1;
		}
		if (c->pending != 0 && !st->event) {
			report_pending(ev, c);
			st->event = 1;
			c->pending = 0;
		}
		if (sl->what == S_END)
			return AP_CONN_DROP;
		c->addr = ev->ip;
		if (ev->port >= 0)
			c->port = ev->port;
		if (sl->maxtries)
			c->flags |= F_MAXTRIES;
		return AP_CONN_KEEP;
	case S_VERDICT:
		if (sl->too_many && (c->flags & F_MAXTRIES))
			return c->known ? AP_CONN_KEEP : AP_CONN_SKIP; /* reported */
		if (sl->too_many)
			c->flags |= F_MAXTRIES;
		if (c->addr.family != 0) {
			ev->ip = c->addr;
			ev->port = c->port;
			ev->correlated = true;
			st->event = 1;
		} else if (c->pending == 0) {
			/* wait for the line that names the address */
			c->pending = (uint8_t)(ev->reason + 1);
		}
		return AP_CONN_KEEP;
	default: return AP_CONN_SKIP;
	}
}

static int rec_sshd(const ap_line *ln, ap_event *ev)
{
	sess_line sl = { S_NONE, 0, 0 };
	int event = read_line(ln, ev, &sl);
	if (ln->sessions == NULL || sl.what == S_NONE)
		return event;
	/* only an address sshd wrote, read without doubt, goes to the table */
	if ((sl.what == S_CONNECT || sl.what == S_ADDR || sl.what == S_END)
	    && (ev->ip.family == 0 || ev->ambiguous))
		return event;
	step st = { &sl, ev, event };
	if (ap_sessions_update(ln, step_fn, &st) < 0)
		return event;
	return st.event;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_sshd = {
	AP_FAM_SSHD,
	"sshd",
	rec_sshd,
	(const char *const[]){ "sshd", "sshd-session", "sshd-auth", NULL },
};
