/* cluster_bench.c - the cluster tier (core/cluster/) against a real Redis:
 * its cost to the pipeline, the events per second one Redis absorbs with
 * the batching and combining, and Redis memory per tracked key.
 *
 *   cluster_bench -r host:port [-n events] [-c clients] [-m keys] [what...]
 *
 * what: pipeline, absorb, memory (default all three).
 *
 * pipeline  One thread, an attack-shaped stream of vpopmail lines in
 *           memory (2,000 addresses trying users from a pool of 20,000, a
 *           distributed attack on 50 accounts from 100,000 addresses, 10%
 *           successes).  Rows: ap_process() alone (local detection on);
 *           + ap_cluster_feed() async with Redis up (the worker's cost:
 *           the queue; the sender thread runs beside it); + async with no
 *           Redis (the queue full, dropping); + sync (one round trip per
 *           failure).  ns per line and lines/s.
 * absorb    `clients` collectors (threads, each its own ap_cluster, async,
 *           its own node name, a queue that holds all n) send n failures
 *           each as fast as they can; the clock stops when every queue is
 *           drained.  Two streams:
 *           attack-shaped (keys repeat: combining works) and every event a
 *           new address and a new user (nothing to combine).  Events/s,
 *           script calls per event and Redis's own CPU time per event
 *           (INFO cpu before and after).
 * memory    FLUSHALL, then m failures, each from a new address with a new
 *           user (one address key family and one user key family per
 *           event), then m failures of new addresses without a user; Redis
 *           used_memory before and after, per tracked address and per
 *           tracked user.
 *
 * Prints a Markdown table per part.  No pass/fail: figures only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cluster/cluster.h"
#include "tests/testctx.h"

static const char *redis_addr;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void quiet(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	if (lvl <= AP_LOG_ERR)
		fprintf(stderr, "cluster_bench: %s\n", msg);
}

/* ------------------------------------------------------------------ */
/* Redis's own figures                                                 */

static redisContext *admin(void)
{
	char host[64];
	const char *colon = strrchr(redis_addr, ':');
	snprintf(host, sizeof(host), "%.*s", (int)(colon - redis_addr), redis_addr);
	redisContext *c = redisConnect(host, atoi(colon + 1));
	if (c == NULL || c->err) {
		fprintf(stderr, "cluster_bench: cannot connect to %s\n", redis_addr);
		exit(2);
	}
	return c;
}

/* the number after `token` in INFO <section> ("used_memory:",
 * "db0:keys=", "cmdstat_evalsha:calls="); -1 if absent */
static double info_at(const char *section, const char *token)
{
	redisContext *c = admin();
	redisReply *r = redisCommand(c, "INFO %s", section);
	double v = -1;
	if (r != NULL && r->type == REDIS_REPLY_STRING) {
		const char *p = strstr(r->str, token);
		if (p != NULL)
			v = atof(p + strlen(token));
	}
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return v;
}

static double info(const char *section, const char *field)
{
	char key[96];
	snprintf(key, sizeof(key), "\n%s:", field);
	return info_at(section, key);
}

static void command(const char *cmd)
{
	redisContext *c = admin();
	redisReply *r = redisCommand(c, cmd);
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
}

/* this process's CPU seconds (the collectors: feeding threads and senders) */
static double self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
	       + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double redis_cpu(void)
{
	return info("cpu", "used_cpu_user") + info("cpu", "used_cpu_sys");
}

static void flushall(void)
{
	command("FLUSHALL");
}

/* ------------------------------------------------------------------ */
/* events                                                              */

static void ip_of(uint32_t a, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", 10 + (a >> 24) % 200, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255);
}

struct line {
	char *msg;
	size_t len;
	int64_t t;
};

/* the attack-shaped stream as vpopmail lines */
static struct line *make_lines(size_t n)
{
	struct line *v = calloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char buf[256], ip[32];
		uint32_t r = rnd() % 100;
		const char *svc = (r & 1) ? "pop3" : "imap";
		if (r < 10) {
			ip_of(rnd() % 50000, ip, sizeof(ip));
			snprintf(buf, sizeof(buf),
				 "vchkpw-%s: (PLAIN) login success user%u@d.example:%s", svc,
				 rnd() % 20000, ip);
		} else if (r < 30) {
			ip_of(1000000 + rnd() % 100000, ip, sizeof(ip));
			snprintf(buf, sizeof(buf), "vchkpw-%s: password fail vip%u@d.example:%s",
				 svc, rnd() % 50, ip);
		} else {
			ip_of(2000000 + rnd() % 2000, ip, sizeof(ip));
			snprintf(buf, sizeof(buf), "vchkpw-%s: password fail user%u@d.example:%s",
				 svc, rnd() % 20000, ip);
		}
		v[i].msg = strdup(buf);
		v[i].len = strlen(buf);
		v[i].t = 1772500000 + (int64_t)(i / 1000);
	}
	return v;
}

