/* common.c - the parts of the command-line tool that both the parse
 * command (mmauthparse.c) and the report and follow commands (report/)
 * use: the line reader and the ISO 8601 time helpers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "authparse.h"
#include "common.h"

/* ------------------------------------------------------------------ */
/* line reader                                                         */

int lr_init(line_reader *lr, FILE *fp)
{
	memset(lr, 0, sizeof(*lr));
	lr->fp = fp;
	lr->buf = malloc(TOOL_MAX_LINE + 1);
	return lr->buf ? 0 : -1;
}

void lr_free(line_reader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

int lr_next(line_reader *lr)
{
	size_t n = 0;
	int c, got = 0;
	lr->truncated = 0;
	while ((c = getc_unlocked(lr->fp)) != EOF) {
		got = 1;
		if (c == '\n')
			break;
		if (n < TOOL_MAX_LINE)
			lr->buf[n++] = (char)c;
		else
			lr->truncated = 1;
	}
	if (c == EOF && ferror(lr->fp)) {
		lr->error = errno ? errno : EIO;
		clearerr(lr->fp);
		if (!got)
			return 0;
	}
	if (!got)
		return 0;
	lr->buf[n] = '\0';
	lr->len = n;
	return 1;
}

/* ------------------------------------------------------------------ */
/* ISO 8601 time                                                       */

static int dig(const char *p, size_t n, int *v)
{
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		x = x * 10 + (p[i] - '0');
	}
	*v = x;
	return 1;
}

int tool_parse_iso(const char *s, size_t n, long long *t, int *off)
{
	int y, mo, d, hh, mm, ss;
	if (n < 19 || !dig(s, 4, &y) || s[4] != '-' || !dig(s + 5, 2, &mo) || s[7] != '-'
	    || !dig(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !dig(s + 11, 2, &hh)
	    || s[13] != ':' || !dig(s + 14, 2, &mm) || s[16] != ':' || !dig(s + 17, 2, &ss))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	size_t i = 19;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	int o = 0, oh, om;
	if (i < n && s[i] == 'Z') {
		i++;
	} else if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':'
		   && dig(s + i + 1, 2, &oh) && dig(s + i + 4, 2, &om)) {
		o = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
	} else if (i + 5 <= n && (s[i] == '+' || s[i] == '-') && dig(s + i + 1, 2, &oh)
		   && dig(s + i + 3, 2, &om)) {
		o = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
	}
	*t = ap_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss
	     - o;
	*off = o;
	return 1;
}

void tool_format_iso(long long t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (bufsz > 0)
			buf[0] = '\0';
	}
}
