/* detect_test.c - attack detection: deterministic streams with explicit
 * timestamps for every detector, block attribution, concurrency, time
 * going backwards, the state file and the key cap.
 *
 * Failures and successes go through the public API as vpopmail lines
 * (tag "vpopmail[1]:"); what no recogniser produces yet (tls=false
 * successes, lfd blocks, outcome=unknown, control bytes in a user name) is
 * fed to ap_detect_feed() directly as a hand-built ap_event.  Expected
 * figures follow the documented semantics (core/detect/): a window of W
 * seconds ending at t holds the times in (t-W, t].
 *
 * Prints "PASS <name>" or "FAIL <name>: why" per check.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <arpa/inet.h>
#include <json.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "recognisers/recogniser.h"
#include "detect/detect.h"
#include "detect/siphash.h"
#include "detect/sketch.h"
#include "detect/store.h"
#include "tests/testctx.h"
#include "check.h"

static char tmpdir[256];
static void put_le(unsigned char *b, size_t *n, uint64_t v, int nbytes);
static int write_file(const char *path, const void *p, size_t n);
static void fixed_seeds(const char *path);

/* ------------------------------------------------------------------ */
/* log capture                                                         */

static pthread_mutex_t logmu = PTHREAD_MUTEX_INITIALIZER;
static char logbuf[16384];
static int nwarn, nerr;

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	pthread_mutex_lock(&logmu);
	size_t n = strlen(logbuf);
	if (n < sizeof(logbuf) - 1)
		snprintf(logbuf + n, sizeof(logbuf) - n, "[%d] %s\n", (int)lvl, msg);
	if (lvl == AP_LOG_WARNING)
		nwarn++;
	if (lvl == AP_LOG_ERR)
		nerr++;
	pthread_mutex_unlock(&logmu);
}

static void log_reset(void)
{
	logbuf[0] = '\0';
	nwarn = nerr = 0;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */

/* detection on, every detector off: each test turns on what it tests */
static ap_config cfg_none(void)
{
	ap_config c;
	ap_config_defaults(&c);
	c.detect = true;
	for (int k = 0; k < AP_DET__COUNT; k++)
		c.det[k] = (ap_detector_cfg){ 0, 0 };
	return c;
}

static ap_result R; /* the last result */

/* one line with its tag through the pipeline into R */
static int feed_in(ap_ctx *ctx, ap_worker *w, const char *tag, const char *msg, int64_t t)
{
	ap_input in = {
		.tag = tag, .taglen = strlen(tag), .msg = msg, .msglen = strlen(msg), .time = t
	};
	memset(&R.alerts, 0xff, sizeof(R.alerts)); /* must be overwritten */
	return ap_process(ctx, w, &in, &R);
}

static int feed_msg(ap_ctx *ctx, ap_worker *w, const char *msg, int64_t t)
{
	return feed_in(ctx, w, "vpopmail[1]:", msg, t);
}

static int fail_at(ap_ctx *ctx, ap_worker *w, const char *svc, const char *user, const char *ip,
		   int64_t t)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "vchkpw-%s: password fail %s:%s", svc, user, ip);
	return feed_msg(ctx, w, msg, t);
}

static int ok_at(ap_ctx *ctx, ap_worker *w, const char *svc, const char *user, const char *ip,
		 int64_t t)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "vchkpw-%s: (PLAIN) login success %s:%s", svc, user, ip);
	return feed_msg(ctx, w, msg, t);
}

/* the alert member k is exactly {count, threshold, window}; fills why */
static int alert_is(const ap_alerts *a, ap_detector k, uint32_t count, uint32_t thr, uint32_t win,
		    char *why, size_t whysz)
{
	if (!(a->fired & (1u << k))) {
		snprintf(why, whysz, "%s did not fire (fired=0x%x)", ap_detector_name(k), a->fired);
		return 0;
	}
	const ap_alert *x = &a->a[k];
	if (x->count != count || x->threshold != thr || x->window != win) {
		snprintf(why, whysz, "%s = {count %u, threshold %u, window %u}, want {%u, %u, %u}",
			 ap_detector_name(k), x->count, x->threshold, x->window, count, thr, win);
		return 0;
	}
	return 1;
}

#define CHECK_ALERT(name, k, c, th, w)                                                            \
	do {                                                                                      \
		char why_[256];                                                                   \
		check((name), alert_is(&R.alerts, (k), (c), (th), (w), why_, sizeof(why_)), "%s", \
		      why_);                                                                      \
	} while (0)

#define CHECK_QUIET(name, k)                                                     \
	check((name), !(R.alerts.fired & (1u << (k))), "%s fired with count %u", \
	      ap_detector_name(k), R.alerts.a[k].count)

static ap_event mkevent(ap_kind kind, ap_outcome out, const char *user, const char *ip)
{
	ap_event ev;
	ap_event_init(&ev);
	ev.kind = (uint8_t)kind;
	ev.outcome = (uint8_t)out;
	ev.daemon = "test";
	if (user != NULL)
		ev.user = ap_span_make(user, strlen(user));
	if (ip != NULL)
		ap_addr_parse(ip, strlen(ip), &ev.ip);
	return ev;
}

/* the result's JSON, member by member */
static struct fjson_object *result_json(void)
{
	return ap_result_json(&R);
}

static int64_t jint(struct fjson_object *o, const char *a, const char *b, const char *c)
{
	struct fjson_object *x = o, *y;
	const char *path[] = { a, b, c };
	for (int i = 0; i < 3 && path[i]; i++) {
		if (!json_object_object_get_ex(x, path[i], &y))
			return -1;
		x = y;
	}
	return json_object_get_int64(x);
}

/* ------------------------------------------------------------------ */
/* bruteforce                                                          */

static void test_bruteforce(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 60 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	ap_worker *w = ap_worker_new(ctx);
	const char *ip = "81.2.69.160";

	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1000);
	check("bf.first_failure_no_alert", R.alerts.fired == 0 && R.alerts.nrelated == 0,
	      "fired=0x%x nrelated=%u", R.alerts.fired, R.alerts.nrelated);
	struct fjson_object *j = result_json();
	check("bf.json_no_alert_member",
	      !json_object_object_get_ex(j, "alert", NULL)
		      && !json_object_object_get_ex(j, "related", NULL),
	      "%s", json_object_to_json_string(j));
	json_object_put(j);
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1010);
	CHECK_QUIET("bf.below_threshold", AP_DET_BRUTEFORCE);
	fail_at(ctx, w, "imap", "u2@d.example", ip, 1020);
	CHECK_ALERT("bf.at_threshold", AP_DET_BRUTEFORCE, 3, 3, 60);
	j = result_json();
	check("bf.json_alert",
	      jint(j, "alert", "bruteforce", "count") == 3
		      && jint(j, "alert", "bruteforce", "threshold") == 3
		      && jint(j, "alert", "bruteforce", "window") == 60
		      && !json_object_object_get_ex(j, "related", NULL),
	      "%s", json_object_to_json_string(j));
	json_object_put(j);
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1030);
	CHECK_ALERT("bf.above_threshold_counts_on", AP_DET_BRUTEFORCE, 4, 3, 60);
	fail_at(ctx, w, "pop3", "u1@d.example", "81.2.69.161", 1030);
	CHECK_QUIET("bf.other_address_separate", AP_DET_BRUTEFORCE);
	ok_at(ctx, w, "pop3", "u1@d.example", ip, 1040);
	CHECK_ALERT("bf.later_success_same_key", AP_DET_BRUTEFORCE, 4, 3, 60);
	/* window (1015, 1075]: 1020, 1030 and this one */
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1075);
	CHECK_ALERT("bf.window_slides_partly", AP_DET_BRUTEFORCE, 3, 3, 60);
	/* window (1140, 1200]: this one only */
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1200);
	CHECK_QUIET("bf.window_slid_past", AP_DET_BRUTEFORCE);
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1259);
	CHECK_QUIET("bf.two_in_window", AP_DET_BRUTEFORCE);
	/* (1200, 1260]: 1200 itself is out, so 1259 and 1260 only */
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1260);
	CHECK_QUIET("bf.window_start_exclusive", AP_DET_BRUTEFORCE);
	fail_at(ctx, w, "pop3", "u1@d.example", ip, 1261);
	CHECK_ALERT("bf.three_again", AP_DET_BRUTEFORCE, 3, 3, 60);

	ap_stats *st = ap_ctx_stats(ctx);
	check("bf.stats_alerts", st->alerts[AP_DET_BRUTEFORCE] == 5,
	      "alerts.bruteforce=%llu, want 5", (unsigned long long)st->alerts[AP_DET_BRUTEFORCE]);
	check("bf.stats_keys", st->detect_keys == 4,
	      "detect_keys=%llu, want 4 (2 addresses, 2 users)",
	      (unsigned long long)st->detect_keys);

	/* HUP keeps the state */
	fail_at(ctx, w, "pop3", "h@d.example", "81.2.69.170", 2000);
	fail_at(ctx, w, "pop3", "h@d.example", "81.2.69.170", 2001);
	ap_ctx_reload(ctx);
	fail_at(ctx, w, "pop3", "h@d.example", "81.2.69.170", 2002);
	CHECK_ALERT("bf.kept_across_hup", AP_DET_BRUTEFORCE, 3, 3, 60);

	/* successes, unknowns and blocks are not failures */
	for (int i = 0; i < 5; i++)
		ok_at(ctx, w, "pop3", "s@d.example", "81.2.69.171", 3000 + i);
	fail_at(ctx, w, "pop3", "s@d.example", "81.2.69.171", 3010);
	CHECK_QUIET("bf.successes_not_counted", AP_DET_BRUTEFORCE);
	/* "access denied" is a failure (reason disabled) and counts */
	feed_msg(ctx, w, "vchkpw-pop3: (pop) access denied s@d.example:81.2.69.171", 3011);
	feed_msg(ctx, w, "vchkpw-pop3: vpopmail user not found s@d.example:81.2.69.171", 3012);
	CHECK_ALERT("bf.other_failure_lines_count", AP_DET_BRUTEFORCE, 3, 3, 60);
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

static void test_not_failures(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 60 };
	int err = 0;
	ap_detect *d = ap_detect_new(&c, logcb, NULL, &err);
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_alerts a;
	ap_event ev = mkevent(AP_KIND_AUTH, AP_OUT_UNKNOWN, "bob", "81.2.69.180");
	for (int i = 0; i < 10; i++)
		ap_detect_feed(d, &ev, 100 + i, &a, &st);
	check("unknown.never_counts", a.fired == 0 && st.detect_keys == 0, "fired=0x%x keys=%llu",
	      a.fired, (unsigned long long)st.detect_keys);
	ap_event blk = mkevent(AP_KIND_BLOCK, AP_OUT_NONE, NULL, "81.2.69.180");
	blk.count = 10;
	blk.window = 3600;
	for (int i = 0; i < 10; i++)
		ap_detect_feed(d, &blk, 120 + i, &a, &st);
	check("block.never_counts", a.fired == 0 && a.nrelated == 0 && st.detect_keys == 0,
	      "fired=0x%x nrelated=%u keys=%llu", a.fired, a.nrelated,
	      (unsigned long long)st.detect_keys);
	ev.outcome = AP_OUT_FAILURE;
	ap_detect_feed(d, &ev, 130, &a, &st);
	ap_detect_feed(d, &ev, 131, &a, &st);
	check("unknown_block.then_two_failures", a.fired == 0, "fired=0x%x", a.fired);
	ap_detect_feed(d, &ev, 132, &a, &st);
	check("unknown_block.third_failure", (a.fired & 1u) && a.a[AP_DET_BRUTEFORCE].count == 3,
	      "fired=0x%x count=%u", a.fired, a.a[AP_DET_BRUTEFORCE].count);
	ap_detect_free(d);
}

