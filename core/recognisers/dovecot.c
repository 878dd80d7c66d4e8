/* dovecot.c - Dovecot 1.x, 2.0-2.3 and 2.4: the login processes and
 * the auth process with its workers.
 *
 * A line reaches us in one of these frames (the tag map sends the tags
 * dovecot, imap-login, pop3-login, submission-login, managesieve-login,
 * auth, auth-worker and dovecot-auth here):
 *   syslog:   tag "dovecot[pid]", msg "imap-login: Info: Login: ..."
 *             (1.x also repeats "dovecot: " inside the message)
 *   log_path: tag "imap-login" / "auth" / "auth-worker(304)", msg
 *             "Info: ..."; for 2.4's "auth(user,ip,sasl:login)<sess>: ..."
 *             ap_split_line gives tag "auth" and leaves the whole prefix
 *             in the message
 *   imfile:   the whole file line under a dovecot tag: a leading time
 *             stamp (and 1.x "dovecot: ") is skipped.
 * A daemontools/multilog TAI64N stamp ("@4000000063... ") is skipped
 * where it stands inside the message (multilog's lines relayed to
 * syslog); a PAM line behind the process name ("dovecot-auth:
 * pam_unix(dovecot:auth): authentication failure; ...", dovecot 1.x) is
 * read by ap_rec_pam.
 * A level word ("Info: ", "Warning: ", ...) may stand before or after the
 * process name.
 *
 * Login processes (client_get_log_str: "<what>: user=<..>, method=..,
 * rip=.., lip=.., mpid=.., TLS|secured, session=<..>"):
 *   "Login: " (2.x) and "Logged in: " (2.4) are successes.  Anything else
 *   is an event only when the text before the field list ends in one of
 *   dovecot's disconnect reasons "(...)" (2.4 adds a machine token group
 *   "(auth_failed)" after it, which is skipped): see login_reasons[].
 *   The free text before the reason may hold ':' and parentheses of its
 *   own ("Disconnected: Connection closed: read(size=1003) failed: ...");
 *   the field list starts at the first ": " followed by a field key, and
 *   the reason is the last balanced group before it, found by one
 *   backward scan -- every byte is looked at a bounded number of times.
 *   Dovecot 1.0 writes no group: "Aborted login" (the client logged out),
 *   "Disconnected" and "Disconnected: Inactivity" followed by the fields.
 *   Such a line is a failure (no reason, no attempts: 1.0 does not count
 *   them) when it names a user and a method -- the client started an
 *   authentication and left without the "Login:" a success would have
 *   logged, as 1.1 logs "(N authentication attempts)" -- and no event
 *   without them (a client that never tried).
 *
 * Auth process (auth_verbose=yes): "driver(user,ip[,<sess>]): verdict"
 * (2.3 and older; Debian's worker adds "conn unix:auth-worker (...):
 * auth-worker<N>: "), or 2.4's "auth(user,ip,sasl:mech)<sess>: [name: ]
 * verdict".  Verdicts: unknown user, Password mismatch, invalid
 * credentials, pam_authenticate() failed, pam_acct_mgmt() failed, policy
 * refusal.  "(given password: ...)" (auth_verbose_passwords=plain) is cut
 * out; "(SHA1 of given password: ...)" is a hash the admin asked for and
 * is kept.  2.4 logs each passdb verdict twice, once from the worker
 * ("auth-worker(user,ip)<pid><sess>: request [N]: ...") and once from the
 * auth process: the worker copy is not an event, except that a copy
 * carrying a password is reported with outcome=unknown (never counted as
 * an attack) so that its password is still cut out.
 *
 * Threat model (login-common/client-common.c get_var_expand_params() and
 * client_get_log_str(); auth/auth-request.c get_log_prefix(),
 * get_log_identifier(), auth_request_log_login_failure()):
 * - Login lines: dovecot writes the text before the field list (the
 *   verdict and its reason), the address, the local address, mpid, the
 *   TLS state and the session; the client writes the user (str_sanitize:
 *   control bytes and bad UTF-8 become '?', at most 80 bytes) and the
 *   method word (no blank).  The user is the first element and may hold
 *   '>', ", rip=", ", TLS" or ", session=<": the address is the last
 *   ", rip=" and the TLS state, lip, rport and session are read after it.
 *   The default format writes lip after rip, so a rip that ends the line
 *   may have lost its end to a relay that cut the line ("81.2.69.1" of
 *   "81.2.69.16"): a relay keeps at least 480 bytes of the whole frame
 *   (RFC 5424), so a message shorter than CUT_SAFE (480 less 128 bytes
 *   for the frame's header) is whole and its last rip is taken; a longer
 *   one is read two ways (ambiguous, no address).
 *   Success needs "Login: "/"Logged in: " at the start of the message.
 * - Auth lines: dovecot writes the driver or process name, the address,
 *   ",sasl:<mech>", ",master", the session, the verdict and "(given
 *   password: " ... ")"; the client writes the user inside the
 *   parentheses (str_sanitize'd to 64 bytes; it may hold ',', ')', "): "
 *   and a whole verdict) and, with auth_verbose_passwords, the password
 *   at the end (anything).  A reading is a ')' followed by the close
 *   (2.4: "<..>" groups, "request [N]") and a verdict that runs to the
 *   end of the line in one of dovecot's forms; a logged password counts
 *   only when the line ends with its ')' (or, for a line long enough to
 *   have been cut by a relay, anywhere).  dovecot's own reading is always
 *   one: a single reading is taken; several (a planted close in the user
 *   or in the password) give an ambiguous event without address, with
 *   every reading's password cut out.  In the group the address is the
 *   last token that is not sasl:, master or <session>; a request without
 *   an address whose user ends in ",<address>" (possible only with
 *   auth_username_chars emptied and an auth client that sends no rip)
 *   would read as that address: left as it is.
 *
 * One attempt, two lines: with auth_verbose=yes a failed attempt is the
 * auth process's verdict and again the login process's summary ("auth
 * failed, N attempts"); the verdict is marked AP_CORR_VERDICT, the summary
 * AP_CORR_SUMMARY, and detection counts the pair once (detectors.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

enum { P_NONE = 0, P_LOGIN, P_AUTH, P_WORKER };

typedef struct {
	int kind;
	const char *service; /* login processes */
	ap_span sess;        /* its session "<...>" */
	int worker_req;      /* 2.4 worker request prefix: a duplicate */
	int v24;             /* 2.4 prefix: the cursor stands in its "(user,ip...)" */
} proc_info;

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_name_ch(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '-'
	       || ch == '_' || ch == '.';
}

