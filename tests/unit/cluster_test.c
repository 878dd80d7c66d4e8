/* cluster_test.c - the cluster tier (core/cluster/): the alert scope in the
 * JSON, the server address forms, the configuration checks, the incident
 * as JSON and text, the bounded queue; and, against the redis-server that
 * tests/unit/run-cluster.sh starts (MMAP_TEST_REDIS=host:port), the
 * window script's counts, windows and crossings, several nodes on one
 * server, the async batches and their combining, concurrent clients
 * (exactly one crossing per incident), a flushed script (NOSCRIPT), a
 * wrong password, a slow server (DEBUG SLEEP) and a server that is not
 * there.  Without MMAP_TEST_REDIS only the first part runs.
 *
 * Every key of a check lives under a prefix of its own.  Expected figures
 * follow the documented semantics (core/cluster/script.c): a window of W
 * seconds ending at the key's newest time c holds the times in (c-W, c].
 *
 * Prints "PASS <name>" or "FAIL <name>: why" per check.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifdef HAVE_CONFIG_H
#include "ap_config.h"
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif
#include <json.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cluster/cluster.h"
#include "cluster/redis.h"
#include "check.h"

/* ------------------------------------------------------------------ */
/* log capture and incidents                                           */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char logbuf[16384];

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	pthread_mutex_lock(&mu);
	size_t n = strlen(logbuf);
	if (n < sizeof(logbuf) - 1)
		snprintf(logbuf + n, sizeof(logbuf) - n, "[%d] %s\n", (int)lvl, msg);
	pthread_mutex_unlock(&mu);
}

#define MAXINC 256
static ap_cluster_incident incs[MAXINC];
static int ninc;

static void on_incident(void *arg, const ap_cluster_incident *inc)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	if (ninc < MAXINC)
		incs[ninc] = *inc;
	ninc++;
	pthread_mutex_unlock(&mu);
}

static void reset(void)
{
	pthread_mutex_lock(&mu);
	logbuf[0] = '\0';
	ninc = 0;
	pthread_mutex_unlock(&mu);
}

/* the nodes of an incident, sorted, comma-separated */
__attribute__((unused)) static void nodes_of(const ap_cluster_incident *inc, char *out,
					     size_t outsz)
{
	const char *v[AP_CLUSTER_MAX_NODES];
	uint32_t n = inc->nnodes;
	for (uint32_t i = 0; i < n; i++)
		v[i] = inc->nodes[i];
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	out[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		size_t l = strlen(out);
		snprintf(out + l, outsz - l, "%s%s", i ? "," : "", v[i]);
	}
}

/* ------------------------------------------------------------------ */
/* events                                                              */

static ap_result mk(const char *ip, const char *user)
{
	ap_result r;
	memset(&r, 0, sizeof(r));
	r.ev.kind = AP_KIND_AUTH;
	r.ev.outcome = AP_OUT_FAILURE;
	r.ev.daemon = "vpopmail";
	r.ev.tls = -1;
	r.ev.port = -1;
	r.ev.attempts = -1;
	if (ip != NULL && !ap_addr_parse(ip, strlen(ip), &r.ev.ip))
		abort();
	if (user != NULL)
		r.ev.user = (ap_span){ user, (uint32_t)strlen(user) };
	return r;
}

static const char *redis_addr;
static char prefix_base[48];

/* a configuration: node, the three detectors off, a prefix of its own */
static ap_cluster_config cfg_for(const char *node, ap_cluster_mode mode, const char *prefix)
{
	ap_cluster_config c;
	ap_cluster_config_defaults(&c);
	c.mode = mode;
	c.redis = redis_addr;
	c.node = node;
	c.prefix = prefix;
	for (int k = 0; k < AP_DET__COUNT; k++)
		c.det[k] = (ap_detector_cfg){ 0, 0 };
	c.incident = on_incident;
	return c;
}

__attribute__((unused)) static ap_cluster *open_cl(const ap_cluster_config *c)
{
	ap_cluster *cl = NULL;
	if (ap_cluster_open(c, logcb, NULL, &cl) != AP_OK)
		return NULL;
	return cl;
}

__attribute__((unused)) static void new_prefix(char *buf, size_t n, const char *what)
{
	snprintf(buf, n, "%s%s:", prefix_base, what);
}

/* a sync node "node" on a prefix of its own ("what"), the detectors off,
 * calls of at most 1 s */
__attribute__((unused)) static ap_cluster_config sync_cfg(char *pfx, size_t n, const char *what,
							  const char *node)
{
	new_prefix(pfx, n, what);
	ap_cluster_config c = cfg_for(node, AP_CLUSTER_SYNC, pfx);
	c.timeout_ms = 1000;
	return c;
}

/* open c with a worker of its own, the incidents seen so far forgotten */
__attribute__((unused)) static ap_cluster *open_worker(const ap_cluster_config *c,
						       ap_cluster_worker **w)
{
	ap_cluster *cl = open_cl(c);
	*w = ap_cluster_worker_new(cl);
	reset();
	return cl;
}

__attribute__((unused)) static void close_worker(ap_cluster *cl, ap_cluster_worker *w)
{
	ap_cluster_worker_free(w);
	ap_cluster_free(cl);
}

__attribute__((unused)) static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#ifdef HAVE_HIREDIS
/* an admin connection of the test's own */
static redisContext *admin(void)
{
	char host[64];
	const char *colon = strrchr(redis_addr, ':');
	snprintf(host, sizeof(host), "%.*s", (int)(colon - redis_addr), redis_addr);
	redisContext *c = redisConnect(host, atoi(colon + 1));
	if (c == NULL || c->err) {
		fprintf(stderr, "cannot connect to %s\n", redis_addr);
		exit(2);
	}
	return c;
}

static long long admin_int(const char *fmt, ...)
{
	redisContext *c = admin();
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(c, fmt, ap);
	va_end(ap);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return v;
}

/* the hash of a key ("{<prefix>i:<address>}", "{<prefix>u:<user>}"):
 * how many fields start with `pre`, and the sum of their values */
static void hfields(const char *key, const char *pre, long long *nf, long long *sum)
{
	redisContext *c = admin();
	redisReply *r = redisCommand(c, "HGETALL %s", key);
	*nf = *sum = 0;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (size_t i = 0; i + 1 < r->elements; i += 2)
			if (strncmp(r->element[i]->str, pre, strlen(pre)) == 0) {
				(*nf)++;
				*sum += atoll(r->element[i + 1]->str);
			}
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
}

/* one field's value as a number, -1 when absent */
static long long hget(const char *key, const char *field)
{
	redisContext *c = admin();
	redisReply *r = redisCommand(c, "HGET %s %s", key, field);
	long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return v;
}

static void admin_cmd(const char *fmt, ...)
{
	redisContext *c = admin();
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r)
		freeReplyObject(r);
	redisFree(c);
}
#endif /* HAVE_HIREDIS */

/* ------------------------------------------------------------------ */
/* without a server                                                    */

static void test_json_scope(void)
{
	ap_result r = mk("203.0.113.9", "bob");
	r.alerts.fired = (1u << AP_DET_BRUTEFORCE) | (1u << AP_DET_DICTIONARY);
	r.alerts.cluster = 1u << AP_DET_BRUTEFORCE;
	r.alerts.a[AP_DET_BRUTEFORCE] = (ap_alert){ .count = 12, .threshold = 10, .window = 600 };
	r.alerts.a[AP_DET_DICTIONARY] = (ap_alert){ .count = 5, .threshold = 5, .window = 600 };
	struct fjson_object *o = ap_result_json(&r);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	check("json.cluster_alert_has_scope",
	      strstr(s, "\"bruteforce\":{\"count\":12,\"threshold\":10,\"window\":600,"
			"\"scope\":\"cluster\"}")
		      != NULL,
	      "%s", s);
	check("json.local_alert_has_no_scope",
	      strstr(s, "\"dictionary\":{\"count\":5,\"threshold\":5,\"window\":600}") != NULL,
	      "%s", s);
	json_object_put(o);
}

