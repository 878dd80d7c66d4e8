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
 * member set is full (store.c): 138 bytes beside the set of a key under
 * attack, nothing for any other key.  The sum of 2^-register and the
 * number of zero registers are kept beside the registers and updated when
 * one changes, so an estimate costs a division (and a log while counting
 * linearly), not a pass over the registers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include <string.h>
#include "detect/sketch.h"

/* 2^-k, k = 0..64 */
static const double pow2neg[65] = {
	0x1p-0,  0x1p-1,  0x1p-2,  0x1p-3,  0x1p-4,  0x1p-5,  0x1p-6,  0x1p-7,  0x1p-8,  0x1p-9,
	0x1p-10, 0x1p-11, 0x1p-12, 0x1p-13, 0x1p-14, 0x1p-15, 0x1p-16, 0x1p-17, 0x1p-18, 0x1p-19,
	0x1p-20, 0x1p-21, 0x1p-22, 0x1p-23, 0x1p-24, 0x1p-25, 0x1p-26, 0x1p-27, 0x1p-28, 0x1p-29,
	0x1p-30, 0x1p-31, 0x1p-32, 0x1p-33, 0x1p-34, 0x1p-35, 0x1p-36, 0x1p-37, 0x1p-38, 0x1p-39,
	0x1p-40, 0x1p-41, 0x1p-42, 0x1p-43, 0x1p-44, 0x1p-45, 0x1p-46, 0x1p-47, 0x1p-48, 0x1p-49,
	0x1p-50, 0x1p-51, 0x1p-52, 0x1p-53, 0x1p-54, 0x1p-55, 0x1p-56, 0x1p-57, 0x1p-58, 0x1p-59,
	0x1p-60, 0x1p-61, 0x1p-62, 0x1p-63, 0x1p-64
};

static double get_sum(const uint8_t *sk)
{
	double v;
	memcpy(&v, sk + HLL_M, sizeof(v));
	return v;
}

static void set_sum(uint8_t *sk, double v)
{
	memcpy(sk + HLL_M, &v, sizeof(v));
}

static uint32_t get_zeros(const uint8_t *sk)
{
	return (uint32_t)sk[HLL_M + 8] | (uint32_t)sk[HLL_M + 9] << 8;
}

static void set_zeros(uint8_t *sk, uint32_t z)
{
	sk[HLL_M + 8] = (uint8_t)z;
	sk[HLL_M + 9] = (uint8_t)(z >> 8);
}

void det_hll_init(uint8_t *sk)
{
	memset(sk, 0, HLL_M);
	set_sum(sk, (double)HLL_M); /* every register 0: 2^-0 each */
	set_zeros(sk, HLL_M);
}

void det_hll_add(uint8_t *sk, uint64_t h)
{
	uint32_t i = (uint32_t)(h >> (64 - HLL_P));
	uint64_t w = h << HLL_P;
	uint8_t rank = 1;
	while (rank <= 64 - HLL_P && !(w & 0x8000000000000000ULL)) {
		rank++;
		w <<= 1;
	}
	uint8_t old = sk[i];
	if (rank > old) {
		sk[i] = rank;
		set_sum(sk, get_sum(sk) - pow2neg[old] + pow2neg[rank]);
		if (old == 0)
			set_zeros(sk, get_zeros(sk) - 1);
	}
}

uint32_t det_hll_count(uint8_t *sk)
{
	const double m = HLL_M;
	const double alpha = 0.7213 / (1.0 + 1.079 / m);
	uint32_t zeros = get_zeros(sk);
	double e = alpha * m * m / get_sum(sk);
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / (double)zeros);
	return e >= 4294967295.0 ? UINT32_MAX : (uint32_t)(e + 0.5);
}
