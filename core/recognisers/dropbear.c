/* dropbear.c - the Dropbear SSH server (tag dropbear; run in the
 * foreground without syslog it prints "[PID] Mon DD HH:MM:SS " before
 * each message, which is skipped).  Service ssh, tls true (every
 * credential travels inside the SSH transport).
 *
 *   Bad password attempt for 'U' from ADDR:PORT              failure bad_password
 *   Bad PAM password attempt for 'U' from ADDR:PORT          failure bad_password
 *       ('<invalid username>': unknown_user)
 *   Too-long password attempt for 'U' from ADDR:PORT         failure other
 *   Pubkey auth bad signature for 'U' with key FP from ADDR:PORT   failure other
 *   Login attempt for nonexistent user[ 'U'] from ADDR:PORT  failure unknown_user
 *   Login attempt with wrong user U from ADDR:PORT           failure disabled
 *   Exit before auth from <ADDR:PORT>: (user 'U', N fails): Max auth tries reached - user 'U'
 *   Exit before auth from <ADDR:PORT>: Max auth tries reached - user 'is invalid'
 *   Exit before auth (user 'U', N fails): Max auth tries reached - user 'U' from ADDR:PORT  (< 2020.79)
 *       failure, attempts N ('is invalid': unknown_user).  The connection's
 *       attempts were logged one by one too: this is the closing summary,
 *       kept as an event (fail2ban counts it) and carrying the count.
 *   User account 'U' is locked / User 'U' has blank password, rejected /
 *   User 'U' has invalid shell, rejected / root login rejected
 *       failure disabled, no address
 *   Password auth succeeded for 'U' from ADDR:PORT           success, mech PASSWORD
 *   PAM password auth succeeded for 'U' from ADDR:PORT       success, mech PASSWORD
 *   Pubkey auth succeeded for 'U' with TYPE key FP from ADDR:PORT   success, mech PUBLICKEY
 * "..., extra auth required" (one method of several passed) is not an
 * event, like sshd's "Partial".
 *
 * Threat model.  svr-session.c writes ADDR:PORT ("[v6]:PORT"; old
 * releases "::ffff:a.b.c.d:PORT") from the socket; U is ses.authstate.pw_name,
 * the account name from the password database, but old releases logged
 * the name the client sent, and the PAM path the client's name: U is
 * read as client text.  Where the address comes last it is read from the
 * end, after the last " from "; in "Exit before auth from <ADDR>" it
 * follows the fixed text at the start, before any client text.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* "ADDR:PORT", "[ADDR]:PORT" */
static void addr_port(ap_event *ev, const char *p, const char *e)
{
	const char *colon = e;
	while (colon > p && colon[-1] != ':')
		colon--;
	if (colon <= p)
		return;
	ap_cur k = ap_cur_make(colon, (size_t)(e - colon));
	int64_t port;
	if (!ap_cur_uint(&k, &port) || k.p != e || port > 65535)
		return;
	const char *ae = colon - 1;
	if (ae - p >= 2 && *p == '[' && ae[-1] == ']') {
		p++;
		ae--;
	}
	if (ae > p && ap_set_ip(&ev->ip, p, (size_t)(ae - p)))
		ev->port = (int32_t)port;
}

/* "... from ADDR:PORT" at the end: the user part before it is returned in
 * *head (from s to the last " from ") */
static int from_end(ap_event *ev, const char *s, const char *e, const char **head)
{
	const char *f = AP_MEMRMEM(s, (size_t)(e - s), " from ");
	if (f == NULL)
		return 0;
	const char *a = f + AP_LEN(" from ");
	if (memchr(a, ' ', (size_t)(e - a)) != NULL)
		return 0;
	addr_port(ev, a, e);
	*head = f;
	return 1;
}

/* "'U'" exactly spanning [s, e) */
static void quoted_user(ap_event *ev, const char *s, const char *e)
{
	if (e - s >= 2 && *s == '\'' && e[-1] == '\'')
		ap_set_user(ev, s + 1, (size_t)(e - s - 2));
}

/* "(user 'U', N fails): " at c: user and attempts */
static void user_fails(ap_cur *c, ap_event *ev)
{
	if (!AP_EAT(c, "(user '"))
		return;
	const char *u = c->p;
	const char *f = AP_MEMMEM(u, ap_cur_left(c), " fails): ");
	if (f == NULL)
		return;
	const char *comma = f;
	while (comma > u && comma[-1] != ',')
		comma--;
	if (comma <= u + 1 || comma[-2] != '\'')
		return;
	ap_cur n = ap_cur_make(comma, (size_t)(f - comma));
	ap_cur_skip_blanks(&n);
	int64_t v;
	if (ap_cur_uint(&n, &v) && n.p == f && v < 1000000)
		ev->attempts = (int32_t)v;
	ap_set_user(ev, u, (size_t)(comma - 2 - u));
	c->p = f + AP_LEN(" fails): ");
}

static int exit_before_auth(ap_cur *c, ap_event *ev)
{
	ev->outcome = AP_OUT_FAILURE;
	if (AP_EAT(c, " from <")) {
		/* 2020.79 and later: the address first */
		const char *a = c->p;
		if (!AP_FIND(c, ">: "))
			return 0;
		addr_port(ev, a, c->p);
		c->p += AP_LEN(">: ");
		user_fails(c, ev);
		if (!AP_EAT(c, "Max auth tries reached - user "))
			return 0;
		if (AP_SPAN_IS(ap_span_make(c->p, ap_cur_left(c)), "'is invalid'"))
			ev->reason = AP_R_UNKNOWN_USER;
		else if (ev->user.n == 0)
			quoted_user(ev, c->p, c->e);
		return 1;
	}
	if (!AP_EAT(c, " "))
		return 0;
	user_fails(c, ev);
	if (!AP_EAT(c, "Max auth tries reached - user "))
		return 0;
	const char *head;
	if (!from_end(ev, c->p, c->e, &head))
		return 0;
	if (AP_SPAN_IS(ap_span_make(c->p, (size_t)(head - c->p)), "'is invalid'"))
		ev->reason = AP_R_UNKNOWN_USER;
	else if (ev->user.n == 0)
		quoted_user(ev, c->p, head);
	return 1;
}

