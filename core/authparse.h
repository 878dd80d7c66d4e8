/* authparse.h - public API of the mmauthparse core.
 *
 * The core turns one log line (syslog tag + message text) into at most one
 * authentication event, enriches it (address scope, geo, attack detection)
 * and renders it as a libfastjson object.  It has no rsyslog dependency: the
 * rsyslog module (plugin/mmauthparse.c), the command-line tool (tools/) and
 * the tests all drive it through this header alone.
 *
 * The core never prints.  Errors and warnings go to the callback given to
 * ap_ctx_new().
 *
 * Concurrency: an ap_ctx is shared by all workers of one rsyslog action; it
 * is immutable after ap_ctx_new() except for the parts that say otherwise
 * (geo databases: swapped under a rwlock on reload; detection state: sharded
 * locks; the table of recent sshd connections: sharded locks; statistics:
 * atomic counters).  An ap_worker belongs to exactly one thread at a time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AUTHPARSE_H
#define AUTHPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fjson_object;
struct ap_incident_close;

/* ------------------------------------------------------------------ */
/* the event                                                           */

typedef enum { AP_KIND_NONE = 0, AP_KIND_AUTH, AP_KIND_BLOCK } ap_kind;

typedef enum {
	AP_OUT_NONE = 0, /* kind=block */
	AP_OUT_SUCCESS,
	AP_OUT_FAILURE,
	AP_OUT_UNKNOWN
} ap_outcome;

typedef enum {
	AP_R_NONE = 0, /* the line does not say */
	AP_R_BAD_PASSWORD,
	AP_R_UNKNOWN_USER,
	AP_R_NO_PASSWORD,
	AP_R_BAD_TOKEN,
	AP_R_DISABLED,
	AP_R_ABORTED,
	AP_R_OTHER
} ap_reason;

/* A piece of text.  Spans point into the line being parsed (or at static
 * strings): nothing is copied until the event is rendered. */
typedef struct {
	const char *p;
	uint32_t n;
} ap_span;

/* A parsed address (inet_pton; v4-mapped v6 already turned into v4). */
typedef struct {
	uint8_t family; /* 0 = none, 4 or 6 */
	uint8_t b[16];  /* network order; v4 uses b[0..3] */
} ap_addr;

#define AP_MAX_REDACT 4

/* a byte range of the message to replace with "[REDACTED]" */
typedef struct ap_redact_range {
	uint32_t off, len;
} ap_redact_range;
#define AP_USER_MAX 256

typedef struct ap_event {
	uint8_t kind;           /* ap_kind */
	uint8_t outcome;        /* ap_outcome */
	uint8_t reason;         /* ap_reason */
	int8_t tls;             /* -1 unknown, 0 false, 1 true */
	uint8_t family;         /* ap_family of the recogniser that matched */
	bool password_redacted; /* nredact > 0 and redaction is on */
	const char *daemon;     /* static string, never NULL for an event */
	const char *service;    /* static string or NULL */
	ap_span mech;           /* rendered upper case */
	ap_span user;           /* rendered escaped, capped (AP_USER_MAX) */
	ap_span rdns;
	ap_span session;
	/* a forwarded-for chain the line carries (client-sent header text,
	 * "a, b, c"); ip is then the address that sent it.  The pipeline reads
	 * it right to left past the trusted proxies (ap_config) */
	ap_span fwd;
	/* the line can honestly be read two ways: the event keeps its outcome
	 * but carries no address ("ambiguous": true; counted) */
	bool ambiguous;
	/* the detectors do not count this event ("counted": false): a key
	 * probe (sshd "Failed publickey"), or the second line of an attempt
	 * another line already stands for (the pipeline sets it then) */
	bool uncounted;
	/* the line's part in a pair of lines that describe one attempt
	 * (ap_corr): the pipeline counts such a pair once */
	uint8_t corr;
	/* a recipient refused as unknown at SMTP RCPT time (courieresmtpd
	 * "550 User unknown"): no credential, a directory-harvest probe when
	 * repeated ("harvest": true) */
	bool harvest;
	/* ip (and port) or the verdict come from another line of the same
	 * connection ("correlated": true; sshd's connection table) */
	bool correlated;
	ap_addr ip;
	ap_addr server_ip;
	int32_t port;     /* -1 when absent */
	int32_t attempts; /* -1 when absent */
	int64_t count;    /* kind=block: -1 when absent */
	int64_t window;   /* kind=block: -1 when absent */
	int64_t time;     /* timestamp found inside the message (file
				   formats: exim mainlog, cPanel, Xeams), or 0 */
	/* keyed hash of the attempted password (the redaction ranges), 0 when
	 * the line carries none; set by the pipeline for detection, never
	 * rendered, logged or saved */
	uint64_t pw_hash;
	/* attempted passwords found in the message: byte ranges of the
	 * message text to replace with "[REDACTED]" */
	uint8_t nredact;
	ap_redact_range redact[AP_MAX_REDACT];
	/* text a recogniser had to decode because the line holds it only in
	 * an encoded form (courieresmtpd's and exim's base64 SASL user
	 * names): `user` may point here, so an event must not be copied
	 * and rendered after the original is gone */
	char scratch[AP_USER_MAX];
} ap_event;
#define AP_REDACTED "[REDACTED]"