static void test_endpoints(void)
{
	struct {
		const char *spec;
		int ok, is_unix, port;
		const char *host;
	} t[] = {
		{ "127.0.0.1:6380", 1, 0, 6380, "127.0.0.1" },
		{ "127.0.0.1", 1, 0, 6379, "127.0.0.1" },
		{ "[::1]:7000", 1, 0, 7000, "::1" },
		{ "::1", 1, 0, 6379, "::1" },
		{ "/run/redis/redis.sock", 1, 1, 0, "" },
		{ "127.0.0.1:0", 0, 0, 0, "" },
		{ "127.0.0.1:65536", 0, 0, 0, "" },
		{ "127.0.0.1:x", 0, 0, 0, "" },
		{ "127.0.0.1:", 0, 0, 0, "" },
		{ "[::1", 0, 0, 0, "" },
		{ "[::1]x", 0, 0, 0, "" },
		{ ":6379", 0, 0, 0, "" },
		{ "", 0, 0, 0, "" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cl_endpoint ep;
		char err[256] = "", name[96];
		int ok = cl_endpoint_parse(t[i].spec, &ep, err, sizeof(err));
		snprintf(name, sizeof(name), "endpoint.%s", t[i].spec[0] ? t[i].spec : "(empty)");
		if (!t[i].ok) {
			check(name, !ok && err[0] != '\0', "accepted (host %s port %d)", ep.host,
			      ep.port);
			continue;
		}
		check(name,
		      ok && ep.is_unix == (t[i].is_unix != 0)
			      && (t[i].is_unix ? strcmp(ep.path, t[i].spec) == 0
					       : strcmp(ep.host, t[i].host) == 0
							 && ep.port == t[i].port),
		      "ok %d unix %d host '%s' port %d path '%s' err '%s'", ok, ep.is_unix, ep.host,
		      ep.port, ep.path, err);
	}
}

static void test_config(void)
{
	struct {
		const char *name;
		const char *node, *prefix, *redis;
		uint32_t bf, queue, timeout;
		int ok;
		const char *logs; /* the log must say this */
	} t[] = {
		{ "config.ok", "n1", "p:", "127.0.0.1:1", 10, 100, 0, 1, "" },
		{ "config.no_node", NULL, "p:", "127.0.0.1:1", 10, 100, 0, 0, "cluster.node" },
		{ "config.node_with_blank", "n 1", "p:", "127.0.0.1:1", 10, 100, 0, 0,
		  "cluster.node" },
		{ "config.node_with_comma", "a,b", "p:", "127.0.0.1:1", 10, 100, 0, 0,
		  "cluster.node" },
		{ "config.prefix_with_brace", "n1", "p{", "127.0.0.1:1", 10, 100, 0, 0,
		  "cluster.prefix" },
		{ "config.no_server", "n1", "p:", NULL, 10, 100, 0, 0, "cluster.redis" },
		{ "config.bad_port", "n1", "p:", "127.0.0.1:99999", 10, 100, 0, 0,
		  "cluster.redis" },
		{ "config.threshold_range", "n1", "p:", "127.0.0.1:1", 10001, 100, 0, 0,
		  "cluster.bruteforce.threshold" },
		{ "config.all_off", "n1", "p:", "127.0.0.1:1", 0, 100, 0, 0, "every cluster" },
		{ "config.queue_range", "n1", "p:", "127.0.0.1:1", 10, 1000001, 0, 0,
		  "cluster.queueSize" },
		{ "config.timeout_range", "n1", "p:", "127.0.0.1:1", 10, 100, 60001, 0,
		  "cluster.timeout" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ap_cluster_config c = cfg_for(t[i].node, AP_CLUSTER_ASYNC, t[i].prefix);
		c.redis = t[i].redis;
		c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ t[i].bf, 600 };
		c.queue_size = t[i].queue;
		c.timeout_ms = t[i].timeout;
		reset();
		ap_cluster *cl = NULL;
		ap_status st = ap_cluster_open(&c, logcb, NULL, &cl);
		if (t[i].ok)
			check(t[i].name, st == AP_OK && cl != NULL, "status %d: %s", (int)st,
			      logbuf);
		else
			check(t[i].name,
			      st == AP_E_CONFIG && cl == NULL && strstr(logbuf, t[i].logs),
			      "status %d, log: %s", (int)st, logbuf);
		ap_cluster_free(cl);
	}
	check("config.mode_names",
	      ap_cluster_mode_from_name("async") == AP_CLUSTER_ASYNC
		      && ap_cluster_mode_from_name("SYNC") == AP_CLUSTER_SYNC
		      && ap_cluster_mode_from_name("both") == -1,
	      "async %d sync %d both %d", ap_cluster_mode_from_name("async"),
	      ap_cluster_mode_from_name("SYNC"), ap_cluster_mode_from_name("both"));
	ap_cluster_config d;
	ap_cluster_config_defaults(&d);
	check("config.defaults",
	      d.mode == AP_CLUSTER_ASYNC && strcmp(d.prefix, "mmap:") == 0
		      && d.connect_timeout_ms == 200 && d.queue_size == 50000 && d.batch_size == 256
		      && d.flush_ms == 100 && d.det[AP_DET_BRUTEFORCE].threshold == 10
		      && d.det[AP_DET_BRUTEFORCE].window == 600
		      && d.det[AP_DET_DICTIONARY].threshold == 5
		      && d.det[AP_DET_DISTRIBUTED].threshold == 10
		      && d.det[AP_DET_DISTRIBUTED].window == 3600
		      && d.det[AP_DET_COMPROMISE].threshold == 0,
	      "defaults differ from the documented ones");
}

static void test_incident_format(void)
{
	ap_cluster_incident inc;
	memset(&inc, 0, sizeof(inc));
	inc.detector = AP_DET_DISTRIBUTED;
	snprintf(inc.user, sizeof(inc.user), "%s", "info@shop.example");
	inc.count = 12;
	inc.threshold = 10;
	inc.window = 3600;
	inc.first = 1772510400; /* 2026-03-03T04:00:00Z */
	inc.last = 1772511069;  /* 2026-03-03T04:11:09Z */
	inc.node = "mx2";
	inc.nnodes = 3;
	snprintf(inc.nodes[0], sizeof(inc.nodes[0]), "mx1");
	snprintf(inc.nodes[1], sizeof(inc.nodes[1]), "mx2");
	snprintf(inc.nodes[2], sizeof(inc.nodes[2]), "mx3");
	struct fjson_object *o = ap_cluster_incident_json(&inc);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	const char *want =
		"{\"kind\":\"incident\",\"scope\":\"cluster\",\"state\":\"open\","
		"\"detector\":\"distributed\",\"key\":\"user\",\"user\":\"info@shop."
		"example\",\"id\":\"%016llx\",\"count\":12,\"threshold\":10,\"window\":3600,"
		"\"first_seen\":\"2026-03-03T04:00:00Z\",\"last_seen\":\"2026-03-"
		"03T04:11:09Z\",\"nodes\":[\"mx1\",\"mx2\",\"mx3\"],\"node\":\"mx2\"}";
	char wantid[600];
	uint64_t id = ap_cluster_incident_id(&inc);
	snprintf(wantid, sizeof(wantid), want, (unsigned long long)id);
	check("incident.json_user", strcmp(s, wantid) == 0, "\n    got:  %s\n    want: %s", s,
	      wantid);
	/* the id: the same for the same crossing, another for another first
	 * time, user or detector, never 0 */
	ap_cluster_incident other = inc;
	other.count = 40;
	other.last += 100;
	other.nnodes = 1;
	other.node = "mx1";
	check("incident.id_same_crossing", id != 0 && ap_cluster_incident_id(&other) == id,
	      "%016llx", (unsigned long long)id);
	other.first += 1;
	check("incident.id_first_time", ap_cluster_incident_id(&other) != id, "%s", "");
	other = inc;
	other.user[0] = 'I';
	check("incident.id_user", ap_cluster_incident_id(&other) != id, "%s", "");
	other = inc;
	other.detector = AP_DET_BRUTEFORCE;
	check("incident.id_detector", ap_cluster_incident_id(&other) != id, "%s", "");
	json_object_put(o);
	char txt[512];
	size_t n = ap_cluster_incident_text(&inc, txt, sizeof(txt));
	const char *wt = "cluster incident: distributed user=info@shop.example count=12 "
			 "threshold=10 window=3600 nodes=mx1,mx2,mx3";
	check("incident.text_user", n == strlen(wt) && strcmp(txt, wt) == 0, "got '%s'", txt);

	inc.detector = AP_DET_BRUTEFORCE;
	inc.user[0] = '\0';
	ap_addr_parse("2001:db8::7", 11, &inc.ip);
	inc.nnodes = 1;
	o = ap_cluster_incident_json(&inc);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char idjs[64];
	snprintf(idjs, sizeof(idjs), "\"id\":\"%016llx\",\"count\":12,",
		 (unsigned long long)ap_cluster_incident_id(&inc));
	check("incident.json_ip",
	      strstr(s, "\"detector\":\"bruteforce\",\"key\":\"ip\",\"ip\":\"2001:db8::7\",")
			      != NULL
		      && strstr(s, idjs) != NULL && strstr(s, "\"nodes\":[\"mx1\"]") != NULL
		      && strstr(s, "\"user\"") == NULL,
	      "%s", s);
	json_object_put(o);
	uint64_t id6 = ap_cluster_incident_id(&inc);
	ap_addr_parse("2001:db8::8", 11, &inc.ip);
	check("incident.id_address", ap_cluster_incident_id(&inc) != id6, "%s", "");
	ap_addr_parse("2001:db8::7", 11, &inc.ip);
	n = ap_cluster_incident_text(&inc, txt, 40);
	check("incident.text_cut", n == 39 && strlen(txt) == 39, "n %zu '%s'", n, txt);
}

#ifdef HAVE_HIREDIS
/* the queue keeps the newest queueSize events; successes, blocks and
 * failures without an address are not queued */
static void test_queue_drops_oldest(void)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), "queue");
	ap_cluster_config c = cfg_for("q1", AP_CLUSTER_ASYNC, pfx);
	if (redis_addr == NULL)
		c.redis = "127.0.0.1:1";
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 100, 600 };
	c.queue_size = 4;
	ap_cluster *cl = open_cl(&c);
	if (cl == NULL) {
		check("queue.open", 0, "%s", logbuf);
		return;
	}
	for (int i = 0; i < 6; i++) {
		ap_result r = mk("198.51.100.1", "u");
		ap_cluster_feed(cl, NULL, &r, 1000 + i);
	}
	ap_result s = mk("198.51.100.1", "u");
	s.ev.outcome = AP_OUT_SUCCESS;
	ap_cluster_feed(cl, NULL, &s, 2000);
	ap_result noip = mk(NULL, "u");
	ap_cluster_feed(cl, NULL, &noip, 2000);
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	check("queue.full_drops_the_oldest", st->dropped == 2, "dropped %llu, want 2",
	      (unsigned long long)st->dropped);
	if (redis_addr != NULL) {
		ap_cluster_start(cl);
		int drained = ap_cluster_drain(cl, 5000);
		/* the four newest: times 1002..1005, one failure each */
		char key[128];
		snprintf(key, sizeof(key), "{%si:198.51.100.1}", pfx);
		long long nf, sum;
		hfields(key, "b:", &nf, &sum);
		int newest = hget(key, "b:1002") == 1 && hget(key, "b:1005") == 1
			     && hget(key, "b:1001") == -1;
		check("queue.keeps_the_newest",
		      drained && st->sent == 4 && st->batches == 1 && nf == 4 && sum == 4 && newest,
		      "drained %d sent %llu batches %llu, in Redis %lld seconds, %lld failures, "
		      "1002..1005 %d",
		      drained, (unsigned long long)st->sent, (unsigned long long)st->batches, nf,
		      sum, newest);
	}
	ap_cluster_free(cl);
}

