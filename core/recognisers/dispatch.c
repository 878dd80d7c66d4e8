/* dispatch.c - from the syslog tag to the recognisers of a family: the
 * family table (names, recognisers, built-in program names).
 *
 * The tag look-up is the only work a line of no family costs: the program
 * part of the tag is hashed once and looked up in a small open-addressing
 * table built at start-up; then a prefix check for a PAM module's line,
 * which any program may log (ap_recognise_untagged).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include "recognisers/dispatch.h"

/* every family (core/recognisers/<family>.c); tried in the order of
 * ap_family when a tag maps to several */
extern const ap_family_def ap_family_vpopmail AP_HIDDEN;
extern const ap_family_def ap_family_dovecot AP_HIDDEN;
extern const ap_family_def ap_family_postfix AP_HIDDEN;
extern const ap_family_def ap_family_courier AP_HIDDEN;
extern const ap_family_def ap_family_exim AP_HIDDEN;
extern const ap_family_def ap_family_cpanel AP_HIDDEN;
extern const ap_family_def ap_family_xeams AP_HIDDEN;
extern const ap_family_def ap_family_lfd AP_HIDDEN;
extern const ap_family_def ap_family_sshd AP_HIDDEN;
extern const ap_family_def ap_family_cyrus AP_HIDDEN;
extern const ap_family_def ap_family_sendmail AP_HIDDEN;
extern const ap_family_def ap_family_uwimap AP_HIDDEN;
extern const ap_family_def ap_family_roundcube AP_HIDDEN;
extern const ap_family_def ap_family_horde AP_HIDDEN;
extern const ap_family_def ap_family_solidpop3d AP_HIDDEN;
extern const ap_family_def ap_family_perdition AP_HIDDEN;
extern const ap_family_def ap_family_pam AP_HIDDEN;
extern const ap_family_def ap_family_directadmin AP_HIDDEN;
extern const ap_family_def ap_family_webmin AP_HIDDEN;
extern const ap_family_def ap_family_plesk AP_HIDDEN;
extern const ap_family_def ap_family_hestia AP_HIDDEN;
extern const ap_family_def ap_family_cwp AP_HIDDEN;
extern const ap_family_def ap_family_froxlor AP_HIDDEN;
extern const ap_family_def ap_family_cphulk AP_HIDDEN;
extern const ap_family_def ap_family_pureftpd AP_HIDDEN;
extern const ap_family_def ap_family_proftpd AP_HIDDEN;
extern const ap_family_def ap_family_vsftpd AP_HIDDEN;
extern const ap_family_def ap_family_qmail AP_HIDDEN;
extern const ap_family_def ap_family_apache AP_HIDDEN;
extern const ap_family_def ap_family_nginx AP_HIDDEN;
extern const ap_family_def ap_family_litespeed AP_HIDDEN;
extern const ap_family_def ap_family_lighttpd AP_HIDDEN;
extern const ap_family_def ap_family_mysql AP_HIDDEN;
extern const ap_family_def ap_family_phpmyadmin AP_HIDDEN;
extern const ap_family_def ap_family_postgresql AP_HIDDEN;
extern const ap_family_def ap_family_sogo AP_HIDDEN;
extern const ap_family_def ap_family_squirrelmail AP_HIDDEN;
extern const ap_family_def ap_family_openwebmail AP_HIDDEN;
extern const ap_family_def ap_family_groupoffice AP_HIDDEN;
extern const ap_family_def ap_family_tine20 AP_HIDDEN;
extern const ap_family_def ap_family_zimbra AP_HIDDEN;
extern const ap_family_def ap_family_nginxmail AP_HIDDEN;
extern const ap_family_def ap_family_kerio AP_HIDDEN;
extern const ap_family_def ap_family_domino AP_HIDDEN;
extern const ap_family_def ap_family_oracleims AP_HIDDEN;
extern const ap_family_def ap_family_dropbear AP_HIDDEN;
extern const ap_family_def ap_family_nextcloud AP_HIDDEN;