/* ap_event.corr: lines that describe one attempt between them */
typedef enum {
	AP_CORR_NONE = 0,
	AP_CORR_VERDICT, /* the credential check's own verdict (dovecot auth_verbose) */
	AP_CORR_SUMMARY  /* the connection's summary of it (dovecot "auth failed, N attempts") */
} ap_corr;

/* ------------------------------------------------------------------ */
/* families                                                            */

typedef enum {
	AP_FAM_NONE = 0,
	AP_FAM_VPOPMAIL,
	AP_FAM_DOVECOT,
	AP_FAM_POSTFIX,
	AP_FAM_COURIER,
	AP_FAM_EXIM,
	AP_FAM_CPANEL,
	AP_FAM_XEAMS,
	AP_FAM_LFD,
	AP_FAM_SSHD,
	AP_FAM_CYRUS,
	AP_FAM_SENDMAIL,
	AP_FAM_UWIMAP,
	AP_FAM_ROUNDCUBE,
	AP_FAM_HORDE,
	AP_FAM_SOLIDPOP3D,
	AP_FAM_PERDITION,
	AP_FAM_PAM,
	AP_FAM_DIRECTADMIN,
	AP_FAM_WEBMIN,
	AP_FAM_PLESK,
	AP_FAM_HESTIA,
	AP_FAM_CWP,
	AP_FAM_FROXLOR,
	AP_FAM_CPHULK,
	AP_FAM_PUREFTPD,
	AP_FAM_PROFTPD,
	AP_FAM_VSFTPD,
	AP_FAM_QMAIL,
	AP_FAM_APACHE,
	AP_FAM_NGINX,
	AP_FAM_LITESPEED,
	AP_FAM_LIGHTTPD,
	AP_FAM_MYSQL,
	AP_FAM_PHPMYADMIN,
	AP_FAM_POSTGRESQL,
	AP_FAM_SOGO,
	AP_FAM_SQUIRRELMAIL,
	AP_FAM_OPENWEBMAIL,
	AP_FAM_GROUPOFFICE,
	AP_FAM_TINE20,
	AP_FAM_ZIMBRA,
	AP_FAM_NGINXMAIL,
	AP_FAM_KERIO,
	AP_FAM_DOMINO,
	AP_FAM_ORACLEIMS,
	AP_FAM_DROPBEAR,
	AP_FAM_NEXTCLOUD,
	AP_FAM__COUNT
} ap_family;

