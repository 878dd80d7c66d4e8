/* event.c - the event as JSON: the names of detectors, outcomes and
 * reasons, and the one step that turns an ap_result into the
 * JSON of the contract (docs/SCHEMA.md): the event's own fields, its geo
 * object and the detectors' alerts, which detection hands over as plain
 * data (ap_alerts).  Also the `fields` selection of the members written,
 * a worker's cache of the string leaves its events share (event.h says
 * why sharing them is safe), the way back for an event an edge collector
 * already recognised (input="event": ap_event_from_json), and the
 * redaction of the message text.
 *
 * Concurrency: an ap_jcache belongs to one worker (one thread at a time);
 * the objects it hands out are shared through libfastjson's atomic
 * reference counts.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <pthread.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"
#include "event.h"
#include "recognisers/recogniser.h"

/* Add a member under a key that is a string constant and new in the
 * object: libfastjson then neither copies the key nor searches the object
 * for it (the event is built once per message: this halves its cost). */
#define AP_JSON_ADD(o, k, v)                     \
	json_object_object_add_ex((o), (k), (v), \
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)

const char *ap_detector_name(ap_detector d)
{
	static const char *const n[AP_DET__COUNT] = { "bruteforce", "dictionary", "distributed",
						      "compromise", "insecure",   "stale" };
	return (unsigned)d < AP_DET__COUNT ? n[d] : NULL;
}

static const char *const outcome_names[] = { NULL, "success", "failure", "unknown" };
static const char *const reason_names[] = { NULL,          "bad_password", "unknown_user",
					    "no_password", "bad_token",    "disabled",
					    "aborted",     "other" };

/* ------------------------------------------------------------------ */
/* the string leaves a worker shares between its events                 */

#define JC_SLOTS 512  /* text-keyed, direct-mapped: users, addresses, places */
#define JC_CONST 128  /* address-keyed: the static names (kind, daemon, ...) */
#define JC_MAXLEN 128 /* longer text is not kept */
#define JC_TIMES 16   /* time-keyed, direct-mapped: the time stamps */

struct ap_jcache {
	struct jc_const {
		const char *p;
		struct fjson_object *o;
	} cst[JC_CONST];
	unsigned ncst;
	/* time-keyed: the incidents' first_seen and last_seen (the same few
	 * seconds over and over), formatted and hashed once; ids alike */
	struct jc_time {
		int64_t t;
		struct fjson_object *o;
	} tm[JC_TIMES], ids[JC_TIMES]; /* ids: the incidents' ids, keyed alike */
	struct jc_slot {
		uint64_t h;
		const char *t; /* the object's text (it never changes) */
		struct fjson_object *o;
		uint32_t n;
	} slot[JC_SLOTS];
};

ap_jcache *ap_jcache_new(void)
{
	return calloc(1, sizeof(ap_jcache));
}

void ap_jcache_free(ap_jcache *c)
{
	if (c == NULL)
		return;
	/* the events that still hold a leaf keep it: only our references go */
	for (unsigned i = 0; i < JC_CONST; i++)
		json_object_put(c->cst[i].o);
	for (unsigned i = 0; i < JC_SLOTS; i++)
		json_object_put(c->slot[i].o);
	for (unsigned i = 0; i < JC_TIMES; i++) {
		json_object_put(c->tm[i].o);
		json_object_put(c->ids[i].o);
	}
	free(c);
}

static uint64_t jc_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, v;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (n > 0) {
		v = ap_load8(p, n); /* the tail, without a memcpy call */
		h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 29;
	}
	return h;
}

/* a string leaf of the text [s, s+n): the cached one (a new reference) or
 * a new one the cache keeps; without a cache, a new one */
static struct fjson_object *jc_str(ap_jcache *c, const char *s, size_t n)
{
	if (c == NULL || n > JC_MAXLEN)
		return json_object_new_string_len(s, (int)n);
	uint64_t h = jc_hash(s, n);
	struct jc_slot *sl = &c->slot[h & (JC_SLOTS - 1)];
	if (sl->o != NULL && sl->h == h && sl->n == n && memcmp(sl->t, s, n) == 0) {
		return json_object_get(sl->o);
	}
	struct fjson_object *o = json_object_new_string_len(s, (int)n);
	if (o == NULL)
		return NULL;
	json_object_put(sl->o);
	sl->o = json_object_get(o);
	sl->t = json_object_get_string(o);
	sl->h = h;
	sl->n = (uint32_t)n;
	return o;
}

