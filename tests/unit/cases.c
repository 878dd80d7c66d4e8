/* cases.c - table-driven tests of the core: a log line, the event it must
 * give (compared semantically: key order and spacing do not matter, every
 * key must match and no key may be extra), and optionally the message text
 * after redaction and secrets that must appear nowhere.
 *
 * Case files (tests/cases/NAME.cases):
 *   # comment
 *   line: <a log line as a file holds it>   starts a case
 *   tag: <tag>           optional: the line is the message, under this tag
 *                        (as imfile hands it to rsyslog)
 *   expect: <JSON object> | none
 *   message: <text>      optional: the message after redaction
 *   secret: <text>       optional, repeatable: must not appear in any output
 *
 * Each case runs on a context of its own: a line is read alone.  Lines
 * that belong together (sshd's connection table joins the lines of one
 * connection) are a sequence:
 *   sequence: <what it shows>   starts one: a fresh context for the cases
 *                        that follow, run in order on it
 *   end: sequence        ends it (so does the next "sequence:" or the
 *                        end of the file)
 *
 * One exception to "no key may be extra": event_time (the time stamp a
 * file-format line carries) is compared only where the case states it; the
 * cases that do cover every time format.
 *
 * Prints "PASS <file>:<line>" or "FAIL <file>:<line>: why" per case.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authparse.h"
#include "tests/testctx.h"

static int npass, nfail;

static int json_equal(struct fjson_object *a, struct fjson_object *b, char *why, size_t whysz,
		      const char *path)
{
	enum fjson_type ta = a ? json_object_get_type(a) : fjson_type_null;
	enum fjson_type tb = b ? json_object_get_type(b) : fjson_type_null;
	int anum = ta == fjson_type_int || ta == fjson_type_double;
	int bnum = tb == fjson_type_int || tb == fjson_type_double;
	if (anum && bnum) {
		if (ta == fjson_type_int && tb == fjson_type_int) {
			if (json_object_get_int64(a) == json_object_get_int64(b))
				return 1;
		} else if (ta == tb
			   && fabs(json_object_get_double(a) - json_object_get_double(b)) < 1e-6) {
			return 1;
		}
		snprintf(why, whysz, "%s: %s != %s", path, json_object_to_json_string(a),
			 json_object_to_json_string(b));
		return 0;
	}
	if (ta != tb) {
		snprintf(why, whysz, "%s: type differs (got %s, want %s)", path,
			 a ? json_object_to_json_string(a) : "absent",
			 b ? json_object_to_json_string(b) : "absent");
		return 0;
	}
	char sub[512];
	switch (ta) {
	case fjson_type_null: return 1;
	case fjson_type_boolean:
		if (json_object_get_boolean(a) == json_object_get_boolean(b))
			return 1;
		break;
	case fjson_type_string:
		if (strcmp(json_object_get_string(a), json_object_get_string(b)) == 0)
			return 1;
		break;
	case fjson_type_array: {
		int n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			break;
		for (int i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s[%d]", path, i);
			if (!json_equal(json_object_array_get_idx(a, i),
					json_object_array_get_idx(b, i), why, whysz, sub))
				return 0;
		}
		return 1;
	}
	case fjson_type_object: {
		struct fjson_object_iterator it = fjson_object_iter_begin(b);
		struct fjson_object_iterator end = fjson_object_iter_end(b);
		while (!fjson_object_iter_equal(&it, &end)) {
			const char *k = fjson_object_iter_peek_name(&it);
			struct fjson_object *va;
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			if (!json_object_object_get_ex(a, k, &va)) {
				snprintf(why, whysz, "%s: missing (want %s)", sub,
					 json_object_to_json_string(
						 fjson_object_iter_peek_value(&it)));
				return 0;
			}
			if (!json_equal(va, fjson_object_iter_peek_value(&it), why, whysz, sub))
				return 0;
			fjson_object_iter_next(&it);
		}
		it = fjson_object_iter_begin(a);
		end = fjson_object_iter_end(a);
		while (!fjson_object_iter_equal(&it, &end)) {
			const char *k = fjson_object_iter_peek_name(&it);
			struct fjson_object *vb;
			if (!json_object_object_get_ex(b, k, &vb)
			    && !(strcmp(path, "$") == 0 && strcmp(k, "event_time") == 0)) {
				snprintf(why, whysz, "%s.%s: unexpected (got %s)", path, k,
					 json_object_to_json_string(
						 fjson_object_iter_peek_value(&it)));
				return 0;
			}
			fjson_object_iter_next(&it);
		}
		return 1;
	}
	default: break;
	}
	snprintf(why, whysz, "%s: got %s, want %s", path, json_object_to_json_string(a),
		 json_object_to_json_string(b));
	return 0;
}

struct tcase {
	char *line, *tag, *expect, *message;
	char *secrets[8];
	int nsecrets;
	int lineno;
};

/* Redaction keeps the event readable: the message as the module writes it
 * (passwords cut out) must give the same event again, minus
 * password_redacted, so that the tool, the report and a second rsyslog
 * tier read what the first one wrote. */
