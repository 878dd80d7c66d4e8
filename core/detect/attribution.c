/* attribution.c - who caused a block.  A block (lfd's "... in the last
 * 3600 secs") is put down to the users that failed from the blocked
 * address inside the block's own window, at most the address retention
 * window: of those, the AP_MAX_RELATED with the highest failure counts
 * (the user set's counts, failures since the entry became active), the
 * newer on a tie; each with its count and the service of its last failure,
 * ordered by count, then newest, then user hash.  They are collected from
 * the address key under its shard's lock (det_attr_collect), then given
 * the names kept in their user keys, one lock at a time
 * (det_attr_resolve); a user whose key was evicted meanwhile has no name
 * left and is left out.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "detect/attribution.h"

/* keep the AP_MAX_RELATED entries with the highest counts */
static void rel_offer(struct relc *top, uint32_t *nt, uint64_t uh, uint32_t count, uint32_t last,
		      uint8_t svc)
{
	uint32_t k = *nt;
	if (k == AP_MAX_RELATED) {
		k = 0;
		for (uint32_t i = 1; i < AP_MAX_RELATED; i++)
			if (top[i].count < top[k].count
			    || (top[i].count == top[k].count && top[i].last < top[k].last))
				k = i;
		if (count < top[k].count || (count == top[k].count && last <= top[k].last))
			return;
	} else {
		(*nt)++;
	}
	top[k] = (struct relc){ uh, count, last, svc };
}

static int rel_cmp(const void *a, const void *b)
{
	const struct relc *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return x->uh < y->uh ? -1 : x->uh > y->uh;
}

void det_attr_collect(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t w,
		      struct relc *top, uint32_t *nt)
{
	struct ipd *p = e->x;
	if (p == NULL) {
		if (e->u != 0 && e->t1 != 0 && in_win(e->t1, te, w))
			rel_offer(top, nt, e->u, 1, e->t1, e->svc);
	} else {
		struct usr *u = ipd_usr(d, p);
		for (uint32_t i = 0; i < p->nusr; i++)
			if (in_win(u[i].last, te, w))
				rel_offer(top, nt, u[i].uh, u[i].count, u[i].last, u[i].svc);
	}
}

void det_attr_resolve(ap_detect *d, struct relc *top, uint32_t nt, ap_alerts *out)
{
	qsort(top, nt, sizeof(top[0]), rel_cmp);
	for (uint32_t i = 0; i < nt; i++) {
		uint64_t h = det_hash_userkey(d, top[i].uh);
		struct shard *s = shard_of(d, h);
		ap_related *r = &out->related[out->nrelated];
		bool found = false;
		pthread_mutex_lock(&s->mu);
		struct dent *e = det_ent_find(s, (uint32_t)h, top[i].uh, 0, KT_USER);
		if (e != NULL) {
			struct ud *q = e->x;
			memcpy(r->user, ud_name(d, q), (size_t)q->namelen + 1);
			found = true;
		}
		pthread_mutex_unlock(&s->mu);
		if (found) { /* a user key evicted meanwhile has no name left */
			r->service = det_svc_name(d, top[i].svc);
			r->count = top[i].count;
			out->nrelated++;
		}
	}
}
