/* cluster.c - the cluster tier (cluster.h): its configuration, the
 * bounded queue and the background thread of the async mode, the batches
 * (combining the events of one key into one script call), the per-event
 * round trip of the sync mode, reconnection with backoff, rate-limited
 * logging, and the incidents as JSON and text.  The Redis side (the
 * connection, the script and its replies) is redis.c's.
 *
 * Concurrency and locking.  ap_cluster_feed() runs on any number of
 * threads.  Async: it copies one entry into the queue under cl->mu (a
 * full queue drops its oldest entry) and wakes the thread when a batch is
 * full; nothing else is shared with the thread, which owns the connection,
 * the batch buffers and the backoff state, and takes at most batch_max
 * entries out under cl->mu at a time.  ap_cluster_drain() waits on
 * cl->idle for an empty queue and no batch in flight.  Sync: each feeding
 * thread has its own ap_cluster_worker (connection, backoff, buffers).
 * The log limiter has its own mutex; counters are relaxed atomics.
 *
 * Time.  Windows run on event times (the caller's t, seconds); the
 * timeouts, the backoff and the log limiter on CLOCK_MONOTONIC.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifdef HAVE_CONFIG_H
#include "ap_config.h"
#endif
#include <errno.h>
#include <json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "cluster/cluster.h"
#include "cluster/redis.h"
#include "detect/siphash.h"

#define AP_JSON_ADD(o, k, v)                     \
	json_object_object_add_ex((o), (k), (v), \
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)

#define DFLT_PREFIX "mmap:"
#define MAX_PREFIX 64
#define BACKOFF_MIN 1  /* seconds */
#define BACKOFF_MAX 30 /* seconds */
#define LOG_EVERY 60   /* seconds between two messages of one kind */
#define IPTXT 48

/* the detectors of each key family, in the script's order */
static const ap_detector fam_det[2][CL_MAX_DET] = {
	{ AP_DET_BRUTEFORCE, AP_DET_DICTIONARY },
	{ AP_DET_DISTRIBUTED, AP_DET_DISTRIBUTED },
};
static const int fam_nd[2] = { 2, 1 };

_Static_assert(CL_MAX_NODES == AP_CLUSTER_MAX_NODES && CL_NODE_MAX == AP_CLUSTER_NODE_MAX,
	       "redis.h and cluster.h disagree on the node limits");

enum { LOG_CONN = 0, LOG_REPLY, LOG_UP, LOG_QUEUE, LOG__N };

/* an event of a batch (and of the sync path) */
struct qent {
	int64_t t;
	ap_addr ip;
	uint16_t ulen;              /* 0: no user */
	char user[AP_USER_MAX + 1]; /* ap_escape_user's room */
};

/* an event in the queue: 32 bytes; its user in the queue's byte ring */
struct qhdr {
	int64_t t;
	ap_addr ip;
	uint16_t ulen;
	uint32_t uoff; /* where the user starts in the byte ring */
};

#define QUEUE_USER_BYTES 32 /* bytes of user names the queue holds per event */

/* the thread's (or a sync worker's) side of Redis */
struct link {
	cl_conn *conn;
	int64_t next_try; /* monotonic ms; 0: now */
	uint32_t backoff; /* seconds */
};

/* one script call of a batch */
struct group {
	uint8_t fam;
	uint32_t start, len; /* in the family's order array */
	uint32_t nevents;
	bool again; /* NOSCRIPT: send again */
};

struct ap_cluster {
	ap_cluster_config cfg; /* strings point at the copies below */
	char *s_redis, *s_prefix, *s_user, *s_password, *s_node;
	cl_endpoint ep;
	char where[160];
	uint32_t timeout_ms, batch_max;
	ap_log_fn log;
	void *cookie;
	ap_cluster_stats st;

	/* the queue (async) */
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	struct qhdr *q; /* a ring of qcap events */
	uint32_t qcap, head, n;
	char *ubuf; /* a byte ring of their users, in the same order */
	size_t ucap, uhead, uused;
	bool busy, stop, running;
	pthread_t thr;

	/* the thread's own */
	struct link lk;
	struct qent *batch;
	uint32_t *ord[2];
	struct group *groups;
	cl_item *items;
	char *iptxt, *scratch;
	size_t scratch_sz, maxargs;
	const char **argv;
	size_t *argvlen;

	/* the log limiter */
	pthread_mutex_t logmu;
	int64_t log_last[LOG__N];
	uint64_t log_suppressed[LOG__N];
};

struct ap_cluster_worker {
	ap_cluster *cl;
	struct link lk;
};

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

#define STAT_ADD(cl, f, v) __atomic_fetch_add(&(cl)->st.f, (uint64_t)(v), __ATOMIC_RELAXED)
#define STAT_SUB(cl, f, v) __atomic_fetch_sub(&(cl)->st.f, (uint64_t)(v), __ATOMIC_RELAXED)

/* At most one message of a kind per LOG_EVERY seconds; the next one says
 * how many were left out.  Never one per message. */
