/* dispatch.c - from the syslog tag to the recognisers of a family: the
 * family table (names, recognisers, built-in program names).
 *
 * The tag look-up is the only work a line of no family costs: the program
 * part of the tag is hashed once and looked up in a small open-addressing
 * table built at start-up.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include "recognisers/dispatch.h"

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

static const char *const family_names[AP_FAM__COUNT] = {
	[AP_FAM_NONE] = NULL,
	[AP_FAM_VPOPMAIL] = "vpopmail",
	[AP_FAM_DOVECOT] = "dovecot",
	[AP_FAM_POSTFIX] = "postfix",
	[AP_FAM_COURIER] = "courier",
	[AP_FAM_EXIM] = "exim",
	[AP_FAM_CPANEL] = "cpanel",
	[AP_FAM_XEAMS] = "xeams",
	[AP_FAM_LFD] = "lfd",
	[AP_FAM_SSHD] = "sshd",
	[AP_FAM_CYRUS] = "cyrus",
	[AP_FAM_SENDMAIL] = "sendmail",
	[AP_FAM_UWIMAP] = "uw-imap",
	[AP_FAM_ROUNDCUBE] = "roundcube",
	[AP_FAM_HORDE] = "horde",
	[AP_FAM_SOLIDPOP3D] = "solid-pop3d",
	[AP_FAM_PERDITION] = "perdition",
	[AP_FAM_PAM] = "pam",
};

const char *ap_family_name(ap_family f)
{
	return (f > AP_FAM_NONE && f < AP_FAM__COUNT) ? family_names[f] : NULL;
}

ap_family ap_family_from_name(const char *name, size_t len)
{
	for (int f = 1; f < AP_FAM__COUNT; f++)
		if (ap_span_ieq(ap_span_make(name, len), family_names[f], strlen(family_names[f])))
			return (ap_family)f;
	return AP_FAM_NONE;
}

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
