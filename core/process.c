/* process.c - the context, the workers and the per-message pipeline:
 * tag look-up, recognition, address scope and geo, detection.
 *
 * Concurrency and locking: ap_ctx is read-only after ap_ctx_open() except
 * for the statistics (atomic counters), the geo databases (geo.c: swapped
 * under a rwlock on reload), the detection state (detect.c: sharded
 * locks), the table of recent sshd connections (session.c: sharded locks;
 * written by ap_process only) and the list of workers (wmu).  An ap_worker
 * (geo cache, the string leaves its events share, its own counters) is
 * used by one thread at a time; its counters are added to the context's
 * under wmu, by itself every FOLD_LINES lines or by whoever reads the
 * statistics (ap_ctx_stats).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifdef HAVE_CONFIG_H
#include "ap_config.h"
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "event.h"
#include "enrich/addr.h"
#include "recognisers/dispatch.h"
#include "recognisers/session.h"
#include "enrich/geo.h"
#include "detect/detect.h"
#include "detect/siphash.h"

struct ap_ctx {
	ap_progmap *map;
	ap_netlist *proxies; /* trusted proxies */
	bool redact;
	ap_geodb *geo;
	ap_detect *det;
	ap_sessions *sessions; /* recent sshd connections */
	ap_log_fn log;
	void *cookie;
	uint32_t cache_size;
	bool time_reception;
	ap_fieldset fields; /* the members ap_worker_json writes */
	/* the key of the attempted passwords' hashes (stale clients): random
	 * per process, in memory only, never logged or saved */
	bool pw_hash;
	uint64_t pw_key[2];
	ap_stats stats;
	pthread_mutex_t wmu; /* the list of workers, their folds */
	ap_worker *workers;
};

struct ap_worker {
	ap_ctx *ctx;
	ap_geocache *cache;
	ap_jcache *jc; /* string leaves shared by this worker's events */
	/* what this worker counted (written by its thread only) and what of
	 * it was already added to ctx->stats (under ctx->wmu) */
	ap_stats st, folded;
	uint32_t since;         /* lines since the last fold */
	ap_worker *prev, *next; /* ctx->workers, under ctx->wmu */
};

/* A worker adds its counts to ctx->stats at least every FOLD_LINES lines,
 * and whenever the counters are read (ap_ctx_stats) or it is freed: one
 * locked fold per 1024 lines instead of an atomic add on a line every
 * worker writes for every line. */
#define FOLD_LINES 1024

/* add what w counted since its last fold to ctx->stats; ctx->wmu held */
static void fold_worker(ap_worker *w)
{
	_Static_assert(sizeof(ap_stats) % sizeof(uint64_t) == 0, "ap_stats holds 64-bit counters");
	uint64_t *dst = (uint64_t *)&w->ctx->stats, *cur = (uint64_t *)&w->st;
	uint64_t *done = (uint64_t *)&w->folded;
	for (size_t i = 0; i < sizeof(ap_stats) / sizeof(uint64_t); i++) {
		if (i == offsetof(ap_stats, detect_keys) / sizeof(uint64_t))
			continue; /* a gauge, and detection's: never in a worker's block */
		uint64_t v = __atomic_load_n(&cur[i], __ATOMIC_RELAXED);
		if (v != done[i]) {
			__atomic_fetch_add(&dst[i], v - done[i], __ATOMIC_RELAXED);
			done[i] = v;
		}
	}
}

/* a counter of the worker's own block: only its thread writes it, so no
 * locked instruction (relaxed atomics: the folding thread may read it) */
#define W_INC(ws, field)                                                                    \
	__atomic_store_n(&(ws)->field, __atomic_load_n(&(ws)->field, __ATOMIC_RELAXED) + 1, \
			 __ATOMIC_RELAXED)

static void fold_now(ap_worker *w)
{
	w->since = 0;
	pthread_mutex_lock(&w->ctx->wmu);
	fold_worker(w);
	pthread_mutex_unlock(&w->ctx->wmu);
}