/* "vpopmail", "dovecot", ... (the name used in the `programs` parameter
 * and in statistics counters); NULL for an unknown id. */
const char *ap_family_name(ap_family f);
/* family id from its name (case-insensitive), AP_FAM_NONE if unknown */
ap_family ap_family_from_name(const char *name, size_t len);

/* ------------------------------------------------------------------ */
/* configuration and context                                           */

typedef enum { AP_LOG_ERR = 3, AP_LOG_WARNING = 4, AP_LOG_INFO = 6 } ap_loglevel;
typedef void (*ap_log_fn)(void *cookie, ap_loglevel lvl, const char *msg);

typedef struct ap_detector_cfg {
	uint32_t threshold; /* 0 = off */
	uint32_t window;    /* seconds */
} ap_detector_cfg;

typedef enum {
	AP_DET_BRUTEFORCE = 0,
	AP_DET_DICTIONARY,
	AP_DET_DISTRIBUTED,
	AP_DET_COMPROMISE,
	AP_DET_INSECURE,
	AP_DET_STALE,
	AP_DET__COUNT
} ap_detector;

const char *ap_detector_name(ap_detector d);

/* the documented ranges of the numeric parameters; a value outside is a
 * configuration error naming the parameter and the range */
#define AP_MAX_THRESHOLD 10000u
#define AP_MAX_WINDOW (30u * 86400u) /* seconds: 30 days */
#define AP_MIN_KEYS 64u
#define AP_MAX_KEYS 100000000u
#define AP_MAX_GEO_CACHE 1048576u    /* entries per worker */
#define AP_MAX_STATE_INTERVAL 86400u /* seconds */

typedef struct ap_config {
	bool redact_passwords; /* default true */
	/* extra tag -> family mappings: "tag=family" strings */
	const char *const *programs;
	size_t nprograms;
	/* geo */
	const char *const *geo_files; /* .mmdb paths */
	size_t ngeo_files;
	const char *geo_language; /* default "en" */
	uint32_t geo_cache_size;  /* per worker, entries; 0 = no cache */
	/* detection */
	bool detect; /* master switch (default false) */
	ap_detector_cfg det[AP_DET__COUNT];
	uint32_t detect_max_keys;
	const char *detect_state_file; /* NULL = none */
	/* seconds between the background saves of the state file
	 * (ap_ctx_start); 0 = at ap_ctx_free only (default 60) */
	uint32_t detect_state_interval;
	/* failures that repeat a password already tried for the same user
	 * from the same address (stale clients) do not count toward
	 * bruteforce, dictionary and compromise (default true) */
	bool stale_suppress;
	/* a success of a user from an address clears that address's failures
	 * for that user (default false) */
	bool bruteforce_reset_on_success;
	/* called for every incident that closes (its window passed with no new
	 * activity): from the thread of ap_ctx_start, or from ap_ctx_sweep's
	 * caller; NULL = closes are only counted */
	void (*incident_close)(void *arg, const struct ap_incident_close *c);
	void *incident_arg;
	/* windows run on the time the caller passes (reception) even when the
	 * line carries its own time stamp (exim mainlog, cPanel, Xeams) */
	bool detect_time_reception;
	/* addresses and CIDRs ("10.0.0.0/8", "::1") whose forwarded-for
	 * headers are believed; NULL/0 = loopback only */
	const char *const *trusted_proxies;
	size_t ntrusted_proxies;
	/* a geo file that cannot be used is an error (the command-line tool);
	 * otherwise a warning, and the file is tried again at every reload */
	bool geo_files_required;
	/* the members ap_worker_json writes: "user", "ip", "geo" (all of
	 * geo), "geo!country" (one of its members), ... (docs/SCHEMA.md's
	 * names); NULL/0 = all of them, the full contract */
	const char *const *fields;
	size_t nfields;
} ap_config;

/* fill *cfg with the documented defaults */
void ap_config_defaults(ap_config *cfg);

