/* report.c - `mmauthparse report` and `mmauthparse follow`: read enriched
 * events back (JSON lines: the rsyslog module's output file or the parse
 * command's --with-message output) and summarise them for people.
 *
 * Accepted line shapes, one JSON object per line:
 *   {"time":"<ISO 8601>","host":"mx1","kind":"auth","outcome":...}   (flat)
 *   {"time":"<ISO 8601>","host":"mx1","auth":{"kind":"auth",...}}     (nested)
 * "timestamp"/"@timestamp" are read when "time" is absent, "hostname" when
 * "host" is.  Other lines (not JSON, {}, objects without "kind") are
 * counted as skipped.
 *
 * Memory is bounded whatever the input size: every "top" table is a
 * Space-Saving summary with a fixed number of counters (--max-keys, 4096 by
 * default): exact while the distinct keys fit, approximate beyond (a key's
 * count may then be over-estimated by at most the count it displaced; the
 * report says so).  The addresses that failed earlier (for "successes after
 * failures" and the accounts related to a block) are kept in a fixed
 * 16384-entry set-associative table that forgets the least recently seen
 * address.  The hourly timeline keeps at most 65536 hours.  One JSON
 * tokener is reused for every line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "authparse.h"
#include "common.h"
#include "model.h"
#include "read.h"
#include "render.h"
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
"them ({\"time\":...,\"host\":...,\"kind\":\"auth\",...} or {\"time\":...,\"auth\":{...}})\n"
"or as \"mmauthparse parse --with-message\" prints them.  Reads standard input\n"
"when no FILE is given or FILE is \"-\".\n"
"\n"
"  -f, --format FMT     text (default), json or html (one self-contained page)\n"
"  -n, --top N          rows of the top tables (default 10)\n"
"  -l, --last N         rows of the \"last\" lists (default 10)\n"
"      --min-failures N a success counts as \"after failures\" when its address\n"
"                       failed at least N times earlier in the input (default 1)\n"
"      --max-keys N     counters per top table (default 4096): exact up to N\n"
"                       distinct keys, approximate beyond\n"
"  -F, --follow FILE    same as \"mmauthparse follow FILE\"\n"
"  -h, --help           this text\n";

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
		fprintf(stderr, PROG ": %s: '%s' is not a number from %u to %u\n", what, s, min, max);
		exit(2);
	}
	return (uint32_t)v;
}

int report_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 'n' },
		{ "last", required_argument, NULL, 'l' },
		{ "min-failures", required_argument, NULL, 'M' },
		{ "max-keys", required_argument, NULL, 'K' },
		{ "follow", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
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
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:n:l:Fh", lo, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'n': top = num_arg(optarg, "--top", 1, 100000); break;
		case 'l': last = num_arg(optarg, "--last", 0, 100000); break;
		case 'M': min_fail = num_arg(optarg, "--min-failures", 1, UINT32_MAX); break;
		case 'K': max_keys = num_arg(optarg, "--max-keys", 16, 1u << 22); break;
		case 'h': fputs(report_usage, stdout); return 0;
		case ':':
			fprintf(stderr, PROG ": report: option '%s' needs an argument\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, PROG ": report: unknown option '%s'\nTry 'mmauthparse report --help'.\n",
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
		fprintf(stderr, PROG ": report: unknown format '%s' (text, json or html)\n", format);
		return 2;
	}
	if (top > max_keys)
		top = max_keys;

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
	if (optind >= argc) {
		status |= read_stream(rp, tok, stdin, "standard input");
	} else {
		for (int i = optind; i < argc; i++) {
			if (strcmp(argv[i], "-") == 0) {
				status |= read_stream(rp, tok, stdin, "standard input");
				continue;
			}
			FILE *fp = fopen(argv[i], "r");
			if (fp == NULL) {
				fprintf(stderr, PROG ": %s: %s\n", argv[i], strerror(errno));
				status = 1;
				continue;
			}
			status |= read_stream(rp, tok, fp, argv[i]);
			fclose(fp);
		}
	}
	fjson_tokener_free(tok);

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
	free(rp->fm.e);
	free(rp->attacks.v);
	free(rp->saf.v);
	free(rp->blockr.v);
	free(rp->tl.hour);
	free(rp->tl.count);
	free(rp);
	return status;
}

/* ------------------------------------------------------------------ */
/* follow command                                                      */

