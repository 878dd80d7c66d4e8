/* follow.h - the follow command's reading (follow.c): the bytes read from
 * the followed file cut into lines, and each event among them printed as
 * one line (or, for --last, kept in a ring of formatted lines first).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_FOLLOW_H
#define MMAUTHPARSE_REPORT_FOLLOW_H

#include <json.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"
#include "read.h"

typedef struct follower {
	struct fjson_tokener *tok;
	rec *r;
	int failures_only;
	char *buf;
	size_t have;
	int skipping; /* dropping the rest of an overlong line */
	/* ring of formatted lines (--last) */
	char **ring;
	uint32_t rcap, rn, rhead;
	int to_ring;
	/* events (1) or raw log (2), by the first non-empty line; 0 not yet */
	int mode;
	raw_setup *raw;
} follower;

/* read what fd has (up to a line's room) and handle the complete lines;
 * returns what read() returned */
int follow_fd(follower *f, int fd);
/* print the lines kept for --last, oldest first, and keep no more */
void flush_ring(follower *f);

#endif
