/* stale.c - the stale-client detector.  A phone or a mail client that
 * keeps an old password fails again and again with the same password, for
 * the same user, from the same address: that is not an attack, and it
 * should not get the address banned.
 *
 * The password signal.  Where the daemon logs the attempted password
 * (vpopmail, dovecot's "given password", courieresmtpd's AUTH PLAIN,
 * perdition), the pipeline hands over a keyed hash of it (SipHash-2-4
 * under a key random per process that never leaves memory; process.c).  Per
 * user and address the table keeps up to STALE_K passwords (32 bits of
 * their hash), when each was first tried and how often; all of it is
 * forgotten when stale.window passes with no failure of that user from that
 * address, and when that user logs in from there (the episode ends).  The
 * same password stale.threshold times is alert.stale; with stale.suppress a
 * repeated password (its second and later failures) does not count toward
 * bruteforce, dictionary and compromise (detectors.c).  Neither the hash
 * nor anything derived from it is logged, rendered or saved.
 *
 * The cadence signal, where no password is logged: the newest failures of
 * an address since its newest success, at least STALE_CADENCE_MIN, all of
 * one user with no other user failing from that address in the retention
 * window, each interval at least STALE_MIN_INTERVAL s and within a fifth
 * of their mean: the event is marked stale with the interval.  It reads the
 * address's failure ring (store.c).
 *
 * Memory: a set-associative table per shard, STALE_WAYS entries of 64
 * bytes per set, detect.maxKeys / 4096 sets per shard (a power of two, at
 * least 16), allocated at the shard's first password: 4 MiB in all (65,536
 * users from addresses) at the default of 1M keys.  A new user and address take the way of an entry that has
 * expired, else of the oldest entry that never saw a password twice (an
 * attacker's), else of the oldest: a flood of one-shot guesses does not
 * push out the stale clients it is kept for.
 *
 * Concurrency: a shard's table is guarded by the shard's mutex (store.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>
#include "detect/stale.h"

uint32_t det_stale_sets(uint32_t capmax)
{
	uint32_t want = capmax / 64, sets = 16;
	while (sets < want && sets < (1u << 20))
		sets <<= 1;
	return sets;
}

uint64_t det_stale_key(const ap_detect *d, uint64_t k0, uint64_t k1, uint64_t uh)
{
	uint64_t h = mix64(k0 ^ d->seed0 ^ 0x7374616c65ULL);
	h = mix64(h ^ k1);
	h = mix64(h ^ uh ^ d->seed1);
	return h ? h : 1;
}

static bool expired(const ap_detect *d, const struct stale *e, uint32_t te)
{
	return !in_win(e->last, te, d->det[AP_DET_STALE].window);
}

static bool repeated(const struct stale *e)
{
	for (int i = 0; i < STALE_K; i++)
		if (e->pw[i].cnt >= 2)
			return true;
	return false;
}

/* the way a new entry takes: an empty or expired one, else the oldest
 * that never saw a password twice, else the oldest */
static struct stale *victim(const ap_detect *d, struct stale *set, uint32_t te)
{
	struct stale *old = NULL, *oldrep = NULL;
	for (int i = 0; i < STALE_WAYS; i++) {
		struct stale *x = &set[i];
		if (x->key == 0 || expired(d, x, te))
			return x;
		if (!repeated(x)) {
			if (old == NULL || x->last < old->last)
				old = x;
		} else if (oldrep == NULL || x->last < oldrep->last) {
			oldrep = x;
		}
	}
	return old != NULL ? old : oldrep;
}

/* the entry of key in its set, a new one when create */
static struct stale *find(ap_detect *d, struct shard *s, uint64_t key, uint32_t te, bool create)
{
	if (s->stale == NULL) {
		if (!create)
			return NULL;
		s->stale = calloc((size_t)d->stale_sets * STALE_WAYS, sizeof(struct stale));
		if (s->stale == NULL)
			return NULL;
	}
	struct stale *set = &s->stale[(size_t)(key & (d->stale_sets - 1)) * STALE_WAYS];
	for (int i = 0; i < STALE_WAYS; i++)
		if (set[i].key == key)
			return &set[i];
	if (!create)
		return NULL;
	struct stale *v = victim(d, set, te);
	memset(v, 0, sizeof(*v));
	v->key = key;
	v->last = te;
	return v;
}

