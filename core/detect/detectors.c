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
 * One attempt, one count.  An event the recogniser marks uncounted (sshd's
 * key probes) is looked at (alerts of its keys still fire) but counts for
 * nothing and creates no key.  Dovecot with auth_verbose logs one failed
 * attempt twice: the auth process's verdict (AP_CORR_VERDICT) and, at
 * disconnect, the login process's summary (AP_CORR_SUMMARY, "auth failed,
 * N attempts").  The first line of such a pair counts; the second, matched
 * by address and session id (the verdict's "<session>" is the summary's
 * session=<...>), or by address and user within CORR_NOSESS seconds when a
 * line carries no session (dovecot 2.0 and older), is marked uncounted
 * ("counted": false).  The pending line waits in a direct-mapped table of
 * CORR_SLOTS slots per shard (of the address's shard, under its lock): a
 * slot reused by another attempt before the second line comes loses the
 * pairing, and both lines count, as before this existed.
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
#include <time.h>
#include "text.h"
#include "detect/detect.h"
#include "detect/store.h"
#include "detect/attribution.h"
#include "detect/incident.h"
#include "detect/stale.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

/* how far apart the two lines of one attempt may be: by session, the
 * connection's length (at most the address retention); without one, 1 s
 * plus dovecot's auth_failure_delay (2 s by default), which the summary
 * always waits for after the verdict */
#define CORR_NOSESS 3

/* the second line of an attempt whose first line was seen: 1 (and the
 * pending line is consumed); otherwise the line waits for its pair.  With
 * the address's shard locked. */
static int corr_second(ap_detect *d, struct shard *s, const ap_event *ev, uint64_t k0, uint64_t k1,
		       uint64_t uh, uint32_t te)
{
	uint64_t k = mix64(k0 ^ d->seed1 ^ 0x636f7272ULL);
	k = mix64(k ^ k1);
	bool by_sess = ev->session.n > 0;
	if (by_sess)
		k = mix64(k ^ det_hash_bytes(d, ev->session.p, ev->session.n));
	else if (uh != 0)
		k = mix64(k ^ uh ^ 0x75ULL);
	else
		return 0;
	struct corr *c = &s->corr[k & (CORR_SLOTS - 1)];
	uint32_t tag = (uint32_t)(k >> 32) | 1u;
	uint32_t lim = by_sess ? d->wip : CORR_NOSESS;
	if (c->t != 0 && c->tag == tag && c->role != ev->corr
	    && (int64_t)te - (int64_t)c->t <= (int64_t)lim
	    && (int64_t)c->t - (int64_t)te <= (int64_t)lim) {
		c->t = 0;
		return 1;
	}
	c->tag = tag;
	c->t = te;
	c->role = ev->corr;
	return 0;
}

/* An event time counts at most AP_CLOCK_AHEAD seconds ahead of this
 * machine's clock: the detection clock (d->tmax) follows the newest event
 * time, and one line stamped in the future (a device with a wrong clock, a
 * mistyped year in a log file, a forged event an aggregator reads back)
 * would otherwise move it ahead for good, so that every open incident
 * closed at the next sweep and every key's window ran ahead of the real
 * failures.  Old events (a log file replayed) are not touched. */
#define AP_CLOCK_AHEAD 3600

static uint32_t clamp_time(int64_t t)
{
	struct timespec ts;
	if (t < 1)
		return 1;
	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0 && ts.tv_sec > 0
	    && t > (int64_t)ts.tv_sec + AP_CLOCK_AHEAD)
		t = (int64_t)ts.tv_sec + AP_CLOCK_AHEAD;
	if (t > (int64_t)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)t;
}

/* ------------------------------------------------------------------ */
/* feeding                                                             */

/* what an alert's incident is about: its key, time and oldest time */
struct firing {
	struct inc_key key;
	uint32_t te, first;
};

static void fire(ap_alerts *out, ap_detector k, uint32_t count, const ap_detector_cfg *c)
{
	out->fired |= 1u << k;
	out->a[k].count = count;
	out->a[k].threshold = c->threshold;
	out->a[k].window = c->window;
	memset(&out->a[k].inc, 0, sizeof(out->a[k].inc));
}

/* the incidents of the detectors fired so far, inside the critical
 * section of shard s (their keys' shard); done ones are not touched again */
