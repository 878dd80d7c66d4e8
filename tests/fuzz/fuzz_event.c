/* fuzz_event.c - libFuzzer target on the way back of input="event": the
 * JSON an edge collector attached, as an aggregator reads it off the
 * network (plugin/mmauthparse.c eventInput(): libfastjson's tokener,
 * ap_process_json, ap_result_alerts_to_json).
 *
 * Input: a message body.  Blanks and an "@cee:" cookie before it are
 * skipped as the plugin skips them; the rest goes to json_tokener_parse_ex
 * on an exact-size heap copy (no NUL after it), whatever its first byte
 * (the container path hands over what parse_json made of any body, not
 * only objects).  The object is read on a context with detection on and
 * small thresholds (the detectors fire, incidents open and, every 64
 * inputs, a sweep closes them), then its alerts replace the edge's.
 * Checked, abort() on a violation (libFuzzer reports it as a crash):
 * - accepted exactly when the object has "kind" "auth" (and "outcome"
 *   "success", "failure" or "unknown") or "block", and a non-empty string
 *   "daemon"; the event's kind, outcome and daemon are those strings.  A
 *   string is what libfastjson renders and RainerScript compares: its
 *   bytes up to the first NUL (a "\u0000" ends it for every reader);
 * - "ambiguous": true leaves no address; the user span is at most
 *   AP_USER_MAX bytes;
 * - the event rendered (ap_result_json), parsed again and read back gives
 *   the same fields (kind, outcome, reason, daemon, family, service, tls,
 *   the user as detection keys it (escaped), ip, server_ip, port,
 *   attempts, count, window, time, the flags), and a second round trip
 *   changes nothing at all: the same fields byte for byte, the same text
 *   (but "domain", which is not read back);
 * - ap_result_alerts_to_json replaces "alert" and "related" only: every
 *   other member renders byte for byte as before, none is added or lost,
 *   and "alert"/"related" are there exactly when detection says so;
 * - the object the aggregator passes on, parsed and read by a next tier,
 *   gives the same fields as the first reading (raw bytes: it is the
 *   edge's object);
 * - an incident a sweep closes (ap_incident_json) is not read as an event.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authparse.h"
#include "tests/testctx.h"

static ap_ctx *ctx;
static ap_worker *wrk;
static int64_t clock_now = 1700000000;
static unsigned long inputs;

static void fail(const char *what, struct fjson_object *o)
{
	fprintf(stderr, "fuzz_event: %s\n", what);
	if (o != NULL)
		fprintf(stderr, "fuzz_event: object %.2000s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	abort();
}

static int64_t time_fn(void *arg)
{
	(void)arg;
	return clock_now;
}

/* a string member and its length as libfastjson renders it and
 * RainerScript compares it: up to the first NUL; NULL when absent or no
 * string */
static const char *member_str(struct fjson_object *o, const char *k, size_t *n)
{
	struct fjson_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_get_type(v) != fjson_type_string)
		return NULL;
	const char *s = json_object_get_string(v);
	*n = strlen(s);
	return s;
}