/* the queue holds 32 bytes of user names per event: long names make
 * room by dropping the oldest events; the names wrap around the ring and
 * come out whole */
static void test_queue_long_users(void)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), "qlong");
	ap_cluster_config c = cfg_for("q2", AP_CLUSTER_ASYNC, pfx);
	if (redis_addr == NULL)
		c.redis = "127.0.0.1:1";
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 100, 600 };
	c.queue_size = 40; /* 1,280 bytes of user names */
	ap_cluster *cl = open_cl(&c);
	static char users[10][201];
	for (int i = 0; i < 10; i++) {
		memset(users[i], 'a' + i, 200);
		users[i][200] = '\0';
		ap_result r = mk("198.51.100.2", users[i]);
		ap_cluster_feed(cl, NULL, &r, 1000 + i);
	}
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	/* 200 bytes each: 6 fit in 1,280 */
	check("queue.long_users_drop_the_oldest", st->dropped == 4, "dropped %llu, want 4",
	      (unsigned long long)st->dropped);
	if (redis_addr != NULL) {
		ap_cluster_start(cl);
		ap_cluster_drain(cl, 5000);
		char key[128], field[256];
		snprintf(key, sizeof(key), "{%si:198.51.100.2}", pfx);
		int whole = 1;
		for (int i = 0; i < 10; i++) {
			snprintf(field, sizeof(field), "d:%.200s", users[i]);
			long long v = hget(key, field);
			whole &= i < 4 ? v == -1 : v == 1000 + i;
		}
		check("queue.long_users_come_out_whole", st->sent == 6 && whole,
		      "sent %llu, the six newest users whole in Redis: %d",
		      (unsigned long long)st->sent, whole);
	}
	ap_cluster_free(cl);
}

/* ------------------------------------------------------------------ */
/* against redis-server                                                */

#define T0 1772500000

static int alert(const ap_result *r, ap_detector k, uint32_t count, uint32_t thr, uint32_t win)
{
	return (r->alerts.fired & (1u << k)) && (r->alerts.cluster & (1u << k))
	       && r->alerts.a[k].count == count && r->alerts.a[k].threshold == thr
	       && r->alerts.a[k].window == win;
}

