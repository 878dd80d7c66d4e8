/* gen.c - deterministic benchmark corpus for mmauthparse.
 *
 *   gen [-n LINES] [-s SEED] [-p] [-y YEAR]      (writes to stdout)
 *
 * Every line is a syslog line as a central log host stores it:
 * "Mmm dd hh:mm:ss host tag[pid]: message"; with -p each line starts with
 * "<PRI>" (the form sent to rsyslogd over TCP).  Time stamps increase
 * (on average 80 ms apart, starting 1 March of YEAR, default 2024, 00:00 UTC).
 * The same seed gives the same bytes on every machine.
 *
 * About half the lines are noise a mail/hosting server logs (postfix
 * connections, cleanup, qmgr and deliveries, dovecot lmtp and session
 * ends, cron, kernel firewall lines, sshd connection chatter) and half are
 * authentication events of all 17 families the core recognises, in the
 * shapes of tests/cases/ (several shapes and daemon versions per family),
 * with these actors:
 *   legit        3,000 users, each from their own address; 4% typo
 *                failures (mistyped user name or password) then success
 *   hammer       6 addresses (2 IPv6, 1 logged as ::ffff: where the daemon
 *                does) failing about 20,000 times each
 *   dictionary   3 addresses walking a 2,000-name list of user names
 *   distributed  5,000 addresses trying one account (info@shop.example)
 *   scanners     a new random address per attempt, common user names
 * Addresses: public IPv4, public IPv6 (15%), private ranges for some
 * legitimate users, and ::ffff: mapped forms where daemons print them.
 * A summary goes to stderr.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* deterministic randomness                                            */

static uint64_t rs = 0x2545f4914f6cdd1dULL;

static uint64_t next64(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dULL;
}

/* uniform in [0, n) */
static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)((next64() >> 32) % n) : 0;
}

/* skewed toward 0: a few values are drawn very often */
static uint32_t skew(uint32_t n)
{
	uint64_t u = next64() >> 40; /* 24 bits */
	return (uint32_t)(((u * u) >> 24) * n >> 24);
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

/* ------------------------------------------------------------------ */
/* addresses                                                           */

typedef struct {
	uint8_t v6; /* 0: IPv4 */
	uint8_t b[16];
} addr;

static const uint8_t v4_first[] = { 2,   5,   14,  23,  27,  31,  36,  37,  41,  42,  45,  46,  49,
				    51,  58,  59,  60,  61,  62,  77,  78,  79,  80,  81,  82,  83,
				    84,  85,  86,  87,  88,  89,  90,  91,  92,  93,  94,  95,  101,
				    103, 106, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
				    120, 121, 122, 123, 124, 125, 138, 139, 141, 146, 151, 159, 171,
				    175, 176, 177, 178, 179, 180, 181, 182, 183, 185, 186, 187, 188,
				    189, 190, 193, 194, 195, 196, 200, 201, 202, 210, 211, 212, 213,
				    217, 218, 219, 220, 221, 222 };
static const uint16_t v6_prefix[][2] = {
	{ 0x2a01, 0x04f8 }, { 0x2a02, 0x0c7c }, { 0x2001, 0x41d0 }, { 0x2604, 0xa880 },
	{ 0x2a03, 0xb0c0 }, { 0x2400, 0x6180 }, { 0x2607, 0xf8b0 }, { 0x2a0c, 0x9a40 },
	{ 0x2001, 0x0470 }, { 0x2406, 0xda18 }, { 0x2a05, 0xd014 }, { 0x2804, 0x0d58 }
};

static addr public_addr(int v6)
{
	addr a;
	memset(&a, 0, sizeof(a));
	uint64_t r = next64();
	if (v6) {
		const uint16_t *p = v6_prefix[rnd(sizeof(v6_prefix) / sizeof(v6_prefix[0]))];
		a.v6 = 1;
		a.b[0] = (uint8_t)(p[0] >> 8);
		a.b[1] = (uint8_t)p[0];
		a.b[2] = (uint8_t)(p[1] >> 8);
		a.b[3] = (uint8_t)p[1];
		a.b[4] = (uint8_t)(r >> 8);
		a.b[5] = (uint8_t)(r >> 16);
		if (r & 1) { /* a host number, or a full interface id */
			a.b[14] = (uint8_t)(r >> 24) & 0x0f;
			a.b[15] = (uint8_t)(r >> 32) | 1;
		} else {
			uint64_t s = next64();
			memcpy(a.b + 8, &s, 8);
		}
	} else {
		a.b[0] = v4_first[rnd(sizeof(v4_first))];
		a.b[1] = (uint8_t)(r >> 8);
		a.b[2] = (uint8_t)(r >> 16);
		a.b[3] = (uint8_t)((r >> 24) % 254 + 1);
	}
	return a;
}

static addr private_addr(void)
{
	addr a;
	memset(&a, 0, sizeof(a));
	uint64_t r = next64();
	if (r & 1) {
		a.b[0] = 192;
		a.b[1] = 168;
		a.b[2] = (uint8_t)(r >> 8) % 8;
	} else {
		a.b[0] = 10;
		a.b[1] = (uint8_t)(r >> 8) % 4;
		a.b[2] = (uint8_t)(r >> 16);
	}
	a.b[3] = (uint8_t)((r >> 24) % 250 + 2);
	return a;
}

/* text of an address; mapped: an IPv4 address written as ::ffff:a.b.c.d */
static void fmt_addr(const addr *a, int mapped, char *out, size_t sz)
{
	if (!a->v6) {
		snprintf(out, sz, "%s%u.%u.%u.%u", mapped ? "::ffff:" : "", a->b[0], a->b[1],
			 a->b[2], a->b[3]);
		return;
	}
	/* RFC 5952: longest run of zero groups (>= 2) becomes "::" */
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a->b[2 * i] << 8 | a->b[2 * i + 1]);
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8;) {
		if (g[i] != 0) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	size_t o = 0;
	for (int i = 0; i < 8 && o < sz; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, sz - o, "::");
			i += bestlen - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, sz - o, "%s%x",
				      (i && i != best + bestlen) ? ":" : "", g[i]);
	}
}

