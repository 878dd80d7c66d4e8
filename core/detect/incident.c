/* incident.c - incidents: one detector firing on one key (an address, a
 * user, or a user from an address).  The alert that crosses the threshold
 * opens the incident ("open"); every later alert of that detector on that
 * key updates it ("update") for as long as each comes within the
 * detector's window of the one before; when the window passes with no new
 * alert the incident closes, and det_inc_sweep hands it to the close
 * callback (the rsyslog module submits it as a message of its own).
 *
 * An incident has a stable 64-bit id (a keyed hash of detector, key and
 * opening time: the same after a restart with the state file, which keeps
 * the seeds), first_seen (the oldest time the opening alert's count rests
 * on), last_seen (the newest alert) and a running count: bruteforce adds
 * each further failure and insecure each further plaintext login to the
 * count of the opening alert; the distinct counts (dictionary,
 * distributed), compromise and stale keep the largest count an alert of the
 * incident reported.
 *
 * An incident lives in the shard of its key (the address; the user for a
 * user-keyed one), so the detectors open and update it inside the
 * critical section they hold for the key anyway.
 *
 * Memory: each shard holds its open incidents in an open-addressing table
 * of fixed 56-byte slots (load <= 1/2; a user name is allocated beside it),
 * grown by doubling, at most as many incidents as keys per shard
 * (detect.maxKeys / 64); an alert that would open one more is not tracked
 * (its incident state is "none").  Closed incidents wait in the shard's
 * pending list until the next sweep.
 *
 * Concurrency and locking: the table of a shard is guarded by that shard's
 * mutex (store.c), taken here with no other lock held; the close callback
 * runs with no lock held.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "detect/incident.h"

uint32_t det_inc_window(const ap_detector_cfg *det, ap_detector k)
{
	return k == AP_DET_INSECURE ? INSECURE_WINDOW : det[k].window;
}

static uint64_t inc_hash(const ap_detect *d, uint8_t det, uint8_t kind, uint64_t k0, uint64_t k1,
			 uint64_t uh)
{
	uint64_t h = mix64(k0 ^ d->seed0 ^ ((uint64_t)det << 56) ^ ((uint64_t)kind << 48));
	h = mix64(h ^ k1 ^ d->seed1);
	return mix64(h + uh);
}

static uint64_t inc_id(const ap_detect *d, const struct inc *e)
{
	uint64_t h = inc_hash(d, e->det, e->kind, e->k0, e->k1, e->uh);
	h = mix64(h ^ ((uint64_t)e->first * 0x9e3779b97f4a7c15ULL) ^ d->seed1);
	return h ? h : 1;
}

/* ------------------------------------------------------------------ */
/* the table of a shard                                                */

static bool same_key(const struct inc *e, uint8_t det, uint8_t kind, uint64_t k0, uint64_t k1,
		     uint64_t uh)
{
	return e->kind == kind && e->det == det && e->k0 == k0 && e->k1 == k1 && e->uh == uh;
}

static struct inc *inc_find(struct shard *s, uint32_t h, uint8_t det, uint8_t kind, uint64_t k0,
			    uint64_t k1, uint64_t uh)
{
	if (s->incmask == 0)
		return NULL;
	for (uint32_t i = h & s->incmask;; i = (i + 1) & s->incmask) {
		struct inc *e = &s->inc[i];
		if (e->kind == 0)
			return NULL;
		if (e->h == h && same_key(e, det, kind, k0, k1, uh))
			return e;
	}
}

static struct inc *inc_place(struct inc *tab, uint32_t mask, const struct inc *v)
{
	uint32_t i = v->h & mask;
	while (tab[i].kind != 0)
		i = (i + 1) & mask;
	tab[i] = *v;
	return &tab[i];
}

/* room for one more: 0 ok, -1 full or out of memory */
static int inc_room(struct shard *s)
{
	if (s->ninc >= s->capmax)
		return -1;
	uint64_t cap = s->incmask ? (uint64_t)s->incmask + 1 : 0;
	if (2 * ((uint64_t)s->ninc + 1) <= cap)
		return 0;
	uint64_t ncap = cap ? cap * 2 : 16;
	struct inc *nt = calloc((size_t)ncap, sizeof(*nt));
	if (nt == NULL)
		return -1;
	for (uint64_t i = 0; i < cap; i++)
		if (s->inc[i].kind != 0)
			inc_place(nt, (uint32_t)(ncap - 1), &s->inc[i]);
	free(s->inc);
	s->inc = nt;
	s->incmask = (uint32_t)(ncap - 1);
	return 0;
}

