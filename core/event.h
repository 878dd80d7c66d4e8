/* event.h - the JSON of an event as the pipeline builds it (event.c) with
 * a worker's cache of the string leaves its events share.
 *
 * Sharing: a libfastjson string object is never changed after it is made
 * (rsyslog replaces a member, it does not write into it, and reading a
 * string leaf returns its text without touching the object), and its
 * reference count is atomic: one string leaf can sit in the events of many
 * messages, whichever threads free them.  Objects, numbers and booleans
 * are not shared: `set $!auth!geo!x` writes into the geo object of that
 * message, and rendering a number or a boolean alone (`%$!auth!port%`)
 * writes the text into a buffer inside the object.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_EVENT_H
#define AP_EVENT_H

#include "base.h"

/* one worker's string leaves (NULL: out of memory) */
typedef struct ap_jcache ap_jcache;
ap_jcache *ap_jcache_new(void) AP_HIDDEN;
void ap_jcache_free(ap_jcache *c) AP_HIDDEN;
/* hits and misses of the cache (tests, bench) */
void ap_jcache_counts(const ap_jcache *c, uint64_t *hits, uint64_t *misses) AP_HIDDEN;

/* The event as JSON, the string leaves from the cache c when it is not
 * NULL.  NULL on allocation failure. */
struct fjson_object *ap_event_json(const ap_result *res, ap_jcache *c) AP_HIDDEN;

#endif