/* a string leaf of a static string (its address is the key) */
static struct fjson_object *jc_cstr(ap_jcache *c, const char *s)
{
	if (c == NULL)
		return json_object_new_string(s);
	unsigned i = (unsigned)(((uintptr_t)s >> 3) * 0x9e3779b1u) & (JC_CONST - 1);
	for (unsigned probe = 0; probe < JC_CONST; probe++, i = (i + 1) & (JC_CONST - 1)) {
		if (c->cst[i].p == s) {
			return json_object_get(c->cst[i].o);
		}
		if (c->cst[i].p == NULL)
			break;
	}
	if (c->ncst >= JC_CONST / 2 || c->cst[i].p != NULL)
		return jc_str(c, s, strlen(s));
	struct fjson_object *o = json_object_new_string(s);
	if (o == NULL)
		return NULL;
	c->cst[i].p = s;
	c->cst[i].o = json_object_get(o);
	c->ncst++;
	return o;
}

/* ------------------------------------------------------------------ */
/* members                                                             */

static void add_str(ap_jcache *c, struct fjson_object *o, const char *k, const char *v, size_t n)
{
	AP_JSON_ADD(o, k, jc_str(c, v, n));
}

static void add_cstr(ap_jcache *c, struct fjson_object *o, const char *k, const char *v)
{
	AP_JSON_ADD(o, k, jc_cstr(c, v));
}

static void add_span_case(ap_jcache *c, struct fjson_object *o, const char *k, ap_span s, int upper)
{
	char buf[256];
	size_t n = 0;
	for (uint32_t i = 0; i < s.n && n < sizeof(buf); i++) {
		unsigned char ch = (unsigned char)s.p[i];
		if (ch < 0x20 || ch >= 0x7f)
			continue; /* mech, domain: ASCII only */
		if (upper && ch >= 'a' && ch <= 'z')
			ch = (unsigned char)(ch - 32);
		else if (!upper && ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch + 32);
		buf[n++] = (char)ch;
	}
	if (n > 0)
		add_str(c, o, k, buf, n);
}

/* plain printable text (rdns, session): control bytes dropped, capped; a
 * session id is new with every connection: not worth keeping */
static void add_span_text(ap_jcache *c, struct fjson_object *o, const char *k, ap_span s)
{
	char buf[AP_USER_MAX + 1];
	size_t n = ap_escape_user(s.p, s.n, buf);
	if (n > 0)
		add_str(c, o, k, buf, n);
}

/* ------------------------------------------------------------------ */
/* geo and alerts                                                      */

/* a coordinate with four decimals (about 11 m, more than any of these
 * databases knows), trailing zeros dropped, "-0" avoided; no printf */
