/* base.h - the few macros every part of the core uses: symbol visibility
 * and the statistics counters.  Includes nothing of the core but the public
 * header.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_BASE_H
#define AP_BASE_H

#include "authparse.h"

#define AP_HIDDEN __attribute__((visibility("hidden")))
#define AP_UNUSED __attribute__((unused))

/* counters in ap_stats are shared by every worker: relaxed atomics */
#define AP_STAT_INC(st, field)                                                 \
	do {                                                                   \
		if (st)                                                        \
			__atomic_fetch_add(&(st)->field, 1, __ATOMIC_RELAXED); \
	} while (0)
#define AP_STAT_ADD(st, field, v)                                                \
	do {                                                                     \
		if (st)                                                          \
			__atomic_fetch_add(&(st)->field, (v), __ATOMIC_RELAXED); \
	} while (0)

#endif
