/* detect.c - attack detection: brute force, dictionary, distributed,
 * compromise and plaintext logins, and who caused a block.  This file
 * holds the configuration and the life cycle of a detection state:
 * ap_detect_new() checks the detector settings, sizes the key store from
 * the thresholds, seeds the keyed hashes and loads the state file;
 * ap_detect_free() saves the state file and frees the store.  It also
 * holds the detection clock and the background thread (ap_detect_start):
 * once a second it closes the incidents whose window has passed
 * (incident.c) and every detect.stateInterval seconds it writes the state
 * file.
 *
 * The detection clock.  Detection runs on the time of the messages; the
 * newest one any event carried is d->tmax.  When no newer message comes,
 * the clock goes on with the wall clock (monotonic) from the moment tmax
 * last moved, so that incidents close on a quiet system too: clock = tmax
 * + (wall now - wall when tmax last moved), read at most once a second.
 *
 * Concurrency: the clock's reading state is under sweep_mu, which also
 * serialises sweeps; the thread's start and stop under thr_mu.
 *
 * The rest of core/detect, each file opening with what it holds:
 *   store.c        the key store: keys, state, memory, concurrency
 *   detectors.c    ap_detect_feed(), the five detectors: counts, time
 *   attribution.c  who caused a block
 *   incident.c     incidents: open, update, close
 *   stale.c        stale clients: the same password again, a steady cadence
 *   siphash.c      the keyed hash of attempted passwords
 *   statefile.c    the state file: persistence
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "detect/detect.h"
#include "detect/store.h"
#include "detect/statefile.h"
#include "detect/incident.h"
#include "detect/stale.h"

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
	d->close_fn = cfg->incident_close;
	d->close_arg = cfg->incident_arg;
	d->state_interval = cfg->detect_state_interval;
	pthread_mutex_init(&d->sweep_mu, NULL);
	pthread_mutex_init(&d->thr_mu, NULL);
	pthread_cond_init(&d->thr_cv, NULL);
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
			logf_(d, AP_LOG_ERR,
			      "%s.window must be at least 1 second when %s.threshold "
			      "is set (threshold 0 turns the detector off)",
			      nm, nm);
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
		if (k != AP_DET_DISTRIBUTED && k != AP_DET_INSECURE && k != AP_DET_STALE
		    && det_on(d, (ap_detector)k) && d->det[k].window > d->wip)
			d->wip = d->det[k].window;
	d->wu = d->wip;
	if (det_on(d, AP_DET_DISTRIBUTED) && d->det[AP_DET_DISTRIBUTED].window > d->wu)
		d->wu = d->det[AP_DET_DISTRIBUTED].window;
	d->rtag = cfg->bruteforce_reset_on_success;
	d->stale_suppress = cfg->stale_suppress;
	if (det_on(d, AP_DET_STALE) && d->R < STALE_CADENCE_MIN)
		d->R = STALE_CADENCE_MIN; /* the cadence signal reads the ring */
	d->ud_ipoff = sizeof(struct ud);  /* 8: the uip array stays aligned */
	uint32_t per = cfg->detect_max_keys / NSHARDS;
	uint32_t ibits = 1;
	while (ibits < 32 && ((uint64_t)1 << ibits) <= per)
		ibits++;
	d->stale_sets = det_stale_sets(per);
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

static void thread_stop(ap_detect *d)
{
	pthread_mutex_lock(&d->thr_mu);
	bool running = d->thr_running;
	d->thr_stop = true;
	pthread_cond_broadcast(&d->thr_cv);
	pthread_mutex_unlock(&d->thr_mu);
	if (running)
		pthread_join(d->thr, NULL);
	d->thr_running = false;
}

void ap_detect_free(ap_detect *d)
{
	if (d == NULL)
		return;
	thread_stop(d);
	if (d->state_file != NULL)
		det_state_save(d, false);
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &d->sh[i];
		for (uint32_t j = 0; j < s->n; j++)
			free(s->ents[j].x);
		free(s->ents);
		free(s->slots);
		det_inc_clear(s);
		det_stale_free(d, s);
		pthread_mutex_destroy(&s->mu);
	}
	for (int i = 0; i < MAX_SVC; i++)
		free(d->svc_owned[i]);
	pthread_mutex_destroy(&d->svc_mu);
	pthread_mutex_destroy(&d->sweep_mu);
	pthread_mutex_destroy(&d->thr_mu);
	pthread_cond_destroy(&d->thr_cv);
	free(d->state_file);
	free(d);
}

/* ------------------------------------------------------------------ */
/* the clock and the background thread                                 */

static int64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* the detection clock; 0 before any event; with sweep_mu held */
static uint32_t det_clock(ap_detect *d)
{
	uint32_t tm = __atomic_load_n(&d->tmax, __ATOMIC_RELAXED);
	int64_t w = mono_s();
	if (tm != d->clk_tmax || d->clk_wall == 0) {
		d->clk_tmax = tm;
		d->clk_wall = w;
	}
	if (tm == 0)
		return 0;
	int64_t now = (int64_t)tm + (w - d->clk_wall);
	return now > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)now;
}

size_t ap_detect_sweep(ap_detect *d, int64_t now, ap_stats *st)
{
	if (d == NULL)
		return 0;
	pthread_mutex_lock(&d->sweep_mu);
	uint32_t t = now > 0 ? (now > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)now)
			     : det_clock(d);
	size_t n = t > 0 ? det_inc_sweep(d, t, st) : 0;
	pthread_mutex_unlock(&d->sweep_mu);
	return n;
}

static void *thread_main(void *arg)
{
	ap_detect *d = arg;
	int64_t last_save = mono_s();
	pthread_mutex_lock(&d->thr_mu);
	while (!d->thr_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&d->thr_cv, &d->thr_mu, &until);
		if (d->thr_stop)
			break;
		pthread_mutex_unlock(&d->thr_mu);
		ap_detect_sweep(d, 0, d->thr_st);
		int64_t w = mono_s();
		if (d->state_file != NULL && d->state_interval > 0
		    && w - last_save >= (int64_t)d->state_interval) {
			det_state_save(d, true);
			last_save = w;
		}
		pthread_mutex_lock(&d->thr_mu);
	}
	pthread_mutex_unlock(&d->thr_mu);
	return NULL;
}

int ap_detect_start(ap_detect *d, ap_stats *st)
{
	if (d == NULL)
		return 0;
	int rc = 0;
	pthread_mutex_lock(&d->thr_mu);
	if (!d->thr_running) {
		d->thr_st = st;
		d->thr_stop = false;
		rc = pthread_create(&d->thr, NULL, thread_main, d);
		if (rc == 0)
			d->thr_running = true;
		else
			logf_(d, AP_LOG_ERR, "detect: cannot start the background thread: %s",
			      strerror(rc));
	}
	pthread_mutex_unlock(&d->thr_mu);
	return rc == 0 ? 0 : -1;
}
