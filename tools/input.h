/* input.h - opening the report's and follow's input files (input.c):
 * plain or gzip-compressed (read through zlib, told by the file's first
 * two bytes), with how far the file has been read; and the progress line
 * a long report run shows on a terminal.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_INPUT_H
#define MMAUTHPARSE_INPUT_H

#include <stdio.h>
#include <time.h>

typedef struct tool_file {
	FILE *fp;       /* read lines from here */
	void *gz;       /* the zlib stream behind fp, NULL for a plain file */
	long long size; /* bytes on disk, -1 when unknown (a pipe) */
	int is_stdin;
} tool_file;

/* path "-" is standard input (never decompressed); 0 ok, -1 with errno */
int tf_open(tool_file *f, const char *path);
/* bytes of the file consumed so far (compressed bytes for a .gz) */
long long tf_pos(const tool_file *f);
void tf_close(tool_file *f);
/* the size on disk of path, -1 if unknown */
long long tf_size(const char *path);

/* The progress line on standard error: bytes read of the total, lines/s
 * and the time left, redrawn a few times a second, only when standard
 * error is a terminal; the summary at the end in every case. */
typedef struct progress {
	int on;
	long long total; /* bytes of all files, -1 when unknown */
	long long base;  /* bytes of the files already done */
	unsigned long long lines;
	struct timespec start, last;
	int drawn;
} progress;

void pg_init(progress *pg, long long total);
/* one more line of f; redraws when due (cheap: looks at the clock every
 * few thousand lines) */
void pg_line(progress *pg, const tool_file *f);
/* f is done: its bytes go into the base */
void pg_file_done(progress *pg, const tool_file *f);
/* erase the progress line and print "CMD: N lines, M events in S s" */
void pg_finish(progress *pg, const char *cmd, unsigned long long lines, unsigned long long events);
/* n with thousands separators into buf ("1,234,567") */
const char *pg_thousands(unsigned long long n, char *buf, size_t bufsz);

#endif