static const ap_family_def *const families[AP_FAM__COUNT] = {
	[AP_FAM_VPOPMAIL] = &ap_family_vpopmail,
	[AP_FAM_DOVECOT] = &ap_family_dovecot,
	[AP_FAM_POSTFIX] = &ap_family_postfix,
	[AP_FAM_COURIER] = &ap_family_courier,
	[AP_FAM_EXIM] = &ap_family_exim,
	[AP_FAM_CPANEL] = &ap_family_cpanel,
	[AP_FAM_XEAMS] = &ap_family_xeams,
	[AP_FAM_LFD] = &ap_family_lfd,
	[AP_FAM_SSHD] = &ap_family_sshd,
	[AP_FAM_CYRUS] = &ap_family_cyrus,
	[AP_FAM_SENDMAIL] = &ap_family_sendmail,
	[AP_FAM_UWIMAP] = &ap_family_uwimap,
	[AP_FAM_ROUNDCUBE] = &ap_family_roundcube,
	[AP_FAM_HORDE] = &ap_family_horde,
	[AP_FAM_SOLIDPOP3D] = &ap_family_solidpop3d,
	[AP_FAM_PERDITION] = &ap_family_perdition,
	[AP_FAM_PAM] = &ap_family_pam,
	[AP_FAM_DIRECTADMIN] = &ap_family_directadmin,
	[AP_FAM_WEBMIN] = &ap_family_webmin,
	[AP_FAM_PLESK] = &ap_family_plesk,
	[AP_FAM_HESTIA] = &ap_family_hestia,
	[AP_FAM_CWP] = &ap_family_cwp,
	[AP_FAM_FROXLOR] = &ap_family_froxlor,
	[AP_FAM_CPHULK] = &ap_family_cphulk,
	[AP_FAM_PUREFTPD] = &ap_family_pureftpd,
	[AP_FAM_PROFTPD] = &ap_family_proftpd,
	[AP_FAM_VSFTPD] = &ap_family_vsftpd,
	[AP_FAM_QMAIL] = &ap_family_qmail,
	[AP_FAM_APACHE] = &ap_family_apache,
	[AP_FAM_NGINX] = &ap_family_nginx,
	[AP_FAM_LITESPEED] = &ap_family_litespeed,
	[AP_FAM_LIGHTTPD] = &ap_family_lighttpd,
	[AP_FAM_MYSQL] = &ap_family_mysql,
	[AP_FAM_PHPMYADMIN] = &ap_family_phpmyadmin,
	[AP_FAM_POSTGRESQL] = &ap_family_postgresql,
	[AP_FAM_SOGO] = &ap_family_sogo,
	[AP_FAM_SQUIRRELMAIL] = &ap_family_squirrelmail,
	[AP_FAM_OPENWEBMAIL] = &ap_family_openwebmail,
	[AP_FAM_GROUPOFFICE] = &ap_family_groupoffice,
	[AP_FAM_TINE20] = &ap_family_tine20,
	[AP_FAM_ZIMBRA] = &ap_family_zimbra,
	[AP_FAM_NGINXMAIL] = &ap_family_nginxmail,
	[AP_FAM_KERIO] = &ap_family_kerio,
	[AP_FAM_DOMINO] = &ap_family_domino,
	[AP_FAM_ORACLEIMS] = &ap_family_oracleims,
	[AP_FAM_DROPBEAR] = &ap_family_dropbear,
	[AP_FAM_NEXTCLOUD] = &ap_family_nextcloud,
};

#define F(x) AP_FAMSET(x)

const char *ap_family_name(ap_family f)
{
	return (f > AP_FAM_NONE && f < AP_FAM__COUNT && families[f]) ? families[f]->name : NULL;
}

ap_family ap_family_from_name(const char *name, size_t len)
{
	for (int f = 1; f < AP_FAM__COUNT; f++)
		if (families[f] != NULL
		    && ap_span_ieq(ap_span_make(name, len), families[f]->name,
				   strlen(families[f]->name)))
			return (ap_family)f;
	return AP_FAM_NONE;
}

