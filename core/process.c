/* process.c - the context, the workers and the per-message pipeline:
 * tag look-up, recognition, address scope and geo, detection.
 *
 * Concurrency and locking: ap_ctx is read-only after ap_ctx_new() except
 * for the statistics (atomic counters), the geo databases (geo.c: swapped
 * under a rwlock on reload) and the detection state (detect.c: sharded
 * locks).  An ap_worker (geo cache) is used by one thread at a time. */
#ifdef HAVE_CONFIG_H
#include "ap_config.h"
#endif
#include <stdlib.h>
#include <string.h>
#include "recognisers/dispatch.h"
#include "enrich/geo.h"
#include "detect/detect.h"

struct ap_ctx {
	ap_progmap *map;
	bool redact;
	ap_geodb *geo;
	ap_detect *det;
	ap_log_fn log;
	void *cookie;
	uint32_t cache_size;
	bool time_reception;
	ap_stats stats;
};

struct ap_worker {
	ap_ctx *ctx;
	ap_geocache *cache;
};

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
	cfg->detect_max_keys = 1000000;
}

ap_ctx *ap_ctx_new(const ap_config *cfg, ap_log_fn log, void *cookie)
{
	ap_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->log = log;
	ctx->cookie = cookie;
	ctx->redact = cfg->redact_passwords;
	ctx->cache_size = cfg->geo_cache_size;
	ctx->time_reception = cfg->detect_time_reception;
	ctx->map = ap_progmap_new(cfg->programs, cfg->nprograms, log, cookie);
	if (ctx->map == NULL)
		goto fail;
	int err = 0;
	ctx->geo = ap_geodb_open(cfg, log, cookie, &err);
	if (err)
		goto fail;
	if (cfg->detect) {
		ctx->det = ap_detect_new(cfg, log, cookie, &err);
		if (err || ctx->det == NULL)
			goto fail;
	}
	return ctx;
fail:
	ap_ctx_free(ctx);
	return NULL;
}

void ap_ctx_free(ap_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ap_detect_free(ctx->det);
	ap_geodb_close(ctx->geo);
	ap_progmap_free(ctx->map);
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
	return &ctx->stats;
}

ap_worker *ap_worker_new(ap_ctx *ctx)
{
	ap_worker *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->ctx = ctx;
	if (ctx->geo != NULL && ctx->cache_size > 0) {
		w->cache = ap_geocache_new(ctx->geo, ctx->cache_size);
		if (w->cache == NULL) {
			free(w);
			return NULL;
		}
	}
	return w;
}

void ap_worker_free(ap_worker *w)
{
	if (w == NULL)
		return;
	ap_geocache_free(w->cache);
	free(w);
}

static void make_line(const ap_input *in, ap_line *ln)
{
	ln->tag = in->tag ? in->tag : "";
	ln->taglen = in->tag ? in->taglen : 0;
	ap_tag_program(ln->tag, ln->taglen, &ln->prog, &ln->proglen);
	ln->msg0 = in->msg;
	size_t skip = 0;
	while (skip < in->msglen && (in->msg[skip] == ' ' || in->msg[skip] == '\t'))
		skip++;
	ln->msg = in->msg + skip;
	ln->len = in->msglen - skip;
}

static int parse_with(const ap_progmap *map, bool redact, const ap_input *in, ap_event *ev)
{
	ap_line ln;
	make_line(in, &ln);
	uint32_t fams = ap_progmap_lookup(map, ln.prog, ln.proglen);
	if (fams == 0 || in->msg == NULL)
		return 0;
	if (!ap_recognise(fams, &ln, ev))
		return 0;
	if (!redact) {
		ev->nredact = 0;
		ev->password_redacted = false;
	}
	return 1;
}

int ap_parse(const ap_ctx *ctx, const ap_input *in, ap_event *ev)
{
	return parse_with(ctx ? ctx->map : ap_progmap_builtin(), ctx ? ctx->redact : true, in, ev);
}

int ap_process(ap_ctx *ctx, ap_worker *w, const ap_input *in, ap_result *res)
{
	ap_stats *st = &ctx->stats;
	if (!parse_with(ctx->map, ctx->redact, in, &res->ev)) {
		AP_STAT_INC(st, unparsed);
		return 0;
	}
	const ap_event *ev = &res->ev;
	AP_STAT_INC(st, parsed);
	AP_STAT_INC(st, outcome[ev->kind == AP_KIND_BLOCK ? 0 : ev->outcome]);
	AP_STAT_INC(st, family[ev->family]);
	if (ev->password_redacted)
		AP_STAT_INC(st, redacted);
	if (ev->ip.family)
		ap_geo_lookup(ctx->geo, w ? w->cache : NULL, &ev->ip, &res->geo, st);
	res->alerts.fired = 0;
	res->alerts.nrelated = 0;
	if (ctx->det != NULL) {
		int64_t t = ev->time && !ctx->time_reception ? ev->time : in->time;
		if (t == 0 && in->time_fn != NULL)
			t = in->time_fn(in->time_arg);
		ap_detect_feed(ctx->det, ev, t, &res->alerts, st);
	}
	return 1;
}