static void log_limited(ap_cluster *cl, int kind, ap_loglevel lvl, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void log_limited(ap_cluster *cl, int kind, ap_loglevel lvl, const char *fmt, ...)
{
	int64_t now = cl_mono_ms();
	uint64_t skipped;
	pthread_mutex_lock(&cl->logmu);
	if (cl->log_last[kind] != 0 && now - cl->log_last[kind] < LOG_EVERY * 1000) {
		cl->log_suppressed[kind]++;
		pthread_mutex_unlock(&cl->logmu);
		return;
	}
	cl->log_last[kind] = now;
	skipped = cl->log_suppressed[kind];
	cl->log_suppressed[kind] = 0;
	pthread_mutex_unlock(&cl->logmu);
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (skipped > 0)
		ap_logf(cl->log, cl->cookie, lvl,
			"cluster: %s (%llu more like it in the last %d s)", msg,
			(unsigned long long)skipped, LOG_EVERY);
	else
		ap_logf(cl->log, cl->cookie, lvl, "cluster: %s", msg);
}

/* ------------------------------------------------------------------ */
/* configuration                                                       */

void ap_cluster_config_defaults(ap_cluster_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = AP_CLUSTER_ASYNC;
	cfg->prefix = DFLT_PREFIX;
	cfg->connect_timeout_ms = 200;
	cfg->queue_size = 50000;
	cfg->batch_size = 256;
	cfg->flush_ms = 100;
	/* the local detectors' defaults: the cluster fires where one node
	 * would have fired had it seen every attempt */
	cfg->det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 10, 600 };
	cfg->det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 5, 600 };
	cfg->det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 10, 3600 };
}

int ap_cluster_mode_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcasecmp(name, "async") == 0)
		return AP_CLUSTER_ASYNC;
	if (strcasecmp(name, "sync") == 0)
		return AP_CLUSTER_SYNC;
	return -1;
}

static bool det_on(const ap_cluster *cl, ap_detector k)
{
	return cl->cfg.det[k].threshold > 0;
}

/* a detector's arguments to the script, without events: its letter in the
 * key's hash, counting or distinct, threshold, window, and the fields it
 * keeps at most (twice the threshold: counts are exact up to it) */
static cl_det_args det_args(const ap_cluster *cl, ap_detector k)
{
	cl_det_args d;
	memset(&d, 0, sizeof(d));
	d.letter = k == AP_DET_BRUTEFORCE ? 'b' : k == AP_DET_DICTIONARY ? 'd' : 'x';
	d.counting = k == AP_DET_BRUTEFORCE;
	d.threshold = cl->cfg.det[k].threshold;
	d.window = cl->cfg.det[k].window;
	d.cap = d.threshold * 2u > 2u ? d.threshold * 2u : 2u;
	return d;
}

static int range_ok(ap_cluster *cl, const char *name, uint64_t v, uint64_t lo, uint64_t hi)
{
	if (v >= lo && v <= hi)
		return 1;
	ap_logf(cl->log, cl->cookie, AP_LOG_ERR, "%s: %llu is out of range (%llu to %llu)", name,
		(unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

static int check_config(ap_cluster *cl)
{
	const ap_cluster_config *c = &cl->cfg;
	int ok = 1;
	char err[256];
	if (!cl_available()) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR, "cluster.redis: %s",
			cl_unavailable_reason());
		return 0;
	}
	if (c->mode != AP_CLUSTER_ASYNC && c->mode != AP_CLUSTER_SYNC) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR, "cluster.mode must be async or sync");
		ok = 0;
	}
	if (c->node == NULL || c->node[0] == '\0' || strlen(c->node) > AP_CLUSTER_NODE_MAX) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR, "cluster.node: a name of 1 to %d bytes",
			AP_CLUSTER_NODE_MAX);
		ok = 0;
	} else {
		for (const char *p = c->node; *p; p++)
			if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == ',') {
				ap_logf(cl->log, cl->cookie, AP_LOG_ERR,
					"cluster.node '%s': printable ASCII without blanks or "
					"commas",
					c->node);
				ok = 0;
				break;
			}
	}
	if (strlen(c->prefix) > MAX_PREFIX || strpbrk(c->prefix, "{}") != NULL) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR,
			"cluster.prefix: at most %d bytes, without '{' or '}' (the keys' hash "
			"tags)",
			MAX_PREFIX);
		ok = 0;
	}
	ok &= range_ok(cl, "cluster.timeout", cl->timeout_ms, 1, AP_CLUSTER_MAX_TIMEOUT);
	ok &= range_ok(cl, "cluster.connectTimeout", c->connect_timeout_ms, 1,
		       AP_CLUSTER_MAX_TIMEOUT);
	ok &= range_ok(cl, "cluster.queueSize", c->queue_size, 1, AP_CLUSTER_MAX_QUEUE);
	ok &= range_ok(cl, "cluster.batchSize", c->batch_size, 1, AP_CLUSTER_MAX_BATCH);
	ok &= range_ok(cl, "cluster.flushInterval", c->flush_ms, 1, AP_CLUSTER_MAX_TIMEOUT);
	int on = 0;
	static const ap_detector dets[] = { AP_DET_BRUTEFORCE, AP_DET_DICTIONARY,
					    AP_DET_DISTRIBUTED };
	for (size_t i = 0; i < sizeof(dets) / sizeof(dets[0]); i++) {
		ap_detector k = dets[i];
		char name[64];
		snprintf(name, sizeof(name), "cluster.%s.threshold", ap_detector_name(k));
		ok &= range_ok(cl, name, c->det[k].threshold, 0, AP_MAX_THRESHOLD);
		snprintf(name, sizeof(name), "cluster.%s.window", ap_detector_name(k));
		ok &= range_ok(cl, name, c->det[k].window, c->det[k].threshold > 0 ? 1 : 0,
			       AP_MAX_WINDOW);
		on += c->det[k].threshold > 0;
	}
	if (!on) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR,
			"cluster: every cluster detector is off (cluster.<detector>.threshold 0)");
		ok = 0;
	}
	if (!cl_endpoint_parse(c->redis, &cl->ep, err, sizeof(err))) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR, "cluster.redis: %s", err);
		ok = 0;
	}
	return ok;
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

/* the thread's buffers: one batch of batch_max events, and one call that
 * holds all of them */