static int all_digits(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* prefixes                                                            */

static int skip_level(ap_cur *c)
{
	return AP_EAT(c, "Info: ") || AP_EAT(c, "Warning: ") || AP_EAT(c, "Error: ")
	       || AP_EAT(c, "Debug: ") || AP_EAT(c, "Fatal: ") || AP_EAT(c, "Panic: ");
}

/* "Mmm dd hh:mm:ss ", "YYYY-MM-DD hh:mm:ss[.frac] ", "@4000...(24 hex) " */
static int skip_time(ap_cur *c)
{
	const char *p = c->p;
	size_t n = ap_cur_left(c);
	size_t i;
	if (n >= 26 && p[0] == '@') {
		for (i = 1; i < 25; i++) {
			char ch = p[i];
			if (!is_digit(ch) && !(ch >= 'a' && ch <= 'f'))
				return 0;
		}
		if (p[25] != ' ')
			return 0;
		c->p += 26;
		return 1;
	}
	if (n >= 16 && p[3] == ' ' && ap_month_from_abbr(p, 3)) {
		i = 4;
		if (p[i] == ' ')
			i++;
		size_t ds = i;
		while (i < n && i - ds < 2 && is_digit(p[i]))
			i++;
		if (i == ds)
			return 0;
	} else if (n >= 20 && all_digits(p, 4) && p[4] == '-' && all_digits(p + 5, 2) && p[7] == '-'
		   && all_digits(p + 8, 2) && (p[10] == ' ' || p[10] == 'T')) {
		i = 10;
	} else {
		return 0;
	}
	/* " hh:mm:ss" */
	if (i + 10 > n || (p[i] != ' ' && p[i] != 'T') || !all_digits(p + i + 1, 2)
	    || p[i + 3] != ':' || !all_digits(p + i + 4, 2) || p[i + 6] != ':'
	    || !all_digits(p + i + 7, 2))
		return 0;
	i += 9;
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		i++;
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i >= n || p[i] != ' ')
		return 0;
	c->p += i + 1;
	return 1;
}

/* "dovecot: " or "dovecot[pid]: " repeated inside the message */
static int skip_self(ap_cur *c)
{
	if (AP_EAT(c, "dovecot: "))
		return 1;
	if (AP_AT(c, "dovecot[")) {
		const char *e = AP_MEMMEM(c->p, ap_cur_left(c) < 24 ? ap_cur_left(c) : 24, "]: ");
		if (e != NULL) {
			c->p = e + AP_LEN("]: ");
			return 1;
		}
	}
	return 0;
}

/* (the lengths counted by the compiler: this is tried on every line of
 * the dovecot tags) */
#define PROC(name, kind, service)                 \
	{                                         \
		name, AP_LEN(name), kind, service \
	}
static const struct {
	const char *name;
	size_t len;
	int kind;
	const char *service;
} procs[] = {
	PROC("imap-login", P_LOGIN, "imap"),
	PROC("pop3-login", P_LOGIN, "pop3"),
	PROC("submission-login", P_LOGIN, "submission"),
	PROC("managesieve-login", P_LOGIN, "sieve"),
	PROC("auth", P_AUTH, NULL),
	PROC("dovecot-auth", P_AUTH, NULL),
	PROC("auth-worker", P_WORKER, NULL),
};
#undef PROC

static int proc_by_name(const char *p, size_t n, proc_info *pi)
{
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
		if (n == procs[i].len && memcmp(p, procs[i].name, n) == 0) {
			pi->kind = procs[i].kind;
			pi->service = procs[i].service;
			return 1;
		}
	}
	return 0;
}