/* ------------------------------------------------------------------ */
/* dictionary                                                          */

static void test_dictionary(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 3, 600 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	ap_worker *w = ap_worker_new(ctx);
	const char *ip = "203.0.113.5";
	for (int i = 0; i < 5; i++)
		fail_at(ctx, w, "pop3", "a@d.example", ip, 2000 + i);
	CHECK_QUIET("dict.same_user_counts_once", AP_DET_DICTIONARY);
	fail_at(ctx, w, "imap", "b@d.example", ip, 2005);
	CHECK_QUIET("dict.two_users", AP_DET_DICTIONARY);
	fail_at(ctx, w, "pop3", "c@d.example", ip, 2006);
	CHECK_ALERT("dict.at_threshold", AP_DET_DICTIONARY, 3, 3, 600);
	fail_at(ctx, w, "pop3", "a@d.example", ip, 2007);
	CHECK_ALERT("dict.repeat_user_still_three", AP_DET_DICTIONARY, 3, 3, 600);
	fail_at(ctx, w, "pop3", "d@d.example", ip, 2008);
	CHECK_ALERT("dict.fourth_user", AP_DET_DICTIONARY, 4, 3, 600);
	/* names differ in case: distinct as presented */
	fail_at(ctx, w, "pop3", "x@d.example", "203.0.113.6", 2010);
	fail_at(ctx, w, "pop3", "X@d.example", "203.0.113.6", 2011);
	CHECK_QUIET("dict.other_address_two", AP_DET_DICTIONARY);
	/* (2008, 2608]: every earlier user has left the window */
	fail_at(ctx, w, "pop3", "e@d.example", ip, 2608);
	CHECK_QUIET("dict.window_slid", AP_DET_DICTIONARY);
	fail_at(ctx, w, "pop3", "a@d.example", ip, 2609);
	fail_at(ctx, w, "pop3", "b@d.example", ip, 2610);
	CHECK_ALERT("dict.refills", AP_DET_DICTIONARY, 3, 3, 600);
	check("dict.no_bruteforce_when_off", !(R.alerts.fired & 1u), "fired=0x%x", R.alerts.fired);
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* distributed                                                         */

static void test_distributed(void)
{
	ap_config c = cfg_none();
	char seeds[512];
	snprintf(seeds, sizeof(seeds), "%s/seeds-dist", tmpdir);
	fixed_seeds(seeds); /* the estimate below is the same on every run */
	c.detect_state_file = seeds;
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 4, 7200 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	ap_worker *w = ap_worker_new(ctx);
	const char *u = "victim@d.example";
	fail_at(ctx, w, "pop3", u, "81.2.69.1", 10000);
	fail_at(ctx, w, "pop3", u, "81.2.69.1", 10001);
	fail_at(ctx, w, "imap", u, "81.2.69.2", 10002);
	fail_at(ctx, w, "imap", u, "2001:db8::3", 10003);
	CHECK_QUIET("dist.three_addresses", AP_DET_DISTRIBUTED);
	fail_at(ctx, w, "smtp", u, "81.2.69.4", 10004);
	CHECK_ALERT("dist.at_threshold", AP_DET_DISTRIBUTED, 4, 4, 7200);
	fail_at(ctx, w, "pop3", "other@d.example", "81.2.69.4", 10005);
	CHECK_QUIET("dist.other_user", AP_DET_DISTRIBUTED);
	/* many addresses: above the set's size (the threshold) the sketch
	 * estimates them: 4 + 50 = 54, within a quarter */
	char ip[64];
	for (int i = 10; i < 60; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		fail_at(ctx, w, "pop3", u, ip, 10010 + i);
	}
	uint32_t many = R.alerts.a[AP_DET_DISTRIBUTED].count;
	check("dist.many_addresses",
	      (R.alerts.fired & (1u << AP_DET_DISTRIBUTED)) && many >= 41 && many <= 68,
	      "54 addresses counted %u", many);
	/* a success for the user while under attack carries the alert */
	ok_at(ctx, w, "pop3", u, "81.2.69.99", 10100);
	check("dist.success_while_attacked",
	      (R.alerts.fired & (1u << AP_DET_DISTRIBUTED))
		      && R.alerts.a[AP_DET_DISTRIBUTED].count == many,
	      "count %u, before %u", R.alerts.a[AP_DET_DISTRIBUTED].count, many);

	/* slow: one address per 50 minutes */
	const char *s = "slow@d.example";
	fail_at(ctx, w, "pop3", s, "81.2.69.11", 20000);
	fail_at(ctx, w, "pop3", s, "81.2.69.12", 23000);
	fail_at(ctx, w, "pop3", s, "81.2.69.13", 26000);
	CHECK_QUIET("dist.slow_three", AP_DET_DISTRIBUTED);
	fail_at(ctx, w, "pop3", s, "81.2.69.14", 27100);
	CHECK_ALERT("dist.slow_in_hours_window", AP_DET_DISTRIBUTED, 4, 4, 7200);
	/* (20100, 27300]: .11 left, .12 .13 .14 .15 in */
	fail_at(ctx, w, "pop3", s, "81.2.69.15", 27300);
	CHECK_ALERT("dist.slow_slides", AP_DET_DISTRIBUTED, 4, 4, 7200);
	/* (23000, 30200]: .12 left */
	fail_at(ctx, w, "pop3", s, "81.2.69.13", 30200);
	CHECK_QUIET("dist.slow_expired", AP_DET_DISTRIBUTED);
	ap_worker_free(w);
	ap_ctx_free(ctx);
	unlink(seeds);
}

/* ------------------------------------------------------------------ */
/* compromise                                                          */

static void test_compromise(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_COMPROMISE] = (ap_detector_cfg){ 2, 3600 };
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 3, 3600 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	ap_worker *w = ap_worker_new(ctx);
	const char *A = "81.2.69.50";
	fail_at(ctx, w, "imap", "x@d.example", A, 5000);
	ok_at(ctx, w, "imap", "x@d.example", A, 5010);
	CHECK_QUIET("comp.one_failure_then_success", AP_DET_COMPROMISE);
	fail_at(ctx, w, "imap", "y@d.example", A, 5020);
	CHECK_QUIET("comp.not_on_failures", AP_DET_COMPROMISE);
	ok_at(ctx, w, "imap", "x@d.example", A, 5030);
	CHECK_ALERT("comp.success_after_failures", AP_DET_COMPROMISE, 2, 2, 3600);
	struct fjson_object *j = result_json();
	check("comp.json", jint(j, "alert", "compromise", "count") == 2, "%s",
	      json_object_to_json_string(j));
	json_object_put(j);
	ok_at(ctx, w, "imap", "z@d.example", "81.2.69.51", 5040);
	CHECK_QUIET("comp.clean_address", AP_DET_COMPROMISE);
	/* (5020, 8620]: only the failure at 5020 ... is out: none left */
	ok_at(ctx, w, "imap", "x@d.example", A, 8620);
	CHECK_QUIET("comp.failures_expired", AP_DET_COMPROMISE);

	/* a success for a user under distributed attack, from a clean address */
	fail_at(ctx, w, "pop3", "boss@d.example", "81.2.69.61", 9000);
	fail_at(ctx, w, "pop3", "boss@d.example", "81.2.69.62", 9001);
	ok_at(ctx, w, "pop3", "boss@d.example", "81.2.69.70", 9002);
	CHECK_QUIET("comp.two_addresses_not_yet", AP_DET_COMPROMISE);
	fail_at(ctx, w, "pop3", "boss@d.example", "81.2.69.63", 9003);
	CHECK_ALERT("comp.dist_fires", AP_DET_DISTRIBUTED, 3, 3, 3600);
	ok_at(ctx, w, "pop3", "boss@d.example", "81.2.69.70", 9004);
	CHECK_ALERT("comp.success_under_distributed", AP_DET_COMPROMISE, 3, 3, 3600);
	CHECK_ALERT("comp.success_under_distributed_also_dist", AP_DET_DISTRIBUTED, 3, 3, 3600);
	ap_worker_free(w);
	ap_ctx_free(ctx);

	/* compromise off: the distributed alert alone */
	c.det[AP_DET_COMPROMISE] = (ap_detector_cfg){ 0, 0 };
	ctx = open_ctx(&c, logcb, NULL);
	w = ap_worker_new(ctx);
	fail_at(ctx, w, "pop3", "boss@d.example", "81.2.69.61", 9000);
	fail_at(ctx, w, "pop3", "boss@d.example", "81.2.69.62", 9001);
	fail_at(ctx, w, "pop3", "boss@d.example", "81.2.69.63", 9003);
	ok_at(ctx, w, "pop3", "boss@d.example", "81.2.69.61", 9004);
	CHECK_QUIET("comp.off", AP_DET_COMPROMISE);
	CHECK_ALERT("comp.off_dist_still", AP_DET_DISTRIBUTED, 3, 3, 3600);
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* insecure                                                            */

static void test_insecure(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_INSECURE] = (ap_detector_cfg){ 1, 0 };
	int err = 0;
	ap_detect *d = ap_detect_new(&c, logcb, NULL, &err);
	check("insecure.new", d != NULL && err == 0, "err=%d", err);
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_alerts a;
	ap_event ev = mkevent(AP_KIND_AUTH, AP_OUT_SUCCESS, "bob@d.example", "81.2.69.90");
	ev.tls = 0;
	ap_detect_feed(d, &ev, 100, &a, &st);
	char why[256];
	check("insecure.plaintext_success",
	      alert_is(&a, AP_DET_INSECURE, 1, 1, 0, why, sizeof(why))
		      && a.fired == (1u << AP_DET_INSECURE),
	      "%s", why);
	ev.tls = -1;
	ap_detect_feed(d, &ev, 101, &a, &st);
	check("insecure.tls_unknown", a.fired == 0, "fired=0x%x", a.fired);
	ev.tls = 1;
	ap_detect_feed(d, &ev, 102, &a, &st);
	check("insecure.tls_true", a.fired == 0, "fired=0x%x", a.fired);
	ev.tls = 0;
	ev.outcome = AP_OUT_FAILURE;
	ap_detect_feed(d, &ev, 103, &a, &st);
	check("insecure.not_on_failure", a.fired == 0, "fired=0x%x", a.fired);
	ev = mkevent(AP_KIND_AUTH, AP_OUT_SUCCESS, NULL, NULL);
	ev.tls = 0;
	ap_detect_feed(d, &ev, 104, &a, &st);
	check("insecure.without_user_or_ip", a.fired == (1u << AP_DET_INSECURE), "fired=0x%x",
	      a.fired);
	check("insecure.stats", st.alerts[AP_DET_INSECURE] == 2, "alerts.insecure=%llu",
	      (unsigned long long)st.alerts[AP_DET_INSECURE]);
	ap_detect_free(d);

	/* through the pipeline: vchkpw-pop3 does not say (tls absent), pop3s says true */
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	ok_at(ctx, NULL, "pop3", "bob@d.example", "81.2.69.90", 200);
	check("insecure.pipeline_tls_absent", R.alerts.fired == 0, "fired=0x%x", R.alerts.fired);
	ok_at(ctx, NULL, "pop3s", "bob@d.example", "81.2.69.90", 201);
	check("insecure.pipeline_tls_true", R.ev.tls == 1 && R.alerts.fired == 0,
	      "tls=%d fired=0x%x", R.ev.tls, R.alerts.fired);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* incidents                                                           */

static pthread_mutex_t closemu = PTHREAD_MUTEX_INITIALIZER;
static ap_incident_close closed[16];
static int nclosed;

static void on_close(void *arg, const ap_incident_close *c)
{
	(void)arg;
	pthread_mutex_lock(&closemu);
	if (nclosed < 16)
		closed[nclosed] = *c;
	nclosed++;
	pthread_mutex_unlock(&closemu);
}

static int nclosed_now(void)
{
	pthread_mutex_lock(&closemu);
	int n = nclosed;
	pthread_mutex_unlock(&closemu);
	return n;
}

static const char *jstr(struct fjson_object *o, const char *a, const char *b, const char *c)
{
	struct fjson_object *x = o, *y;
	const char *path[] = { a, b, c };
	for (int i = 0; i < 3 && path[i]; i++) {
		if (!json_object_object_get_ex(x, path[i], &y))
			return "";
		x = y;
	}
	return json_object_get_string(x);
}

#define INC(k) (R.alerts.a[(k)].inc)

static void test_incidents(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 60 };
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 2, 60 };
	c.incident_close = on_close;
	nclosed = 0;
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	const char *ip = "81.2.69.160";

	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1000);
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1010);
	check("inc.none_below_threshold", R.alerts.fired == 0, "fired=0x%x", R.alerts.fired);
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1020);
	ap_incident o = INC(AP_DET_BRUTEFORCE);
	check("inc.open_on_crossing",
	      o.state == AP_INC_OPEN && o.id != 0 && o.first_seen == 1000 && o.last_seen == 1020
		      && o.count == 3,
	      "state %u id %llx first %lld last %lld count %u", o.state, (unsigned long long)o.id,
	      (long long)o.first_seen, (long long)o.last_seen, o.count);
	struct fjson_object *j = result_json();
	const char *id = jstr(j, "alert", "bruteforce", NULL);
	(void)id;
	struct fjson_object *bf = NULL, *io = NULL;
	json_object_object_get_ex(j, "alert", &bf);
	json_object_object_get_ex(bf, "bruteforce", &bf);
	json_object_object_get_ex(bf, "incident", &io);
	char want_id[17];
	snprintf(want_id, sizeof(want_id), "%016llx", (unsigned long long)o.id);
	/* 1000 s after the epoch is 00:16:40, 1020 s is 00:17:00 */
	check("inc.json_open",
	      io != NULL && !strcmp(jstr(io, "state", NULL, NULL), "open")
		      && !strcmp(jstr(io, "id", NULL, NULL), want_id)
		      && !strcmp(jstr(io, "first_seen", NULL, NULL), "1970-01-01T00:16:40Z")
		      && !strcmp(jstr(io, "last_seen", NULL, NULL), "1970-01-01T00:17:00Z")
		      && jint(io, "count", NULL, NULL) == 3,
	      "%s", json_object_to_json_string(j));
	json_object_put(j);

	fail_at(ctx, NULL, "imap", "u1@d.example", ip, 1030);
	ap_incident u = INC(AP_DET_BRUTEFORCE);
	check("inc.update_same_id",
	      u.state == AP_INC_UPDATE && u.id == o.id && u.first_seen == 1000
		      && u.last_seen == 1030 && u.count == 4,
	      "state %u same id %d first %lld last %lld count %u", u.state, u.id == o.id,
	      (long long)u.first_seen, (long long)u.last_seen, u.count);
	/* a success from the address: still an alert of the incident, not one
	 * more failure */
	ok_at(ctx, NULL, "pop3", "u1@d.example", ip, 1031);
	u = INC(AP_DET_BRUTEFORCE);
	check("inc.success_updates_without_counting",
	      u.state == AP_INC_UPDATE && u.id == o.id && u.last_seen == 1031 && u.count == 4,
	      "state %u last %lld count %u", u.state, (long long)u.last_seen, u.count);
	/* a second user: dictionary opens its own incident */
	fail_at(ctx, NULL, "imap", "u2@d.example", ip, 1032);
	ap_incident dct = INC(AP_DET_DICTIONARY);
	check("inc.dictionary_own_incident",
	      dct.state == AP_INC_OPEN && dct.id != o.id && dct.count == 2
		      && INC(AP_DET_BRUTEFORCE).count == 5,
	      "dictionary state %u count %u, bruteforce count %u", dct.state, dct.count,
	      INC(AP_DET_BRUTEFORCE).count);
	ap_stats *st = ap_ctx_stats(ctx);
	check("inc.opened_counted",
	      st->incidents_opened[AP_DET_BRUTEFORCE] == 1
		      && st->incidents_opened[AP_DET_DICTIONARY] == 1,
	      "opened bruteforce %llu dictionary %llu",
	      (unsigned long long)st->incidents_opened[AP_DET_BRUTEFORCE],
	      (unsigned long long)st->incidents_opened[AP_DET_DICTIONARY]);

	/* last alert 1032, window 60: open through 1091, closed at 1092 */
	size_t n = ap_ctx_sweep(ctx, 1091);
	check("inc.open_inside_window", n == 0 && nclosed == 0, "closed %zu", n);
	n = ap_ctx_sweep(ctx, 1092);
	check("inc.closed_after_window", n == 2 && nclosed == 2, "closed %zu (%d callbacks)", n,
	      nclosed);
	int bi = closed[0].detector == AP_DET_BRUTEFORCE ? 0 : 1;
	ap_incident_close *cb = &closed[bi];
	char ipbuf[64];
	ap_addr_format(&cb->ip, ipbuf, sizeof(ipbuf));
	check("inc.close_carries_incident",
	      cb->detector == AP_DET_BRUTEFORCE && cb->key == AP_KEY_IP && !strcmp(ipbuf, ip)
		      && cb->inc.id == o.id && cb->inc.state == AP_INC_CLOSE
		      && cb->inc.first_seen == 1000 && cb->inc.last_seen == 1032
		      && cb->inc.count == 5 && cb->window == 60,
	      "det %u key %u ip %s same id %d first %lld last %lld count %u window %u",
	      cb->detector, cb->key, ipbuf, cb->inc.id == o.id, (long long)cb->inc.first_seen,
	      (long long)cb->inc.last_seen, cb->inc.count, cb->window);
	j = ap_incident_json(cb);
	check("inc.close_json",
	      !strcmp(jstr(j, "kind", NULL, NULL), "incident")
		      && !strcmp(jstr(j, "state", NULL, NULL), "close")
		      && !strcmp(jstr(j, "detector", NULL, NULL), "bruteforce")
		      && !strcmp(jstr(j, "key", NULL, NULL), "ip")
		      && !strcmp(jstr(j, "ip", NULL, NULL), "81.2.69.160")
		      && !strcmp(jstr(j, "id", NULL, NULL), want_id)
		      && !strcmp(jstr(j, "first_seen", NULL, NULL), "1970-01-01T00:16:40Z")
		      && !strcmp(jstr(j, "last_seen", NULL, NULL), "1970-01-01T00:17:12Z")
		      && jint(j, "count", NULL, NULL) == 5 && jint(j, "window", NULL, NULL) == 60
		      && !json_object_object_get_ex(j, "user", NULL),
	      "%s", json_object_to_json_string(j));
	json_object_put(j);
	check("inc.closed_counted",
	      st->incidents_closed[AP_DET_BRUTEFORCE] == 1
		      && st->incidents_closed[AP_DET_DICTIONARY] == 1,
	      "closed bruteforce %llu dictionary %llu",
	      (unsigned long long)st->incidents_closed[AP_DET_BRUTEFORCE],
	      (unsigned long long)st->incidents_closed[AP_DET_DICTIONARY]);
	n = ap_ctx_sweep(ctx, 5000);
	check("inc.closed_once", n == 0 && nclosed == 2, "closed %zu more", n);

	/* the same address again later: a new incident, a new id */
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1200);
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1201);
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1202);
	ap_incident o2 = INC(AP_DET_BRUTEFORCE);
	check("inc.reopen_new_id", o2.state == AP_INC_OPEN && o2.id != o.id && o2.count == 3,
	      "state %u same id %d count %u", o2.state, o2.id == o.id, o2.count);
	/* the window passes before any sweep: the next alert closes the old
	 * incident (handed out at the next sweep) and opens a new one */
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1300);
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1301);
	fail_at(ctx, NULL, "pop3", "u1@d.example", ip, 1302);
	ap_incident o3 = INC(AP_DET_BRUTEFORCE);
	check("inc.expired_unswept_reopens",
	      o3.state == AP_INC_OPEN && o3.id != o2.id && o3.first_seen == 1300,
	      "state %u same id %d first %lld", o3.state, o3.id == o2.id, (long long)o3.first_seen);
	n = ap_ctx_sweep(ctx, 1303);
	check("inc.expired_unswept_handed_out",
	      n == 1 && nclosed == 3 && closed[2].inc.id == o2.id
		      && closed[2].inc.last_seen == 1202,
	      "closed %zu callbacks %d", n, nclosed);
	ap_ctx_free(ctx);

	/* a user-keyed incident (distributed) carries the user name */
	c = cfg_none();
	char seeds[512];
	snprintf(seeds, sizeof(seeds), "%s/seeds-inc", tmpdir);
	fixed_seeds(seeds); /* the sketch's count below is the same on every run */
	c.detect_state_file = seeds;
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 2, 100 };
	c.incident_close = on_close;
	nclosed = 0;
	ctx = open_ctx(&c, logcb, NULL);
	fail_at(ctx, NULL, "pop3", "boss@d.example", "81.2.69.1", 500);
	fail_at(ctx, NULL, "pop3", "boss@d.example", "81.2.69.2", 510);
	check("inc.distributed_open",
	      INC(AP_DET_DISTRIBUTED).state == AP_INC_OPEN
		      && INC(AP_DET_DISTRIBUTED).first_seen == 500
		      && INC(AP_DET_DISTRIBUTED).count == 2,
	      "state %u first %lld count %u", INC(AP_DET_DISTRIBUTED).state,
	      (long long)INC(AP_DET_DISTRIBUTED).first_seen, INC(AP_DET_DISTRIBUTED).count);
	fail_at(ctx, NULL, "pop3", "boss@d.example", "81.2.69.3", 520);
	/* above the set's size (the threshold) the sketch counts: 3 (three
	 * members are counted exactly by its linear counting) */
	check("inc.distributed_update",
	      INC(AP_DET_DISTRIBUTED).state == AP_INC_UPDATE && INC(AP_DET_DISTRIBUTED).count == 3,
	      "state %u count %u", INC(AP_DET_DISTRIBUTED).state, INC(AP_DET_DISTRIBUTED).count);
	n = ap_ctx_sweep(ctx, 620);
	check("inc.distributed_close",
	      n == 1 && closed[0].key == AP_KEY_USER && !strcmp(closed[0].user, "boss@d.example")
		      && closed[0].ip.family == 0 && closed[0].inc.count == 3
		      && closed[0].window == 100,
	      "closed %zu key %u user '%s' count %u window %u", n, closed[0].key, closed[0].user,
	      closed[0].inc.count, closed[0].window);
	j = ap_incident_json(&closed[0]);
	check("inc.user_close_json",
	      !strcmp(jstr(j, "key", NULL, NULL), "user")
		      && !strcmp(jstr(j, "user", NULL, NULL), "boss@d.example")
		      && !json_object_object_get_ex(j, "ip", NULL),
	      "%s", json_object_to_json_string(j));
	json_object_put(j);
	ap_ctx_free(ctx);
	unlink(seeds);

	/* insecure: the user's plaintext logins, an hour apart at most */
	c = cfg_none();
	c.det[AP_DET_INSECURE] = (ap_detector_cfg){ 1, 0 };
	c.incident_close = on_close;
	nclosed = 0;
	int err = 0;
	ap_detect *d = ap_detect_new(&c, logcb, NULL, &err);
	ap_stats dst;
	memset(&dst, 0, sizeof(dst));
	ap_alerts a;
	ap_event ev = mkevent(AP_KIND_AUTH, AP_OUT_SUCCESS, "bob@d.example", "81.2.69.90");
	ev.tls = 0;
	ap_detect_feed(d, &ev, 100, &a, &dst);
	ap_incident i1 = a.a[AP_DET_INSECURE].inc;
	ap_detect_feed(d, &ev, 3699, &a, &dst);
	ap_incident i2 = a.a[AP_DET_INSECURE].inc;
	check("inc.insecure_counts_logins",
	      i1.state == AP_INC_OPEN && i1.count == 1 && i2.state == AP_INC_UPDATE
		      && i2.id == i1.id && i2.count == 2,
	      "states %u %u counts %u %u", i1.state, i2.state, i1.count, i2.count);
	ap_detect_sweep(d, 3699 + 3600, &dst);
	check("inc.insecure_closes_after_an_hour",
	      nclosed == 1 && closed[0].window == 3600 && closed[0].key == AP_KEY_USER
		      && dst.incidents_closed[AP_DET_INSECURE] == 1,
	      "closed %d window %u", nclosed, closed[0].window);
	ap_detect_free(d);
}

