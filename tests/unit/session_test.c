/* session_test.c - sshd's connection table (core/recognisers/session.c)
 * through ap_process: its bounds and its locks.
 *
 * - threads: four threads feed one context at once, each its own
 *   connections ("Connection from", the address-less verdict, the close);
 *   every verdict must carry its own connection's address (TSan runs this
 *   in tests/gates/tsan.sh);
 * - capacity: more connections than the table holds are opened, then their
 *   verdicts read: those whose entry was given up get no event, none gets
 *   another connection's address, and no more than the table's 4096 find
 *   theirs;
 * - keys: a host of 64 bytes is keyed, one of 65 is not; the pid of the tag
 *   and the host both tell connections apart.
 * Expected addresses are built from the connection's number, the rule being
 * "the verdict takes the address of its own Connection from line".
 *
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "authparse.h"
#include "tests/testctx.h"

static int npass, nfail;

static void check(const char *name, int ok, const char *why)
{
	if (ok) {
		npass++;
		printf("PASS %s\n", name);
	} else {
		nfail++;
		printf("FAIL %s: %s\n", name, why);
	}
}

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	(void)lvl;
	(void)msg;
}

/* one message of sshd[pid] on host at time t; 1 and *res for an event */
static int feed(ap_ctx *ctx, ap_worker *w, const char *host, unsigned pid, int64_t t,
		const char *msg, ap_result *res)
{
	char tag[32];
	snprintf(tag, sizeof(tag), "sshd[%u]:", pid);
	ap_input in;
	memset(&in, 0, sizeof(in));
	in.tag = tag;
	in.taglen = strlen(tag);
	in.msg = msg;
	in.msglen = strlen(msg);
	in.time = t;
	in.host = host;
	in.hostlen = host ? strlen(host) : 0;
	return ap_process(ctx, w, &in, res);
}

/* the address of connection k: 10.a.b.c */
static void addr_of(unsigned k, char *buf, size_t n)
{
	snprintf(buf, n, "10.%u.%u.%u", (k >> 16) & 255, (k >> 8) & 255, k & 255);
}

/* the connection's address line, then its verdict: 1 the verdict carries
 * the address, 0 no event, -1 another address or another event */
static int open_conn(ap_ctx *ctx, ap_worker *w, const char *host, unsigned pid, unsigned k,
		     int64_t t)
{
	char ip[32], msg[128];
	ap_result res;
	addr_of(k, ip, sizeof(ip));
	snprintf(msg, sizeof(msg), "Connection from %s port %u on 10.255.0.1 port 22", ip,
		 1024 + (k & 4095));
	return feed(ctx, w, host, pid, t, msg, &res) ? -1 : 0;
}

static int verdict(ap_ctx *ctx, ap_worker *w, const char *host, unsigned pid, unsigned k, int64_t t)
{
	char ip[32], got[64];
	ap_result res;
	addr_of(k, ip, sizeof(ip));
	if (!feed(ctx, w, host, pid, t, "Disconnecting: Too many authentication failures [preauth]",
		  &res))
		return 0;
	ap_addr_format(&res.ev.ip, got, sizeof(got));
	if (strcmp(got, ip) != 0 || !res.ev.correlated || res.ev.outcome != AP_OUT_FAILURE)
		return -1;
	return 1;
}

/* ------------------------------------------------------------------ */

#define TH 4
#define PER_THREAD 5000

struct thr {
	ap_ctx *ctx;
	int id;
	int found, missed, wrong;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	ap_worker *w = ap_worker_new(t->ctx);
	char host[16];
	snprintf(host, sizeof(host), "h%d", t->id % 2);
	for (unsigned j = 0; j < PER_THREAD; j++) {
		unsigned k = (unsigned)t->id * PER_THREAD + j;
		unsigned pid = 1000 + k;
		ap_result res;
		char ip[32], msg[128];
		if (open_conn(t->ctx, w, host, pid, k, 100000) != 0) {
			t->wrong++;
			continue;
		}
		int v = verdict(t->ctx, w, host, pid, k, 100001);
		if (v > 0)
			t->found++;
		else if (v == 0)
			t->missed++;
		else
			t->wrong++;
		addr_of(k, ip, sizeof(ip));
		snprintf(msg, sizeof(msg), "Connection closed by %s port %u [preauth]", ip,
			 1024 + (k & 4095));
		if (feed(t->ctx, w, host, pid, 100002, msg, &res))
			t->wrong++; /* reported already: the close is no event */
	}
	ap_worker_free(w);
	return NULL;
}