static void test_sync_bruteforce(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "sbf", "a");
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = mk("203.0.113.5", i % 2 ? "bob" : "alice");
		ap_cluster_feed(cl, w, &r[i], T0 + i);
	}
	check("sync.bf_below_threshold_quiet", r[0].alerts.fired == 0 && r[1].alerts.fired == 0,
	      "fired 0x%x 0x%x", r[0].alerts.fired, r[1].alerts.fired);
	check("sync.bf_third_fires_scope_cluster",
	      alert(&r[2], AP_DET_BRUTEFORCE, 3, 3, 600) && r[2].alerts.fired == 1u,
	      "fired 0x%x cluster 0x%x count %u", r[2].alerts.fired, r[2].alerts.cluster,
	      r[2].alerts.a[0].count);
	check("sync.bf_fourth_still_fires", alert(&r[3], AP_DET_BRUTEFORCE, 4, 3, 600),
	      "fired 0x%x count %u", r[3].alerts.fired, r[3].alerts.a[0].count);
	char nodes[256] = "", ip[64] = "";
	if (ninc >= 1) {
		nodes_of(&incs[0], nodes, sizeof(nodes));
		ap_addr_format(&incs[0].ip, ip, sizeof(ip));
	}
	check("sync.bf_one_incident",
	      ninc == 1 && incs[0].detector == AP_DET_BRUTEFORCE && strcmp(ip, "203.0.113.5") == 0
		      && incs[0].count == 3 && incs[0].threshold == 3 && incs[0].window == 600
		      && incs[0].first == T0 && incs[0].last == T0 + 2 && strcmp(nodes, "a") == 0
		      && strcmp(incs[0].node, "a") == 0,
	      "%d incidents; first: det %d ip %s count %u first %lld last %lld nodes %s", ninc,
	      ninc ? (int)incs[0].detector : -1, ip, ninc ? incs[0].count : 0,
	      ninc ? (long long)incs[0].first - T0 : 0, ninc ? (long long)incs[0].last - T0 : 0,
	      nodes);
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	check("sync.bf_counters",
	      st->sent == 4 && st->batches == 4 && st->errors == 0 && st->incidents == 1
		      && st->connected == 1,
	      "sent %llu batches %llu errors %llu incidents %llu connected %llu",
	      (unsigned long long)st->sent, (unsigned long long)st->batches,
	      (unsigned long long)st->errors, (unsigned long long)st->incidents,
	      (unsigned long long)st->connected);
	/* what is kept: one field per second (T0..T0+3), the node, the open
	 * incident; the dictionary detector is off, so no 'd' field; one key,
	 * expiring a minute after the window */
	char key[128];
	snprintf(key, sizeof(key), "{%si:203.0.113.5}", pfx);
	long long nb, sb, nd, sd;
	hfields(key, "b:", &nb, &sb);
	hfields(key, "d:", &nd, &sd);
	long long ttl = admin_int("TTL %s", key), len = admin_int("HLEN %s", key);
	check("sync.bf_keys",
	      nb == 4 && sb == 4 && nd == 0 && hget(key, "n:a") == T0 + 3
		      && hget(key, "ob") == T0 + 3 + 600 && len == 6 && ttl > 600 && ttl <= 660,
	      "b fields %lld (%lld failures), d fields %lld, n:a %lld, ob %lld, %lld fields, TTL "
	      "%lld",
	      nb, sb, nd, hget(key, "n:a") - T0, hget(key, "ob") - T0, len, ttl);
	/* a local alert of the same detector: the cluster's figures, its
	 * incident kept */
	ap_result r5 = mk("203.0.113.5", "carl");
	r5.alerts.fired = 1u << AP_DET_BRUTEFORCE;
	r5.alerts.a[AP_DET_BRUTEFORCE] = (ap_alert){ .count = 2, .threshold = 2, .window = 60 };
	r5.alerts.a[AP_DET_BRUTEFORCE].inc.state = AP_INC_OPEN;
	r5.alerts.a[AP_DET_BRUTEFORCE].inc.id = 0x1234;
	ap_cluster_feed(cl, w, &r5, T0 + 4);
	check("sync.bf_keeps_the_local_incident",
	      alert(&r5, AP_DET_BRUTEFORCE, 5, 3, 600)
		      && r5.alerts.a[AP_DET_BRUTEFORCE].inc.state == AP_INC_OPEN
		      && r5.alerts.a[AP_DET_BRUTEFORCE].inc.id == 0x1234,
	      "count %u state %d id %llx", r5.alerts.a[0].count, (int)r5.alerts.a[0].inc.state,
	      (unsigned long long)r5.alerts.a[0].inc.id);
	ap_cluster_worker_free(w);
	check("sync.worker_free_closes", st->connected == 0, "connected %llu",
	      (unsigned long long)st->connected);
	ap_cluster_free(cl);
}

/* two nodes on one server: the second one's event crosses, both listed */
static void test_two_nodes(void)
{
	char pfx[96];
	ap_cluster_config ca = sync_cfg(pfx, sizeof(pfx), "two", "a");
	ca.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 600 };
	ap_cluster_config cb = ca;
	cb.node = "b";
	ap_cluster *a = open_cl(&ca), *b = open_cl(&cb);
	ap_cluster_worker *wa = ap_cluster_worker_new(a), *wb = ap_cluster_worker_new(b);
	reset();
	ap_result r1 = mk("192.0.2.44", "x"), r2 = mk("192.0.2.44", "y"),
		  r3 = mk("192.0.2.44", "z");
	ap_cluster_feed(a, wa, &r1, T0 + 10);
	ap_cluster_feed(a, wa, &r2, T0 + 11);
	ap_cluster_feed(b, wb, &r3, T0 + 12);
	char nodes[256] = "";
	if (ninc == 1)
		nodes_of(&incs[0], nodes, sizeof(nodes));
	check("two.second_node_crosses",
	      r2.alerts.fired == 0 && alert(&r3, AP_DET_BRUTEFORCE, 3, 3, 600) && ninc == 1
		      && strcmp(incs[0].node, "b") == 0 && strcmp(nodes, "a,b") == 0
		      && incs[0].first == T0 + 10 && incs[0].last == T0 + 12,
	      "r2 0x%x r3 0x%x/%u, %d incidents, nodes %s", r2.alerts.fired, r3.alerts.fired,
	      r3.alerts.a[0].count, ninc, nodes);
	check("two.a_and_b_counted",
	      ap_cluster_stats_of(a)->incidents == 0 && ap_cluster_stats_of(b)->incidents == 1,
	      "a %llu b %llu", (unsigned long long)ap_cluster_stats_of(a)->incidents,
	      (unsigned long long)ap_cluster_stats_of(b)->incidents);
	ap_cluster_worker_free(wa);
	ap_cluster_worker_free(wb);
	ap_cluster_free(a);
	ap_cluster_free(b);
}

/* windows: (c-W, c]; an event older than the window is not counted; an
 * incident stays open while the count holds and a new one opens after a
 * whole window below the threshold */
static void test_windows(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "win", "w");
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 2, 100 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	static const struct {
		int dt;
		uint32_t count; /* 0: no alert */
		int incidents;  /* after it */
	} steps[] = {
		{ 0, 0, 0 },   /* {0} */
		{ 100, 0, 0 }, /* {100}: 0 is out ((0, 100] excludes 0) */
		{ 101, 2, 1 }, /* {100, 101}: crosses, open until 201 */
		{ 50, 3, 1 },  /* late, still in (1, 101]: counted */
		{ 150, 3, 1 }, /* {100, 101, 150}: open until 250 */
		{ 0, 3, 1 },   /* too old for (50, 150]: not counted */
		{ 400, 0, 1 }, /* {400} */
		{ 401, 2, 2 }, /* {400, 401}: 401 > 250, a new incident */
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ap_result r = mk("198.51.100.200", NULL);
		ap_cluster_feed(cl, w, &r, T0 + steps[i].dt);
		char name[64];
		snprintf(name, sizeof(name), "window.step%zu_t%d", i, steps[i].dt);
		int ok = steps[i].count == 0 ? r.alerts.fired == 0
					     : alert(&r, AP_DET_BRUTEFORCE, steps[i].count, 2, 100);
		check(name, ok && ninc == steps[i].incidents,
		      "fired 0x%x count %u, %d incidents (want count %u, %d incidents)",
		      r.alerts.fired, r.alerts.a[0].count, ninc, steps[i].count,
		      steps[i].incidents);
	}
	if (ninc == 2)
		check("window.second_incident_times",
		      incs[1].count == 2 && incs[1].first == T0 + 400 && incs[1].last == T0 + 401,
		      "count %u first %lld last %lld", incs[1].count, (long long)incs[1].first - T0,
		      (long long)incs[1].last - T0);
	close_worker(cl, w);
}

/* an event stamped far in the future (a device with a wrong clock, a
 * misread year) must not move the key's clock there: it would push every
 * real event out of the window for as long as the key lives, and the key
 * never expires while the attack goes on.  It counts at Redis's clock;
 * an event far in the past is simply not counted. */
