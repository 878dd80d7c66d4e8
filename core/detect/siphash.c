/* siphash.c - SipHash-2-4: two compression rounds per 8-byte word, four
 * finalisation rounds, as the 2012 paper defines it (the test vectors of
 * its appendix are in tests/unit/detect_test.c).  Used for the attempted
 * passwords of the stale-client detector under a key that is random per
 * process and never leaves memory.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include "detect/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sipround(ap_siphash *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void compress(ap_siphash *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

void ap_siphash_init(ap_siphash *s, const uint64_t k[2])
{
	s->v0 = k[0] ^ 0x736f6d6570736575ULL;
	s->v1 = k[1] ^ 0x646f72616e646f6dULL;
	s->v2 = k[0] ^ 0x6c7967656e657261ULL;
	s->v3 = k[1] ^ 0x7465646279746573ULL;
	s->nbuf = 0;
	s->total = 0;
}

void ap_siphash_add(ap_siphash *s, const void *p, size_t n)
{
	const uint8_t *b = p;
	s->total += n;
	while (n > 0 && s->nbuf > 0) {
		s->buf[s->nbuf++] = *b++;
		n--;
		if (s->nbuf == 8) {
			compress(s, le64(s->buf));
			s->nbuf = 0;
		}
	}
	for (; n >= 8; b += 8, n -= 8)
		compress(s, le64(b));
	for (; n > 0; n--)
		s->buf[s->nbuf++] = *b++;
}

uint64_t ap_siphash_end(ap_siphash *s)
{
	uint64_t m = (uint64_t)(s->total & 0xff) << 56;
	for (size_t i = 0; i < s->nbuf; i++)
		m |= (uint64_t)s->buf[i] << (8 * i);
	compress(s, m);
	s->v2 ^= 0xff;
	sipround(s);
	sipround(s);
	sipround(s);
	sipround(s);
	uint64_t h = s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
	memset(s, 0, sizeof(*s)); /* no password-derived state left behind */
	return h;
}

uint64_t ap_siphash24(const uint64_t k[2], const void *p, size_t n)
{
	ap_siphash s;
	ap_siphash_init(&s, k);
	ap_siphash_add(&s, p, n);
	return ap_siphash_end(&s);
}