/* a 2.3 process group "(304)" or 1.x "(default)": a pid or a name */
static int simple_group(const char *p, const char *e)
{
	const char *s = p;
	while (p < e && p - s < 24 && ((*p >= 'a' && *p <= 'z') || is_digit(*p)))
		p++;
	return p > s && e - p >= 2 && p[0] == ')' && p[1] == ':';
}

/* "<proc>[(pid)][<a>][<b>]: " at the cursor; moves past it on success.
 * 2.4's "<proc>(user,ip,...)" stops at the '(' (pi->v24): its end is
 * found by parse_auth. */
static int parse_proc(ap_cur *c, proc_info *pi)
{
	ap_cur t = *c;
	const char *s = t.p;
	while (t.p < t.e && t.p - s <= 24
	       && ((*t.p >= 'a' && *t.p <= 'z') || is_digit(*t.p) || *t.p == '-'))
		t.p++;
	if (!proc_by_name(s, (size_t)(t.p - s), pi))
		return 0;
	if (ap_cur_eatc(&t, '(')) {
		if (pi->kind != P_LOGIN && !simple_group(t.p, t.e)) {
			pi->v24 = 1;
			/* 2.4's worker request copy: "auth-worker(user,ip)<pid>..." */
			pi->worker_req = pi->kind == P_WORKER;
			*c = t;
			return 1;
		}
		ap_span g;
		if (!ap_cur_until(&t, ')', &g))
			return 0;
		t.p++;
	}
	int ngroups = 0;
	while (t.p < t.e && *t.p == '<' && ngroups < 4) {
		ap_span g;
		t.p++;
		if (!ap_cur_until(&t, '>', &g))
			return 0;
		t.p++;
		ngroups++;
		/* the worker's first group is its pid */
		if (pi->kind != P_WORKER || ngroups >= 2)
			pi->sess = g;
	}
	if (!ap_cur_eatc(&t, ':'))
		return 0;
	ap_cur_skip_blanks(&t);
	*c = t;
	return 1;
}

/* ------------------------------------------------------------------ */
/* auth process                                                        */

/* The line, as far as every reading of it shares: its end without
 * trailing blanks, and where a logged password would end. */
typedef struct {
	const char *e;
	const char *pwend; /* before the closing ')' (and " - trying ...") */
	int closed;        /* the line ends as a logged password does */
	int pw_ok;         /* a "(given password: " tail may be a reading */
	int v24;           /* 2.4 prefix close: "<..>" groups, "request [N]" */
	int worker;        /* ... the first group is the worker's pid */
} auth_line;

/* one reading: the args group closes at `close` */
typedef struct {
	const char *close;
	const char *pw; /* the logged password starts here, or NULL */
	uint8_t reason;
	ap_span sess; /* 2.4: the session group after the ')' */
} auth_reading;

