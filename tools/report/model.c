/* model.c - the report's model: aggregation of the events read back into
 * bounded top-K tables (Space-Saving), the memory of addresses that
 * failed, the rings of the last N, the incidents and the hourly timeline
 * (model.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "model.h"

/* copy a string, cut on a UTF-8 character boundary */
void scopy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);
	if (dstsz == 0)
		return;
	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memmove(dst, src, n);
	dst[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* Space-Saving top-K summary                                          */

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (p == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	return p;
}

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

void ss_init(ss_table *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->e = xcalloc(cap, sizeof(ss_entry));
	t->heap = xcalloc(cap, sizeof(uint32_t));
	uint32_t slots = 16;
	while (slots < cap * 2)
		slots <<= 1;
	t->slot = xcalloc(slots, sizeof(uint32_t));
	t->mask = slots - 1;
}

void ss_free(ss_table *t)
{
	free(t->e);
	free(t->heap);
	free(t->slot);
}

static void heap_swap(ss_table *t, uint32_t i, uint32_t j)
{
	uint32_t a = t->heap[i], b = t->heap[j];
	t->heap[i] = b;
	t->heap[j] = a;
	t->e[b].heap = i;
	t->e[a].heap = j;
}

static void heap_up(ss_table *t, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (t->e[t->heap[p]].count <= t->e[t->heap[i]].count)
			break;
		heap_swap(t, i, p);
		i = p;
	}
}

static void heap_down(ss_table *t, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->n && t->e[t->heap[l]].count < t->e[t->heap[m]].count)
			m = l;
		if (r < t->n && t->e[t->heap[r]].count < t->e[t->heap[m]].count)
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static uint32_t ss_find_slot(const ss_table *t, const char *k, uint64_t h)
{
	uint32_t i = (uint32_t)h & t->mask;
	while (t->slot[i] != 0) {
		const ss_entry *e = &t->e[t->slot[i] - 1];
		if (e->hash == h && strcmp(e->key, k) == 0)
			return i;
		i = (i + 1) & t->mask;
	}
	return i;
}

/* linear probing deletion with backward shift */
static void ss_slot_delete(ss_table *t, uint32_t i)
{
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slot[j] == 0)
			break;
		uint32_t home = (uint32_t)t->e[t->slot[j] - 1].hash & t->mask;
		/* can the entry at j move to i? (home not cyclically in (i, j]) */
		int move = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
		if (move) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i] = 0;
}

/* count one occurrence of key; returns its entry */
static ss_entry *ss_add(ss_table *t, const char *key)
{
	size_t kn = strlen(key);
	if (kn >= KEYMAX)
		kn = KEYMAX - 1;
	char k[KEYMAX];
	memcpy(k, key, kn);
	k[kn] = '\0';
	uint64_t h = hash_str(k, kn);
	t->total++;
	uint32_t s = ss_find_slot(t, k, h);
	ss_entry *e;
	if (t->slot[s] != 0) {
		e = &t->e[t->slot[s] - 1];
		e->count++;
		heap_down(t, e->heap);
		return e;
	}
	uint32_t idx;
	if (t->n < t->cap) {
		idx = t->n++;
		e = &t->e[idx];
		memset(e, 0, sizeof(*e));
		e->heap = idx;
		t->heap[idx] = idx;
		e->count = 0;
	} else {
		/* replace the minimum; its count becomes the new key's error */
		idx = t->heap[0];
		e = &t->e[idx];
		ss_slot_delete(t, ss_find_slot(t, e->key, e->hash));
		uint64_t c = e->count;
		uint32_t hp = e->heap;
		memset(e, 0, sizeof(*e));
		e->heap = hp;
		e->count = c;
		e->err = c;
		t->evicted = 1;
		s = ss_find_slot(t, k, h);
	}
	memcpy(e->key, k, kn + 1);
	e->hash = h;
	e->count++;
	t->slot[s] = idx + 1;
	heap_up(t, e->heap);
	heap_down(t, e->heap);
	return e;
}