/* take slot i out (backward-shift deletion); the name moves with the
 * caller's copy */
static void inc_remove(struct shard *s, uint32_t i)
{
	uint32_t mask = s->incmask;
	for (uint32_t j = i;;) {
		j = (j + 1) & mask;
		struct inc *v = &s->inc[j];
		if (v->kind == 0)
			break;
		uint32_t home = v->h & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->inc[i] = *v;
			i = j;
		}
	}
	memset(&s->inc[i], 0, sizeof(s->inc[i]));
	s->ninc--;
}

/* a closed incident into the pending list; on allocation failure it is
 * counted but not handed out */
static void inc_close(struct shard *s, struct inc *e, ap_stats *st)
{
	AP_STAT_INC(st, incidents_closed[e->det]);
	if (s->npend >= s->pendalloc) {
		uint32_t na = s->pendalloc ? s->pendalloc * 2 : 8;
		struct inc *np = realloc(s->pend, (size_t)na * sizeof(*np));
		if (np == NULL) {
			free(e->name);
			return;
		}
		s->pend = np;
		s->pendalloc = na;
	}
	s->pend[s->npend++] = *e;
}

/* ------------------------------------------------------------------ */
/* alerts                                                              */

static void out_of(const struct inc *e, uint8_t state, ap_incident *out)
{
	out->id = e->id;
	out->first_seen = e->first;
	out->last_seen = e->last;
	out->count = e->count;
	out->state = state;
}

struct shard *det_inc_shard(ap_detect *d, const struct inc_key *key)
{
	if (key->kind == AP_KEY_USER)
		return shard_of(d, det_hash_userkey(d, key->uh));
	return shard_of(d, det_hash_ip(d, key->k0, key->k1));
}

void det_inc_touch(ap_detect *d, const struct inc_key *key, ap_detector k, uint32_t te,
		   uint32_t first, uint32_t c, bool counted, ap_incident *out, ap_stats *st)
{
	struct shard *s = det_inc_shard(d, key);
	pthread_mutex_lock(&s->mu);
	det_inc_touch_locked(d, s, key, k, te, first, c, counted, out, st);
	pthread_mutex_unlock(&s->mu);
}

void det_inc_touch_locked(ap_detect *d, struct shard *s, const struct inc_key *key, ap_detector k,
			  uint32_t te, uint32_t first, uint32_t c, bool counted, ap_incident *out,
			  ap_stats *st)
{
	const uint8_t det = (uint8_t)k, kind = key->kind;
	const uint64_t k0 = kind == AP_KEY_USER ? 0 : key->k0;
	const uint64_t k1 = kind == AP_KEY_USER ? 0 : key->k1;
	const uint64_t uh = kind == AP_KEY_IP ? 0 : key->uh;
	const uint64_t hh = inc_hash(d, det, kind, k0, k1, uh);
	const uint32_t h = (uint32_t)hh, w = det_inc_window(d->det, k);
	memset(out, 0, sizeof(*out));
	if (first == 0 || first > te)
		first = te;
	struct inc *e = inc_find(s, h, det, kind, k0, k1, uh);
	if (e != NULL && !in_win(e->last, te, w)) {
		/* its window passed before the sweep came by: closed now */
		struct inc old = *e;
		inc_remove(s, (uint32_t)(e - s->inc));
		inc_close(s, &old, st);
		e = NULL;
	}
	if (e != NULL) {
		if (te > e->last)
			e->last = te;
		if (k == AP_DET_BRUTEFORCE || k == AP_DET_INSECURE) {
			if (counted && e->count < UINT32_MAX)
				e->count++;
		} else if (c > e->count) {
			e->count = c;
		}
		out_of(e, AP_INC_UPDATE, out);
	} else if (inc_room(s) == 0) {
		struct inc v = { .k0 = k0,
				 .k1 = k1,
				 .uh = uh,
				 .h = h,
				 .first = first,
				 .last = te,
				 .count = c,
				 .det = det,
				 .kind = kind };
		if (kind != AP_KEY_IP && key->name != NULL)
			v.name = strdup(key->name);
		if (kind == AP_KEY_IP || v.name != NULL) {
			v.id = inc_id(d, &v);
			e = inc_place(s->inc, s->incmask, &v);
			s->ninc++;
			AP_STAT_INC(st, incidents_opened[det]);
			out_of(e, AP_INC_OPEN, out);
		}
	}
}

