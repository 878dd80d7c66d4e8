/* read.h - reading events back (read.c): JSON lines, as the rsyslog
 * module's template writes them or as "mmauthparse parse --with-message"
 * prints them, or raw syslog and daemon log lines run through the parser,
 * into the report's model.
 *
 * Each file is read as events or as raw log by its first non-empty line:
 * one that starts with "{" makes it a file of events.  The parser for raw
 * files (raw_setup) is opened at its first use, with the geo databases and
 * detection settings the options gave.
 *
 * Accepted line shapes, one JSON object per line:
 *   {"time":"<ISO 8601>","host":"mx1","kind":"auth","outcome":...}   (flat)
 *   {"time":"<ISO 8601>","host":"mx1","auth":{"kind":"auth",...}}     (nested)
 * "timestamp"/"@timestamp" are read when "time" is absent, "hostname" when
 * "host" is.  Other lines (not JSON, {}, objects without "kind") are
 * counted as skipped.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_READ_H
#define MMAUTHPARSE_REPORT_READ_H

#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include "authparse.h"
#include "input.h"
#include "lines.h"
#include "model.h"

/* the parser for raw input, opened at its first use */
#define RAW_MAX_GEO 16
typedef struct raw_setup {
	ap_config cfg;                /* ap_config_defaults, detection on, then the options */
	const char *geo[RAW_MAX_GEO]; /* --geoip, the command line's strings */
	size_t ngeo;
	const char *tag; /* --tag */
	int year;        /* --year */
	ap_ctx *ctx;
	ap_worker *w;
	tool_parser tp;
	int ready;
} raw_setup;

void raw_setup_init(raw_setup *rs);
/* the parser, opened now if it is not yet; exits 2 when the core cannot be
 * opened with these settings (a geo database that cannot be read) */
tool_parser *raw_parser(raw_setup *rs);
void raw_setup_free(raw_setup *rs);
/* a raw-input option of report and follow: 1 if c was one of them */
int raw_option(raw_setup *rs, int c, const char *arg);
/* their getopt letters and long options (raw_longopts ends with a zero
 * entry), and their lines of the usage text */
#define RAW_OPTSTRING "g:y:t:"
enum { RAW_O_GEOLANG = 300, RAW_O_NODETECT, RAW_O_DETECT };
extern const struct option raw_longopts[];
extern const char raw_usage[];

/* one parsed JSON line into *r; 1 if the object is an event */
int to_rec(struct fjson_object *root, rec *r);
/* the first non-empty line of a file decides: 1 events, 2 raw log */
int input_mode(const char *line, size_t n);
/* every line of f fed into the report, the tokener reused for each line,
 * raw files through raw's parser; pg counts the lines; 0 ok, 1 a read
 * error (reported under name) */
int read_stream(report *rp, struct fjson_tokener *tok, tool_file *f, const char *name,
		raw_setup *raw, progress *pg);

#endif
