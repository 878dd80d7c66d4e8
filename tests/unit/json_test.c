/* json_test.c - the event's JSON as the rsyslog module builds it
 * (ap_worker_json): the `fields` selection of the members written, and the
 * string leaves a worker shares between its events.  The case tables check
 * that the full contract comes out byte for byte as ap_result_json writes
 * it; here: what a selection writes (expected texts written by hand from
 * the lines and the selection), that a wrong name is refused, that strings
 * are shared and nothing else is (numbers, booleans and objects are
 * written into by rsyslog: event.h), and that changing one event, as
 * RainerScript's `set` does, leaves the next one alone.
 *
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "authparse.h"
#include "text.h"
#include "enrich/addr.h"
#include "recognisers/recogniser.h"
#include "tests/testctx.h"

static int npass, nfail;
static char lastlog[2048];

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	(void)lvl;
	snprintf(lastlog, sizeof(lastlog), "%s", msg);
}

static void result(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS %s\n", name);
		npass++;
	} else {
		printf("FAIL %s: %s\n", name, why);
		nfail++;
	}
}

static ap_ctx *ctx_fields(const char *const *fields, size_t n)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.fields = fields;
	cfg.nfields = n;
	return open_ctx(&cfg, logcb, NULL);
}

static const char dovecot_line[] =
	"imap-login: Disconnected (auth failed, 2 attempts): user=<bob@Example.ORG>, "
	"method=PLAIN, rip=89.160.20.112, lip=10.0.0.25, TLS";

/* the line parsed, with a geo answer and a bruteforce alert written in by
 * hand (no database, no detection needed) */
static int make_result(ap_ctx *ctx, const char *msg, ap_result *res)
{
	ap_input in;
	memset(&in, 0, sizeof(in));
	in.tag = "dovecot";
	in.taglen = strlen(in.tag);
	in.msg = msg;
	in.msglen = strlen(msg);
	memset(res, 0, sizeof(*res));
	if (!ap_parse(ctx, &in, &res->ev))
		return 0;
	res->geo.scope = AP_SCOPE_PUBLIC;
	snprintf(res->geo.country, sizeof(res->geo.country), "SE");
	snprintf(res->geo.country_name, sizeof(res->geo.country_name), "Sweden");
	snprintf(res->geo.city, sizeof(res->geo.city), "Link\xc3\xb6ping");
	res->geo.has_location = true;
	res->geo.lat = 58.4167;
	res->geo.lon = 15.6167;
	res->alerts.fired = 1u << AP_DET_BRUTEFORCE;
	res->alerts.a[AP_DET_BRUTEFORCE].count = 12;
	res->alerts.a[AP_DET_BRUTEFORCE].threshold = 10;
	res->alerts.a[AP_DET_BRUTEFORCE].window = 600;
	return 1;
}

static const char *text(struct fjson_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "(null)";
}

