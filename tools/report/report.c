/* report.c - `mmauthparse report` and `mmauthparse follow`: read enriched
 * events back (JSON lines: the rsyslog module's output file or the parse
 * command's --with-message output) and summarise them for people.
 *
 * This file holds the two commands' option parsing and their wiring: the
 * reader (read.c) feeds the model (model.c), which one renderer prints
 * (render_text.c, render_json.c, render_html.c); follow watches the file
 * through truncation and rotation and hands what it reads to follow.c.  One
 * JSON tokener is reused for every line.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "follow.h"
#include "model.h"
#include "read.h"
#include "render_html.h"
#include "render_json.h"
#include "render_text.h"
#include "report.h"

/* ------------------------------------------------------------------ */
/* report command                                                      */

static const char report_usage[] =
	"usage: mmauthparse report [options] [FILE...]\n"
	"\n"
	"Summarise enriched events: JSON lines as the rsyslog module's template writes\n"
	"them ({\"time\":...,\"host\":...,\"kind\":\"auth\",...} or "
	"{\"time\":...,\"auth\":{...}})\n"
	"or as \"mmauthparse parse --with-message\" prints them.  Reads standard input\n"
	"when no FILE is given or FILE is \"-\".  On a terminal a long run shows its\n"
	"progress; every run ends with a summary line on standard error.\n"
	"\n"
	"  -f, --format FMT     text (default), json or html (one self-contained page)\n"
	"  -n, --top N          rows of the top tables (default 10)\n"
	"  -l, --last N         rows of the \"last\" lists (default 10)\n"
	"      --min-failures N a success counts as \"after failures\" when its address\n"
	"                       failed at least N times earlier in the input (default 1)\n"
	"      --max-keys N     counters per top table (default 4096): exact up to N\n"
	"                       distinct keys, approximate beyond\n"
	"  -F, --follow FILE    same as \"mmauthparse follow FILE\"\n"
	"  -h, --help           this text\n"
	"\n";

static uint32_t num_arg(const char *s, const char *what, uint32_t min, uint32_t max)
{
	char *end;
	errno = 0;
	if (s[0] < '0' || s[0] > '9') {
		fprintf(stderr, PROG ": %s: not a number: '%s'\n", what, s);
		exit(2);
	}
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, PROG ": %s: '%s' is not a number from %u to %u\n", what, s, min,
			max);
		exit(2);
	}
	return (uint32_t)v;
}

/* the command's own long options followed by the raw-input ones into lo
 * (room for RAW_MAX_LONGOPTS more than own) */
#define RAW_MAX_LONGOPTS 8
static void with_raw_options(struct option *lo, const struct option *own, size_t nown)
{
	size_t nraw = 0;
	while (raw_longopts[nraw].name != NULL && nraw < RAW_MAX_LONGOPTS)
		nraw++;
	memcpy(lo, own, nown * sizeof(*lo));
	memcpy(lo + nown, raw_longopts, nraw * sizeof(*lo));
	memset(lo + nown + nraw, 0, sizeof(*lo));
}