static void touch_here(ap_detect *d, struct shard *s, ap_alerts *out, struct firing *f,
		       bool counted_failure, ap_stats *st)
{
	for (int k = 0; k < AP_DET__COUNT; k++) {
		if (!(out->fired & (1u << k)) || f[k].key.kind == 0)
			continue;
		det_inc_touch_locked(
			d, s, &f[k].key, (ap_detector)k, f[k].te, f[k].first, out->a[k].count,
			k == AP_DET_INSECURE || (k == AP_DET_BRUTEFORCE && counted_failure),
			&out->a[k].inc, st);
		f[k].key.kind = 0;
	}
}

static void fire_on(ap_alerts *out, struct firing *f, ap_detector k, uint32_t count,
		    const ap_detector_cfg *c, const struct inc_key *key, uint32_t te,
		    uint32_t first)
{
	fire(out, k, count, c);
	f[k].key = *key;
	f[k].te = te;
	f[k].first = first;
}

void ap_detect_feed(ap_detect *d, ap_event *ev, int64_t t, ap_alerts *out, ap_stats *st)
{
	out->fired = 0;
	out->cluster = 0;
	out->nrelated = 0;
	out->stale_interval = out->stale_failures = 0;
	if (d == NULL || ev == NULL)
		return;
	const uint32_t now = clamp_time(t);
	if (now > __atomic_load_n(&d->tmax, __ATOMIC_RELAXED))
		__atomic_store_n(&d->tmax, now, __ATOMIC_RELAXED);
	const bool auth = ev->kind == AP_KIND_AUTH;
	/* a failure the detectors count (see "One attempt, one count") */
	bool fail = auth && ev->outcome == AP_OUT_FAILURE && !ev->uncounted;
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
	struct firing fk[AP_DET__COUNT];
	memset(fk, 0, sizeof(fk));
	struct inc_key ukey = { .kind = AP_KEY_USER, .uh = uh, .name = name };
	struct inc_key ikey = { .kind = AP_KEY_IP };
	if (nl == 0)
		name[0] = '\0';

	if (has_ip) {
		uint64_t k0, k1;
		det_ip_key(&ev->ip, &k0, &k1);
		ikey.k0 = k0;
		ikey.k1 = k1;
		uint64_t h = det_hash_ip(d, k0, k1);
		ipfp = (uint32_t)(h >> 32);
		struct shard *s = shard_of(d, h);
		pthread_mutex_lock(&s->mu);
		if (s->now < now)
			s->now = now;
		struct dent *e = det_ent_find(s, (uint32_t)h, k0, k1, KT_IP);
		const uint32_t tk = e != NULL && e->last > now ? e->last : now;
		if (fail && ev->corr != AP_CORR_NONE && corr_second(d, s, ev, k0, k1, uh, tk)) {
			fail = false;
			ev->uncounted = true;
		}
		if (det_on(d, AP_DET_STALE) && uh != 0) {
			if (fail && ev->pw_hash != 0) {
				uint32_t first;
				uint32_t c = det_stale_fail(d, s, det_stale_key(d, k0, k1, uh),
							    ev->pw_hash, tk, &first);
				if (c >= d->det[AP_DET_STALE].threshold) {
					struct inc_key pk = { .kind = AP_KEY_USER_IP,
							      .k0 = k0,
							      .k1 = k1,
							      .uh = uh,
							      .name = name };
					fire_on(out, fk, AP_DET_STALE, c, &d->det[AP_DET_STALE],
						&pk, tk, first);
				}
				if (c >= 2 && d->stale_suppress) {
					/* the same password again: a stale client, not a guess */
					fail = false;
					ev->uncounted = true;
				}
			} else if (succ) {
				det_stale_success(d, s, det_stale_key(d, k0, k1, uh));
			}
		}
		if (e != NULL) {
			e->ref = 1;
		} else if (fail) {
			e = det_ent_insert(d, s, (uint32_t)h, k0, k1, KT_IP, st);
			changed = true;
		}
		if (e != NULL) {
			uint32_t te = now > e->last ? now : e->last;
			e->last = te;
			if (fail) {
				det_ip_sketch(d, e, uh, te);
				det_ip_add_failure(d, e, te, uh, svc);
			}
			if (succ && e->x != NULL)
				((struct ipd *)e->x)->succ = te;
			if (fail && ev->pw_hash == 0 && det_on(d, AP_DET_STALE)) {
				uint32_t nf, iv = det_stale_cadence(d, e, uh, te, &nf);
				if (iv > 0) {
					out->stale_interval = iv;
					out->stale_failures = nf;
				}
			}
			uint32_t o;
			if (det_on(d, AP_DET_BRUTEFORCE)) {
				uint32_t c = det_ip_bruteforce(d, e, te, &o);
				if (c >= d->det[AP_DET_BRUTEFORCE].threshold)
					fire_on(out, fk, AP_DET_BRUTEFORCE, c,
						&d->det[AP_DET_BRUTEFORCE], &ikey, te, o);
			}
			if (det_on(d, AP_DET_DICTIONARY)) {
				uint32_t c = det_ip_users(d, e, te,
							  d->det[AP_DET_DICTIONARY].window, &o);
				if (c >= d->det[AP_DET_DICTIONARY].threshold)
					fire_on(out, fk, AP_DET_DICTIONARY, c,
						&d->det[AP_DET_DICTIONARY], &ikey, te, o);
			}
			if (succ && det_on(d, AP_DET_COMPROMISE)) {
				uint32_t c = det_ip_failures(d, e, te,
							     d->det[AP_DET_COMPROMISE].window, &o);
				if (c >= d->det[AP_DET_COMPROMISE].threshold)
					fire_on(out, fk, AP_DET_COMPROMISE, c,
						&d->det[AP_DET_COMPROMISE], &ikey, te, o);
			}
			if (block) {
				/* the block's own window ("in the last 3600 secs"),
				 * at most the retention window */
				uint32_t w = d->wip;
				if (ev->window > 0 && ev->window < (int64_t)w)
					w = (uint32_t)ev->window;
				det_attr_collect(d, e, te, w, top, &ntop);
			}
			/* bruteforce.resetOnSuccess: after compromise has seen them */
			if (succ && d->rtag)
				det_ip_forget_user(d, e, uh);
		}
		touch_here(d, s, out, fk, fail && has_ip, st);
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
			if (fail && has_ip) {
				det_user_sketch(d, e, ipfp, te);
				det_uip_add(d, e->x, ipfp, te);
			}
			if (det_on(d, AP_DET_DISTRIBUTED)) {
				uint32_t o;
				uint32_t c = det_user_addrs(d, e, te, &o);
				if (c >= d->det[AP_DET_DISTRIBUTED].threshold) {
					fire_on(out, fk, AP_DET_DISTRIBUTED, c,
						&d->det[AP_DET_DISTRIBUTED], &ukey, te, o);
					if (succ && det_on(d, AP_DET_COMPROMISE)
					    && !(out->fired & (1u << AP_DET_COMPROMISE)))
						fire_on(out, fk, AP_DET_COMPROMISE, c,
							&d->det[AP_DET_DISTRIBUTED], &ukey, te, o);
				}
			}
		}
		touch_here(d, s, out, fk, false, st);
		pthread_mutex_unlock(&s->mu);
	}

	if (succ && ev->tls == 0 && det_on(d, AP_DET_INSECURE)) {
		if (uh != 0 || has_ip) /* keyed by the user, else the address */
			fire_on(out, fk, AP_DET_INSECURE, 1, &d->det[AP_DET_INSECURE],
				uh != 0 ? &ukey : &ikey, now, now);
		else
			fire(out, AP_DET_INSECURE, 1, &d->det[AP_DET_INSECURE]);
	}

	if (ntop > 0)
		det_attr_resolve(d, top, ntop, out);

	if (out->fired) {
		for (int k = 0; k < AP_DET__COUNT; k++) {
			if (!(out->fired & (1u << k)))
				continue;
			AP_STAT_INC(st, alerts[k]);
			if (fk[k].key.kind != 0)
				det_inc_touch(d, &fk[k].key, (ap_detector)k, fk[k].te, fk[k].first,
					      out->a[k].count,
					      k == AP_DET_INSECURE
						      || (k == AP_DET_BRUTEFORCE && fail && has_ip),
					      &out->a[k].inc, st);
		}
	}
	if (changed && st != NULL)
		__atomic_store_n(&st->detect_keys, __atomic_load_n(&d->nkeys, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}