/* the selection names -> the JSON text of the dovecot line */
static void check_fields(const char *name, const char *const *fields, size_t n, const char *want)
{
	ap_ctx *ctx = ctx_fields(fields, n);
	ap_worker *w = ctx ? ap_worker_new(ctx) : NULL;
	ap_result res;
	char why[4096];
	if (w == NULL || !make_result(ctx, dovecot_line, &res)) {
		result(0, name, "no context or no event");
	} else {
		struct fjson_object *o = ap_worker_json(w, &res);
		snprintf(why, sizeof(why), "got %s, want %s", text(o), want);
		result(o != NULL && strcmp(text(o), want) == 0, name, why);
		json_object_put(o);
	}
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

static void fields_tests(void)
{
	static const char *const five[] = { "outcome", "user", "ip", "geo!country", "alert" };
	check_fields(
		"fields: five members", five, 5,
		"{\"outcome\":\"failure\",\"user\":\"bob@Example.ORG\",\"ip\":\"89.160.20.112\","
		"\"geo\":{\"country\":\"SE\"},\"alert\":{\"bruteforce\":{\"count\":12,"
		"\"threshold\":10,\"window\":600}}}");
	/* the order is the contract's, not the parameter's; "!" in front as
	 * mmdblookup writes its fields */
	static const char *const geo[] = { "geo", "!domain", "tls" };
	check_fields("fields: all of geo, order of the contract", geo, 3,
		     "{\"tls\":true,\"domain\":\"example.org\",\"geo\":{\"scope\":\"public\","
		     "\"country\":\"SE\",\"country_name\":\"Sweden\",\"city\":\"Link\xc3\xb6ping\","
		     "\"lat\":58.4167,\"lon\":15.6167}}");
	/* a geo member the answer does not have: no empty geo object */
	static const char *const asn[] = { "kind", "geo!asn" };
	check_fields("fields: no geo object when none of its chosen members is known", asn, 2,
		     "{\"kind\":\"auth\"}");
	static const char *const none[] = { "session" };
	check_fields("fields: a member the event does not have gives {}", none, 1, "{}");

	static const char *const bad[] = { "user", "usr" };
	lastlog[0] = '\0';
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.fields = bad;
	cfg.nfields = 2;
	ap_ctx *ctx = NULL;
	ap_status st = ap_ctx_open(&cfg, logcb, NULL, &ctx);
	char why[4096];
	snprintf(why, sizeof(why), "status %d, log '%s'", (int)st, lastlog);
	result(st == AP_E_CONFIG && ctx == NULL && strstr(lastlog, "'usr'") != NULL
		       && strstr(lastlog, "geo!country") != NULL,
	       "fields: an unknown name is a configuration error naming it", why);
	ap_ctx_free(ctx);
}

/* the member of an object, NULL if absent */
static struct fjson_object *member(struct fjson_object *o, const char *k)
{
	struct fjson_object *v = NULL;
	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void sharing_tests(void)
{
	ap_ctx *ctx = ctx_fields(NULL, 0);
	ap_worker *w = ctx ? ap_worker_new(ctx) : NULL;
	ap_result r1, r2;
	if (w == NULL || !make_result(ctx, dovecot_line, &r1)
	    || !make_result(ctx, dovecot_line, &r2)) {
		result(0, "sharing: set-up", "no context or no event");
		ap_worker_free(w);
		ap_ctx_free(ctx);
		return;
	}
	struct fjson_object *plain = ap_result_json(&r2);
	char want[4096];
	snprintf(want, sizeof(want), "%s", text(plain));
	json_object_put(plain);

	struct fjson_object *a = ap_worker_json(w, &r1), *b = ap_worker_json(w, &r2);
	struct fjson_object *ga = member(a, "geo"), *gb = member(b, "geo");
	static const char *const strings[] = { "kind", "outcome", "daemon", "service",  "mech",
					       "user", "domain",  "ip",     "server_ip" };
	int shared = 1;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		shared &= member(a, strings[i]) != NULL
			  && member(a, strings[i]) == member(b, strings[i]);
	shared &= member(ga, "country") != NULL && member(ga, "country") == member(gb, "country");
	shared &= member(ga, "city") != NULL && member(ga, "city") == member(gb, "city");
	result(shared, "sharing: two events take their strings from the worker's cache",
	       "a string member is a separate object");
	int apart = a != b && ga != gb && member(a, "alert") != member(b, "alert")
		    && member(a, "tls") != member(b, "tls")
		    && member(a, "attempts") != member(b, "attempts")
		    && member(ga, "lat") != member(gb, "lat");
	result(apart, "sharing: objects, numbers and booleans are never shared",
	       "a container, number or boolean is the same object in two events");

	/* what RainerScript does to the first message: `set $!auth!geo!x`
	 * writes into its geo object, `set $!auth!user` and `unset` replace
	 * and drop its members */
	json_object_object_add(ga, "note", json_object_new_string("first only"));
	json_object_object_add(ga, "country", json_object_new_string("XX"));
	json_object_object_add(a, "user", json_object_new_string("changed"));
	json_object_object_del(a, "ip");
	json_object_object_del(a, "daemon");
	char why[8192];
	snprintf(why, sizeof(why), "got %s, want %s", text(b), want);
	result(strcmp(text(b), want) == 0, "sharing: changing one event leaves the other alone",
	       why);
	json_object_put(a);
	/* the cache still holds the strings: a third event gets them intact */
	struct fjson_object *c = ap_worker_json(w, &r2);
	snprintf(why, sizeof(why), "got %s, want %s", text(c), want);
	result(strcmp(text(c), want) == 0 && member(c, "user") == member(b, "user"),
	       "sharing: the next event after a change gets the same strings", why);
	json_object_put(b);
	/* the worker goes first, the event it built lives on */
	ap_worker_free(w);
	snprintf(why, sizeof(why), "got %s, want %s", text(c), want);
	result(strcmp(text(c), want) == 0, "sharing: an event outlives its worker", why);
	json_object_put(c);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* input="event": an edge's JSON read back (ap_event_from_json,
 * ap_process_json), as fuzz_event found it wanting                     */

static int read_back(const char *json, ap_event *ev, struct fjson_object **holder)
{
	*holder = fjson_tokener_parse(json);
	return *holder != NULL && ap_event_from_json(*holder, ev);
}

/* a "\u0000" ends a string for every reader: libfastjson renders
 * "admin\u0000a" as "admin" and RainerScript compares it so; detection
 * reads the same name (found by fuzz_event) */
static void readback_nul_tests(void)
{
	char why[512];
	ap_event ev;
	struct fjson_object *o;
	int ok = read_back("{\"kind\":\"auth\",\"outcome\":\"failure\",\"daemon\":\"dovecot\","
			   "\"user\":\"admin\\u0000x\",\"mech\":\"PL\\u0000AIN\","
			   "\"rdns\":\"h\\u0000ost\",\"session\":\"\\u0000s\"}",
			   &ev, &o);
	snprintf(why, sizeof(why), "read %d, user %u bytes, mech %u, rdns %u, session %u", ok,
		 ev.user.n, ev.mech.n, ev.rdns.n, ev.session.n);
	result(ok && ev.user.n == 5 && memcmp(ev.user.p, "admin", 5) == 0 && ev.mech.n == 2
		       && ev.rdns.n == 1 && ev.session.n == 0,
	       "readback: a string ends at its first NUL", why);
	json_object_put(o);

	/* two failures of "admin\u0000a" and "admin\u0000b" from one address
	 * are one user: dictionary (2 users) does not fire; "admin" and "root"
	 * do make it fire */
	static const char *const pairs[2][2] = { { "admin\\u0000a", "admin\\u0000b" },
						 { "admin", "root" } };
	for (int k = 0; k < 2; k++) {
		ap_config cfg;
		ap_config_defaults(&cfg);
		cfg.detect = true;
		/* room for the address and both users whatever the seeds:
		 * at 64 (one key a shard) a user key hashed into the
		 * address's shard evicted it, one run in 70 */
		cfg.detect_max_keys = 4096;
		cfg.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 2, 600 };
		ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
		ap_worker *w = ctx ? ap_worker_new(ctx) : NULL;
		uint32_t fired = 0;
		for (int i = 0; w != NULL && i < 2; i++) {
			char json[256];
			snprintf(json, sizeof(json),
				 "{\"kind\":\"auth\",\"outcome\":\"failure\",\"daemon\":"
				 "\"dovecot\",\"user\":\"%s\",\"ip\":\"192.0.2.1\","
				 "\"event_time\":\"2026-03-03T04:11:0%dZ\"}",
				 pairs[k][i], i);
			struct fjson_object *j = fjson_tokener_parse(json);
			ap_input in;
			ap_result res;
			memset(&in, 0, sizeof(in));
			if (j != NULL && ap_process_json(ctx, w, j, &in, &res))
				fired |= res.alerts.fired;
			json_object_put(j);
		}
		bool dict = (fired & (1u << AP_DET_DICTIONARY)) != 0;
		snprintf(why, sizeof(why), "dictionary %s", dict ? "fired" : "did not fire");
		result(w != NULL && dict == (k == 1),
		       k == 0 ? "readback: users that differ after a NUL are one user"
			      : "readback: two users make dictionary fire",
		       why);
		ap_worker_free(w);
		ap_ctx_free(ctx);
	}
}

/* event_time read back: what the stamp writes (four-digit years) and
 * nothing it cannot write back (found by fuzz_event) */
static void readback_time_tests(void)
{
	static const struct {
		const char *stamp;
		int64_t want;
	} t[] = {
		{ "2016-12-31T23:59:60Z", 1483228800 }, /* a leap second: 2017-01-01T00:00:00Z */
		{ "9999-12-31T23:59:59Z", 253402300799 },
		{ "9999-12-31T23:59:60Z", 0 }, /* year 10000: not kept */
		{ "1970-01-01T00:00:00Z", 0 }, /* 0 is "none" */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char json[256], name[128], why[512];
		snprintf(json, sizeof(json),
			 "{\"kind\":\"auth\",\"outcome\":\"failure\",\"daemon\":\"dovecot\","
			 "\"event_time\":\"%s\"}",
			 t[i].stamp);
		ap_result res;
		struct fjson_object *o;
		memset(&res, 0, sizeof(res));
		int ok = read_back(json, &res.ev, &o);
		struct fjson_object *r = ok ? ap_result_json(&res) : NULL, *et = NULL;
		const char *back = r != NULL && json_object_object_get_ex(r, "event_time", &et)
					   ? json_object_get_string(et)
					   : "(none)";
		snprintf(name, sizeof(name), "readback: event_time %s", t[i].stamp);
		snprintf(why, sizeof(why), "read %d, time %lld, rendered %s", ok,
			 (long long)res.ev.time, back);
		/* what is kept renders as it was read (the leap second as the
		 * second after it) */
		result(ok && res.ev.time == t[i].want
			       && (t[i].want == 0 ? et == NULL
						  : strcmp(back, i == 0 ? "2017-01-01T00:00:00Z"
									: t[i].stamp)
							    == 0),
		       name, why);
		json_object_put(r);
		json_object_put(o);
	}
}

/* the incidents' time stamps and ids come from the worker's keyed caches:
 * seconds that share a slot (16 apart), ids that share one, and keys seen
 * again must each give their own text (written by hand: 1700000000 is
 * 2023-11-14T22:13:20Z) */
static void incident_time_tests(void)
{
	ap_ctx *ctx = ctx_fields(NULL, 0);
	ap_worker *w = ctx ? ap_worker_new(ctx) : NULL;
	ap_result r;
	if (w == NULL || !make_result(ctx, dovecot_line, &r)) {
		result(0, "incident times: set-up", "no context or no event");
		ap_worker_free(w);
		ap_ctx_free(ctx);
		return;
	}
	/* the ids alike: 0x...def and 0x...dff share a slot of the id cache */
	static const struct {
		int64_t first, last;
		uint64_t id;
		const char *want_first, *want_last, *want_id;
	} steps[] = {
		{ 1700000000, 1700000016, 0x0123456789abcdefull, "2023-11-14T22:13:20Z",
		  "2023-11-14T22:13:36Z", "0123456789abcdef" },
		{ 1700000016, 1700000032, 0x0123456789abcdffull, "2023-11-14T22:13:36Z",
		  "2023-11-14T22:13:52Z", "0123456789abcdff" },
		{ 1700000000, 1700000000, 0x0123456789abcdefull, "2023-11-14T22:13:20Z",
		  "2023-11-14T22:13:20Z", "0123456789abcdef" },
		{ 1700086400, 1700000001, 0x0123456789abcdefull, "2023-11-15T22:13:20Z",
		  "2023-11-14T22:13:21Z", "0123456789abcdef" },
	};
	int ok = 1;
	char why[512] = "";
	ap_alert *al = &r.alerts.a[AP_DET_BRUTEFORCE];
	al->inc.id = 0x0123456789abcdefull;
	al->inc.state = AP_INC_UPDATE;
	al->inc.count = 12;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		al->inc.first_seen = steps[i].first;
		al->inc.last_seen = steps[i].last;
		al->inc.id = steps[i].id;
		struct fjson_object *o = ap_worker_json(w, &r);
		struct fjson_object *inc = member(member(member(o, "alert"), "bruteforce"),
						  "incident");
		const char *f = json_object_get_string(member(inc, "first_seen"));
		const char *l = json_object_get_string(member(inc, "last_seen"));
		const char *d = json_object_get_string(member(inc, "id"));
		if (f == NULL || l == NULL || d == NULL || strcmp(f, steps[i].want_first) != 0
		    || strcmp(l, steps[i].want_last) != 0 || strcmp(d, steps[i].want_id) != 0) {
			ok = 0;
			snprintf(why, sizeof(why),
				 "step %zu: first_seen %s last_seen %s id %s, want %s %s %s", i,
				 f ? f : "(none)", l ? l : "(none)", d ? d : "(none)",
				 steps[i].want_first, steps[i].want_last, steps[i].want_id);
		}
		json_object_put(o);
	}
	result(ok, "incident times and ids: each cached leaf is its own key's", why);
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

/* ap_escape_text against a byte-at-a-time reference written here for an
 * alphabet of printable ASCII, control bytes, 0x7f, a lone 0x80 and the
 * two-byte "\xc3\xa9": printable bytes as they are, the others as \xNN,
 * the pair kept, each piece written only when it fits whole (a cut never
 * splits one) */
static size_t ref_escape(const unsigned char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)s[i++];
		} else if (s[i] == 0xc3 && i + 1 < n && s[i + 1] == 0xa9) {
			if (o + 2 >= outsz)
				break;
			out[o++] = (char)s[i++];
			out[o++] = (char)s[i++];
		} else {
			if (o + 4 >= outsz)
				break;
			o += (size_t)snprintf(out + o, 5, "\\x%02x", s[i++]);
		}
	}
	out[o] = '\0';
	return o;
}