/* the background thread closes incidents on the detection clock: the
 * newest message time, advanced by the wall clock when no message comes */
static void test_incident_thread(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 2, 2 };
	c.incident_close = on_close;
	nclosed = 0;
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	/* message times far from the wall clock: only the elapsed wall time
	 * moves the clock */
	fail_at(ctx, NULL, "pop3", "t@d.example", "81.2.69.77", 100000);
	fail_at(ctx, NULL, "pop3", "t@d.example", "81.2.69.77", 100000);
	check("inc.thread_opened", INC(AP_DET_BRUTEFORCE).state == AP_INC_OPEN, "state %u",
	      INC(AP_DET_BRUTEFORCE).state);
	check("inc.thread_start", ap_ctx_start(ctx) == AP_OK, "ap_ctx_start failed");
	int waited = 0;
	while (nclosed_now() == 0 && waited < 100) {
		usleep(100000);
		waited++;
	}
	/* closed once the clock reached 100002: two to three seconds */
	check("inc.thread_closes_on_wall_clock", nclosed_now() == 1 && waited >= 10 && waited <= 45,
	      "closed %d after %.1f s", nclosed_now(), waited / 10.0);
	ap_ctx_free(ctx); /* stops the thread */
}

/* ------------------------------------------------------------------ */
/* one attempt, one count                                              */

