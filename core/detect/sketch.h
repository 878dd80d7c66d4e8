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
/* a sketch's bytes: the registers, then the sum of 2^-register (a double)
 * and the number of zero registers (a uint16), both kept up to date as
 * registers change so that an estimate costs no loop (unaligned: copied in
 * and out with memcpy) */
#define HLL_BYTES (HLL_M + 8 + 2)

/* a new, empty sketch in sk (HLL_BYTES bytes) */
void det_hll_init(uint8_t *sk) AP_HIDDEN;

/* add a member by its 64-bit hash (well mixed) */
void det_hll_add(uint8_t *sk, uint64_t h) AP_HIDDEN;
/* the estimated number of distinct members added */
uint32_t det_hll_count(uint8_t *sk) AP_HIDDEN;

#endif