static int cmp_entry_desc(const void *a, const void *b)
{
	const ss_entry *x = *(const ss_entry *const *)a, *y = *(const ss_entry *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* the entries sorted by count (caller frees); *n gets min(n, limit) */
ss_entry **ss_sorted(const ss_table *t, uint32_t limit, uint32_t *n)
{
	ss_entry **v = xcalloc(t->n + 1, sizeof(*v));
	for (uint32_t i = 0; i < t->n; i++)
		v[i] = &t->e[i];
	qsort(v, t->n, sizeof(*v), cmp_entry_desc);
	*n = t->n < limit ? t->n : limit;
	return v;
}

/* ------------------------------------------------------------------ */
/* incidents: a table of --max-keys entries found by id                */

void inc_init(inc_table *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->e = xcalloc(cap, sizeof(inc_entry));
	uint32_t slots = 16;
	while (slots < cap * 2)
		slots <<= 1;
	t->slot = xcalloc(slots, sizeof(uint32_t));
	t->mask = slots - 1;
}

void inc_free(inc_table *t)
{
	free(t->e);
	free(t->slot);
}

/* the entry of an id; a new one when create (NULL when the table is full) */
static inc_entry *inc_find(inc_table *t, const char *id, int create)
{
	uint64_t h = hash_str(id, strlen(id));
	for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask) {
		uint32_t v = t->slot[i];
		if (v == 0) {
			if (!create)
				return NULL;
			if (t->n >= t->cap) {
				t->not_listed++;
				return NULL;
			}
			inc_entry *e = &t->e[t->n];
			memset(e, 0, sizeof(*e));
			scopy(e->id, sizeof(e->id), id);
			e->first = e->last = -1;
			t->slot[i] = ++t->n;
			return e;
		}
		if (strcmp(t->e[v - 1].id, id) == 0)
			return &t->e[v - 1];
	}
}

static int cmp_inc_desc(const void *a, const void *b)
{
	const inc_entry *x = *(const inc_entry *const *)a, *y = *(const inc_entry *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->id, y->id);
}

inc_entry **inc_sorted(const inc_table *t, uint32_t limit, uint32_t *n)
{
	inc_entry **v = xcalloc(t->n + 1, sizeof(*v));
	for (uint32_t i = 0; i < t->n; i++)
		v[i] = &t->e[i];
	qsort(v, t->n, sizeof(*v), cmp_inc_desc);
	*n = t->n < limit ? t->n : limit;
	return v;
}

static void inc_add_user(inc_entry *e, const char *user)
{
	if (user[0] == '\0')
		return;
	for (int i = 0; i < INC_USERS; i++) {
		if (e->users[i][0] == '\0') {
			scopy(e->users[i], sizeof(e->users[i]), user);
			return;
		}
		if (strncmp(e->users[i], user, sizeof(e->users[i]) - 1) == 0)
			return;
	}
	e->more_users = 1;
}

/* an address-keyed detector, or a user-keyed one (distributed, insecure) */
static int inc_user_keyed(int det)
{
	return det == AP_DET_DISTRIBUTED || det == AP_DET_INSECURE;
}

/* the incidents an event or a close record carries, into the table */
static void feed_incidents(report *rp, const rec *r)
{
	for (int i = 0; i < r->ninc; i++) {
		const rec_inc *x = &r->inc[i];
		char id[KEYMAX + 64];
		const char *key = x->key[0]                ? x->key
				  : inc_user_keyed(x->det) ? (r->user[0] ? r->user : r->ip)
							   : (r->ip[0] ? r->ip : r->user);
		if (x->id[0])
			snprintf(id, sizeof(id), "%s", x->id);
		else /* an alert of before incidents: one per detector and key */
			snprintf(id, sizeof(id), "%d:%s", x->det, key);
		inc_entry *e = inc_find(&rp->inc, id, 1);
		if (e == NULL)
			continue;
		e->det = x->det;
		if (e->key[0] == '\0')
			scopy(e->key, sizeof(e->key), key);
		if (e->country[0] == '\0' && r->ip[0] && strcmp(key, r->ip) == 0)
			country_label(r, e->country, sizeof(e->country));
		long long first = x->first >= 0 ? x->first : (r->has_t ? r->t : -1);
		long long last = x->last >= 0 ? x->last : (r->has_t ? r->t : -1);
		if (first >= 0 && (e->first < 0 || first < e->first))
			e->first = first;
		if (last > e->last)
			e->last = last;
		if (x->count > e->count)
			e->count = x->count;
		if (strcmp(x->state, "close") == 0)
			e->closed = 1;
		if (r->kind != REC_INCIDENT)
			inc_add_user(e, r->user);
		else if (inc_user_keyed(x->det))
			inc_add_user(e, x->key);
	}
}

/* ------------------------------------------------------------------ */
/* addresses that failed: fixed set-associative memory                 */

static fm_entry *fm_find(fail_mem *m, const char *ip, int create)
{
	uint64_t h = hash_str(ip, strlen(ip));
	fm_entry *set = &m->e[(h % FM_SETS) * FM_WAYS];
	fm_entry *victim = &set[0];
	for (int i = 0; i < FM_WAYS; i++) {
		if (set[i].ip[0] != '\0' && strcmp(set[i].ip, ip) == 0) {
			set[i].seq = ++m->seq;
			return &set[i];
		}
		if (set[i].seq < victim->seq)
			victim = &set[i];
	}
	if (!create)
		return NULL;
	if (victim->ip[0] != '\0')
		m->forgotten++;
	memset(victim, 0, sizeof(*victim));
	scopy(victim->ip, sizeof(victim->ip), ip);
	victim->seq = ++m->seq;
	return victim;
}

static void fm_add_user(fm_entry *f, const char *user)
{
	if (user[0] == '\0')
		return;
	for (int i = 0; i < FM_USERS; i++) {
		if (strncmp(f->users[i], user, sizeof(f->users[i]) - 1) == 0)
			return;
		if (f->users[i][0] == '\0') {
			scopy(f->users[i], sizeof(f->users[i]), user);
			return;
		}
	}
	/* full: keep the most recent ones */
	memmove(f->users[0], f->users[1], sizeof(f->users[0]) * (FM_USERS - 1));
	scopy(f->users[FM_USERS - 1], sizeof(f->users[0]), user);
}

/* ------------------------------------------------------------------ */
/* rings of the last N                                                 */

void ring_init(ring *r, uint32_t cap)
{
	r->cap = cap;
	r->n = r->head = 0;
	r->v = cap ? xcalloc(cap, sizeof(ring_item)) : NULL;
}

static ring_item *ring_push(ring *r)
{
	if (r->cap == 0)
		return NULL;
	ring_item *it = &r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
	memset(it, 0, sizeof(*it));
	return it;
}

/* i-th oldest */
ring_item *ring_at(ring *r, uint32_t i)
{
	uint32_t start = (r->head + r->cap - r->n) % r->cap;
	return &r->v[(start + i) % r->cap];
}

/* ------------------------------------------------------------------ */
/* timeline: failures per hour                                         */

static void tl_add(timeline *tl, long long hour)
{
	uint32_t i = (uint32_t)hash_str((const char *)&hour, sizeof(hour)) & (TL_SLOTS - 1);
	while (tl->hour[i] != 0) {
		if (tl->hour[i] == hour + 1) {
			tl->count[i]++;
			return;
		}
		i = (i + 1) & (TL_SLOTS - 1);
	}
	if (tl->n >= TL_MAX) {
		tl->dropped++;
		return;
	}
	tl->hour[i] = hour + 1;
	tl->count[i] = 1;
	tl->n++;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = ((const tl_bucket *)a)->start, y = ((const tl_bucket *)b)->start;
	return x < y ? -1 : x > y;
}

/* dense buckets from the first to the last failure; returns count */
size_t tl_buckets(const report *rp, tl_bucket **out, long long *width)
{
	*out = NULL;
	*width = 1;
	if (rp->tl.n == 0)
		return 0;
	tl_bucket *v = xcalloc(rp->tl.n, sizeof(*v));
	size_t n = 0;
	for (uint32_t i = 0; i < TL_SLOTS; i++)
		if (rp->tl.hour[i] != 0) {
			v[n].start = rp->tl.hour[i] - 1;
			v[n].n = rp->tl.count[i];
			n++;
		}
	qsort(v, n, sizeof(*v), cmp_ll);
	long long span = v[n - 1].start - v[0].start + 1;
	long long w = span <= 240 ? 1 : span <= 24 * 400 ? 24 : 24 * 7;
	long long first = v[0].start / w * w;
	if (v[0].start < 0 && v[0].start % w)
		first -= w;
	size_t nb = (size_t)((v[n - 1].start - first) / w + 1);
	tl_bucket *b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < nb; i++)
		b[i].start = first + (long long)i * w;
	for (size_t i = 0; i < n; i++)
		b[(v[i].start - first) / w].n += v[i].n;
	free(v);
	*out = b;
	*width = w;
	return nb;
}