int report_main(int argc, char **argv)
{
	static const struct option own[] = { { "format", required_argument, NULL, 'f' },
					     { "top", required_argument, NULL, 'n' },
					     { "last", required_argument, NULL, 'l' },
					     { "min-failures", required_argument, NULL, 'M' },
					     { "max-keys", required_argument, NULL, 'K' },
					     { "follow", no_argument, NULL, 'F' },
					     { "help", no_argument, NULL, 'h' } };
	/* --follow hands everything over to the follow command */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-F") == 0) {
			for (int j = i; j + 1 < argc; j++)
				argv[j] = argv[j + 1];
			return follow_main(argc - 1, argv);
		}
	}
	const char *format = "text";
	uint32_t top = 10, last = 10, min_fail = 1, max_keys = 4096;
	int c;
	raw_setup raw;
	raw_setup_init(&raw);
	enum { NOWN = sizeof(own) / sizeof(own[0]) };
	struct option lo[NOWN + RAW_MAX_LONGOPTS + 1];
	with_raw_options(lo, own, NOWN);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:n:l:Fh" RAW_OPTSTRING, lo, NULL)) != -1) {
		if (raw_option(&raw, c, optarg))
			continue;
		switch (c) {
		case 'f': format = optarg; break;
		case 'n': top = num_arg(optarg, "--top", 1, 100000); break;
		case 'l': last = num_arg(optarg, "--last", 0, 100000); break;
		case 'M': min_fail = num_arg(optarg, "--min-failures", 1, UINT32_MAX); break;
		case 'K': max_keys = num_arg(optarg, "--max-keys", 16, 1u << 22); break;
		case 'h':
			fputs(report_usage, stdout);
			fputs(raw_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, PROG ": report: option '%s' needs an argument\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
				PROG
				": report: unknown option '%s'\nTry 'mmauthparse report --help'.\n",
				argv[optind - 1]);
			return 2;
		}
	}
	int fmt;
	if (strcmp(format, "text") == 0)
		fmt = 0;
	else if (strcmp(format, "json") == 0)
		fmt = 1;
	else if (strcmp(format, "html") == 0)
		fmt = 2;
	else {
		fprintf(stderr, PROG ": report: unknown format '%s' (text, json or html)\n",
			format);
		return 2;
	}
	if (top > max_keys)
		top = max_keys;
	if (raw.ngeo > 0)
		raw_parser(&raw); /* a database that cannot be read fails now */

	report *rp = xcalloc(1, sizeof(*rp));
	rp->top = top;
	rp->last = last;
	rp->min_fail = min_fail;
	ss_init(&rp->addrs, max_keys);
	ss_init(&rp->countries, max_keys < 1024 ? max_keys : 1024);
	ss_init(&rp->logins, max_keys);
	ss_init(&rp->services, 256);
	ss_init(&rp->daemons, 256);
	ss_init(&rp->plaintext, max_keys);
	inc_init(&rp->inc, max_keys);
	rp->fm.e = xcalloc((size_t)FM_SETS * FM_WAYS, sizeof(fm_entry));
	ring_init(&rp->attacks, last);
	ring_init(&rp->saf, last);
	ring_init(&rp->blockr, last);
	rp->tl.hour = xcalloc(TL_SLOTS, sizeof(long long));
	rp->tl.count = xcalloc(TL_SLOTS, sizeof(uint64_t));

	struct fjson_tokener *tok = fjson_tokener_new();
	if (tok == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	int status = 0;
	/* the progress line needs the total size of the input */
	long long total = 0;
	char *const stdin_only[] = { (char *)"-" };
	char *const *files = optind < argc ? argv + optind : stdin_only;
	int nfiles = optind < argc ? argc - optind : 1;
	for (int i = 0; i < nfiles && total >= 0; i++) {
		long long sz = tf_size(files[i]);
		total = sz < 0 ? -1 : total + sz;
	}
	progress pg;
	pg_init(&pg, total);
	for (int i = 0; i < nfiles; i++) {
		const char *name = strcmp(files[i], "-") == 0 ? "standard input" : files[i];
		tool_file f;
		if (tf_open(&f, files[i]) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", files[i], strerror(errno));
			status = 1;
			continue;
		}
		status |= read_stream(rp, tok, &f, name, &raw, &pg);
		pg_file_done(&pg, &f);
		tf_close(&f);
	}
	fjson_tokener_free(tok);
	raw_setup_free(&raw);

	if (fmt == 0)
		print_text(rp, stdout);
	else if (fmt == 1)
		print_json(rp, stdout);
	else
		print_html(rp, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
		status = 1;
	}

	ss_free(&rp->addrs);
	ss_free(&rp->countries);
	ss_free(&rp->logins);
	ss_free(&rp->services);
	ss_free(&rp->daemons);
	ss_free(&rp->plaintext);
	inc_free(&rp->inc);
	free(rp->fm.e);
	free(rp->attacks.v);
	free(rp->saf.v);
	free(rp->blockr.v);
	free(rp->tl.hour);
	free(rp->tl.count);
	pg_finish(&pg, "report", rp->lines, rp->events);
	free(rp);
	return status;
}

/* ------------------------------------------------------------------ */
/* follow command                                                      */

static const char follow_usage[] =
	"usage: mmauthparse follow [options] FILE\n"
	"       mmauthparse report --follow [options] FILE\n"
	"\n"
	"Print events live as they are appended to FILE (JSON lines or raw log, as\n"
	"for report),\n"
	"one line each: time  outcome  user  address  country  daemon/service  [alerts].\n"
	"Survives truncation (starts again at the top) and rotation (the file\n"
	"replaced by a new one: reads the old one to its end, then the new one from\n"
	"its start).  FILE \"-\" reads standard input to its end.  Stops on SIGINT or\n"
	"SIGTERM.\n"
	"\n"
	"  -l, --last N       first print the last N events already in FILE (default 0)\n"
	"  -x, --failures     only failures and blocks (as mailcop shows attacks)\n"
	"  -i, --interval MS  how often to look for new data (default 250 ms)\n"
	"  -h, --help         this text\n"
	"\n";

static volatile sig_atomic_t follow_stop;

static void on_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