const char *ap_version(void)
{
	return PACKAGE_VERSION;
}

void ap_config_defaults(ap_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->redact_passwords = true;
	cfg->geo_language = "en";
	cfg->geo_cache_size = 4096;
	cfg->detect = false;
	cfg->det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 10, 600 };
	cfg->det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 5, 600 };
	cfg->det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 10, 3600 };
	cfg->det[AP_DET_COMPROMISE] = (ap_detector_cfg){ 3, 3600 };
	cfg->det[AP_DET_INSECURE] = (ap_detector_cfg){ 1, 0 };
	cfg->det[AP_DET_STALE] = (ap_detector_cfg){ 3, 3600 };
	cfg->detect_max_keys = 1000000;
	cfg->detect_state_interval = 60;
	cfg->stale_suppress = true;
}

const char *ap_strerror(ap_status st)
{
	switch (st) {
	case AP_OK: return "success";
	case AP_E_NOMEM: return "out of memory";
	case AP_E_CONFIG: return "invalid configuration";
	case AP_E_IO: return "a configured file cannot be used";
	case AP_E_INTERNAL: return "internal error (a system call failed)";
	}
	return "unknown status";
}

/* one numeric parameter against its documented range */
static int in_range(ap_log_fn log, void *cookie, const char *name, uint64_t v, uint64_t lo,
		    uint64_t hi)
{
	if (v >= lo && v <= hi)
		return 1;
	ap_logf(log, cookie, AP_LOG_ERR, "%s: %llu is out of range (%llu to %llu)", name,
		(unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

/* the directory of the state file must exist and be writable now, not
 * only at shutdown when the state would be lost */
static int state_dir_ok(const char *path, ap_log_fn log, void *cookie)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
	if (n >= sizeof(dir)) {
		ap_logf(log, cookie, AP_LOG_ERR, "detect.stateFile: the path is too long");
		return 0;
	}
	if (slash == NULL)
		dir[0] = '.';
	else if (slash == path)
		dir[0] = '/';
	else
		memcpy(dir, path, n);
	dir[n] = '\0';
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		ap_logf(log, cookie, AP_LOG_ERR,
			"detect.stateFile: the directory '%s' of '%s' does "
			"not exist",
			dir, path);
		return 0;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		ap_logf(log, cookie, AP_LOG_ERR,
			"detect.stateFile: the directory '%s' of '%s' is not "
			"writable (%s)",
			dir, path, strerror(errno));
		return 0;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		ap_logf(log, cookie, AP_LOG_ERR, "detect.stateFile: '%s' is not a regular file",
			path);
		return 0;
	}
	return 1;
}

/* 128 random bits from the kernel (the clock and addresses mixed in when
 * it cannot give them) */
static void random_key(uint64_t k[2])
{
	uint64_t r[2] = { 0, 0 };
	ssize_t got = -1;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, r, sizeof(r));
		close(fd);
	}
	if (got != (ssize_t)sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r[0] ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)k;
		r[1] ^= (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ ((uint64_t)getpid() << 32);
	}
	k[0] = r[0];
	k[1] = r[1];
	explicit_bzero(r, sizeof(r));
}

static ap_status check_config(const ap_config *cfg, ap_log_fn log, void *cookie)
{
	int ok = in_range(log, cookie, "geoip.cacheSize", cfg->geo_cache_size, 0, AP_MAX_GEO_CACHE);
	if (cfg->detect) {
		ok &= in_range(log, cookie, "detect.maxKeys", cfg->detect_max_keys, AP_MIN_KEYS,
			       AP_MAX_KEYS);
		for (int k = 0; k < AP_DET__COUNT; k++) {
			char name[64];
			if (k == AP_DET_INSECURE)
				continue;
			snprintf(name, sizeof(name), "%s.threshold",
				 ap_detector_name((ap_detector)k));
			ok &= in_range(log, cookie, name, cfg->det[k].threshold, 0,
				       AP_MAX_THRESHOLD);
			snprintf(name, sizeof(name), "%s.window", ap_detector_name((ap_detector)k));
			ok &= in_range(log, cookie, name, cfg->det[k].window,
				       cfg->det[k].threshold > 0 ? 1 : 0, AP_MAX_WINDOW);
		}
		if (cfg->detect_state_file != NULL && cfg->detect_state_file[0] != '\0')
			ok &= state_dir_ok(cfg->detect_state_file, log, cookie);
		ok &= in_range(log, cookie, "detect.stateInterval", cfg->detect_state_interval, 0,
			       AP_MAX_STATE_INTERVAL);
	}
	return ok ? AP_OK : AP_E_CONFIG;
}

