/* stale.h - the stale-client detector: the same failed password for the
 * same user from the same address again and again, and failures at a
 * steady cadence (stale.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_STALE_H
#define AP_DETECT_STALE_H

#include "detect/store.h"

#define STALE_K 4    /* passwords kept per user and address */
#define STALE_WAYS 4 /* entries per set of the table */

struct stale_pw {
	uint32_t fp;    /* 32 bits of the password's keyed hash; 0: empty */
	uint32_t first; /* when it was first tried */
	uint32_t cnt;   /* how often */
};

/* one user from one address */
struct stale {
	uint64_t key; /* hash of the address and the user; 0: empty */
	uint32_t last;
	struct stale_pw pw[STALE_K];
};

/* the sets of a shard's table for a key cap of capmax per shard */
uint32_t det_stale_sets(uint32_t capmax) AP_HIDDEN;
/* the key of user uh from address (k0, k1): never 0 */
uint64_t det_stale_key(const ap_detect *d, uint64_t k0, uint64_t k1, uint64_t uh) AP_HIDDEN;

/* A failure of that user from that address with password hash pwh at te:
 * how often that password has now been tried (1 the first time, 0 when the
 * table could not be had); *first gets when it was first tried.  With the
 * address's shard locked. */
uint32_t det_stale_fail(ap_detect *d, struct shard *s, uint64_t key, uint64_t pwh, uint32_t te,
			uint32_t *first) AP_HIDDEN;
/* a success of that user from that address ends the episode */
void det_stale_success(ap_detect *d, struct shard *s, uint64_t key) AP_HIDDEN;
void det_stale_free(const ap_detect *d, struct shard *s) AP_HIDDEN;

/* The cadence signal: address key e's newest failures (since its newest
 * success, at least STALE_CADENCE_MIN of them) all of user uh, no other user
 * failing from the address inside the retention window, each interval at
 * least STALE_MIN_INTERVAL seconds and within a fifth of their mean.
 * Returns the mean interval (0: no) and *n the failures it rests on. */
#define STALE_MIN_INTERVAL 60
uint32_t det_stale_cadence(const ap_detect *d, const struct dent *e, uint64_t uh, uint32_t te,
			   uint32_t *n) AP_HIDDEN;

#endif
