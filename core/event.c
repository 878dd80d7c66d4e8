/* event.c - the event as JSON: the names of detectors, outcomes and
 * reasons, and the one step that turns an ap_result into the
 * JSON of the contract (docs/SCHEMA.md): the event's own fields, its geo
 * object and the detectors' alerts, which detection hands over as plain
 * data (ap_alerts).  Also the way back, for an event an edge collector
 * already recognised (input="event": ap_event_from_json), and the
 * redaction of the message text.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <pthread.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "text.h"

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

static void add_str(struct fjson_object *o, const char *k, const char *v, size_t n)
{
	AP_JSON_ADD(o, k, json_object_new_string_len(v, (int)n));
}

static void add_cstr(struct fjson_object *o, const char *k, const char *v)
{
	AP_JSON_ADD(o, k, json_object_new_string(v));
}

static void add_span_case(struct fjson_object *o, const char *k, ap_span s, int upper)
{
	char buf[256];
	size_t n = 0;
	for (uint32_t i = 0; i < s.n && n < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c >= 0x7f)
			continue; /* mech, domain: ASCII only */
		if (upper && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		buf[n++] = (char)c;
	}
	if (n > 0)
		add_str(o, k, buf, n);
}

/* plain printable text (rdns, session): control bytes dropped, capped */
static void add_span_text(struct fjson_object *o, const char *k, ap_span s)
{
	char buf[AP_USER_MAX + 1];
	size_t n = ap_escape_user(s.p, s.n, buf);
	if (n > 0)
		add_str(o, k, buf, n);
}

/* ------------------------------------------------------------------ */
/* geo and alerts                                                      */

static void add_coord(struct fjson_object *o, const char *key, double v)
{
	/* four decimals (about 11 m) is more than any of these databases
	 * knows; trailing zeros dropped, "-0" avoided; no printf: this runs
	 * for every event */
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

static void geo_to_json(struct fjson_object *geo, const ap_geo *g)
{
	AP_JSON_ADD(geo, "scope", json_object_new_string(ap_scope_name((ap_scope)g->scope)));
	if (g->country[0])
		AP_JSON_ADD(geo, "country", json_object_new_string(g->country));
	if (g->country_name[0])
		AP_JSON_ADD(geo, "country_name", json_object_new_string(g->country_name));
	if (g->city[0])
		AP_JSON_ADD(geo, "city", json_object_new_string(g->city));
	if (g->has_location) {
		add_coord(geo, "lat", g->lat);
		add_coord(geo, "lon", g->lon);
	}
	if (g->asn)
		AP_JSON_ADD(geo, "asn", json_object_new_int64(g->asn));
	if (g->as_org[0])
		AP_JSON_ADD(geo, "as_org", json_object_new_string(g->as_org));
}

/* an ISO 8601 UTC time stamp, "2026-03-03T04:11:09Z" */
static void add_utc(struct fjson_object *o, const char *k, int64_t t)
{
	char tb[32];
	int64_t y, days = t / 86400, sec = t % 86400;
	unsigned m, d;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	ap_civil_from_days(days, &y, &m, &d);
	int n = snprintf(tb, sizeof(tb), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m,
			 d, (long long)(sec / 3600), (long long)(sec / 60 % 60),
			 (long long)(sec % 60));
	if (n > 0 && (size_t)n < sizeof(tb))
		add_str(o, k, tb, (size_t)n);
}

static const char *const inc_state_names[] = { NULL, "open", "update", "close" };

/* the incident's id, state, times and count into o */
static void incident_fields(struct fjson_object *o, const ap_incident *inc)
{
	char id[17];
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++)
		id[i] = hex[(inc->id >> (60 - 4 * i)) & 15];
	id[16] = '\0';
	add_str(o, "id", id, 16);
	if (inc->state > 0 && inc->state <= AP_INC_CLOSE)
		add_cstr(o, "state", inc_state_names[inc->state]);
	add_utc(o, "first_seen", inc->first_seen);
	add_utc(o, "last_seen", inc->last_seen);
	AP_JSON_ADD(o, "count", json_object_new_int64(inc->count));
}

