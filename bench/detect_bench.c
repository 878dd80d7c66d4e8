/* detect_bench.c - cost of attack detection per event, and its memory at
 * one million tracked keys.
 *
 *   detect_bench [events [maxKeys]]   (defaults 2,000,000 per timing row,
 *                                     detect.maxKeys 1,000,000 for the memory)
 *
 * Timing: an attack-shaped stream of vpopmail lines, prepared in memory
 * beforehand: 2,000 attacking addresses each trying users from a pool of
 * 20,000 (bruteforce and dictionary fire), a slow distributed attack on 50
 * accounts from 100,000 addresses, and 10% successes, one second of log
 * time per 1,000 events.  Rows: the pipeline without detection, with it
 * (ap_process), the detector alone (ap_detect_feed on parsed events), and
 * the pipeline on 4 threads sharing one context.
 *
 * Incidents: the cost of one sweep of the background thread (once a
 * second) over 100,000 open incidents, when none is due and when all are
 * (each handed to a callback that renders its close event as JSON).
 *
 * Memory: each scenario runs in a child process that builds the state and
 * reports its resident set growth (from /proc/self/statm) per key.
 * No pass/fail: figures only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "recognisers/recogniser.h"
#include "detect/detect.h"
#include "tests/testctx.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * sysconf(_SC_PAGESIZE);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* ------------------------------------------------------------------ */
/* the stream                                                          */

struct line {
	char *msg;
	size_t len;
	int64_t t;
};

static struct line *make_stream(size_t n)
{
	struct line *v = calloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		uint32_t r = rnd() % 100;
		const char *svc = (r & 1) ? "pop3" : "imap";
		if (r < 10) {
			uint32_t u = rnd() % 20000, a = rnd() % 50000;
			snprintf(buf, sizeof(buf),
				 "vchkpw-%s: (PLAIN) login success user%u@d.example:10.%u.%u.%u",
				 svc, u, (a >> 16) & 255, (a >> 8) & 255, a & 255);
		} else if (r < 20) {
			uint32_t u = rnd() % 50, a = rnd() % 100000;
			snprintf(buf, sizeof(buf),
				 "vchkpw-%s: password fail boss%u@d.example:172.%u.%u.%u", svc, u,
				 16 + ((a >> 16) & 15), (a >> 8) & 255, a & 255);
		} else {
			uint32_t a = rnd() % 2000, u = rnd() % 20000;
			snprintf(buf, sizeof(buf),
				 "vchkpw-%s: password fail (pass: 'x%u') "
				 "user%u@d.example:81.2.%u.%u",
				 svc, rnd() % 1000, u, (a >> 8) & 255, a & 255);
		}
		v[i].len = strlen(buf);
		v[i].msg = malloc(v[i].len + 1);
		memcpy(v[i].msg, buf, v[i].len + 1);
		v[i].t = 1700000000 + (int64_t)(i / 1000);
	}
	return v;
}

static ap_config bench_cfg(bool detect)
{
	ap_config c;
	ap_config_defaults(&c);
	c.detect = detect;
	return c;
}

static double run_pipeline(struct line *v, size_t n, bool detect, uint64_t *alerts)
{
	ap_config c = bench_cfg(detect);
	ap_ctx *ctx = open_ctx(&c, NULL, NULL);
	ap_worker *w = ap_worker_new(ctx);
	ap_result res;
	double t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		ap_input in = { .tag = "vpopmail[1]:",
				.taglen = 12,
				.msg = v[i].msg,
				.msglen = v[i].len,
				.time = v[i].t };
		ap_process(ctx, w, &in, &res);
	}
	double t1 = now_s();
	ap_stats *st = ap_ctx_stats(ctx);
	*alerts = 0;
	for (int k = 0; k < AP_DET__COUNT; k++)
		*alerts += st->alerts[k];
	ap_worker_free(w);
	ap_ctx_free(ctx);
	return (t1 - t0) * 1e9 / (double)n;
}

static double run_feed(struct line *v, size_t n)
{
	ap_config c = bench_cfg(true);
	ap_event *evs = malloc(n * sizeof(*evs));
	for (size_t i = 0; i < n; i++) {
		ap_input in = { .tag = "vpopmail[1]:",
				.taglen = 12,
				.msg = v[i].msg,
				.msglen = v[i].len,
				.time = v[i].t };
		ap_parse(NULL, &in, &evs[i]);
	}
	int err = 0;
	ap_detect *d = ap_detect_new(&c, NULL, NULL, &err);
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_alerts a;
	double t0 = now_s();
	for (size_t i = 0; i < n; i++)
		ap_detect_feed(d, &evs[i], v[i].t, &a, &st);
	double t1 = now_s();
	ap_detect_free(d);
	free(evs);
	return (t1 - t0) * 1e9 / (double)n;
}

