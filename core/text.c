/* text.c - the scanning toolkit (see text.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "text.h"

const char *ap_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
	if (AP_BAD_LENGTH(hn))
		return NULL;
	if (nn == 0)
		return h;
	if (hn < nn)
		return NULL;
	const char *last = h + (hn - nn);
	const char first = n[0];
	for (const char *p = h; p <= last; p++) {
		p = memchr(p, first, (size_t)(last - p) + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, n, nn) == 0)
			return p;
	}
	return NULL;
}

const char *ap_memrmem(const char *h, size_t hn, const char *n, size_t nn)
{
	if (AP_BAD_LENGTH(hn))
		return NULL;
	if (nn == 0)
		return h + hn;
	if (hn < nn)
		return NULL;
	/* the needles are short literals: compared here, not by a call */
	for (const char *p = h + (hn - nn);; p--) {
		if (*p == n[0]) {
			size_t i = 1;
			while (i < nn && p[i] == n[i])
				i++;
			if (i == nn)
				return p;
		}
		if (p == h)
			break;
	}
	return NULL;
}

int ap_cur_find(ap_cur *c, const char *lit, size_t n)
{
	const char *f = ap_memmem(c->p, ap_cur_left(c), lit, n);
	if (f == NULL)
		return 0;
	c->p = f;
	return 1;
}

int ap_cur_skip_past(ap_cur *c, const char *lit, size_t n)
{
	if (!ap_cur_find(c, lit, n))
		return 0;
	c->p += n;
	return 1;
}

int ap_cur_until(ap_cur *c, char ch, ap_span *out)
{
	const char *f = memchr(c->p, ch, ap_cur_left(c));
	if (f == NULL)
		return 0;
	*out = ap_span_make(c->p, (size_t)(f - c->p));
	c->p = f;
	return 1;
}

/* (the loops below move a local pointer: c->p written through a pointer
 * the bytes may alias would be stored and reloaded on every byte) */
ap_span ap_cur_word(ap_cur *c)
{
	const char *s = c->p, *p = s, *e = c->e;
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	c->p = p;
	return ap_span_make(s, (size_t)(p - s));
}

int ap_cur_uint(ap_cur *c, int64_t *out)
{
	int64_t v = 0;
	const char *s = c->p, *p = s, *e = c->e;
	if (e - s > 18)
		e = s + 18;
	while (p < e && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		p++;
	}
	if (p == s)
		return 0;
	c->p = p;
	*out = v;
	return 1;
}

int ap_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int ap_digits(const char *p, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 1;
}

static inline char lower(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}