#define MAP_SLOTS 512 /* power of two, well above the entries */

struct ap_progmap {
	struct slot {
		char name[48];
		uint8_t len;
		ap_famset fams;
	} slot[MAP_SLOTS];
	bool slashed; /* a name with a '/' was put (the programs parameter) */
};

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* the name's length, its first and its last eight bytes, folded */
static uint32_t hash_name(const char *p, size_t n)
{
	uint64_t h = (ap_fold8(p, n) ^ n) * 0x9e3779b97f4a7c15ull;
	if (n > 8)
		h = (h ^ ap_fold8(p + n - 8, 8)) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32);
}

static int map_put(ap_progmap *m, const char *name, size_t n, ap_famset fams)
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
			s->fams = fams; /* a user mapping replaces the built-in one */
			if (memchr(name, '/', n) != NULL)
				m->slashed = true;
			return 1;
		}
	}
	return 0;
}

static ap_famset map_get(const ap_progmap *m, const char *name, size_t n)
{
	if (n == 0 || n >= sizeof(m->slot[0].name))
		return 0;
	uint32_t i = hash_name(name, n) & (MAP_SLOTS - 1);
	for (unsigned probe = 0; probe < MAP_SLOTS; probe++, i = (i + 1) & (MAP_SLOTS - 1)) {
		const struct slot *s = &m->slot[i];
		if (s->len == 0)
			return 0;
		if (s->len == n) {
			/* the stored name is lower case and zero-padded to its
			 * 48 bytes, so its last word compares whole with the
			 * folded one (zeros above n) */
			size_t k = 0;
			uint64_t have;
			for (; k < n; k += 8) {
				memcpy(&have, s->name + k, 8);
				if (have != ap_fold8(name + k, n - k < 8 ? n - k : 8))
					break;
			}
			if (k >= n)
				return s->fams;
		}
	}
	return 0;
}