static void test_clock_ahead(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "ahead", "k");
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	int64_t now = (int64_t)time(NULL);
	const int64_t ten_years = 10LL * 365 * 86400;
	ap_result rf = mk("198.51.100.250", NULL);
	ap_cluster_feed(cl, w, &rf, now + ten_years);
	ap_result r1 = mk("198.51.100.250", NULL), r2 = mk("198.51.100.250", NULL);
	ap_cluster_feed(cl, w, &r1, now - 2);
	ap_cluster_feed(cl, w, &r2, now - 1);
	/* three failures within 600 s of Redis's clock: the third crosses */
	check("clock.future_event_does_not_blind_the_key",
	      r1.alerts.fired == 0 && alert(&r2, AP_DET_BRUTEFORCE, 3, 3, 600) && ninc == 1,
	      "r1 0x%x, r2 0x%x count %u, %d incidents", r1.alerts.fired, r2.alerts.fired,
	      r2.alerts.a[AP_DET_BRUTEFORCE].count, ninc);
	char key[128];
	snprintf(key, sizeof(key), "{%si:198.51.100.250}", pfx);
	long long ob = hget(key, "ob");
	check("clock.incident_times_not_in_the_future",
	      ninc == 1 && incs[0].last <= now + 5 && incs[0].first >= now - 2
		      && ob <= now + 600 + 5,
	      "%d incidents, first %+lld last %+lld, open until %+lld (s from now)", ninc,
	      ninc ? (long long)(incs[0].first - now) : 0,
	      ninc ? (long long)(incs[0].last - now) : 0, ob - now);
	/* far in the past: not counted, the key unharmed */
	ap_result rp = mk("198.51.100.250", NULL), r3 = mk("198.51.100.250", NULL);
	ap_cluster_feed(cl, w, &rp, now - ten_years);
	ap_cluster_feed(cl, w, &r3, now);
	check("clock.past_event_not_counted",
	      alert(&rp, AP_DET_BRUTEFORCE, 3, 3, 600) && alert(&r3, AP_DET_BRUTEFORCE, 4, 3, 600)
		      && ninc == 1,
	      "past 0x%x count %u, then 0x%x count %u, %d incidents", rp.alerts.fired,
	      rp.alerts.a[0].count, r3.alerts.fired, r3.alerts.a[0].count, ninc);
	close_worker(cl, w);
}

/* distinct counts: users from an address, addresses for a user */
static void test_distinct(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "dist", "d");
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 3, 600 };
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 3, 3600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	/* dictionary: u1, u1, u2 (2 users), u3 (3: crosses) */
	const char *users[] = { "u1", "u1", "u2", "u3" };
	ap_result r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = mk("203.0.113.77", users[i]);
		ap_cluster_feed(cl, w, &r[i], T0 + i);
	}
	check("distinct.dictionary_counts_users_once",
	      r[2].alerts.fired == 0 && alert(&r[3], AP_DET_DICTIONARY, 3, 3, 600)
		      && !(r[3].alerts.fired & (1u << AP_DET_BRUTEFORCE)),
	      "r2 0x%x r3 0x%x count %u", r[2].alerts.fired, r[3].alerts.fired,
	      r[3].alerts.a[AP_DET_DICTIONARY].count);
	check("distinct.dictionary_incident",
	      ninc == 1 && incs[0].detector == AP_DET_DICTIONARY && incs[0].count == 3,
	      "%d incidents, det %d", ninc, ninc ? (int)incs[0].detector : -1);
	/* distributed: one user from .1, .1, .2, .3 */
	reset();
	const char *ips[] = { "198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.3" };
	for (int i = 0; i < 4; i++) {
		r[i] = mk(ips[i], "victim@example.org");
		ap_cluster_feed(cl, w, &r[i], T0 + 10 + i);
	}
	check("distinct.distributed_counts_addresses_once",
	      r[2].alerts.fired == 0 && alert(&r[3], AP_DET_DISTRIBUTED, 3, 3, 3600),
	      "r2 0x%x r3 0x%x count %u", r[2].alerts.fired, r[3].alerts.fired,
	      r[3].alerts.a[AP_DET_DISTRIBUTED].count);
	check("distinct.distributed_incident",
	      ninc == 1 && incs[0].detector == AP_DET_DISTRIBUTED
		      && strcmp(incs[0].user, "victim@example.org") == 0 && incs[0].count == 3
		      && incs[0].first == T0 + 11 && incs[0].last == T0 + 13,
	      "%d incidents, det %d user %s count %u first %lld", ninc,
	      ninc ? (int)incs[0].detector : -1, ninc ? incs[0].user : "", ninc ? incs[0].count : 0,
	      ninc ? (long long)incs[0].first - T0 : 0);
	/* the first address keeps its newest time (T0+11, not T0+10) */
	char key[128];
	snprintf(key, sizeof(key), "{%su:victim@example.org}", pfx);
	check("distinct.member_keeps_newest_time", hget(key, "x:198.51.100.1") == T0 + 11,
	      "x:198.51.100.1 at T0%+lld", hget(key, "x:198.51.100.1") - T0);
	close_worker(cl, w);
}

/* user names are the attacker's: braces, colons, blanks and control
 * bytes stay inside their own key (the hash tag only picks the slot; the
 * key is the whole name), escaped as in events, and never merge with
 * another user's counts */
static void test_hostile_users(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "hostile", "hu");
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 2, 3600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result a = mk("192.0.2.101", "v}x"), b = mk("192.0.2.102", "v}x"),
		  v = mk("192.0.2.103", "v"), h = mk("192.0.2.104", "a b\001:{c}");
	ap_cluster_feed(cl, w, &a, T0);
	ap_cluster_feed(cl, w, &v, T0 + 1);
	ap_cluster_feed(cl, w, &b, T0 + 2);
	ap_cluster_feed(cl, w, &h, T0 + 3);
	char k1[160], k2[160], k3[160];
	snprintf(k1, sizeof(k1), "{%su:v}x}", pfx);
	snprintf(k2, sizeof(k2), "{%su:v}", pfx);
	snprintf(k3, sizeof(k3), "{%su:a b\\x01:{c}}", pfx);
	check("keys.hostile_user_names_stay_apart",
	      v.alerts.fired == 0 && alert(&b, AP_DET_DISTRIBUTED, 2, 2, 3600) && ninc == 1
		      && strcmp(incs[0].user, "v}x") == 0 && hget(k1, "x:192.0.2.101") == T0
		      && hget(k2, "x:192.0.2.103") == T0 + 1 && hget(k2, "x:192.0.2.101") == -1
		      && hget(k3, "x:192.0.2.104") == T0 + 3 && h.alerts.fired == 0,
	      "v 0x%x, b 0x%x count %u, %d incidents, v}x %lld, v %lld/%lld, escaped %lld",
	      v.alerts.fired, b.alerts.fired, b.alerts.a[AP_DET_DISTRIBUTED].count, ninc,
	      hget(k1, "x:192.0.2.101") - T0, hget(k2, "x:192.0.2.103") - T0,
	      hget(k2, "x:192.0.2.101"), hget(k3, "x:192.0.2.104") - T0);
	close_worker(cl, w);
}

/* async: three nodes one after another on one user; the third node's one
 * combined call crosses, all three listed; the events of one key in a
 * batch are one call */
