/* dispatch.c - from the syslog tag to the recognisers of a family, and
 * the splitting of whole log lines (command-line tool, tests).
 *
 * The tag look-up is the only work a line of no family costs: the program
 * part of the tag is hashed once and looked up in a small open-addressing
 * table built at start-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include "internal.h"

/* recogniser and tried-first order of every family */
static const ap_recognise_fn recognisers[AP_FAM__COUNT] = {
	[AP_FAM_VPOPMAIL] = ap_rec_vpopmail,
	[AP_FAM_DOVECOT] = ap_rec_dovecot,
	[AP_FAM_POSTFIX] = ap_rec_postfix,
	[AP_FAM_COURIER] = ap_rec_courier,
	[AP_FAM_EXIM] = ap_rec_exim,
	[AP_FAM_CPANEL] = ap_rec_cpanel,
	[AP_FAM_XEAMS] = ap_rec_xeams,
	[AP_FAM_LFD] = ap_rec_lfd,
	[AP_FAM_SSHD] = ap_rec_sshd,
	[AP_FAM_CYRUS] = ap_rec_cyrus,
	[AP_FAM_SENDMAIL] = ap_rec_sendmail,
	[AP_FAM_UWIMAP] = ap_rec_uwimap,
	[AP_FAM_ROUNDCUBE] = ap_rec_roundcube,
	[AP_FAM_HORDE] = ap_rec_horde,
	[AP_FAM_SOLIDPOP3D] = ap_rec_solidpop3d,
	[AP_FAM_PERDITION] = ap_rec_perdition,
	[AP_FAM_PAM] = ap_rec_pam,
};

#define F(x) (1u << (x))

/* built-in program names (case-insensitive) */
static const struct { const char *name; uint32_t fams; } builtin_progs[] = {
	{ "vpopmail", F(AP_FAM_VPOPMAIL) },
	{ "vchkpw", F(AP_FAM_VPOPMAIL) },
	{ "dovecot", F(AP_FAM_DOVECOT) },
	{ "imap-login", F(AP_FAM_DOVECOT) },
	{ "pop3-login", F(AP_FAM_DOVECOT) },
	{ "submission-login", F(AP_FAM_DOVECOT) },
	{ "managesieve-login", F(AP_FAM_DOVECOT) },
	{ "auth", F(AP_FAM_DOVECOT) | F(AP_FAM_PAM) },
	{ "auth-worker", F(AP_FAM_DOVECOT) | F(AP_FAM_PAM) },
	{ "dovecot-auth", F(AP_FAM_DOVECOT) | F(AP_FAM_PAM) },
	{ "smtpd", F(AP_FAM_POSTFIX) },
	{ "imapd", F(AP_FAM_COURIER) | F(AP_FAM_CYRUS) | F(AP_FAM_UWIMAP) },
	{ "imapd-ssl", F(AP_FAM_COURIER) },
	{ "pop3d", F(AP_FAM_COURIER) | F(AP_FAM_CYRUS) },
	{ "pop3d-ssl", F(AP_FAM_COURIER) },
	{ "courierpop3login", F(AP_FAM_COURIER) },
	{ "courierpop3d", F(AP_FAM_COURIER) },
	{ "courierimaplogin", F(AP_FAM_COURIER) },
	{ "imaplogin", F(AP_FAM_COURIER) },
	{ "courieresmtpd", F(AP_FAM_COURIER) },
	{ "courier-imap", F(AP_FAM_COURIER) },
	{ "courier-imapd", F(AP_FAM_COURIER) },
	{ "courier-imapd-ssl", F(AP_FAM_COURIER) },
	{ "courier-pop3d", F(AP_FAM_COURIER) },
	{ "courier-pop3d-ssl", F(AP_FAM_COURIER) },
	{ "courier-pop3", F(AP_FAM_COURIER) },
	{ "exim", F(AP_FAM_EXIM) },
	{ "exim4", F(AP_FAM_EXIM) },
	{ "cpanel", F(AP_FAM_CPANEL) },
	{ "cpanel-login", F(AP_FAM_CPANEL) },
	{ "xeams", F(AP_FAM_XEAMS) },
	{ "lfd", F(AP_FAM_LFD) },
	{ "sshd", F(AP_FAM_SSHD) },
	{ "sshd-session", F(AP_FAM_SSHD) },
	{ "sshd-auth", F(AP_FAM_SSHD) },
	{ "imap", F(AP_FAM_CYRUS) },
	{ "imaps", F(AP_FAM_CYRUS) },
	{ "pop3", F(AP_FAM_CYRUS) },
	{ "pop3s", F(AP_FAM_CYRUS) },
	{ "timsieved", F(AP_FAM_CYRUS) },
	{ "sieve", F(AP_FAM_CYRUS) },
	{ "sendmail", F(AP_FAM_SENDMAIL) },
	{ "sm-mta", F(AP_FAM_SENDMAIL) },
	{ "sm-acceptingconnections", F(AP_FAM_SENDMAIL) },
	{ "ipop3d", F(AP_FAM_UWIMAP) },
	{ "ipop2d", F(AP_FAM_UWIMAP) },
	{ "roundcube", F(AP_FAM_ROUNDCUBE) },
	{ "horde", F(AP_FAM_HORDE) },
	{ "solid-pop3d", F(AP_FAM_SOLIDPOP3D) },
	{ "perdition", F(AP_FAM_PERDITION) },
};

