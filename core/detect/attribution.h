/* attribution.h - who caused a block: the users that failed from the
 * blocked address, collected while its key is locked and given their
 * names afterwards (attribution.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_ATTRIBUTION_H
#define AP_DETECT_ATTRIBUTION_H

#include "detect/store.h"

/* a user collected for block attribution */
struct relc {
	uint64_t uh;
	uint32_t count, last;
	uint8_t svc;
};

/* offer the users that failed from address key e inside the window w
 * ending at te to top[] (*nt entries, at most AP_MAX_RELATED kept);
 * with e's shard locked */
void det_attr_collect(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t w,
		      struct relc *top, uint32_t *nt) AP_HIDDEN;
/* sort top[] (nt > 0) and append the users to out->related[], looking up
 * each one's name in its user key; with no shard locked */
void det_attr_resolve(ap_detect *d, struct relc *top, uint32_t nt, ap_alerts *out) AP_HIDDEN;

#endif