/* one failure as an ap_result: user may be NULL */
static void mk(ap_result *r, const char *ip, const char *user, size_t ulen)
{
	memset(&r->ev, 0, sizeof(r->ev));
	r->ev.kind = AP_KIND_AUTH;
	r->ev.outcome = AP_OUT_FAILURE;
	ap_addr_parse(ip, strlen(ip), &r->ev.ip);
	if (user != NULL)
		r->ev.user = (ap_span){ user, (uint32_t)ulen };
	r->alerts.fired = r->alerts.cluster = 0;
}

static ap_cluster *open_cluster(ap_cluster_mode mode, const char *redis, const char *node,
				const char *prefix, uint32_t queue)
{
	ap_cluster_config c;
	ap_cluster_config_defaults(&c);
	c.mode = mode;
	c.redis = redis;
	c.node = node;
	c.prefix = prefix;
	c.queue_size = queue;
	ap_cluster *cl = NULL;
	if (ap_cluster_open(&c, quiet, NULL, &cl) != AP_OK) {
		fprintf(stderr, "cluster_bench: cannot open the cluster tier\n");
		exit(2);
	}
	return cl;
}

/* ------------------------------------------------------------------ */
/* pipeline                                                            */

enum { P_LOCAL, P_ASYNC, P_ASYNC_DOWN, P_SYNC, P__N };

/* wall seconds; *cpu: the feeding thread's own CPU seconds */
static double run_pipeline(const struct line *v, size_t n, int how, ap_cluster_stats *stout,
			   double *cpu)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.detect = true;
	ap_ctx *ctx = open_ctx(&cfg, quiet, NULL);
	ap_worker *w = ap_worker_new(ctx);
	ap_cluster *cl = NULL;
	ap_cluster_worker *cw = NULL;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "bp%d.%ld:", how, (long)getpid());
	if (how == P_ASYNC || how == P_SYNC)
		cl = open_cluster(how == P_SYNC ? AP_CLUSTER_SYNC : AP_CLUSTER_ASYNC, redis_addr,
				  "bench", prefix, 50000);
	else if (how == P_ASYNC_DOWN)
		cl = open_cluster(AP_CLUSTER_ASYNC, "127.0.0.1:1", "bench", prefix, 50000);
	if (cl != NULL) {
		cw = ap_cluster_worker_new(cl);
		ap_cluster_start(cl);
	}
	ap_result res;
	double t0 = now_s(), c0 = cpu_s();
	for (size_t i = 0; i < n; i++) {
		ap_input in = { .tag = "vpopmail[1]:",
				.taglen = 12,
				.msg = v[i].msg,
				.msglen = v[i].len,
				.time = v[i].t };
		if (ap_process(ctx, w, &in, &res) && cl != NULL)
			ap_cluster_feed(cl, cw, &res, v[i].t);
	}
	double dt = now_s() - t0;
	*cpu = cpu_s() - c0;
	if (cl != NULL) {
		if (how == P_ASYNC)
			ap_cluster_drain(cl, 60000);
		*stout = *ap_cluster_stats_of(cl);
		ap_cluster_worker_free(cw);
		ap_cluster_free(cl);
	}
	ap_worker_free(w);
	ap_ctx_free(ctx);
	return dt;
}

static void pipeline(size_t n)
{
	static const char *names[P__N] = {
		"ap_process (local detection)",
		"+ cluster async, Redis up",
		"+ cluster async, no Redis (queue full, dropping)",
		"+ cluster sync (a round trip per failure)",
	};
	struct line *v = make_lines(n);
	double secs[P__N], cpus[P__N];
	ap_cluster_stats st[P__N];
	memset(st, 0, sizeof(st));
	/* interleaved, the median of 3 (by the feeding thread's CPU time) for
	 * the fast rows; sync once, on fewer lines */
	double runs[P__N][3], rcpu[P__N][3];
	for (int r = 0; r < 3; r++)
		for (int h = 0; h < P_SYNC; h++)
			runs[h][r] = run_pipeline(v, n, h, &st[h], &rcpu[h][r]);
	for (int h = 0; h < P_SYNC; h++) {
		int lo = 0, hi = 0;
		for (int r = 1; r < 3; r++) {
			if (rcpu[h][r] < rcpu[h][lo])
				lo = r;
			if (rcpu[h][r] >= rcpu[h][hi])
				hi = r;
		}
		int mid = 3 - lo - hi;
		if (lo == hi)
			mid = lo;
		secs[h] = runs[h][mid];
		cpus[h] = rcpu[h][mid];
	}
	size_t ns = n / 20;
	secs[P_SYNC] = run_pipeline(v, ns, P_SYNC, &st[P_SYNC], &cpus[P_SYNC]);
	printf("| configuration | lines | worker CPU ns/line | ratio | wall ns/line | "
	       "cluster.sent | batches | dropped |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int h = 0; h < P__N; h++) {
		size_t m = h == P_SYNC ? ns : n;
		double per = cpus[h] * 1e9 / (double)m;
		printf("| %s | %zu | %.0f | %.2f | %.0f | %llu | %llu | %llu |\n", names[h], m, per,
		       per / (cpus[P_LOCAL] * 1e9 / (double)n), secs[h] * 1e9 / (double)m,
		       (unsigned long long)st[h].sent, (unsigned long long)st[h].batches,
		       (unsigned long long)st[h].dropped);
	}
	printf("\n");
	for (size_t i = 0; i < n; i++)
		free(v[i].msg);
	free(v);
}