static int feed_tag(ap_ctx *ctx, const char *tag, const char *msg, int64_t t)
{
	return feed_in(ctx, NULL, tag, msg, t);
}

static int jbool_false(struct fjson_object *o, const char *k)
{
	struct fjson_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, fjson_type_boolean)
	       && !json_object_get_boolean(v);
}

static void test_counted(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 600 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	ap_stats *st = ap_ctx_stats(ctx);

	/* key probes: events, not counted, no state */
	for (int i = 0; i < 5; i++)
		feed_tag(ctx, "sshd[1]:",
			 "Failed publickey for git from 81.2.69.50 port 4000 ssh2: RSA SHA256:x",
			 1000 + i);
	feed_tag(ctx,
		 "sshd[1]:", "Postponed publickey for git from 81.2.69.50 port 4001 ssh2 [preauth]",
		 1005);
	check("counted.key_probes_not_counted",
	      R.ev.uncounted && R.alerts.fired == 0 && st->detect_keys == 0 && st->uncounted == 6,
	      "uncounted %d fired 0x%x keys %llu uncounted stat %llu", R.ev.uncounted,
	      R.alerts.fired, (unsigned long long)st->detect_keys,
	      (unsigned long long)st->uncounted);
	struct fjson_object *j = result_json();
	check("counted.json_counted_false", jbool_false(j, "counted"), "%s",
	      json_object_to_json_string(j));
	json_object_put(j);
	feed_tag(ctx, "sshd[1]:", "Failed password for git from 81.2.69.50 port 4002 ssh2", 1006);
	feed_tag(ctx, "sshd[1]:", "Failed password for git from 81.2.69.50 port 4003 ssh2", 1007);
	check("counted.passwords_counted", !R.ev.uncounted && R.alerts.fired == 0,
	      "uncounted %d fired 0x%x", R.ev.uncounted, R.alerts.fired);
	j = result_json();
	check("counted.json_no_member_when_counted", !json_object_object_get_ex(j, "counted", NULL),
	      "%s", json_object_to_json_string(j));
	json_object_put(j);
	feed_tag(ctx, "sshd[1]:", "Failed password for git from 81.2.69.50 port 4004 ssh2", 1008);
	CHECK_ALERT("counted.third_password_fires", AP_DET_BRUTEFORCE, 3, 3, 600);

	/* dovecot auth_verbose: the verdict and the login summary of one
	 * attempt, paired by session */
	const char *ip = "81.2.69.60";
	char v[512], sum[512];
	for (int i = 0; i < 3; i++) {
		snprintf(v, sizeof(v),
			 "auth: sql(eve@d.example,%s,<Sess%dAbCdEfGhIj>): Password mismatch", ip,
			 i);
		snprintf(sum, sizeof(sum),
			 "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): "
			 "user=<eve@d.example>, method=PLAIN, rip=%s, lip=10.0.0.1, TLS, "
			 "session=<Sess%dAbCdEfGhIj>",
			 ip, i);
		feed_tag(ctx, "dovecot:", v, 2000 + 10 * i);
		check(i == 0 ? "counted.dovecot_verdict_counts"
			     : "counted.dovecot_verdict_counts_again",
		      !R.ev.uncounted && R.ev.corr == AP_CORR_VERDICT, "uncounted %d corr %u",
		      R.ev.uncounted, R.ev.corr);
		if (i == 2)
			CHECK_ALERT("counted.dovecot_three_attempts_fire", AP_DET_BRUTEFORCE, 3, 3,
				    600);
		feed_tag(ctx, "dovecot:", sum, 2000 + 10 * i + 2);
		check(i == 0 ? "counted.dovecot_summary_not_counted"
			     : "counted.dovecot_summary_not_counted_again",
		      R.ev.uncounted && R.ev.corr == AP_CORR_SUMMARY, "uncounted %d corr %u",
		      R.ev.uncounted, R.ev.corr);
	}
	/* three attempts, six lines: the alert still says 3 */
	CHECK_ALERT("counted.dovecot_pairs_counted_once", AP_DET_BRUTEFORCE, 3, 3, 600);
	j = result_json();
	check("counted.dovecot_summary_json", jbool_false(j, "counted"), "%s",
	      json_object_to_json_string(j));
	json_object_put(j);

	/* two attempts on one connection: two verdicts count, the summary
	 * ("2 attempts") does not */
	ip = "81.2.69.61";
	snprintf(v, sizeof(v), "auth: sql(joe@d.example,%s,<TwoAttemptsSess1>): Password mismatch",
		 ip);
	feed_tag(ctx, "dovecot:", v, 3000);
	feed_tag(ctx, "dovecot:", v, 3003);
	check("counted.second_verdict_counts", !R.ev.uncounted, "uncounted %d", R.ev.uncounted);
	snprintf(sum, sizeof(sum),
		 "imap-login: Disconnected (auth failed, 2 attempts in 5 secs): "
		 "user=<joe@d.example>, "
		 "method=PLAIN, rip=%s, lip=10.0.0.1, session=<TwoAttemptsSess1>",
		 ip);
	feed_tag(ctx, "dovecot:", sum, 3005);
	check("counted.summary_of_two_not_counted", R.ev.uncounted && R.alerts.fired == 0,
	      "uncounted %d fired 0x%x", R.ev.uncounted, R.alerts.fired);
	/* a summary alone (auth_verbose off) counts: now 3 */
	snprintf(sum, sizeof(sum),
		 "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): "
		 "user=<joe@d.example>, "
		 "method=PLAIN, rip=%s, lip=10.0.0.1, session=<OtherSessionXyz1>",
		 ip);
	feed_tag(ctx, "dovecot:", sum, 3010);
	check("counted.summary_alone_counts", !R.ev.uncounted, "uncounted %d", R.ev.uncounted);
	CHECK_ALERT("counted.summary_alone_fires", AP_DET_BRUTEFORCE, 3, 3, 600);

	/* no session (dovecot 2.0): by user and address, at most 3 s apart */
	ip = "81.2.69.62";
	snprintf(v, sizeof(v), "auth: passwd-file(old@d.example,%s): unknown user", ip);
	snprintf(sum, sizeof(sum),
		 "imap-login: Disconnected (auth failed, 1 attempts): user=<old@d.example>, "
		 "method=PLAIN, rip=%s, lip=10.0.0.1",
		 ip);
	feed_tag(ctx, "dovecot:", v, 4000);
	feed_tag(ctx, "dovecot:", sum, 4002);
	check("counted.no_session_paired_by_user", R.ev.uncounted, "uncounted %d", R.ev.uncounted);
	feed_tag(ctx, "dovecot:", v, 4100);
	feed_tag(ctx, "dovecot:", sum, 4104);
	check("counted.no_session_too_far_apart", !R.ev.uncounted, "uncounted %d", R.ev.uncounted);
	/* another user's summary does not pair with this verdict */
	feed_tag(ctx, "dovecot:", v, 4200);
	snprintf(sum, sizeof(sum),
		 "imap-login: Disconnected (auth failed, 1 attempts): user=<other@d.example>, "
		 "method=PLAIN, rip=%s, lip=10.0.0.1",
		 ip);
	feed_tag(ctx, "dovecot:", sum, 4201);
	check("counted.other_user_not_paired", !R.ev.uncounted, "uncounted %d", R.ev.uncounted);
	/* 4000, 4100, 4104, 4200, 4201 counted: five failures */
	CHECK_ALERT("counted.no_session_total", AP_DET_BRUTEFORCE, 5, 3, 600);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* stale clients                                                       */

static void test_siphash(void)
{
	/* the test vectors of the SipHash paper's reference code: key 00..0f,
	 * messages 00..(n-1) */
	uint64_t k[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t m[64];
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	check("siphash.empty", ap_siphash24(k, m, 0) == 0x726fdb47dd0e0e31ULL, "%016llx",
	      (unsigned long long)ap_siphash24(k, m, 0));
	check("siphash.15_bytes", ap_siphash24(k, m, 15) == 0xa129ca6149be45e5ULL, "%016llx",
	      (unsigned long long)ap_siphash24(k, m, 15));
	check("siphash.63_bytes", ap_siphash24(k, m, 63) == 0x958a324ceb064572ULL, "%016llx",
	      (unsigned long long)ap_siphash24(k, m, 63));
	ap_siphash h;
	ap_siphash_init(&h, k);
	ap_siphash_add(&h, m, 3);
	ap_siphash_add(&h, m + 3, 9);
	ap_siphash_add(&h, m + 12, 51);
	check("siphash.in_pieces", ap_siphash_end(&h) == 0x958a324ceb064572ULL, "pieces differ");
}

static int stale_fail(ap_ctx *ctx, const char *user, const char *pw, const char *ip, int64_t t)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "vchkpw-pop3: password fail (pass: '%s') %s:%s", pw, user, ip);
	return feed_msg(ctx, NULL, msg, t);
}