struct thr {
	ap_ctx *ctx;
	struct line *v;
	size_t from, to;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	ap_worker *w = ap_worker_new(t->ctx);
	ap_result res;
	for (size_t i = t->from; i < t->to; i++) {
		ap_input in = { .tag = "vpopmail[1]:",
				.taglen = 12,
				.msg = t->v[i].msg,
				.msglen = t->v[i].len,
				.time = t->v[i].t };
		ap_process(t->ctx, w, &in, &res);
	}
	ap_worker_free(w);
	return NULL;
}

static double run_threads(struct line *v, size_t n, int nth)
{
	ap_config c = bench_cfg(true);
	ap_ctx *ctx = open_ctx(&c, NULL, NULL);
	pthread_t th[16];
	struct thr t[16];
	double t0 = now_s();
	for (int i = 0; i < nth; i++) {
		t[i] = (struct thr){ ctx, v, n * (size_t)i / (size_t)nth,
				     n * (size_t)(i + 1) / (size_t)nth };
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	double t1 = now_s();
	ap_ctx_free(ctx);
	return (t1 - t0) * 1e9 / (double)n; /* wall time per event, all threads */
}

/* ------------------------------------------------------------------ */
/* incidents: the sweep                                                */

static size_t nclosed_bytes;

static void on_close(void *arg, const ap_incident_close *c)
{
	(void)arg;
	struct fjson_object *j = ap_incident_json(c);
	nclosed_bytes += strlen(fjson_object_to_json_string(j));
	fjson_object_put(j);
}

static void run_sweep(void)
{
	ap_config c = bench_cfg(true);
	for (int k = 0; k < AP_DET__COUNT; k++)
		c.det[k] = (ap_detector_cfg){ 0, 0 };
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 1, 600 };
	c.incident_close = on_close;
	ap_ctx *ctx = open_ctx(&c, NULL, NULL);
	ap_result res;
	char msg[128];
	const uint32_t n = 100000;
	for (uint32_t i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "vchkpw-pop3: password fail u@d.example:10.%u.%u.%u",
			 (i >> 16) & 255, (i >> 8) & 255, i & 255);
		ap_input in = { .tag = "vpopmail[1]:",
				.taglen = 12,
				.msg = msg,
				.msglen = strlen(msg),
				.time = 1700000000 };
		ap_process(ctx, NULL, &in, &res);
	}
	double t0 = now_s();
	size_t a = ap_ctx_sweep(ctx, 1700000000 + 10);
	double t1 = now_s();
	size_t b = ap_ctx_sweep(ctx, 1700000000 + 600);
	double t2 = now_s();
	printf("| %-44s | %9.2f | %12zu |\n", "sweep, 100,000 open incidents, none due (ms)",
	       (t1 - t0) * 1e3, a);
	printf("| %-44s | %9.2f | %12zu |\n", "sweep, 100,000 open incidents, all close (ms)",
	       (t2 - t1) * 1e3, b);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* memory                                                              */

enum { MEM_FLOOD, MEM_FLOOD_USERS, MEM_ATTACK };

static uint32_t max_keys = 1000000;