static int reparse_same(ap_ctx *ctx, const ap_input *in, const char *red, const ap_result *res,
			char *why, size_t whysz)
{
	ap_input in2 = *in;
	in2.msg = red;
	in2.msglen = strlen(red);
	ap_result r2;
	memset(&r2, 0, sizeof(r2));
	if (!ap_parse(ctx, &in2, &r2.ev)) {
		snprintf(why, whysz, "the redacted message '%.300s' is no event", red);
		return 0;
	}
	r2.geo = res->geo;
	ap_result r1 = *res;
	r1.ev.password_redacted = false;
	r2.ev.password_redacted = false;
	memset(&r1.alerts, 0, sizeof(r1.alerts));
	struct fjson_object *a = ap_result_json(&r1), *b = ap_result_json(&r2);
	char sub[1024];
	int same = json_equal(b, a, sub, sizeof(sub), "$");
	if (!same)
		snprintf(why, whysz, "the redacted message '%.300s' reads differently: %s", red,
			 sub);
	json_object_put(a);
	json_object_put(b);
	return same;
}

/* j (ap_worker_json) and a second ap_worker_json serialise exactly as
 * ap_result_json does */
static int same_text(struct fjson_object *j, const ap_result *res, ap_worker *w, char *why,
		     size_t whysz)
{
	struct fjson_object *plain = ap_result_json(res), *again = ap_worker_json(w, res);
	char a[8192], b[8192], c[8192];
	snprintf(a, sizeof(a), "%s", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	snprintf(b, sizeof(b), "%s", json_object_to_json_string_ext(plain, JSON_C_TO_STRING_PLAIN));
	snprintf(c, sizeof(c), "%s", json_object_to_json_string_ext(again, JSON_C_TO_STRING_PLAIN));
	int same = strcmp(a, b) == 0 && strcmp(c, b) == 0;
	if (!same)
		snprintf(why, whysz, "with the worker's cache: %.600s and %.600s, without: %.600s",
			 a, c, b);
	json_object_put(plain);
	json_object_put(again);
	return same;
}

/* input="event": the event's JSON read back (ap_process_json, as an
 * aggregator reads what an edge forwarded) renders the same JSON again */
static int json_roundtrip_same(ap_ctx *ctx, ap_worker *w, struct fjson_object *j,
			       const ap_input *in, const ap_result *res, char *why, size_t whysz)
{
	struct fjson_object *copy = fjson_tokener_parse(json_object_to_json_string(j));
	ap_result r2;
	memset(&r2, 0, sizeof(r2));
	if (!ap_process_json(ctx, w, copy, in, &r2)) {
		snprintf(why, whysz, "its JSON is not read back as an event");
		json_object_put(copy);
		return 0;
	}
	r2.geo = res->geo;
	ap_result r1 = *res;
	memset(&r1.alerts, 0, sizeof(r1.alerts));
	memset(&r2.alerts, 0, sizeof(r2.alerts));
	struct fjson_object *a = ap_result_json(&r1), *b = ap_result_json(&r2);
	/* a user cut at AP_USER_MAX bytes: its domain came from the whole
	 * name, which the JSON no longer holds (an aggregator keeps the edge's
	 * object, domain and all; only detection reads the fields back) */
	if (res->ev.user.n > AP_USER_MAX)
		json_object_object_del(a, "domain");
	char sub[1024];
	int same = json_equal(b, a, sub, sizeof(sub), "$");
	if (!same)
		snprintf(why, whysz, "its JSON reads back differently: %s", sub);
	json_object_put(a);
	json_object_put(b);
	json_object_put(copy);
	return same;
}

static void run_case(ap_ctx *ctx, ap_worker *w, const char *file, struct tcase *tc)
{
	char why[2048] = "";
	int ok = 1;
	ap_input in;
	if (tc->expect == NULL) {
		snprintf(why, sizeof(why), "no expect:");
		ok = 0;
		goto out;
	}
	if (tc->tag != NULL) {
		in.tag = tc->tag;
		in.taglen = strlen(tc->tag);
		in.msg = tc->line;
		in.msglen = strlen(tc->line);
		in.time = 0;
		in.time_fn = NULL;
		in.time_arg = NULL;
		in.host = NULL;
		in.hostlen = 0;
	} else {
		ap_split_line(tc->line, strlen(tc->line), 2024, &in);
	}
	ap_result res;
	memset(&res, 0xa5, sizeof(res)); /* the core must not rely on zeroed memory */
	int got = ap_process(ctx, w, &in, &res);
	if (strcmp(tc->expect, "none") == 0) {
		if (got) {
			struct fjson_object *j = ap_result_json(&res);
			snprintf(why, sizeof(why), "expected no event, got %s",
				 json_object_to_json_string(j));
			json_object_put(j);
			ok = 0;
		}
		goto out;
	}
	struct fjson_object *want = fjson_tokener_parse(tc->expect);
	if (want == NULL) {
		snprintf(why, sizeof(why), "expect: is not valid JSON");
		ok = 0;
		goto out;
	}
	if (!got) {
		snprintf(why, sizeof(why), "no event recognised");
		ok = 0;
		json_object_put(want);
		goto out;
	}
	/* the JSON as the module builds it (ap_worker_json: string leaves
	 * shared through the worker's cache), twice so that the second one
	 * takes every string from the cache: both must be, byte for byte,
	 * the JSON without the cache (ap_result_json) */
	struct fjson_object *j = ap_worker_json(w, &res);
	if (!json_equal(j, want, why, sizeof(why), "$"))
		ok = 0;
	if (ok && !same_text(j, &res, w, why, sizeof(why)))
		ok = 0;
	size_t redsz = in.msglen + 64;
	char *red = malloc(redsz);
	if (red == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	ap_redact(&res.ev, in.msg, in.msglen, red, redsz);
	/* (a correlated event takes part of itself from an earlier line,
	 * which ap_parse does not read: no redacted sshd line anyway) */
	if (ok && res.ev.password_redacted && !res.ev.correlated)
		ok = reparse_same(ctx, &in, red, &res, why, sizeof(why));
	if (ok)
		ok = json_roundtrip_same(ctx, w, j, &in, &res, why, sizeof(why));
	if (ok && tc->message != NULL) {
		/* compare without the blanks rsyslog leaves before the text */
		const char *r = red;
		while (*r == ' ')
			r++;
		if (strcmp(r, tc->message) != 0) {
			snprintf(why, sizeof(why), "message: got '%.900s', want '%.900s'", r,
				 tc->message);
			ok = 0;
		}
	}
	const char *js = json_object_to_json_string(j);
	for (int i = 0; ok && i < tc->nsecrets; i++) {
		if (strstr(js, tc->secrets[i]) || strstr(red, tc->secrets[i])) {
			snprintf(why, sizeof(why), "secret '%s' leaked", tc->secrets[i]);
			ok = 0;
		}
	}
	if (!ok) {
		size_t l = strlen(why);
		snprintf(why + l, sizeof(why) - l, "\n    got: %s", js);
	}
	json_object_put(j);
	json_object_put(want);
	free(red);
out:
	if (ok) {
		npass++;
		printf("PASS %s:%d\n", file, tc->lineno);
	} else {
		nfail++;
		printf("FAIL %s:%d: %s\n    line: %s\n", file, tc->lineno, why, tc->line);
	}
}

static void free_case(struct tcase *tc)
{
	free(tc->line);
	free(tc->tag);
	free(tc->expect);
	free(tc->message);
	for (int i = 0; i < tc->nsecrets; i++)
		free(tc->secrets[i]);
	memset(tc, 0, sizeof(*tc));
}

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	fprintf(stderr, "core(%d): %s\n", lvl, msg);
}

/* a context and its worker, new */
typedef struct {
	ap_ctx *ctx;
	ap_worker *w;
} runner;

static void runner_close(runner *r)
{
	ap_worker_free(r->w);
	ap_ctx_free(r->ctx);
	r->w = NULL;
	r->ctx = NULL;
}

static void runner_open(runner *r)
{
	runner_close(r);
	ap_config cfg;
	ap_config_defaults(&cfg);
	r->ctx = open_ctx(&cfg, logcb, NULL);
	r->w = r->ctx ? ap_worker_new(r->ctx) : NULL;
	if (r->w == NULL) {
		fprintf(stderr, "cannot create context\n");
		exit(2);
	}
}

/* a case alone on a fresh context, or the next one of a sequence */
static void run_one(runner *seq, const char *file, struct tcase *tc)
{
	if (seq->ctx != NULL) {
		run_case(seq->ctx, seq->w, file, tc);
		return;
	}
	runner alone = { NULL, NULL };
	runner_open(&alone);
	run_case(alone.ctx, alone.w, file, tc);
	runner_close(&alone);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		printf("FAIL %s: cannot open\n", path);
		nfail++;
		return -1;
	}
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;
	struct tcase tc;
	memset(&tc, 0, sizeof(tc));
	runner seq = { NULL, NULL };
	while ((n = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (n == 0 || buf[0] == '#')
			continue;
		char *colon = strchr(buf, ':');
		if (colon == NULL) {
			printf("FAIL %s:%d: not a 'key: value' line\n", base, lineno);
			nfail++;
			continue;
		}
		*colon = '\0';
		char *val = colon + 1;
		if (*val == ' ')
			val++;
		if (strcmp(buf, "line") == 0) {
			if (tc.line)
				run_one(&seq, base, &tc);
			free_case(&tc);
			tc.line = strdup(val);
			tc.lineno = lineno;
		} else if (strcmp(buf, "sequence") == 0 || strcmp(buf, "end") == 0) {
			if (tc.line)
				run_one(&seq, base, &tc);
			free_case(&tc);
			if (strcmp(buf, "sequence") == 0)
				runner_open(&seq);
			else
				runner_close(&seq);
		} else if (tc.line == NULL) {
			printf("FAIL %s:%d: '%s:' before any 'line:'\n", base, lineno, buf);
			nfail++;
		} else if (strcmp(buf, "tag") == 0) {
			tc.tag = strdup(val);
		} else if (strcmp(buf, "expect") == 0) {
			tc.expect = strdup(val);
		} else if (strcmp(buf, "message") == 0) {
			tc.message = strdup(val);
		} else if (strcmp(buf, "secret") == 0 && tc.nsecrets < 8) {
			tc.secrets[tc.nsecrets++] = strdup(val);
		} else {
			printf("FAIL %s:%d: unknown key '%s'\n", base, lineno, buf);
			nfail++;
		}
	}
	if (tc.line)
		run_one(&seq, base, &tc);
	free_case(&tc);
	runner_close(&seq);
	free(buf);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.cases...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		run_file(argv[i]);
	printf("cases: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
