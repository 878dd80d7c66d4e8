/* read.h - reading events back (read.c): JSON lines, as the rsyslog
 * module's template writes them or as "mmauthparse parse --with-message"
 * prints them, into the report's model.
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

#include <json.h>
#include <stdio.h>
#include "model.h"

/* one parsed JSON line into *r; 1 if the object is an event */
int to_rec(struct fjson_object *root, rec *r);
/* every line of fp fed into the report, the tokener reused for each line;
 * 0 ok, 1 a read error (reported under name) */
int read_stream(report *rp, struct fjson_tokener *tok, FILE *fp, const char *name);

#endif