static void test_stale(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_STALE] = (ap_detector_cfg){ 3, 3600 };
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 3600 };
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 2, 3600 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	const char *ip = "81.2.69.80";

	/* a phone with an old password: the same one every five minutes */
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1000);
	check("stale.first_counts", !R.ev.uncounted && R.alerts.fired == 0,
	      "uncounted %d fired 0x%x", R.ev.uncounted, R.alerts.fired);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1300);
	check("stale.repeat_suppressed", R.ev.uncounted && R.alerts.fired == 0,
	      "uncounted %d fired 0x%x", R.ev.uncounted, R.alerts.fired);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1600);
	check("stale.alert_at_threshold",
	      (R.alerts.fired & (1u << AP_DET_STALE)) && R.alerts.a[AP_DET_STALE].count == 3
		      && R.alerts.a[AP_DET_STALE].threshold == 3
		      && R.alerts.a[AP_DET_STALE].window == 3600
		      && !(R.alerts.fired & (1u << AP_DET_BRUTEFORCE)),
	      "fired 0x%x count %u", R.alerts.fired, R.alerts.a[AP_DET_STALE].count);
	ap_incident si = R.alerts.a[AP_DET_STALE].inc;
	check("stale.incident_from_first_try",
	      si.state == AP_INC_OPEN && si.first_seen == 1000 && si.last_seen == 1600
		      && si.count == 3,
	      "state %u first %lld last %lld count %u", si.state, (long long)si.first_seen,
	      (long long)si.last_seen, si.count);
	struct fjson_object *j = result_json();
	const char *js = json_object_to_json_string(j);
	check("stale.json", jint(j, "alert", "stale", "count") == 3 && jbool_false(j, "counted"),
	      "%s", js);
	check("stale.no_password_in_json", strstr(js, "Summer2023") == NULL, "%s", js);
	json_object_put(j);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1900);
	check("stale.update",
	      R.alerts.a[AP_DET_STALE].inc.state == AP_INC_UPDATE
		      && R.alerts.a[AP_DET_STALE].count == 4
		      && !(R.alerts.fired & (1u << AP_DET_BRUTEFORCE)),
	      "fired 0x%x state %u count %u", R.alerts.fired, R.alerts.a[AP_DET_STALE].inc.state,
	      R.alerts.a[AP_DET_STALE].count);

	/* a guesser: three passwords for one user, from one address */
	const char *g = "81.2.69.81";
	stale_fail(ctx, "bob@d.example", "123456", g, 1000);
	stale_fail(ctx, "bob@d.example", "password", g, 1010);
	stale_fail(ctx, "bob@d.example", "qwerty", g, 1020);
	check("stale.different_passwords_not_stale",
	      !(R.alerts.fired & (1u << AP_DET_STALE)) && !R.ev.uncounted,
	      "fired 0x%x uncounted %d", R.alerts.fired, R.ev.uncounted);
	CHECK_ALERT("stale.different_passwords_are_bruteforce", AP_DET_BRUTEFORCE, 3, 3, 3600);
	/* the same password for another user is another pair */
	stale_fail(ctx, "cat@d.example", "123456", g, 1030);
	check("stale.other_user_counts", !R.ev.uncounted, "uncounted %d", R.ev.uncounted);

	/* a success of that user from that address ends the episode */
	const char *h = "81.2.69.82";
	stale_fail(ctx, "dan@d.example", "old", h, 1000);
	stale_fail(ctx, "dan@d.example", "old", h, 1100);
	ok_at(ctx, NULL, "pop3", "dan@d.example", h, 1200);
	stale_fail(ctx, "dan@d.example", "old", h, 1300);
	stale_fail(ctx, "dan@d.example", "old", h, 1400);
	check("stale.success_ends_episode",
	      !(R.alerts.fired & (1u << AP_DET_STALE)) && R.ev.uncounted,
	      "fired 0x%x uncounted %d (the second after the success repeats it)", R.alerts.fired,
	      R.ev.uncounted);
	/* the window passes: forgotten */
	stale_fail(ctx, "dan@d.example", "old", h, 1400 + 3600);
	check("stale.window_forgets", !R.ev.uncounted, "uncounted %d", R.ev.uncounted);
	ap_ctx_free(ctx);

	/* stale.suppress off: the repeats count toward bruteforce too */
	c.stale_suppress = false;
	ctx = open_ctx(&c, logcb, NULL);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1000);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1300);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1600);
	check("stale.suppress_off_both_fire",
	      (R.alerts.fired & (1u << AP_DET_STALE))
		      && (R.alerts.fired & (1u << AP_DET_BRUTEFORCE)) && !R.ev.uncounted,
	      "fired 0x%x uncounted %d", R.alerts.fired, R.ev.uncounted);
	ap_ctx_free(ctx);

	/* redaction off: the password is hashed all the same */
	c.stale_suppress = true;
	c.redact_passwords = false;
	ctx = open_ctx(&c, logcb, NULL);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1000);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1300);
	stale_fail(ctx, "amy@d.example", "Summer2023", ip, 1600);
	check("stale.redaction_off_still_hashed",
	      (R.alerts.fired & (1u << AP_DET_STALE)) && R.ev.nredact == 0, "fired 0x%x nredact %u",
	      R.alerts.fired, R.ev.nredact);
	ap_ctx_free(ctx);
}

static int cad_fail(ap_ctx *ctx, const char *user, const char *ip, int64_t t)
{
	char msg[512];
	snprintf(msg, sizeof(msg),
		 "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<%s>, "
		 "method=PLAIN, rip=%s, lip=10.0.0.1, TLS",
		 user, ip);
	return feed_tag(ctx, "dovecot:", msg, t);
}

static void test_cadence(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_STALE] = (ap_detector_cfg){ 3, 3600 };
	/* the ring the cadence reads holds max(bruteforce, compromise
	 * threshold) failures, at least 4: 10 here (never fires: 60 s) */
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 10, 60 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	const char *ip = "81.2.69.90";
	/* 300, 310, 290: within a fifth of their mean (300) */
	cad_fail(ctx, "eva@d.example", ip, 10000);
	cad_fail(ctx, "eva@d.example", ip, 10300);
	cad_fail(ctx, "eva@d.example", ip, 10610);
	check("cadence.three_not_enough", R.alerts.stale_interval == 0, "interval %u",
	      R.alerts.stale_interval);
	cad_fail(ctx, "eva@d.example", ip, 10900);
	check("cadence.four_steady",
	      R.alerts.stale_interval == 300 && R.alerts.stale_failures == 4 && !R.ev.uncounted,
	      "interval %u failures %u", R.alerts.stale_interval, R.alerts.stale_failures);
	struct fjson_object *j = result_json();
	check("cadence.json",
	      jint(j, "stale", "interval", NULL) == 300 && jint(j, "stale", "failures", NULL) == 4,
	      "%s", json_object_to_json_string(j));
	json_object_put(j);
	cad_fail(ctx, "eva@d.example", ip, 11200);
	check("cadence.goes_on", R.alerts.stale_interval == 300 && R.alerts.stale_failures == 5,
	      "interval %u failures %u", R.alerts.stale_interval, R.alerts.stale_failures);
	/* a success of that user ends the episode: four more are needed */
	ok_at(ctx, NULL, "imap", "eva@d.example", ip, 11300);
	cad_fail(ctx, "eva@d.example", ip, 11500);
	cad_fail(ctx, "eva@d.example", ip, 11800);
	cad_fail(ctx, "eva@d.example", ip, 12100);
	check("cadence.success_ends_it", R.alerts.stale_interval == 0, "interval %u",
	      R.alerts.stale_interval);
	cad_fail(ctx, "eva@d.example", ip, 12400);
	check("cadence.again_after_four", R.alerts.stale_interval == 300, "interval %u",
	      R.alerts.stale_interval);

	/* irregular: 300, 300, 500 */
	ip = "81.2.69.91";
	cad_fail(ctx, "fay@d.example", ip, 10000);
	cad_fail(ctx, "fay@d.example", ip, 10300);
	cad_fail(ctx, "fay@d.example", ip, 10600);
	cad_fail(ctx, "fay@d.example", ip, 11100);
	check("cadence.irregular_not_stale", R.alerts.stale_interval == 0, "interval %u",
	      R.alerts.stale_interval);
	/* too fast: every 30 s */
	ip = "81.2.69.92";
	for (int i = 0; i < 5; i++)
		cad_fail(ctx, "gus@d.example", ip, 10000 + 30 * i);
	check("cadence.too_fast_not_stale", R.alerts.stale_interval == 0, "interval %u",
	      R.alerts.stale_interval);
	/* another user fails from the same address */
	ip = "81.2.69.93";
	cad_fail(ctx, "hal@d.example", ip, 10000);
	cad_fail(ctx, "ida@d.example", ip, 10100);
	cad_fail(ctx, "hal@d.example", ip, 10300);
	cad_fail(ctx, "hal@d.example", ip, 10600);
	cad_fail(ctx, "hal@d.example", ip, 10900);
	check("cadence.other_user_not_stale", R.alerts.stale_interval == 0, "interval %u",
	      R.alerts.stale_interval);
	ap_ctx_free(ctx);
}

static void test_reset_on_success(void)
{
	for (int on = 0; on < 2; on++) {
		ap_config c = cfg_none();
		c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 4, 600 };
		c.det[AP_DET_COMPROMISE] = (ap_detector_cfg){ 2, 600 };
		c.bruteforce_reset_on_success = on;
		ap_ctx *ctx = open_ctx(&c, logcb, NULL);
		const char *ip = "81.2.69.95";
		/* two typos of amy, one of bob, then amy logs in */
		fail_at(ctx, NULL, "imap", "amy@d.example", ip, 1000);
		fail_at(ctx, NULL, "imap", "bob@d.example", ip, 1010);
		fail_at(ctx, NULL, "imap", "amy@d.example", ip, 1020);
		ok_at(ctx, NULL, "imap", "amy@d.example", ip, 1030);
		/* compromise sees the failures before they are forgotten */
		CHECK_ALERT(on ? "reset.compromise_still_sees_them" : "reset.off_compromise",
			    AP_DET_COMPROMISE, 3, 2, 600);
		fail_at(ctx, NULL, "imap", "bob@d.example", ip, 1040);
		if (on) {
			/* amy's two forgotten: bob's two remain */
			CHECK_QUIET("reset.on_forgets_that_users_failures", AP_DET_BRUTEFORCE);
			fail_at(ctx, NULL, "imap", "bob@d.example", ip, 1050);
			fail_at(ctx, NULL, "imap", "bob@d.example", ip, 1060);
			CHECK_ALERT("reset.on_others_still_count", AP_DET_BRUTEFORCE, 4, 4, 600);
		} else {
			CHECK_ALERT("reset.off_counts_everything", AP_DET_BRUTEFORCE, 4, 4, 600);
		}
		ap_ctx_free(ctx);
	}
}

/* ------------------------------------------------------------------ */
/* distinct counts above the threshold                                 */

/* the estimator alone: 100 sets of 1000 distinct members each (hashes
 * mixed like the store's), against the error docs/SCHEMA.md states: a
 * relative standard error of 1.04 / sqrt(128) = 9.2% */
static void test_sketch(void)
{
	double sq = 0, worst = 0;
	for (uint64_t trial = 0; trial < 100; trial++) {
		uint8_t reg[HLL_BYTES];
		det_hll_init(reg);
		for (uint64_t i = 0; i < 1000; i++)
			det_hll_add(reg, mix64(i * 0x9e3779b97f4a7c15ULL
					       + trial * 0x632be59bd9b4e019ULL));
		double e = ((double)det_hll_count(reg) - 1000.0) / 1000.0;
		sq += e * e;
		if (e < 0)
			e = -e;
		if (e > worst)
			worst = e;
	}
	double rms = sqrt(sq / 100.0);
	printf("# HLL m=128, 1000 members, 100 sets: rms error %.1f%%, worst %.1f%%\n", rms * 100,
	       worst * 100);
	check("sketch.rms_error_near_9_percent", rms > 0.05 && rms < 0.12, "rms %.3f", rms);
	check("sketch.worst_within_four_sigma", worst < 0.37, "worst %.3f", worst);
	uint8_t reg[HLL_BYTES];
	det_hll_init(reg);
	for (uint64_t i = 0; i < 20; i++)
		det_hll_add(reg, mix64(i + 12345));
	uint32_t small = det_hll_count(reg);
	check("sketch.small_counts_linear", small >= 18 && small <= 22, "20 counted as %u", small);
}