static void test_async_nodes(void)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), "async");
	ap_cluster *cl[3];
	const char *names[3] = { "mx1", "mx2", "mx3" };
	reset();
	for (int n = 0; n < 3; n++) {
		ap_cluster_config c = cfg_for(names[n], AP_CLUSTER_ASYNC, pfx);
		c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 10, 3600 };
		c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 100, 600 };
		cl[n] = open_cl(&c);
		ap_cluster_start(cl[n]);
	}
	/* 4 addresses per node, each failing twice: 12 distinct */
	for (int n = 0; n < 3; n++) {
		for (int i = 0; i < 8; i++) {
			char ip[32];
			snprintf(ip, sizeof(ip), "203.0.113.%d", n * 4 + i % 4 + 1);
			ap_result r = mk(ip, "ceo@corp.example");
			ap_cluster_feed(cl[n], NULL, &r, T0 + n * 10 + i);
		}
		ap_cluster_drain(cl[n], 5000);
	}
	char nodes[256] = "";
	if (ninc == 1)
		nodes_of(&incs[0], nodes, sizeof(nodes));
	check("async.one_incident_three_nodes",
	      ninc == 1 && incs[0].detector == AP_DET_DISTRIBUTED && incs[0].count == 12
		      && strcmp(incs[0].node, "mx3") == 0 && strcmp(nodes, "mx1,mx2,mx3") == 0
		      && incs[0].first == T0 + 4 && incs[0].last == T0 + 27,
	      "%d incidents; count %u node %s nodes %s first %lld last %lld", ninc,
	      ninc ? incs[0].count : 0, ninc ? incs[0].node : "", nodes,
	      ninc ? (long long)incs[0].first - T0 : 0, ninc ? (long long)incs[0].last - T0 : 0);
	/* per node: 8 events, 1 round trip: 4 address calls + 1 user call */
	ap_cluster_stats *st = ap_cluster_stats_of(cl[2]);
	check("async.batch_combines",
	      st->sent == 8 && st->batches == 1 && st->errors == 0 && st->dropped == 0,
	      "sent %llu batches %llu errors %llu dropped %llu", (unsigned long long)st->sent,
	      (unsigned long long)st->batches, (unsigned long long)st->errors,
	      (unsigned long long)st->dropped);
	char k1[128], k2[128];
	long long n1, s1, n2, s2;
	snprintf(k1, sizeof(k1), "{%si:203.0.113.9}", pfx);
	snprintf(k2, sizeof(k2), "{%su:ceo@corp.example}", pfx);
	hfields(k1, "b:", &n1, &s1);
	hfields(k2, "x:", &n2, &s2);
	check("async.combined_counts_every_failure", s1 == 2 && n2 == 12,
	      "bruteforce failures %lld, distributed addresses %lld", s1, n2);
	for (int n = 0; n < 3; n++)
		ap_cluster_free(cl[n]);
}

/* concurrent clients on the same keys: each key's crossing exactly once */
#define CONC_THREADS 4
#define CONC_KEYS 20
#define CONC_PER 30

struct conc {
	ap_cluster *cl;
	ap_cluster_worker *w;
	int id;
};

static void *conc_run(void *arg)
{
	struct conc *c = arg;
	for (int i = 0; i < CONC_PER; i++)
		for (int k = 0; k < CONC_KEYS; k++) {
			char ip[32];
			snprintf(ip, sizeof(ip), "100.64.0.%d", (k + c->id * 7) % CONC_KEYS + 1);
			ap_result r = mk(ip, NULL);
			ap_cluster_feed(c->cl, c->w, &r, T0 + i);
		}
	return NULL;
}

static void test_concurrent(ap_cluster_mode mode, const char *name)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), name);
	struct conc c[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	reset();
	for (int t = 0; t < CONC_THREADS; t++) {
		char node[16];
		snprintf(node, sizeof(node), "c%d", t);
		ap_cluster_config cf = cfg_for(node, mode, pfx);
		cf.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 50, 600 };
		cf.timeout_ms = 2000;
		cf.batch_size = 16;
		c[t].cl = open_cl(&cf);
		c[t].w = ap_cluster_worker_new(c[t].cl);
		c[t].id = t;
		ap_cluster_start(c[t].cl);
	}
	for (int t = 0; t < CONC_THREADS; t++)
		pthread_create(&th[t], NULL, conc_run, &c[t]);
	for (int t = 0; t < CONC_THREADS; t++)
		pthread_join(th[t], NULL);
	uint64_t errors = 0, sent = 0;
	for (int t = 0; t < CONC_THREADS; t++) {
		ap_cluster_drain(c[t].cl, 10000);
		errors += ap_cluster_stats_of(c[t].cl)->errors;
		sent += ap_cluster_stats_of(c[t].cl)->sent;
	}
	int per_key[CONC_KEYS] = { 0 }, exact = 1;
	for (int i = 0; i < ninc && i < MAXINC; i++) {
		int k = incs[i].ip.b[3] - 1;
		if (k >= 0 && k < CONC_KEYS)
			per_key[k]++;
		/* one event per call (sync): the crossing count is exactly 50 */
		if (mode == AP_CLUSTER_SYNC && incs[i].count != 50)
			exact = 0;
		if (incs[i].count < 50)
			exact = 0;
	}
	int once = 1;
	for (int k = 0; k < CONC_KEYS; k++)
		once &= per_key[k] == 1;
	char n1[64];
	snprintf(n1, sizeof(n1), "%s.one_crossing_per_key", name);
	check(n1, ninc == CONC_KEYS && once && exact && errors == 0,
	      "%d incidents for %d keys, once %d, counts ok %d, errors %llu", ninc, CONC_KEYS, once,
	      exact, (unsigned long long)errors);
	long long total = 0;
	for (int k = 0; k < CONC_KEYS; k++) {
		char key[128];
		long long nf, sum;
		snprintf(key, sizeof(key), "{%si:100.64.0.%d}", pfx, k + 1);
		hfields(key, "b:", &nf, &sum);
		total += sum;
	}
	/* each key got 120 failures over 30 seconds (at most 2 x 50 kept) */
	snprintf(n1, sizeof(n1), "%s.every_failure_counted", name);
	check(n1, sent == CONC_THREADS * CONC_KEYS * CONC_PER && total == CONC_KEYS * 120,
	      "sent %llu, %lld members in all (want %d)", (unsigned long long)sent, total,
	      CONC_KEYS * 120);
	for (int t = 0; t < CONC_THREADS; t++) {
		ap_cluster_worker_free(c[t].w);
		ap_cluster_free(c[t].cl);
	}
}

/* the server lost its scripts (restart, SCRIPT FLUSH): loaded again and
 * the call sent again, nothing lost, no error */
static void test_noscript(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "nos", "n");
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 2, 600 };
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 5, 600 };
	ap_cluster *cl = open_cl(&c);
	ap_cluster_worker *w = ap_cluster_worker_new(cl);
	ap_result r1 = mk("192.0.2.99", "u"), r2 = mk("192.0.2.99", "u");
	ap_cluster_feed(cl, w, &r1, T0);
	admin_cmd("SCRIPT FLUSH");
	ap_cluster_feed(cl, w, &r2, T0 + 1);
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	char key[128];
	snprintf(key, sizeof(key), "{%su:u}", pfx);
	check("noscript.reloaded_and_sent_again",
	      alert(&r2, AP_DET_BRUTEFORCE, 2, 2, 600) && st->errors == 0 && st->sent == 2
		      && hget(key, "x:192.0.2.99") == T0 + 1,
	      "fired 0x%x count %u errors %llu sent %llu", r2.alerts.fired, r2.alerts.a[0].count,
	      (unsigned long long)st->errors, (unsigned long long)st->sent);
	/* async too */
	ap_cluster_config ca = c;
	ca.mode = AP_CLUSTER_ASYNC;
	ap_cluster *cla = open_cl(&ca);
	ap_cluster_start(cla);
	ap_result r3 = mk("192.0.2.98", "v");
	ap_cluster_feed(cla, NULL, &r3, T0);
	ap_cluster_drain(cla, 5000);
	admin_cmd("SCRIPT FLUSH");
	ap_cluster_feed(cla, NULL, &r3, T0 + 1);
	ap_cluster_drain(cla, 5000);
	st = ap_cluster_stats_of(cla);
	snprintf(key, sizeof(key), "{%si:192.0.2.98}", pfx);
	long long nf, sum;
	hfields(key, "b:", &nf, &sum);
	check("noscript.async_reloaded", st->errors == 0 && st->sent == 2 && sum == 2,
	      "errors %llu sent %llu failures in Redis %lld", (unsigned long long)st->errors,
	      (unsigned long long)st->sent, sum);
	ap_cluster_free(cla);
	close_worker(cl, w);
}

/* ACL user with the wrong password: refused, counted (one error; the
 * three events never reached Redis: dropped), logged once, backing off;
 * the right password works */
