/* lines.h - one raw log line into its event (lines.c): the syslog frame
 * split off, the file-format tags tried on a line without one, the core
 * run, and the event as JSON, with "time", "host" and the redacted
 * "message" when asked.  Shared by the parse command and by report and
 * follow, which read raw logs as well as events.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_LINES_H
#define MMAUTHPARSE_LINES_H

#include <json.h>
#include <stddef.h>
#include <time.h>
#include "authparse.h"

typedef struct tool_parser {
	ap_ctx *ctx;
	ap_worker *w;
	const char *tag; /* every line is a message under this tag (--tag) */
	int auto_tags;   /* try the file-format tags on unframed lines */
	int year;        /* of year-less stamps; 0: this one (or last) */
	time_t now;
	int this_year;
	char *redbuf; /* redacted message */
	size_t redsz;
	char *safebuf; /* sanitised message */
	size_t safesz;
} tool_parser;

/* a parser over ctx and its worker w (both the caller's) */
void tp_init(tool_parser *p, ap_ctx *ctx, ap_worker *w, const char *tag, int auto_tags, int year);
void tp_free(tool_parser *p);
/* the event of one line (a new object the caller puts), or NULL when the
 * line is no event; with_message adds "time", "host" and "message".  Out
 * of memory ends the program. */
struct fjson_object *tp_event(tool_parser *p, const char *line, size_t len, int with_message);

#endif
