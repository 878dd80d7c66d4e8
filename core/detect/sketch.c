/* sketch.c - HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) with
 * HLL_M = 128 one-byte registers: the top HLL_P bits of a member's hash
 * choose the register, which keeps the largest rank (leading zeros + 1) of
 * the remaining bits seen.  The estimate is alpha m^2 / sum 2^-reg, with
 * linear counting (m ln(m / zeros)) while it is at most 2.5 m and a
 * register is still zero.  Relative standard error 1.04 / sqrt(128) =
 * 9.2%; about two in three estimates fall within it, 95% within twice it.
 * 64-bit hashes: no large-range correction is needed below 2^57.
 *
 * Used by the dictionary and distributed detectors once their exact
 * member set is full (store.c): 128 bytes beside the set of a key under
 * attack, nothing for any other key.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include "detect/sketch.h"

void det_hll_add(uint8_t *reg, uint64_t h)
{
	uint32_t i = (uint32_t)(h >> (64 - HLL_P));
	uint64_t w = h << HLL_P;
	uint8_t rank = 1;
	while (rank <= 64 - HLL_P && !(w & 0x8000000000000000ULL)) {
		rank++;
		w <<= 1;
	}
	if (rank > reg[i])
		reg[i] = rank;
}

uint32_t det_hll_count(const uint8_t *reg)
{
	const double m = HLL_M;
	const double alpha = 0.7213 / (1.0 + 1.079 / m);
	double sum = 0.0;
	uint32_t zeros = 0;
	for (uint32_t i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -(int)reg[i]);
		if (reg[i] == 0)
			zeros++;
	}
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / (double)zeros);
	return e >= 4294967295.0 ? UINT32_MAX : (uint32_t)(e + 0.5);
}