static bool is(const char *s, size_t n, const char *lit)
{
	return s != NULL && n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* what the object must be read as: 0 none, else the kind; *outcome the
 * outcome of an auth event (1 success, 2 failure, 3 unknown) */
static int expected_kind(struct fjson_object *o, int *outcome)
{
	size_t kn = 0, dn = 0, on = 0;
	*outcome = 0;
	if (o == NULL || json_object_get_type(o) != fjson_type_object)
		return 0;
	const char *kind = member_str(o, "kind", &kn), *daemon = member_str(o, "daemon", &dn);
	if (daemon == NULL || dn == 0)
		return 0;
	if (is(kind, kn, "block"))
		return AP_KIND_BLOCK;
	if (!is(kind, kn, "auth"))
		return 0;
	const char *out = member_str(o, "outcome", &on);
	*outcome = is(out, on, "success")   ? AP_OUT_SUCCESS
		   : is(out, on, "failure") ? AP_OUT_FAILURE
		   : is(out, on, "unknown") ? AP_OUT_UNKNOWN
					    : 0;
	return *outcome ? AP_KIND_AUTH : 0;
}

static bool span_eq(ap_span a, ap_span b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static bool addr_eq(const ap_addr *a, const ap_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == 0 || memcmp(a->b, b->b, a->family == 4 ? 4 : 16) == 0;
}

/* the first field in which a and b differ, NULL when none.  exact: the
 * text spans byte for byte (user, mech, rdns, session); otherwise the user
 * as detection keys it (escaped, capped) and no other span */
static const char *differs(const ap_event *a, const ap_event *b, bool exact)
{
	if (a->kind != b->kind)
		return "kind";
	if (a->outcome != b->outcome)
		return "outcome";
	if (a->reason != b->reason)
		return "reason";
	if (a->family != b->family)
		return "family";
	if ((a->daemon == NULL) != (b->daemon == NULL)
	    || (a->daemon != NULL && strcmp(a->daemon, b->daemon) != 0))
		return "daemon";
	if ((a->service == NULL) != (b->service == NULL)
	    || (a->service != NULL && strcmp(a->service, b->service) != 0))
		return "service";
	if (a->tls != b->tls)
		return "tls";
	if (exact) {
		if (!span_eq(a->user, b->user))
			return "user";
		if (!span_eq(a->mech, b->mech))
			return "mech";
		if (!span_eq(a->rdns, b->rdns))
			return "rdns";
		if (!span_eq(a->session, b->session))
			return "session";
	} else {
		char ua[AP_USER_MAX + 1], ub[AP_USER_MAX + 1];
		size_t na = ap_escape_text(a->user.p, a->user.n, ua, sizeof(ua));
		size_t nb = ap_escape_text(b->user.p, b->user.n, ub, sizeof(ub));
		if (na != nb || memcmp(ua, ub, na) != 0)
			return "user (escaped)";
	}
	if (!addr_eq(&a->ip, &b->ip))
		return "ip";
	if (!addr_eq(&a->server_ip, &b->server_ip))
		return "server_ip";
	if (a->port != b->port)
		return "port";
	if (a->attempts != b->attempts)
		return "attempts";
	if (a->count != b->count)
		return "count";
	if (a->window != b->window)
		return "window";
	if (a->time != b->time)
		return "time";
	if (a->password_redacted != b->password_redacted)
		return "password_redacted";
	if (a->ambiguous != b->ambiguous)
		return "ambiguous";
	if (a->uncounted != b->uncounted)
		return "counted";
	if (a->harvest != b->harvest)
		return "harvest";
	if (a->correlated != b->correlated)
		return "correlated";
	return NULL;
}

/* the event's own invariants, whatever object it came from */
static void check_event(const ap_event *ev, struct fjson_object *o)
{
	if (ev->ambiguous && ev->ip.family != 0)
		fail("ambiguous event with an address", o);
	if (ev->user.n > AP_USER_MAX)
		fail("user span longer than AP_USER_MAX", o);
	if (ev->kind != AP_KIND_AUTH && ev->kind != AP_KIND_BLOCK)
		fail("an event of another kind", o);
	if (ev->daemon == NULL || ev->daemon[0] == '\0')
		fail("an event without a daemon", o);
	if (ev->ip.family != 0 && ev->ip.family != 4 && ev->ip.family != 6)
		fail("an address of an unknown family", o);
	if (ev->port < -1 || ev->port > 65535)
		fail("port out of range", o);
}

/* text -> tokener -> object (NULL when it is no JSON) */
static struct fjson_object *parse(const char *p, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	struct fjson_object *o = json_tokener_parse_ex(tok, p, (int)n);
	json_tokener_free(tok);
	return o;
}

/* the object's text as a heap copy */
static char *render(struct fjson_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	return s != NULL ? strdup(s) : NULL;
}

/* res rendered, parsed again and read back into *back (kept in *holder) */
static char *round_trip(const ap_result *res, ap_result *back, struct fjson_object **holder,
			struct fjson_object *orig)
{
	struct fjson_object *j = ap_result_json(res);
	if (j == NULL)
		return NULL;
	/* the domain is rendered from the user's raw bytes (control bytes
	 * dropped), the user escaped: read back, the escaped text gives
	 * another domain.  Not read back, not compared */
	json_object_object_del(j, "domain");
	char *text = render(j);
	json_object_put(j);
	if (text == NULL)
		return NULL;
	*holder = parse(text, strlen(text));
	memset(back, 0, sizeof(*back));
	if (!ap_event_from_json(*holder, &back->ev)) {
		fprintf(stderr, "fuzz_event: rendered as %s\n", text);
		fail("the rendered event is not read back as an event", orig);
	}
	back->alerts = res->alerts;
	check_event(&back->ev, *holder);
	return text;
}

/* a member's value as text ("null" for JSON null) */
static const char *text_of(struct fjson_object *v)
{
	return v != NULL ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "null";
}

/* the members other than alert and related, rendered one by one */
struct snap {
	size_t n;
	char **key, **val;
};

static void snap_take(struct fjson_object *o, struct snap *s)
{
	size_t cap = (size_t)json_object_object_length(o) + 1;
	s->n = 0;
	s->key = calloc(cap, sizeof(char *));
	s->val = calloc(cap, sizeof(char *));
	if (s->key == NULL || s->val == NULL)
		abort();
	struct fjson_object_iterator it = fjson_object_iter_begin(o);
	struct fjson_object_iterator end = fjson_object_iter_end(o);
	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		const char *k = fjson_object_iter_peek_name(&it);
		if (strcmp(k, "alert") == 0 || strcmp(k, "related") == 0)
			continue;
		s->key[s->n] = strdup(k);
		s->val[s->n] = strdup(text_of(fjson_object_iter_peek_value(&it)));
		if (s->key[s->n] == NULL || s->val[s->n] == NULL)
			abort();
		s->n++;
	}
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->key[i]);
		free(s->val[i]);
	}
	free(s->key);
	free(s->val);
}