static void escape_tests(void)
{
	static const unsigned char alpha[] = { 'a', 'Z',  '0',  ' ',  '@',  '~',
					       '.', 0x01, 0x1f, 0x7f, 0x80, 0xc3 };
	unsigned char s[80];
	char got[128], want[128], why[512] = "";
	unsigned long bad = 0, tried = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < 200000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = (size_t)(x % 70), outsz = 1 + (size_t)((x >> 8) % 100);
		/* mostly printable: long runs, the fast path's case */
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			s[i] = (x % 16) ? alpha[(x >> 4) % 7] : alpha[7 + (x >> 4) % 5];
			if (s[i] == 0xc3 && i + 1 < n)
				s[++i] = 0xa9;
		}
		size_t gn = ap_escape_text((const char *)s, n, got, outsz);
		size_t wn = ref_escape(s, n, want, outsz);
		tried++;
		if (gn != wn || strcmp(got, want) != 0) {
			bad++;
			snprintf(why, sizeof(why),
				 "n %zu outsz %zu: got '%s' (%zu), want '%s' (%zu)", n, outsz, got,
				 gn, want, wn);
		}
	}
	char w[600];
	snprintf(w, sizeof(w), "%lu of %lu texts differ, e.g. %s", bad, tried, why);
	result(bad == 0, "escape: ap_escape_text agrees with the byte-at-a-time reference", w);
}