static int alloc_batch(ap_cluster *cl)
{
	uint32_t b = cl->batch_max;
	cl_det_args d[CL_MAX_DET];
	memset(d, 0, sizeof(d));
	d[0].n = d[1].n = b;
	cl->batch = calloc(b, sizeof(*cl->batch));
	cl->ord[0] = calloc(b, sizeof(uint32_t));
	cl->ord[1] = calloc(b, sizeof(uint32_t));
	cl->groups = calloc((size_t)b * 2, sizeof(*cl->groups));
	cl->items = calloc((size_t)b * 2, sizeof(*cl->items));
	cl->iptxt = calloc(b, IPTXT);
	cl->scratch_sz = cl_scratch_need(cl->cfg.prefix, AP_USER_MAX + IPTXT, d, CL_MAX_DET);
	cl->scratch = malloc(cl->scratch_sz);
	cl->maxargs = cl_maxargs(d, CL_MAX_DET);
	cl->argv = calloc(cl->maxargs, sizeof(*cl->argv));
	cl->argvlen = calloc(cl->maxargs, sizeof(*cl->argvlen));
	return cl->batch && cl->ord[0] && cl->ord[1] && cl->groups && cl->items && cl->iptxt
	       && cl->scratch && cl->argv && cl->argvlen;
}

