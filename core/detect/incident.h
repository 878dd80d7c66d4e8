/* incident.h - incidents: one detector firing on one key, from the alert
 * that crosses the threshold until the window passes with no new alert
 * (incident.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_INCIDENT_H
#define AP_DETECT_INCIDENT_H

#include "detect/store.h"

/* the key an incident is about */
struct inc_key {
	uint8_t kind;     /* ap_keykind */
	uint64_t k0, k1;  /* the address key (AP_KEY_IP, AP_KEY_USER_IP) */
	uint64_t uh;      /* the user hash (AP_KEY_USER, AP_KEY_USER_IP) */
	const char *name; /* the escaped user name, NUL-terminated */
};

/* the window that closes an incident of detector k (insecure has none of
 * its own: INSECURE_WINDOW) */
uint32_t det_inc_window(const ap_detector_cfg *det, ap_detector k) AP_HIDDEN;

/* An alert of detector k on key at te opens an incident or updates the open
 * one: *out gets its state.  first: the oldest time the alert's count rests
 * on; c: the alert's count; counted: the event is one more of what the
 * detector counts (bruteforce and insecure add it to the running count; the
 * others keep the largest count seen).  With no shard lock held. */
void det_inc_touch(ap_detect *d, const struct inc_key *key, ap_detector k, uint32_t te,
		   uint32_t first, uint32_t c, bool counted, ap_incident *out,
		   ap_stats *st) AP_HIDDEN;
/* the same with the incident's shard (det_inc_shard) already locked: the
 * key's own shard, so that the detectors touch an incident inside the
 * critical section they hold anyway */
void det_inc_touch_locked(ap_detect *d, struct shard *s, const struct inc_key *key, ap_detector k,
			  uint32_t te, uint32_t first, uint32_t c, bool counted, ap_incident *out,
			  ap_stats *st) AP_HIDDEN;
/* the shard an incident lives in: its key's (the address's, or the
 * user's for a user-keyed one) */
struct shard *det_inc_shard(ap_detect *d, const struct inc_key *key) AP_HIDDEN;

/* close every incident whose window has passed at now, handing each to
 * d->close_fn; returns the number closed.  With no shard lock held. */
size_t det_inc_sweep(ap_detect *d, uint32_t now, ap_stats *st) AP_HIDDEN;

/* free a shard's incidents (ap_detect_free, loading) */
void det_inc_clear(struct shard *s) AP_HIDDEN;

/* the state file: every open incident, and one read back */
typedef void (*det_inc_visit_fn)(void *arg, const struct inc *e);
void det_inc_each(struct shard *s, det_inc_visit_fn fn, void *arg) AP_HIDDEN;
int det_inc_load(ap_detect *d, const struct inc *e, const char *name) AP_HIDDEN;

#endif