ap_span ap_span_trim(ap_span s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

int ap_month_from_abbr(const char *p, size_t n)
{
	/* the three letters folded to lower case as one number; a switch
	 * (a few compares) rather than a walk through the twelve: the
	 * recognisers try this on every line that may start with a date */
	if (n != 3)
		return 0;
	uint32_t k = (uint32_t)(unsigned char)lower(p[0]) << 16
		     | (uint32_t)(unsigned char)lower(p[1]) << 8 | (unsigned char)lower(p[2]);
	switch (k) {
	case 'j' << 16 | 'a' << 8 | 'n': return 1;
	case 'f' << 16 | 'e' << 8 | 'b': return 2;
	case 'm' << 16 | 'a' << 8 | 'r': return 3;
	case 'a' << 16 | 'p' << 8 | 'r': return 4;
	case 'm' << 16 | 'a' << 8 | 'y': return 5;
	case 'j' << 16 | 'u' << 8 | 'n': return 6;
	case 'j' << 16 | 'u' << 8 | 'l': return 7;
	case 'a' << 16 | 'u' << 8 | 'g': return 8;
	case 's' << 16 | 'e' << 8 | 'p': return 9;
	case 'o' << 16 | 'c' << 8 | 't': return 10;
	case 'n' << 16 | 'o' << 8 | 'v': return 11;
	case 'd' << 16 | 'e' << 8 | 'c': return 12;
	}
	return 0;
}

size_t ap_parse_ymdhms(const char *p, size_t n, char sep, int64_t *t)
{
	int y, mo, d, hh, mm, ss;
	if (n < 19 || !ap_digits(p, 4, &y) || p[4] != '-' || !ap_digits(p + 5, 2, &mo)
	    || p[7] != '-' || !ap_digits(p + 8, 2, &d) || p[10] != sep || !ap_digits(p + 11, 2, &hh)
	    || p[13] != ':' || !ap_digits(p + 14, 2, &mm) || p[16] != ':'
	    || !ap_digits(p + 17, 2, &ss))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	size_t i = 19;
	if (i < n && p[i] == '.') {
		size_t s = ++i;
		while (i < n && i - s < 9 && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == s)
			return 0;
	}
	*t = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
	return i;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm) */
int64_t ap_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

size_t ap_parse_ctime(const char *p, size_t n, int64_t *t)
{
	/* "Www Mmm " */
	if (n < 8 || p[3] != ' ' || p[7] != ' ')
		return 0;
	int mon = ap_month_from_abbr(p + 4, 3);
	if (mon == 0)
		return 0;
	size_t i = 8;
	if (i < n && p[i] == ' ')
		i++;
	int day = 0;
	size_t ds = i;
	while (i < n && i - ds < 2 && p[i] >= '0' && p[i] <= '9')
		day = day * 10 + (p[i++] - '0');
	int hh, mm, ss, y;
	if (i == ds || i + 9 > n || p[i] != ' ' || !ap_digits(p + i + 1, 2, &hh) || p[i + 3] != ':'
	    || !ap_digits(p + i + 4, 2, &mm) || p[i + 6] != ':' || !ap_digits(p + i + 7, 2, &ss))
		return 0;
	i += 9;
	if (i < n && p[i] == '.') {
		size_t fs = ++i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == fs)
			return 0;
	}
	if (i + 5 > n || p[i] != ' ' || !ap_digits(p + i + 1, 4, &y))
		return 0;
	i += 5;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	*t = ap_days_from_civil(y, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss;
	return i;
}

/* the inverse: the civil date of a day number (the same algorithm) */
void ap_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	const int64_t z = days + 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097); /* 0..146096 */
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void ap_logf(ap_log_fn log, void *cookie, ap_loglevel lvl, const char *fmt, ...)
{
	if (log == NULL)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log(cookie, lvl, buf);
}
/* length of a valid UTF-8 sequence at p (1..4), 0 if invalid */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t min;
	uint32_t cp;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t ap_escape_text(const char *p, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t o = 0, i = 0;
	if (outsz == 0)
		return 0;
	while (i < n) {
		/* printable ASCII, the common case, is copied as it is, eight
		 * bytes a step while a word holds nothing else (no byte below
		 * 0x20, none of 0x7f and above) */
		size_t run = 0, room = outsz - 1 - o;
		while (i + run + 8 <= n && run + 8 <= room) {
			uint64_t w;
			memcpy(&w, s + i + run, 8);
			if (((w - 0x2020202020202020ull) & ~w) & 0x8080808080808080ull)
				break; /* a byte below 0x20 */
			if ((w | (w + 0x0101010101010101ull)) & 0x8080808080808080ull)
				break; /* a byte of 0x7f or above */
			run += 8;
		}
		while (i + run < n && run < room && s[i + run] >= 0x20 && s[i + run] < 0x7f)
			run++;
		memcpy(out + o, s + i, run);
		o += run;
		i += run;
		if (i >= n || o + 1 >= outsz)
			break;
		size_t l = utf8_len(s + i, n - i);
		if (l == 0 || (l == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 15];
			i++;
			continue;
		}
		if (o + l >= outsz)
			break;
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return o;
}

size_t ap_escape_user(const char *p, size_t n, char *buf)
{
	return ap_escape_text(p, n, buf, AP_USER_MAX + 1);
}
