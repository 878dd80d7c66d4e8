/* split.c - a whole log line into time stamp, tag and message, for the
 * command-line tool and the tests (rsyslog does this itself for the
 * module): "<PRI>", RFC 3164 and ISO 8601 stamps, "host tag[pid]: msg".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include <time.h>
#include "text.h"

/* ------------------------------------------------------------------ */
/* two decimal digits at p, -1 if they are not */
static inline int two_digits(const char *p)
{
	unsigned a = (unsigned)(p[0] - '0'), b = (unsigned)(p[1] - '0');
	return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/* the day number of a date: a log holds one day for a long run of lines,
 * so the last one is kept (per thread) */
static int64_t days_of(int year, int mon, int day)
{
	static __thread int ly, lm, ld;
	static __thread int64_t lday;
	if (year != ly || mon != lm || day != ld || lm == 0) {
		lday = ap_days_from_civil(year, (unsigned)mon, (unsigned)day);
		ly = year;
		lm = mon;
		ld = day;
	}
	return lday;
}

/* "Mmm dd hh:mm:ss" (day space-padded or not); returns bytes used or 0 */
static size_t rfc3164_time(const char *p, size_t n, int year, int64_t *t)
{
	if (n < 14 || p[3] != ' ')
		return 0;
	int mon = ap_month_from_abbr(p, 3);
	if (mon == 0)
		return 0;
	size_t i = 4;
	if (p[i] == ' ')
		i++;
	int day = 0;
	size_t ds = i;
	while (i < n && i - ds < 2 && p[i] >= '0' && p[i] <= '9')
		day = day * 10 + (p[i++] - '0');
	if (i == ds || i + 9 > n || p[i] != ' ')
		return 0;
	i++;
	int hh = two_digits(p + i), mm = two_digits(p + i + 3), ss = two_digits(p + i + 6);
	if (hh < 0 || p[i + 2] != ':' || mm < 0 || p[i + 5] != ':' || ss < 0)
		return 0;
	i += 8;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	if (year == 0) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		year = tm.tm_year + 1900;
	}
	*t = days_of(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	return i;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac][Z|+hh:mm]"; returns bytes used or 0 */
static size_t iso_time(const char *p, size_t n, int64_t *t)
{
	size_t i = ap_parse_ymdhms(p, n, 'T', t);
	if (i == 0)
		return 0;
	int64_t off = 0;
	if (i < n && p[i] == 'Z') {
		i++;
	} else if (i + 6 <= n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
		int oh, om;
		if (ap_digits(p + i + 1, 2, &oh) && ap_digits(p + i + 4, 2, &om)) {
			off = (oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1);
			i += 6;
		}
	}
	*t -= off;
	return i;
}

/* bytes of a word: 1 ends it (blank), 2 keeps it from being a tag word,
 * 4 is a '(' */
static const uint8_t word_class[256] = {
	[' '] = 1, ['\t'] = 1, ['='] = 2, [','] = 2, ['"'] = 2, ['('] = 4
};

/* the word at p: its length, whether it is a tag word (ends with ':' as
 * the broken "vpopmail[18917:" does too, no '=', ',' or '"' before, at
 * most 64 bytes) and whether it holds a '(', in one pass */
static size_t word_scan(const char *p, size_t n, int *tagword, int *paren)
{
	size_t i = 0;
	unsigned bad = 0;
	for (; i < n; i++) {
		unsigned c = word_class[(unsigned char)p[i]];
		if (c == 1)
			break;
		bad |= c;
	}
	*paren = (bad & 4) != 0;
	bad &= 2;
	/* the last byte is the ':' itself, never a reason to refuse */
	if (i >= 2 && p[i - 1] == ':' && i <= 64) {
		if (bad != 0) {
			bad = 0;
			for (size_t k = 0; k + 1 < i; k++)
				bad |= word_class[(unsigned char)p[k]] & 2;
		}
		*tagword = bad == 0;
	} else {
		*tagword = 0;
	}
	return i;
}

int ap_split_line(const char *line, size_t len, int year, ap_input *in)
{
	in->tag = line;
	in->taglen = 0;
	in->msg = line;
	in->msglen = len;
	in->time = 0;
	in->time_fn = NULL;
	in->time_arg = NULL;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	in->msglen = len;

	/* a raw syslog capture starts with "<PRI>" */
	if (len > 2 && line[0] == '<') {
		size_t k = 1;
		while (k < len && k < 5 && line[k] >= '0' && line[k] <= '9')
			k++;
		if (k > 1 && k < len && line[k] == '>') {
			line += k + 1;
			len -= k + 1;
		}
	}
	size_t i = rfc3164_time(line, len, year, &in->time);
	if (i == 0)
		i = iso_time(line, len, &in->time);
	const char *p = line + i;
	size_t n = len - i;
	while (n > 0 && *p == ' ') {
		p++;
		n--;
	}
	/* [host] tag: msg */
	for (int w = 0; w < 2 && n > 0; w++) {
		int tagword, hasparen;
		size_t wl = word_scan(p, n, &tagword, &hasparen);
		/* without a time stamp, "host tag[pid]: msg" needs the pid */
		if (tagword && (i > 0 || w == 0 || memchr(p, '[', wl) != NULL)) {
			in->tag = p;
			in->taglen = wl;
			in->msg = p + wl;
			in->msglen = n - wl;
			return 1;
		}
		/* dovecot 2.4 file log: "auth(user,ip,sasl:login)<sess>: Info: ..." */
		const char *paren = hasparen ? memchr(p, '(', wl) : NULL;
		if (paren != NULL && paren > p && wl > 1 && p[wl - 1] == ':') {
			in->tag = p;
			in->taglen = (size_t)(paren - p);
			in->msg = p;
			in->msglen = n;
			return 1;
		}
		p += wl;
		n -= wl;
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
	}
	in->tag = line;
	in->taglen = 0;
	in->msg = line;
	in->msglen = len;
	in->time = 0;
	return 0;
}