/* ap_span_ieq (the tag and word checks, eight bytes at a time) against a
 * byte-at-a-time ASCII fold, for every length 0..40 and every position of
 * one differing or case-changed byte */
static int ref_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

static void ieq_tests(void)
{
	static const char base[] = "password-doesnt-match-for-user@[]{}~x";
	unsigned long bad = 0, tried = 0;
	char why[256] = "";
	for (size_t n = 0; n <= 40; n++) {
		char a[48], b[48];
		for (size_t i = 0; i < n; i++)
			a[i] = base[i % (sizeof(base) - 1)];
		for (size_t pos = 0; pos <= n; pos++) {
			/* 0: equal; 1: one letter's case flipped; 2: one byte off by
			 * 0x20 that is not a letter's case ('@' and '`', '[' and '{');
			 * 3: one byte changed */
			for (int kind = 0; kind < 4; kind++) {
				memcpy(b, a, n);
				if (pos < n && kind == 1
				    && ((a[pos] | 0x20) >= 'a' && (a[pos] | 0x20) <= 'z'))
					b[pos] = (char)(a[pos] ^ 0x20);
				else if (pos < n && kind == 2)
					b[pos] = (char)(a[pos] ^ 0x20);
				else if (pos < n && kind == 3)
					b[pos] = (char)(a[pos] + 1);
				tried++;
				int got = ap_span_ieq(ap_span_make(a, n), b, n);
				if (got != ref_ieq(a, b, n)) {
					bad++;
					snprintf(why, sizeof(why), "n %zu pos %zu kind %d: got %d",
						 n, pos, kind, got);
				}
			}
		}
	}
	char w[400];
	snprintf(w, sizeof(w), "%lu of %lu pairs differ, e.g. %s", bad, tried, why);
	result(bad == 0 && tried > 1000, "text: ap_span_ieq agrees with a byte-at-a-time fold", w);
}