#define MAP_SLOTS 512	/* power of two, well above the entries */

struct ap_progmap {
	struct slot {
		char name[48];
		uint8_t len;
		uint32_t fams;
	} slot[MAP_SLOTS];
};

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint32_t hash_name(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= lc((unsigned char)p[i]);
		h *= 16777619u;
	}
	return h;
}

static int map_put(ap_progmap *m, const char *name, size_t n, uint32_t fams)
{
	if (n == 0 || n >= sizeof(m->slot[0].name))
		return 0;
	uint32_t i = hash_name(name, n) & (MAP_SLOTS - 1);
	for (unsigned probe = 0; probe < MAP_SLOTS; probe++, i = (i + 1) & (MAP_SLOTS - 1)) {
		struct slot *s = &m->slot[i];
		if (s->len == 0 || ap_span_ieq(ap_span_make(s->name, s->len), name, n)) {
			for (size_t k = 0; k < n; k++)
				s->name[k] = (char)lc((unsigned char)name[k]);
			s->len = (uint8_t)n;
			s->fams = fams;	/* a user mapping replaces the built-in one */
			return 1;
		}
	}
	return 0;
}

static uint32_t map_get(const ap_progmap *m, const char *name, size_t n)
{
	if (n == 0 || n >= sizeof(m->slot[0].name))
		return 0;
	uint32_t i = hash_name(name, n) & (MAP_SLOTS - 1);
	for (unsigned probe = 0; probe < MAP_SLOTS; probe++, i = (i + 1) & (MAP_SLOTS - 1)) {
		const struct slot *s = &m->slot[i];
		if (s->len == 0)
			return 0;
		if (s->len == n) {
			size_t k = 0;
			while (k < n && s->name[k] == (char)lc((unsigned char)name[k]))
				k++;
			if (k == n)
				return s->fams;
		}
	}
	return 0;
}

static void fill_builtin(ap_progmap *m)
{
	for (size_t i = 0; i < sizeof(builtin_progs) / sizeof(builtin_progs[0]); i++)
		map_put(m, builtin_progs[i].name, strlen(builtin_progs[i].name), builtin_progs[i].fams);
}

ap_progmap *ap_progmap_new(const char *const *extra, size_t nextra, ap_log_fn log, void *cookie)
{
	ap_progmap *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	fill_builtin(m);
	for (size_t i = 0; i < nextra; i++) {
		const char *e = extra[i];
		const char *eq = strchr(e, '=');
		ap_family f = eq ? ap_family_from_name(eq + 1, strlen(eq + 1)) : AP_FAM_NONE;
		if (eq == NULL || eq == e || f == AP_FAM_NONE
		    || !map_put(m, e, (size_t)(eq - e), F(f))) {
			if (log) {
				char buf[512];
				snprintf(buf, sizeof(buf), "programs: '%s' is not of the form "
					 "tag=family with a known family (vpopmail, dovecot, postfix, "
					 "courier, exim, cpanel, xeams, lfd, sshd, cyrus, sendmail, "
					 "uw-imap, roundcube, horde, solid-pop3d, perdition, pam) "
					 "and a tag of at most 47 bytes", e);
				log(cookie, AP_LOG_ERR, buf);
			}
			free(m);
			return NULL;
		}
	}
	return m;
}

void ap_progmap_free(ap_progmap *m)
{
	free(m);
}

static ap_progmap builtin_map;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static void builtin_init(void) { fill_builtin(&builtin_map); }

const ap_progmap *ap_progmap_builtin(void)
{
	pthread_once(&builtin_once, builtin_init);
	return &builtin_map;
}

static int has_prefix_ci(const char *p, size_t n, const char *pre)
{
	size_t pn = strlen(pre);
	return n >= pn && ap_span_ieq(ap_span_make(p, pn), pre, pn);
}

uint32_t ap_progmap_lookup(const ap_progmap *m, const char *prog, size_t n)
{
	uint32_t f = map_get(m, prog, n);
	if (f != 0 || n == 0)
		return f;
	const char *slash = memchr(prog, '/', n);
	if (slash != NULL) {
		/* postfix[-instance]/[service/]smtpd, cyrus/imaps, host/imap */
		if (has_prefix_ci(prog, n, "postfix"))
			return F(AP_FAM_POSTFIX);
		if (has_prefix_ci(prog, n, "cyrus"))
			return F(AP_FAM_CYRUS);
		const char *last = ap_memrmem(prog, n, "/", 1) + 1;
		return map_get(m, last, n - (size_t)(last - prog));
	}
	/* perdition.imaps, perdition.pop3 ... */
	if (has_prefix_ci(prog, n, "perdition."))
		return map_get(m, "perdition", 9);
	return 0;
}

