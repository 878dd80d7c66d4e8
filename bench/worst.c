/* worst.c - the recognisers' worst inputs: lines that repeat what a
 * recogniser searches for, grown to several sizes, run through the whole
 * per-message path (ap_process, and for an event the JSON object and the
 * redacted message, as the rsyslog module does).  A linear recogniser costs
 * about 4 times as much per line at 64 KB as at 16 KB, a quadratic one 16.
 *
 *   worst [-s SIZES] [-t MS] [-c | -e] [SHAPES-FILE]
 *
 * Shapes (bench/worst-shapes.txt, or standard input; bench/worst.sh adds a
 * generated sweep) are lines of seven TAB-separated fields, with \t, \\
 * and \xNN escapes:
 *   family  shape  tag  prefix  unit  fill  suffix
 * A line of SIZE bytes is prefix + unit repeated + suffix; when fill is not
 * empty the units take half the room and fill repeated the other half (e.g.
 * trailing blanks).  '#' starts a comment line.
 *
 * Without -c: for every shape and size (default 4096,16384,65536), the
 * lines per second (each line run for at least MS milliseconds, default
 * 30), and the cost ratio of the last two sizes.
 * With -e: whether each shape with one unit is an event ("event" or
 * "none"), to see that a shape reaches its recogniser's search.
 * With -c (under valgrind --tool=callgrind): each line runs once between
 * CALLGRIND_ZERO_STATS and CALLGRIND_DUMP_STATS_AT("worst N"), so that
 * dump N holds that line's instruction count; stdout lists
 * "N<TAB>family<TAB>shape<TAB>size" (bench/worst.sh reads both).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "authparse.h"
#include "tests/testctx.h"
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS_AT
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

enum { F_FAMILY, F_SHAPE, F_TAG, F_PREFIX, F_UNIT, F_FILL, F_SUFFIX, NFIELDS };

typedef struct {
	char *f[NFIELDS];
	size_t n[NFIELDS];
} shape;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* unescape s[0..n) in place; returns the new length */
static size_t unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			s[o++] = s[i];
			continue;
		}
		char e = s[++i];
		if (e == 't') {
			s[o++] = '\t';
		} else if (e == 'n') {
			s[o++] = '\n';
		} else if (e == 'x' && i + 2 < n && hexval(s[i + 1]) >= 0
			   && hexval(s[i + 2]) >= 0) {
			s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			s[o++] = e;
		}
	}
	return o;
}

static shape *read_shapes(FILE *fp, size_t *count)
{
	shape *v = NULL;
	size_t nv = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, fp)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		shape s;
		char *p = line;
		int k;
		for (k = 0; k < NFIELDS; k++) {
			char *tab = k + 1 < NFIELDS ? strchr(p, '\t') : NULL;
			size_t fl = tab ? (size_t)(tab - p) : strlen(p);
			s.f[k] = malloc(fl + 1);
			if (s.f[k] == NULL)
				exit(1);
			memcpy(s.f[k], p, fl);
			s.n[k] = unescape(s.f[k], fl);
			s.f[k][s.n[k]] = '\0';
			if (k + 1 < NFIELDS && tab == NULL)
				break;
			p = tab ? tab + 1 : p + fl;
		}
		if (k < NFIELDS || s.n[F_UNIT] == 0) {
			fprintf(stderr, "worst: bad shape line: %.80s\n", line);
			exit(2);
		}
		if (nv == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (v == NULL)
				exit(1);
		}
		v[nv++] = s;
	}
	free(line);
	*count = nv;
	return v;
}

/* the line of a shape at about `size` bytes; returns its length */
static size_t build(const shape *s, size_t size, char *buf)
{
	size_t fixed = s->n[F_PREFIX] + s->n[F_SUFFIX];
	size_t room = size > fixed ? size - fixed : 0;
	size_t uroom = s->n[F_FILL] > 0 ? room / 2 : room;
	size_t units = uroom / s->n[F_UNIT];
	if (units == 0)
		units = 1;
	size_t o = 0;
	memcpy(buf + o, s->f[F_PREFIX], s->n[F_PREFIX]);
	o += s->n[F_PREFIX];
	for (size_t i = 0; i < units; i++) {
		memcpy(buf + o, s->f[F_UNIT], s->n[F_UNIT]);
		o += s->n[F_UNIT];
	}
	if (s->n[F_FILL] > 0) {
		size_t end = size > s->n[F_SUFFIX] ? size - s->n[F_SUFFIX] : 0;
		while (o + s->n[F_FILL] <= end) {
			memcpy(buf + o, s->f[F_FILL], s->n[F_FILL]);
			o += s->n[F_FILL];
		}
	}
	memcpy(buf + o, s->f[F_SUFFIX], s->n[F_SUFFIX]);
	o += s->n[F_SUFFIX];
	return o;
}