/* a state file with fixed seeds and nothing else: the estimates below are
 * then the same on every run */
static void fixed_seeds(const char *path)
{
	unsigned char b[64];
	size_t n = 0;
	memcpy(b, "MMAPDET\n", 8);
	n = 8;
	put_le(b, &n, 1, 4);
	put_le(b, &n, 0, 4);
	put_le(b, &n, 0x0123456789abcdefULL, 8);
	put_le(b, &n, 0xfedcba9876543210ULL, 8);
	put_le(b, &n, 0, 8);
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		sum ^= b[i];
		sum *= 0x100000001b3ULL;
	}
	put_le(b, &n, sum, 8);
	write_file(path, b, n);
}

static void test_distinct(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/seeds", tmpdir);
	fixed_seeds(path);
	ap_config c = cfg_none();
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 5, 3600 };
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 10, 3600 };
	c.detect_state_file = path;
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	char user[64], ip[64];
	uint32_t at8 = 0, at300 = 0, inc300 = 0;
	/* dictionary: 300 users from one address (the set holds max(5, 8)) */
	for (int i = 1; i <= 300; i++) {
		snprintf(user, sizeof(user), "dict%d@d.example", i);
		fail_at(ctx, NULL, "imap", user, "81.2.69.250", 10000 + i);
		if (i == 8)
			at8 = R.alerts.a[AP_DET_DICTIONARY].count;
		if (i == 300) {
			at300 = R.alerts.a[AP_DET_DICTIONARY].count;
			inc300 = R.alerts.a[AP_DET_DICTIONARY].inc.count;
		}
		if (i == 5)
			CHECK_ALERT("distinct.dictionary_exact_at_threshold", AP_DET_DICTIONARY, 5,
				    5, 3600);
	}
	check("distinct.dictionary_exact_to_the_set", at8 == 8, "8 users counted %u", at8);
	/* 300 within 2.7 standard errors (25%) */
	check("distinct.dictionary_magnitude", at300 >= 225 && at300 <= 375 && inc300 >= at300,
	      "300 users counted %u (incident %u)", at300, inc300);
	printf("# dictionary: 300 distinct users counted %u\n", at300);
	/* distributed: 300 addresses for one user (the set holds 10) */
	uint32_t d300 = 0, d10 = 0;
	for (int i = 1; i <= 300; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		fail_at(ctx, NULL, "imap", "boss@d.example", ip, 10000 + i);
		if (i == 10)
			d10 = R.alerts.a[AP_DET_DISTRIBUTED].count;
		if (i == 300)
			d300 = R.alerts.a[AP_DET_DISTRIBUTED].count;
	}
	check("distinct.distributed_exact_to_the_set", d10 == 10, "10 addresses counted %u", d10);
	check("distinct.distributed_magnitude", d300 >= 225 && d300 <= 375,
	      "300 addresses counted %u", d300);
	printf("# distributed: 300 distinct addresses counted %u\n", d300);
	/* the window passes: the set is no longer full, the sketch goes */
	fail_at(ctx, NULL, "imap", "late@d.example", "81.2.69.250", 10300 + 3600);
	check("distinct.sketch_dropped_after_the_window", R.alerts.fired == 0,
	      "fired 0x%x count %u", R.alerts.fired, R.alerts.a[AP_DET_DICTIONARY].count);
	ap_ctx_free(ctx);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* block attribution                                                   */

static int related_is(const ap_alerts *a, uint32_t i, const char *user, const char *svc,
		      uint32_t count, char *why, size_t whysz)
{
	if (i >= a->nrelated) {
		snprintf(why, whysz, "only %u related entries", a->nrelated);
		return 0;
	}
	const ap_related *r = &a->related[i];
	int svc_ok = svc == NULL ? r->service == NULL
				 : (r->service && strcmp(r->service, svc) == 0);
	if (strcmp(r->user, user) != 0 || !svc_ok || r->count != count) {
		snprintf(why, whysz, "related[%u] = {%s, %s, %u}, want {%s, %s, %u}", i, r->user,
			 r->service ? r->service : "(none)", r->count, user, svc ? svc : "(none)",
			 count);
		return 0;
	}
	return 1;
}

static void test_block(void)
{
	ap_config c;
	ap_config_defaults(&c);
	c.detect = true;
	const char *ip = "198.51.100.77";
	/* no recogniser gives kind=block yet (lfd is being written): the
	 * detector is fed directly */
	ap_event blk = mkevent(AP_KIND_BLOCK, AP_OUT_NONE, NULL, ip);
	blk.daemon = "lfd";
	blk.count = 4;
	blk.window = 600; /* "4 in the last 600 secs": (4500, 5100] */
	int err = 0;
	ap_detect *det = ap_detect_new(&c, logcb, NULL, &err);
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_alerts a;
	struct {
		const char *svc, *user, *ip;
		int64_t t;
	} fl[] = {
		{ "smtp", "admin@shop.example", ip, 4000 },
		{ "pop3", "sales@shop.example", ip, 5000 },
		{ "pop3", "sales@shop.example", ip, 5010 },
		{ "pop3", "sales@shop.example", ip, 5020 },
		{ "imap", "info@shop.example", ip, 5030 },
		{ "pop3", "else@shop.example", "198.51.100.78", 5030 },
	};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		ap_event ev = mkevent(AP_KIND_AUTH, AP_OUT_FAILURE, fl[i].user, fl[i].ip);
		ev.service = fl[i].svc;
		ap_detect_feed(det, &ev, fl[i].t, &a, &st);
	}
	ap_detect_feed(det, &blk, 5100, &a, &st);
	char why[256];
	check("block.related_count", a.nrelated == 2, "nrelated=%u, want 2", a.nrelated);
	check("block.related_0",
	      related_is(&a, 0, "sales@shop.example", "pop3", 3, why, sizeof(why)), "%s", why);
	check("block.related_1",
	      related_is(&a, 1, "info@shop.example", "imap", 1, why, sizeof(why)), "%s", why);
	/* no window on the block: the retention window (3600 s by default): (1500, 5100] */
	blk.window = -1;
	ap_detect_feed(det, &blk, 5100, &a, &st);
	check("block.related_retention_window",
	      a.nrelated == 3
		      && related_is(&a, 2, "admin@shop.example", "smtp", 1, why, sizeof(why)),
	      "nrelated=%u %s", a.nrelated, a.nrelated == 3 ? why : "");
	/* the JSON */
	R.alerts = a;
	struct fjson_object *j = result_json();
	struct fjson_object *rel;
	int jok = json_object_object_get_ex(j, "related", &rel)
		  && json_object_get_type(rel) == fjson_type_array
		  && json_object_array_length(rel) == 3;
	if (jok) {
		struct fjson_object *e0 = json_object_array_get_idx(rel, 0), *x;
		jok = json_object_object_get_ex(e0, "user", &x)
		      && strcmp(json_object_get_string(x), "sales@shop.example") == 0
		      && json_object_object_get_ex(e0, "service", &x)
		      && strcmp(json_object_get_string(x), "pop3") == 0
		      && json_object_object_get_ex(e0, "count", &x)
		      && json_object_get_int64(x) == 3;
	}
	check("block.json_related", jok, "%s", json_object_to_json_string(j));
	json_object_put(j);
	/* an address with no failures: nothing related, no member */
	ap_event blk2 = mkevent(AP_KIND_BLOCK, AP_OUT_NONE, NULL, "198.51.100.99");
	blk2.window = 3600;
	ap_detect_feed(det, &blk2, 5100, &a, &st);
	R.alerts = a;
	j = result_json();
	check("block.no_history", a.nrelated == 0 && !json_object_object_get_ex(j, "related", NULL),
	      "nrelated=%u", a.nrelated);
	json_object_put(j);

	/* user names are escaped; a failure without a user is not related */
	const char ctl[] = "ev\x01l@d.example";
	ap_event ev = mkevent(AP_KIND_AUTH, AP_OUT_FAILURE, ctl, "198.51.100.80");
	ev.service = "imap";
	ap_detect_feed(det, &ev, 6000, &a, &st);
	ev = mkevent(AP_KIND_AUTH, AP_OUT_FAILURE, NULL, "198.51.100.80");
	ap_detect_feed(det, &ev, 6001, &a, &st);
	blk2 = mkevent(AP_KIND_BLOCK, AP_OUT_NONE, NULL, "198.51.100.80");
	ap_detect_feed(det, &blk2, 6002, &a, &st);
	check("block.escaped_user",
	      a.nrelated == 1
		      && related_is(&a, 0, "ev\\x01l@d.example", "imap", 1, why, sizeof(why)),
	      "nrelated=%u %s", a.nrelated, a.nrelated ? why : "");

	/* twenty users: the 8 most recent are kept per address */
	for (int i = 0; i < 20; i++) {
		char u[64];
		snprintf(u, sizeof(u), "user%02d@d.example", i);
		ev = mkevent(AP_KIND_AUTH, AP_OUT_FAILURE, u, "198.51.100.81");
		ev.service = "pop3";
		for (int k = 0; k <= i % 3; k++)
			ap_detect_feed(det, &ev, 7000 + i, &a, &st);
	}
	blk2 = mkevent(AP_KIND_BLOCK, AP_OUT_NONE, NULL, "198.51.100.81");
	ap_detect_feed(det, &blk2, 7100, &a, &st);
	/* users 12..19 with counts (i%3)+1: 3 for 14, 17; 2 for 13, 16, 19; 1 for 12, 15, 18;
	 * ties by newest first */
	const char *want[8] = { "user17", "user14", "user19", "user16",
				"user13", "user18", "user15", "user12" };
	const uint32_t wantc[8] = { 3, 3, 2, 2, 2, 1, 1, 1 };
	int ok = a.nrelated == 8;
	for (int i = 0; ok && i < 8; i++) {
		char u[64];
		snprintf(u, sizeof(u), "%s@d.example", want[i]);
		ok = related_is(&a, (uint32_t)i, u, "pop3", wantc[i], why, sizeof(why));
	}
	check("block.newest_users_by_count", ok, "nrelated=%u %s", a.nrelated,
	      a.nrelated == 8 ? why : "");
	ap_detect_free(det);
}

/* ------------------------------------------------------------------ */
/* concurrency                                                         */

#define TH 4
#define PER_THREAD 20000
#define NIPS 16
#define NUSERS 8

struct thr {
	ap_ctx *ctx;
	int id;
	int bad;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	ap_worker *w = ap_worker_new(t->ctx);
	for (int j = 0; j < PER_THREAD; j++) {
		char msg[256];
		int ipi = (t->id + j) % NIPS, ui = (j / NIPS) % NUSERS;
		snprintf(msg, sizeof(msg), "vchkpw-pop3: password fail u%d@d.example:81.2.70.%d",
			 ui, 10 + ipi);
		ap_input in = { .tag = "vpopmail[1]:",
				.taglen = 12,
				.msg = msg,
				.msglen = strlen(msg),
				.time = 100000 + j / 100 };
		ap_result res;
		if (ap_process(t->ctx, w, &in, &res) != 1)
			t->bad++;
	}
	ap_worker_free(w);
	return NULL;
}

