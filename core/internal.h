/* internal.h - what the parts of the core share; not installed, not used
 * by the rsyslog module.
 *
 * Recognisers work on an ap_line: the program part of the tag and the
 * message, both as (pointer, length) with no NUL assumed.  They scan the
 * message once from left to right with the cursor helpers below, check
 * bounds before every access, allocate nothing and fill an ap_event whose
 * spans point into the message.  They return 1 for an event, 0 otherwise;
 * on 0 the event's contents do not matter.
 */
#ifndef AP_INTERNAL_H
#define AP_INTERNAL_H

#include <string.h>
#include "authparse.h"

#define AP_HIDDEN __attribute__((visibility("hidden")))
#define AP_UNUSED __attribute__((unused))

typedef struct ap_line {
	const char *tag;	/* the whole tag as received (dovecot 2.4 file logs
				   carry "auth(user,ip,sasl:login)<sess>" there) */
	size_t taglen;
	const char *prog;	/* tag without "[pid]", "(n)" and ":": "postfix/smtpd" */
	size_t proglen;
	const char *msg;	/* message, leading blanks skipped */
	size_t len;
	const char *msg0;	/* message as given (redaction offsets count from it) */
} ap_line;

typedef int (*ap_recognise_fn)(const ap_line *ln, ap_event *ev);