static void mem_child(int kind, int fd)
{
	ap_config c = bench_cfg(true);
	c.detect_max_keys = max_keys;
	long before = rss_bytes();
	int err = 0;
	ap_detect *d = ap_detect_new(&c, NULL, NULL, &err);
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_alerts a;
	ap_event ev;
	ap_event_init(&ev);
	ev.kind = AP_KIND_AUTH;
	ev.outcome = AP_OUT_FAILURE;
	ev.daemon = "bench";
	ev.service = "pop3";
	ev.ip.family = 4;
	char user[64];
	const int64_t t = 1700000000;
	if (kind == MEM_FLOOD) {
		/* 1M distinct addresses, one failure each, no user */
		for (uint32_t i = 0; i < 1000000; i++) {
			uint32_t a4 = 0x0a000000u + i;
			ev.ip.b[0] = (uint8_t)(a4 >> 24);
			ev.ip.b[1] = (uint8_t)(a4 >> 16);
			ev.ip.b[2] = (uint8_t)(a4 >> 8);
			ev.ip.b[3] = (uint8_t)a4;
			ap_detect_feed(d, &ev, t + i / 10000, &a, &st);
		}
	} else if (kind == MEM_FLOOD_USERS) {
		/* 500k addresses, one failure each, each with its own user name */
		for (uint32_t i = 0; i < 500000; i++) {
			uint32_t a4 = 0x0a000000u + i;
			ev.ip.b[0] = (uint8_t)(a4 >> 24);
			ev.ip.b[1] = (uint8_t)(a4 >> 16);
			ev.ip.b[2] = (uint8_t)(a4 >> 8);
			ev.ip.b[3] = (uint8_t)a4;
			int n = snprintf(user, sizeof(user), "user%u@example.com", i);
			ev.user = ap_span_make(user, (size_t)n);
			ap_detect_feed(d, &ev, t + i / 10000, &a, &st);
		}
	} else {
		/* 900k addresses with 3 failures each (users from a pool of
		 * 100k: the detail is allocated), plus the 100k user keys */
		for (int rep = 0; rep < 3; rep++) {
			for (uint32_t i = 0; i < 900000; i++) {
				uint32_t a4 = 0x0a000000u + i;
				ev.ip.b[0] = (uint8_t)(a4 >> 24);
				ev.ip.b[1] = (uint8_t)(a4 >> 16);
				ev.ip.b[2] = (uint8_t)(a4 >> 8);
				ev.ip.b[3] = (uint8_t)a4;
				int n = snprintf(user, sizeof(user), "user%u@example.com",
						 (i * 7 + (uint32_t)rep * 13) % 100000);
				ev.user = ap_span_make(user, (size_t)n);
				ap_detect_feed(d, &ev, t + rep * 100 + i / 10000, &a, &st);
			}
		}
	}
	long after = rss_bytes();
	char out[256];
	int n = snprintf(out, sizeof(out), "%llu %llu %ld", (unsigned long long)st.detect_keys,
			 (unsigned long long)st.detect_evictions, after - before);
	if (write(fd, out, (size_t)n) != n)
		_exit(1);
	ap_detect_free(d);
	_exit(0);
}

static void mem_row(const char *label, int kind)
{
	int p[2];
	if (pipe(p) != 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		mem_child(kind, p[1]);
	}
	close(p[1]);
	char buf[256] = "";
	ssize_t k = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (k <= 0)
		return;
	buf[k] = '\0';
	unsigned long long keys = 0, ev = 0;
	long bytes = 0;
	char *e;
	keys = strtoull(buf, &e, 10);
	ev = strtoull(e, &e, 10);
	bytes = strtol(e, &e, 10);
	printf("| %-52s | %9llu | %9llu | %8.1f | %7.1f |\n", label, keys, ev,
	       (double)bytes / (1024.0 * 1024.0), keys ? (double)bytes / (double)keys : 0.0);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 2000000;
	if (argc > 2)
		max_keys = (uint32_t)strtoul(argv[2], NULL, 10);
	if (n == 0)
		n = 1;
	struct line *v = make_stream(n);
	uint64_t al0 = 0, al1 = 0;
	printf("detection cost, %zu events, attack-shaped vpopmail stream, default thresholds\n\n",
	       n);
	printf("| %-44s | %9s | %12s |\n", "what", "ns/event", "alerts");
	printf("|%s|%s|%s|\n", "----------------------------------------------", "-----------",
	       "--------------");
	double p0 = run_pipeline(v, n, false, &al0);
	printf("| %-44s | %9.0f | %12llu |\n", "ap_process, detection off", p0,
	       (unsigned long long)al0);
	double p1 = run_pipeline(v, n, true, &al1);
	printf("| %-44s | %9.0f | %12llu |\n", "ap_process, detection on", p1,
	       (unsigned long long)al1);
	printf("| %-44s | %9.0f | %12s |\n", "detection alone (ap_detect_feed)", run_feed(v, n),
	       "");
	printf("| %-44s | %9.0f | %12s |\n", "ap_process, detection on, 4 threads (wall)",
	       run_threads(v, n, 4), "");
	printf("\n| %-44s | %9s | %12s |\n", "incidents", "ms", "closed");
	printf("|%s|%s|%s|\n", "----------------------------------------------", "-----------",
	       "--------------");
	run_sweep();
	printf("\nmemory (resident set growth, detect.maxKeys = %u)\n\n", max_keys);
	printf("| %-52s | %9s | %9s | %8s | %7s |\n", "scenario", "keys", "evicted", "MiB",
	       "B/key");
	printf("|%s|%s|%s|%s|%s|\n", "------------------------------------------------------",
	       "-----------", "-----------", "----------", "---------");
	mem_row("flood: 1M addresses, 1 failure each, no user", MEM_FLOOD);
	mem_row("flood: 500k addresses, 1 failure each, own user", MEM_FLOOD_USERS);
	mem_row("attack: 900k addresses x 3 failures, 100k users", MEM_ATTACK);
	for (size_t i = 0; i < n; i++)
		free(v[i].msg);
	free(v);
	return 0;
}