static void check_alerts_member(struct fjson_object *o, const ap_result *res)
{
	struct snap before;
	snap_take(o, &before);
	ap_result_alerts_to_json(res, o);
	size_t others = 0;
	bool alert = false, related = false;
	struct fjson_object_iterator it = fjson_object_iter_begin(o);
	struct fjson_object_iterator end = fjson_object_iter_end(o);
	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		const char *k = fjson_object_iter_peek_name(&it);
		if (strcmp(k, "alert") == 0) {
			alert = true;
			continue;
		}
		if (strcmp(k, "related") == 0) {
			related = true;
			continue;
		}
		size_t i;
		for (i = 0; i < before.n; i++)
			if (strcmp(before.key[i], k) == 0)
				break;
		if (i == before.n)
			fail("ap_result_alerts_to_json added a member", o);
		const char *now = text_of(fjson_object_iter_peek_value(&it));
		if (strcmp(now, before.val[i]) != 0) {
			fprintf(stderr, "fuzz_event: member %s was %s\n", k, before.val[i]);
			fail("ap_result_alerts_to_json changed a member", o);
		}
		others++;
	}
	if (others != before.n)
		fail("ap_result_alerts_to_json lost a member", o);
	if (alert != (res->alerts.fired != 0))
		fail("\"alert\" does not match the detectors' verdict", o);
	if (related != (res->alerts.nrelated > 0))
		fail("\"related\" does not match the detectors' verdict", o);
	snap_free(&before);
}

static void on_close(void *arg, const ap_incident_close *c)
{
	(void)arg;
	struct fjson_object *j = ap_incident_json(c);
	if (j == NULL)
		return;
	char *text = render(j);
	json_object_put(j);
	if (text == NULL)
		return;
	struct fjson_object *o = parse(text, strlen(text));
	ap_event ev;
	if (o == NULL || ap_event_from_json(o, &ev))
		fail("a closed incident is read as an event (or is no JSON)", o);
	json_object_put(o);
	free(text);
}

