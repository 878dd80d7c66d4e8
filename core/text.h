/* text.h - the scanning toolkit every recogniser is written with: a
 * cursor that never passes its end, spans (pointer and length, no NUL),
 * literal search, digits, case-insensitive comparison, the date readers of
 * the file formats, UTF-8 escaping and the log formatter.  Imports nothing
 * above it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_TEXT_H
#define AP_TEXT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base.h"

/* a length above PTRDIFF_MAX is a span whose end was found before its
 * start (e - p with e < p, cast to size_t): a recogniser's bug that would
 * read before the line.  The scanners below read nothing then and find
 * nothing; builds with -DAP_ABORT_ON_BAD_LENGTH (the fuzz targets and
 * tests/run's sanitizer build) stop there so that the bug is seen */
#ifdef AP_ABORT_ON_BAD_LENGTH
#define AP_BAD_LENGTH(n) ((n) > (size_t)PTRDIFF_MAX ? (abort(), 1) : 0)
#else
#define AP_BAD_LENGTH(n) __builtin_expect((n) > (size_t)PTRDIFF_MAX, 0)
#endif

/* ------------------------------------------------------------------ */
/* cursor: p moves towards e, never past it                             */

typedef struct {
	const char *p;
	const char *e;
} ap_cur;

static inline ap_cur ap_cur_make(const char *p, size_t n)
{
	ap_cur c = { p, AP_BAD_LENGTH(n) ? p : p + n };
	return c;
}

static inline size_t ap_cur_left(const ap_cur *c)
{
	return (size_t)(c->e - c->p);
}

/* does the cursor start with the literal?  (no move) */
static inline int ap_cur_at(const ap_cur *c, const char *lit, size_t n)
{
	return ap_cur_left(c) >= n && memcmp(c->p, lit, n) == 0;
}
#define AP_AT(c, lit) ap_cur_at((c), (lit), sizeof(lit) - 1)

/* consume the literal if it is there */
static inline int ap_cur_eat(ap_cur *c, const char *lit, size_t n)
{
	if (!ap_cur_at(c, lit, n))
		return 0;
	c->p += n;
	return 1;
}
#define AP_EAT(c, lit) ap_cur_eat((c), (lit), sizeof(lit) - 1)

