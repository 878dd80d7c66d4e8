/* geo.c - address scope now; MaxMind DB lookups: TODO(issue 4). */
#include <json.h>
#include <stdlib.h>
#include "internal.h"

ap_geodb *ap_geodb_open(const ap_config *cfg, ap_log_fn log, void *cookie, int *err)
{
	(void)log;
	(void)cookie;
	*err = cfg->ngeo_files > 0;	/* not supported yet */
	return NULL;
}

void ap_geodb_close(ap_geodb *g) { (void)g; }
int ap_geodb_reload(ap_geodb *g) { (void)g; return 0; }
ap_geocache *ap_geocache_new(ap_geodb *g, uint32_t size) { (void)g; (void)size; return NULL; }
void ap_geocache_free(ap_geocache *c) { (void)c; }

void ap_geo_lookup(ap_geodb *g, ap_geocache *c, const ap_addr *a, ap_geo *out, ap_stats *st)
{
	(void)g;
	(void)c;
	(void)st;
	out->scope = (uint8_t)ap_addr_scope(a);
	out->has_location = false;
	out->asn = 0;
	out->country[0] = out->country_name[0] = out->city[0] = out->as_org[0] = '\0';
}

void ap_geo_to_json(struct fjson_object *geo, const ap_geo *g)
{
	json_object_object_add(geo, "scope", json_object_new_string(ap_scope_name((ap_scope)g->scope)));
}