ap_status ap_cluster_open(const ap_cluster_config *cfg, ap_log_fn log, void *cookie,
			  ap_cluster **out)
{
	*out = NULL;
	ap_cluster *cl = calloc(1, sizeof(*cl));
	if (cl == NULL) {
		ap_logf(log, cookie, AP_LOG_ERR, "cluster: out of memory");
		return AP_E_NOMEM;
	}
	cl->log = log;
	cl->cookie = cookie;
	cl->cfg = *cfg;
	if (cl->cfg.prefix == NULL)
		cl->cfg.prefix = DFLT_PREFIX;
	cl->timeout_ms = cfg->timeout_ms != 0 ? cfg->timeout_ms
					      : (cfg->mode == AP_CLUSTER_SYNC ? 50 : 2000);
	if (cl->cfg.connect_timeout_ms == 0)
		cl->cfg.connect_timeout_ms = 200;
	pthread_mutex_init(&cl->mu, NULL);
	pthread_mutex_init(&cl->logmu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&cl->wake, &ca);
		pthread_cond_init(&cl->idle, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (!check_config(cl)) {
		ap_cluster_free(cl);
		return AP_E_CONFIG;
	}
	bool oom = false;
	cl->s_redis = dup_or_null(cfg->redis, &oom);
	cl->s_prefix = dup_or_null(cl->cfg.prefix, &oom);
	cl->s_user = dup_or_null(cfg->user, &oom);
	cl->s_password = dup_or_null(cfg->password, &oom);
	cl->s_node = dup_or_null(cfg->node, &oom);
	cl->cfg.redis = cl->s_redis;
	cl->cfg.prefix = cl->s_prefix;
	cl->cfg.user = cl->s_user;
	cl->cfg.password = cl->s_password;
	cl->cfg.node = cl->s_node;
	cl_endpoint_text(&cl->ep, cl->where, sizeof(cl->where));
	/* a backlog (after an outage) goes out in pipelines of up to 1024 */
	cl->batch_max = cfg->batch_size > 1024 ? cfg->batch_size : 1024;
	if (cl->batch_max > cfg->queue_size)
		cl->batch_max = cfg->queue_size;
	cl->lk.backoff = BACKOFF_MIN;
	if (!oom && cfg->mode == AP_CLUSTER_ASYNC) {
		cl->qcap = cfg->queue_size;
		cl->q = calloc(cl->qcap, sizeof(*cl->q));
		cl->ucap = (size_t)cl->qcap * QUEUE_USER_BYTES;
		if (cl->ucap < 4 * AP_USER_MAX)
			cl->ucap = 4 * AP_USER_MAX;
		cl->ubuf = malloc(cl->ucap);
		oom = cl->q == NULL || cl->ubuf == NULL || !alloc_batch(cl);
	}
	if (oom) {
		ap_logf(log, cookie, AP_LOG_ERR, "cluster: out of memory");
		ap_cluster_free(cl);
		return AP_E_NOMEM;
	}
	*out = cl;
	return AP_OK;
}

const ap_cluster_config *ap_cluster_config_of(const ap_cluster *cl)
{
	return &cl->cfg;
}

ap_cluster_stats *ap_cluster_stats_of(ap_cluster *cl)
{
	return &cl->st;
}

/* ------------------------------------------------------------------ */
/* connecting                                                          */

static void link_down(ap_cluster *cl, struct link *lk)
{
	if (lk->conn != NULL) {
		cl_close(lk->conn);
		lk->conn = NULL;
		STAT_SUB(cl, connected, 1);
	}
	lk->next_try = cl_mono_ms() + (int64_t)lk->backoff * 1000;
	lk->backoff = lk->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : lk->backoff * 2;
}

/* connect when the backoff allows; 1 when connected */
static int link_up(ap_cluster *cl, struct link *lk)
{
	if (lk->conn != NULL)
		return 1;
	if (lk->next_try != 0 && cl_mono_ms() < lk->next_try)
		return 0;
	char err[256];
	cl_rc rc;
	lk->conn = cl_connect(&cl->ep, cl->cfg.user, cl->cfg.password, cl->cfg.connect_timeout_ms,
			      cl->timeout_ms, &rc, err, sizeof(err));
	if (lk->conn == NULL) {
		STAT_ADD(cl, errors, 1);
		if (strstr(err, "timeout") != NULL || strstr(err, "timed out") != NULL)
			STAT_ADD(cl, timeouts, 1);
		log_limited(cl, LOG_CONN, AP_LOG_ERR,
			    "cannot use Redis at %s: %s; local detection goes on, next attempt in "
			    "%u s (backing off up to %d s)",
			    cl->where, err, lk->backoff, BACKOFF_MAX);
		link_down(cl, lk);
		return 0;
	}
	STAT_ADD(cl, connected, 1);
	bool was_down = lk->next_try != 0;
	/* the backoff starts again at BACKOFF_MIN once a call is answered
	 * (link_ok), not here: a server that takes the connection and
	 * refuses every call (a READONLY replica) must not be tried every
	 * BACKOFF_MIN seconds */
	lk->next_try = 0;
	log_limited(cl, LOG_UP, AP_LOG_INFO, "connected to Redis at %s%s", cl->where,
		    was_down ? " again" : "");
	return 1;
}

/* a call was answered: the next loss backs off from BACKOFF_MIN again */
static void link_ok(struct link *lk)
{
	lk->backoff = BACKOFF_MIN;
}

/* a call failed with rc: count it, log it (limited), drop the connection
 * when it is not usable any more */
static void call_failed(ap_cluster *cl, struct link *lk, cl_rc rc, const char *err)
{
	STAT_ADD(cl, errors, 1);
	if (rc == CL_DOWN && strcmp(err, "timeout") == 0)
		STAT_ADD(cl, timeouts, 1);
	if (rc == CL_REPLY) {
		log_limited(cl, LOG_REPLY, AP_LOG_ERR, "Redis at %s refused a call: %s", cl->where,
			    err);
		return;
	}
	log_limited(cl, LOG_CONN, AP_LOG_ERR,
		    "lost Redis at %s: %s; local detection goes on, next attempt in %u s",
		    cl->where, err, lk->backoff);
	link_down(cl, lk);
}

/* ------------------------------------------------------------------ */
/* incidents                                                           */

/* the crossing of detector k on the key of family fam (e's address or
 * user) */
static void report(ap_cluster *cl, ap_detector k, int fam, const struct qent *e,
		   const cl_det_result *r)
{
	ap_cluster_incident inc;
	memset(&inc, 0, offsetof(ap_cluster_incident, nodes));
	inc.detector = k;
	if (fam == CL_FAM_IP) {
		inc.ip = e->ip;
	} else {
		memcpy(inc.user, e->user, e->ulen);
		inc.user[e->ulen] = '\0';
	}
	inc.count = r->count;
	inc.threshold = cl->cfg.det[k].threshold;
	inc.window = cl->cfg.det[k].window;
	inc.first = r->first;
	inc.last = r->last;
	inc.node = cl->cfg.node;
	inc.nnodes = r->nnodes;
	for (uint32_t i = 0; i < r->nnodes; i++)
		memcpy(inc.nodes[i], r->nodes[i], sizeof(inc.nodes[i]));
	STAT_ADD(cl, incidents, 1);
	if (cl->cfg.incident != NULL)
		cl->cfg.incident(cl->cfg.incident_arg, &inc);
}

static void iso_time(int64_t t, char *buf, size_t bufsz)
{
	int64_t y;
	unsigned m, d;
	if (t < 0)
		t = 0;
	ap_civil_from_days(t / 86400, &y, &m, &d);
	int64_t s = t % 86400;
	snprintf(buf, bufsz, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m, d,
		 (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
}

uint64_t ap_cluster_incident_id(const ap_cluster_incident *inc)
{
	/* not a secret and not keyed per process: every collector that
	 * computed it would name the incident alike, and a SIEM that receives
	 * the message twice (forwarded to the other collectors) sees one id */
	static const uint64_t k[2] = { 0x6d6d617574687061ULL, 0x636c757374657231ULL };
	ap_siphash h;
	uint8_t det = (uint8_t)inc->detector;
	uint64_t first = (uint64_t)inc->first;
	ap_siphash_init(&h, k);
	ap_siphash_add(&h, &det, 1);
	if (inc->detector == AP_DET_DISTRIBUTED) {
		ap_siphash_add(&h, inc->user, strlen(inc->user));
	} else {
		ap_siphash_add(&h, &inc->ip.family, sizeof(inc->ip.family));
		ap_siphash_add(&h, inc->ip.b, inc->ip.family == 4 ? 4 : sizeof(inc->ip.b));
	}
	ap_siphash_add(&h, &first, sizeof(first));
	uint64_t id = ap_siphash_end(&h);
	return id ? id : 1;
}

struct fjson_object *ap_cluster_incident_json(const ap_cluster_incident *inc)
{
	struct fjson_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	char buf[64];
	AP_JSON_ADD(o, "kind", json_object_new_string("incident"));
	AP_JSON_ADD(o, "scope", json_object_new_string("cluster"));
	AP_JSON_ADD(o, "state", json_object_new_string("open"));
	AP_JSON_ADD(o, "detector", json_object_new_string(ap_detector_name(inc->detector)));
	if (inc->detector == AP_DET_DISTRIBUTED) {
		AP_JSON_ADD(o, "key", json_object_new_string("user"));
		AP_JSON_ADD(o, "user", json_object_new_string(inc->user));
	} else {
		AP_JSON_ADD(o, "key", json_object_new_string("ip"));
		ap_addr_format(&inc->ip, buf, sizeof(buf));
		AP_JSON_ADD(o, "ip", json_object_new_string(buf));
	}
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)ap_cluster_incident_id(inc));
	AP_JSON_ADD(o, "id", json_object_new_string(buf));
	AP_JSON_ADD(o, "count", json_object_new_int64(inc->count));
	AP_JSON_ADD(o, "threshold", json_object_new_int64(inc->threshold));
	AP_JSON_ADD(o, "window", json_object_new_int64(inc->window));
	iso_time(inc->first, buf, sizeof(buf));
	AP_JSON_ADD(o, "first_seen", json_object_new_string(buf));
	iso_time(inc->last, buf, sizeof(buf));
	AP_JSON_ADD(o, "last_seen", json_object_new_string(buf));
	struct fjson_object *a = json_object_new_array();
	if (a != NULL) {
		for (uint32_t i = 0; i < inc->nnodes; i++)
			json_object_array_add(a, json_object_new_string(inc->nodes[i]));
		AP_JSON_ADD(o, "nodes", a);
	}
	if (inc->node != NULL)
		AP_JSON_ADD(o, "node", json_object_new_string(inc->node));
	return o;
}

size_t ap_cluster_incident_text(const ap_cluster_incident *inc, char *buf, size_t bufsz)
{
	char key[AP_USER_MAX + 64];
	if (bufsz == 0)
		return 0;
	if (inc->detector == AP_DET_DISTRIBUTED) {
		snprintf(key, sizeof(key), "user=%s", inc->user);
	} else {
		char ip[64];
		ap_addr_format(&inc->ip, ip, sizeof(ip));
		snprintf(key, sizeof(key), "ip=%s", ip);
	}
	int n = snprintf(
		buf, bufsz, "cluster incident: %s %s count=%u threshold=%u window=%u nodes=",
		ap_detector_name(inc->detector), key, inc->count, inc->threshold, inc->window);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	size_t o = (size_t)n < bufsz ? (size_t)n : bufsz - 1;
	for (uint32_t i = 0; i < inc->nnodes && o + 1 < bufsz; i++) {
		n = snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "", inc->nodes[i]);
		if (n < 0)
			break;
		o += (size_t)n < bufsz - o ? (size_t)n : bufsz - o - 1;
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* the async queue                                                     */

/* the queue's byte ring of user names (cl->mu held): n bytes at off,
 * wrapping at the end */
static void ring_put(ap_cluster *cl, size_t off, const char *p, size_t n)
{
	size_t first = cl->ucap - off < n ? cl->ucap - off : n;
	memcpy(cl->ubuf + off, p, first);
	memcpy(cl->ubuf, p + first, n - first);
}

static void ring_get(const ap_cluster *cl, size_t off, char *p, size_t n)
{
	size_t first = cl->ucap - off < n ? cl->ucap - off : n;
	memcpy(p, cl->ubuf + off, first);
	memcpy(p + first, cl->ubuf, n - first);
}

/* the k oldest events out of the queue (cl->mu held) */
static void pop(ap_cluster *cl, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++) {
		const struct qhdr *h = &cl->q[cl->head];
		cl->uhead = (cl->uhead + h->ulen) % cl->ucap;
		cl->uused -= h->ulen;
		cl->head = (cl->head + 1) % cl->qcap;
		cl->n--;
	}
}

static int ip_cmp(const ap_addr *a, const ap_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

static int user_cmp(const struct qent *a, const struct qent *b)
{
	size_t n = a->ulen < b->ulen ? a->ulen : b->ulen;
	int c = memcmp(a->user, b->user, n);
	if (c != 0)
		return c;
	return a->ulen < b->ulen ? -1 : a->ulen > b->ulen;
}

/* the batch being sorted (qsort has no argument; each action's thread
 * sorts its own) */
static _Thread_local const struct qent *sort_batch;

static int cmp_ip_user(const void *x, const void *y)
{
	const struct qent *a = &sort_batch[*(const uint32_t *)x];
	const struct qent *b = &sort_batch[*(const uint32_t *)y];
	int c = ip_cmp(&a->ip, &b->ip);
	return c != 0 ? c : user_cmp(a, b);
}

static int cmp_user_ip(const void *x, const void *y)
{
	const struct qent *a = &sort_batch[*(const uint32_t *)x];
	const struct qent *b = &sort_batch[*(const uint32_t *)y];
	int c = user_cmp(a, b);
	return c != 0 ? c : ip_cmp(&a->ip, &b->ip);
}

/* the detector arguments of one group; members point into cl's buffers */
static int group_args(ap_cluster *cl, const struct group *g, cl_det_args *d)
{
	const uint32_t *ord = cl->ord[g->fam];
	const struct qent *B = cl->batch;
	int nd = fam_nd[g->fam];
	cl_item *it = cl->items;
	for (int j = 0; j < nd; j++) {
		ap_detector k = fam_det[g->fam][j];
		d[j] = det_args(cl, k);
		d[j].items = it;
		if (!det_on(cl, k))
			continue;
		for (uint32_t i = 0; i < g->len; i++) {
			const struct qent *e = &B[ord[g->start + i]];
			if (k == AP_DET_BRUTEFORCE) {
				*it++ = (cl_item){ e->t, NULL, 0 };
				d[j].n++;
				continue;
			}
			const char *m;
			uint32_t ml;
			if (k == AP_DET_DICTIONARY) {
				if (e->ulen == 0)
					continue;
				/* sorted by user within the address: one item per user */
				if (d[j].n > 0 && it[-1].mlen == e->ulen
				    && memcmp(it[-1].m, e->user, e->ulen) == 0) {
					if (e->t > it[-1].t)
						it[-1].t = e->t;
					continue;
				}
				m = e->user;
				ml = e->ulen;
			} else {
				/* sorted by address within the user */
				if (d[j].n > 0 && i > 0
				    && ip_cmp(&B[ord[g->start + i - 1]].ip, &e->ip) == 0) {
					if (e->t > it[-1].t)
						it[-1].t = e->t;
					continue;
				}
				char *txt = cl->iptxt + (size_t)i * IPTXT;
				ap_addr_format(&e->ip, txt, IPTXT);
				m = txt;
				ml = (uint32_t)strlen(txt);
			}
			*it++ = (cl_item){ e->t, m, ml };
			d[j].n++;
		}
	}
	return nd;
}

static cl_rc append_group(ap_cluster *cl, const struct group *g)
{
	cl_det_args d[CL_MAX_DET];
	int nd = group_args(cl, g, d);
	const struct qent *e = &cl->batch[cl->ord[g->fam][g->start]];
	char key[IPTXT];
	const char *kp = e->user;
	size_t kl = e->ulen;
	if (g->fam == CL_FAM_IP) {
		ap_addr_format(&e->ip, key, sizeof(key));
		kp = key;
		kl = strlen(key);
	}
	return cl_append(cl->lk.conn, cl->cfg.prefix, (cl_family)g->fam, kp, kl, cl->cfg.node, d,
			 nd, cl->scratch, cl->argv, cl->argvlen, cl->maxargs);
}

static void group_result(ap_cluster *cl, const struct group *g, const cl_det_result *r)
{
	const struct qent *e = &cl->batch[cl->ord[g->fam][g->start]];
	for (int j = 0; j < fam_nd[g->fam]; j++) {
		ap_detector k = fam_det[g->fam][j];
		if (!r[j].crossed || !det_on(cl, k))
			continue;
		report(cl, k, g->fam, e, &r[j]);
	}
}

/* the groups of a batch of n entries: one per address (when bruteforce or
 * dictionary is on), one per user (distributed); returns their number */
static uint32_t make_groups(ap_cluster *cl, uint32_t n)
{
	uint32_t ng = 0;
	sort_batch = cl->batch;
	for (int f = 0; f < 2; f++) {
		uint32_t m = 0;
		bool on = f == CL_FAM_IP
				  ? det_on(cl, AP_DET_BRUTEFORCE) || det_on(cl, AP_DET_DICTIONARY)
				  : det_on(cl, AP_DET_DISTRIBUTED);
		if (!on)
			continue;
		for (uint32_t i = 0; i < n; i++)
			if (f == CL_FAM_IP || cl->batch[i].ulen > 0)
				cl->ord[f][m++] = i;
		qsort(cl->ord[f], m, sizeof(uint32_t), f == CL_FAM_IP ? cmp_ip_user : cmp_user_ip);
		for (uint32_t i = 0; i < m;) {
			const struct qent *a = &cl->batch[cl->ord[f][i]];
			uint32_t j = i + 1;
			while (j < m) {
				const struct qent *b = &cl->batch[cl->ord[f][j]];
				if (f == CL_FAM_IP ? ip_cmp(&a->ip, &b->ip) != 0
						   : user_cmp(a, b) != 0)
					break;
				j++;
			}
			cl->groups[ng++] = (struct group){ (uint8_t)f, i, j - i, j - i, false };
			i = j;
		}
	}
	return ng;
}

/* send one batch of n entries (cl->batch) and read every answer */
static void send_batch(ap_cluster *cl, uint32_t n)
{
	uint32_t ng = make_groups(cl, n);
	char err[256];
	int round;
	for (round = 0; round < 2; round++) {
		uint32_t sent = 0;
		cl_rc rc = CL_OK;
		for (uint32_t i = 0; i < ng; i++) {
			if (round == 1 && !cl->groups[i].again)
				continue;
			rc = append_group(cl, &cl->groups[i]);
			if (rc != CL_OK)
				break;
			sent++;
		}
		if (rc != CL_OK) {
			snprintf(err, sizeof(err), "cannot queue a call");
			call_failed(cl, &cl->lk, CL_DOWN, err);
			STAT_ADD(cl, dropped, n);
			return;
		}
		STAT_ADD(cl, batches, 1);
		bool noscript = false;
		for (uint32_t i = 0; i < ng; i++) {
			struct group *g = &cl->groups[i];
			if (round == 1 && !g->again)
				continue;
			g->again = false;
			cl_det_result r[CL_MAX_DET];
			/* each call's reply within the timeout: a backlog's
			 * pipeline of 2,000 calls may take longer than one */
			cl_deadline(cl->lk.conn);
			rc = cl_read(cl->lk.conn, fam_nd[g->fam], r, err, sizeof(err));
			if (rc == CL_OK) {
				group_result(cl, g, r);
			} else if (rc == CL_NOSCRIPT && round == 0) {
				g->again = true;
				noscript = true;
			} else if (rc == CL_REPLY || rc == CL_NOSCRIPT) {
				call_failed(cl, &cl->lk, CL_REPLY, err);
			} else {
				/* the connection is gone: the rest of the batch with it
				 * (some of it may have been counted) */
				call_failed(cl, &cl->lk, rc, err);
				STAT_ADD(cl, dropped, n);
				return;
			}
		}
		if (!noscript)
			break;
		rc = cl_load_script(cl->lk.conn, err, sizeof(err));
		if (rc != CL_OK) {
			call_failed(cl, &cl->lk, rc, err);
			STAT_ADD(cl, dropped, n);
			return;
		}
	}
	link_ok(&cl->lk);
	STAT_ADD(cl, sent, n);
}

static void ts_add_ms(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* take up to batch_max entries out of the queue (cl->mu held) */
static uint32_t take(ap_cluster *cl)
{
	uint32_t k = cl->n < cl->batch_max ? cl->n : cl->batch_max;
	for (uint32_t i = 0; i < k; i++) {
		const struct qhdr *h = &cl->q[(cl->head + i) % cl->qcap];
		struct qent *e = &cl->batch[i];
		e->t = h->t;
		e->ip = h->ip;
		e->ulen = h->ulen;
		ring_get(cl, h->uoff, e->user, h->ulen);
	}
	pop(cl, k);
	return k;
}

static void *run(void *arg)
{
	ap_cluster *cl = arg;
	int64_t last_flush = cl_mono_ms();
	pthread_mutex_lock(&cl->mu);
	while (!cl->stop) {
		/* a full batch, or flush_ms since the last one */
		int64_t due = last_flush + cl->cfg.flush_ms;
		while (!cl->stop && cl->n < cl->cfg.batch_size && cl_mono_ms() < due) {
			struct timespec ts;
			ts_add_ms(&ts, due - cl_mono_ms());
			pthread_cond_timedwait(&cl->wake, &cl->mu, &ts);
		}
		if (cl->stop)
			break;
		last_flush = cl_mono_ms();
		if (cl->n == 0)
			continue;
		if (cl->lk.conn == NULL) {
			int64_t wait = cl->lk.next_try - cl_mono_ms();
			if (wait > 0) {
				/* backing off: the queue keeps the newest entries */
				struct timespec ts;
				ts_add_ms(&ts, wait);
				pthread_cond_timedwait(&cl->wake, &cl->mu, &ts);
				continue;
			}
			pthread_mutex_unlock(&cl->mu);
			link_up(cl, &cl->lk);
			pthread_mutex_lock(&cl->mu);
			if (cl->lk.conn == NULL)
				continue;
		}
		uint32_t k = take(cl);
		cl->busy = true;
		pthread_mutex_unlock(&cl->mu);
		send_batch(cl, k);
		pthread_mutex_lock(&cl->mu);
		cl->busy = false;
		if (cl->n == 0)
			pthread_cond_broadcast(&cl->idle);
	}
	/* one last batch, within the timeout */
	if (cl->n > 0 && cl->lk.conn != NULL) {
		uint32_t k = take(cl);
		pthread_mutex_unlock(&cl->mu);
		send_batch(cl, k);
		pthread_mutex_lock(&cl->mu);
	}
	pthread_cond_broadcast(&cl->idle);
	pthread_mutex_unlock(&cl->mu);
	return NULL;
}

ap_status ap_cluster_start(ap_cluster *cl)
{
	if (cl == NULL || cl->cfg.mode != AP_CLUSTER_ASYNC || cl->running)
		return AP_OK;
	if (pthread_create(&cl->thr, NULL, run, cl) != 0) {
		ap_logf(cl->log, cl->cookie, AP_LOG_ERR,
			"cluster: cannot start the sender thread: %s", strerror(errno));
		return AP_E_INTERNAL;
	}
	cl->running = true;
	return AP_OK;
}

int ap_cluster_drain(ap_cluster *cl, uint32_t timeout_ms)
{
	if (cl == NULL || cl->cfg.mode != AP_CLUSTER_ASYNC)
		return 1;
	struct timespec ts;
	ts_add_ms(&ts, timeout_ms);
	pthread_mutex_lock(&cl->mu);
	pthread_cond_signal(&cl->wake);
	int ok = 1;
	while (cl->n > 0 || cl->busy) {
		if (pthread_cond_timedwait(&cl->idle, &cl->mu, &ts) == ETIMEDOUT) {
			ok = cl->n == 0 && !cl->busy;
			break;
		}
	}
	pthread_mutex_unlock(&cl->mu);
	return ok;
}

void ap_cluster_free(ap_cluster *cl)
{
	if (cl == NULL)
		return;
	if (cl->running) {
		pthread_mutex_lock(&cl->mu);
		cl->stop = true;
		pthread_cond_signal(&cl->wake);
		pthread_mutex_unlock(&cl->mu);
		pthread_join(cl->thr, NULL);
		cl->running = false;
	}
	if (cl->lk.conn != NULL) {
		cl_close(cl->lk.conn);
		cl->lk.conn = NULL;
	}
	pthread_mutex_destroy(&cl->mu);
	pthread_mutex_destroy(&cl->logmu);
	pthread_cond_destroy(&cl->wake);
	pthread_cond_destroy(&cl->idle);
	free(cl->q);
	free(cl->ubuf);
	free(cl->batch);
	free(cl->ord[0]);
	free(cl->ord[1]);
	free(cl->groups);
	free(cl->items);
	free(cl->iptxt);
	free(cl->scratch);
	free(cl->argv);
	free(cl->argvlen);
	free(cl->s_redis);
	free(cl->s_prefix);
	free(cl->s_user);
	free(cl->s_password);
	free(cl->s_node);
	free(cl);
}

/* ------------------------------------------------------------------ */
/* feeding                                                             */

ap_cluster_worker *ap_cluster_worker_new(ap_cluster *cl)
{
	ap_cluster_worker *cw = calloc(1, sizeof(*cw));
	if (cw == NULL)
		return NULL;
	cw->cl = cl;
	cw->lk.backoff = BACKOFF_MIN;
	return cw;
}

void ap_cluster_worker_free(ap_cluster_worker *cw)
{
	if (cw == NULL)
		return;
	if (cw->lk.conn != NULL) {
		cl_close(cw->lk.conn);
		STAT_SUB(cw->cl, connected, 1);
	}
	free(cw);
}

static void enqueue(ap_cluster *cl, const struct qent *e)
{
	uint32_t full = 0;
	pthread_mutex_lock(&cl->mu);
	/* room for one more event and its user: the oldest go */
	while (cl->n > 0 && (cl->n == cl->qcap || cl->ucap - cl->uused < e->ulen)) {
		pop(cl, 1);
		full++;
	}
	struct qhdr *h = &cl->q[(cl->head + cl->n) % cl->qcap];
	h->t = e->t;
	h->ip = e->ip;
	h->ulen = e->ulen;
	h->uoff = (uint32_t)((cl->uhead + cl->uused) % cl->ucap);
	ring_put(cl, h->uoff, e->user, e->ulen);
	cl->uused += e->ulen;
	cl->n++;
	if (cl->n == cl->cfg.batch_size)
		pthread_cond_signal(&cl->wake);
	pthread_mutex_unlock(&cl->mu);
	if (full) {
		STAT_ADD(cl, dropped, full);
		log_limited(cl, LOG_QUEUE, AP_LOG_WARNING,
			    "the queue to Redis at %s is full (cluster.queueSize %u): dropping "
			    "the oldest events",
			    cl->where, cl->qcap);
	}
}

/* sync: one round trip for this event; the verdict into res->alerts */
static void feed_sync(ap_cluster *cl, ap_cluster_worker *cw, const struct qent *e, ap_result *res)
{
	struct link *lk = &cw->lk;
	if (!link_up(cl, lk)) {
		STAT_ADD(cl, dropped, 1);
		return;
	}
	bool ipfam = det_on(cl, AP_DET_BRUTEFORCE) || det_on(cl, AP_DET_DICTIONARY);
	bool ufam = det_on(cl, AP_DET_DISTRIBUTED) && e->ulen > 0;
	char iptxt[IPTXT];
	char scratch[4096];
	const char *argv[40];
	size_t argvlen[40];
	cl_item items[3];
	cl_det_args d[CL_MAX_DET];
	ap_addr_format(&e->ip, iptxt, sizeof(iptxt));
	cl_rc rc;
	char err[256];
	bool want[2] = { ipfam, ufam }; /* the calls still to make */
	for (int round = 0; round < 2; round++) {
		int fams[2], ncalls = 0;
		rc = CL_OK;
		if (want[CL_FAM_IP]) {
			items[0] = (cl_item){ e->t, NULL, 0 };
			items[1] = (cl_item){ e->t, e->user, e->ulen };
			for (int j = 0; j < 2; j++) {
				d[j] = det_args(cl, fam_det[CL_FAM_IP][j]);
				d[j].n = j == 1 && e->ulen == 0 ? 0u : 1u;
				d[j].items = &items[j];
			}
			rc = cl_append(lk->conn, cl->cfg.prefix, CL_FAM_IP, iptxt, strlen(iptxt),
				       cl->cfg.node, d, 2, scratch, argv, argvlen, 40);
			fams[ncalls++] = CL_FAM_IP;
		}
		if (want[CL_FAM_USER] && rc == CL_OK) {
			items[2] = (cl_item){ e->t, iptxt, (uint32_t)strlen(iptxt) };
			cl_det_args du = det_args(cl, AP_DET_DISTRIBUTED);
			du.n = 1;
			du.items = &items[2];
			rc = cl_append(lk->conn, cl->cfg.prefix, CL_FAM_USER, e->user, e->ulen,
				       cl->cfg.node, &du, 1, scratch, argv, argvlen, 40);
			fams[ncalls++] = CL_FAM_USER;
		}
		if (rc != CL_OK) {
			call_failed(cl, lk, CL_DOWN, "cannot queue a call");
			STAT_ADD(cl, dropped, 1);
			return;
		}
		STAT_ADD(cl, batches, 1);
		cl_deadline(lk->conn);
		bool noscript = false;
		for (int c = 0; c < ncalls; c++) {
			int fam = fams[c];
			cl_det_result r[CL_MAX_DET];
			rc = cl_read(lk->conn, fam_nd[fam], r, err, sizeof(err));
			want[fam] = false;
			if (rc == CL_NOSCRIPT && round == 0) {
				want[fam] = true; /* did not run: send again */
				noscript = true;
				continue;
			}
			if (rc != CL_OK) {
				call_failed(cl, lk, rc == CL_NOSCRIPT ? CL_REPLY : rc, err);
				if (rc == CL_DOWN || rc == CL_REFUSED) {
					/* the connection is gone with the call (Redis
					 * may have counted it): as a lost batch */
					STAT_ADD(cl, dropped, 1);
					return;
				}
				continue;
			}
			for (int j = 0; j < fam_nd[fam]; j++) {
				ap_detector k = fam_det[fam][j];
				if (!det_on(cl, k) || r[j].count < cl->cfg.det[k].threshold)
					continue;
				/* the cluster's figures; a local alert's incident stays */
				if (!(res->alerts.fired & (1u << k)))
					memset(&res->alerts.a[k], 0, sizeof(res->alerts.a[k]));
				res->alerts.fired |= 1u << k;
				res->alerts.cluster |= 1u << k;
				res->alerts.a[k].count = r[j].count;
				res->alerts.a[k].threshold = cl->cfg.det[k].threshold;
				res->alerts.a[k].window = cl->cfg.det[k].window;
				if (r[j].crossed)
					report(cl, k, fam, e, &r[j]);
			}
		}
		if (!noscript)
			break;
		/* a restarted or flushed server: load the script, send again
		 * (a NOSCRIPT call did not run) */
		rc = cl_load_script(lk->conn, err, sizeof(err));
		if (rc != CL_OK) {
			call_failed(cl, lk, rc, err);
			STAT_ADD(cl, dropped, 1);
			return;
		}
	}
	link_ok(lk);
	STAT_ADD(cl, sent, 1);
}

void ap_cluster_feed(ap_cluster *cl, ap_cluster_worker *cw, ap_result *res, int64_t t)
{
	if (cl == NULL || res == NULL)
		return;
	const ap_event *ev = &res->ev;
	if (ev->kind != AP_KIND_AUTH || ev->outcome != AP_OUT_FAILURE
	    || (ev->ip.family != 4 && ev->ip.family != 6))
		return;
	struct qent e;
	e.t = t > 0 ? t : (int64_t)time(NULL);
	e.ip = ev->ip;
	e.ulen = 0;
	if (ev->user.n > 0 && ev->user.p != NULL)
		e.ulen = (uint16_t)ap_escape_user(ev->user.p, ev->user.n, e.user);
	if (cl->cfg.mode == AP_CLUSTER_ASYNC)
		enqueue(cl, &e);
	else if (cw != NULL)
		feed_sync(cl, cw, &e, res);
}