void ap_tag_program(const char *tag, size_t taglen, const char **prog, size_t *proglen)
{
	size_t n = 0;
	while (n < taglen && (tag[n] == ' ' || tag[n] == '\t'))
		n++;
	const char *p = tag + n;
	size_t len = 0;
	while (n + len < taglen) {
		char c = p[len];
		if (c == '[' || c == '(' || c == ':' || c == ' ' || c == '\t' || c == '<')
			break;
		len++;
	}
	*prog = p;
	*proglen = len;
}

int ap_recognise(uint32_t families, const ap_line *ln, ap_event *ev)
{
	for (int f = 1; f < AP_FAM__COUNT; f++) {
		if (!(families & F(f)) || recognisers[f] == NULL)
			continue;
		ap_event_init(ev);
		if (recognisers[f](ln, ev)) {
			ev->family = (uint8_t)f;
			if (ev->kind == AP_KIND_NONE)
				ev->kind = AP_KIND_AUTH;
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* "Mmm dd hh:mm:ss" (day space-padded or not); returns bytes used or 0 */
static size_t rfc3164_time(const char *p, size_t n, int year, int64_t *t)
{
	if (n < 14)
		return 0;
	int mon = ap_month_from_abbr(p, 3);
	if (mon == 0 || p[3] != ' ')
		return 0;
	size_t i = 4;
	if (p[i] == ' ')
		i++;
	int day = 0;
	size_t ds = i;
	while (i < n && i - ds < 2 && p[i] >= '0' && p[i] <= '9')
		day = day * 10 + (p[i++] - '0');
	if (i == ds || i + 9 > n || p[i] != ' ')
		return 0;
	i++;
	int hh, mm, ss;
	if (!ap_digits(p + i, 2, &hh) || p[i + 2] != ':' || !ap_digits(p + i + 3, 2, &mm)
	    || p[i + 5] != ':' || !ap_digits(p + i + 6, 2, &ss))
		return 0;
	i += 8;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	if (year == 0) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		year = tm.tm_year + 1900;
	}
	*t = ap_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss;
	return i;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac][Z|+hh:mm]"; returns bytes used or 0 */
static size_t iso_time(const char *p, size_t n, int64_t *t)
{
	size_t i = ap_parse_ymdhms(p, n, 'T', t);
	if (i == 0)
		return 0;
	int64_t off = 0;
	if (i < n && p[i] == 'Z') {
		i++;
	} else if (i + 6 <= n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
		int oh, om;
		if (ap_digits(p + i + 1, 2, &oh) && ap_digits(p + i + 4, 2, &om)) {
			off = (oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1);
			i += 6;
		}
	}
	*t -= off;
	return i;
}

/* a tag word: ends with ':' (the broken "vpopmail[18917:" too), no '=' or ',' */
static int is_tag_word(const char *p, size_t n)
{
	if (n < 2 || p[n - 1] != ':' || n > 64)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '=' || p[i] == ',' || p[i] == '"')
			return 0;
	return 1;
}

static size_t word_len(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != ' ' && p[i] != '\t')
		i++;
	return i;
}

int ap_split_line(const char *line, size_t len, int year, ap_input *in)
{
	in->tag = line;
	in->taglen = 0;
	in->msg = line;
	in->msglen = len;
	in->time = 0;
	in->time_fn = NULL;
	in->time_arg = NULL;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	in->msglen = len;

	/* a raw syslog capture starts with "<PRI>" */
	if (len > 2 && line[0] == '<') {
		size_t k = 1;
		while (k < len && k < 5 && line[k] >= '0' && line[k] <= '9')
			k++;
		if (k > 1 && k < len && line[k] == '>') {
			line += k + 1;
			len -= k + 1;
		}
	}
	size_t i = rfc3164_time(line, len, year, &in->time);
	if (i == 0)
		i = iso_time(line, len, &in->time);
	const char *p = line + i;
	size_t n = len - i;
	while (n > 0 && *p == ' ') {
		p++;
		n--;
	}
	/* [host] tag: msg */
	for (int w = 0; w < 2 && n > 0; w++) {
		size_t wl = word_len(p, n);
		/* without a time stamp, "host tag[pid]: msg" needs the pid */
		if (is_tag_word(p, wl) && (i > 0 || w == 0 || memchr(p, '[', wl) != NULL)) {
			in->tag = p;
			in->taglen = wl;
			in->msg = p + wl;
			in->msglen = n - wl;
			return 1;
		}
		/* dovecot 2.4 file log: "auth(user,ip,sasl:login)<sess>: Info: ..." */
		const char *paren = memchr(p, '(', wl);
		if (paren != NULL && paren > p && wl > 1 && p[wl - 1] == ':') {
			in->tag = p;
			in->taglen = (size_t)(paren - p);
			in->msg = p;
			in->msglen = n;
			return 1;
		}
		p += wl;
		n -= wl;
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
	}
	in->tag = line;
	in->taglen = 0;
	in->msg = line;
	in->msglen = len;
	in->time = 0;
	return 0;
}