static int rec_dropbear(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	/* "[PID] Mon DD HH:MM:SS " */
	if (AP_AT(&c, "[")) {
		ap_cur k = c;
		k.p++;
		while (k.p < k.e && *k.p >= '0' && *k.p <= '9')
			k.p++;
		if (AP_EAT(&k, "] ") && ap_cur_left(&k) > 16 && ap_month_from_abbr(k.p, 3) != 0) {
			k.p += 4;
			for (int i = 0; i < 2; i++) {
				ap_cur_skip_blanks(&k);
				while (k.p < k.e && ((*k.p >= '0' && *k.p <= '9') || *k.p == ':'))
					k.p++;
			}
			ap_cur_skip_blanks(&k);
			c = k;
		}
	}
	ev->daemon = "dropbear";
	ev->service = "ssh";
	ev->tls = 1;
	const char *head;

	if (AP_EAT(&c, "Exit before auth"))
		return exit_before_auth(&c, ev);
	if (AP_EAT(&c, "Bad password attempt for ") || AP_EAT(&c, "bad password attempt for ")
	    || AP_EAT(&c, "Bad PAM password attempt for ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_BAD_PASSWORD;
		ev->mech = AP_SPAN_LIT("PASSWORD");
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		if (AP_SPAN_IS(ap_span_make(c.p, (size_t)(head - c.p)), "'<invalid username>'"))
			ev->reason = AP_R_UNKNOWN_USER;
		else
			quoted_user(ev, c.p, head);
		return 1;
	}
	if (AP_EAT(&c, "Too-long password attempt for ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_OTHER;
		ev->mech = AP_SPAN_LIT("PASSWORD");
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		quoted_user(ev, c.p, head);
		return 1;
	}
	if (AP_EAT(&c, "Pubkey auth bad signature for ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_OTHER;
		ev->mech = AP_SPAN_LIT("PUBLICKEY");
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		const char *w = AP_MEMRMEM(c.p, (size_t)(head - c.p), " with key ");
		if (w != NULL)
			quoted_user(ev, c.p, w);
		return 1;
	}
	if (AP_EAT(&c, "Login attempt for nonexistent user")
	    || AP_EAT(&c, "login attempt for nonexistent user")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_UNKNOWN_USER;
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		if (head > c.p && *c.p == ' ')
			quoted_user(ev, c.p + 1, head);
		return 1;
	}
	if (AP_EAT(&c, "Login attempt with wrong user ")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		ap_set_user(ev, c.p, (size_t)(head - c.p));
		return 1;
	}
	int pam = AP_EAT(&c, "PAM ");
	if (AP_EAT(&c, "Password auth succeeded for ")
	    || (pam && AP_EAT(&c, "password auth succeeded for "))) {
		if (AP_HAS_ISUFFIX(c.p, ap_cur_left(&c), ", extra auth required"))
			return 0;
		ev->outcome = AP_OUT_SUCCESS;
		ev->mech = AP_SPAN_LIT("PASSWORD");
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		quoted_user(ev, c.p, head);
		return 1;
	}
	if (pam)
		return 0;
	if (AP_EAT(&c, "Pubkey auth succeeded for ")) {
		if (AP_HAS_ISUFFIX(c.p, ap_cur_left(&c), ", extra auth required"))
			return 0;
		ev->outcome = AP_OUT_SUCCESS;
		ev->mech = AP_SPAN_LIT("PUBLICKEY");
		if (!from_end(ev, c.p, c.e, &head))
			return 0;
		const char *w = AP_MEMMEM(c.p, (size_t)(head - c.p), "' with ");
		if (w != NULL)
			quoted_user(ev, c.p, w + 1);
		return 1;
	}
	/* no address */
	if (AP_EAT(&c, "User account ") || AP_EAT(&c, "User ")) {
		const char *u = c.p;
		const char *t = NULL;
		if ((t = AP_MEMRMEM(u, ap_cur_left(&c), "' is locked")) != NULL
		    && t + AP_LEN("' is locked") == c.e) {
		} else if ((t = AP_MEMRMEM(u, ap_cur_left(&c), "' has blank password, rejected"))
				   != NULL
			   && t + AP_LEN("' has blank password, rejected") == c.e) {
		} else if ((t = AP_MEMRMEM(u, ap_cur_left(&c), "' has invalid shell, rejected"))
				   != NULL
			   && t + AP_LEN("' has invalid shell, rejected") == c.e) {
		} else {
			return 0;
		}
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		quoted_user(ev, u, t + 1);
		return 1;
	}
	if (AP_SPAN_IS(ap_span_make(c.p, ap_cur_left(&c)), "root login rejected")) {
		ev->outcome = AP_OUT_FAILURE;
		ev->reason = AP_R_DISABLED;
		ev->user = AP_SPAN_LIT("root");
		return 1;
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_dropbear = {
	AP_FAM_DROPBEAR,
	"dropbear",
	rec_dropbear,
	(const char *const[]){ "dropbear", NULL },
};