static const char follow_usage[] =
"usage: mmauthparse follow [options] FILE\n"
"       mmauthparse report --follow [options] FILE\n"
"\n"
"Print events live as they are appended to FILE (JSON lines, as for report),\n"
"one line each: time  outcome  user  address  country  daemon/service  [alerts].\n"
"Survives truncation (starts again at the top) and rotation (the file\n"
"replaced by a new one: reads the old one to its end, then the new one from\n"
"its start).  FILE \"-\" reads standard input to its end.  Stops on SIGINT or\n"
"SIGTERM.\n"
"\n"
"  -l, --last N       first print the last N events already in FILE (default 0)\n"
"  -x, --failures     only failures and blocks (as mailcop shows attacks)\n"
"  -i, --interval MS  how often to look for new data (default 250 ms)\n"
"  -h, --help         this text\n";

static volatile sig_atomic_t follow_stop;

static void on_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

typedef struct follower {
	struct fjson_tokener *tok;
	rec *r;
	int failures_only;
	char *buf;
	size_t have;
	int skipping;		/* dropping the rest of an overlong line */
	/* ring of formatted lines (--last) */
	char **ring;
	uint32_t rcap, rn, rhead;
	int to_ring;
} follower;

static void pad_to(FILE *out, const char *s, size_t width)
{
	fputs(s, out);
	size_t w = dwidth(s);
	for (; w < width; w++)
		fputc(' ', out);
}

static void format_event(const rec *r, char *buf, size_t sz)
{
	FILE *m = fmemopen(buf, sz, "w");
	if (m == NULL) {
		buf[0] = '\0';
		return;
	}
	char cl[16], svc[96];
	country_label(r, cl, sizeof(cl));
	if (r->daemon[0] && r->service[0])
		snprintf(svc, sizeof(svc), "%s/%s", r->daemon, r->service);
	else
		scopy(svc, sizeof(svc), r->daemon[0] ? r->daemon : r->service);
	const char *oc = r->kind == 2 ? "block" : r->outcome == 1 ? "success"
		: r->outcome == 2 ? "failure" : "unknown";
	pad_to(m, r->when[0] ? r->when : "-", 19);
	fputs("  ", m);
	pad_to(m, oc, 7);
	fputs("  ", m);
	pad_to(m, r->user[0] ? r->user : "-", 30);
	fputs("  ", m);
	pad_to(m, r->ip[0] ? r->ip : "-", 15);
	fputs("  ", m);
	pad_to(m, cl[0] ? cl : "-", 9);
	fputs("  ", m);
	fputs(svc[0] ? svc : "-", m);
	if (r->kind == 2 && r->count >= 0) {
		if (r->window >= 0)
			fprintf(m, "  %lld in %llds", r->count, r->window);
		else
			fprintf(m, "  %lld failures", r->count);
	}
	if (r->det_bits || r->nother_det) {
		fputs("  [", m);
		int first = 1;
		for (size_t k = 0; k < NKNOWN_DET; k++)
			if (r->det_bits & (1u << k)) {
				fprintf(m, "%s%s", first ? "" : ",", known_detectors[k]);
				first = 0;
			}
		for (int k = 0; k < r->nother_det; k++) {
			fprintf(m, "%s%s", first ? "" : ",", r->other_det[k]);
			first = 0;
		}
		fputc(']', m);
	}
	fclose(m);
}

static void follow_line(follower *f, const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	fjson_tokener_reset(f->tok);
	struct fjson_object *o = fjson_tokener_parse_ex(f->tok, line, (int)n);
	if (o == NULL)
		return;
	if (to_rec(o, f->r) && (!f->failures_only || f->r->kind == 2 || f->r->outcome == 2)) {
		char out[1024];
		format_event(f->r, out, sizeof(out));
		if (f->to_ring) {
			if (f->rcap > 0) {
				free(f->ring[f->rhead]);
				f->ring[f->rhead] = strdup(out);
				f->rhead = (f->rhead + 1) % f->rcap;
				if (f->rn < f->rcap)
					f->rn++;
			}
		} else {
			puts(out);
		}
	}
	json_object_put(o);
}

