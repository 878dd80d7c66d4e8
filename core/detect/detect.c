/* detect.c - attack detection: brute force, dictionary, distributed,
 * compromise and plaintext logins, and who caused a block.  This file
 * holds the configuration and the life cycle of a detection state:
 * ap_detect_new() checks the detector settings, sizes the key store from
 * the thresholds, seeds the keyed hashes and loads the state file;
 * ap_detect_free() saves the state file and frees the store.
 *
 * The rest of core/detect, each file opening with what it holds:
 *   store.c        the key store: keys, state, memory, concurrency
 *   detectors.c    ap_detect_feed(), the five detectors: counts, time
 *   attribution.c  who caused a block
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