static inline int ap_cur_eatc(ap_cur *c, char ch)
{
	if (c->p < c->e && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static inline void ap_cur_skip_blanks(ap_cur *c)
{
	const char *p = c->p, *e = c->e;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	c->p = p;
}

/* find the literal at or after the cursor; move to its start (returns 1)
 * or leave the cursor alone (returns 0) */
int ap_cur_find(ap_cur *c, const char *lit, size_t n) AP_HIDDEN;
#define AP_FIND(c, lit) ap_cur_find((c), (lit), sizeof(lit) - 1)
/* like ap_cur_find, then step over the literal */
int ap_cur_skip_past(ap_cur *c, const char *lit, size_t n) AP_HIDDEN;
#define AP_SKIP_PAST(c, lit) ap_cur_skip_past((c), (lit), sizeof(lit) - 1)

/* span up to (not including) the first ch; the cursor stops on ch.
 * Returns 0 (cursor unchanged) when ch does not occur. */
int ap_cur_until(ap_cur *c, char ch, ap_span *out) AP_HIDDEN;
/* span of non-blank characters (maybe empty); cursor after it */
ap_span ap_cur_word(ap_cur *c) AP_HIDDEN;
/* exactly n decimal digits (n <= 9) as an int; 1 ok */
int ap_digits(const char *p, size_t n, int *out) AP_HIDDEN;
/* the value of a hexadecimal digit, -1 for any other byte */
int ap_hexval(char ch) AP_HIDDEN;
/* unsigned decimal (at most 18 digits); 1 ok */
int ap_cur_uint(ap_cur *c, int64_t *out) AP_HIDDEN;

/* the length of a string literal, counted by the compiler */
#define AP_LEN(lit) (sizeof(lit) - 1)
/* does [p, p+n) start (end) with the literal?  (the I forms: ASCII case
 * folded) */
#define AP_HAS_PREFIX(p, n, lit) \
	((size_t)(n) >= AP_LEN(lit) && memcmp((p), (lit), AP_LEN(lit)) == 0)
#define AP_HAS_IPREFIX(p, n, lit)   \
	((size_t)(n) >= AP_LEN(lit) \
	 && ap_span_ieq(ap_span_make((p), AP_LEN(lit)), (lit), AP_LEN(lit)))
#define AP_HAS_SUFFIX(p, n, lit)    \
	((size_t)(n) >= AP_LEN(lit) \
	 && memcmp((p) + (size_t)(n)-AP_LEN(lit), (lit), AP_LEN(lit)) == 0)
#define AP_HAS_ISUFFIX(p, n, lit)                                                        \
	((size_t)(n) >= AP_LEN(lit)                                                      \
	 && ap_span_ieq(ap_span_make((p) + (size_t)(n)-AP_LEN(lit), AP_LEN(lit)), (lit), \
			AP_LEN(lit)))

/* memmem without GNU extensions */
const char *ap_memmem(const char *h, size_t hn, const char *n, size_t nn) AP_HIDDEN;
/* last occurrence */
const char *ap_memrmem(const char *h, size_t hn, const char *n, size_t nn) AP_HIDDEN;
#define AP_MEMMEM(h, hn, lit) ap_memmem((h), (hn), (lit), AP_LEN(lit))
/* the last byte c in [h, h+n), inline (AP_MEMRMEM of a one-byte literal) */
static inline const char *ap_memrchr1(const char *h, size_t n, char c)
{
	if (AP_BAD_LENGTH(n))
		return NULL;
	while (n > 0)
		if (h[--n] == c)
			return h + n;
	return NULL;
}
#define AP_MEMRMEM(h, hn, lit)                               \
	(AP_LEN(lit) == 1 ? ap_memrchr1((h), (hn), (lit)[0]) \
			  : ap_memrmem((h), (hn), (lit), AP_LEN(lit)))

static inline ap_span ap_span_make(const char *p, size_t n)
{
	ap_span s = { p, AP_BAD_LENGTH(n) ? 0 : (uint32_t)n };
	return s;
}
#define AP_SPAN_LIT(lit) ap_span_make((lit), sizeof(lit) - 1)

static inline int ap_span_eq(ap_span s, const char *lit, size_t n)
{
	return s.n == n && memcmp(s.p, lit, n) == 0;
}
#define AP_SPAN_IS(s, lit) ap_span_eq((s), (lit), sizeof(lit) - 1)

/* up to eight bytes from p (fewer when n < 8: zeros above), as a
 * little-endian word, without a call for the short ones */
static inline uint64_t ap_load8(const char *p, size_t n)
{
	uint64_t w = 0;
	if (n >= 8) {
		memcpy(&w, p, 8);
	} else if (n >= 4) {
		uint32_t lo, hi; /* two loads that overlap on the same bytes */
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		w = lo | (uint64_t)hi << (8 * (n - 4));
	} else if (n > 0) {
		w = (uint64_t)(unsigned char)p[0]
		    | (uint64_t)(unsigned char)p[n / 2] << (8 * (n / 2))
		    | (uint64_t)(unsigned char)p[n - 1] << (8 * (n - 1));
	}
	return w;
}

/* the same with ASCII letters folded to lower case, eight bytes at a time
 * (bytes of 0x80 and above are left alone) */
static inline uint64_t ap_fold8(const char *p, size_t n)
{
	const uint64_t w = ap_load8(p, n), h7 = w & 0x7f7f7f7f7f7f7f7full;
	const uint64_t ge_a = h7 + 0x3f3f3f3f3f3f3f3full; /* high bit: byte >= 'A' */
	const uint64_t gt_z = h7 + 0x2525252525252525ull; /* high bit: byte > 'Z' */
	return w | ((ge_a & ~gt_z & ~w & 0x8080808080808080ull) >> 2);
}

/* equal, ASCII case folded; inline: the literal side of AP_SPAN_IIS and
 * AP_HAS_IPREFIX folds at compile time (the tag checks run on every line) */
static inline int ap_span_ieq(ap_span s, const char *lit, size_t n)
{
	if (s.n != n)
		return 0;
	if (n < 8)
		return ap_fold8(s.p, n) == ap_fold8(lit, n);
	/* whole words, the last one overlapping the one before: no partial
	 * load past a word boundary (gcc 14 took the tail of a literal whose
	 * length is a multiple of 8 for a read past its end) */
	for (size_t i = 0; i + 8 < n; i += 8)
		if (ap_fold8(s.p + i, 8) != ap_fold8(lit + i, 8))
			return 0;
	return ap_fold8(s.p + n - 8, 8) == ap_fold8(lit + n - 8, 8);
}
#define AP_SPAN_IIS(s, lit) ap_span_ieq((s), (lit), sizeof(lit) - 1)

/* trim blanks at both ends */
ap_span ap_span_trim(ap_span s) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* dates of the file formats: seconds since the epoch (UTC)             */

/* (the civil-date arithmetic, ap_days_from_civil and ap_civil_from_days,
 * is public: authparse.h) */
/* "YYYY-MM-DD<sep>HH:MM:SS[.fraction]" as seconds since the epoch, read as
 * UTC (the caller applies a zone); returns the bytes used, 0 if not such
 * a stamp.  An empty fraction ("12:00:00.") is not one. */
size_t ap_parse_ymdhms(const char *p, size_t n, char sep, int64_t *t) AP_HIDDEN;
/* "Www Mmm DD HH:MM:SS[.fraction] YYYY", the day blank-padded or not (the
 * ctime() layout of Apache's error log and vsftpd.log), as seconds since
 * the epoch read as UTC; returns the bytes used, 0 if not such a stamp */
size_t ap_parse_ctime(const char *p, size_t n, int64_t *t) AP_HIDDEN;
/* "Jan".."Dec" -> 1..12, 0 if not a month */
int ap_month_from_abbr(const char *p, size_t n) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* escaping and logging                                                 */

/* copy a user name into buf escaped (control bytes and invalid UTF-8 as
 * \xNN), at most AP_USER_MAX bytes, cut on a character boundary;
 * returns the length; buf has room for AP_USER_MAX + 1 */
size_t ap_escape_user(const char *p, size_t n, char *buf) AP_HIDDEN;

/* format a message and hand it to the log callback (no-op without one) */
void ap_logf(ap_log_fn log, void *cookie, ap_loglevel lvl, const char *fmt, ...) AP_HIDDEN
	__attribute__((format(printf, 4, 5)));

#endif
