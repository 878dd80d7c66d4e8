/* event.h - the JSON of an event as the pipeline builds it (event.c): the
 * `fields` selection of the members written, and a worker's cache of the
 * string leaves its events share.
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

/* the members the `fields` parameter chooses from; geo's members one by
 * one.  The full contract is AP_FIELDS_ALL. */
typedef enum {
	AP_F_KIND = 0,
	AP_F_OUTCOME,
	AP_F_REASON,
	AP_F_DAEMON,
	AP_F_SERVICE,
	AP_F_TLS,
	AP_F_MECH,
	AP_F_USER,
	AP_F_DOMAIN,
	AP_F_IP,
	AP_F_PORT,
	AP_F_RDNS,
	AP_F_SERVER_IP,
	AP_F_SESSION,
	AP_F_ATTEMPTS,
	AP_F_EVENT_TIME,
	AP_F_PASSWORD_REDACTED,
	AP_F_AMBIGUOUS,
	AP_F_COUNTED,
	AP_F_HARVEST,
	AP_F_CORRELATED,
	AP_F_COUNT,
	AP_F_WINDOW,
	AP_F_GEO_SCOPE,
	AP_F_GEO_COUNTRY,
	AP_F_GEO_COUNTRY_NAME,
	AP_F_GEO_CITY,
	AP_F_GEO_LAT,
	AP_F_GEO_LON,
	AP_F_GEO_ASN,
	AP_F_GEO_AS_ORG,
	AP_F_STALE,
	AP_F_ALERT,
	AP_F_RELATED,
	AP_F__COUNT
} ap_field;
_Static_assert(AP_F__COUNT <= 64, "a field set holds 64 members");

typedef uint64_t ap_fieldset;
#define AP_FIELD(f) ((ap_fieldset)1 << (f))
#define AP_FIELDS_ALL (AP_FIELD(AP_F__COUNT) - 1)

/* The set named by `fields` ("user", "geo" for all of geo, "geo!country"
 * for one of its members); NULL/0 names the full contract.  0 and a log
 * message naming the known members for a name that is none of them. */
int ap_fields_parse(const char *const *names, size_t n, ap_fieldset *out, ap_log_fn log,
		    void *cookie) AP_HIDDEN;

/* one worker's string leaves (NULL: out of memory) */
typedef struct ap_jcache ap_jcache;
ap_jcache *ap_jcache_new(void) AP_HIDDEN;
void ap_jcache_free(ap_jcache *c) AP_HIDDEN;

/* The event as JSON: the members of `sel` (in the contract's order), the
 * string leaves from the cache c when it is not NULL.  NULL on allocation
 * failure. */
struct fjson_object *ap_event_json(const ap_result *res, ap_jcache *c, ap_fieldset sel) AP_HIDDEN;

#endif