/* ------------------------------------------------------------------ */
/* names                                                               */

static const char *first[] = { "alice", "bob",   "carol",  "dave",    "erin",  "frank", "grace",
			       "heidi", "ivan",  "judy",   "mallory", "oscar", "peggy", "rupert",
			       "sybil", "trent", "victor", "walter",  "anna",  "bernd", "chiara",
			       "diego", "elena", "fatima", "goran",   "hana",  "ines",  "jonas",
			       "kai",   "lena",  "marco",  "nina",    "olga",  "pavel", "quinn",
			       "rosa",  "sven",  "tara",   "uwe",     "vera",  "wim",   "xenia",
			       "yusuf", "zoe",   "amir",   "bea",     "chen",  "dara",  "emil",
			       "femi" };
static const char *last[] = { "smith",   "jones",    "garcia",  "muller", "rossi",   "dubois",
			      "silva",   "kowalski", "novak",   "jansen", "berg",    "costa",
			      "weber",   "moreau",   "bianchi", "lopez",  "kim",     "tanaka",
			      "nguyen",  "patel",    "olsen",   "horvat", "popescu", "ivanova",
			      "schmidt", "fischer",  "meyer",   "wagner", "becker",  "hoffmann" };
static const char *domains[] = { "shop.example",    "example.org",     "mail.example.net",
				 "kanzlei.example", "atelier.example", "school.example.edu",
				 "clinic.example",  "hotel.example" };
static const char *words[] = { "admin",      "info",       "test",    "webmaster", "support",
			       "sales",      "user",       "office",  "contact",   "mail",
			       "postmaster", "root",       "guest",   "oracle",    "backup",
			       "service",    "hr",         "billing", "marketing", "noreply",
			       "newsletter", "jobs",       "help",    "shop",      "web",
			       "ftp",        "www",        "server",  "demo",      "temp",
			       "account",    "accounts",   "finance", "it",        "security",
			       "abuse",      "hostmaster", "manager", "director",  "reception",
			       "team",       "hello",      "mysql",   "postgres",  "ubuntu",
			       "pi",         "git",        "deploy",  "nagios",    "zabbix" };
static const char *svc_words[] = {
	"", "1", "2", "01", "123", "2024", ".test", "_bak", "1234", "99"
};

enum { NUSERS = 3000, NDICT = 2000, NDIST = 5000, NHAMMER = 6, NDICTADDR = 3 };

static char users[NUSERS][64];  /* full address form */
static char ulocal[NUSERS][32]; /* local (system) account name */
static addr uaddr[NUSERS];
static char dict[NDICT][48];
static addr dist[NDIST];
static addr hammer[NHAMMER];
static addr dictaddr[NDICTADDR];

static void setup(void)
{
	for (int i = 0; i < NUSERS; i++) {
		const char *f = first[i % 50], *l = last[(i / 50) % 30];
		int k = i / 1500; /* a second "alice.smith" gets a digit */
		snprintf(users[i], sizeof(users[i]), "%s.%s%.0d@%s", f, l, k, domains[(i * 7) % 8]);
		snprintf(ulocal[i], sizeof(ulocal[i]), "%s%c%.0d", f, l[0], k);
		uint32_t r = rnd(100);
		uaddr[i] = r < 15 ? public_addr(1) : r < 30 ? private_addr() : public_addr(0);
	}
	for (int i = 0; i < NDICT; i++) {
		const char *w = words[i % 50], *s = svc_words[(i / 50) % 10];
		if ((i / 500) % 2)
			snprintf(dict[i], sizeof(dict[i]), "%s%s@%s", w, s, domains[(i / 500) % 8]);
		else
			snprintf(dict[i], sizeof(dict[i]), "%s%s", w, s);
	}
	for (int i = 0; i < NDIST; i++)
		dist[i] = public_addr(rnd(100) < 20);
	for (int i = 0; i < NHAMMER; i++)
		hammer[i] = public_addr(i >= 4);
	for (int i = 0; i < NDICTADDR; i++)
		dictaddr[i] = public_addr(0);
}