static void alerts_to_json(struct fjson_object *ev, const ap_alerts *a)
{
	if (ev == NULL || a == NULL)
		return;
	if (a->fired != 0) {
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
					incident_fields(io, &a->a[k].inc);
					AP_JSON_ADD(m, "incident", io);
				}
			}
			AP_JSON_ADD(al, ap_detector_name((ap_detector)k), m);
		}
		AP_JSON_ADD(ev, "alert", al);
	}
	if (a->nrelated > 0) {
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
/* the event                                                           */

struct fjson_object *ap_result_json(const ap_result *res)
{
	const ap_event *ev = &res->ev;
	struct fjson_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	char ipbuf[64];

	add_cstr(o, "kind", ev->kind == AP_KIND_BLOCK ? "block" : "auth");
	if (ev->kind == AP_KIND_AUTH && ev->outcome > 0 && ev->outcome <= AP_OUT_UNKNOWN)
		add_cstr(o, "outcome", outcome_names[ev->outcome]);
	if (ev->reason > 0 && ev->reason <= AP_R_OTHER)
		add_cstr(o, "reason", reason_names[ev->reason]);
	add_cstr(o, "daemon", ev->daemon ? ev->daemon : "unknown");
	if (ev->service)
		add_cstr(o, "service", ev->service);
	if (ev->tls >= 0)
		AP_JSON_ADD(o, "tls", json_object_new_boolean(ev->tls));
	if (ev->mech.n)
		add_span_case(o, "mech", ev->mech, 1);
	if (ev->user.n) {
		char ubuf[AP_USER_MAX + 1];
		size_t un = ap_escape_user(ev->user.p, ev->user.n, ubuf);
		if (un > 0)
			add_str(o, "user", ubuf, un);
		const char *at = AP_MEMRMEM(ev->user.p, ev->user.n, "@");
		if (at != NULL) {
			size_t dn = ev->user.n - (size_t)(at + 1 - ev->user.p);
			if (dn > 0)
				add_span_case(o, "domain", ap_span_make(at + 1, dn), 0);
		}
	}
	if (ev->ip.family) {
		ap_addr_format(&ev->ip, ipbuf, sizeof(ipbuf));
		add_cstr(o, "ip", ipbuf);
	}
	if (ev->port >= 0)
		AP_JSON_ADD(o, "port", json_object_new_int(ev->port));
	if (ev->rdns.n && !AP_SPAN_IS(ev->rdns, "unknown"))
		add_span_text(o, "rdns", ev->rdns);
	if (ev->server_ip.family) {
		ap_addr_format(&ev->server_ip, ipbuf, sizeof(ipbuf));
		add_cstr(o, "server_ip", ipbuf);
	}
	if (ev->session.n)
		add_span_text(o, "session", ev->session);
	if (ev->attempts >= 0)
		AP_JSON_ADD(o, "attempts", json_object_new_int(ev->attempts));
	if (ev->time > 0) {
		/* the line's own time stamp (file formats), UTC */
		char tb[32];
		int64_t t = ev->time, y;
		unsigned m, d;
		ap_civil_from_days(t / 86400, &y, &m, &d);
		const int64_t sec = t % 86400;
		int n = snprintf(tb, sizeof(tb), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
				 (long long)y, m, d, (long long)(sec / 3600),
				 (long long)(sec / 60 % 60), (long long)(sec % 60));
		if (n > 0 && (size_t)n < sizeof(tb))
			add_str(o, "event_time", tb, (size_t)n);
	}
	if (ev->password_redacted)
		AP_JSON_ADD(o, "password_redacted", json_object_new_boolean(1));
	if (ev->ambiguous)
		AP_JSON_ADD(o, "ambiguous", json_object_new_boolean(1));
	if (ev->uncounted)
		AP_JSON_ADD(o, "counted", json_object_new_boolean(0));
	if (ev->harvest)
		AP_JSON_ADD(o, "harvest", json_object_new_boolean(1));
	if (ev->correlated)
		AP_JSON_ADD(o, "correlated", json_object_new_boolean(1));
	if (ev->kind == AP_KIND_BLOCK) {
		if (ev->count >= 0)
			AP_JSON_ADD(o, "count", json_object_new_int64(ev->count));
		if (ev->window >= 0)
			AP_JSON_ADD(o, "window", json_object_new_int64(ev->window));
	}
	if (ev->ip.family) {
		struct fjson_object *g = json_object_new_object();
		if (g != NULL) {
			geo_to_json(g, &res->geo);
			AP_JSON_ADD(o, "geo", g);
		}
	}
	if (res->alerts.stale_interval > 0) {
		struct fjson_object *so = json_object_new_object();
		if (so != NULL) {
			AP_JSON_ADD(so, "interval",
				    json_object_new_int64(res->alerts.stale_interval));
			AP_JSON_ADD(so, "failures",
				    json_object_new_int64(res->alerts.stale_failures));
			AP_JSON_ADD(o, "stale", so);
		}
	}
	alerts_to_json(o, &res->alerts);
	return o;
}

void ap_result_alerts_to_json(const ap_result *res, struct fjson_object *obj)
{
	if (obj == NULL || json_object_get_type(obj) != fjson_type_object)
		return;
	json_object_object_del(obj, "alert");
	json_object_object_del(obj, "related");
	alerts_to_json(obj, &res->alerts);
}

/* ------------------------------------------------------------------ */
/* the way back: an event an edge collector rendered                   */

/* a member's string, NULL when absent or not a string */
static const char *jstr(struct fjson_object *o, const char *k, uint32_t *len)
{
	struct fjson_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_get_type(v) != fjson_type_string)
		return NULL;
	int n = json_object_get_string_len(v);
	if (n < 0)
		return NULL;
	if (len != NULL)
		*len = (uint32_t)n;
	return json_object_get_string(v);
}

/* a member's integer within [lo, hi], def when absent or not one */
static int64_t jint(struct fjson_object *o, const char *k, int64_t lo, int64_t hi, int64_t def)
{
	struct fjson_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_get_type(v) != fjson_type_int)
		return def;
	int64_t x = json_object_get_int64(v);
	return x >= lo && x <= hi ? x : def;
}

