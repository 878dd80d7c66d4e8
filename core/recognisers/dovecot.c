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
 * One attempt, two lines: with auth_verbose=yes a failed attempt is the
 * auth process's verdict and again the login process's summary ("auth
 * failed, N attempts"); the verdict is marked AP_CORR_VERDICT, the summary
 * AP_CORR_SUMMARY, and detection counts the pair once (detectors.c).
 */
#include "recognisers/recogniser.h"

enum { P_NONE = 0, P_LOGIN, P_AUTH, P_WORKER };

typedef struct {
	int kind;
	const char *service; /* login processes */
	ap_span args;        /* "(...)" of the process prefix */
	ap_span sess;        /* its session "<...>" */
	int worker_req;      /* 2.4 worker request prefix: a duplicate */
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

static int span_has(ap_span s, char ch)
{
	return s.n > 0 && memchr(s.p, ch, s.n) != NULL;
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
	if (n >= 16 && ap_month_from_abbr(p, 3) && p[3] == ' ') {
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

static const struct {
	const char *name;
	int kind;
	const char *service;
} procs[] = {
	{ "imap-login", P_LOGIN, "imap" },
	{ "pop3-login", P_LOGIN, "pop3" },
	{ "submission-login", P_LOGIN, "submission" },
	{ "managesieve-login", P_LOGIN, "sieve" },
	{ "auth", P_AUTH, NULL },
	{ "dovecot-auth", P_AUTH, NULL },
	{ "auth-worker", P_WORKER, NULL },
};

static int proc_by_name(const char *p, size_t n, proc_info *pi)
{
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
		if (ap_span_eq(ap_span_make(p, n), procs[i].name, strlen(procs[i].name))) {
			pi->kind = procs[i].kind;
			pi->service = procs[i].service;
			return 1;
		}
	}
	return 0;
}

/* "<proc>[(args)][<a>][<b>]: " at the cursor; moves past it on success */
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
		if (!ap_cur_until(&t, ')', &pi->args))
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
	/* 2.4's worker request copy: "auth-worker(user,ip)<pid>..." */
	if (pi->kind == P_WORKER && span_has(pi->args, ','))
		pi->worker_req = 1;
	*c = t;
	return 1;
}

/* ------------------------------------------------------------------ */
/* auth process                                                        */

/* "user,ip[,<sess>|,sasl:mech|,master|,]": split from the right (the IP
 * and the extra tokens hold no ','; a user name may) */
static void auth_args(ap_event *ev, ap_span a)
{
	const char *s = a.p, *e = a.p + a.n;
	for (int i = 0; i < 5; i++) {
		const char *comma = NULL;
		for (const char *q = e; q > s; q--) {
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
			if (tok.n >= 2 && tok.p[tok.n - 1] == '>')
				ev->session = ap_span_make(tok.p + 1, tok.n - 2);
		} else if (tok.n > AP_LEN("sasl:") && AP_HAS_PREFIX(tok.p, tok.n, "sasl:")) {
			ev->mech = ap_span_make(tok.p + AP_LEN("sasl:"), tok.n - AP_LEN("sasl:"));
		} else if (AP_SPAN_IS(tok, "master")) {
			/* master user login */
		} else {
			if (!ap_set_ip(&ev->ip, tok.p, tok.n))
				ev->ip.family = 0;
			e = comma;
			break;
		}
		e = comma;
	}
	ap_span user = ap_span_make(s, (size_t)(e - s));
	if (!AP_SPAN_IS(user, "?"))
		ap_set_user(ev, user.p, user.n);
}

/* "(given password: X)" at c: X runs to the ')' that ends the line (or
 * precedes " - trying the next passdb/userdb"); a line cut short loses
 * everything after the marker */
static void redact_given(const ap_line *ln, ap_event *ev, ap_cur c)
{
	if (!AP_SKIP_PAST(&c, "(given password: "))
		return;
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	static const char *const tails[] = { ") - trying the next passdb",
					     ") - trying the next userdb", ")" };
	size_t n = (size_t)(e - c.p);
	for (size_t i = 0; i < 3; i++) {
		size_t tl = strlen(tails[i]);
		if (n >= tl && memcmp(e - tl, tails[i], tl) == 0) {
			ap_add_redact(ev, ln, c.p, n - tl);
			return;
		}
	}
	ap_add_redact(ev, ln, c.p, (size_t)(c.e - c.p));
}

static int parse_auth(const ap_line *ln, ap_event *ev, ap_cur c, const proc_info *pi)
{
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

	/* "driver(args): ", 2.4 "name: " or the verdict itself */
	ap_span args = { NULL, 0 };
	ap_cur t = c;
	const char *s = t.p;
	while (t.p < t.e && is_name_ch(*t.p) && t.p - s < 64)
		t.p++;
	if (t.p > s && t.p < t.e && *t.p == '(') {
		const char *open = t.p + 1;
		if (!AP_SKIP_PAST(&t, "): "))
			return 0;
		args = ap_span_make(open, (size_t)(t.p - 3 - open));
		c = t;
	} else if (t.p > s && AP_AT(&t, ": ")) {
		c.p = t.p + 2;
	}

	ev->outcome = AP_OUT_FAILURE;
	if (AP_EAT(&c, "unknown user")) {
		ev->reason = AP_R_UNKNOWN_USER;
	} else if (AP_EAT(&c, "Password mismatch") || AP_EAT(&c, "invalid credentials")) {
		ev->reason = AP_R_BAD_PASSWORD;
	} else if (AP_EAT(&c, "pam_authenticate() failed: ")) {
		if (AP_AT(&c, "User not known"))
			ev->reason = AP_R_UNKNOWN_USER;
		else if (AP_AT(&c, "Authentication failure"))
			ev->reason = AP_R_BAD_PASSWORD;
		else
			ev->reason = AP_R_OTHER;
	} else if (AP_EAT(&c, "pam_acct_mgmt() failed")) {
		/* the password was right, the account may not log in */
		ev->reason = AP_R_DISABLED;
	} else if (AP_EAT(&c, "Authentication failure due to policy server refusal")) {
		ev->reason = AP_R_OTHER;
	} else if (AP_MEMMEM(c.p, ap_cur_left(&c), "(given password: ") != NULL) {
		/* dovecot logs the given password only with a login failure */
		ev->reason = AP_R_OTHER;
	} else {
		return 0;
	}
	redact_given(ln, ev, c);

	if (args.p != NULL)
		auth_args(ev, args);
	else if (span_has(pi->args, ','))
		auth_args(ev, pi->args);
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

static const struct {
	const char *phrase;
	uint8_t verdict;
	uint8_t reason;
	int8_t tls; /* 0: the attempt was in plaintext */
} login_reasons[] = {
	{ "auth failed", R_FAIL, AP_R_NONE, -1 },
	{ "tried to use disabled plaintext auth", R_FAIL, AP_R_DISABLED, 0 },
	{ "tried to use disallowed plaintext auth", R_FAIL, AP_R_DISABLED, 0 },
	{ "tried to use disallowed cleartext auth", R_FAIL, AP_R_DISABLED, 0 },
	{ "user disabled", R_FAIL, AP_R_DISABLED, -1 },
	{ "password expired", R_FAIL, AP_R_DISABLED, -1 },
	{ "login disabled", R_FAIL, AP_R_DISABLED, -1 },
	{ "anonymous logins disabled", R_FAIL, AP_R_DISABLED, -1 },
	{ "authorization failed", R_FAIL, AP_R_OTHER, -1 },
	{ "proxy dest auth failed", R_FAIL, AP_R_NONE, -1 },
	{ "proxy dest authentication failure", R_FAIL, AP_R_NONE, -1 },
	{ "proxy dest temporary authentication failure", R_UNKNOWN, AP_R_NONE, -1 },
	{ "auth process communication failure", R_UNKNOWN, AP_R_NONE, -1 },
	{ "auth service reported temporary failure", R_UNKNOWN, AP_R_NONE, -1 },
	{ "tried to use unsupported auth mechanism", R_UNKNOWN, AP_R_NONE, -1 },
	{ "sent invalid base64 in response", R_UNKNOWN, AP_R_NONE, -1 },
	{ "disconnected while authenticating", R_UNKNOWN, AP_R_NONE, -1 },
	/* everything else -- no auth attempts, disconnected before auth
	 * was ready, client didn't finish SASL auth, aborted
	 * authentication, auth aborted by client, disconnected during TLS
	 * handshake, internal failure, connection limit, ... -- is not a
	 * credential check */
};

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
		if (!ap_cur_eat(&c, login_reasons[i].phrase, strlen(login_reasons[i].phrase)))
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

static void login_fields(ap_event *ev, ap_cur c)
{
	int saw_rip = 0, saw_lip = 0, saw_tls = 0, last;
	while (c.p < c.e) {
		ap_span v;
		if (AP_EAT(&c, "user=<")) {
			if (!angle_value(&c, &v))
				break; /* cut short: no user rather than half of one */
			ev->user = ap_span_make(NULL, 0);
			ap_set_user(ev, v.p, v.n);
		} else if (AP_EAT(&c, "session=<")) {
			if (!angle_value(&c, &v))
				break;
			ev->session = v;
		} else if (AP_EAT(&c, "method=")) {
			v = item_value(&c, &last);
			if (v.n > 0 && v.n <= 40)
				ev->mech = v;
		} else if (AP_EAT(&c, "rip=")) {
			v = item_value(&c, &last);
			saw_rip = 1;
			/* the default format always has lip after rip: a rip
			 * that ends the line may have been cut short */
			if (last || !ap_set_ip(&ev->ip, v.p, v.n))
				ev->ip.family = 0;
		} else if (AP_EAT(&c, "lip=")) {
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
		if (!AP_EAT(&c, ", "))
			break;
	}
	/* the default login_log_format_elements always print the TLS state
	 * (%c / %{secured}): without it the client logged in in plaintext */
	if (!saw_tls && saw_rip && saw_lip && ev->tls < 0)
		ev->tls = 0;
}

static int parse_login(ap_event *ev, ap_cur c, const proc_info *pi)
{
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
		if (!login_reason(ev, body, list ? list : c.e))
			return 0;
		if (list == NULL)
			return 0; /* no fields: nobody to attribute it to */
		c.p = list + 2;
	}
	login_fields(ev, c);
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
	if (!parse_proc(&c, &pi)) {
		/* the process is the tag (dovecot's own log file) */
		memset(&pi, 0, sizeof(pi));
		if (!proc_by_name(ln->prog, ln->proglen, &pi))
			return 0;
	}
	ev->kind = AP_KIND_AUTH;
	ev->daemon = "dovecot";
	if (pi.kind == P_LOGIN)
		return parse_login(ev, c, &pi);
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