/* ------------------------------------------------------------------ */
/* closing                                                             */

static void to_close(const struct inc *e, uint32_t w, ap_incident_close *c)
{
	memset(c, 0, offsetof(ap_incident_close, user));
	c->user[0] = '\0';
	c->detector = e->det;
	c->key = e->kind;
	c->window = w;
	if (e->kind != AP_KEY_USER)
		det_ip_unkey(e->k0, e->k1, &c->ip);
	if (e->kind != AP_KEY_IP && e->name != NULL) {
		size_t n = strlen(e->name);
		if (n > AP_USER_MAX)
			n = AP_USER_MAX;
		memcpy(c->user, e->name, n);
		c->user[n] = '\0';
	}
	out_of(e, AP_INC_CLOSE, &c->inc);
}

size_t det_inc_sweep(ap_detect *d, uint32_t now, ap_stats *st)
{
	enum { BATCH = 32 };
	struct inc batch[BATCH];
	ap_incident_close c;
	size_t total = 0;
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &d->sh[i];
		pthread_mutex_lock(&s->mu);
		for (uint32_t j = 0; s->ninc > 0 && j <= s->incmask;) {
			struct inc *e = &s->inc[j];
			if (e->kind != 0 && !in_win(e->last, now, det_inc_window(d->det, e->det))) {
				struct inc old = *e;
				inc_remove(s, j); /* a later entry may have moved into j */
				inc_close(s, &old, st);
				continue;
			}
			j++;
		}
		for (;;) {
			uint32_t n = s->npend < BATCH ? s->npend : BATCH;
			if (n == 0)
				break;
			memcpy(batch, s->pend + (s->npend - n), (size_t)n * sizeof(batch[0]));
			s->npend -= n;
			pthread_mutex_unlock(&s->mu);
			for (uint32_t k = 0; k < n; k++) {
				if (d->close_fn != NULL) {
					to_close(&batch[k], det_inc_window(d->det, batch[k].det),
						 &c);
					d->close_fn(d->close_arg, &c);
				}
				free(batch[k].name);
			}
			total += n;
			pthread_mutex_lock(&s->mu);
		}
		pthread_mutex_unlock(&s->mu);
	}
	return total;
}

void det_inc_clear(struct shard *s)
{
	for (uint32_t i = 0; s->incmask != 0 && i <= s->incmask; i++)
		free(s->inc[i].name);
	for (uint32_t i = 0; i < s->npend; i++)
		free(s->pend[i].name);
	free(s->inc);
	free(s->pend);
	s->inc = s->pend = NULL;
	s->incmask = s->ninc = s->npend = s->pendalloc = 0;
}

/* ------------------------------------------------------------------ */
/* the state file                                                      */

void det_inc_each(struct shard *s, det_inc_visit_fn fn, void *arg)
{
	for (uint32_t i = 0; s->incmask != 0 && i <= s->incmask; i++)
		if (s->inc[i].kind != 0)
			fn(arg, &s->inc[i]);
}

int det_inc_load(ap_detect *d, const struct inc *v, const char *name)
{
	const uint64_t hh = inc_hash(d, v->det, v->kind, v->k0, v->k1, v->uh);
	struct inc_key key = { .kind = v->kind, .k0 = v->k0, .k1 = v->k1, .uh = v->uh };
	struct shard *s = det_inc_shard(d, &key);
	if (inc_find(s, (uint32_t)hh, v->det, v->kind, v->k0, v->k1, v->uh) != NULL)
		return -1; /* duplicate: corrupt */
	if (inc_room(s) != 0)
		return 0; /* full: not kept */
	struct inc e = *v;
	e.h = (uint32_t)hh;
	e.name = NULL;
	if (v->kind != AP_KEY_IP) {
		e.name = strdup(name);
		if (e.name == NULL)
			return 0;
	}
	inc_place(s->inc, s->incmask, &e);
	s->ninc++;
	return 0;
}
