/* detectors.c - attack detection: brute force, dictionary, distributed,
 * compromise and plaintext logins, fed one event at a time
 * (ap_detect_feed), on the counts the key store keeps (store.c); a block
 * is put down to its users by attribution.c.
 *
 * Counts.  Exact up to the threshold: the ring holds at least `threshold`
 * timestamps and a set at least `threshold` distinct members, the newest
 * kept when full.  Above the threshold: a distinct count stays at the set's
 * size (>= threshold); the bruteforce count goes on rising by one per
 * failure for as long as the ring stays full of failures inside the window
 * (the failures of the ongoing burst), and is exact again once it is not.
 *
 * Time.  The time passed in (the message's own time, seconds).  Per key,
 * an event older than the newest one the key has seen is taken as
 * happening at that newest time: a clock that jumps backwards freezes the
 * key's clock until real time catches up, so rings stay ordered, nothing
 * expires early, and every failure is still counted.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"
#include "detect/detect.h"
#include "detect/store.h"
#include "detect/attribution.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static uint32_t clamp_time(int64_t t)
{
	if (t < 1)
		return 1;
	if (t > (int64_t)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)t;
}

/* ------------------------------------------------------------------ */
/* feeding                                                             */

static void fire(ap_alerts *out, ap_detector k, uint32_t count, const ap_detector_cfg *c)
{
	out->fired |= 1u << k;
	out->a[k].count = count;
	out->a[k].threshold = c->threshold;
	out->a[k].window = c->window;
}

void ap_detect_feed(ap_detect *d, const ap_event *ev, int64_t t, ap_alerts *out, ap_stats *st)
{
	out->fired = 0;
	out->cluster = 0;
	out->nrelated = 0;
	if (d == NULL || ev == NULL)
		return;
	const uint32_t now = clamp_time(t);
	const bool auth = ev->kind == AP_KIND_AUTH;
	const bool fail = auth && ev->outcome == AP_OUT_FAILURE;
	const bool succ = auth && ev->outcome == AP_OUT_SUCCESS;
	const bool block = ev->kind == AP_KIND_BLOCK;
	const bool has_ip = ev->ip.family == 4 || ev->ip.family == 6;

	char name[AP_USER_MAX + 1];
	size_t nl = 0;
	uint64_t uh = 0;
	if (ev->user.n > 0 && ev->user.p != NULL) {
		nl = ap_escape_user(ev->user.p, ev->user.n, name);
		if (nl > 0)
			uh = det_hash_bytes(d, name, nl) | 1; /* never 0: 0 means "no user" */
	}
	uint8_t svc = fail ? det_svc_index(d, ev->service, ev->service ? strlen(ev->service) : 0,
					   true)
			   : 0;

	struct relc top[AP_MAX_RELATED];
	uint32_t ntop = 0;
	uint32_t ipfp = 0;
	bool changed = false;

	if (has_ip) {
		uint64_t k0, k1;
		det_ip_key(&ev->ip, &k0, &k1);
		uint64_t h = det_hash_ip(d, k0, k1);
		ipfp = (uint32_t)(h >> 32);
		struct shard *s = shard_of(d, h);
		pthread_mutex_lock(&s->mu);
		if (s->now < now)
			s->now = now;
		struct dent *e = det_ent_find(s, (uint32_t)h, k0, k1, KT_IP);
		if (e != NULL) {
			e->ref = 1;
		} else if (fail) {
			e = det_ent_insert(d, s, (uint32_t)h, k0, k1, KT_IP, st);
			changed = true;
		}
		if (e != NULL) {
			uint32_t te = now > e->last ? now : e->last;
			e->last = te;
			if (fail)
				det_ip_add_failure(d, e, te, uh, svc);
			if (det_on(d, AP_DET_BRUTEFORCE)) {
				uint32_t c = det_ip_bruteforce(d, e, te);
				if (c >= d->det[AP_DET_BRUTEFORCE].threshold)
					fire(out, AP_DET_BRUTEFORCE, c, &d->det[AP_DET_BRUTEFORCE]);
			}
			if (det_on(d, AP_DET_DICTIONARY)) {
				uint32_t c = det_ip_users(d, e, te,
							  d->det[AP_DET_DICTIONARY].window);
				if (c >= d->det[AP_DET_DICTIONARY].threshold)
					fire(out, AP_DET_DICTIONARY, c, &d->det[AP_DET_DICTIONARY]);
			}
			if (succ && det_on(d, AP_DET_COMPROMISE)) {
				uint32_t c = det_ip_failures(d, e, te,
							     d->det[AP_DET_COMPROMISE].window);
				if (c >= d->det[AP_DET_COMPROMISE].threshold)
					fire(out, AP_DET_COMPROMISE, c, &d->det[AP_DET_COMPROMISE]);
			}
			if (block) {
				/* the block's own window ("in the last 3600 secs"),
				 * at most the retention window */
				uint32_t w = d->wip;
				if (ev->window > 0 && ev->window < (int64_t)w)
					w = (uint32_t)ev->window;
				det_attr_collect(d, e, te, w, top, &ntop);
			}
		}
		pthread_mutex_unlock(&s->mu);
	}

	if (uh != 0 && (has_ip || succ)) {
		uint64_t h = det_hash_userkey(d, uh);
		struct shard *s = shard_of(d, h);
		pthread_mutex_lock(&s->mu);
		if (s->now < now)
			s->now = now;
		struct dent *e = det_ent_find(s, (uint32_t)h, uh, 0, KT_USER);
		if (e != NULL) {
			e->ref = 1;
		} else if (fail && has_ip) {
			struct ud *q = det_ud_make(d, name, nl);
			if (q != NULL) {
				e = det_ent_insert(d, s, (uint32_t)h, uh, 0, KT_USER, st);
				changed = true;
				if (e != NULL)
					e->x = q;
				else
					free(q);
			}
		}
		if (e != NULL) {
			uint32_t te = now > e->last ? now : e->last;
			e->last = te;
			if (fail && has_ip)
				det_uip_add(d, e->x, ipfp, te);
			if (det_on(d, AP_DET_DISTRIBUTED)) {
				uint32_t c = det_user_addrs(d, e, te);
				if (c >= d->det[AP_DET_DISTRIBUTED].threshold) {
					fire(out, AP_DET_DISTRIBUTED, c,
					     &d->det[AP_DET_DISTRIBUTED]);
					if (succ && det_on(d, AP_DET_COMPROMISE)
					    && !(out->fired & (1u << AP_DET_COMPROMISE)))
						fire(out, AP_DET_COMPROMISE, c,
						     &d->det[AP_DET_DISTRIBUTED]);
				}
			}
		}
		pthread_mutex_unlock(&s->mu);
	}

	if (succ && ev->tls == 0 && det_on(d, AP_DET_INSECURE))
		fire(out, AP_DET_INSECURE, 1, &d->det[AP_DET_INSECURE]);

	if (ntop > 0)
		det_attr_resolve(d, top, ntop, out);

	if (out->fired)
		for (int k = 0; k < AP_DET__COUNT; k++)
			if (out->fired & (1u << k))
				AP_STAT_INC(st, alerts[k]);
	if (changed && st != NULL)
		__atomic_store_n(&st->detect_keys, __atomic_load_n(&d->nkeys, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}