/* a length computed as e - p with e before p (found by the fuzzers in
 * sshd's connection id): every reader of the toolkit reads nothing for it,
 * and a build with AP_ABORT_ON_BAD_LENGTH stops there instead */
static int bad_length_probe(int k)
{
	static const char line[] = "Disconnected from invalid user x 192.0.2.1 port 22 ssh2";
	const char *p = line + 31;
	const size_t bad = (size_t)(line + 20 - p); /* an end 11 bytes before p */
	ap_addr a;
	ap_event ev;
	ap_cur c;
	switch (k) {
	case 0:
		return AP_MEMMEM(p, bad, " port ") == NULL;
	case 1:
		return AP_MEMRMEM(p, bad, " port ") == NULL;
	case 2:
		return AP_MEMRMEM(p, bad, " ") == NULL;
	case 3:
		c = ap_cur_make(p, bad);
		return ap_cur_left(&c) == 0;
	case 4:
		return ap_span_make(p, bad).n == 0;
	case 5:
		memset(&a, 0, sizeof(a));
		return ap_set_ip(&a, p, bad) == 0 && a.family == 0;
	default:
		ap_event_init(&ev);
		ap_set_user(&ev, p, bad);
		return ev.user.n == 0;
	}
}

static void bad_length_tests(void)
{
	static const char *const what[] = { "AP_MEMMEM",   "AP_MEMRMEM", "AP_MEMRMEM of one byte",
					    "ap_cur_make", "ap_span_make", "ap_set_ip",
					    "ap_set_user" };
	for (int k = 0; k < (int)(sizeof(what) / sizeof(what[0])); k++) {
		char name[128], why[128] = "";
#ifdef AP_ABORT_ON_BAD_LENGTH
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			(void)bad_length_probe(k);
			_exit(0);
		}
		int st = 0;
		int ok = pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st)
			 && WTERMSIG(st) == SIGABRT;
		snprintf(why, sizeof(why), "status %d: not stopped by abort()", st);
		snprintf(name, sizeof(name), "text: %s of a length below zero aborts", what[k]);
#else
		int ok = bad_length_probe(k);
		snprintf(why, sizeof(why), "it read or kept something");
		snprintf(name, sizeof(name), "text: %s of a length below zero reads nothing",
			 what[k]);
#endif
		result(ok, name, why);
	}
}

int main(void)
{
	fields_tests();
	sharing_tests();
	readback_nul_tests();
	readback_time_tests();
	incident_time_tests();
	escape_tests();
	ieq_tests();
	bad_length_tests();
	printf("json: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
