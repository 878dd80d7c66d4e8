/* geo.h - geo and ASN enrichment from MaxMind DB files: the databases of
 * one context (shared by its workers, swapped safely on reload) and one
 * worker's lookup cache.  The JSON of an ap_geo is event.c's.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_ENRICH_GEO_H
#define AP_ENRICH_GEO_H

#include "base.h"

typedef struct ap_geodb ap_geodb;       /* the databases of one ctx */
typedef struct ap_geocache ap_geocache; /* one worker's cache */

ap_geodb *ap_geodb_open(const ap_config *cfg, ap_log_fn log, void *cookie, int *err) AP_HIDDEN;
void ap_geodb_close(ap_geodb *g) AP_HIDDEN;
int ap_geodb_reload(ap_geodb *g) AP_HIDDEN;
/* how many configured files are not in use (could not be opened yet) */
size_t ap_geodb_missing(ap_geodb *g) AP_HIDDEN;
ap_geocache *ap_geocache_new(ap_geodb *g, uint32_t size) AP_HIDDEN;
void ap_geocache_free(ap_geocache *c) AP_HIDDEN;
/* this cache's own answered/missed counts (tests, bench); 0 for NULL */
void ap_geocache_counts(const ap_geocache *c, uint64_t *hits, uint64_t *misses) AP_HIDDEN;
/* fill *out (scope always; the rest from the databases for public
 * addresses); g and c may be NULL (scope only) */
void ap_geo_lookup(ap_geodb *g, ap_geocache *c, const ap_addr *a, ap_geo *out,
		   ap_stats *st) AP_HIDDEN;

#endif