static void fill_builtin(ap_progmap *m)
{
	/* a tag several families read ("auth", "imapd") maps to all of them */
	for (int f = 1; f < AP_FAM__COUNT; f++) {
		if (families[f] == NULL)
			continue;
		for (const char *const *p = families[f]->programs; *p != NULL; p++) {
			size_t n = strlen(*p);
			map_put(m, *p, n, map_get(m, *p, n) | F(f));
		}
	}
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
				char known[1024];
				size_t k = 0;
				known[0] = '\0';
				for (int g = 1; g < AP_FAM__COUNT; g++) {
					if (families[g] == NULL)
						continue;
					int w = snprintf(known + k, sizeof(known) - k, "%s%s",
							 k ? ", " : "", families[g]->name);
					if (w < 0 || (size_t)w >= sizeof(known) - k)
						break;
					k += (size_t)w;
				}
				ap_logf(log, cookie, AP_LOG_ERR,
					"programs: '%s' is not of the form "
					"tag=family with a known family (%s) and a tag of at most "
					"47 bytes",
					e, known);
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
static void builtin_init(void)
{
	fill_builtin(&builtin_map);
}

const ap_progmap *ap_progmap_builtin(void)
{
	pthread_once(&builtin_once, builtin_init);
	return &builtin_map;
}

ap_famset ap_progmap_lookup_slash(const ap_progmap *m, const char *prog, size_t n,
				  const char *slash)
{
	if (n == 0)
		return 0;
	/* a name with a '/' can be in the map only if the programs parameter
	 * put one there: otherwise it is not looked for */
	if (slash == NULL || m->slashed) {
		ap_famset f = map_get(m, prog, n);
		if (f != 0)
			return f;
	}
	if (slash != NULL) {
		/* postfix[-instance]/[service/]smtpd, cyrus/imaps, host/imap */
		if (AP_HAS_IPREFIX(prog, n, "postfix")) {
			/* only smtpd's lines are read (postfix.c): the other
			 * services' (qmgr, cleanup, lmtp, smtp: most of a mail
			 * server's log) are a family's tag that no recogniser
			 * is tried on, the set of AP_FAM_NONE alone */
			const char *last = slash + 1;
			return AP_SPAN_IIS(ap_span_make(last, n - (size_t)(last - prog)), "smtpd")
				       ? F(AP_FAM_POSTFIX)
				       : F(AP_FAM_NONE);
		}
		if (AP_HAS_IPREFIX(prog, n, "cyrus"))
			return F(AP_FAM_CYRUS);
		const char *last = slash + 1;
		return map_get(m, last, n - (size_t)(last - prog));
	}
	/* perdition.imaps, perdition.pop3 ... */
	if (AP_HAS_IPREFIX(prog, n, "perdition."))
		return map_get(m, "perdition", AP_LEN("perdition"));
	return 0;
}

/* the bytes that end the program part of a tag (1), and '/' (2), whose
 * last place the look-up wants */
static const uint8_t tag_end[256] = {
	['['] = 1, ['('] = 1, [':'] = 1, [' '] = 1, ['\t'] = 1, ['<'] = 1, ['/'] = 2
};

/* "[sshd]:" (an old logger's bracketed program name, no pid): 1 and the
 * name, else 0 (a rare form: out of the hot path) */
static __attribute__((noinline)) int bracketed(const char *tag, size_t taglen, size_t n,
					       const char **prog, size_t *proglen)
{
	const char *rb = memchr(tag + n + 1, ']', taglen - n - 1);
	if (rb != NULL && rb > tag + n + 1 && (size_t)(rb + 1 - tag) <= taglen
	    && ((size_t)(rb + 1 - tag) == taglen || rb[1] == ':')) {
		*prog = tag + n + 1;
		*proglen = (size_t)(rb - (tag + n + 1));
		return 1;
	}
	return 0;
}

const char *ap_tag_program_slash(const char *tag, size_t taglen, const char **prog, size_t *proglen)
{
	size_t n = 0;
	while (n < taglen && (tag[n] == ' ' || tag[n] == '\t'))
		n++;
	if (n < taglen && tag[n] == '[' && bracketed(tag, taglen, n, prog, proglen))
		return AP_MEMRMEM(*prog, *proglen, "/");
	const char *p = tag + n, *q = p, *e = tag + taglen, *slash = NULL;
	/* up to an end or a '/', and past each '/' to the next: the tight
	 * loop stays one table test a byte */
	while (q < e && !tag_end[(unsigned char)*q])
		q++;
	while (q < e && tag_end[(unsigned char)*q] == 2) {
		slash = q++;
		while (q < e && !tag_end[(unsigned char)*q])
			q++;
	}
	*prog = p;
	*proglen = (size_t)(q - p);
	return slash;
}

int ap_recognise(ap_famset fams, const ap_line *ln, ap_event *ev)
{
	/* the set's families in ap_family order, lowest bit first */
	for (fams &= ~(ap_famset)1; fams != 0; fams &= fams - 1) {
		int f = __builtin_ctzll(fams);
		if (f >= AP_FAM__COUNT || families[f] == NULL)
			continue;
		ap_event_init(ev);
		if (families[f]->recognise(ln, ev)) {
			ev->family = (uint8_t)f;
			if (ev->kind == AP_KIND_NONE)
				ev->kind = AP_KIND_AUTH;
			return 1;
		}
	}
	return 0;
}

int ap_recognise_untagged(const ap_line *ln, ap_event *ev)
{
	/* the kernel logs no PAM line: one under its tag is forged */
	if (AP_SPAN_IS(ap_span_make(ln->prog, ln->proglen), "kernel") || !ap_pam_marker(ln))
		return 0;
	ap_event_init(ev);
	if (!ap_rec_pam_any(ln, ev))
		return 0;
	ev->family = AP_FAM_PAM;
	if (ev->kind == AP_KIND_NONE)
		ev->kind = AP_KIND_AUTH;
	return 1;
}