typedef struct ap_ctx ap_ctx;
typedef struct ap_worker ap_worker;

/* status codes of the calls that can fail */
typedef enum {
	AP_OK = 0,
	AP_E_NOMEM,   /* out of memory */
	AP_E_CONFIG,  /* a parameter is invalid (the log says which) */
	AP_E_IO,      /* a file the configuration names cannot be used */
	AP_E_INTERNAL /* a system call failed (threads, locks) */
} ap_status;

/* a short English text for a status ("out of memory", ...) */
const char *ap_strerror(ap_status st);

/* Create a context.  On success *out is the context and AP_OK returned;
 * otherwise *out is NULL and the status says what kind of failure it was
 * (details went through log). */
ap_status ap_ctx_open(const ap_config *cfg, ap_log_fn log, void *cookie, ap_ctx **out);
void ap_ctx_free(ap_ctx *ctx); /* writes the detection state file if set */

/* Reopen geo databases (HUP).  Each file is opened into a new handle and
 * swapped in only if it opened; a failure keeps the old one and is
 * logged.  Worker caches notice the new generation and flush themselves.
 * Detection state is kept.  Returns the number of files that failed. */
int ap_ctx_reload(ap_ctx *ctx);

ap_worker *ap_worker_new(ap_ctx *ctx);
void ap_worker_free(ap_worker *w);

/* ------------------------------------------------------------------ */
/* processing                                                          */

typedef struct ap_input {
	const char *tag; /* syslog tag as received: "postfix/smtpd[12]:",
				   "vpopmail[18917:", "cpanel" (imfile) ... */
	size_t taglen;
	const char *msg; /* message text (may start with a space) */
	size_t msglen;
	int64_t time; /* the message's time, seconds since the epoch */
	/* optional: when time is 0, the core asks this for it, and only for
	 * an event whose detection needs it (a host's clock conversion then
	 * costs nothing for the lines that are not events); NULL otherwise */
	int64_t (*time_fn)(void *arg);
	void *time_arg;
	/* optional: the host that sent the line (syslog HOSTNAME), NULL/0
	 * when unknown.  With the process id of the tag it names one
	 * connection of a daemon whose lines do not all carry the client's
	 * address (sshd); ap_process joins such lines (ap_parse does not) */
	const char *host;
	size_t hostlen;
} ap_input;

typedef enum {
	AP_SCOPE_PUBLIC = 0,
	AP_SCOPE_PRIVATE,
	AP_SCOPE_LOOPBACK,
	AP_SCOPE_LINK_LOCAL,
	AP_SCOPE_CGNAT,
	AP_SCOPE_RESERVED
} ap_scope;

const char *ap_scope_name(ap_scope s);

typedef struct ap_geo {
	uint8_t scope; /* ap_scope */
	bool has_location;
	double lat, lon;
	uint32_t asn;    /* 0 = none */
	char country[4]; /* "" = none */
	char country_name[80];
	char city[96];
	char as_org[128];
} ap_geo;

#define AP_MAX_RELATED 16

typedef enum { AP_INC_NONE = 0, AP_INC_OPEN, AP_INC_UPDATE, AP_INC_CLOSE } ap_inc_state;

/* An incident: one detector firing on one key (an address, a user, or a
 * user from an address), from the event that crosses the threshold until
 * the window passes with no new alert.  state AP_INC_NONE: not tracked
 * (the incident table was full). */
typedef struct ap_incident {
	uint64_t id; /* stable for the incident's life, rendered as 16 hex digits */
	int64_t first_seen, last_seen;
	uint32_t count; /* running count (docs/SCHEMA.md says per detector) */
	uint8_t state;  /* ap_inc_state */
} ap_incident;

typedef enum { AP_KEY_IP = 1, AP_KEY_USER, AP_KEY_USER_IP } ap_keykind;