ap_status ap_ctx_open(const ap_config *cfg, ap_log_fn log, void *cookie, ap_ctx **out)
{
	*out = NULL;
	ap_status st = check_config(cfg, log, cookie);
	if (st != AP_OK)
		return st;
	ap_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		ap_logf(log, cookie, AP_LOG_ERR, "out of memory");
		return AP_E_NOMEM;
	}
	pthread_mutex_init(&ctx->wmu, NULL);
	ctx->log = log;
	ctx->cookie = cookie;
	ctx->redact = cfg->redact_passwords;
	ctx->cache_size = cfg->geo_cache_size;
	ctx->time_reception = cfg->detect_time_reception;
	if (!ap_fields_parse(cfg->fields, cfg->fields ? cfg->nfields : 0, &ctx->fields, log,
			     cookie)) {
		st = AP_E_CONFIG;
		goto fail;
	}
	st = ap_netlist_new(cfg->trusted_proxies, cfg->ntrusted_proxies, "trustedProxies", log,
			    cookie, &ctx->proxies);
	if (st != AP_OK)
		goto fail;
	ctx->map = ap_progmap_new(cfg->programs, cfg->nprograms, log, cookie);
	if (ctx->map == NULL) {
		st = AP_E_CONFIG;
		goto fail;
	}
	int err = 0;
	ctx->geo = ap_geodb_open(cfg, log, cookie, &err);
	if (err) {
		st = cfg->ngeo_files > 0 ? AP_E_IO : AP_E_CONFIG;
		goto fail;
	}
	if (cfg->geo_files_required && ap_geodb_missing(ctx->geo) > 0) {
		st = AP_E_IO;
		goto fail;
	}
	ctx->sessions = ap_sessions_new();
	if (ctx->sessions == NULL) {
		ap_logf(log, cookie, AP_LOG_ERR, "out of memory");
		st = AP_E_NOMEM;
		goto fail;
	}
	if (cfg->detect) {
		ctx->det = ap_detect_new(cfg, log, cookie, &err);
		if (err || ctx->det == NULL) {
			st = err ? AP_E_CONFIG : AP_E_NOMEM;
			goto fail;
		}
		if (cfg->det[AP_DET_STALE].threshold > 0) {
			ctx->pw_hash = true;
			random_key(ctx->pw_key);
		}
	}
	*out = ctx;
	return AP_OK;
fail:
	ap_ctx_free(ctx);
	return st;
}

void ap_ctx_free(ap_ctx *ctx)
{
	if (ctx == NULL)
		return;
	explicit_bzero(ctx->pw_key, sizeof(ctx->pw_key));
	ap_detect_free(ctx->det);
	ap_sessions_free(ctx->sessions);
	ap_geodb_close(ctx->geo);
	ap_progmap_free(ctx->map);
	ap_netlist_free(ctx->proxies);
	pthread_mutex_destroy(&ctx->wmu);
	free(ctx);
}

int ap_ctx_reload(ap_ctx *ctx)
{
	if (ctx->geo == NULL)
		return 0;
	int failed = ap_geodb_reload(ctx->geo);
	AP_STAT_INC(&ctx->stats, geo_reloads);
	return failed;
}