/* ------------------------------------------------------------------ */
/* absorb                                                              */

struct client {
	ap_cluster *cl;
	size_t n;
	int id, shape; /* 0 attack-shaped, 1 all new, 2 concentrated */
	uint64_t seed;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	uint64_t s = c->seed;
	ap_result r;
	char ip[32], user[64];
	for (size_t i = 0; i < c->n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		uint32_t x = (uint32_t)(s >> 16), ul;
		if (c->shape == 2) {
			ip_of(2000000 + (x >> 8) % 20, ip, sizeof(ip));
			ul = (uint32_t)snprintf(user, sizeof(user), "user%u@d.example",
						(x >> 3) % 200);
		} else if (c->shape == 1) {
			uint32_t k = (uint32_t)(c->id * c->n + i);
			ip_of(5000000 + k, ip, sizeof(ip));
			ul = (uint32_t)snprintf(user, sizeof(user), "u%u@new.example", k);
		} else if (x % 100 < 25) {
			ip_of(1000000 + (x >> 8) % 100000, ip, sizeof(ip));
			ul = (uint32_t)snprintf(user, sizeof(user), "vip%u@d.example",
						(x >> 4) % 50);
		} else {
			ip_of(2000000 + (x >> 8) % 2000, ip, sizeof(ip));
			ul = (uint32_t)snprintf(user, sizeof(user), "user%u@d.example",
						(x >> 3) % 20000);
		}
		mk(&r, ip, user, ul);
		ap_cluster_feed(c->cl, NULL, &r, 1772500000 + (int64_t)(i / 1000));
	}
	return NULL;
}

static void absorb(size_t n, int nclients)
{
	printf("| stream | collectors | events | seconds | events/s | script calls/event | "
	       "Redis CPU us/event | collector CPU us/event | dropped | errors |\n"
	       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	static const char *shapes[3] = {
		"attack-shaped: 2,000 addresses x 20,000 users, 50 users x 100,000 addresses",
		"every event a new address and a new user",
		"concentrated: 20 addresses x 200 users",
	};
	for (int shape = 0; shape < 3; shape++) {
		flushall();
		struct client c[16];
		pthread_t th[16];
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "ab%d:", shape);
		for (int i = 0; i < nclients; i++) {
			char node[16];
			snprintf(node, sizeof(node), "n%d", i);
			/* a queue that holds them all: the clients produce far faster
			 * than any Redis absorbs; the clock runs until it is drained */
			c[i] = (struct client){ open_cluster(AP_CLUSTER_ASYNC, redis_addr, node,
							     prefix, (uint32_t)n),
						n, i, shape, 0x1234567ULL * (uint64_t)(i + 1) };
			ap_cluster_start(c[i].cl);
		}
		usleep(300000); /* connected */
		command("CONFIG RESETSTAT");
		double cpu0 = redis_cpu(), self0 = self_cpu(), t0 = now_s();
		for (int i = 0; i < nclients; i++)
			pthread_create(&th[i], NULL, client_run, &c[i]);
		for (int i = 0; i < nclients; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < nclients; i++)
			ap_cluster_drain(c[i].cl, 600000);
		double dt = now_s() - t0, cpu = redis_cpu() - cpu0, self = self_cpu() - self0;
		uint64_t sent = 0, dropped = 0, errors = 0;
		for (int i = 0; i < nclients; i++) {
			ap_cluster_stats *st = ap_cluster_stats_of(c[i].cl);
			sent += st->sent;
			dropped += st->dropped;
			errors += st->errors;
		}
		double ncalls = info_at("commandstats", "cmdstat_evalsha:calls=");
		size_t total = n * (size_t)nclients;
		printf("| %s | %d | %zu | %.2f | %.0f | %.2f | %.1f | %.1f | %llu | %llu |\n",
		       shapes[shape], nclients, total, dt, (double)sent / dt,
		       ncalls / (double)total, cpu * 1e6 / (double)total,
		       self * 1e6 / (double)total, (unsigned long long)dropped,
		       (unsigned long long)errors);
		for (int i = 0; i < nclients; i++)
			ap_cluster_free(c[i].cl);
	}
	printf("\n");
}