static void init(void)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.detect = true;
	cfg.detect_max_keys = 4096;
	cfg.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 600 };
	cfg.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 2, 600 };
	cfg.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 2, 3600 };
	cfg.det[AP_DET_COMPROMISE] = (ap_detector_cfg){ 1, 3600 };
	cfg.det[AP_DET_STALE] = (ap_detector_cfg){ 2, 3600 };
	cfg.incident_close = on_close;
	ctx = open_ctx(&cfg, NULL, NULL);
	wrk = ctx ? ap_worker_new(ctx) : NULL;
	if (wrk == NULL)
		abort();
	/* no object at all: not an event */
	ap_input in;
	ap_result res;
	memset(&in, 0, sizeof(in));
	if (ap_process_json(ctx, wrk, NULL, &in, &res))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ctx == NULL)
		init();
	/* the body as the plugin finds it: blanks, "@cee:" and blanks */
	const char *m = (const char *)data;
	size_t len = size;
	while (len > 0 && (*m == ' ' || *m == '\t')) {
		m++;
		len--;
	}
	if (len >= sizeof("@cee:") - 1 && memcmp(m, "@cee:", sizeof("@cee:") - 1) == 0) {
		m += sizeof("@cee:") - 1;
		len -= sizeof("@cee:") - 1;
		while (len > 0 && *m == ' ') {
			m++;
			len--;
		}
	}
	if (len == 0 || len > INT32_MAX)
		return 0;
	char *body = malloc(len); /* exact size: no NUL after it */
	if (body == NULL)
		return 0;
	memcpy(body, m, len);
	struct fjson_object *obj = parse(body, len);
	free(body);

	clock_now += 7;
	ap_input in;
	memset(&in, 0, sizeof(in));
	in.time_fn = time_fn;
	ap_result res;
	memset(&res, 0xa5, sizeof(res)); /* nothing may rely on zeroed memory */
	int outcome;
	int want = expected_kind(obj, &outcome);
	int got = ap_process_json(ctx, wrk, obj, &in, &res);
	if (got != (want != 0))
		fail(got ? "read as an event, but it is none" : "an event was not read", obj);
	if (got) {
		const ap_event *ev = &res.ev;
		size_t dn = 0;
		const char *daemon = member_str(obj, "daemon", &dn);
		check_event(ev, obj);
		if (ev->kind != want || (want == AP_KIND_AUTH && ev->outcome != outcome))
			fail("kind or outcome is not the object's", obj);
		if (ev->daemon == NULL || !is(daemon, dn, ev->daemon))
			fail("the daemon is not the object's", obj);

		/* the event rendered and read back, twice */
		ap_result r2, r3;
		struct fjson_object *h2 = NULL, *h3 = NULL;
		char *t2 = round_trip(&res, &r2, &h2, obj);
		const char *d = t2 ? differs(ev, &r2.ev, false) : NULL;
		if (d != NULL) {
			fprintf(stderr, "fuzz_event: rendered as %s\nfuzz_event: %s differs\n", t2,
				d);
			fail("the round trip changes a field", obj);
		}
		char *t3 = t2 ? round_trip(&r2, &r3, &h3, obj) : NULL;
		d = t3 ? differs(&r2.ev, &r3.ev, true) : NULL;
		if (d != NULL || (t3 != NULL && strcmp(t2, t3) != 0)) {
			fprintf(stderr, "fuzz_event: first %s\nfuzz_event: again %s\n", t2, t3);
			fprintf(stderr, "fuzz_event: %s differs\n", d ? d : "the text");
			fail("a second round trip changes the event", obj);
		}
		free(t2);
		free(t3);
		json_object_put(h2);
		json_object_put(h3);

		/* the alerts replace the edge's, nothing else changes */
		check_alerts_member(obj, &res);

		/* what the aggregator passes on reads the same at the next tier */
		char *out = render(obj);
		if (out != NULL) {
			struct fjson_object *o4 = parse(out, strlen(out));
			ap_event ev4;
			if (!ap_event_from_json(o4, &ev4))
				fail("the aggregator's output is not read as an event", obj);
			d = differs(ev, &ev4, true);
			if (d != NULL) {
				fprintf(stderr,
					"fuzz_event: passed on as %s\nfuzz_event: %s differs\n",
					out, d);
				fail("the aggregator's output reads differently", obj);
			}
			json_object_put(o4);
			free(out);
		}
	}
	json_object_put(obj);
	if (++inputs % 64 == 0)
		(void)ap_ctx_sweep(ctx, clock_now + 86400);
	return 0;
}