ap_stats *ap_ctx_stats(ap_ctx *ctx)
{
	pthread_mutex_lock(&ctx->wmu);
	for (ap_worker *w = ctx->workers; w != NULL; w = w->next)
		fold_worker(w);
	pthread_mutex_unlock(&ctx->wmu);
	return &ctx->stats;
}

size_t ap_ctx_sweep(ap_ctx *ctx, int64_t now)
{
	return ctx->det != NULL ? ap_detect_sweep(ctx->det, now, &ctx->stats) : 0;
}

ap_status ap_ctx_start(ap_ctx *ctx)
{
	if (ctx->det == NULL)
		return AP_OK;
	return ap_detect_start(ctx->det, &ctx->stats) == 0 ? AP_OK : AP_E_INTERNAL;
}

ap_worker *ap_worker_new(ap_ctx *ctx)
{
	ap_worker *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->ctx = ctx;
	w->jc = ap_jcache_new();
	if (w->jc == NULL) {
		free(w);
		return NULL;
	}
	if (ctx->geo != NULL && ctx->cache_size > 0) {
		w->cache = ap_geocache_new(ctx->geo, ctx->cache_size);
		if (w->cache == NULL) {
			ap_jcache_free(w->jc);
			free(w);
			return NULL;
		}
	}
	pthread_mutex_lock(&ctx->wmu);
	w->next = ctx->workers;
	if (w->next != NULL)
		w->next->prev = w;
	ctx->workers = w;
	pthread_mutex_unlock(&ctx->wmu);
	return w;
}

void ap_worker_free(ap_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->ctx->wmu);
	fold_worker(w);
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		w->ctx->workers = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&w->ctx->wmu);
	ap_geocache_free(w->cache);
	ap_jcache_free(w->jc);
	free(w);
}

struct fjson_object *ap_worker_json(ap_worker *w, const ap_result *res)
{
	return ap_event_json(res, w->jc, w->ctx->fields);
}

/* the line of the input; returns the last '/' of its program name */
static const char *make_line(const ap_input *in, ap_sessions *sessions, ap_line *ln)
{
	ln->sessions = sessions;
	ln->host = in->host;
	ln->hostlen = in->host ? in->hostlen : 0;
	ln->time = in->time;
	ln->time_fn = in->time_fn;
	ln->time_arg = in->time_arg;
	ln->tag = in->tag ? in->tag : "";
	ln->taglen = in->tag ? in->taglen : 0;
	const char *slash = ap_tag_program_slash(ln->tag, ln->taglen, &ln->prog, &ln->proglen);
	ln->msg0 = in->msg;
	size_t skip = 0;
	while (skip < in->msglen && (in->msg[skip] == ' ' || in->msg[skip] == '\t'))
		skip++;
	ln->msg = in->msg + skip;
	ln->len = in->msglen - skip;
	return slash;
}

/* the keyed hash of the attempted password: the redaction ranges, each
 * with its length; 0 when there is none */
static uint64_t password_hash(const uint64_t key[2], const ap_event *ev, const char *msg,
			      size_t msglen)
{
	ap_siphash h;
	int n = 0;
	ap_siphash_init(&h, key);
	for (unsigned i = 0; i < ev->nredact; i++) {
		uint32_t off = ev->redact[i].off, len = ev->redact[i].len;
		if (off > msglen || len > msglen - off)
			continue;
		uint8_t lb[4] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
				  (uint8_t)(len >> 24) };
		ap_siphash_add(&h, lb, sizeof(lb));
		ap_siphash_add(&h, msg + off, len);
		n++;
	}
	uint64_t v = ap_siphash_end(&h);
	return n > 0 ? (v ? v : 1) : 0;
}