/* ------------------------------------------------------------------ */
/* one authentication event, before it is written in a daemon's words  */

typedef struct {
	int ok;         /* success */
	int badpw;      /* known user, wrong password (else unknown user) */
	char user[64];  /* mail address form */
	char local[48]; /* local account form */
	addr a;
} auth_ev;

enum { SC_LEGIT, SC_HAMMER, SC_DICT, SC_DIST, SC_SCAN, SC__N };
static uint64_t sc_count[SC__N];
static uint32_t dict_pos[NDICTADDR];

static void local_of(const char *user, char *out, size_t sz)
{
	size_t n = strcspn(user, "@");
	if (n >= sz)
		n = sz - 1;
	memcpy(out, user, n);
	out[n] = '\0';
}

static void make_event(auth_ev *e)
{
	uint32_t r = rnd(100);
	memset(e, 0, sizeof(*e));
	if (r < 40) {
		int u = (int)skew(NUSERS);
		sc_count[SC_LEGIT]++;
		e->a = uaddr[u];
		strcpy(e->user, users[u]);
		strcpy(e->local, ulocal[u]);
		uint32_t t = rnd(100);
		if (t < 2) { /* mistyped user name: drop a letter */
			size_t n = strlen(e->user), k = 1 + rnd(3);
			memmove(e->user + k, e->user + k + 1, n - k);
			n = strlen(e->local);
			if (n > 2)
				memmove(e->local + 1, e->local + 2, n - 1);
		} else if (t < 4) {
			e->badpw = 1;
		} else {
			e->ok = 1;
		}
		return;
	}
	e->badpw = rnd(3) == 0;
	if (r < 65) {
		sc_count[SC_HAMMER]++;
		e->a = hammer[skew(NHAMMER)];
		static const char *targets[] = {
			"root",      "admin", "info@shop.example", "test", "sales@example.org",
			"postmaster"
		};
		strcpy(e->user, PICK(targets));
	} else if (r < 77) {
		sc_count[SC_DICT]++;
		int k = (int)rnd(NDICTADDR);
		e->a = dictaddr[k];
		strcpy(e->user, dict[dict_pos[k]++ % NDICT]);
	} else if (r < 87) {
		sc_count[SC_DIST]++;
		e->a = dist[rnd(NDIST)];
		strcpy(e->user, "info@shop.example");
		e->badpw = 1;
	} else {
		sc_count[SC_SCAN]++;
		e->a = public_addr(rnd(100) < 15);
		strcpy(e->user, dict[skew(NDICT)]);
	}
	local_of(e->user, e->local, sizeof(e->local));
}

/* ------------------------------------------------------------------ */
/* output                                                              */

static int with_pri;
static int64_t now_ms;
static char host[32];
static uint64_t fam_count[18];
static uint64_t n_auth, n_noise;

static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
			     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static struct tm tm_now(void)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm;
}

