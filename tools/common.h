/* common.h - the parts of the command-line tool that both the parse
 * command (mmauthparse.c) and the report and follow commands (report/)
 * use: the program name in messages, the line reader and the ISO 8601
 * time helpers (common.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_COMMON_H
#define MMAUTHPARSE_COMMON_H

#include <stddef.h>
#include <stdio.h>

#define PROG "mmauthparse"

/* Longest line the tool handles; longer lines are cut to this length (the
 * rest, up to the next newline, is read and dropped), as rsyslog cuts
 * messages longer than its maxMessageSize. */
#define TOOL_MAX_LINE (1024 * 1024)

/* A line reader over a FILE with a fixed buffer: lines may hold NUL bytes
 * and the last one may lack its newline. */
typedef struct line_reader {
	FILE *fp;
	char *buf;     /* TOOL_MAX_LINE + 1 bytes */
	size_t len;    /* length of the current line (no '\n') */
	int truncated; /* the current line was longer and was cut */
	int error;     /* errno of a read error, 0 if none */
} line_reader;

int lr_init(line_reader *lr, FILE *fp); /* 0 ok, -1 out of memory */
void lr_free(line_reader *lr);
/* 1: a line is in buf/len; 0: end of file or read error (see error) */
int lr_next(line_reader *lr);

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.frac][Z|+hh:mm|+hhmm]" (also with a space
 * instead of T) to seconds since the epoch; *off gets the UTC offset in
 * seconds.  Returns 1 on success. */
int tool_parse_iso(const char *s, size_t n, long long *t, int *off);
/* seconds since the epoch to "YYYY-MM-DDTHH:MM:SSZ" (buf >= 21 bytes) */
void tool_format_iso(long long t, char *buf, size_t bufsz);

#endif
