/* sketch.h - a small HyperLogLog for the distinct counts above the
 * threshold (sketch.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_SKETCH_H
#define AP_DETECT_SKETCH_H

#include <stdint.h>
#include "base.h"

#define HLL_P 7
#define HLL_M (1u << HLL_P) /* registers, one byte each */

/* add a member by its 64-bit hash (well mixed) */
void det_hll_add(uint8_t *reg, uint64_t h) AP_HIDDEN;
/* the estimated number of distinct members added */
uint32_t det_hll_count(const uint8_t *reg) AP_HIDDEN;

#endif