/* ------------------------------------------------------------------ */
/* memory                                                              */

static void memory(size_t m)
{
	flushall();
	ap_cluster *cl = open_cluster(AP_CLUSTER_ASYNC, redis_addr, "mem", "mmap:", 100000);
	ap_cluster_start(cl);
	usleep(300000);
	double m0 = info("memory", "used_memory");
	double k0 = 0;
	ap_result r;
	char ip[32], user[64];
	for (size_t i = 0; i < m; i++) {
		ip_of(3000000 + (uint32_t)i, ip, sizeof(ip));
		int ul = snprintf(user, sizeof(user), "user%zu@example.org", i);
		mk(&r, ip, user, (size_t)ul);
		ap_cluster_feed(cl, NULL, &r, 1772500000);
		if (i % 50000 == 49999)
			ap_cluster_drain(cl, 600000);
	}
	ap_cluster_drain(cl, 600000);
	double m1 = info("memory", "used_memory");
	k0 = info_at("keyspace", "db0:keys=");
	for (size_t i = 0; i < m; i++) {
		ip_of(4000000 + (uint32_t)i, ip, sizeof(ip));
		mk(&r, ip, NULL, 0);
		ap_cluster_feed(cl, NULL, &r, 1772500000);
		if (i % 50000 == 49999)
			ap_cluster_drain(cl, 600000);
	}
	ap_cluster_drain(cl, 600000);
	double m2 = info("memory", "used_memory");
	ap_cluster_free(cl);
	/* the second part holds m address keys without a user (a field for
	 * the second, one for the node); the first as many with the user's
	 * field too, and m user keys (the address's field and the node's) */
	double per_ip = (m2 - m1) / (double)m;
	double first = (m1 - m0) / (double)m;
	printf("| what | keys | used_memory growth | per tracked key |\n|---|---:|---:|---:|\n");
	printf("| %zu failures, each a new address with a new user (two keys: the address's "
	       "hash with its second, user and node; the user's with its address and node) | "
	       "%.0f | %.1f MiB | %.0f bytes per failure |\n",
	       m, k0, (m1 - m0) / 1048576.0, first);
	printf("| %zu failures, each a new address, no user (one key: second and node) | | %.1f "
	       "MiB | "
	       "%.0f bytes per address |\n",
	       m, (m2 - m1) / 1048576.0, per_ip);
	printf("| a million such failures with users (extrapolated) | | %.0f MiB | |\n",
	       first * 1e6 / 1048576.0);
	printf("\n(used_memory_peak %.1f MiB; mem_fragmentation_ratio %.2f)\n\n",
	       info("memory", "used_memory_peak") / 1048576.0,
	       info("memory", "mem_fragmentation_ratio"));
}

int main(int argc, char **argv)
{
	size_t n = 200000, m = 200000;
	int clients = 3, opt;
	while ((opt = getopt(argc, argv, "r:n:c:m:")) != -1) {
		switch (opt) {
		case 'r': redis_addr = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'c': clients = atoi(optarg); break;
		case 'm': m = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr,
				"usage: cluster_bench -r host:port [-n events] [-c clients] [-m "
				"keys] [pipeline|absorb|memory...]\n");
			return 2;
		}
	}
	if (redis_addr == NULL || clients < 1 || clients > 16) {
		fprintf(stderr, "cluster_bench: -r host:port is needed; 1 to 16 clients\n");
		return 2;
	}
	int all = optind >= argc;
	for (int i = optind; i < argc || all; i++) {
		const char *w = all ? NULL : argv[i];
		if (all || !strcmp(w, "pipeline")) {
			printf("### Cost to the pipeline (%zu lines, one thread)\n\n", n);
			pipeline(n);
		}
		if (all || !strcmp(w, "absorb")) {
			printf("### Events/s one Redis absorbs (%d collectors x %zu failures)\n\n",
			       clients, n);
			absorb(n, clients);
		}
		if (all || !strcmp(w, "memory")) {
			printf("### Redis memory per tracked key (%zu keys of each kind)\n\n", m);
			memory(m);
		}
		if (all)
			break;
	}
	return 0;
}