int follow_main(int argc, char **argv)
{
	static const struct option own[] = { { "last", required_argument, NULL, 'l' },
					     { "failures", no_argument, NULL, 'x' },
					     { "interval", required_argument, NULL, 'i' },
					     { "help", no_argument, NULL, 'h' } };
	enum { NOWN = sizeof(own) / sizeof(own[0]) };
	struct option lo[NOWN + RAW_MAX_LONGOPTS + 1];
	with_raw_options(lo, own, NOWN);
	uint32_t last = 0, interval = 250;
	int failures_only = 0, c;
	raw_setup raw;
	raw_setup_init(&raw);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":l:xi:h" RAW_OPTSTRING, lo, NULL)) != -1) {
		if (raw_option(&raw, c, optarg))
			continue;
		switch (c) {
		case 'l': last = num_arg(optarg, "--last", 0, 100000); break;
		case 'x': failures_only = 1; break;
		case 'i': interval = num_arg(optarg, "--interval", 10, 60000); break;
		case 'h':
			fputs(follow_usage, stdout);
			fputs(raw_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, PROG ": follow: option '%s' needs an argument\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
				PROG
				": follow: unknown option '%s'\nTry 'mmauthparse follow --help'.\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr,
			PROG ": follow: give exactly one FILE\nTry 'mmauthparse follow --help'.\n");
		return 2;
	}
	const char *path = argv[optind];
	if (raw.ngeo > 0)
		raw_parser(&raw); /* a database that cannot be read fails now */

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: read() and nanosleep() return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* one way out: every resource is released at `out` */
	int status = 0, fd = -1;
	follower f;
	memset(&f, 0, sizeof(f));
	f.tok = fjson_tokener_new();
	f.r = xcalloc(1, sizeof(rec));
	f.buf = malloc(TOOL_MAX_LINE + 1);
	f.failures_only = failures_only;
	f.raw = &raw;
	f.rcap = last;
	f.ring = last ? xcalloc(last, sizeof(char *)) : NULL;
	if (f.tok == NULL || f.buf == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		status = 1;
		goto out;
	}

	if (strcmp(path, "-") == 0) {
		f.to_ring = last > 0;
		while (!follow_stop) {
			int n = follow_fd(&f, STDIN_FILENO);
			if (n == 0)
				break;
			if (n < 0 && errno != EINTR) {
				fprintf(stderr, PROG ": standard input: %s\n", strerror(errno));
				status = 1;
				break;
			}
		}
		if (f.to_ring)
			flush_ring(&f);
		goto out;
	}

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		status = 1;
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		status = 1;
		goto out;
	}
	off_t pos = st.st_size;
	if (last > 0 && S_ISREG(st.st_mode)) {
		/* the last N events are in the last few KB of the file */
		off_t back = (off_t)last * 8192;
		off_t from = st.st_size > back ? st.st_size - back : 0;
		if (lseek(fd, from, SEEK_SET) == from) {
			f.to_ring = 1;
			f.skipping = from > 0; /* the first line is partial */
			off_t done = from;
			while (done < st.st_size) {
				int n = follow_fd(&f, fd);
				if (n <= 0)
					break;
				done += n;
			}
			/* a last line without newline yet is kept for later */
			flush_ring(&f);
			pos = done;
		}
	}
	if (lseek(fd, pos, SEEK_SET) != pos) {
		pos = 0;
		lseek(fd, 0, SEEK_SET);
	}
	while (!follow_stop) {
		int n = follow_fd(&f, fd);
		if (n > 0) {
			pos += n;
			continue;
		}
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			status = 1;
			break;
		}
		/* at the end: truncated? rotated? */
		struct stat now, cur;
		if (fstat(fd, &cur) == 0 && cur.st_size < pos) {
			fprintf(stderr, PROG ": %s: file truncated, reading from the start\n",
				path);
			lseek(fd, 0, SEEK_SET);
			pos = 0;
			f.have = 0;
			f.skipping = 0;
			f.mode = 0;
			continue;
		}
		if (stat(path, &now) == 0
		    && (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev)) {
			int nfd = open(path, O_RDONLY);
			if (nfd >= 0) {
				/* the old file was read to its end just above */
				fprintf(stderr, PROG ": %s: file replaced, following the new one\n",
					path);
				close(fd);
				fd = nfd;
				pos = 0;
				f.have = 0;
				f.skipping = 0;
				f.mode = 0;
				continue;
			}
		}
		struct timespec ts = { (time_t)(interval / 1000),
				       (long)(interval % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
out:
	if (fd >= 0)
		close(fd);
	fflush(stdout);
	if (f.tok != NULL)
		fjson_tokener_free(f.tok);
	free(f.r);
	free(f.buf);
	if (f.ring) {
		for (uint32_t i = 0; i < f.rcap; i++)
			free(f.ring[i]);
		free(f.ring);
	}
	raw_setup_free(&raw);
	return status;
}
