/* detect.c - attack detection: brute force, dictionary, distributed,
 * compromise and plaintext logins, and who caused a block.  The keys and
 * what each one holds: the key store (store.c).
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
 * Persistence: the state file (statefile.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "detect/detect.h"
#include "detect/store.h"
#include "detect/attribution.h"
#include "detect/statefile.h"

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
			uh = det_hash_bytes(d, name, nl) | 1;	/* never 0: 0 means "no user" */
	}
	uint8_t svc = fail ? det_svc_index(d, ev->service, ev->service ? strlen(ev->service) : 0, true) : 0;

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
				uint32_t c = det_ip_users(d, e, te, d->det[AP_DET_DICTIONARY].window);
				if (c >= d->det[AP_DET_DICTIONARY].threshold)
					fire(out, AP_DET_DICTIONARY, c, &d->det[AP_DET_DICTIONARY]);
			}
			if (succ && det_on(d, AP_DET_COMPROMISE)) {
				uint32_t c = det_ip_failures(d, e, te, d->det[AP_DET_COMPROMISE].window);
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
					fire(out, AP_DET_DISTRIBUTED, c, &d->det[AP_DET_DISTRIBUTED]);
					if (succ && det_on(d, AP_DET_COMPROMISE)
					    && !(out->fired & (1u << AP_DET_COMPROMISE)))
						fire(out, AP_DET_COMPROMISE, c, &d->det[AP_DET_DISTRIBUTED]);
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

/* ------------------------------------------------------------------ */
/* life cycle                                                          */

static void random_seeds(ap_detect *d)
{
	uint64_t s[2] = { 0, 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, s, sizeof(s)) != (ssize_t)sizeof(s))
			s[0] = s[1] = 0;
		close(fd);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	d->seed0 = mix64(s[0] ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32));
	d->seed1 = mix64(s[1] ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)d);
}

ap_detect *ap_detect_new(const ap_config *cfg, ap_log_fn log, void *cookie, int *err)
{
	*err = 0;
	ap_detect *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		if (log)
			log(cookie, AP_LOG_ERR, "detect: out of memory");
		*err = 1;
		return NULL;
	}
	d->log = log;
	d->cookie = cookie;
	pthread_mutex_init(&d->svc_mu, NULL);
	d->nsvc = 1;
	for (int i = 0; i < NSHARDS; i++)
		pthread_mutex_init(&d->sh[i].mu, NULL);
	memcpy(d->det, cfg->det, sizeof(d->det));
	for (int k = 0; k < AP_DET__COUNT; k++) {
		const char *nm = ap_detector_name((ap_detector)k);
		if (k == AP_DET_INSECURE) {
			if (d->det[k].threshold > 1)
				d->det[k].threshold = 1;
			d->det[k].window = 0;
			continue;
		}
		if (d->det[k].threshold > MAX_THRESHOLD) {
			logf_(d, AP_LOG_ERR, "%s.threshold %u is above the maximum %u", nm,
			      d->det[k].threshold, MAX_THRESHOLD);
			goto fail;
		}
		if (d->det[k].threshold > 0 && d->det[k].window == 0) {
			logf_(d, AP_LOG_ERR, "%s.window must be at least 1 second when %s.threshold "
			      "is set (threshold 0 turns the detector off)", nm, nm);
			goto fail;
		}
		if (d->det[k].window > 0x7fffffffu) {
			logf_(d, AP_LOG_ERR, "%s.window %u is too large", nm, d->det[k].window);
			goto fail;
		}
	}
	if (cfg->detect_max_keys < NSHARDS) {
		logf_(d, AP_LOG_ERR, "detect.maxKeys must be at least %d (got %u)", NSHARDS,
		      cfg->detect_max_keys);
		goto fail;
	}
	uint32_t B = d->det[AP_DET_BRUTEFORCE].threshold, C = d->det[AP_DET_COMPROMISE].threshold;
	uint32_t D = d->det[AP_DET_DICTIONARY].threshold;
	d->R = B > C ? B : C;
	if (d->R == 0)
		d->R = 1;
	d->U = D > REL_KEEP ? D : REL_KEEP;
	d->N = d->det[AP_DET_DISTRIBUTED].threshold;
	d->wip = MIN_RETAIN;
	for (int k = 0; k < AP_DET__COUNT; k++)
		if (k != AP_DET_DISTRIBUTED && k != AP_DET_INSECURE && det_on(d, (ap_detector)k)
		    && d->det[k].window > d->wip)
			d->wip = d->det[k].window;
	d->wu = d->wip;
	if (det_on(d, AP_DET_DISTRIBUTED) && d->det[AP_DET_DISTRIBUTED].window > d->wu)
		d->wu = d->det[AP_DET_DISTRIBUTED].window;
	d->usr_off = (sizeof(struct ipd) + (size_t)d->R * sizeof(uint32_t) + 7) & ~(size_t)7;
	d->ipd_size = d->usr_off + (size_t)d->U * sizeof(struct usr);
	d->ud_ipoff = sizeof(struct ud);
	uint32_t per = cfg->detect_max_keys / NSHARDS;
	uint32_t ibits = 1;
	while (ibits < 32 && ((uint64_t)1 << ibits) <= per)
		ibits++;
	for (int i = 0; i < NSHARDS; i++) {
		d->sh[i].capmax = per;
		d->sh[i].imask = ibits >= 32 ? UINT32_MAX : ((1u << ibits) - 1);
	}
	random_seeds(d);
	if (cfg->detect_state_file != NULL && cfg->detect_state_file[0] != '\0') {
		d->state_file = strdup(cfg->detect_state_file);
		if (d->state_file == NULL) {
			logf_(d, AP_LOG_ERR, "detect: out of memory");
			goto fail;
		}
		det_state_load(d);
	}
	return d;
fail:
	*err = 1;
	d->state_file = NULL;
	ap_detect_free(d);
	return NULL;
}

void ap_detect_free(ap_detect *d)
{
	if (d == NULL)
		return;
	if (d->state_file != NULL)
		det_state_save(d);
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &d->sh[i];
		for (uint32_t j = 0; j < s->n; j++)
			free(s->ents[j].x);
		free(s->ents);
		free(s->slots);
		pthread_mutex_destroy(&s->mu);
	}
	for (int i = 0; i < MAX_SVC; i++)
		free(d->svc_owned[i]);
	pthread_mutex_destroy(&d->svc_mu);
	free(d->state_file);
	free(d);
}
