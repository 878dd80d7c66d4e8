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
/* "Mmm dd hh:mm:ss" (day space-padded or not); returns bytes used or 0 */
static size_t rfc3164_time(const char *p, size_t n, int year, int64_t *t)
{
	if (n < 14)
		return 0;
	int mon = ap_month_from_abbr(p, 3);
	if (mon == 0 || p[3] != ' ')
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
	int hh, mm, ss;
	if (!ap_digits(p + i, 2, &hh) || p[i + 2] != ':' || !ap_digits(p + i + 3, 2, &mm)
	    || p[i + 5] != ':' || !ap_digits(p + i + 6, 2, &ss))
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
	*t = ap_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60
	     + ss;
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

/* a tag word: ends with ':' (the broken "vpopmail[18917:" too), no '=' or ',' */
static int is_tag_word(const char *p, size_t n)
{
	if (n < 2 || p[n - 1] != ':' || n > 64)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '=' || p[i] == ',' || p[i] == '"')
			return 0;
	return 1;
}

static size_t word_len(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != ' ' && p[i] != '\t')
		i++;
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
		size_t wl = word_len(p, n);
		/* without a time stamp, "host tag[pid]: msg" needs the pid */
		if (is_tag_word(p, wl) && (i > 0 || w == 0 || memchr(p, '[', wl) != NULL)) {
			in->tag = p;
			in->taglen = wl;
			in->msg = p + wl;
			in->msglen = n - wl;
			return 1;
		}
		/* dovecot 2.4 file log: "auth(user,ip,sasl:login)<sess>: Info: ..." */
		const char *paren = memchr(p, '(', wl);
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
