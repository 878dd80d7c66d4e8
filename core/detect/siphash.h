/* siphash.h - SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit
 * hash, here for the attempted passwords of the stale-client detector
 * (siphash.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_SIPHASH_H
#define AP_DETECT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include "base.h"

/* SipHash-2-4 of n bytes under the 128-bit key k (k[0] the first eight
 * key bytes read little-endian, k[1] the last eight) */
uint64_t ap_siphash24(const uint64_t k[2], const void *p, size_t n) AP_HIDDEN;

/* the same over several pieces as if they were one string, without
 * copying them together */
typedef struct ap_siphash {
	uint64_t v0, v1, v2, v3;
	uint8_t buf[8];
	size_t nbuf, total;
} ap_siphash;
void ap_siphash_init(ap_siphash *s, const uint64_t k[2]) AP_HIDDEN;
void ap_siphash_add(ap_siphash *s, const void *p, size_t n) AP_HIDDEN;
uint64_t ap_siphash_end(ap_siphash *s) AP_HIDDEN;

#endif