uint32_t det_stale_fail(ap_detect *d, struct shard *s, uint64_t key, uint64_t pwh, uint32_t te,
			uint32_t *first)
{
	struct stale *e = find(d, s, key, te, true);
	*first = te;
	if (e == NULL)
		return 0;
	if (expired(d, e, te))
		memset(e->pw, 0, sizeof(e->pw));
	if (te > e->last)
		e->last = te;
	uint32_t fp = (uint32_t)(pwh >> 32) | 1u;
	for (int i = 0; i < STALE_K; i++) {
		if (e->pw[i].fp == fp) {
			if (e->pw[i].cnt < UINT32_MAX)
				e->pw[i].cnt++;
			*first = e->pw[i].first;
			return e->pw[i].cnt;
		}
	}
	/* an empty slot, else the password tried least (the older of those) */
	int k = 0;
	for (int i = 0; i < STALE_K; i++) {
		if (e->pw[i].fp == 0) {
			k = i;
			break;
		}
		if (e->pw[i].cnt < e->pw[k].cnt
		    || (e->pw[i].cnt == e->pw[k].cnt && e->pw[i].first < e->pw[k].first))
			k = i;
	}
	e->pw[k] = (struct stale_pw){ fp, te, 1 };
	return 1;
}

void det_stale_success(ap_detect *d, struct shard *s, uint64_t key)
{
	struct stale *e = find(d, s, key, 0, false);
	if (e != NULL)
		memset(e->pw, 0, sizeof(e->pw));
}

void det_stale_free(const ap_detect *d, struct shard *s)
{
	if (s->stale != NULL)
		explicit_bzero(s->stale, (size_t)d->stale_sets * STALE_WAYS * sizeof(struct stale));
	free(s->stale);
	s->stale = NULL;
}

uint32_t det_stale_cadence(const ap_detect *d, const struct dent *e, uint64_t uh, uint32_t te,
			   uint32_t *n)
{
	struct ipd *p = e->x;
	*n = 0;
	if (p == NULL || uh == 0 || p->nring < STALE_CADENCE_MIN)
		return 0;
	const struct usr *u = ipd_usr(d, p);
	bool mine = false;
	for (uint32_t i = 0; i < p->nusr; i++) {
		if (u[i].uh == uh)
			mine = true;
		else if (in_win(u[i].last, te, d->wip))
			return 0; /* another user fails from that address */
	}
	if (!mine)
		return 0;
	const uint32_t *r = ipd_ring(p);
	/* the newest failures, newest first */
	enum { MAXN = 16 };
	uint32_t t[MAXN];
	uint32_t k = 0;
	for (uint32_t i = p->nring; i > 0 && k < MAXN; i--) {
		uint32_t ts = r[(p->head + i - 1) % p->rcap];
		if (ts <= p->succ)
			break;
		t[k++] = ts;
	}
	if (k < STALE_CADENCE_MIN)
		return 0;
	uint64_t sum = 0;
	uint32_t m = 0; /* intervals taken */
	for (uint32_t i = 1; i < k; i++) {
		uint32_t iv = t[i - 1] - t[i];
		if (iv < STALE_MIN_INTERVAL)
			break;
		uint64_t s2 = sum + iv;
		uint32_t m2 = m + 1;
		/* every interval within a fifth of the mean: |iv - mean| * 5 < mean */
		bool ok = true;
		for (uint32_t j = 1; j <= m2 && ok; j++) {
			uint64_t v = (uint64_t)(t[j - 1] - t[j]) * m2;
			uint64_t dv = v > s2 ? v - s2 : s2 - v;
			ok = dv * 5 < s2;
		}
		if (!ok)
			break;
		sum = s2;
		m = m2;
	}
	if (m + 1 < STALE_CADENCE_MIN)
		return 0;
	*n = m + 1;
	return (uint32_t)((sum + m / 2) / m);
}
