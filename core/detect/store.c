/* store.c - the key store of attack detection: the keys, what each one
 * holds, and the sharded tables they live in.
 *
 * Keys.  Two kinds of key are tracked: a client address (KT_IP; the 16
 * bytes of the address, IPv4 as ::ffff:a.b.c.d) and a user (KT_USER; a
 * 64-bit keyed hash of the escaped user name, the name itself kept beside
 * it for block attribution).  A key is created by a failure only (a
 * failure with an address creates the address key; one with an address and
 * a user also creates the user key); successes and blocks only look keys up.
 *
 * State per address: the times of the newest R failures (a ring; R is the
 * larger of the bruteforce and compromise thresholds) and up to U distinct
 * users that failed from it (U = max(dictionary threshold, 8)), each with
 * the time of its last failure, a failure count and the service of its last
 * failure.  An address that has failed once keeps that one failure inside
 * its table entry; the ring and user set are allocated at its second
 * failure and freed again when all of it has left the retention window.
 * State per user: up to N distinct client addresses (32-bit fingerprints)
 * with the time of their last failure (N = distributed threshold) and the
 * escaped name.
 *
 * Memory.  64 shards, each a dense array of fixed 48-byte entries plus an
 * open-addressing index of 32-bit slots (load <= 1/2).  cfg->detect_max_keys
 * caps the keys in total: each shard holds at most max_keys/64.  A shard
 * that is full evicts with CLOCK (a key seen again since the hand last
 * passed gets a second chance; new keys start without one, so a flood of
 * one-shot addresses evicts itself before it evicts an address that keeps
 * failing); evictions are counted.  Keys whose state has left every
 * window are also dropped, two entries examined per insertion (not counted
 * as evictions).
 *
 * Concurrency and locking: one mutex per shard, held only while one key is
 * read or changed; an event touches its address key, then its user key,
 * never holding two locks at once (no lock order to get wrong).  The
 * service-name table is appended under its own mutex and read lock-free.
 * The configuration is immutable after ap_detect_new().  The key gauge is
 * an atomic counter.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "detect/store.h"
#include "detect/sketch.h"

/* ------------------------------------------------------------------ */
/* keys                                                                */

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* keyed hash of a byte string; independent of the host's byte order so
 * that a state file's hashes stay valid */
uint64_t det_hash_bytes(const ap_detect *d, const char *p, size_t n)
{
	const uint8_t *s = (const uint8_t *)p;
	uint64_t h = d->seed0 ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
	while (n >= 8) {
		h = mix64(h ^ le64(s)) + d->seed1;
		s += 8;
		n -= 8;
	}
	uint8_t tail[8] = { 0 };
	memcpy(tail, s, n);
	h = mix64(h ^ le64(tail) ^ ((uint64_t)n << 56));
	return mix64(h ^ d->seed1);
}

uint64_t det_hash_ip(const ap_detect *d, uint64_t k0, uint64_t k1)
{
	uint64_t h = mix64(k0 + d->seed0);
	return mix64(h ^ (k1 + d->seed1));
}

uint64_t det_hash_userkey(const ap_detect *d, uint64_t uh)
{
	return mix64(uh ^ d->seed1 ^ 0x7573657200000000ULL);
}

void det_ip_key(const ap_addr *a, uint64_t *k0, uint64_t *k1)
{
	uint8_t b[16];
	if (a->family == 4) {
		memset(b, 0, 10);
		b[10] = b[11] = 0xff;
		memcpy(b + 12, a->b, 4);
	} else {
		memcpy(b, a->b, 16);
	}
	*k0 = le64(b);
	*k1 = le64(b + 8);
}

void det_ip_unkey(uint64_t k0, uint64_t k1, ap_addr *a)
{
	uint8_t b[16];
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(k0 >> (8 * i));
		b[8 + i] = (uint8_t)(k1 >> (8 * i));
	}
	static const uint8_t v4pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(a, 0, sizeof(*a));
	if (memcmp(b, v4pre, sizeof(v4pre)) == 0) {
		a->family = 4;
		memcpy(a->b, b + 12, 4);
	} else {
		a->family = 6;
		memcpy(a->b, b, 16);
	}
}