static void test_concurrency(void)
{
	ap_config c = cfg_none();
	/* per address 4*20000/16 = 5000 failures; one more makes the threshold */
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 5001, 100000 };
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 8, 100000 };
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 16, 100000 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	pthread_t th[TH];
	struct thr t[TH];
	for (int i = 0; i < TH; i++) {
		t[i] = (struct thr){ ctx, i, 0 };
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	int bad = 0;
	for (int i = 0; i < TH; i++) {
		pthread_join(th[i], NULL);
		bad += t[i].bad;
	}
	check("conc.all_parsed", bad == 0, "%d lines not parsed", bad);
	ap_stats *st = ap_ctx_stats(ctx);
	check("conc.no_bruteforce_yet", st->alerts[AP_DET_BRUTEFORCE] == 0,
	      "alerts.bruteforce=%llu", (unsigned long long)st->alerts[AP_DET_BRUTEFORCE]);
	check("conc.keys", st->detect_keys == NIPS + NUSERS, "detect_keys=%llu, want %d",
	      (unsigned long long)st->detect_keys, NIPS + NUSERS);
	int exact = 0;
	char why[256] = "";
	for (int i = 0; i < NIPS; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "81.2.70.%d", 10 + i);
		fail_at(ctx, NULL, "pop3", "u0@d.example", ip, 100300);
		if (alert_is(&R.alerts, AP_DET_BRUTEFORCE, 5001, 5001, 100000, why, sizeof(why))
		    && alert_is(&R.alerts, AP_DET_DICTIONARY, 8, 8, 100000, why, sizeof(why)))
			exact++;
		else
			break;
	}
	check("conc.totals_exact_per_address", exact == NIPS, "%d of %d exact; %s", exact, NIPS,
	      why);
	exact = 0;
	for (int i = 0; i < NUSERS; i++) {
		char u[32];
		snprintf(u, sizeof(u), "u%d@d.example", i);
		ok_at(ctx, NULL, "pop3", u, "81.2.70.200", 100300);
		if (alert_is(&R.alerts, AP_DET_DISTRIBUTED, 16, 16, 100000, why, sizeof(why)))
			exact++;
		else
			break;
	}
	check("conc.distinct_per_user", exact == NUSERS, "%d of %d; %s", exact, NUSERS, why);
	check("conc.stats_bruteforce", st->alerts[AP_DET_BRUTEFORCE] == NIPS,
	      "alerts.bruteforce=%llu", (unsigned long long)st->alerts[AP_DET_BRUTEFORCE]);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* time going backwards                                                */

static void test_clock(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 60 };
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	const char *ip = "81.2.69.140";
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 10000);
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 10010);
	/* the clock jumps back 1000 s: taken as 10010 for this address */
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 9010);
	CHECK_ALERT("clock.back_still_counted", AP_DET_BRUTEFORCE, 3, 3, 60);
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 9020);
	CHECK_ALERT("clock.back_again", AP_DET_BRUTEFORCE, 4, 3, 60);
	/* far back (year 1970): nothing expires */
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 5);
	CHECK_ALERT("clock.far_back", AP_DET_BRUTEFORCE, 5, 3, 60);
	/* time moves on: (10020, 10080] holds this one only */
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 10080);
	CHECK_QUIET("clock.forward_again_slides", AP_DET_BRUTEFORCE);
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 10081);
	fail_at(ctx, NULL, "pop3", "c@d.example", ip, 10082);
	CHECK_ALERT("clock.counts_sane_after", AP_DET_BRUTEFORCE, 3, 3, 60);
	/* a jump back past the window must not break the ring's order:
	 * 19000 is taken as 20010, so (19960, 20020] holds all four */
	fail_at(ctx, NULL, "pop3", "o@d.example", "81.2.69.143", 20000);
	fail_at(ctx, NULL, "pop3", "o@d.example", "81.2.69.143", 20010);
	fail_at(ctx, NULL, "pop3", "o@d.example", "81.2.69.143", 19000);
	fail_at(ctx, NULL, "pop3", "o@d.example", "81.2.69.143", 20020);
	CHECK_ALERT("clock.order_kept", AP_DET_BRUTEFORCE, 4, 3, 60);
	/* a fresh address has its own clock */
	fail_at(ctx, NULL, "pop3", "c@d.example", "81.2.69.141", 9000);
	CHECK_QUIET("clock.fresh_key", AP_DET_BRUTEFORCE);
	/* negative and zero times are clamped, not trusted to wrap */
	fail_at(ctx, NULL, "pop3", "n@d.example", "81.2.69.142", -5);
	fail_at(ctx, NULL, "pop3", "n@d.example", "81.2.69.142", 0);
	fail_at(ctx, NULL, "pop3", "n@d.example", "81.2.69.142", 1);
	CHECK_ALERT("clock.nonpositive_times", AP_DET_BRUTEFORCE, 3, 3, 60);
	/* a time stamp a century ahead counts at most an hour ahead of this
	 * machine's clock: the incident it opens says so, and the key's
	 * window follows real failures afterwards */
	int64_t wall = (int64_t)time(NULL);
	int64_t future = wall + 100LL * 365 * 86400;
	fail_at(ctx, NULL, "pop3", "f@d.example", "81.2.69.140", future);
	fail_at(ctx, NULL, "pop3", "f@d.example", "81.2.69.140", future + 1);
	fail_at(ctx, NULL, "pop3", "f@d.example", "81.2.69.140", future + 2);
	ap_incident fi = R.alerts.a[AP_DET_BRUTEFORCE].inc;
	check("clock.future_counts_near_now",
	      (R.alerts.fired & (1u << AP_DET_BRUTEFORCE)) && fi.last_seen >= wall
		      && fi.last_seen <= (int64_t)time(NULL) + 3600 && fi.first_seen >= wall,
	      "fired %x first %lld last %lld (wall %lld)", R.alerts.fired, (long long)fi.first_seen,
	      (long long)fi.last_seen, (long long)wall);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* the state file                                                      */

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	size_t k = fwrite(p, 1, n, f);
	fclose(f);
	return k == n ? 0 : -1;
}

static unsigned char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	unsigned char *b = malloc(1 << 20);
	*n = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

static ap_config state_cfg(const char *path, uint32_t bf)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ bf, 600 };
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 2, 3600 };
	c.detect_state_file = path;
	return c;
}

static void test_state(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	ap_config c = state_cfg(path, 3);

	log_reset();
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	check("state.first_start_no_warning", ctx != NULL && nwarn == 0 && nerr == 0, "%s", logbuf);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1000);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1010);
	fail_at(ctx, NULL, "imap", "a@d.example", "2001:db8::200", 1020);
	CHECK_ALERT("state.dist_before", AP_DET_DISTRIBUTED, 2, 2, 3600);
	CHECK_QUIET("state.bf_before", AP_DET_BRUTEFORCE);
	ap_ctx_free(ctx);
	struct stat sb;
	check("state.file_written", stat(path, &sb) == 0 && sb.st_size > 0 && nerr == 0, "%s",
	      logbuf);
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	check("state.no_temp_left", stat(tmp, &sb) != 0, "%s exists", tmp);

	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("state.reload_no_warning", ctx != NULL && nwarn == 0, "%s", logbuf);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1030);
	CHECK_ALERT("state.bf_continues", AP_DET_BRUTEFORCE, 3, 3, 600);
	ok_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.201", 1040);
	CHECK_ALERT("state.dist_continues", AP_DET_DISTRIBUTED, 2, 2, 3600);
	ap_ctx_free(ctx);

	/* other thresholds after the restart: the ring is fitted */
	c = state_cfg(path, 4);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1050);
	CHECK_ALERT("state.bigger_threshold", AP_DET_BRUTEFORCE, 4, 4, 600);
	ap_ctx_free(ctx);
	c = state_cfg(path, 2);
	ctx = open_ctx(&c, logcb, NULL);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1060);
	/* 1000, 1010, 1030, 1050, 1060: five inside (460, 1060] */
	CHECK_ALERT("state.smaller_threshold", AP_DET_BRUTEFORCE, 5, 2, 600);
	ap_ctx_free(ctx);

	/* block attribution survives (names are kept) */
	ap_config dc;
	ap_config_defaults(&dc);
	dc.detect = true;
	dc.detect_state_file = path;
	unlink(path);
	ap_ctx *c1 = open_ctx(&dc, logcb, NULL);
	fail_at(c1, NULL, "imap", "kept@d.example", "81.2.69.210", 3000);
	fail_at(c1, NULL, "imap", "kept@d.example", "81.2.69.210", 3001);
	fail_at(c1, NULL, "pop3", "once@d.example", "81.2.69.210", 3002);
	ap_ctx_free(c1);
	int e2 = 0;
	ap_detect *det = ap_detect_new(&dc, logcb, NULL, &e2);
	ap_event blk = mkevent(AP_KIND_BLOCK, AP_OUT_NONE, NULL, "81.2.69.210");
	ap_alerts a;
	ap_detect_feed(det, &blk, 3100, &a, NULL);
	char why[256];
	check("state.related_after_restart",
	      a.nrelated == 2 && related_is(&a, 0, "kept@d.example", "imap", 2, why, sizeof(why))
		      && related_is(&a, 1, "once@d.example", "pop3", 1, why, sizeof(why)),
	      "nrelated=%u %s", a.nrelated, a.nrelated == 2 ? why : "");
	ap_detect_free(det);
}

static void expect_ignored(const char *name, const char *path, const void *data, size_t n,
			   const char *why_word)
{
	write_file(path, data, n);
	ap_config c = state_cfg(path, 3);
	log_reset();
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	char nm[128];
	snprintf(nm, sizeof(nm), "corrupt.%s_reported", name);
	check(nm,
	      ctx != NULL && nwarn == 1 && nerr == 0 && strstr(logbuf, path) != NULL
		      && strstr(logbuf, why_word) != NULL,
	      "ctx=%p warnings=%d errors=%d log: %s", (void *)ctx, nwarn, nerr, logbuf);
	if (ctx == NULL)
		return;
	/* nothing of the file was kept: two more failures stay below 3 */
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1070);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1071);
	snprintf(nm, sizeof(nm), "corrupt.%s_ignored", name);
	check(nm, !(R.alerts.fired & 1u), "bruteforce fired with count %u",
	      R.alerts.a[AP_DET_BRUTEFORCE].count);
	ap_stats *st = ap_ctx_stats(ctx);
	snprintf(nm, sizeof(nm), "corrupt.%s_empty", name);
	check(nm, st->detect_keys == 2, "detect_keys=%llu, want 2",
	      (unsigned long long)st->detect_keys);
	ap_ctx_free(ctx);
}