static void test_threads(void)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	pthread_t th[TH];
	struct thr t[TH];
	for (int i = 0; i < TH; i++) {
		t[i] = (struct thr){ ctx, i, 0, 0, 0 };
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	int found = 0, missed = 0, wrong = 0;
	for (int i = 0; i < TH; i++) {
		pthread_join(th[i], NULL);
		found += t[i].found;
		missed += t[i].missed;
		wrong += t[i].wrong;
	}
	char why[128];
	snprintf(why, sizeof(why), "%d wrong", wrong);
	check("threads.no_wrong_address", wrong == 0, why);
	/* each thread's lines are in order and at most four connections are
	 * open at once: nothing is given up, every verdict finds its address */
	snprintf(why, sizeof(why), "%d found, %d missed of %d", found, missed, TH * PER_THREAD);
	check("threads.every_verdict_found", found == TH * PER_THREAD, why);
	ap_ctx_free(ctx);
}

static void test_capacity(void)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	ap_worker *w = ap_worker_new(ctx);
	const unsigned n = 6000;
	int wrong = 0, found = 0;
	for (unsigned k = 0; k < n; k++)
		if (open_conn(ctx, w, "gw", 50000 + k, k, 200000) != 0)
			wrong++;
	for (unsigned k = 0; k < n; k++) {
		int v = verdict(ctx, w, "gw", 50000 + k, k, 200001);
		if (v < 0)
			wrong++;
		else
			found += v;
	}
	char why[128];
	snprintf(why, sizeof(why), "%d wrong", wrong);
	check("capacity.no_wrong_address", wrong == 0, why);
	snprintf(why, sizeof(why), "%d of %u found", found, n);
	check("capacity.at_most_the_table", found > 0 && found <= 4096, why);
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

static void test_keys(void)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	ap_worker *w = ap_worker_new(ctx);
	char h64[65], h65[66];
	memset(h64, 'a', 64);
	h64[64] = '\0';
	memset(h65, 'a', 65);
	h65[65] = '\0';
	open_conn(ctx, w, h64, 7, 1, 300000);
	check("keys.host_of_64_bytes", verdict(ctx, w, h64, 7, 1, 300001) == 1, "no address");
	open_conn(ctx, w, h65, 8, 2, 300000);
	check("keys.host_of_65_bytes_not_keyed", verdict(ctx, w, h65, 8, 2, 300001) == 0,
	      "an event");
	/* the same pid on two hosts, and two pids on one host */
	open_conn(ctx, w, "a", 9, 3, 300000);
	open_conn(ctx, w, "b", 9, 4, 300000);
	open_conn(ctx, w, "a", 10, 5, 300000);
	check("keys.host_tells_apart",
	      verdict(ctx, w, "b", 9, 4, 300001) == 1 && verdict(ctx, w, "a", 9, 3, 300001) == 1,
	      "another address");
	check("keys.pid_tells_apart", verdict(ctx, w, "a", 10, 5, 300001) == 1, "another address");
	/* no host at all is a key too (a file of one host's lines) */
	open_conn(ctx, w, NULL, 11, 6, 300000);
	check("keys.no_host", verdict(ctx, w, NULL, 11, 6, 300001) == 1, "no address");
	/* without a time nothing is keyed */
	open_conn(ctx, w, "a", 12, 7, 0);
	check("keys.no_time_not_keyed", verdict(ctx, w, "a", 12, 7, 0) == 0, "an event");
	/* ap_parse reads each line alone */
	ap_input in;
	memset(&in, 0, sizeof(in));
	in.tag = "sshd[13]:";
	in.taglen = strlen(in.tag);
	in.msg = "Connection from 10.9.9.9 port 1 on 10.255.0.1 port 22";
	in.msglen = strlen(in.msg);
	in.time = 300000;
	ap_event ev;
	ap_parse(ctx, &in, &ev);
	in.msg = "Disconnecting: Too many authentication failures [preauth]";
	in.msglen = strlen(in.msg);
	check("keys.ap_parse_alone", !ap_parse(ctx, &in, &ev), "an event");
	check("keys.ap_parse_wrote_nothing", verdict(ctx, w, NULL, 13, 0, 300001) == 0,
	      "ap_parse's line reached the table");
	ap_worker_free(w);
	ap_ctx_free(ctx);
}

int main(void)
{
	test_threads();
	test_capacity();
	test_keys();
	printf("session: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