static int is_hex(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* a pam_strerror() text: words, no digits, ':', '<' or '>' (so it never
 * runs over an address, a session or a "): ") */
static void skip_strerror(ap_cur *c)
{
	const char *s = c->p;
	while (c->p < c->e && c->p - s < 160) {
		unsigned char ch = (unsigned char)*c->p;
		if (is_digit((char)ch) || ch == ':' || ch == '<' || ch == '>' || ch < 0x20)
			break;
		if (ch == ' ' && c->p + 1 < c->e && c->p[1] == '(')
			break;
		c->p++;
	}
}

/* what may follow a verdict: the end, a logged password, its SHA1 */
static int verdict_tail(const auth_line *al, ap_cur c, auth_reading *r)
{
	if (c.p == al->e)
		return 1;
	if (AP_EAT(&c, " (given password: ")) {
		if (!al->pw_ok)
			return 0;
		r->pw = c.p;
		return 1;
	}
	if (AP_EAT(&c, " (SHA1 of given password: ")) {
		const char *s = c.p;
		while (c.p < c.e && c.p - s < 128 && is_hex(*c.p))
			c.p++;
		if (!ap_cur_eatc(&c, ')'))
			return 0;
		(void)(AP_EAT(&c, " - trying the next passdb")
		       || AP_EAT(&c, " - trying the next userdb"));
		return c.p == al->e;
	}
	return 0;
}

/* the verdict at p, running to the end of the line (auth-request.c
 * auth_request_log_login_failure(), passdb-pam.c, passdb-ldap.c,
 * auth-policy.c) */
static int verdict_at(const auth_line *al, const char *p, auth_reading *r)
{
	ap_cur c = ap_cur_make(p, (size_t)(al->e - p));
	for (int i = 0; i < 2 && skip_level(&c); i++)
		;
	/* 2.4: the passdb or userdb name */
	const char *n = c.p;
	while (c.p < c.e && c.p - n < 64 && is_name_ch(*c.p))
		c.p++;
	if (c.p == n || !AP_EAT(&c, ": "))
		c.p = n;
	r->pw = NULL;
	if (AP_EAT(&c, "unknown user")) {
		r->reason = AP_R_UNKNOWN_USER;
		return verdict_tail(al, c, r);
	}
	if (AP_EAT(&c, "Password mismatch")) {
		r->reason = AP_R_BAD_PASSWORD;
		(void)AP_EAT(&c, " (for LDAP bind)");
		return verdict_tail(al, c, r);
	}
	if (AP_EAT(&c, "invalid credentials")) {
		r->reason = AP_R_BAD_PASSWORD;
		return verdict_tail(al, c, r);
	}
	if (AP_EAT(&c, "pam_authenticate() failed: ")) {
		if (AP_AT(&c, "User not known"))
			r->reason = AP_R_UNKNOWN_USER;
		else if (AP_AT(&c, "Authentication failure"))
			r->reason = AP_R_BAD_PASSWORD;
		else
			r->reason = AP_R_OTHER;
		skip_strerror(&c);
		if (c.p == al->e)
			return 1;
		if (AP_EAT(&c, " (password mismatch?)") || AP_EAT(&c, " (Password mismatch?)"))
			return verdict_tail(al, c, r);
		/* "(/etc/pam.d/dovecot missing?)" */
		if (AP_EAT(&c, " (")) {
			const char *s = c.p;
			while (c.p < c.e && c.p - s < 256 && *c.p != ')' && *c.p != ' ')
				c.p++;
			return AP_EAT(&c, " missing?)") && c.p == al->e;
		}
		return 0;
	}
	if (AP_EAT(&c, "pam_acct_mgmt() failed")) {
		/* the password was right, the account may not log in */
		r->reason = AP_R_DISABLED;
		if (c.p == al->e)
			return 1;
		if (!AP_EAT(&c, ": "))
			return 0;
		skip_strerror(&c);
		return c.p == al->e;
	}
	if (AP_EAT(&c, "Authentication failure due to policy server refusal")) {
		r->reason = AP_R_OTHER;
		return c.p == al->e || (AP_AT(&c, " (") && al->closed);
	}
	return 0;
}

/* a ')' at q closing the args group: 1 and *r when a verdict follows */
static int close_at(const auth_line *al, const char *q, auth_reading *r)
{
	ap_cur c = ap_cur_make(q + 1, (size_t)(al->e - q - 1));
	r->close = q;
	r->sess = ap_span_make(NULL, 0);
	if (al->v24) {
		for (int g = 0; g < 2 && c.p < c.e && *c.p == '<'; g++) {
			const char *s = ++c.p;
			while (c.p < c.e && c.p - s < 64 && *c.p != '>')
				c.p++;
			if (!ap_cur_eatc(&c, '>'))
				return 0;
			if (!al->worker || g == 1)
				r->sess = ap_span_make(s, (size_t)(c.p - 1 - s));
		}
		if (AP_EAT(&c, ": request [")) {
			int64_t id;
			if (!ap_cur_uint(&c, &id) || !ap_cur_eatc(&c, ']'))
				return 0;
		}
	}
	if (!AP_EAT(&c, ": "))
		return 0;
	return verdict_at(al, c.p, r);
}

/* "user[,ip][,sasl:mech][,master][,<sess>]" split from the right: the
 * tokens after the user hold no ',' and are short (a user name may hold
 * anything).  The address is the last token that is none of the others;
 * a last token that is no address belongs to the user. */
static void auth_args(ap_event *ev, const char *s, const char *e)
{
	for (int i = 0; i < 5; i++) {
		const char *comma = NULL;
		for (const char *q = e; q > s && e - q < 80; q--) {
			if (q[-1] == ',') {
				comma = q - 1;
				break;
			}
		}
		if (comma == NULL)
			break;
		ap_span tok = ap_span_make(comma + 1, (size_t)(e - comma - 1));
		if (tok.n == 0) {
			/* empty session */
		} else if (tok.p[0] == '<') {
			if (tok.n < 2 || tok.p[tok.n - 1] != '>')
				break;
			ev->session = ap_span_make(tok.p + 1, tok.n - 2);
		} else if (tok.n > AP_LEN("sasl:") && AP_HAS_PREFIX(tok.p, tok.n, "sasl:")) {
			ev->mech = ap_span_make(tok.p + AP_LEN("sasl:"), tok.n - AP_LEN("sasl:"));
		} else if (AP_SPAN_IS(tok, "master")) {
			/* master user login */
		} else {
			if (ap_set_ip(&ev->ip, tok.p, tok.n))
				e = comma;
			else
				ev->ip.family = 0;
			break;
		}
		e = comma;
	}
	ap_span user = ap_span_make(s, (size_t)(e - s));
	if (!AP_SPAN_IS(user, "?"))
		ap_set_user(ev, user.p, user.n);
}

#define MAX_READINGS (AP_MAX_REDACT + 1)

/* The args group [a, ...) and its verdict.  Threat model: dovecot writes
 * the driver, the address, "sasl:<mech>", "master", the session and the
 * verdict; the user (str_sanitize'd to 64 bytes) and a logged password
 * are the client's, either side of the ')' that closes the group.  Every
 * ')' followed by the close and a verdict that runs to the end of the
 * line is a reading; dovecot's own is always one of them.  One reading:
 * it.  Several: the user could have planted a close and a verdict, or
 * the password could: the event keeps the first reading's user, no
 * address (ambiguous), and every reading's password is cut out. */
static int auth_group(const ap_line *ln, ap_event *ev, const auth_line *al, const char *a)
{
	auth_reading rd[MAX_READINGS];
	int n = 0, same_reason = 1;
	for (const char *q = a; q < al->e;) {
		q = memchr(q, ')', (size_t)(al->e - q));
		if (q == NULL)
			break;
		auth_reading r;
		if (close_at(al, q, &r)) {
			if (n > 0 && r.reason != rd[0].reason)
				same_reason = 0;
			if (n < MAX_READINGS)
				rd[n] = r;
			n++;
		}
		q++;
	}
	if (n == 0)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->reason = same_reason ? rd[0].reason : AP_R_NONE;
	auth_args(ev, a, rd[0].close);
	if (rd[0].sess.n > 0)
		ev->session = rd[0].sess;
	if (n == 1) {
		if (rd[0].pw != NULL)
			ap_add_redact(ev, ln, rd[0].pw, (size_t)(al->pwend - rd[0].pw));
		return 1;
	}
	ev->ambiguous = true;
	memset(&ev->ip, 0, sizeof(ev->ip));
	/* every reading's password: its own tail, but the next reading's
	 * close and verdict stay, so that the message still reads the same
	 * ways; with more readings than ranges, all from the first */
	const char *first_pw = NULL;
	for (int i = 0; i < n && i < MAX_READINGS; i++)
		if (rd[i].pw != NULL && first_pw == NULL)
			first_pw = rd[i].pw;
	if (first_pw == NULL)
		return 1;
	int split = n <= AP_MAX_REDACT;
	for (int i = 0; split && i + 1 < n; i++)
		if (rd[i].pw != NULL && rd[i].pw > rd[i + 1].close)
			split = 0;
	if (!split) {
		ap_add_redact(ev, ln, first_pw, (size_t)(al->pwend - first_pw));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (rd[i].pw == NULL)
			continue;
		const char *end = i + 1 < n ? rd[i + 1].close : al->pwend;
		if (end > rd[i].pw)
			ap_add_redact(ev, ln, rd[i].pw, (size_t)(end - rd[i].pw));
	}
	return 1;
}

static void auth_line_init(const ap_line *ln, auth_line *al, ap_cur c)
{
	memset(al, 0, sizeof(*al));
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	al->e = e;
	al->pwend = e;
	static const struct {
		const char *t;
		size_t n;
	} tails[] = { { ") - trying the next passdb", AP_LEN(") - trying the next passdb") },
		      { ") - trying the next userdb", AP_LEN(") - trying the next userdb") },
		      { ")", AP_LEN(")") } };
	size_t n = (size_t)(e - c.p);
	for (size_t i = 0; i < 3; i++) {
		size_t tl = tails[i].n;
		if (n >= tl && memcmp(e - tl, tails[i].t, tl) == 0) {
			al->pwend = e - tl;
			al->closed = 1;
			break;
		}
	}
	/* a password runs to the ')' that ends the line; a line that does
	 * not end so was cut short by a relay, which only a long one can be
	 * (syslog relays keep at least 480 bytes) */
	al->pw_ok = al->closed || ln->len >= 400;
}

static int parse_auth(const ap_line *ln, ap_event *ev, ap_cur c, const proc_info *pi)
{
	auth_line al;
	auth_line_init(ln, &al, c);
	c.e = al.e;
	const char *group = NULL;
	if (pi->v24) {
		/* 2.4: the process prefix "auth(user,ip,...)<sess>: " */
		al.v24 = 1;
		al.worker = pi->kind == P_WORKER;
		group = c.p;
	} else {
		for (int i = 0; i < 4; i++) {
			if (skip_level(&c))
				continue;
			/* Debian/2.3 worker connection prefix */
			if (AP_AT(&c, "conn ")) {
				if (!AP_SKIP_PAST(&c, "): "))
					return 0;
				continue;
			}
			if (AP_AT(&c, "auth-worker<")) {
				if (!AP_SKIP_PAST(&c, ">: "))
					return 0;
				continue;
			}
			if (AP_AT(&c, "request [")) {
				if (!AP_SKIP_PAST(&c, "]: "))
					return 0;
				continue;
			}
			break;
		}
		/* "driver(args): verdict" */
		ap_cur t = c;
		const char *s = t.p;
		while (t.p < t.e && is_name_ch(*t.p) && t.p - s < 64)
			t.p++;
		if (t.p > s && ap_cur_eatc(&t, '('))
			group = t.p;
	}

	int ok;
	if (group != NULL) {
		ok = auth_group(ln, ev, &al, group);
	} else {
		/* the verdict alone ("name: verdict") */
		auth_reading r;
		ok = verdict_at(&al, c.p, &r);
		if (ok) {
			ev->outcome = AP_OUT_FAILURE;
			ev->reason = r.reason;
			if (r.pw != NULL)
				ap_add_redact(ev, ln, r.pw, (size_t)(al.pwend - r.pw));
		}
	}
	if (!ok) {
		/* a verdict we do not know that carries a password: cut it out
		 * and report a failure with nothing else (dovecot logs the
		 * given password only with a failed login) */
		const char *from = group != NULL ? group : c.p;
		const char *m = AP_MEMMEM(from, (size_t)(al.e - from), "(given password: ");
		if (m == NULL)
			return 0;
		m += AP_LEN("(given password: ");
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_OTHER;
		ap_add_redact(ev, ln, m, (size_t)((al.pwend > m ? al.pwend : al.e) - m));
	}
	if (ev->session.n == 0 && pi->sess.n > 0)
		ev->session = pi->sess;

	if (pi->worker_req) {
		if (ev->nredact == 0)
			return 0;
		ev->outcome = AP_OUT_UNKNOWN;
		ev->reason = AP_R_NONE;
	} else {
		ev->corr = AP_CORR_VERDICT; /* the login summary repeats it */
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* login processes                                                     */

enum { R_FAIL = 1, R_UNKNOWN, R_NOT };

/* (the lengths counted by the compiler: every login process's summary,
 * most of them "no auth attempts", is tried against the list) */
#define REASON(phrase, verdict, reason, tls)                 \
	{                                                    \
		phrase, AP_LEN(phrase), verdict, reason, tls \
	}
static const struct {
	const char *phrase;
	size_t len;
	uint8_t verdict;
	uint8_t reason;
	int8_t tls; /* 0: the attempt was in plaintext */
} login_reasons[] = {
	REASON("auth failed", R_FAIL, AP_R_NONE, -1),
	REASON("tried to use disabled plaintext auth", R_FAIL, AP_R_DISABLED, 0),
	REASON("tried to use disallowed plaintext auth", R_FAIL, AP_R_DISABLED, 0),
	REASON("tried to use disallowed cleartext auth", R_FAIL, AP_R_DISABLED, 0),
	REASON("user disabled", R_FAIL, AP_R_DISABLED, -1),
	REASON("password expired", R_FAIL, AP_R_DISABLED, -1),
	REASON("login disabled", R_FAIL, AP_R_DISABLED, -1),
	REASON("anonymous logins disabled", R_FAIL, AP_R_DISABLED, -1),
	REASON("authorization failed", R_FAIL, AP_R_OTHER, -1),
	REASON("proxy dest auth failed", R_FAIL, AP_R_NONE, -1),
	REASON("proxy dest authentication failure", R_FAIL, AP_R_NONE, -1),
	REASON("proxy dest temporary authentication failure", R_UNKNOWN, AP_R_NONE, -1),
	REASON("auth process communication failure", R_UNKNOWN, AP_R_NONE, -1),
	REASON("auth service reported temporary failure", R_UNKNOWN, AP_R_NONE, -1),
	REASON("tried to use unsupported auth mechanism", R_UNKNOWN, AP_R_NONE, -1),
	REASON("sent invalid base64 in response", R_UNKNOWN, AP_R_NONE, -1),
	REASON("disconnected while authenticating", R_UNKNOWN, AP_R_NONE, -1),
	/* everything else -- no auth attempts, disconnected before auth
	 * was ready, client didn't finish SASL auth, aborted
	 * authentication, auth aborted by client, disconnected during TLS
	 * handshake, internal failure, connection limit, ... -- is not a
	 * credential check */
};
#undef REASON

/* the balanced "(...)" group that ends at e[-1] == ')'; returns its
 * opening '(' or NULL */
static const char *group_open(const char *s, const char *e)
{
	if (e <= s || e[-1] != ')')
		return NULL;
	int depth = 0;
	for (const char *q = e; q > s; q--) {
		if (q[-1] == ')') {
			depth++;
		} else if (q[-1] == '(') {
			if (--depth == 0)
				return q - 1;
		}
	}
	return NULL;
}

static const char *trim_back(const char *s, const char *e)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e;
}

static int is_token(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || is_digit(p[i]) || p[i] == '_'))
			return 0;
	return 1;
}