static void test_corrupt(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/good", tmpdir);
	/* a good file with state for 81.2.69.200 (4 failures at 1000..1003) */
	ap_config c = state_cfg(path, 3);
	unlink(path);
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	for (int i = 0; i < 4; i++)
		fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1000 + i);
	fail_at(ctx, NULL, "pop3", "b@d.example", "81.2.69.201", 1004);
	ap_ctx_free(ctx);
	size_t n = 0;
	unsigned char *good = read_file(path, &n);
	check("corrupt.good_file", good != NULL && n > 64, "n=%zu", n);
	if (good == NULL || n <= 64)
		return;

	char bad[512];
	snprintf(bad, sizeof(bad), "%s/bad", tmpdir);
	expect_ignored("garbage", bad, "hello, world\n", 13, "truncated");
	unsigned char big[200];
	memset(big, 'x', sizeof(big));
	expect_ignored("not_state", bad, big, sizeof(big), "not a detection state file");
	expect_ignored("truncated", bad, good, n / 2, "checksum");
	expect_ignored("truncated_one_byte", bad, good, n - 1, "checksum");
	unsigned char *m = malloc(n);
	memcpy(m, good, n);
	m[n / 2] ^= 0x40;
	expect_ignored("flipped_byte", bad, m, n, "checksum");
	memcpy(m, good, n);
	m[8] = 99; /* version */
	expect_ignored("wrong_version", bad, m, n, "version");
	expect_ignored("empty", bad, "", 0, "truncated");
	free(m);

	/* a directory where the file should be, a directory that does not
	 * exist, a file where a directory should be: refused at start-up,
	 * naming the parameter, not found out at shutdown */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/adir", tmpdir);
	mkdir(dir, 0700);
	c = state_cfg(dir, 3);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.statefile_is_directory",
	      ctx == NULL && strstr(logbuf, "detect.stateFile")
		      && strstr(logbuf, "not a regular file"),
	      "ctx=%p log: %s", (void *)ctx, logbuf);
	ap_ctx_free(ctx);
	snprintf(dir, sizeof(dir), "%s/no-such-dir/state", tmpdir);
	c = state_cfg(dir, 3);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.statefile_dir_missing",
	      ctx == NULL && strstr(logbuf, "detect.stateFile") && strstr(logbuf, "does not exist"),
	      "ctx=%p log: %s", (void *)ctx, logbuf);
	ap_ctx_free(ctx);
	snprintf(dir, sizeof(dir), "%s/plain", tmpdir);
	write_file(dir, "x", 1);
	snprintf(dir, sizeof(dir), "%s/plain/state", tmpdir);
	c = state_cfg(dir, 3);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.statefile_dir_is_file", ctx == NULL && strstr(logbuf, "detect.stateFile"),
	      "ctx=%p log: %s", (void *)ctx, logbuf);
	ap_ctx_free(ctx);

	/* the good file still loads */
	c = state_cfg(path, 3);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.200", 1010);
	CHECK_ALERT("corrupt.good_file_loads", AP_DET_BRUTEFORCE, 5, 3, 600);
	ap_ctx_free(ctx);
	free(good);
}

/* ------------------------------------------------------------------ */
/* the state file: incidents, versions, periodic saves, kill -9        */

static void put_le(unsigned char *b, size_t *n, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		b[(*n)++] = (unsigned char)(v >> (8 * i));
}

static void test_state_v2(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/state2", tmpdir);
	unlink(path);
	ap_config c = state_cfg(path, 3);
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	for (int i = 0; i < 3; i++)
		fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.220", 1000 + i);
	ap_incident o = INC(AP_DET_BRUTEFORCE);
	ap_ctx_free(ctx);
	ctx = open_ctx(&c, logcb, NULL);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.220", 1010);
	ap_incident u = INC(AP_DET_BRUTEFORCE);
	check("state2.incident_survives_restart",
	      o.state == AP_INC_OPEN && u.state == AP_INC_UPDATE && u.id == o.id
		      && u.first_seen == 1000 && u.count == 4,
	      "states %u %u same id %d first %lld count %u", o.state, u.state, u.id == o.id,
	      (long long)u.first_seen, u.count);
	ap_ctx_free(ctx);

	/* a version 1 file (before incidents), written by hand from its
	 * format: one address, ::ffff:81.2.69.230, failures at 2000 and 2001 */
	unsigned char b[256];
	size_t n = 0;
	memcpy(b, "MMAPDET\n", 8);
	n = 8;
	put_le(b, &n, 1, 4);                     /* version */
	put_le(b, &n, 0, 4);                     /* flags */
	put_le(b, &n, 0x1111111111111111ULL, 8); /* seeds */
	put_le(b, &n, 0x2222222222222222ULL, 8);
	put_le(b, &n, 1, 8); /* keys */
	put_le(b, &n, 1, 1); /* an address */
	put_le(b, &n, 0, 8); /* k0: bytes 0..7 of the key */
	/* k1: bytes 8..15 = 00 00 ff ff 51 02 45 e6 (81.2.69.230) */
	put_le(b, &n, 0xe6450251ffff0000ULL, 8);
	put_le(b, &n, 2001, 4); /* last */
	put_le(b, &n, 0, 4);    /* over */
	put_le(b, &n, 2, 4);    /* ring */
	put_le(b, &n, 2000, 4);
	put_le(b, &n, 2001, 4);
	put_le(b, &n, 0, 4); /* users */
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		sum ^= b[i];
		sum *= 0x100000001b3ULL;
	}
	put_le(b, &n, sum, 8);
	write_file(path, b, n);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("state2.version_1_read", ctx != NULL && nwarn == 0 && strstr(logbuf, "format 1"),
	      "%s", logbuf);
	fail_at(ctx, NULL, "pop3", "a@d.example", "81.2.69.230", 2002);
	CHECK_ALERT("state2.version_1_state_used", AP_DET_BRUTEFORCE, 3, 3, 600);
	ap_ctx_free(ctx);

	/* a newer version: refused with a message naming it */
	n = 0;
	memcpy(b, "MMAPDET\n", 8);
	n = 8;
	put_le(b, &n, 3, 4);
	for (int i = 0; i < 40; i++)
		b[n++] = 0;
	write_file(path, b, n);
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("state2.newer_version_refused",
	      ctx != NULL && nwarn == 1 && strstr(logbuf, "version 3 is newer")
		      && strstr(logbuf, path),
	      "%s", logbuf);
	ap_ctx_free(ctx);
}

/* periodic saves and a crash: a child process saves every second, is
 * killed with SIGKILL, and what it saved is there for the next start */
static void test_state_kill(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/state-kill", tmpdir);
	unlink(path);
	ap_config c = state_cfg(path, 5);
	c.detect_state_interval = 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		log_reset();
		ap_ctx *ctx = open_ctx(&c, logcb, NULL);
		if (ctx == NULL || ap_ctx_start(ctx) != AP_OK)
			_exit(2);
		for (int i = 0; i < 4; i++)
			fail_at(ctx, NULL, "pop3", "k@d.example", "81.2.69.240", 1000 + i);
		usleep(2500000); /* two saves at least */
		/* the periodic saves say nothing: a log line a minute is noise */
		if (strstr(logbuf, "saved") != NULL)
			_exit(3);
		kill(getpid(), SIGKILL);
		_exit(4);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check("statekill.child_killed", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "status 0x%x", status);
	log_reset();
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	check("statekill.file_loads", ctx != NULL && nwarn == 0, "%s", logbuf);
	fail_at(ctx, NULL, "pop3", "k@d.example", "81.2.69.240", 1010);
	/* 4 failures before the kill, this one the fifth */
	CHECK_ALERT("statekill.state_survived", AP_DET_BRUTEFORCE, 5, 5, 600);
	ap_ctx_free(ctx);
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)pid);
	struct stat sb;
	check("statekill.no_partial_file_taken", stat(path, &sb) == 0 && sb.st_size > 0, "no file");
	unlink(tmp);
}

/* ------------------------------------------------------------------ */
/* configuration errors                                                */

static void test_config(void)
{
	ap_config c = cfg_none();
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 3, 0 };
	log_reset();
	ap_ctx *ctx = open_ctx(&c, logcb, NULL);
	check("config.window_zero", ctx == NULL && nerr >= 1 && strstr(logbuf, "bruteforce.window"),
	      "log: %s", logbuf);
	ap_ctx_free(ctx);
	c = cfg_none();
	c.det[AP_DET_DICTIONARY] = (ap_detector_cfg){ 100000, 60 };
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.threshold_too_big", ctx == NULL && strstr(logbuf, "dictionary.threshold"),
	      "log: %s", logbuf);
	ap_ctx_free(ctx);
	c = cfg_none();
	c.detect_max_keys = 10;
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.max_keys_small", ctx == NULL && strstr(logbuf, "detect.maxKeys"), "log: %s",
	      logbuf);
	ap_ctx_free(ctx);
	c = cfg_none();
	c.det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ 5, AP_MAX_WINDOW + 1 };
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.window_above_maximum",
	      ctx == NULL && strstr(logbuf, "distributed.window") && strstr(logbuf, "2592000"),
	      "log: %s", logbuf);
	ap_ctx_free(ctx);
	c = cfg_none();
	c.detect_max_keys = AP_MAX_KEYS + 1;
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.max_keys_above_maximum", ctx == NULL && strstr(logbuf, "detect.maxKeys"),
	      "log: %s", logbuf);
	ap_ctx_free(ctx);
	ap_config_defaults(&c);
	c.detect = true;
	log_reset();
	ctx = open_ctx(&c, logcb, NULL);
	check("config.defaults_valid", ctx != NULL && nerr == 0, "log: %s", logbuf);
	ap_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* the key cap under a flood                                           */

static void test_flood(void)
{
	ap_config c;
	ap_config_defaults(&c);
	c.detect = true;
	c.detect_max_keys = 100000;
	c.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ 50, 600 };
	int err = 0;
	ap_detect *d = ap_detect_new(&c, logcb, NULL, &err);
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_alerts a;
	ap_event ev = mkevent(AP_KIND_AUTH, AP_OUT_FAILURE, NULL, NULL);
	ap_event atk = mkevent(AP_KIND_AUTH, AP_OUT_FAILURE, "root@d.example", "81.2.69.250");
	const uint32_t N = 1000000;
	uint64_t maxkeys = 0;
	uint32_t fired_last = 0, atk_count = 0;
	for (uint32_t i = 0; i < N; i++) {
		/* 1,000,000 distinct addresses in 2001:db8::/32, one failure each */
		ev.ip.family = 6;
		memset(ev.ip.b, 0, 16);
		ev.ip.b[0] = 0x20;
		ev.ip.b[1] = 0x01;
		ev.ip.b[2] = 0x0d;
		ev.ip.b[3] = 0xb8;
		ev.ip.b[12] = (uint8_t)(i >> 24);
		ev.ip.b[13] = (uint8_t)(i >> 16);
		ev.ip.b[14] = (uint8_t)(i >> 8);
		ev.ip.b[15] = (uint8_t)i;
		int64_t t = 50000 + i / 10000;
		ap_detect_feed(d, &ev, t, &a, &st);
		if (st.detect_keys > maxkeys)
			maxkeys = st.detect_keys;
		if (i % 20000 == 19999) {
			ap_detect_feed(d, &atk, t, &a, &st);
			atk_count++;
			fired_last = a.fired & 1u ? a.a[AP_DET_BRUTEFORCE].count : 0;
		}
	}
	check("flood.keys_under_cap", maxkeys <= 100000 && st.detect_keys <= 100000,
	      "max seen %llu, now %llu", (unsigned long long)maxkeys,
	      (unsigned long long)st.detect_keys);
	check("flood.cap_used", st.detect_keys >= 90000, "only %llu keys tracked",
	      (unsigned long long)st.detect_keys);
	/* every key inserted and no longer there was evicted (all inside the window) */
	uint64_t inserted = (uint64_t)N + 2; /* + the attacker's address and user */
	check("flood.evictions_counted", st.detect_evictions == inserted - st.detect_keys,
	      "evictions=%llu, want %llu", (unsigned long long)st.detect_evictions,
	      (unsigned long long)(inserted - st.detect_keys));
	check("flood.attacker_survives", atk_count == 50 && fired_last == 50,
	      "attacker failures %u, last bruteforce count %u", atk_count, fired_last);
	ap_detect_free(d);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/detect_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_bruteforce();
	test_not_failures();
	test_dictionary();
	test_distributed();
	test_compromise();
	test_insecure();
	test_incidents();
	test_incident_thread();
	test_counted();
	test_siphash();
	test_stale();
	test_cadence();
	test_reset_on_success();
	test_sketch();
	test_distinct();
	test_block();
	test_concurrency();
	test_clock();
	test_state();
	test_corrupt();
	test_state_v2();
	test_state_kill();
	test_config();
	test_flood();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("# %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