static ap_ctx *ctx;
static ap_worker *wrk;
static char *redbuf;
static size_t redsz;
static volatile size_t sink;

/* the module's per-message work */
static void one(const shape *s, const char *msg, size_t len)
{
	ap_input in = { .tag = s->f[F_TAG],
			.taglen = s->n[F_TAG],
			.msg = msg,
			.msglen = len,
			.time = 1700000000 };
	ap_result res;
	if (!ap_process(ctx, wrk, &in, &res))
		return;
	struct fjson_object *j = ap_result_json(&res);
	if (j != NULL) {
		sink += strlen(json_object_to_json_string(j));
		json_object_put(j);
	}
	if (res.ev.nredact > 0)
		sink += ap_redact(&res.ev, msg, len, redbuf, redsz);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t sizes[8] = { 4096, 16384, 65536 }, nsizes = 3;
	double ms = 30;
	int cg = 0, ev = 0;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			nsizes = 0;
			for (char *p = argv[++i]; *p && nsizes < 8;) {
				sizes[nsizes++] = strtoul(p, &p, 10);
				if (*p == ',')
					p++;
			}
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			ms = atof(argv[++i]);
		} else if (strcmp(argv[i], "-c") == 0) {
			cg = 1;
		} else if (strcmp(argv[i], "-e") == 0) {
			ev = 1;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr,
				"usage: worst [-s SIZES] [-t MS] [-c | -e] [SHAPES-FILE]\n");
			return 2;
		} else {
			file = argv[i];
		}
	}
	FILE *fp = file && strcmp(file, "-") != 0 ? fopen(file, "r") : stdin;
	if (fp == NULL) {
		perror(file);
		return 2;
	}
	size_t nshapes;
	shape *shapes = read_shapes(fp, &nshapes);
	size_t maxsize = 0;
	for (size_t i = 0; i < nsizes; i++)
		if (sizes[i] > maxsize)
			maxsize = sizes[i];
	char *buf = malloc(maxsize + 1024);
	redsz = maxsize + 64 * AP_MAX_REDACT + 1024;
	redbuf = malloc(redsz);
	ap_config cfg;
	ap_config_defaults(&cfg);
	ctx = open_ctx(&cfg, NULL, NULL);
	wrk = ctx ? ap_worker_new(ctx) : NULL;
	if (buf == NULL || redbuf == NULL || wrk == NULL)
		return 1;

	if (ev) {
		for (size_t i = 0; i < nshapes; i++) {
			size_t len = build(&shapes[i], 0, buf);
			ap_input in = { .tag = shapes[i].f[F_TAG],
					.taglen = shapes[i].n[F_TAG],
					.msg = buf,
					.msglen = len,
					.time = 1700000000 };
			ap_event e;
			printf("%s\t%s\t%s\n", shapes[i].f[F_FAMILY], shapes[i].f[F_SHAPE],
			       ap_parse(ctx, &in, &e) ? "event" : "none");
		}
		return 0;
	}
	if (cg) {
		unsigned long n = 0;
		for (size_t i = 0; i < nshapes; i++) {
			for (size_t k = 0; k < nsizes; k++) {
				size_t len = build(&shapes[i], sizes[k], buf);
				char label[32];
				snprintf(label, sizeof(label), "worst %lu", n);
				one(&shapes[i], buf, len); /* warm: first-use costs */
				CALLGRIND_ZERO_STATS;
				one(&shapes[i], buf, len);
				CALLGRIND_DUMP_STATS_AT(label);
				printf("%lu\t%s\t%s\t%zu\n", n, shapes[i].f[F_FAMILY],
				       shapes[i].f[F_SHAPE], sizes[k]);
				n++;
			}
		}
		return 0;
	}

	printf("%-11s %-34s", "family", "shape");
	for (size_t k = 0; k < nsizes; k++)
		printf(" %8zuB l/s", sizes[k]);
	printf("  ratio\n");
	for (size_t i = 0; i < nshapes; i++) {
		double per[8] = { 0 };
		printf("%-11s %-34.34s", shapes[i].f[F_FAMILY], shapes[i].f[F_SHAPE]);
		for (size_t k = 0; k < nsizes; k++) {
			size_t len = build(&shapes[i], sizes[k], buf);
			unsigned long runs = 0;
			double t0 = now_s(), t;
			do {
				one(&shapes[i], buf, len);
				runs++;
				t = now_s() - t0;
			} while (t * 1000 < ms);
			per[k] = t / (double)runs;
			printf(" %13.0f", 1.0 / per[k]);
		}
		printf("  %5.1f\n", nsizes >= 2 ? per[nsizes - 1] / per[nsizes - 2] : 0.0);
		fflush(stdout);
	}
	ap_worker_free(wrk);
	ap_ctx_free(ctx);
	return 0;
}