/* ------------------------------------------------------------------ */
/* feeding the report                                                  */

/* country column: "NL", "(private)", "" */
void country_label(const rec *r, char *out, size_t outsz)
{
	if (r->country[0])
		scopy(out, outsz, r->country);
	else if (r->scope[0] && strcmp(r->scope, "public") != 0) {
		char sc[16];
		scopy(sc, sizeof(sc) - 2, r->scope);
		snprintf(out, outsz, "(%.12s)", sc);
	} else
		scopy(out, outsz, r->ip[0] ? "??" : "");
}

static void count_detector(report *rp, const char *name)
{
	for (int i = 0; i < rp->ndet; i++) {
		if (strcmp(rp->det[i].name, name) == 0) {
			rp->det[i].n++;
			return;
		}
	}
	if (rp->ndet < NDET_MAX) {
		scopy(rp->det[rp->ndet].name, sizeof(rp->det[0].name), name);
		rp->det[rp->ndet].n = 1;
		rp->ndet++;
	}
}

static void fill_item(ring_item *it, const rec *r)
{
	scopy(it->when, sizeof(it->when), r->when[0] ? r->when : "-");
	scopy(it->user, sizeof(it->user), r->user);
	scopy(it->ip, sizeof(it->ip), r->ip);
	country_label(r, it->country, sizeof(it->country));
	scopy(it->daemon, sizeof(it->daemon), r->daemon);
	scopy(it->service, sizeof(it->service), r->service);
	scopy(it->reason, sizeof(it->reason), r->reason);
}