/* ------------------------------------------------------------------ */
/* service names: a small table of the static strings events carry (and
 * of the names read from a state file), indexed by one byte            */

static uint8_t svc_find(ap_detect *d, const char *s, size_t n, bool by_ptr)
{
	uint32_t cnt = __atomic_load_n(&d->nsvc, __ATOMIC_ACQUIRE);
	for (uint32_t i = 1; i < cnt; i++)
		if (by_ptr && d->svc[i] == s)
			return (uint8_t)i;
	for (uint32_t i = 1; i < cnt; i++)
		if (strlen(d->svc[i]) == n && memcmp(d->svc[i], s, n) == 0)
			return (uint8_t)i;
	return 0;
}

/* index of a service name, adding it; 0 for none or when the table is full */
uint8_t det_svc_index(ap_detect *d, const char *s, size_t n, bool is_static)
{
	if (s == NULL || n == 0)
		return 0;
	uint8_t i = svc_find(d, s, n, is_static);
	if (i != 0)
		return i;
	pthread_mutex_lock(&d->svc_mu);
	i = svc_find(d, s, n, false);
	if (i == 0 && d->nsvc < MAX_SVC) {
		uint32_t k = d->nsvc;
		if (is_static) {
			d->svc[k] = s;
			i = (uint8_t)k;
		} else {
			char *c = malloc(n + 1);
			if (c != NULL) {
				memcpy(c, s, n);
				c[n] = '\0';
				d->svc_owned[k] = c;
				d->svc[k] = c;
				i = (uint8_t)k;
			}
		}
		if (i != 0)
			__atomic_store_n(&d->nsvc, k + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&d->svc_mu);
	return i;
}

const char *det_svc_name(ap_detect *d, uint8_t i)
{
	uint32_t cnt = __atomic_load_n(&d->nsvc, __ATOMIC_ACQUIRE);
	return (i > 0 && i < cnt) ? d->svc[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* the table of one shard                                              */

/* a slot holds the entry index + 1 in its low bits and, above them, bits
 * of the key hash (other bits than the ones that chose the slot), so that
 * probing rarely has to touch an entry that is not the one sought */
static inline uint32_t slot_tag(const struct shard *s, uint32_t h)
{
	return (h * 0x9e3779b1u) & ~s->imask;
}

static inline uint32_t slot_val(const struct shard *s, uint32_t h, uint32_t ei)
{
	return slot_tag(s, h) | (ei + 1);
}

struct dent *det_ent_find(struct shard *s, uint32_t h, uint64_t k0, uint64_t k1, uint8_t type)
{
	if (s->slots == NULL)
		return NULL;
	uint32_t tag = slot_tag(s, h);
	for (uint32_t i = h & s->mask;; i = (i + 1) & s->mask) {
		uint32_t v = s->slots[i];
		if (v == 0)
			return NULL;
		if ((v & ~s->imask) != tag)
			continue;
		struct dent *e = &s->ents[(v & s->imask) - 1];
		if (e->h == h && e->k0 == k0 && e->k1 == k1 && e->type == type)
			return e;
	}
}

static void slot_place(struct shard *s, uint32_t h, uint32_t v)
{
	uint32_t i = h & s->mask;
	while (s->slots[i] != 0)
		i = (i + 1) & s->mask;
	s->slots[i] = v;
}

static uint32_t slot_of(struct shard *s, uint32_t ei)
{
	uint32_t i = s->ents[ei].h & s->mask;
	while ((s->slots[i] & s->imask) != ei + 1)
		i = (i + 1) & s->mask;
	return i;
}

static void ent_remove(ap_detect *d, struct shard *s, uint32_t ei)
{
	uint32_t mask = s->mask;
	uint32_t i = slot_of(s, ei);
	/* backward-shift deletion (linear probing, no tombstones) */
	for (uint32_t j = i;;) {
		j = (j + 1) & mask;
		uint32_t v = s->slots[j];
		if (v == 0)
			break;
		uint32_t home = s->ents[(v & s->imask) - 1].h & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slots[i] = v;
			i = j;
		}
	}
	s->slots[i] = 0;
	free(s->ents[ei].x);
	uint32_t last = s->n - 1;
	if (ei != last) {
		uint32_t p = slot_of(s, last);
		s->ents[ei] = s->ents[last];
		s->slots[p] = slot_val(s, s->ents[ei].h, ei);
	}
	s->n--;
	__atomic_sub_fetch(&d->nkeys, 1, __ATOMIC_RELAXED);
}

static bool ent_expired(const ap_detect *d, const struct shard *s, const struct dent *e)
{
	uint32_t w = e->type == KT_IP ? d->wip : d->wu;
	return (int64_t)e->last + (int64_t)w <= (int64_t)s->now;
}

/* drop up to k keys whose state has left every window */
static void sweep_expired(ap_detect *d, struct shard *s, int k)
{
	while (k-- > 0 && s->n > 0) {
		if (s->sweep >= s->n)
			s->sweep = 0;
		if (ent_expired(d, s, &s->ents[s->sweep]))
			ent_remove(d, s, s->sweep);
		else
			s->sweep++;
	}
}

/* CLOCK: the first key without a second chance goes */
static void evict_one(ap_detect *d, struct shard *s, ap_stats *st)
{
	for (;;) {
		if (s->hand >= s->n)
			s->hand = 0;
		struct dent *e = &s->ents[s->hand];
		if (e->ref && !ent_expired(d, s, e)) {
			e->ref = 0;
			s->hand++;
			continue;
		}
		ent_remove(d, s, s->hand);
		AP_STAT_INC(st, detect_evictions);
		return;
	}
}

/* room for one more key: a larger entry array when it is full, a larger
 * index when one more key would load it past one half.  0 ok, -1 out of
 * memory (or at the cap, which det_ent_insert's eviction rules out:
 * capmax >= 1 as detect.maxKeys >= NSHARDS). */
static int shard_grow(struct shard *s)
{
	if (s->n >= s->alloc) {
		uint32_t na = s->alloc ? s->alloc * 2 : 64;
		if (na > s->capmax || na < s->alloc)
			na = s->capmax;
		if (na <= s->alloc)
			return -1;
		struct dent *ne = realloc(s->ents, (size_t)na * sizeof(*ne));
		if (ne == NULL)
			return -1;
		s->ents = ne;
		s->alloc = na;
	}
	uint64_t want = 4;
	while (want < 2 * (uint64_t)s->alloc)
		want <<= 1;
	if (s->slots == NULL || want > (uint64_t)s->mask + 1) {
		uint32_t *ns = calloc((size_t)want, sizeof(*ns));
		if (ns == NULL) /* the old index will do while one more keeps it half empty */
			return s->slots != NULL && (uint64_t)2 * (s->n + 1) <= (uint64_t)s->mask + 1
				       ? 0
				       : -1;
		free(s->slots);
		s->slots = ns;
		s->mask = (uint32_t)(want - 1);
		for (uint32_t i = 0; i < s->n; i++)
			slot_place(s, s->ents[i].h, slot_val(s, s->ents[i].h, i));
	}
	return 0;
}

/* a new key (not present); NULL when out of memory */
struct dent *det_ent_insert(ap_detect *d, struct shard *s, uint32_t h, uint64_t k0, uint64_t k1,
			    uint8_t type, ap_stats *st)
{
	sweep_expired(d, s, 2);
	if (s->n >= s->capmax)
		evict_one(d, s, st);
	if (s->n >= s->alloc || (uint64_t)2 * (s->n + 1) > (uint64_t)s->mask + 1) {
		if (shard_grow(s) != 0 || s->n >= s->alloc)
			return NULL;
	}
	uint32_t ei = s->n++;
	struct dent *e = &s->ents[ei];
	memset(e, 0, sizeof(*e));
	e->k0 = k0;
	e->k1 = k1;
	e->h = h;
	e->type = type;
	slot_place(s, h, slot_val(s, h, ei));
	__atomic_add_fetch(&d->nkeys, 1, __ATOMIC_RELAXED);
	return e;
}

/* ------------------------------------------------------------------ */
/* address state                                                       */

static uint32_t ring_newest(struct ipd *p)
{
	return p->nring ? ipd_ring(p)[(p->head + p->nring - 1u) % p->rcap] : 0;
}

static size_t sketch_bytes(const struct ipd *p)
{
	return (p->flags & DET_SKETCH) ? HLL_BYTES : 0;
}

/* address key e's detail with room for rcap failures and ucap users (at
 * least what it holds): a new block, the ring laid out from its oldest
 * entry.  NULL when out of memory (the old one is kept). */
static struct ipd *ipd_resize(ap_detect *d, struct dent *e, uint32_t rcap, uint32_t ucap)
{
	struct ipd *o = e->x;
	struct ipd *p = malloc(ipd_bytes(d, rcap, ucap) + sketch_bytes(o));
	if (p == NULL)
		return NULL;
	*p = *o;
	p->rcap = (uint16_t)rcap;
	p->ucap = (uint16_t)ucap;
	p->head = 0;
	for (uint32_t i = 0; i < o->nring; i++) {
		uint32_t k = (o->head + i) % o->rcap;
		ipd_ring(p)[i] = ipd_ring(o)[k];
		if (d->rtag)
			ipd_tag(d, p)[i] = ipd_tag(d, o)[k];
	}
	memcpy(ipd_usr(d, p), ipd_usr(d, o), (size_t)o->nusr * sizeof(struct usr));
	if (o->flags & DET_SKETCH)
		memcpy((char *)p + ipd_bytes(d, rcap, ucap),
		       (char *)o + ipd_bytes(d, o->rcap, o->ucap), HLL_BYTES);
	free(o);
	e->x = p;
	return p;
}

void det_ring_push(ap_detect *d, struct dent *e, uint32_t ts, uint16_t tag)
{
	struct ipd *p = e->x;
	if (p->nring == p->rcap && p->rcap < d->R) {
		uint32_t nc = (uint32_t)p->rcap * 2;
		struct ipd *np = ipd_resize(d, e, nc < d->R ? nc : d->R, p->ucap);
		if (np != NULL)
			p = np;
	}
	uint32_t *r = ipd_ring(p);
	if (p->nring < p->rcap) {
		r[(p->head + p->nring) % p->rcap] = ts;
		if (d->rtag)
			ipd_tag(d, p)[(p->head + p->nring) % p->rcap] = tag;
		p->nring++;
		return;
	}
	/* full: R slots (fewer only when memory ran out); the oldest goes */
	if (p->rcap == 0)
		return; /* no ring (ap_detect_new makes R at least 1) */
	uint32_t old = r[p->head];
	if (det_on(d, AP_DET_BRUTEFORCE) && in_win(old, ts, d->det[AP_DET_BRUTEFORCE].window)) {
		if (p->over < UINT32_MAX)
			p->over++;
	} else {
		p->over = 0;
	}
	r[p->head] = ts;
	if (d->rtag)
		ipd_tag(d, p)[p->head] = tag;
	p->head = (uint16_t)((p->head + 1u) % p->rcap);
}

void det_ip_forget_user(ap_detect *d, struct dent *e, uint64_t uh)
{
	struct ipd *p = e->x;
	if (uh == 0)
		return;
	if (p == NULL) {
		if (e->u == uh) {
			e->t1 = 0;
			e->u = 0;
			e->svc = 0;
		}
		return;
	}
	struct usr *u = ipd_usr(d, p);
	for (uint32_t i = 0; i < p->nusr; i++) {
		if (u[i].uh == uh) {
			u[i] = u[--p->nusr];
			break;
		}
	}
	if (!d->rtag)
		return;
	/* keep the ring's other failures, in order, from the oldest */
	uint32_t *r = ipd_ring(p);
	uint16_t *tg = ipd_tag(d, p), t = user_tag(uh);
	uint32_t n = 0;
	for (uint32_t i = 0; i < p->nring; i++) {
		uint32_t k = (p->head + i) % p->rcap;
		if (tg[k] == t)
			continue;
		uint32_t j = (p->head + n) % p->rcap;
		r[j] = r[k];
		tg[j] = tg[k];
		n++;
	}
	p->nring = (uint16_t)n;
	p->over = 0;
}

void det_usr_add(ap_detect *d, struct dent *e, uint64_t uh, uint32_t te, uint8_t svc, uint32_t cnt)
{
	struct ipd *p = e->x;
	struct usr *u = ipd_usr(d, p);
	for (uint32_t i = 0; i < p->nusr; i++) {
		if (u[i].uh == uh) {
			if (!in_win(u[i].last, te, d->wip))
				u[i].count = 0;
			uint32_t c = u[i].count + cnt;
			u[i].count = (uint16_t)(c > UINT16_MAX ? UINT16_MAX : c);
			u[i].last = te;
			u[i].svc = svc;
			return;
		}
	}
	uint32_t k = p->nusr;
	if (k == p->ucap && p->ucap < d->U) {
		uint32_t nc = (uint32_t)p->ucap * 2;
		struct ipd *np = ipd_resize(d, e, p->rcap, nc < d->U ? nc : d->U);
		if (np != NULL) {
			p = np;
			u = ipd_usr(d, p);
		}
	}
	if (k < p->ucap) {
		p->nusr++;
	} else {
		k = 0;
		for (uint32_t i = 1; i < p->nusr; i++)
			if (u[i].last < u[k].last)
				k = i;
		if (u[k].last > te) /* only when loading: keep the newer */
			return;
	}
	u[k].uh = uh;
	u[k].last = te;
	u[k].count = (uint16_t)(cnt > UINT16_MAX ? UINT16_MAX : cnt);
	u[k].svc = svc;
	u[k].pad = 0;
}

/* move the inline failure into a newly allocated detail */
struct ipd *det_ipd_make(ap_detect *d, struct dent *e)
{
	uint32_t rc = d->R < IPD_START ? d->R : IPD_START;
	uint32_t uc = d->U < IPD_START ? d->U : IPD_START;
	struct ipd *p = calloc(1, ipd_bytes(d, rc, uc));
	if (p == NULL)
		return NULL;
	p->rcap = (uint16_t)rc;
	p->ucap = (uint16_t)uc;
	uint32_t t1 = e->t1;
	uint64_t u1 = e->u;
	uint8_t s1 = e->svc;
	e->t1 = 0;
	e->u = 0;
	e->svc = 0;
	e->x = p;
	if (t1 != 0) {
		ipd_ring(p)[0] = t1;
		if (d->rtag)
			ipd_tag(d, p)[0] = user_tag(u1);
		p->nring = 1;
		if (u1 != 0)
			det_usr_add(d, e, u1, t1, s1, 1);
	}
	return e->x;
}

void det_ip_add_failure(ap_detect *d, struct dent *e, uint32_t te, uint64_t uh, uint8_t svc)
{
	struct ipd *p = e->x;
	if (p != NULL && !in_win(ring_newest(p), te, d->wip)) {
		/* everything it held has left the retention window */
		free(p);
		e->x = p = NULL;
	}
	if (p == NULL) {
		if (e->t1 == 0 || !in_win(e->t1, te, d->wip)) {
			e->t1 = te;
			e->u = uh;
			e->svc = svc;
			return;
		}
		p = det_ipd_make(d, e);
		if (p == NULL) { /* out of memory: keep the newest failure only */
			e->t1 = te;
			e->u = uh;
			e->svc = svc;
			return;
		}
	}
	det_ring_push(d, e, te, user_tag(uh));
	if (uh != 0)
		det_usr_add(d, e, uh, te, svc, 1);
}

/* failures inside the window w ending at te (at most R) */
uint32_t det_ip_failures(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t w,
			 uint32_t *oldest)
{
	(void)d;
	struct ipd *p = e->x;
	uint32_t o = 0, c = 0;
	if (p == NULL) {
		if (e->t1 != 0 && in_win(e->t1, te, w)) {
			o = e->t1;
			c = 1;
		}
	} else {
		uint32_t *r = ipd_ring(p);
		for (uint32_t i = p->nring; i > 0; i--) {
			uint32_t ts = r[(p->head + i - 1) % p->rcap];
			if (!in_win(ts, te, w))
				break;
			o = ts;
			c++;
		}
	}
	if (oldest != NULL)
		*oldest = o;
	return c;
}

uint32_t det_ip_bruteforce(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t *oldest)
{
	uint32_t c = det_ip_failures(d, e, te, d->det[AP_DET_BRUTEFORCE].window, oldest);
	struct ipd *p = e->x;
	if (p != NULL && c == d->R && p->nring == d->R && p->rcap == d->R)
		c = (p->over > UINT32_MAX - c) ? UINT32_MAX : c + p->over;
	return c;
}

static uint8_t *ipd_sketch(const ap_detect *d, struct ipd *p)
{
	return (uint8_t *)p + ipd_bytes(d, p->rcap, p->ucap);
}

static uint8_t *ud_sketch(const ap_detect *d, struct ud *q)
{
	return (uint8_t *)ud_name(d, q) + q->namelen + 1;
}

void det_ip_sketch(ap_detect *d, struct dent *e, uint64_t uh, uint32_t te)
{
	struct ipd *p = e->x;
	if (p == NULL || uh == 0 || !det_on(d, AP_DET_DICTIONARY))
		return;
	const uint32_t w = d->det[AP_DET_DICTIONARY].window;
	struct usr *u = ipd_usr(d, p);
	bool full = p->nusr >= d->U, member = false;
	for (uint32_t i = 0; i < p->nusr; i++) {
		full = full && in_win(u[i].last, te, w);
		member = member || u[i].uh == uh;
	}
	if (full && member)
		return; /* counted already, in the set and the sketch */
	if (!full) {
		if (p->flags & DET_SKETCH) {
			struct ipd *np = realloc(p, ipd_bytes(d, p->rcap, p->ucap));
			p = np != NULL ? np : p;
			p->flags &= (uint16_t)~DET_SKETCH;
			e->x = p;
		}
		return;
	}
	if (!(p->flags & DET_SKETCH)) {
		struct ipd *np = realloc(p, ipd_bytes(d, p->rcap, p->ucap) + HLL_BYTES);
		if (np == NULL)
			return;
		p = np;
		e->x = p;
		u = ipd_usr(d, p);
		det_hll_init(ipd_sketch(d, p));
		for (uint32_t i = 0; i < p->nusr; i++)
			det_hll_add(ipd_sketch(d, p), mix64(u[i].uh ^ d->seed0));
		p->flags |= DET_SKETCH;
	}
	det_hll_add(ipd_sketch(d, p), mix64(uh ^ d->seed0));
}

void det_user_sketch(ap_detect *d, struct dent *e, uint32_t fp, uint32_t te)
{
	struct ud *q = e->x;
	if (q == NULL || d->N == 0)
		return;
	const uint32_t w = d->det[AP_DET_DISTRIBUTED].window;
	struct uip *a = ud_ips(d, q);
	bool full = q->nip >= d->N, member = false;
	for (uint32_t i = 0; i < q->nip; i++) {
		full = full && in_win(a[i].last, te, w);
		member = member || a[i].fp == fp;
	}
	if (full && member)
		return;
	size_t base = (size_t)(ud_sketch(d, q) - (uint8_t *)q);
	if (!full) {
		if (q->flags & DET_SKETCH) {
			struct ud *nq = realloc(q, base);
			q = nq != NULL ? nq : q;
			q->flags &= (uint16_t)~DET_SKETCH;
			e->x = q;
		}
		return;
	}
	if (!(q->flags & DET_SKETCH)) {
		struct ud *nq = realloc(q, base + HLL_BYTES);
		if (nq == NULL)
			return;
		q = nq;
		e->x = q;
		a = ud_ips(d, q);
		det_hll_init(ud_sketch(d, q));
		for (uint32_t i = 0; i < q->nip; i++)
			det_hll_add(ud_sketch(d, q), mix64(a[i].fp ^ d->seed1));
		q->flags |= DET_SKETCH;
	}
	det_hll_add(ud_sketch(d, q), mix64(fp ^ d->seed1));
}

/* distinct users that failed inside the window */
uint32_t det_ip_users(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t w,
		      uint32_t *oldest)
{
	struct ipd *p = e->x;
	uint32_t o = 0, c = 0;
	if (p == NULL) {
		if (e->t1 != 0 && e->u != 0 && in_win(e->t1, te, w)) {
			o = e->t1;
			c = 1;
		}
	} else {
		struct usr *u = ipd_usr(d, p);
		for (uint32_t i = 0; i < p->nusr; i++) {
			if (in_win(u[i].last, te, w)) {
				if (o == 0 || u[i].last < o)
					o = u[i].last;
				c++;
			}
		}
		if ((p->flags & DET_SKETCH) && c == p->nusr) {
			uint32_t est = det_hll_count(ipd_sketch(d, p));
			if (est > c)
				c = est;
		}
	}
	if (oldest != NULL)
		*oldest = o;
	return c;
}

/* ------------------------------------------------------------------ */
/* user state                                                          */

struct ud *det_ud_make(ap_detect *d, const char *name, size_t nl)
{
	size_t sz = d->ud_ipoff + (size_t)d->N * sizeof(struct uip) + nl + 1;
	struct ud *q = calloc(1, sz);
	if (q == NULL)
		return NULL;
	q->namelen = (uint16_t)nl;
	memcpy(ud_name(d, q), name, nl);
	ud_name(d, q)[nl] = '\0';
	return q;
}

void det_uip_add(ap_detect *d, struct ud *q, uint32_t fp, uint32_t te)
{
	if (d->N == 0)
		return;
	struct uip *a = ud_ips(d, q);
	for (uint32_t i = 0; i < q->nip; i++) {
		if (a[i].fp == fp) {
			if (a[i].last < te)
				a[i].last = te;
			return;
		}
	}
	uint32_t k = q->nip;
	if (k < d->N) {
		q->nip++;
	} else {
		k = 0;
		for (uint32_t i = 1; i < q->nip; i++)
			if (a[i].last < a[k].last)
				k = i;
		if (a[k].last > te)
			return;
	}
	a[k].fp = fp;
	a[k].last = te;
}

uint32_t det_user_addrs(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t *oldest)
{
	struct ud *q = e->x;
	struct uip *a = ud_ips(d, q);
	uint32_t o = 0, c = 0;
	for (uint32_t i = 0; i < q->nip; i++) {
		if (in_win(a[i].last, te, d->det[AP_DET_DISTRIBUTED].window)) {
			if (o == 0 || a[i].last < o)
				o = a[i].last;
			c++;
		}
	}
	if ((q->flags & DET_SKETCH) && c == q->nip) {
		uint32_t est = det_hll_count(ud_sketch(d, q));
		if (est > c)
			c = est;
	}
	if (oldest != NULL)
		*oldest = o;
	return c;
}