/* one recogniser per family (core/rec_<family>.c) */
int ap_rec_vpopmail(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_dovecot(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_postfix(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_courier(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_exim(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_cpanel(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_xeams(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_lfd(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_sshd(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_cyrus(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_sendmail(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_uwimap(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_roundcube(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_horde(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_solidpop3d(const ap_line *ln, ap_event *ev) AP_HIDDEN;
int ap_rec_perdition(const ap_line *ln, ap_event *ev) AP_HIDDEN;
/* pam_unix/pam_sss style "authentication failure; ... rhost=" lines; other
 * recognisers call it for PAM lines under their own tag */
int ap_rec_pam(const ap_line *ln, ap_event *ev) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* cursor: p moves towards e, never past it                             */

typedef struct {
	const char *p;
	const char *e;
} ap_cur;

static inline ap_cur ap_cur_make(const char *p, size_t n)
{
	ap_cur c = { p, p + n };
	return c;
}

static inline size_t ap_cur_left(const ap_cur *c) { return (size_t)(c->e - c->p); }

/* does the cursor start with the literal?  (no move) */
static inline int ap_cur_at(const ap_cur *c, const char *lit, size_t n)
{
	return ap_cur_left(c) >= n && memcmp(c->p, lit, n) == 0;
}
#define AP_AT(c, lit) ap_cur_at((c), (lit), sizeof(lit) - 1)

/* consume the literal if it is there */
static inline int ap_cur_eat(ap_cur *c, const char *lit, size_t n)
{
	if (!ap_cur_at(c, lit, n))
		return 0;
	c->p += n;
	return 1;
}
#define AP_EAT(c, lit) ap_cur_eat((c), (lit), sizeof(lit) - 1)

static inline int ap_cur_eatc(ap_cur *c, char ch)
{
	if (c->p < c->e && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static inline void ap_cur_skip_blanks(ap_cur *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* find the literal at or after the cursor; move to its start (returns 1)
 * or leave the cursor alone (returns 0) */
int ap_cur_find(ap_cur *c, const char *lit, size_t n) AP_HIDDEN;
#define AP_FIND(c, lit) ap_cur_find((c), (lit), sizeof(lit) - 1)
/* like ap_cur_find, then step over the literal */
int ap_cur_skip_past(ap_cur *c, const char *lit, size_t n) AP_HIDDEN;
#define AP_SKIP_PAST(c, lit) ap_cur_skip_past((c), (lit), sizeof(lit) - 1)

/* span up to (not including) the first ch; the cursor stops on ch.
 * Returns 0 (cursor unchanged) when ch does not occur. */
int ap_cur_until(ap_cur *c, char ch, ap_span *out) AP_HIDDEN;
/* span of non-blank characters (maybe empty); cursor after it */
ap_span ap_cur_word(ap_cur *c) AP_HIDDEN;
/* exactly n decimal digits (n <= 9) as an int; 1 ok */
int ap_digits(const char *p, size_t n, int *out) AP_HIDDEN;
/* unsigned decimal (at most 18 digits); 1 ok */
int ap_cur_uint(ap_cur *c, int64_t *out) AP_HIDDEN;

/* memmem without GNU extensions */
const char *ap_memmem(const char *h, size_t hn, const char *n, size_t nn) AP_HIDDEN;
/* last occurrence */
const char *ap_memrmem(const char *h, size_t hn, const char *n, size_t nn) AP_HIDDEN;

static inline ap_span ap_span_make(const char *p, size_t n)
{
	ap_span s = { p, (uint32_t)n };
	return s;
}
#define AP_SPAN_LIT(lit) ap_span_make((lit), sizeof(lit) - 1)

static inline int ap_span_eq(ap_span s, const char *lit, size_t n)
{
	return s.n == n && memcmp(s.p, lit, n) == 0;
}
#define AP_SPAN_IS(s, lit) ap_span_eq((s), (lit), sizeof(lit) - 1)

int ap_span_ieq(ap_span s, const char *lit, size_t n) AP_HIDDEN;
#define AP_SPAN_IIS(s, lit) ap_span_ieq((s), (lit), sizeof(lit) - 1)

/* trim blanks at both ends */
ap_span ap_span_trim(ap_span s) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* event helpers                                                       */

void ap_event_init(ap_event *ev) AP_HIDDEN;

/* Set ev->ip from text: accepts "1.2.3.4", "2001:db8::1",
 * "::ffff:1.2.3.4", and the same inside "[...]" or "[IPv6:...]".
 * Invalid text leaves ev->ip unset and returns 0. */
int ap_set_ip(ap_addr *dst, const char *p, size_t n) AP_HIDDEN;

/* Set user (and nothing else: the domain is derived when rendering).
 * Empty user is ignored. */
static inline void ap_set_user(ap_event *ev, const char *p, size_t n)
{
	if (n > 0)
		ev->user = ap_span_make(p, n);
}

/* an address into ev->ip, or else a host name into ev->rdns (letters,
 * digits, '.', '-', '_' and at least one letter: "999.1.1.1" is neither) */
void ap_set_ip_or_rdns(ap_event *ev, ap_span h) AP_HIDDEN;

/* a hop a proxy would sit on: loopback, private, link-local, CGNAT */
int ap_addr_is_local_hop(const ap_addr *a) AP_HIDDEN;
/* from a comma-separated forwarded-for list: the rightmost address that is
 * not a local hop, else the rightmost valid one; 0 when none is valid */
int ap_pick_forwarded(const char *p, size_t n, ap_addr *out) AP_HIDDEN;

/* record a password range to redact: [p, p+n) inside ln->msg0's buffer */
void ap_add_redact(ap_event *ev, const ap_line *ln, const char *p, size_t n) AP_HIDDEN;

/* service name from a protocol word ("pop3s" -> "pop3" + tls=1,
 * "IMAP" -> "imap", "smtps" -> "smtp" + tls=1, "submission", ...).
 * Returns the static service name or NULL; sets *tls to 1 for the
 * implicit-TLS names and leaves it alone otherwise. */
const char *ap_service_from_word(const char *p, size_t n, int8_t *tls) AP_HIDDEN;

/* SASL helpers (core/sasl.c) for daemons that log the client's AUTH
 * command: courieresmtpd "cmd: AUTH PLAIN <b64>", exim "SMTP protocol
 * error in \"AUTH LOGIN <b64>\"".  p/n is the text after "AUTH ":
 * "<MECH>[ <initial response>]".  Sets ev->mech; for PLAIN decodes the
 * authentication identity into ev->scratch (never decoding the password)
 * and redacts the response; for LOGIN takes the user name (base64 or as
 * given) and redacts anything after it; for other mechanisms redacts the
 * response.  Returns 1 if a mechanism word was found. */
int ap_sasl_auth_cmd(const ap_line *ln, ap_event *ev, const char *p, size_t n) AP_HIDDEN;

/* time helpers for file formats: seconds since the epoch (UTC) */
int64_t ap_days_from_civil(int64_t y, unsigned m, unsigned d) AP_HIDDEN;
/* "YYYY-MM-DD<sep>HH:MM:SS[.fraction]" as seconds since the epoch, read as
 * UTC (the caller applies a zone); returns the bytes used, 0 if not such
 * a stamp.  An empty fraction ("12:00:00.") is not one. */
size_t ap_parse_ymdhms(const char *p, size_t n, char sep, int64_t *t) AP_HIDDEN;
/* "Jan".."Dec" -> 1..12, 0 if not a month */
int ap_month_from_abbr(const char *p, size_t n) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* tag dispatch                                                        */

typedef struct ap_progmap ap_progmap;
ap_progmap *ap_progmap_new(const char *const *extra, size_t nextra,
			   ap_log_fn log, void *cookie) AP_HIDDEN;
void ap_progmap_free(ap_progmap *m) AP_HIDDEN;
/* families for a program name (bitmask of 1u << ap_family); 0 = none */
uint32_t ap_progmap_lookup(const ap_progmap *m, const char *prog, size_t n) AP_HIDDEN;
/* the built-in map (no extra programs) */
const ap_progmap *ap_progmap_builtin(void) AP_HIDDEN;

/* reduce a tag to the program part: strip "[pid]", "[pid" (broken tags),
 * "(n)", trailing ':' and blanks */
void ap_tag_program(const char *tag, size_t taglen, const char **prog, size_t *proglen) AP_HIDDEN;

/* recognise with a given family set; 1 event */
int ap_recognise(uint32_t families, const ap_line *ln, ap_event *ev) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* geo and detection (core/geo.c, core/detect.c)                       */

typedef struct ap_geodb ap_geodb;		/* the databases of one ctx */
typedef struct ap_geocache ap_geocache;		/* one worker's cache */

ap_geodb *ap_geodb_open(const ap_config *cfg, ap_log_fn log, void *cookie, int *err) AP_HIDDEN;
void ap_geodb_close(ap_geodb *g) AP_HIDDEN;
int ap_geodb_reload(ap_geodb *g) AP_HIDDEN;
ap_geocache *ap_geocache_new(ap_geodb *g, uint32_t size) AP_HIDDEN;
void ap_geocache_free(ap_geocache *c) AP_HIDDEN;
/* this cache's own answered/missed counts (tests, bench); 0 for NULL */
void ap_geocache_counts(const ap_geocache *c, uint64_t *hits, uint64_t *misses) AP_HIDDEN;
/* fill *out (scope always; the rest from the databases for public
 * addresses); g and c may be NULL (scope only) */
void ap_geo_lookup(ap_geodb *g, ap_geocache *c, const ap_addr *a, ap_geo *out,
		   ap_stats *st) AP_HIDDEN;

typedef struct ap_detect ap_detect;
ap_detect *ap_detect_new(const ap_config *cfg, ap_log_fn log, void *cookie, int *err) AP_HIDDEN;
void ap_detect_free(ap_detect *d) AP_HIDDEN;	/* saves the state file if set */
/* feed one event at time t; fills *out (out->fired = 0 when nothing) */
void ap_detect_feed(ap_detect *d, const ap_event *ev, int64_t t, ap_alerts *out,
		    ap_stats *st) AP_HIDDEN;

/* Add a member under a key that is a string constant and new in the
 * object: libfastjson then neither copies the key nor searches the object
 * for it (the event is built once per message: this halves its cost). */
#define AP_JSON_ADD(o, k, v) \
	json_object_object_add_ex((o), (k), (v), \
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)

/* json of the parts */
struct fjson_object;
void ap_geo_to_json(struct fjson_object *geo, const ap_geo *g) AP_HIDDEN;
void ap_alerts_to_json(struct fjson_object *ev, const ap_alerts *a) AP_HIDDEN;

/* copy a user name into buf escaped (control bytes and invalid UTF-8 as
 * \xNN), at most AP_USER_MAX bytes, cut on a character boundary;
 * returns the length; buf has room for AP_USER_MAX + 1 */
size_t ap_escape_user(const char *p, size_t n, char *buf) AP_HIDDEN;

/* format a message and hand it to the log callback (no-op without one) */
void ap_logf(ap_log_fn log, void *cookie, ap_loglevel lvl, const char *fmt, ...)
	AP_HIDDEN __attribute__((format(printf, 4, 5)));

/* atomic counter helpers */
#define AP_STAT_INC(st, field) \
	do { if (st) __atomic_fetch_add(&(st)->field, 1, __ATOMIC_RELAXED); } while (0)
#define AP_STAT_ADD(st, field, v) \
	do { if (st) __atomic_fetch_add(&(st)->field, (v), __ATOMIC_RELAXED); } while (0)

#endif