static void count_service(ss_table *t, const char *key, const rec *r)
{
	ss_entry *e = ss_add(t, key[0] ? key : "(none)");
	if (r->kind == AP_KIND_BLOCK)
		e->n_other++;
	else if (r->outcome == AP_OUT_SUCCESS)
		e->n_succ++;
	else if (r->outcome == AP_OUT_FAILURE)
		e->n_fail++;
	else
		e->n_other++;
}

void feed(report *rp, const rec *r)
{
	if (r->kind == REC_INCIDENT) { /* a closed incident: not an event */
		rp->closes++;
		feed_incidents(rp, r);
		return;
	}
	rp->events++;
	feed_incidents(rp, r);
	if (r->has_t) {
		if (!rp->tz_set) {
			rp->tz_set = 1;
			rp->tz_off = r->off;
		}
		if (!rp->have_span || r->t < rp->first_t) {
			rp->first_t = r->t;
			scopy(rp->first_when, sizeof(rp->first_when), r->when);
		}
		if (!rp->have_span || r->t >= rp->last_t) {
			rp->last_t = r->t;
			scopy(rp->last_when, sizeof(rp->last_when), r->when);
		}
		rp->have_span = 1;
	} else {
		rp->untimed++;
	}
	for (int k = 0; k < AP_DET__COUNT; k++)
		if (r->det_bits & (1u << k))
			count_detector(rp, ap_detector_name((ap_detector)k));
	for (int k = 0; k < r->nother_det; k++)
		count_detector(rp, r->other_det[k]);
	count_service(&rp->services, r->service, r);
	count_service(&rp->daemons, r->daemon, r);

	if (r->kind == AP_KIND_BLOCK) {
		rp->blocks++;
		ring_item *it = ring_push(&rp->blockr);
		if (it == NULL)
			return;
		fill_item(it, r);
		it->count = r->count;
		it->window = r->window;
		size_t o = 0;
		for (int i = 0; i < r->nrel && o + 1 < sizeof(it->related); i++) {
			int w;
			if (r->rel[i].service[0] && r->rel[i].count >= 0)
				w = snprintf(it->related + o, sizeof(it->related) - o,
					     "%s%s (%s) x%lld", i ? ", " : "", r->rel[i].user,
					     r->rel[i].service, r->rel[i].count);
			else if (r->rel[i].service[0])
				w = snprintf(it->related + o, sizeof(it->related) - o, "%s%s (%s)",
					     i ? ", " : "", r->rel[i].user, r->rel[i].service);
			else if (r->rel[i].count >= 0)
				w = snprintf(it->related + o, sizeof(it->related) - o, "%s%s x%lld",
					     i ? ", " : "", r->rel[i].user, r->rel[i].count);
			else
				w = snprintf(it->related + o, sizeof(it->related) - o, "%s%s",
					     i ? ", " : "", r->rel[i].user);
			if (w < 0)
				break;
			o += (size_t)w;
		}
		if (o >= sizeof(it->related))
			it->related[sizeof(it->related) - 1] = '\0';
		fm_entry *f = r->ip[0] ? fm_find(&rp->fm, r->ip, 0) : NULL;
		if (f != NULL) {
			o = 0;
			for (int i = 0; i < FM_USERS && f->users[i][0]; i++) {
				int w = snprintf(it->computed + o, sizeof(it->computed) - o, "%s%s",
						 i ? ", " : "", f->users[i]);
				if (w < 0 || (size_t)w >= sizeof(it->computed) - o)
					break;
				o += (size_t)w;
			}
		}
		return;
	}

	if (r->outcome == AP_OUT_UNKNOWN) {
		rp->unknown++;
		return;
	}
	if (r->outcome == AP_OUT_FAILURE) {
		rp->failures++;
		if (r->ip[0]) {
			ss_entry *e = ss_add(&rp->addrs, r->ip);
			scopy(e->a, sizeof(e->a), r->country);
			scopy(e->b, sizeof(e->b), r->country_name);
			scopy(e->c, sizeof(e->c), r->as_org);
			scopy(e->d, sizeof(e->d), r->scope);
			e->asn = r->asn;
			fm_entry *f = fm_find(&rp->fm, r->ip, 1);
			f->fails++;
			fm_add_user(f, r->user);
		}
		char cl[16];
		country_label(r, cl, sizeof(cl));
		if (cl[0]) {
			ss_entry *e = ss_add(&rp->countries, cl);
			if (r->country_name[0])
				scopy(e->b, sizeof(e->b), r->country_name);
		}
		if (r->user[0])
			ss_add(&rp->logins, r->user);
		if (r->has_t)
			tl_add(&rp->tl, (r->t + rp->tz_off) >= 0
						? (r->t + rp->tz_off) / 3600
						: ((r->t + rp->tz_off) - 3599) / 3600);
		ring_item *it = ring_push(&rp->attacks);
		if (it != NULL)
			fill_item(it, r);
		return;
	}
	/* success */
	rp->successes++;
	if (r->tls == 0) {
		rp->plaintext_total++;
		ss_entry *e = ss_add(&rp->plaintext, r->user[0] ? r->user : "(no user)");
		scopy(e->a, sizeof(e->a), r->service);
		scopy(e->b, sizeof(e->b), r->ip);
	}
	int flagged = (r->det_bits & (1u << AP_DET_COMPROMISE)) ? 1 : 0;
	long long fails = 0;
	fm_entry *f = r->ip[0] ? fm_find(&rp->fm, r->ip, 0) : NULL;
	if (f != NULL && f->fails >= rp->min_fail) {
		flagged |= 2;
		fails = f->fails;
	}
	if (flagged) {
		rp->saf_total++;
		if (flagged & 1)
			rp->saf_alert++;
		if (flagged & 2)
			rp->saf_computed++;
		ring_item *it = ring_push(&rp->saf);
		if (it != NULL) {
			fill_item(it, r);
			it->fails = (flagged & 2) ? fails : r->comp_count;
			it->flagged = flagged;
		}
	}
}