/* a closed incident, as it is handed to ap_config.incident_close */
typedef struct ap_incident_close {
	uint8_t detector;           /* ap_detector */
	uint8_t key;                /* ap_keykind */
	ap_addr ip;                 /* AP_KEY_IP, AP_KEY_USER_IP */
	char user[AP_USER_MAX + 1]; /* AP_KEY_USER, AP_KEY_USER_IP: escaped */
	uint32_t window;
	ap_incident inc; /* state AP_INC_CLOSE */
} ap_incident_close;

typedef struct ap_alert {
	uint32_t count, threshold, window;
	ap_incident inc;
} ap_alert;

typedef struct ap_related {
	char user[AP_USER_MAX + 1]; /* already escaped */
	const char *service;        /* static or NULL */
	uint32_t count;
} ap_related;

typedef struct ap_alerts {
	uint32_t fired; /* bit (1u << ap_detector) */
	/* of those, the ones whose verdict is the cluster tier's (sync mode,
	 * core/cluster/cluster.h): a[k] then holds the cluster's count,
	 * threshold and window, and the alert carries "scope": "cluster" */
	uint32_t cluster;
	ap_alert a[AP_DET__COUNT];
	uint32_t nrelated; /* kind=block */
	ap_related related[AP_MAX_RELATED];
	/* a stale client by cadence (failures of one user from one address at
	 * a steady interval): the interval in seconds and the failures it
	 * rests on; 0 = no */
	uint32_t stale_interval, stale_failures;
} ap_alerts;

typedef struct ap_result {
	ap_event ev;
	ap_geo geo; /* valid when ev.ip.family != 0 */
	ap_alerts alerts;
} ap_result;

/* Recognise, enrich and run detection on one line.  Returns 1 when the
 * line is an authentication event (res filled), 0 when it is not (res
 * undefined; nothing was allocated). */
int ap_process(ap_ctx *ctx, ap_worker *w, const ap_input *in, ap_result *res);

/* Recognition only (no geo, no detection, and each line alone: the
 * connection table that joins sshd's lines is neither read nor written):
 * 1 event, 0 not.  The programs map of ctx is used; ctx may be NULL for
 * the built-in map. */
int ap_parse(const ap_ctx *ctx, const ap_input *in, ap_event *ev);

/* The event as a new libfastjson object (caller owns it), every member of
 * the contract; NULL on allocation failure. */
struct fjson_object *ap_result_json(const ap_result *res);

/* The same as the rsyslog module attaches it: only the members the
 * context's `fields` chose, the string values shared with the worker's
 * earlier events (a cache of the worker: no allocation for a user name,
 * address, country... seen recently; safe to hand to rsyslog, see
 * core/event.h).  Call it from the worker's thread.  NULL on allocation
 * failure. */
struct fjson_object *ap_worker_json(ap_worker *w, const ap_result *res);

/* A closed incident as the event JSON of a message of its own
 * (kind=incident, state=close); NULL on allocation failure. */
struct fjson_object *ap_incident_json(const ap_incident_close *c);

/* Close the incidents whose window has passed at detection time `now`,
 * calling ap_config.incident_close for each; now = 0: the detection clock
 * (the newest message time seen, advanced by the wall clock since it was
 * seen).  Returns the number closed. */
size_t ap_ctx_sweep(ap_ctx *ctx, int64_t now);

/* Start the background thread of the context's detection: ap_ctx_sweep
 * once a second, and the state file every detect_state_interval seconds.
 * ap_ctx_free stops it.  Call it after any fork (rsyslog: at activation).
 * AP_OK also when detection is off (nothing to do). */
ap_status ap_ctx_start(ap_ctx *ctx);
/* ------------------------------------------------------------------ */
/* events an edge collector already recognised (input="event")        */