static void test_auth(void)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), "auth");
	admin_cmd("ACL SETUSER mmaptest on >right-pw ~* +@all");
	ap_cluster_config c = cfg_for("au", AP_CLUSTER_SYNC, pfx);
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	c.user = "mmaptest";
	c.password = "wrong-pw";
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r = mk("192.0.2.1", NULL);
	int64_t t0 = now_ms();
	ap_cluster_feed(cl, w, &r, T0);
	ap_cluster_feed(cl, w, &r, T0);
	ap_cluster_feed(cl, w, &r, T0);
	int64_t took = now_ms() - t0;
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	int nlog = 0;
	for (const char *p = logbuf; (p = strstr(p, "AUTH refused")) != NULL; p++)
		nlog++;
	check("auth.wrong_password_refused",
	      r.alerts.fired == 0 && st->errors == 1 && st->dropped == 3 && st->sent == 0
		      && st->connected == 0 && nlog == 1 && took < 500,
	      "fired 0x%x errors %llu dropped %llu sent %llu, %d log lines, %lld ms; log: %s",
	      r.alerts.fired, (unsigned long long)st->errors, (unsigned long long)st->dropped,
	      (unsigned long long)st->sent, nlog, (long long)took, logbuf);
	check("auth.password_not_logged", strstr(logbuf, "wrong-pw") == NULL, "%s", logbuf);
	close_worker(cl, w);
	c.password = "right-pw";
	cl = open_cl(&c);
	w = ap_cluster_worker_new(cl);
	r = mk("192.0.2.1", NULL);
	ap_cluster_feed(cl, w, &r, T0);
	check("auth.right_password_works", alert(&r, AP_DET_BRUTEFORCE, 1, 1, 600),
	      "fired 0x%x errors %llu", r.alerts.fired,
	      (unsigned long long)ap_cluster_stats_of(cl)->errors);
	close_worker(cl, w);
	admin_cmd("ACL DELUSER mmaptest");
}

static void *sleeper(void *arg)
{
	(void)arg;
	admin_cmd("DEBUG SLEEP 0.6");
	return NULL;
}

/* a server that does not answer (DEBUG SLEEP): the sync call gives up
 * after its timeout, then backs off without waiting again */
static void test_slow(void)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), "slow");
	ap_cluster_config c = cfg_for("s", AP_CLUSTER_SYNC, pfx);
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	c.timeout_ms = 50;
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r = mk("192.0.2.2", NULL);
	ap_cluster_feed(cl, w, &r, T0); /* connected */
	pthread_t th;
	pthread_create(&th, NULL, sleeper, NULL);
	usleep(100000);
	ap_result r2 = mk("192.0.2.2", NULL), r3 = mk("192.0.2.2", NULL);
	int64_t t0 = now_ms();
	ap_cluster_feed(cl, w, &r2, T0 + 1);
	int64_t took = now_ms() - t0;
	t0 = now_ms();
	ap_cluster_feed(cl, w, &r3, T0 + 2);
	int64_t took2 = now_ms() - t0;
	pthread_join(th, NULL);
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	check("slow.sync_gives_up_after_timeout",
	      r2.alerts.fired == 0 && took >= 45 && took < 250 && st->errors == 1
		      && st->timeouts == 1 && st->connected == 0,
	      "fired 0x%x, %lld ms, errors %llu timeouts %llu connected %llu", r2.alerts.fired,
	      (long long)took, (unsigned long long)st->errors, (unsigned long long)st->timeouts,
	      (unsigned long long)st->connected);
	/* dropped: r2 (its call lost with the connection) and r3 (backing off) */
	check("slow.then_backs_off", r3.alerts.fired == 0 && took2 < 10 && st->dropped == 2,
	      "fired 0x%x, %lld ms, dropped %llu", r3.alerts.fired, (long long)took2,
	      (unsigned long long)st->dropped);
	check("slow.logged", strstr(logbuf, "timeout") != NULL, "log: %s", logbuf);
	close_worker(cl, w);
}

/* the private server's pid (INFO server), to hang it with SIGSTOP */
static long redis_pid(void)
{
	redisContext *c = admin();
	redisReply *r = redisCommand(c, "INFO server");
	long pid = -1;
	const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "process_id:") : NULL;
	if (p != NULL)
		pid = atol(p + strlen("process_id:"));
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return pid;
}

/* rsyslogd's stop with a hung Redis (SIGSTOP) and a batch in flight: the
 * action's free waits for the batch's timeout, not for Redis */
static void test_stop_hung(void)
{
	char pfx[96];
	new_prefix(pfx, sizeof(pfx), "hung");
	ap_cluster_config c = cfg_for("h", AP_CLUSTER_ASYNC, pfx);
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 100, 600 };
	c.timeout_ms = 300;
	c.flush_ms = 10;
	ap_cluster *cl = open_cl(&c);
	ap_cluster_start(cl);
	ap_result r = mk("192.0.2.77", "h");
	ap_cluster_feed(cl, NULL, &r, T0);
	int drained = ap_cluster_drain(cl, 5000); /* connected */
	long pid = redis_pid();
	if (!drained || pid <= 0 || kill((pid_t)pid, SIGSTOP) != 0) {
		check("stop.hung_server_bounded", 0, "drained %d, pid %ld", drained, pid);
		ap_cluster_free(cl);
		return;
	}
	for (int i = 0; i < 100; i++)
		ap_cluster_feed(cl, NULL, &r, T0 + 1);
	usleep(50000); /* the batch is in flight */
	int64_t t0 = now_ms();
	ap_cluster_free(cl);
	int64_t took = now_ms() - t0;
	kill((pid_t)pid, SIGCONT);
	check("stop.hung_server_bounded", took < 600, "%lld ms with cluster.timeout 300",
	      (long long)took);
}

/* a full server (maxmemory, noeviction): the call is refused with OOM,
 * counted and logged once, the connection kept; a replica (READONLY):
 * refused, the connection dropped, backing off */
static void test_refusals(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "oom", "o");
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r = mk("192.0.2.4", NULL);
	ap_cluster_feed(cl, w, &r, T0); /* connected, script loaded */
	admin_cmd("CONFIG SET maxmemory-policy noeviction");
	admin_cmd("CONFIG SET maxmemory 1");
	ap_result r1 = mk("192.0.2.4", NULL), r2 = mk("192.0.2.4", NULL);
	ap_cluster_feed(cl, w, &r1, T0 + 1);
	ap_cluster_feed(cl, w, &r2, T0 + 2);
	admin_cmd("CONFIG SET maxmemory 0");
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	int nlog = 0;
	for (const char *p = logbuf; (p = strstr(p, "OOM")) != NULL; p++)
		nlog++;
	check("refusals.oom_counted_connection_kept",
	      r1.alerts.fired == 0 && r2.alerts.fired == 0 && st->errors == 2 && st->connected == 1
		      && nlog == 1,
	      "fired 0x%x/0x%x errors %llu connected %llu, %d log lines: %s", r1.alerts.fired,
	      r2.alerts.fired, (unsigned long long)st->errors, (unsigned long long)st->connected,
	      nlog, logbuf);
	ap_result r3 = mk("192.0.2.4", NULL);
	ap_cluster_feed(cl, w, &r3, T0 + 3);
	check("refusals.after_oom_works_again", alert(&r3, AP_DET_BRUTEFORCE, 2, 1, 600),
	      "fired 0x%x count %u (the two refused calls counted nothing)", r3.alerts.fired,
	      r3.alerts.a[0].count);
	/* a replica: REPLICAOF a master that is not there */
	admin_cmd("REPLICAOF 127.0.0.1 1");
	ap_result r4 = mk("192.0.2.4", NULL);
	ap_cluster_feed(cl, w, &r4, T0 + 4);
	admin_cmd("REPLICAOF NO ONE");
	check("refusals.readonly_drops_the_connection",
	      r4.alerts.fired == 0 && st->errors == 3 && st->connected == 0
		      && strstr(logbuf, "READONLY") != NULL,
	      "fired 0x%x errors %llu connected %llu; log: %s", r4.alerts.fired,
	      (unsigned long long)st->errors, (unsigned long long)st->connected, logbuf);
	close_worker(cl, w);
}