/* "2024-03-01 00:00:01" */
static void iso(char *out, size_t sz)
{
	struct tm tm = tm_now();
	snprintf(out, sz, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void line(int pri, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line(int pri, const char *tag, const char *fmt, ...)
{
	struct tm tm = tm_now();
	if (with_pri)
		printf("<%d>", pri);
	printf("%s %2d %02d:%02d:%02d %s %s: ", mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
	       tm.tm_sec, host, tag);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static char tagbuf[64];
static const char *tagpid(const char *name)
{
	snprintf(tagbuf, sizeof(tagbuf), "%s[%u]", name, 1000 + rnd(60000));
	return tagbuf;
}

static void session(char *out, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i + 1 < len; i++)
		out[i] = b64[rnd(64)];
	out[len - 1] = '\0';
}

static void qid(char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < 10; i++)
		out[i] = hex[rnd(16)];
	out[10] = '\0';
}

/* ------------------------------------------------------------------ */
/* the families                                                        */

static void f_dovecot(const auth_ev *e, const char *ip, const char *ipm)
{
	char s[17];
	session(s, sizeof(s));
	const char *svc = rnd(3) ? "imap" : "pop3";
	const char *tag = rnd(2) ? "dovecot" : tagpid("dovecot");
	if (e->ok) {
		if (rnd(2))
			line(22, tag,
			     "%s-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=10.0.0.25, "
			     "mpid=%u, TLS, session=<%s>",
			     svc, e->user, ip, rnd(900000), s);
		else
			line(22, tag,
			     "imap-login: Login: user=<%s>, method=LOGIN, rip=%s, lip=10.0.0.25, "
			     "mpid=%u, TLS, TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 "
			     "bits), session=<%s>",
			     e->user, ip, rnd(900000), s);
		return;
	}
	switch (rnd(5)) {
	case 0:
		line(22, tag,
		     "%s-login: Disconnected (auth failed, %u attempts in %u secs): user=<%s>, "
		     "method=PLAIN, rip=%s, lip=10.0.0.25, TLS, session=<%s>",
		     svc, 1 + rnd(3), rnd(20), e->user, ip, s);
		break;
	case 1:
		line(22, tag,
		     "%s-login: Aborted login (auth failed, 1 attempts in %u secs): user=<%s>, "
		     "method=PLAIN, rip=%s, lip=10.0.0.25, session=<%s>",
		     svc, rnd(20), e->user, ip, s);
		break;
	case 2:
		line(22, tag,
		     "%s-login: Login aborted: Connection closed (auth failed, %u attempts in %u "
		     "secs) (auth_failed): user=<%s>, method=PLAIN, rip=%s, lip=10.0.0.25, TLS, "
		     "session=<%s>",
		     svc, 1 + rnd(3), rnd(20), e->user, ip, s);
		break;
	case 3: /* 1.x prints mapped addresses */
		line(22, tag,
		     "%s-login: Aborted login (1 authentication attempts): user=<%s>, "
		     "method=PLAIN, rip=%s, lip=::ffff:10.0.0.25, secured",
		     svc, e->user, ipm);
		break;
	default:
		line(22, tag,
		     "submission-login: Disconnected: Connection closed (auth failed, 1 attempts "
		     "in %u secs): user=<%s>, method=LOGIN, rip=%s, lip=10.0.0.25, TLS, "
		     "session=<%s>",
		     rnd(20), e->user, ip, s);
	}
}

static void f_postfix(const auth_ev *e, const char *ip, const char *ipm)
{
	static const char *svcs[] = { "postfix/smtpd", "postfix/submission/smtpd",
				      "postfix/smtps/smtpd" };
	const char *svc = tagpid(PICK(svcs));
	if (e->ok) {
		char q[11];
		qid(q);
		line(22, svc, "%s: client=unknown[%s], sasl_method=PLAIN, sasl_username=%s", q, ip,
		     e->user);
		return;
	}
	switch (rnd(4)) {
	case 0:
		line(20, svc,
		     "warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6", ip);
		break;
	case 1:
		line(20, svc,
		     "warning: unknown[%s]: SASL PLAIN authentication failed: (reason "
		     "unavailable), sasl_username=%s",
		     ip, e->user);
		break;
	case 2:
		line(20, svc,
		     "warning: unknown[%s]:%u: SASL LOGIN authentication failed: authentication "
		     "failure",
		     rnd(2) ? ip : ipm, 1024 + rnd(60000));
		break;
	default:
		line(20, svc,
		     "warning: host-%u.dyn.example.net[%s]: SASL LOGIN authentication failed: "
		     "authentication failure, sasl_username=%s",
		     rnd(10000), ip, e->user);
	}
}

static void f_sshd(const auth_ev *e, const char *ip, const char *ipm)
{
	const char *tag = tagpid(rnd(5) ? "sshd" : "sshd-session");
	unsigned port = 1024 + rnd(60000);
	(void)ipm;
	if (e->ok) {
		if (rnd(2))
			line(38, tag,
			     "Accepted publickey for %s from %s port %u ssh2: ED25519 "
			     "SHA256:Kq7x3bN0mWvT9aZcPfR2hYdLsE4uJ8oG1iVtB6nQwXy",
			     e->local, ip, port);
		else
			line(38, tag, "Accepted password for %s from %s port %u ssh2", e->local, ip,
			     port);
		return;
	}
	switch (rnd(4)) {
	case 0: line(38, tag, "Invalid user %s from %s port %u", e->local, ip, port); break;
	case 1:
		line(38, tag, "Failed password for invalid user %s from %s port %u ssh2", e->local,
		     ip, port);
		break;
	default: line(38, tag, "Failed password for %s from %s port %u ssh2", e->local, ip, port);
	}
}

static void f_vpopmail(const auth_ev *e, const char *ip, const char *ipm)
{
	static const char *svcs[] = { "pop3", "imap", "smtp", "imaps", "pop3s", "submission" };
	const char *svc = PICK(svcs);
	(void)ipm;
	if (e->ok)
		line(22, tagpid("vpopmail"), "vchkpw-%s: (PLAIN) login success %s:%s", svc, e->user,
		     ip);
	else if (e->badpw)
		line(22, tagpid("vpopmail"), "vchkpw-%s: password fail (pass: 'pw%u') %s:%s", svc,
		     rnd(100000), e->user, ip);
	else if (rnd(4))
		line(22, tagpid("vpopmail"), "vchkpw-%s: vpopmail user not found %s:%s", svc,
		     e->user, ip);
	else
		line(22, tagpid("vpopmail"), "vchkpw-%s: password fail %s:%s", svc, e->user, ip);
}

static void f_courier(const auth_ev *e, const char *ip, const char *ipm)
{
	static const char *tags[] = { "imapd", "imapd-ssl", "pop3d", "pop3d-ssl" };
	const char *t = PICK(tags);
	const char *proto = t[0] == 'i' ? "IMAP" : "POP3";
	(void)ip;
	if (e->ok)
		line(22, tagpid(t), "LOGIN, user=%s, ip=[%s], port=[%u], protocol=%s", e->user, ipm,
		     1024 + rnd(60000), proto);
	else if (rnd(4))
		line(22, tagpid(t), "LOGIN FAILED, user=%s, ip=[%s]", e->user, ipm);
	else
		line(22, "courieresmtpd",
		     "error,relay=%s,msg=\"535 Authentication failed.\",cmd: AUTH LOGIN", ipm);
}

static void f_exim(const auth_ev *e, const char *ip, const char *ipm)
{
	char ts[80];
	iso(ts, sizeof(ts));
	unsigned port = 1024 + rnd(60000);
	(void)ipm;
	if (e->ok) {
		/* message id: 6-6-2 base-62 characters */
		static const char b62[] =
			"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
		char id[17];
		for (int i = 0; i < 16; i++)
			id[i] = b62[rnd(62)];
		id[0] = '1';
		id[6] = id[13] = '-';
		id[16] = '\0';
		line(22, tagpid("exim"),
		     "%s <= %s H=(laptop) [%s]:%u I=[10.0.0.2]:587 P=esmtpsa "
		     "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_login:%s S=%u "
		     "id=%u@laptop",
		     id, e->user, ip, port, e->user, 500 + rnd(90000), rnd(1000000));
		return;
	}
	if (rnd(2))
		line(22, tagpid("exim"),
		     "%s dovecot_login authenticator failed for (User) [%s]:%u I=[10.0.0.2]:587: "
		     "535 Incorrect authentication data (set_id=%s)",
		     ts, ip, port, e->user);
	else
		line(22, tagpid("exim4"),
		     "plain authenticator failed for ([10.1.1.%u]) [%s]:%u I=[10.0.0.2]:25: 535 "
		     "Incorrect authentication data (set_id=%s)",
		     rnd(250), ip, port, e->user);
}

static void f_pam(const auth_ev *e, const char *ip, const char *ipm)
{
	static const char *tags[] = { "auth", "dovecot-auth", "auth-worker" };
	(void)ipm;
	line(84, PICK(tags),
	     "pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot "
	     "ruser=%s rhost=%s%s%s",
	     e->local, ip, e->badpw ? "  user=" : "", e->badpw ? e->local : "");
}

static void f_cyrus(const auth_ev *e, const char *ip, const char *ipm)
{
	static const char *tags[] = { "cyrus/imap", "cyrus/imaps", "cyrus/pop3" };
	(void)ipm;
	if (e->ok)
		line(22, tagpid(PICK(tags)),
		     "login: client-%u.example.net [%s] %s plaintext+TLS User logged in "
		     "SESSIONID=<cyrus-%u-%u-1>",
		     rnd(1000), ip, e->user, rnd(100000), rnd(1000000));
	else
		line(22, tagpid(PICK(tags)),
		     "badlogin: unknown [%s] plaintext %s SASL(-13): %s: checkpass failed", ip,
		     e->user, e->badpw ? "authentication failure" : "user not found");
}

static void f_sendmail(const auth_ev *e, const char *ip, const char *ipm)
{
	char q[11];
	qid(q);
	(void)ipm;
	if (e->ok)
		line(22, tagpid("sendmail"),
		     "%s: AUTH=server, relay=client.example.org [%s], authid=%s, mech=PLAIN, "
		     "bits=0",
		     q, ip, e->user);
	else
		line(22, tagpid(rnd(2) ? "sendmail" : "sm-mta"),
		     "%s: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
		     "authentication failure: checkpass failed, user=%s, relay=[%s]",
		     q, e->user, ip);
}

static void f_uwimap(const auth_ev *e, const char *ip, const char *ipm)
{
	if (e->ok)
		line(22, tagpid("imapd"), "Login user=%s host=client.example.org [%s]", e->local,
		     ip);
	else
		line(22, tagpid(rnd(2) ? "imapd" : "ipop3d"),
		     "Login failed user=%s auth=%s host=[%s]", e->local, e->local,
		     rnd(4) ? ip : ipm);
}

static void f_roundcube(const auth_ev *e, const char *ip, const char *ipm)
{
	char s[27];
	(void)ipm;
	session(s, sizeof(s));
	if (e->ok)
		line(22, "roundcube", "Successful login for %s (ID: %u) from %s in session %s",
		     e->user, 1 + rnd(5000), ip, s);
	else if (rnd(2))
		line(22, "roundcube",
		     "IMAP Error: Login failed for %s from %s. AUTHENTICATE PLAIN: Authentication "
		     "failed. in /usr/share/roundcube/program/lib/Roundcube/rcube_imap.php on line "
		     "200 (POST /?_task=login&_action=login)",
		     e->user, ip);
	else
		line(22, tagpid("roundcube"),
		     "IMAP Error: Login failed for %s from 127.0.0.1(X-Forwarded-For: %s). "
		     "AUTHENTICATE PLAIN: Authentication failed.",
		     e->user, ip);
}

static void f_horde(const auth_ev *e, const char *ip, const char *ipm)
{
	(void)ipm;
	if (e->ok)
		line(22, "HORDE",
		     "[imp] Login success for %s [%s] to {localhost:993 [imap/ssl]} [pid %u on "
		     "line 5 of \"imp.php\"]",
		     e->user, ip, rnd(60000));
	else
		line(22, "HORDE",
		     "[horde] FAILED LOGIN for %s [%s] to Horde [on line 116 of "
		     "\"/var/www/horde/login.php\"]",
		     e->user, ip);
}

static void f_cpanel(const auth_ev *e, const char *ip, const char *ipm)
{
	char ts[80];
	(void)ipm;
	iso(ts, sizeof(ts));
	if (e->ok)
		line(22, "cpanel", "[%s +0000] info [cpsrvd] %s - %s - SUCCESS LOGIN cpaneld", ts,
		     ip, e->local);
	else if (e->badpw)
		line(22, "cpanel",
		     "[%s +0000] info [cpaneld] %s - %s \"POST /login/?login_only=1 HTTP/1.1\" "
		     "FAILED LOGIN cpaneld: user password incorrect",
		     ts, ip, e->local);
	else
		line(22, "cpanel",
		     "[%s +0000] info [cpaneld] %s - %s \"POST /login/?login_only=1 HTTP/1.1\" "
		     "FAILED LOGIN cpaneld: invalid cpanel user %s",
		     ts, ip, e->local, e->local);
}

static void f_xeams(const auth_ev *e, const char *ip, const char *ipm)
{
	static const char *protos[] = { "IMAP", "SMTP", "POP3", "HTTP" };
	char ts[80];
	(void)ipm;
	(void)e->ok;
	iso(ts, sizeof(ts));
	line(22, "xeams", "%s,%03u - [%s] {%s} - %s - %s (%s)", ts, (unsigned)(now_ms % 1000),
	     PICK(protos), rnd(5) ? "SECURE" : "UNSECURE", e->user, ip,
	     e->a.v6 || e->a.b[0] != 10 ? "United States" : "LAN");
}

static void f_lfd(const auth_ev *e, const char *ip, const char *ipm)
{
	(void)ipm;
	(void)e;
	switch (rnd(3)) {
	case 0:
		line(36, tagpid("lfd"),
		     "(sshd) Failed SSH login from %s (XX/Unknown/-): 5 in the last 3600 secs - "
		     "*Blocked in csf* [LF_SSHD]",
		     ip);
		break;
	case 1:
		line(36, tagpid("lfd"),
		     "(smtpauth) Failed SMTP AUTH login from %s (XX/Unknown/-): 5 in the last 3600 "
		     "secs - *Blocked in csf* for 3600 secs [LF_SMTPAUTH]",
		     ip);
		break;
	default:
		line(36, tagpid("lfd"),
		     "%s (XX/Unknown/-), 12 distributed pop3d attacks on account "
		     "[info@shop.example] in the last 3600 secs - *Blocked in csf* [LF_DISTATTACK]",
		     ip);
	}
}

static void f_solid(const auth_ev *e, const char *ip, const char *ipm)
{
	(void)ipm;
	if (e->badpw || e->ok)
		line(22, tagpid("solid-pop3d"), "authentication failed for user %s - %s", e->local,
		     ip);
	else
		line(22, tagpid("solid-pop3d"), "authentication failed: no such user: %s - %s",
		     e->local, ip);
}

static void f_perdition(const auth_ev *e, const char *ip, const char *ipm)
{
	(void)ipm;
	const char *st = e->ok ? "ok" : "failed: Re-Authentication Failure";
	if (e->a.v6) { /* perdition writes host:port; keep it to IPv4 */
		line(22, tagpid("perdition.imaps"), "Connect: 192.0.2.%u:%u->192.0.2.110:993",
		     rnd(250), 1024 + rnd(60000));
		return;
	}
	line(22, tagpid("perdition.imaps"),
	     "Auth: %s:%u->192.0.2.110:993 client-secure=ssl authorisation_id=NONE "
	     "authentication_id=\"%s\" server=\"imap.example.org:993\" protocol=IMAP4S "
	     "server-secure=ssl status=\"%s\"",
	     ip, 1024 + rnd(60000), e->user, st);
}

typedef void (*fam_fn)(const auth_ev *, const char *, const char *);
static const struct {
	const char *name;
	unsigned weight; /* per mille of auth lines */
	fam_fn fn;
	const char *host;
} fams[] = {
	{ "dovecot", 200, f_dovecot, "mx1" },
	{ "postfix", 180, f_postfix, "mx1" },
	{ "sshd", 150, f_sshd, "shell1" },
	{ "vpopmail", 80, f_vpopmail, "mx2" },
	{ "courier", 60, f_courier, "mx3" },
	{ "exim", 60, f_exim, "web1" },
	{ "pam", 40, f_pam, "mx1" },
	{ "cyrus", 30, f_cyrus, "imap1" },
	{ "sendmail", 30, f_sendmail, "relay1" },
	{ "uw-imap", 20, f_uwimap, "imap2" },
	{ "roundcube", 30, f_roundcube, "web2" },
	{ "horde", 20, f_horde, "web2" },
	{ "cpanel", 30, f_cpanel, "web1" },
	{ "xeams", 20, f_xeams, "gw1" },
	{ "lfd", 10, f_lfd, "web1" },
	{ "solid-pop3d", 15, f_solid, "mx4" },
	{ "perdition", 25, f_perdition, "proxy1" },
};
#define NFAMS (sizeof(fams) / sizeof(fams[0]))

static void auth_line(void)
{
	auth_ev e;
	make_event(&e);
	uint32_t r = rnd(1000), acc = 0;
	size_t f = 0;
	for (; f < NFAMS - 1; f++) {
		acc += fams[f].weight;
		if (r < acc)
			break;
	}
	char ip[64], ipm[64];
	fmt_addr(&e.a, 0, ip, sizeof(ip));
	fmt_addr(&e.a, !e.a.v6, ipm, sizeof(ipm));
	/* hammer address 3 is logged mapped everywhere a daemon may do so */
	if (!e.a.v6 && memcmp(e.a.b, hammer[3].b, 4) == 0 && f != 2 && f != 16)
		strcpy(ip, ipm);
	snprintf(host, sizeof(host), "%s", fams[f].host);
	fams[f].fn(&e, ip, ipm);
	fam_count[f]++;
	n_auth++;
}

/* ------------------------------------------------------------------ */
/* noise                                                               */

static void noise_line(void)
{
	uint32_t r = rnd(100);
	char q[11], ip[64], s[23];
	int u = (int)skew(NUSERS);
	addr a = public_addr(rnd(100) < 10);
	fmt_addr(&a, 0, ip, sizeof(ip));
	qid(q);
	n_noise++;
	strcpy(host, "mx1");
	if (r < 10) {
		line(22, tagpid("postfix/smtpd"), "connect from mail-%u.example.com[%s]", rnd(5000),
		     ip);
	} else if (r < 18) {
		line(22, tagpid("postfix/smtpd"),
		     "disconnect from mail-%u.example.com[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
		     "commands=5",
		     rnd(5000), ip);
	} else if (r < 20) {
		line(22, tagpid("postfix/smtpd"),
		     "disconnect from unknown[%s] ehlo=1 auth=0/1 quit=1 commands=2/3", ip);
	} else if (r < 22) {
		line(22, tagpid("postfix/smtpd"), "lost connection after AUTH from unknown[%s]",
		     ip);
	} else if (r < 28) {
		line(22, tagpid("postfix/smtpd"), "%s: client=mail-%u.example.com[%s]", q,
		     rnd(5000), ip);
	} else if (r < 34) {
		line(22, tagpid("postfix/cleanup"), "%s: message-id=<%u.%u@mail-%u.example.com>", q,
		     rnd(1000000), rnd(100000), rnd(5000));
	} else if (r < 40) {
		line(22, tagpid("postfix/qmgr"),
		     "%s: from=<news%u@list.example.com>, size=%u, nrcpt=1 (queue active)", q,
		     rnd(100), 1000 + rnd(100000));
	} else if (r < 45) {
		line(22, tagpid("postfix/qmgr"), "%s: removed", q);
	} else if (r < 52) {
		line(22, tagpid("postfix/lmtp"),
		     "%s: to=<%s>, relay=mx1.example.net[private/dovecot-lmtp], delay=0.%u, "
		     "delays=0.05/0.01/0.02/0.04, dsn=2.0.0, status=sent (250 2.0.0 <%s> "
		     "kJ8xBcAbZWWkLwAA0J78UA Saved)",
		     q, users[u], rnd(99), users[u]);
	} else if (r < 57) {
		line(22, tagpid("postfix/smtp"),
		     "%s: to=<user%u@remote.example>, relay=mx.remote.example[%s]:25, delay=1.%u, "
		     "delays=0.1/0.01/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %u)",
		     q, rnd(10000), ip, rnd(9), rnd(1000000));
	} else if (r < 65) {
		session(s, sizeof(s));
		line(22, "dovecot",
		     "lmtp(%s)<%u><%s>: msgid=<%u@mail.example.com>: saved mail to INBOX", users[u],
		     rnd(60000), s, rnd(1000000));
	} else if (r < 72) {
		session(s, 17);
		line(22, "dovecot",
		     "imap(%s)<%u><%s>: Logged out in=%u out=%u deleted=0 expunged=0 trashed=0 "
		     "hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
		     users[u], rnd(60000), s, rnd(5000), rnd(500000));
	} else if (r < 74) {
		session(s, 17);
		line(22, "dovecot",
		     "pop3-login: Disconnected (no auth attempts in %u secs): user=<>, rip=%s, "
		     "lip=10.0.0.25, TLS, session=<%s>",
		     rnd(60), ip, s);
	} else if (r < 80) {
		strcpy(host, "shell1");
		line(78, tagpid("CRON"),
		     "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)");
	} else if (r < 90) {
		strcpy(host, "gw1");
		if (a.v6)
			strcpy(ip, "198.51.100.9");
		line(4, "kernel",
		     "[%u.%06u] [UFW BLOCK] IN=eth0 OUT= "
		     "MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=203.0.113.10 LEN=40 "
		     "TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=TCP SPT=%u DPT=%u WINDOW=1024 RES=0x00 "
		     "SYN URGP=0",
		     (unsigned)(now_ms / 1000 % 10000000), rnd(1000000), ip, 30 + rnd(220),
		     rnd(65536), 1024 + rnd(60000),
		     PICK(((unsigned[]){ 22, 23, 25, 445, 3389, 8080 })));
	} else if (r < 95) {
		strcpy(host, "shell1");
		line(38, tagpid("sshd"), "Connection closed by %s port %u [preauth]", ip,
		     1024 + rnd(60000));
	} else {
		strcpy(host, "shell1");
		line(86, tagpid("sshd"),
		     "pam_unix(sshd:session): session opened for user %s(uid=%u) by (uid=0)",
		     ulocal[u], 1000 + (unsigned)u);
	}
}

int main(int argc, char **argv)
{
	size_t n = 1000000;
	uint64_t seed = 1;
	int year = 2024, opt;
	while ((opt = getopt(argc, argv, "n:s:py:")) != -1) {
		if (opt == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 10);
		else if (opt == 'p')
			with_pri = 1;
		else if (opt == 'y')
			year = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-n LINES] [-s SEED] [-p] [-y YEAR]\n", argv[0]);
			return 2;
		}
	}
	rs ^= seed * 0x9e3779b97f4a7c15ULL;
	if (rs == 0)
		rs = 1;
	for (int i = 0; i < 16; i++)
		next64();
	setup();
	struct tm tm = { 0 };
	tm.tm_year = year - 1900;
	tm.tm_mon = 2;
	tm.tm_mday = 1;
	now_ms = (int64_t)timegm(&tm) * 1000;
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (size_t i = 0; i < n; i++) {
		now_ms += rnd(161);
		if (rnd(2))
			auth_line();
		else
			noise_line();
	}
	if (fflush(stdout) != 0)
		return 1;
	fprintf(stderr,
		"gen: %zu lines: %llu auth, %llu noise; auth actors: legit %llu, hammer %llu, "
		"dictionary %llu, distributed %llu, scanners %llu\ngen: families:",
		n, (unsigned long long)n_auth, (unsigned long long)n_noise,
		(unsigned long long)sc_count[SC_LEGIT], (unsigned long long)sc_count[SC_HAMMER],
		(unsigned long long)sc_count[SC_DICT], (unsigned long long)sc_count[SC_DIST],
		(unsigned long long)sc_count[SC_SCAN]);
	for (size_t f = 0; f < NFAMS; f++)
		fprintf(stderr, " %s %llu", fams[f].name, (unsigned long long)fam_count[f]);
	fprintf(stderr, "\n");
	return 0;
}
