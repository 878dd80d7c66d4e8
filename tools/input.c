/* input.c - the report's and follow's input files, plain or gzip (zlib
 * behind a stdio FILE through fopencookie, so the line reader is the same
 * for both), and the progress line of long runs on a terminal (input.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "common.h"
#include "input.h"

/* ------------------------------------------------------------------ */
/* files                                                               */

static ssize_t gz_read(void *cookie, char *buf, size_t n)
{
	if (n > (1u << 30))
		n = 1u << 30;
	int r = gzread((gzFile)cookie, buf, (unsigned)n);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

static int gz_close(void *cookie)
{
	return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

long long tf_size(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return (long long)st.st_size;
}

int tf_open(tool_file *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->size = -1;
	if (strcmp(path, "-") == 0) {
		f->fp = stdin;
		f->is_stdin = 1;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		f->size = (long long)st.st_size;
	unsigned char magic[2];
	int gz = f->size >= 2 && pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f
		 && magic[1] == 0x8b;
	if (!gz) {
		f->fp = fdopen(fd, "r");
		if (f->fp == NULL) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		return 0;
	}
	gzFile z = gzdopen(fd, "rb");
	if (z == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	gzbuffer(z, 128 * 1024);
	cookie_io_functions_t io = {
		.read = gz_read, .write = NULL, .seek = NULL, .close = gz_close
	};
	f->fp = fopencookie(z, "r", io);
	if (f->fp == NULL) {
		gzclose(z);
		errno = ENOMEM;
		return -1;
	}
	f->gz = z;
	return 0;
}

long long tf_pos(const tool_file *f)
{
	if (f->gz != NULL)
		return (long long)gzoffset((gzFile)f->gz);
	if (f->is_stdin)
		return 0;
	off_t o = ftello(f->fp);
	return o < 0 ? 0 : (long long)o;
}

void tf_close(tool_file *f)
{
	if (f->fp != NULL && !f->is_stdin)
		fclose(f->fp); /* closes the zlib stream too */
	f->fp = NULL;
	f->gz = NULL;
}

/* ------------------------------------------------------------------ */
/* progress                                                            */

const char *pg_thousands(unsigned long long n, char *buf, size_t bufsz)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", n);
	size_t o = 0;
	for (int i = 0; i < len && o + 1 < bufsz; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 2 < bufsz)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void pg_init(progress *pg, long long total)
{
	memset(pg, 0, sizeof(*pg));
	pg->on = isatty(STDERR_FILENO);
	pg->total = total;
	clock_gettime(CLOCK_MONOTONIC, &pg->start);
	pg->last = pg->start;
}

static void human_bytes(long long b, char *buf, size_t bufsz)
{
	if (b < 10 * 1024)
		snprintf(buf, bufsz, "%lld B", b);
	else if (b < 10LL * 1024 * 1024)
		snprintf(buf, bufsz, "%.1f KiB", (double)b / 1024);
	else if (b < 10LL * 1024 * 1024 * 1024)
		snprintf(buf, bufsz, "%.1f MiB", (double)b / (1024 * 1024));
	else
		snprintf(buf, bufsz, "%.1f GiB", (double)b / (1024.0 * 1024 * 1024));
}

static void draw(progress *pg, const tool_file *f, const struct timespec *now)
{
	double el = since(&pg->start, now);
	long long done = pg->base + (f != NULL ? tf_pos(f) : 0);
	char d[32], t[32], l[32], rate[32], left[32] = "";
	human_bytes(done, d, sizeof(d));
	double lps = el > 0 ? (double)pg->lines / el : 0;
	pg_thousands((unsigned long long)lps, rate, sizeof(rate));
	pg_thousands(pg->lines, l, sizeof(l));
	if (pg->total > 0) {
		human_bytes(pg->total, t, sizeof(t));
		int pct = (int)(100.0 * (double)done / (double)pg->total);
		if (pct > 100)
			pct = 100;
		if (done > 0 && el > 0.4) {
			double rest = el * (double)(pg->total - done) / (double)done;
			if (rest < 0)
				rest = 0;
			snprintf(left, sizeof(left), ", %d:%02d left", (int)(rest / 60),
				 (int)rest % 60);
		}
		fprintf(stderr, "\r\033[K" PROG ": %s of %s (%d%%), %s lines, %s lines/s%s", d, t,
			pct, l, rate, left);
	} else {
		fprintf(stderr, "\r\033[K" PROG ": %s, %s lines, %s lines/s", d, l, rate);
	}
	fflush(stderr);
	pg->drawn = 1;
}

void pg_line(progress *pg, const tool_file *f)
{
	pg->lines++;
	if (!pg->on || (pg->lines & 4095) != 0)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&pg->last, &now) < 0.25)
		return;
	pg->last = now;
	/* nothing to show for the first half second: short runs stay quiet */
	if (since(&pg->start, &now) < 0.5)
		return;
	draw(pg, f, &now);
}

void pg_file_done(progress *pg, const tool_file *f)
{
	pg->base += tf_pos(f);
}

void pg_finish(progress *pg, const char *cmd, unsigned long long lines, unsigned long long events)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (pg->drawn)
		fputs("\r\033[K", stderr);
	char l[32], e[32];
	fprintf(stderr, PROG ": %s: %s lines, %s events in %.1f s\n", cmd,
		pg_thousands(lines, l, sizeof(l)), pg_thousands(events, e, sizeof(e)),
		since(&pg->start, &now));
}