static void add_coord(struct fjson_object *o, const char *key, double v)
{
	char buf[32], digits[24];
	if (!(v > -1e9 && v < 1e9))
		return;
	long long q = llround(v * 10000.0);
	int neg = q < 0;
	unsigned long long u = (unsigned long long)(neg ? -q : q);
	unsigned long long ip = u / 10000, fp = u % 10000;
	size_t n = 0, d = 0;
	if (neg && u != 0)
		buf[n++] = '-';
	do {
		digits[d++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip > 0);
	while (d > 0)
		buf[n++] = digits[--d];
	if (fp != 0) {
		buf[n++] = '.';
		for (unsigned long long div = 1000; div > 0 && fp != 0; div /= 10) {
			buf[n++] = (char)('0' + fp / div);
			fp %= div;
		}
	}
	buf[n] = '\0';
	AP_JSON_ADD(
		o, key,
		json_object_new_double_s((double)(neg ? -1.0 : 1.0) * (double)u / 10000.0, buf));
}

#define WANT(f) ((sel & AP_FIELD(f)) != 0)

static void geo_to_json(ap_jcache *c, struct fjson_object *geo, const ap_geo *g, ap_fieldset sel)
{
	if (WANT(AP_F_GEO_SCOPE))
		add_cstr(c, geo, "scope", ap_scope_name((ap_scope)g->scope));
	if (g->country[0] && WANT(AP_F_GEO_COUNTRY))
		add_str(c, geo, "country", g->country, strlen(g->country));
	if (g->country_name[0] && WANT(AP_F_GEO_COUNTRY_NAME))
		add_str(c, geo, "country_name", g->country_name, strlen(g->country_name));
	if (g->city[0] && WANT(AP_F_GEO_CITY))
		add_str(c, geo, "city", g->city, strlen(g->city));
	if (g->has_location) {
		if (WANT(AP_F_GEO_LAT))
			add_coord(geo, "lat", g->lat);
		if (WANT(AP_F_GEO_LON))
			add_coord(geo, "lon", g->lon);
	}
	if (g->asn && WANT(AP_F_GEO_ASN))
		AP_JSON_ADD(geo, "asn", json_object_new_int64(g->asn));
	if (g->as_org[0] && WANT(AP_F_GEO_AS_ORG))
		add_str(c, geo, "as_org", g->as_org, strlen(g->as_org));
}

/* "2026-11-23T06:10:02Z" into buf (at least 32 bytes); printf only for a
 * year outside 0..9999 */
static size_t utc_stamp(int64_t t, char *buf)
{
	int64_t y, days = t / 86400, sec = t % 86400;
	unsigned m, d;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	ap_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		int n = snprintf(buf, 32, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m,
				 d, (long long)(sec / 3600), (long long)(sec / 60 % 60),
				 (long long)(sec % 60));
		return n > 0 && n < 32 ? (size_t)n : 0;
	}
	const unsigned v[6] = {
		(unsigned)y,         m, d, (unsigned)(sec / 3600), (unsigned)(sec / 60 % 60),
		(unsigned)(sec % 60)
	};
	char *p = buf;
	*p++ = (char)('0' + v[0] / 1000);
	*p++ = (char)('0' + v[0] / 100 % 10);
	*p++ = (char)('0' + v[0] / 10 % 10);
	*p++ = (char)('0' + v[0] % 10);
	for (int i = 1; i < 6; i++) {
		*p++ = "--T::"[i - 1];
		*p++ = (char)('0' + v[i] / 10);
		*p++ = (char)('0' + v[i] % 10);
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

/* an ISO 8601 UTC time stamp, "2026-03-03T04:11:09Z" */
static void add_utc(ap_jcache *c, struct fjson_object *o, const char *k, int64_t t)
{
	struct jc_time *tm = c != NULL ? &c->tm[(uint64_t)t & (JC_TIMES - 1)] : NULL;
	if (tm != NULL && tm->o != NULL && tm->t == t) {
		AP_JSON_ADD(o, k, json_object_get(tm->o));
		return;
	}
	char tb[32];
	size_t n = utc_stamp(t, tb);
	if (n == 0)
		return;
	struct fjson_object *v = jc_str(c, tb, n);
	if (v != NULL && tm != NULL) {
		json_object_put(tm->o);
		tm->o = json_object_get(v);
		tm->t = t;
	}
	AP_JSON_ADD(o, k, v);
}

static const char *const inc_state_names[] = { NULL, "open", "update", "close" };

/* the incident's id, state, times and count into o */
static void incident_fields(ap_jcache *c, struct fjson_object *o, const ap_incident *inc)
{
	/* the id as 16 hex digits; an alert repeats its incident's id event
	 * after event: the finished leaf comes from the id-keyed cache */
	struct jc_time *slot = c != NULL ? &c->ids[(inc->id ^ inc->id >> 32) & (JC_TIMES - 1)]
					 : NULL;
	if (slot != NULL && slot->o != NULL && (uint64_t)slot->t == inc->id) {
		AP_JSON_ADD(o, "id", json_object_get(slot->o));
	} else {
		char id[17];
		static const char hex[] = "0123456789abcdef";
		for (int i = 0; i < 16; i++)
			id[i] = hex[(inc->id >> (60 - 4 * i)) & 15];
		id[16] = '\0';
		struct fjson_object *v = jc_str(c, id, 16);
		if (v != NULL && slot != NULL) {
			json_object_put(slot->o);
			slot->o = json_object_get(v);
			slot->t = (int64_t)inc->id;
		}
		AP_JSON_ADD(o, "id", v);
	}
	if (inc->state > 0 && inc->state <= AP_INC_CLOSE)
		add_cstr(c, o, "state", inc_state_names[inc->state]);
	add_utc(c, o, "first_seen", inc->first_seen);
	add_utc(c, o, "last_seen", inc->last_seen);
	AP_JSON_ADD(o, "count", json_object_new_int64(inc->count));
}

static void alerts_to_json(ap_jcache *c, struct fjson_object *ev, const ap_alerts *a,
			   ap_fieldset sel)
{
	if (ev == NULL || a == NULL)
		return;
	if (a->fired != 0 && WANT(AP_F_ALERT)) {
		struct fjson_object *al = json_object_new_object();
		if (al == NULL)
			return;
		for (int k = 0; k < AP_DET__COUNT; k++) {
			if (!(a->fired & (1u << k)))
				continue;
			struct fjson_object *m = json_object_new_object();
			if (m == NULL)
				continue;
			AP_JSON_ADD(m, "count", json_object_new_int64(a->a[k].count));
			AP_JSON_ADD(m, "threshold", json_object_new_int64(a->a[k].threshold));
			AP_JSON_ADD(m, "window", json_object_new_int64(a->a[k].window));
			if (a->cluster & (1u << k))
				AP_JSON_ADD(m, "scope", json_object_new_string("cluster"));
			if (a->a[k].inc.state != AP_INC_NONE) {
				struct fjson_object *io = json_object_new_object();
				if (io != NULL) {
					incident_fields(c, io, &a->a[k].inc);
					AP_JSON_ADD(m, "incident", io);
				}
			}
			AP_JSON_ADD(al, ap_detector_name((ap_detector)k), m);
		}
		AP_JSON_ADD(ev, "alert", al);
	}
	if (a->nrelated > 0 && WANT(AP_F_RELATED)) {
		struct fjson_object *arr = json_object_new_array();
		if (arr == NULL)
			return;
		uint32_t n = a->nrelated > AP_MAX_RELATED ? AP_MAX_RELATED : a->nrelated;
		for (uint32_t i = 0; i < n; i++) {
			const ap_related *r = &a->related[i];
			struct fjson_object *o = json_object_new_object();
			if (o == NULL)
				continue;
			AP_JSON_ADD(o, "user", json_object_new_string(r->user));
			if (r->service != NULL)
				AP_JSON_ADD(o, "service", json_object_new_string(r->service));
			AP_JSON_ADD(o, "count", json_object_new_int64(r->count));
			json_object_array_add(arr, o);
		}
		AP_JSON_ADD(ev, "related", arr);
	}
}

/* ------------------------------------------------------------------ */
/* the `fields` selection                                              */

static const char *const field_names[AP_F__COUNT] = {
	[AP_F_KIND] = "kind",
	[AP_F_OUTCOME] = "outcome",
	[AP_F_REASON] = "reason",
	[AP_F_DAEMON] = "daemon",
	[AP_F_SERVICE] = "service",
	[AP_F_TLS] = "tls",
	[AP_F_MECH] = "mech",
	[AP_F_USER] = "user",
	[AP_F_DOMAIN] = "domain",
	[AP_F_IP] = "ip",
	[AP_F_PORT] = "port",
	[AP_F_RDNS] = "rdns",
	[AP_F_SERVER_IP] = "server_ip",
	[AP_F_SESSION] = "session",
	[AP_F_ATTEMPTS] = "attempts",
	[AP_F_EVENT_TIME] = "event_time",
	[AP_F_PASSWORD_REDACTED] = "password_redacted",
	[AP_F_AMBIGUOUS] = "ambiguous",
	[AP_F_COUNTED] = "counted",
	[AP_F_HARVEST] = "harvest",
	[AP_F_CORRELATED] = "correlated",
	[AP_F_COUNT] = "count",
	[AP_F_WINDOW] = "window",
	[AP_F_GEO_SCOPE] = "geo!scope",
	[AP_F_GEO_COUNTRY] = "geo!country",
	[AP_F_GEO_COUNTRY_NAME] = "geo!country_name",
	[AP_F_GEO_CITY] = "geo!city",
	[AP_F_GEO_LAT] = "geo!lat",
	[AP_F_GEO_LON] = "geo!lon",
	[AP_F_GEO_ASN] = "geo!asn",
	[AP_F_GEO_AS_ORG] = "geo!as_org",
	[AP_F_STALE] = "stale",
	[AP_F_ALERT] = "alert",
	[AP_F_RELATED] = "related",
};
#define AP_FIELDS_GEO                                                                            \
	(AP_FIELD(AP_F_GEO_SCOPE) | AP_FIELD(AP_F_GEO_COUNTRY) | AP_FIELD(AP_F_GEO_COUNTRY_NAME) \
	 | AP_FIELD(AP_F_GEO_CITY) | AP_FIELD(AP_F_GEO_LAT) | AP_FIELD(AP_F_GEO_LON)             \
	 | AP_FIELD(AP_F_GEO_ASN) | AP_FIELD(AP_F_GEO_AS_ORG))

int ap_fields_parse(const char *const *names, size_t n, ap_fieldset *out, ap_log_fn log,
		    void *cookie)
{
	*out = n == 0 ? AP_FIELDS_ALL : 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		if (name[0] == '!') /* "!geo!country", as mmdblookup's fields are written */
			name++;
		if (strcmp(name, "geo") == 0) {
			*out |= AP_FIELDS_GEO;
			continue;
		}
		int f;
		for (f = 0; f < AP_F__COUNT; f++)
			if (strcmp(name, field_names[f]) == 0)
				break;
		if (f < AP_F__COUNT) {
			*out |= AP_FIELD(f);
			continue;
		}
		char known[1024];
		size_t k = 0;
		known[0] = '\0';
		for (f = 0; f < AP_F__COUNT; f++) {
			int w = snprintf(known + k, sizeof(known) - k, "%s%s", f ? ", " : "",
					 field_names[f]);
			if (w < 0 || (size_t)w >= sizeof(known) - k)
				break;
			k += (size_t)w;
		}
		ap_logf(log, cookie, AP_LOG_ERR,
			"fields: '%s' is not a member of the event (known: %s, and geo for all of "
			"geo)",
			names[i], known);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* the event                                                           */

struct fjson_object *ap_event_json(const ap_result *res, ap_jcache *c, ap_fieldset sel)
{
	const ap_event *ev = &res->ev;
	struct fjson_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	char ipbuf[64];

	if (WANT(AP_F_KIND))
		add_cstr(c, o, "kind", ev->kind == AP_KIND_BLOCK ? "block" : "auth");
	if (ev->kind == AP_KIND_AUTH && ev->outcome > 0 && ev->outcome <= AP_OUT_UNKNOWN
	    && WANT(AP_F_OUTCOME))
		add_cstr(c, o, "outcome", outcome_names[ev->outcome]);
	if (ev->reason > 0 && ev->reason <= AP_R_OTHER && WANT(AP_F_REASON))
		add_cstr(c, o, "reason", reason_names[ev->reason]);
	if (WANT(AP_F_DAEMON))
		add_cstr(c, o, "daemon", ev->daemon ? ev->daemon : "unknown");
	if (ev->service && WANT(AP_F_SERVICE))
		add_cstr(c, o, "service", ev->service);
	if (ev->tls >= 0 && WANT(AP_F_TLS))
		AP_JSON_ADD(o, "tls", json_object_new_boolean(ev->tls));
	if (ev->mech.n && WANT(AP_F_MECH))
		add_span_case(c, o, "mech", ev->mech, 1);
	if (ev->user.n) {
		char ubuf[AP_USER_MAX + 1];
		size_t un = WANT(AP_F_USER) ? ap_escape_user(ev->user.p, ev->user.n, ubuf) : 0;
		if (un > 0)
			add_str(c, o, "user", ubuf, un);
		const char *at = WANT(AP_F_DOMAIN) ? AP_MEMRMEM(ev->user.p, ev->user.n, "@") : NULL;
		if (at != NULL) {
			size_t dn = ev->user.n - (size_t)(at + 1 - ev->user.p);
			if (dn > 0)
				add_span_case(c, o, "domain", ap_span_make(at + 1, dn), 0);
		}
	}
	if (ev->ip.family && WANT(AP_F_IP)) {
		ap_addr_format(&ev->ip, ipbuf, sizeof(ipbuf));
		add_str(c, o, "ip", ipbuf, strlen(ipbuf));
	}
	if (ev->port >= 0 && WANT(AP_F_PORT))
		AP_JSON_ADD(o, "port", json_object_new_int(ev->port));
	if (ev->rdns.n && !AP_SPAN_IS(ev->rdns, "unknown") && WANT(AP_F_RDNS))
		add_span_text(c, o, "rdns", ev->rdns);
	if (ev->server_ip.family && WANT(AP_F_SERVER_IP)) {
		ap_addr_format(&ev->server_ip, ipbuf, sizeof(ipbuf));
		add_str(c, o, "server_ip", ipbuf, strlen(ipbuf));
	}
	if (ev->session.n && WANT(AP_F_SESSION))
		add_span_text(NULL, o, "session", ev->session);
	if (ev->attempts >= 0 && WANT(AP_F_ATTEMPTS))
		AP_JSON_ADD(o, "attempts", json_object_new_int(ev->attempts));
	if (ev->time > 0 && WANT(AP_F_EVENT_TIME)) {
		/* the line's own time stamp (file formats), UTC */
		char tb[32];
		size_t n = utc_stamp(ev->time, tb);
		if (n > 0)
			add_str(NULL, o, "event_time", tb, n);
	}
	if (ev->password_redacted && WANT(AP_F_PASSWORD_REDACTED))
		AP_JSON_ADD(o, "password_redacted", json_object_new_boolean(1));
	if (ev->ambiguous && WANT(AP_F_AMBIGUOUS))
		AP_JSON_ADD(o, "ambiguous", json_object_new_boolean(1));
	if (ev->uncounted && WANT(AP_F_COUNTED))
		AP_JSON_ADD(o, "counted", json_object_new_boolean(0));
	if (ev->harvest && WANT(AP_F_HARVEST))
		AP_JSON_ADD(o, "harvest", json_object_new_boolean(1));
	if (ev->correlated && WANT(AP_F_CORRELATED))
		AP_JSON_ADD(o, "correlated", json_object_new_boolean(1));
	if (ev->kind == AP_KIND_BLOCK) {
		if (ev->count >= 0 && WANT(AP_F_COUNT))
			AP_JSON_ADD(o, "count", json_object_new_int64(ev->count));
		if (ev->window >= 0 && WANT(AP_F_WINDOW))
			AP_JSON_ADD(o, "window", json_object_new_int64(ev->window));
	}
	if (ev->ip.family && (sel & AP_FIELDS_GEO) != 0) {
		struct fjson_object *g = json_object_new_object();
		if (g != NULL) {
			geo_to_json(c, g, &res->geo, sel);
			if (json_object_object_length(g) > 0)
				AP_JSON_ADD(o, "geo", g);
			else
				json_object_put(g); /* none of the chosen members is known */
		}
	}
	if (res->alerts.stale_interval > 0 && WANT(AP_F_STALE)) {
		struct fjson_object *so = json_object_new_object();
		if (so != NULL) {
			AP_JSON_ADD(so, "interval",
				    json_object_new_int64(res->alerts.stale_interval));
			AP_JSON_ADD(so, "failures",
				    json_object_new_int64(res->alerts.stale_failures));
			AP_JSON_ADD(o, "stale", so);
		}
	}
	alerts_to_json(c, o, &res->alerts, sel);
	return o;
}

struct fjson_object *ap_result_json(const ap_result *res)
{
	return ap_event_json(res, NULL, AP_FIELDS_ALL);
}

void ap_result_alerts_to_json(const ap_result *res, struct fjson_object *obj)
{
	if (obj == NULL || json_object_get_type(obj) != fjson_type_object)
		return;
	json_object_object_del(obj, "alert");
	json_object_object_del(obj, "related");
	alerts_to_json(NULL, obj, &res->alerts, AP_FIELDS_ALL);
}

/* ------------------------------------------------------------------ */
/* the way back: an event an edge collector rendered                   */

/* the members ap_event_from_json reads (named as in field_names),
 * gathered in one pass over the object: libfastjson finds a member by name
 * by walking the members from the first, which twenty look-ups an event
 * did twenty times */
static const uint8_t jread[] = {
	AP_F_KIND,	AP_F_DAEMON,	AP_F_OUTCOME,	AP_F_COUNT,
	AP_F_WINDOW,	AP_F_REASON,	AP_F_SERVICE,	AP_F_TLS,
	AP_F_MECH,	AP_F_USER,	AP_F_RDNS,	AP_F_SESSION,
	AP_F_IP,	AP_F_SERVER_IP, AP_F_PORT,	AP_F_ATTEMPTS,
	AP_F_EVENT_TIME, AP_F_PASSWORD_REDACTED, AP_F_AMBIGUOUS, AP_F_COUNTED,
	AP_F_HARVEST,	AP_F_CORRELATED,
};

/* m[k]: the value of member field_names[k] for the k in jread, NULL when
 * absent (or JSON null); of two members of one name the first, as
 * json_object_object_get_ex */
static void jmembers(struct fjson_object *obj, struct fjson_object *m[AP_F__COUNT])
{
	bool seen[AP_F__COUNT] = { false };
	memset(m, 0, AP_F__COUNT * sizeof(m[0]));
	struct fjson_object_iterator it = json_object_iter_begin(obj);
	const struct fjson_object_iterator end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		for (size_t i = 0; i < sizeof(jread); i++) {
			const char *name = field_names[jread[i]];
			if (k[0] == name[0] && strcmp(k, name) == 0) {
				if (!seen[jread[i]])
					m[jread[i]] = json_object_iter_peek_value(&it);
				seen[jread[i]] = true;
				break;
			}
		}
	}
}

/* a member's string, NULL when absent or not a string.  Its length is
 * the one every other reader sees: libfastjson renders a string up to its
 * first NUL, and RainerScript compares it so; the bytes after a "\u0000"
 * are in no output, so detection must not key on them either */
static const char *jstr(struct fjson_object *const *m, int k, uint32_t *len)
{
	struct fjson_object *v = m[k];
	if (json_object_get_type(v) != fjson_type_string)
		return NULL;
	const char *s = json_object_get_string(v);
	if (s == NULL)
		return NULL;
	if (len != NULL)
		*len = (uint32_t)strlen(s); /* libfastjson's lengths are ints */
	return s;
}

/* a member's integer within [lo, hi], def when absent or not one */
static int64_t jint(struct fjson_object *const *m, int k, int64_t lo, int64_t hi, int64_t def)
{
	struct fjson_object *v = m[k];
	if (json_object_get_type(v) != fjson_type_int)
		return def;
	int64_t x = json_object_get_int64(v);
	return x >= lo && x <= hi ? x : def;
}

/* a member's boolean: 1, 0, or -1 when absent or not one */
static int jbool(struct fjson_object *const *m, int k)
{
	struct fjson_object *v = m[k];
	if (json_object_get_type(v) != fjson_type_boolean)
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

/* index of s in names[lo..n), 0 when none */
static int name_index(const char *s, const char *const *names, int lo, int n)
{
	if (s == NULL)
		return 0;
	for (int i = lo; i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0)
			return i;
	return 0;
}

/* the lasting name of a service (detection keeps the pointer): the
 * services the recognisers produce, and others as they come (a newer edge
 * may know more), copied once and kept for the process's life, at most
 * MAX_SERVICES in all; NULL for a name that is not a service word (lower
 * case letters, digits, '-', at most 32 bytes) or when the table is full */
#define MAX_SERVICES 64
static const char *lasting_service(const char *s)
{
	static const char *tab[MAX_SERVICES] = { "imap",       "pop3",    "pop2",       "smtp",
						 "submission", "webmail", "http",       "sieve",
						 "ssh",        "cpanel",  "whm",        "ftp",
						 "panel",      "mysql",   "postgresql", "dns",
						 "activesync" };
	static size_t ntab = 17;
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	if (n == 0 || n > 32)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return NULL;
	/* an entry never changes once ntab counts it (published with a
	 * release store): the names already there are found without the
	 * lock, which only a new name takes */
	size_t seen = __atomic_load_n(&ntab, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < seen; i++)
		if (strcmp(tab[i], s) == 0)
			return tab[i];
	const char *r = NULL;
	pthread_mutex_lock(&mu);
	for (size_t i = seen; i < ntab && r == NULL; i++)
		if (strcmp(tab[i], s) == 0)
			r = tab[i];
	if (r == NULL && ntab < MAX_SERVICES) {
		char *c = strdup(s);
		if (c != NULL) {
			r = tab[ntab] = c;
			__atomic_store_n(&ntab, ntab + 1, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&mu);
	return r;
}

static ap_span jspan(struct fjson_object *const *m, int k)
{
	uint32_t n = 0;
	const char *p = jstr(m, k, &n);
	return p != NULL ? ap_span_make(p, n) : ap_span_make(NULL, 0);
}

int ap_event_from_json(struct fjson_object *obj, ap_event *ev)
{
	ap_event_init(ev);
	if (obj == NULL || json_object_get_type(obj) != fjson_type_object)
		return 0;
	struct fjson_object *m[AP_F__COUNT];
	jmembers(obj, m);
	const char *kind = jstr(m, AP_F_KIND, NULL);
	const char *daemon = jstr(m, AP_F_DAEMON, NULL);
	if (kind == NULL || daemon == NULL || daemon[0] == '\0')
		return 0;
	if (strcmp(kind, "auth") == 0) {
		ev->kind = AP_KIND_AUTH;
		ev->outcome = (uint8_t)name_index(jstr(m, AP_F_OUTCOME, NULL), outcome_names, 1,
						  AP_OUT_UNKNOWN + 1);
		if (ev->outcome == AP_OUT_NONE)
			return 0;
	} else if (strcmp(kind, "block") == 0) {
		ev->kind = AP_KIND_BLOCK;
		ev->count = jint(m, AP_F_COUNT, 0, INT64_MAX, -1);
		ev->window = jint(m, AP_F_WINDOW, 0, INT64_MAX, -1);
	} else {
		return 0; /* an incident, a close event: not for the detectors */
	}
	ev->reason = (uint8_t)name_index(jstr(m, AP_F_REASON, NULL), reason_names, 1, AP_R_OTHER + 1);
	ev->daemon = daemon;
	ap_family f = ap_family_from_name(daemon, strlen(daemon));
	if (f == AP_FAM_NONE && strlen(daemon) > 1 && daemon[strlen(daemon) - 1] == 'd')
		f = ap_family_from_name(daemon, strlen(daemon) - 1); /* cphulkd */
	ev->family = (uint8_t)f;
	ev->service = lasting_service(jstr(m, AP_F_SERVICE, NULL));
	ev->tls = (int8_t)jbool(m, AP_F_TLS);
	ev->mech = jspan(m, AP_F_MECH);
	ev->user = jspan(m, AP_F_USER);
	if (ev->user.n > AP_USER_MAX)
		ev->user.n = AP_USER_MAX;
	ev->rdns = jspan(m, AP_F_RDNS);
	ev->session = jspan(m, AP_F_SESSION);
	uint32_t n = 0;
	const char *ip = jstr(m, AP_F_IP, &n);
	if (ip != NULL && !ap_addr_parse(ip, n, &ev->ip))
		memset(&ev->ip, 0, sizeof(ev->ip));
	ip = jstr(m, AP_F_SERVER_IP, &n);
	if (ip != NULL && !ap_addr_parse(ip, n, &ev->server_ip))
		memset(&ev->server_ip, 0, sizeof(ev->server_ip));
	ev->port = (int32_t)jint(m, AP_F_PORT, 0, 65535, -1);
	ev->attempts = (int32_t)jint(m, AP_F_ATTEMPTS, 0, INT32_MAX, -1);
	const char *et = jstr(m, AP_F_EVENT_TIME, &n);
	int64_t t = 0;
	size_t used = et != NULL ? ap_parse_ymdhms(et, n, 'T', &t) : 0;
	/* a leap second ends 9999-12-31 in year 10000, which the stamp does
	 * not write in four digits and no reader reads back: not kept */
	if (used > 0 && used + 1 == n && et[used] == 'Z' && t > 0
	    && t < ap_days_from_civil(10000, 1, 1) * 86400)
		ev->time = t;
	ev->password_redacted = jbool(m, AP_F_PASSWORD_REDACTED) == 1;
	ev->ambiguous = jbool(m, AP_F_AMBIGUOUS) == 1;
	ev->uncounted = jbool(m, AP_F_COUNTED) == 0;
	ev->harvest = jbool(m, AP_F_HARVEST) == 1;
	ev->correlated = jbool(m, AP_F_CORRELATED) == 1;
	if (ev->ambiguous)
		memset(&ev->ip, 0, sizeof(ev->ip));
	return 1;
}

struct fjson_object *ap_incident_json(const ap_incident_close *c)
{
	struct fjson_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	static const char *const keys[] = { NULL, "ip", "user", "user,ip" };
	add_cstr(NULL, o, "kind", "incident");
	const char *det = ap_detector_name((ap_detector)c->detector);
	add_cstr(NULL, o, "detector", det ? det : "unknown");
	if (c->key >= AP_KEY_IP && c->key <= AP_KEY_USER_IP)
		add_cstr(NULL, o, "key", keys[c->key]);
	if (c->key != AP_KEY_IP && c->user[0] != '\0')
		add_str(NULL, o, "user", c->user, strlen(c->user));
	if (c->key != AP_KEY_USER && c->ip.family != 0) {
		char ipbuf[64];
		ap_addr_format(&c->ip, ipbuf, sizeof(ipbuf));
		add_str(NULL, o, "ip", ipbuf, strlen(ipbuf));
	}
	incident_fields(NULL, o, &c->inc); /* id, state "close", first_seen, last_seen, count */
	AP_JSON_ADD(o, "window", json_object_new_int64(c->window));
	return o;
}

size_t ap_redact(const ap_event *ev, const char *msg, size_t msglen, char *dst, size_t dstsz)
{
	size_t need = 0, o = 0, pos = 0;
	const size_t rl = sizeof(AP_REDACTED) - 1;
#define EMIT(src, len)                              \
	do {                                        \
		size_t l_ = (len);                  \
		if (o < dstsz) {                    \
			size_t c_ = dstsz - 1 - o;  \
			if (c_ > l_)                \
				c_ = l_;            \
			memcpy(dst + o, (src), c_); \
			o += c_;                    \
		}                                   \
		need += l_;                         \
	} while (0)
	for (unsigned i = 0; i < ev->nredact; i++) {
		uint32_t off = ev->redact[i].off, len = ev->redact[i].len;
		if (off < pos || off > msglen || len > msglen - off)
			continue;
		EMIT(msg + pos, off - pos);
		EMIT(AP_REDACTED, rl);
		pos = off + len;
	}
	EMIT(msg + pos, msglen - pos);
#undef EMIT
	if (dstsz > 0)
		dst[o < dstsz ? o : dstsz - 1] = '\0';
	return need;
}