static int parse_with(const ap_progmap *map, const ap_netlist *proxies, bool redact,
		      const uint64_t *pw_key, ap_sessions *sessions, const ap_input *in,
		      ap_event *ev)
{
	ap_line ln;
	const char *slash = make_line(in, sessions, &ln);
	ap_famset fams = ap_progmap_lookup_slash(map, ln.prog, ln.proglen, slash);
	if (in->msg == NULL)
		return 0;
	if (fams == 0 ? !ap_recognise_untagged(&ln, ev) : !ap_recognise(fams, &ln, ev))
		return 0;
	/* a forwarded-for chain counts only when a trusted proxy sent it */
	if (ev->fwd.n > 0 && ev->ip.family != 0 && !ap_forwarded_client(proxies, ev->fwd, &ev->ip))
		ev->ambiguous = true;
	if (ev->ambiguous)
		memset(&ev->ip, 0, sizeof(ev->ip));
	/* the ranges are cleared just below when redaction is off: hash first */
	ev->pw_hash = pw_key != NULL && ev->nredact > 0
			      ? password_hash(pw_key, ev, in->msg, in->msglen)
			      : 0;
	if (!redact) {
		ev->nredact = 0;
		ev->password_redacted = false;
	}
	return 1;
}

int ap_parse(const ap_ctx *ctx, const ap_input *in, ap_event *ev)
{
	/* recognition only: the connection table is neither read nor written */
	return parse_with(ctx ? ctx->map : ap_progmap_builtin(), ctx ? ctx->proxies : NULL,
			  ctx ? ctx->redact : true, NULL, NULL, in, ev);
}

/* the counters of every line go to the worker's own block (folded into
 * the context's when read); detection's stay shared */
#define COUNT(field)                                  \
	do {                                          \
		if (w != NULL)                        \
			W_INC(&w->st, field);         \
		else                                  \
			AP_STAT_INC(&ctx->stats, field); \
	} while (0)

/* an event, recognised here (`here`: geo, and its redaction counted) or
 * read back from an edge's JSON: counted, detection */
static void after_recognition(ap_ctx *ctx, ap_worker *w, const ap_input *in, ap_result *res,
			      bool here)
{
	ap_stats *st = &ctx->stats, *ws = w ? &w->st : st;
	const ap_event *ev = &res->ev;
	COUNT(parsed);
	COUNT(outcome[ev->kind == AP_KIND_BLOCK ? 0 : ev->outcome]);
	COUNT(family[ev->family]);
	if (ev->password_redacted && here)
		COUNT(redacted);
	if (ev->ambiguous)
		COUNT(ambiguous);
	if (ev->ip.family && here)
		ap_geo_lookup(ctx->geo, w ? w->cache : NULL, &ev->ip, &res->geo, ws);
	res->alerts.fired = 0;
	res->alerts.cluster = 0;
	res->alerts.nrelated = 0;
	res->alerts.stale_interval = res->alerts.stale_failures = 0;
	if (ctx->det != NULL) {
		int64_t t = ev->time && !ctx->time_reception ? ev->time : in->time;
		if (t == 0 && in->time_fn != NULL)
			t = in->time_fn(in->time_arg);
		ap_detect_feed(ctx->det, &res->ev, t, &res->alerts, st);
	}
	if (ev->uncounted)
		AP_STAT_INC(st, uncounted);
}

int ap_process(ap_ctx *ctx, ap_worker *w, const ap_input *in, ap_result *res)
{
	if (w != NULL && ++w->since >= FOLD_LINES)
		fold_now(w);
	if (!parse_with(ctx->map, ctx->proxies, ctx->redact, ctx->pw_hash ? ctx->pw_key : NULL,
			ctx->sessions, in, &res->ev)) {
		COUNT(unparsed);
		return 0;
	}
	after_recognition(ctx, w, in, res, true);
	return 1;
}

int ap_process_json(ap_ctx *ctx, ap_worker *w, struct fjson_object *obj, const ap_input *in,
		    ap_result *res)
{
	if (w != NULL && ++w->since >= FOLD_LINES)
		fold_now(w);
	if (!ap_event_from_json(obj, &res->ev)) {
		COUNT(unparsed);
		return 0;
	}
	memset(&res->geo, 0, sizeof(res->geo));
	after_recognition(ctx, w, in, res, false);
	return 1;
}