/* the disconnect reason of summary text [s, e) */
static int login_reason(ap_event *ev, const char *s, const char *e)
{
	e = trim_back(s, e);
	const char *open = group_open(s, e);
	if (open == NULL)
		return 0;
	ap_span g = ap_span_make(open + 1, (size_t)(e - 1 - (open + 1)));
	if (is_token(g.p, g.n)) {
		/* 2.4: "(human reason) (event_reason)" */
		e = trim_back(s, open);
		open = group_open(s, e);
		if (open == NULL)
			return 0;
		g = ap_span_make(open + 1, (size_t)(e - 1 - (open + 1)));
	}
	ap_cur c = ap_cur_make(g.p, g.n);
	int64_t n;
	if (ap_cur_uint(&c, &n) && AP_EAT(&c, " authentication attempts")) {
		/* 1.x "(1 authentication attempts)" */
		if (n == 0)
			return 0;
		ev->outcome = AP_OUT_FAILURE;
		ev->attempts = (int32_t)(n > INT32_MAX ? INT32_MAX : n);
		ev->corr = AP_CORR_SUMMARY;
		return 1;
	}
	c = ap_cur_make(g.p, g.n);
	for (size_t i = 0; i < sizeof(login_reasons) / sizeof(login_reasons[0]); i++) {
		if (c.p == c.e || *c.p != login_reasons[i].phrase[0]
		    || !ap_cur_eat(&c, login_reasons[i].phrase, login_reasons[i].len))
			continue;
		/* the phrase ends there: "auth failed" must not match
		 * "auth failed-over", say */
		if (c.p < c.e && *c.p != ',')
			return 0;
		ev->outcome = login_reasons[i].verdict == R_FAIL ? AP_OUT_FAILURE : AP_OUT_UNKNOWN;
		ev->reason = login_reasons[i].reason;
		if (login_reasons[i].tls == 0)
			ev->tls = 0;
		if (AP_EAT(&c, ", ") && ap_cur_uint(&c, &n) && AP_AT(&c, " attempts"))
			ev->attempts = (int32_t)(n > INT32_MAX ? INT32_MAX : n);
		if (i == 0) /* "auth failed": the summary of the verdicts above */
			ev->corr = AP_CORR_SUMMARY;
		return 1;
	}
	return 0;
}

