/* render_json.c - the report as one JSON object (render_json.h): span,
 * totals, the top tables, the last events, alerts and the timeline.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "model.h"
#include "render.h"
#include "render_json.h"

/* ------------------------------------------------------------------ */
/* JSON output                                                         */

static void jstr(struct fjson_object *o, const char *k, const char *v)
{
	if (v != NULL && v[0])
		json_object_object_add(o, k, json_object_new_string(v));
}

static void jint(struct fjson_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static struct fjson_object *item_json(const ring_item *it)
{
	struct fjson_object *o = json_object_new_object();
	if (strcmp(it->when, "-") != 0)
		jstr(o, "time", it->when);
	jstr(o, "user", it->user);
	jstr(o, "ip", it->ip);
	jstr(o, "country", it->country);
	jstr(o, "daemon", it->daemon);
	jstr(o, "service", it->service);
	jstr(o, "reason", it->reason);
	return o;
}

/* the extra columns of a table */
enum table_kind { TK_PLAIN, TK_ADDRESS, TK_COUNTRY, TK_SERVICE, TK_PLAINTEXT };

static struct fjson_object *table_json(const ss_table *t, uint32_t top, const char *keyname,
				       enum table_kind kind)
{
	struct fjson_object *arr = json_object_new_array();
	uint32_t n;
	ss_entry **v = ss_sorted(t, top, &n);
	for (uint32_t i = 0; i < n; i++) {
		struct fjson_object *o = json_object_new_object();
		jstr(o, keyname, v[i]->key);
		jint(o, kind == TK_SERVICE ? "events" : "count", (long long)v[i]->count);
		if (t->evicted)
			jint(o, "error", (long long)v[i]->err);
		if (kind == TK_ADDRESS) { /* addresses */
			jstr(o, "country", v[i]->a);
			jstr(o, "country_name", v[i]->b);
			if (v[i]->asn > 0)
				jint(o, "asn", v[i]->asn);
			jstr(o, "as_org", v[i]->c);
			jstr(o, "scope", v[i]->d);
		} else if (kind == TK_COUNTRY) { /* countries */
			jstr(o, "country_name", v[i]->b);
		} else if (kind == TK_SERVICE) { /* services, daemons */
			jint(o, "failures", (long long)v[i]->n_fail);
			jint(o, "successes", (long long)v[i]->n_succ);
			jint(o, "other", (long long)v[i]->n_other);
		} else if (kind == TK_PLAINTEXT) { /* plaintext */
			jstr(o, "service", v[i]->a);
			jstr(o, "ip", v[i]->b);
		}
		json_object_array_add(arr, o);
	}
	free(v);
	return arr;
}

void print_json(report *rp, FILE *out)
{
	struct fjson_object *root = json_object_new_object();
	struct fjson_object *span = json_object_new_object();
	if (rp->have_span) {
		char iso[32];
		jstr(span, "first", rp->first_when);
		jstr(span, "last", rp->last_when);
		tool_format_iso(rp->first_t, iso, sizeof(iso));
		jstr(span, "first_utc", iso);
		tool_format_iso(rp->last_t, iso, sizeof(iso));
		jstr(span, "last_utc", iso);
		jint(span, "seconds", rp->last_t - rp->first_t);
	}
	jint(span, "untimed_events", (long long)rp->untimed);
	json_object_object_add(root, "span", span);
	struct fjson_object *lines = json_object_new_object();
	jint(lines, "read", (long long)rp->lines);
	jint(lines, "events", (long long)rp->events);
	jint(lines, "skipped", (long long)rp->skipped);
	jint(lines, "closed_incidents", (long long)rp->closes);
	json_object_object_add(root, "lines", lines);
	struct fjson_object *tot = json_object_new_object();
	jint(tot, "events", (long long)rp->events);
	jint(tot, "failures", (long long)rp->failures);
	jint(tot, "successes", (long long)rp->successes);
	jint(tot, "unknown", (long long)rp->unknown);
	jint(tot, "blocks", (long long)rp->blocks);
	json_object_object_add(root, "totals", tot);
	json_object_object_add(root, "approximate",
			       json_object_new_boolean(rp->addrs.evicted || rp->countries.evicted
						       || rp->logins.evicted || rp->services.evicted
						       || rp->daemons.evicted
						       || rp->plaintext.evicted));
	json_object_object_add(root, "top_addresses",
			       table_json(&rp->addrs, rp->top, "ip", TK_ADDRESS));
	json_object_object_add(root, "top_countries",
			       table_json(&rp->countries, rp->top, "country", TK_COUNTRY));
	json_object_object_add(root, "top_logins",
			       table_json(&rp->logins, rp->top, "user", TK_PLAIN));
	json_object_object_add(root, "services",
			       table_json(&rp->services, rp->top, "service", TK_SERVICE));
	json_object_object_add(root, "daemons",
			       table_json(&rp->daemons, rp->top, "daemon", TK_SERVICE));

	struct fjson_object *saf = json_object_new_object();
	jint(saf, "total", (long long)rp->saf_total);
	jint(saf, "compromise_alerts", (long long)rp->saf_alert);
	jint(saf, "after_failures_in_input", (long long)rp->saf_computed);
	struct fjson_object *arr = json_object_new_array();
	for (uint32_t i = 0; i < rp->saf.n; i++) {
		ring_item *it = ring_at(&rp->saf, i);
		struct fjson_object *o = item_json(it);
		if (it->flagged & 2)
			jint(o, "failures_before", it->fails);
		json_object_object_add(o, "compromise_alert",
				       json_object_new_boolean(it->flagged & 1));
		json_object_array_add(arr, o);
	}
	json_object_object_add(saf, "last", arr);
	json_object_object_add(root, "successes_after_failures", saf);

	struct fjson_object *pt = json_object_new_object();
	jint(pt, "total", (long long)rp->plaintext_total);
	json_object_object_add(pt, "top",
			       table_json(&rp->plaintext, rp->top, "user", TK_PLAINTEXT));
	json_object_object_add(root, "plaintext_logins", pt);

	struct fjson_object *bl = json_object_new_object();
	jint(bl, "total", (long long)rp->blocks);
	arr = json_object_new_array();
	for (uint32_t i = 0; i < rp->blockr.n; i++) {
		ring_item *it = ring_at(&rp->blockr, i);
		struct fjson_object *o = item_json(it);
		if (it->count >= 0)
			jint(o, "count", it->count);
		if (it->window >= 0)
			jint(o, "window", it->window);
		jstr(o, "related", it->related);
		jstr(o, "failed_earlier", it->computed);
		json_object_array_add(arr, o);
	}
	json_object_object_add(bl, "last", arr);
	json_object_object_add(root, "blocks", bl);

	arr = json_object_new_array();
	for (uint32_t i = 0; i < rp->attacks.n; i++)
		json_object_array_add(arr, item_json(ring_at(&rp->attacks, i)));
	json_object_object_add(root, "last_attacks", arr);

	struct fjson_object *inc = json_object_new_object();
	uint64_t closed = 0;
	for (uint32_t i = 0; i < rp->inc.n; i++)
		closed += rp->inc.e[i].closed ? 1 : 0;
	jint(inc, "total", (long long)(rp->inc.n + rp->inc.not_listed));
	jint(inc, "closed", (long long)closed);
	jint(inc, "open", (long long)(rp->inc.n - closed));
	jint(inc, "not_listed", (long long)rp->inc.not_listed);
	uint32_t ni;
	inc_entry **iv = inc_sorted(&rp->inc, rp->top, &ni);
	arr = json_object_new_array();
	for (uint32_t i = 0; i < ni; i++) {
		const inc_entry *e = iv[i];
		struct fjson_object *o = json_object_new_object();
		char iso[32];
		if (strchr(e->id, ':') == NULL)
			jstr(o, "id", e->id);
		jstr(o, "detector", ap_detector_name((ap_detector)e->det));
		jstr(o, "key", e->key);
		if (e->first >= 0) {
			tool_format_iso(e->first, iso, sizeof(iso));
			jstr(o, "first_utc", iso);
		}
		if (e->last >= 0) {
			tool_format_iso(e->last, iso, sizeof(iso));
			jstr(o, "last_utc", iso);
		}
		if (e->first >= 0 && e->last >= e->first)
			jint(o, "seconds", e->last - e->first);
		jint(o, "count", e->count);
		jstr(o, "state", e->closed ? "closed" : "open");
		if (e->country[0])
			jstr(o, "country", e->country);
		struct fjson_object *acc = json_object_new_array();
		for (int k = 0; k < INC_USERS && e->users[k][0]; k++)
			json_object_array_add(acc, json_object_new_string(e->users[k]));
		json_object_object_add(o, "accounts", acc);
		if (e->more_users)
			json_object_object_add(o, "more_accounts", json_object_new_boolean(1));
		json_object_array_add(arr, o);
	}
	free(iv);
	json_object_object_add(inc, "top", arr);
	json_object_object_add(root, "incidents", inc);

	tl_bucket *bk;
	long long w;
	size_t nb = tl_buckets(rp, &bk, &w);
	struct fjson_object *tl = json_object_new_object();
	char tz[32];
	tz_label(rp, tz, sizeof(tz));
	jstr(tl, "bucket", w == 1 ? "hour" : w == 24 ? "day" : "week");
	jstr(tl, "zone", tz);
	arr = json_object_new_array();
	for (size_t i = 0; i < nb; i++) {
		struct fjson_object *o = json_object_new_object();
		char iso[32];
		tool_format_iso(bk[i].start * 3600, iso, sizeof(iso));
		iso[19] = '\0'; /* local to the zone above: no "Z" */
		jstr(o, "start", iso);
		jint(o, "failures", (long long)bk[i].n);
		json_object_array_add(arr, o);
	}
	free(bk);
	json_object_object_add(tl, "buckets", arr);
	json_object_object_add(root, "timeline", tl);

	fputs(json_object_to_json_string_ext(root, FJSON_TO_STRING_PLAIN), out);
	fputc('\n', out);
	json_object_put(root);
}