/* feed n new bytes at f->buf + f->have */
static void follow_data(follower *f, size_t n)
{
	f->have += n;
	size_t start = 0;
	for (;;) {
		char *nl = memchr(f->buf + start, '\n', f->have - start);
		if (nl == NULL)
			break;
		size_t len = (size_t)(nl - (f->buf + start));
		if (!f->skipping)
			follow_line(f, f->buf + start, len);
		f->skipping = 0;
		start += len + 1;
	}
	memmove(f->buf, f->buf + start, f->have - start);
	f->have -= start;
	if (f->have == TOOL_MAX_LINE) {
		/* an overlong line: treat what we have as the line, drop the rest */
		if (!f->skipping)
			follow_line(f, f->buf, f->have);
		f->skipping = 1;
		f->have = 0;
	}
}

static int follow_fd(follower *f, int fd)
{
	ssize_t n = read(fd, f->buf + f->have, TOOL_MAX_LINE - f->have);
	if (n > 0)
		follow_data(f, (size_t)n);
	return (int)n;
}

static void flush_ring(follower *f)
{
	for (uint32_t i = 0; i < f->rn; i++) {
		uint32_t k = (f->rhead + f->rcap - f->rn + i) % f->rcap;
		puts(f->ring[k]);
		free(f->ring[k]);
		f->ring[k] = NULL;
	}
	f->rn = 0;
	f->to_ring = 0;
}

int follow_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "last", required_argument, NULL, 'l' },
		{ "failures", no_argument, NULL, 'x' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t last = 0, interval = 250;
	int failures_only = 0, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":l:xi:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': last = num_arg(optarg, "--last", 0, 100000); break;
		case 'x': failures_only = 1; break;
		case 'i': interval = num_arg(optarg, "--interval", 10, 60000); break;
		case 'h': fputs(follow_usage, stdout); return 0;
		case ':':
			fprintf(stderr, PROG ": follow: option '%s' needs an argument\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, PROG ": follow: unknown option '%s'\nTry 'mmauthparse follow --help'.\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, PROG ": follow: give exactly one FILE\nTry 'mmauthparse follow --help'.\n");
		return 2;
	}
	const char *path = argv[optind];

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read() and nanosleep() return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	follower f;
	memset(&f, 0, sizeof(f));
	f.tok = fjson_tokener_new();
	f.r = xcalloc(1, sizeof(rec));
	f.buf = malloc(TOOL_MAX_LINE + 1);
	f.failures_only = failures_only;
	f.rcap = last;
	f.ring = last ? xcalloc(last, sizeof(char *)) : NULL;
	if (f.tok == NULL || f.buf == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	int status = 0;

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

	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		status = 1;
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		close(fd);
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
			f.skipping = from > 0;	/* the first line is partial */
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
			fprintf(stderr, PROG ": %s: file truncated, reading from the start\n", path);
			lseek(fd, 0, SEEK_SET);
			pos = 0;
			f.have = 0;
			f.skipping = 0;
			continue;
		}
		if (stat(path, &now) == 0 && (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev)) {
			int nfd = open(path, O_RDONLY);
			if (nfd >= 0) {
				/* the old file was read to its end just above */
				fprintf(stderr, PROG ": %s: file replaced, following the new one\n", path);
				close(fd);
				fd = nfd;
				pos = 0;
				f.have = 0;
				f.skipping = 0;
				continue;
			}
		}
		struct timespec ts = { (time_t)(interval / 1000), (long)(interval % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	close(fd);
out:
	fflush(stdout);
	fjson_tokener_free(f.tok);
	free(f.r);
	free(f.buf);
	if (f.ring) {
		for (uint32_t i = 0; i < f.rcap; i++)
			free(f.ring[i]);
		free(f.ring);
	}
	return status;
}