/* a member's boolean: 1, 0, or -1 when absent or not one */
static int jbool(struct fjson_object *o, const char *k)
{
	struct fjson_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_get_type(v) != fjson_type_boolean)
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
	const char *r = NULL;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ntab && r == NULL; i++)
		if (strcmp(tab[i], s) == 0)
			r = tab[i];
	if (r == NULL && ntab < MAX_SERVICES) {
		char *c = strdup(s);
		if (c != NULL)
			r = tab[ntab++] = c;
	}
	pthread_mutex_unlock(&mu);
	return r;
}

static ap_span jspan(struct fjson_object *o, const char *k)
{
	uint32_t n = 0;
	const char *p = jstr(o, k, &n);
	return p != NULL ? ap_span_make(p, n) : ap_span_make(NULL, 0);
}

int ap_event_from_json(struct fjson_object *obj, ap_event *ev)
{
	memset(ev, 0, offsetof(ap_event, scratch));
	ev->tls = -1;
	ev->port = -1;
	ev->attempts = -1;
	ev->count = -1;
	ev->window = -1;
	if (obj == NULL || json_object_get_type(obj) != fjson_type_object)
		return 0;
	const char *kind = jstr(obj, "kind", NULL);
	const char *daemon = jstr(obj, "daemon", NULL);
	if (kind == NULL || daemon == NULL || daemon[0] == '\0')
		return 0;
	if (strcmp(kind, "auth") == 0) {
		ev->kind = AP_KIND_AUTH;
		ev->outcome = (uint8_t)name_index(jstr(obj, "outcome", NULL), outcome_names, 1,
						  AP_OUT_UNKNOWN + 1);
		if (ev->outcome == AP_OUT_NONE)
			return 0;
	} else if (strcmp(kind, "block") == 0) {
		ev->kind = AP_KIND_BLOCK;
		ev->count = jint(obj, "count", 0, INT64_MAX, -1);
		ev->window = jint(obj, "window", 0, INT64_MAX, -1);
	} else {
		return 0; /* an incident, a close event: not for the detectors */
	}
	ev->reason = (uint8_t)name_index(jstr(obj, "reason", NULL), reason_names, 1,
					 AP_R_OTHER + 1);
	ev->daemon = daemon;
	ap_family f = ap_family_from_name(daemon, strlen(daemon));
	if (f == AP_FAM_NONE && strlen(daemon) > 1 && daemon[strlen(daemon) - 1] == 'd')
		f = ap_family_from_name(daemon, strlen(daemon) - 1); /* cphulkd */
	ev->family = (uint8_t)f;
	ev->service = lasting_service(jstr(obj, "service", NULL));
	ev->tls = (int8_t)jbool(obj, "tls");
	ev->mech = jspan(obj, "mech");
	ev->user = jspan(obj, "user");
	if (ev->user.n > AP_USER_MAX)
		ev->user.n = AP_USER_MAX;
	ev->rdns = jspan(obj, "rdns");
	ev->session = jspan(obj, "session");
	uint32_t n = 0;
	const char *ip = jstr(obj, "ip", &n);
	if (ip != NULL && !ap_addr_parse(ip, n, &ev->ip))
		memset(&ev->ip, 0, sizeof(ev->ip));
	ip = jstr(obj, "server_ip", &n);
	if (ip != NULL && !ap_addr_parse(ip, n, &ev->server_ip))
		memset(&ev->server_ip, 0, sizeof(ev->server_ip));
	ev->port = (int32_t)jint(obj, "port", 0, 65535, -1);
	ev->attempts = (int32_t)jint(obj, "attempts", 0, INT32_MAX, -1);
	const char *et = jstr(obj, "event_time", &n);
	int64_t t = 0;
	size_t used = et != NULL ? ap_parse_ymdhms(et, n, 'T', &t) : 0;
	if (used > 0 && used + 1 == n && et[used] == 'Z' && t > 0)
		ev->time = t;
	ev->password_redacted = jbool(obj, "password_redacted") == 1;
	ev->ambiguous = jbool(obj, "ambiguous") == 1;
	ev->uncounted = jbool(obj, "counted") == 0;
	ev->harvest = jbool(obj, "harvest") == 1;
	ev->correlated = jbool(obj, "correlated") == 1;
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
	add_cstr(o, "kind", "incident");
	const char *det = ap_detector_name((ap_detector)c->detector);
	add_cstr(o, "detector", det ? det : "unknown");
	if (c->key >= AP_KEY_IP && c->key <= AP_KEY_USER_IP)
		add_cstr(o, "key", keys[c->key]);
	if (c->key != AP_KEY_IP && c->user[0] != '\0')
		add_cstr(o, "user", c->user);
	if (c->key != AP_KEY_USER && c->ip.family != 0) {
		char ipbuf[64];
		ap_addr_format(&c->ip, ipbuf, sizeof(ipbuf));
		add_cstr(o, "ip", ipbuf);
	}
	incident_fields(o, &c->inc); /* id, state "close", first_seen, last_seen, count */
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