/* a fake Redis on a loopback port: answers SCRIPT LOAD at once, and an
 * EVALSHA one byte every 30 ms (a congested link, a server that swaps):
 * every single read gets something within a 50 ms timeout, so only a
 * bound on the whole round trip stops the wait */
struct trickle {
	int lfd, port;
};

static void *trickle_srv(void *arg)
{
	struct trickle *t = arg;
	int fd = accept(t->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	/* count 1, crossed 0, for bruteforce and dictionary */
	static const char slow[] =
		"*2\r\n*4\r\n:1\r\n:0\r\n:0\r\n:0\r\n*4\r\n:0\r\n:0\r\n:0\r\n:0\r\n";
	static const char sha[] = "$40\r\n0123456789012345678901234567890123456789\r\n";
	char buf[8192];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (strstr(buf, "EVALSHA") != NULL) {
			for (size_t i = 0; i < sizeof(slow) - 1; i++) {
				if (send(fd, slow + i, 1, MSG_NOSIGNAL) != 1)
					break;
				usleep(30000);
			}
			break;
		}
		if (strstr(buf, "SCRIPT") != NULL
		    && send(fd, sha, sizeof(sha) - 1, MSG_NOSIGNAL) < 0)
			break;
	}
	close(fd);
	return NULL;
}

/* sync mode: cluster.timeout bounds the whole round trip, not each read */
static void test_sync_timeout_bounds_the_call(void)
{
	struct trickle t;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (t.lfd < 0 || bind(t.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0
	    || listen(t.lfd, 1) != 0 || getsockname(t.lfd, (struct sockaddr *)&sa, &sl) != 0) {
		check("timeout.fake_server", 0, "cannot listen");
		return;
	}
	char addr[64];
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sa.sin_port));
	pthread_t th;
	pthread_create(&th, NULL, trickle_srv, &t);
	ap_cluster_config c = cfg_for("tb", AP_CLUSTER_SYNC, "trickle:");
	c.redis = addr;
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	c.timeout_ms = 50;
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r = mk("192.0.2.9", NULL);
	int64_t t0 = now_ms();
	ap_cluster_feed(cl, w, &r, T0);
	int64_t took = now_ms() - t0;
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	check("timeout.sync_bounds_the_round_trip",
	      took < 250 && r.alerts.fired == 0 && st->errors == 1 && st->timeouts == 1
		      && st->connected == 0,
	      "%lld ms (timeout 50), fired 0x%x, errors %llu timeouts %llu connected %llu",
	      (long long)took, r.alerts.fired, (unsigned long long)st->errors,
	      (unsigned long long)st->timeouts, (unsigned long long)st->connected);
	/* the event's call was lost: dropped, as async counts a lost batch */
	check("timeout.sync_lost_call_counted_dropped", st->sent == 0 && st->dropped == 1,
	      "sent %llu dropped %llu", (unsigned long long)st->sent,
	      (unsigned long long)st->dropped);
	close_worker(cl, w);
	pthread_join(th, NULL);
	close(t.lfd);
}

/* a server that accepts the connection and the script but refuses every
 * call (a READONLY replica after a failover, an ACL without +evalsha):
 * the backoff must still grow (1 s, then 2 s...), not start again at 1 s
 * with each connection that the next call loses */
static void test_refused_backoff_grows(void)
{
	char pfx[96];
	ap_cluster_config c = sync_cfg(pfx, sizeof(pfx), "rbo", "rb");
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r = mk("192.0.2.5", NULL);
	ap_cluster_feed(cl, w, &r, T0); /* connected, counted */
	admin_cmd("REPLICAOF 127.0.0.1 1");
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	ap_cluster_feed(cl, w, &r, T0 + 1); /* READONLY: backing off 1 s */
	uint64_t e1 = st->errors;
	usleep(1100000);
	ap_cluster_feed(cl, w, &r, T0 + 2); /* connects again, READONLY: 2 s now */
	uint64_t e2 = st->errors;
	usleep(1100000);
	ap_cluster_feed(cl, w, &r, T0 + 3); /* 1.1 s later: still backing off */
	uint64_t e3 = st->errors;
	admin_cmd("REPLICAOF NO ONE");
	check("refusals.backoff_grows_while_refused", e1 == 1 && e2 == 2 && e3 == 2,
	      "errors after each call: %llu %llu %llu (want 1 2 2); log: %s",
	      (unsigned long long)e1, (unsigned long long)e2, (unsigned long long)e3, logbuf);
	close_worker(cl, w);
}

/* nothing listens: fails at once, one error, then backing off; none of
 * the 100 events reached Redis */
static void test_down(void)
{
	ap_cluster_config c = cfg_for("dn", AP_CLUSTER_SYNC, "down:");
	c.redis = "127.0.0.1:1";
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	ap_cluster_worker *w;
	ap_cluster *cl = open_worker(&c, &w);
	ap_result r = mk("192.0.2.3", NULL);
	int64_t t0 = now_ms();
	for (int i = 0; i < 100; i++)
		ap_cluster_feed(cl, w, &r, T0);
	int64_t took = now_ms() - t0;
	ap_cluster_stats *st = ap_cluster_stats_of(cl);
	int nlog = 0;
	for (const char *p = logbuf; (p = strstr(p, "cannot use Redis")) != NULL; p++)
		nlog++;
	check("down.refused_fast_counted_once",
	      r.alerts.fired == 0 && st->errors == 1 && st->dropped == 100 && took < 200
		      && nlog == 1,
	      "errors %llu dropped %llu, %lld ms, %d log lines", (unsigned long long)st->errors,
	      (unsigned long long)st->dropped, (long long)took, nlog);
	close_worker(cl, w);
}

#endif /* HAVE_HIREDIS */

int main(void)
{
	redis_addr = getenv("MMAP_TEST_REDIS");
	if (redis_addr != NULL && redis_addr[0] == '\0')
		redis_addr = NULL;
	snprintf(prefix_base, sizeof(prefix_base), "t%ld.%d:", (long)time(NULL), (int)getpid());
	test_json_scope();
	test_endpoints();
	test_incident_format();
	if (!cl_available()) {
		/* a build without hiredis (or without the library at run time):
		 * the tier refuses to start, saying why */
		ap_cluster_config c = cfg_for("n1", AP_CLUSTER_ASYNC, "p:");
		c.redis = "127.0.0.1:1";
		c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 10, 600 };
		reset();
		ap_cluster *cl = NULL;
		ap_status st = ap_cluster_open(&c, logcb, NULL, &cl);
		check("unavailable.refused_with_the_reason",
		      st == AP_E_CONFIG && cl == NULL
			      && strstr(logbuf, cl_unavailable_reason()) != NULL,
		      "status %d, log: %s", (int)st, logbuf);
		printf("cluster: no Redis client (%s): the other checks were skipped\n",
		       cl_unavailable_reason());
		printf("cluster: %d passed, %d failed\n", npass, nfail);
		return nfail ? 1 : 0;
	}
	test_config();
#ifdef HAVE_HIREDIS
	test_queue_drops_oldest();
	test_queue_long_users();
	test_sync_timeout_bounds_the_call();
	if (redis_addr != NULL) {
		test_sync_bruteforce();
		test_two_nodes();
		test_windows();
		test_clock_ahead();
		test_distinct();
		test_hostile_users();
		test_async_nodes();
		test_concurrent(AP_CLUSTER_SYNC, "concurrent_sync");
		test_concurrent(AP_CLUSTER_ASYNC, "concurrent_async");
		test_noscript();
		test_auth();
		test_slow();
		test_stop_hung();
		test_refusals();
		test_refused_backoff_grows();
		test_down();
	} else {
		printf("cluster: MMAP_TEST_REDIS not set: the checks against Redis were "
		       "skipped\n");
	}
#endif
	printf("cluster: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