/* Read an event of the contract (docs/SCHEMA.md) back from its JSON
 * object: kind auth (with a known outcome) or block, with a daemon, and
 * the contract's fields (an address that does not parse is left out; a
 * service the recognisers do not produce is left out).  Strings point
 * into obj: keep it while ev is used; a string ends at its first NUL, as
 * libfastjson renders it.  1 when obj is such an event, 0 otherwise
 * (kind=incident, a close event, anything else). */
int ap_event_from_json(struct fjson_object *obj, ap_event *ev);

/* Count such an event and run detection on it, at its own time stamp
 * (event_time) unless the context runs on reception time, else at
 * in->time (or in->time_fn's); in's tag and message are not used.  Geo
 * is the edge's (the object keeps it): res->geo is zeroed.  1 when obj is
 * an event (res filled), 0 otherwise. */
int ap_process_json(ap_ctx *ctx, ap_worker *w, struct fjson_object *obj, const ap_input *in,
		    ap_result *res);

/* Replace obj's "alert" and "related" members with res's alerts. */
void ap_result_alerts_to_json(const ap_result *res, struct fjson_object *obj);

/* Message text with the attempted passwords cut out.  Writes at most
 * dstsz-1 bytes plus a NUL; returns the length the full text needs
 * (excluding the NUL), like snprintf. */
size_t ap_redact(const ap_event *ev, const char *msg, size_t msglen, char *dst, size_t dstsz);

/* ------------------------------------------------------------------ */
/* statistics (atomic counters, read by the rsyslog module's impstats) */

typedef struct ap_stats {
	uint64_t parsed;     /* events */
	uint64_t unparsed;   /* lines that were not events */
	uint64_t outcome[4]; /* indexed by ap_outcome (0: blocks) */
	uint64_t family[AP_FAM__COUNT];
	uint64_t redacted;
	uint64_t geo_hits, geo_misses, geo_reloads;
	uint64_t alerts[AP_DET__COUNT];
	uint64_t detect_keys; /* gauge */
	uint64_t detect_evictions;
	uint64_t ambiguous; /* events whose address was left out */
	uint64_t incidents_opened[AP_DET__COUNT];
	uint64_t incidents_closed[AP_DET__COUNT];
	uint64_t uncounted; /* events the detectors did not count ("counted": false) */
} ap_stats;

ap_stats *ap_ctx_stats(ap_ctx *ctx);

/* ------------------------------------------------------------------ */
/* helpers shared with the command-line tool and the tests             */

/* Split a log line as a file holds it into tag, message, time and host:
 * "Mon DD HH:MM:SS host tag[pid]: msg", "YYYY-MM-DDTHH:MM:SS... host tag: msg",
 * and the host-less and timestamp-less forms.  `year` resolves the
 * year-less RFC 3164 stamp (0 = current year).  Returns 1 if a syslog
 * frame was found, 0 otherwise (then in->msg is the whole line, the tag
 * empty and in->time the time found at the start of the line, if any).
 * in->host is the frame's host word (NULL when it has none). */
int ap_split_line(const char *line, size_t len, int year, ap_input *in);

/* Copy text into out with control bytes and invalid UTF-8 written as
 * \xNN, cut on a character boundary so that it fits outsz including the
 * NUL; returns the length written.  (The user field uses this with
 * outsz = AP_USER_MAX + 1.) */
size_t ap_escape_text(const char *p, size_t n, char *out, size_t outsz);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day
 * 1..31), and the date of such a day number: the one civil-date
 * arithmetic of the core, the tool and the report. */
int64_t ap_days_from_civil(int64_t y, unsigned m, unsigned d);
void ap_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* canonical text of an address (inet_ntop), "" for none */
void ap_addr_format(const ap_addr *a, char *buf, size_t bufsz);
/* parse an address (v4, v6, v4-mapped v6 -> v4); 1 ok, 0 invalid */
int ap_addr_parse(const char *s, size_t n, ap_addr *out);
ap_scope ap_addr_scope(const ap_addr *a);

const char *ap_version(void);

#ifdef __cplusplus
}
#endif
#endif