/* does a field key start at p? */
static int field_key_at(const char *p, const char *e)
{
	ap_cur c = { p, e };
	return AP_AT(&c, "user=<") || AP_AT(&c, "method=") || AP_AT(&c, "rip=")
	       || AP_AT(&c, "lip=");
}

/* "<value>" closed by a '>' that ends the item; cursor after the '>' */
static int angle_value(ap_cur *c, ap_span *out)
{
	const char *s = c->p;
	const char *q = s;
	while (q < c->e) {
		const char *gt = memchr(q, '>', (size_t)(c->e - q));
		if (gt == NULL)
			return 0;
		if (gt + 1 == c->e || gt[1] == ',') {
			*out = ap_span_make(s, (size_t)(gt - s));
			c->p = gt + 1;
			return 1;
		}
		q = gt + 1;
	}
	return 0;
}

/* plain value up to ", " or the end; *last set when nothing follows */
static ap_span item_value(ap_cur *c, int *last)
{
	const char *s = c->p;
	const char *f = AP_MEMMEM(s, ap_cur_left(c), ", ");
	*last = f == NULL;
	c->p = f ? f : c->e;
	return ap_span_make(s, (size_t)(c->p - s));
}

/* the method element before the rip element: "method=M" ending at q */
static int method_before(const char *list, const char *q, ap_span *m)
{
	const char *f = AP_MEMRMEM(list, (size_t)(q - list), ", method=");
	if (f == NULL)
		return 0;
	const char *v = f + AP_LEN(", method=");
	if (q - v < 1 || q - v > 40)
		return 0;
	for (const char *p = v; p < q; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || is_digit(*p)
		      || *p == '-' || *p == '_'))
			return 0;
	*m = ap_span_make(v, (size_t)(q - v));
	return 1;
}

/* the field list [list, e): "user=<U>, method=M, rip=R, lip=L, mpid=N,
 * TLS, session=<S>" (login_log_format_elements).  U is the client's
 * (str_sanitize'd to 80 bytes: no control bytes, but any '>', ',' or
 * "rip="); M is the client's word (no blank); everything from rip= on
 * is dovecot's.  So the rip element is the last ", rip=", the user runs
 * from "user=<" to the '>' before the method or rip element, and the TLS
 * state and the rest are read after rip only. */
/* a message this long or longer may have been cut by a relay (RFC 5424:
 * every receiver takes 480 bytes, counted with the header, for which 128
 * are left) */
#define CUT_SAFE (480 - 128)

static int login_fields(ap_event *ev, const char *list, const char *e, size_t msglen)
{
	const char *relem = AP_MEMRMEM(list, (size_t)(e - list), ", rip=");
	const char *rv;
	if (relem != NULL) {
		rv = relem + AP_LEN(", rip=");
	} else if (AP_HAS_PREFIX(list, (size_t)(e - list), "rip=")) {
		relem = list;
		rv = list + AP_LEN("rip=");
	} else {
		/* no address: the user alone */
		ap_cur c = ap_cur_make(list, (size_t)(e - list));
		ap_span v;
		if (AP_EAT(&c, "user=<") && angle_value(&c, &v))
			ap_set_user(ev, v.p, v.n);
		return 1;
	}
	if (relem > list && AP_HAS_PREFIX(list, (size_t)(relem - list), "user=<")) {
		const char *q = relem;
		ap_span m;
		if (method_before(list, relem, &m)) {
			ev->mech = m;
			q = m.p - AP_LEN(", method=");
		}
		const char *u = list + AP_LEN("user=<");
		if (q > u && q[-1] == '>') {
			ap_set_user(ev, u, (size_t)(q - 1 - u));
		} else {
			/* another format: the first '>' that ends an item; an
			 * unclosed user is a line we do not know */
			ap_cur c = ap_cur_make(u, (size_t)(relem - u));
			ap_span v;
			if (!angle_value(&c, &v))
				return 0;
			ap_set_user(ev, v.p, v.n);
		}
	}

	ap_cur c = ap_cur_make(rv, (size_t)(e - rv));
	int saw_lip = 0, saw_tls = 0, last;
	ap_span v = item_value(&c, &last);
	if (last)
		while (v.n > 0 && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
			v.n--;
	/* the default format always has lip after rip: a rip that ends the
	 * line may have been cut short, which only a long line can be */
	if (!ap_set_ip(&ev->ip, v.p, v.n))
		ev->ip.family = 0;
	else if (last && msglen >= CUT_SAFE)
		ev->ambiguous = true;
	while (AP_EAT(&c, ", ")) {
		if (AP_EAT(&c, "session=<")) {
			if (!angle_value(&c, &v))
				break;
			ev->session = v;
			continue;
		}
		if (AP_EAT(&c, "lip=")) {
			v = item_value(&c, &last);
			saw_lip = 1;
			if (!ap_set_ip(&ev->server_ip, v.p, v.n))
				ev->server_ip.family = 0;
		} else if (AP_EAT(&c, "rport=")) {
			v = item_value(&c, &last);
			ap_cur d = ap_cur_make(v.p, v.n);
			int64_t port;
			if (ap_cur_uint(&d, &port) && d.p == d.e && port <= 65535)
				ev->port = (int32_t)port;
		} else if (AP_AT(&c, "TLS")
			   && (ap_cur_left(&c) == 3 || c.p[3] == ',' || c.p[3] == ':'
			       || c.p[3] == ' ' || c.p[3] == 'v')) {
			/* "TLS", "TLS: Disconnected", "TLSv1.3 with cipher ...",
			 * "TLS handshaking: ..." */
			saw_tls = 1;
			ev->tls = 1;
			item_value(&c, &last);
		} else if (AP_AT(&c, "secured") && (ap_cur_left(&c) == 7 || c.p[7] == ',')) {
			/* 1.x: TLS; 2.x: a trusted or local connection that
			 * dovecot treats as secure */
			saw_tls = 1;
			ev->tls = 1;
			item_value(&c, &last);
		} else {
			item_value(&c, &last);
		}
	}
	/* the default login_log_format_elements always print the TLS state
	 * (%c / %{secured}): without it the client logged in in plaintext */
	if (!saw_tls && saw_lip && ev->tls < 0)
		ev->tls = 0;
	return 1;
}

/* dovecot 1.0's summaries, which carry no reason group: "Aborted
 * login" (the client logged out), "Disconnected" (it closed the
 * connection), "Disconnected: Inactivity" (it timed out) */
static int v10_summary(const char *s, const char *e)
{
	ap_span t = ap_span_make(s, (size_t)(e - s));
	return AP_SPAN_IS(t, "Aborted login") || AP_SPAN_IS(t, "Disconnected")
	       || AP_SPAN_IS(t, "Disconnected: Inactivity");
}

static int parse_login(ap_event *ev, ap_cur c, const proc_info *pi, size_t msglen)
{
	int v10 = 0;
	skip_level(&c);
	ev->service = pi->service;
	if (AP_EAT(&c, "Login: ") || AP_EAT(&c, "Logged in: ")) {
		ev->outcome = AP_OUT_SUCCESS;
	} else {
		/* the field list starts at the first ": " followed by a key */
		const char *body = c.p;
		const char *list = NULL;
		ap_cur t = c;
		while (AP_FIND(&t, ": ")) {
			if (field_key_at(t.p + 2, t.e)) {
				list = t.p;
				break;
			}
			t.p += 2;
		}
		if (list == NULL)
			return 0; /* no fields: nobody to attribute it to */
		if (!login_reason(ev, body, list)) {
			if (!v10_summary(body, list))
				return 0;
			/* 1.0: the client gave a name under a mechanism and left
			 * without a "Login:": its attempt failed (1.1 counts it,
			 * "(1 authentication attempts)"); how many is unknown */
			v10 = 1;
			ev->outcome = AP_OUT_FAILURE;
		}
		c.p = list + 2;
	}
	if (!login_fields(ev, c.p, c.e, msglen))
		return 0;
	if (v10 && (ev->user.n == 0 || ev->mech.n == 0))
		return 0;
	if (ev->user.n == 0 && ev->ip.family == 0)
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */

static int rec_dovecot(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	for (int i = 0; i < 4; i++)
		if (!(skip_time(&c) || skip_self(&c) || skip_level(&c)))
			break;

	proc_info pi;
	memset(&pi, 0, sizeof(pi));
	int in_msg = parse_proc(&c, &pi);
	if (!in_msg) {
		/* the process is the tag (dovecot's own log file) */
		memset(&pi, 0, sizeof(pi));
		if (!proc_by_name(ln->prog, ln->proglen, &pi))
			return 0;
	}
	ev->kind = AP_KIND_AUTH;
	ev->daemon = "dovecot";
	if (pi.kind == P_LOGIN)
		return parse_login(ev, c, &pi, ln->len);
	/* "dovecot-auth: pam_unix(dovecot:auth): authentication failure; ..."
	 * inside the message (1.x behind "dovecot: " or a multilog stamp):
	 * PAM's own line.  (Under the auth tags it goes to the pam family.) */
	if (in_msg && !pi.v24 && (AP_AT(&c, "pam_") || AP_AT(&c, "(pam_"))) {
		ap_line sub = *ln;
		sub.msg = c.p;
		sub.len = ap_cur_left(&c);
		return ap_rec_pam(&sub, ev);
	}
	return parse_auth(ln, ev, c, &pi);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_dovecot = {
	AP_FAM_DOVECOT,
	"dovecot",
	rec_dovecot,
	(const char *const[]){ "dovecot", "imap-login", "pop3-login", "submission-login",
			       "managesieve-login", "auth", "auth-worker", "dovecot-auth", NULL },
};
