/* scan.c - cursor and span helpers shared by the recognisers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

const char *ap_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
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
	if (nn == 0)
		return h + hn;
	if (hn < nn)
		return NULL;
	for (const char *p = h + (hn - nn);; p--) {
		if (*p == n[0] && memcmp(p, n, nn) == 0)
			return p;
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

ap_span ap_cur_word(ap_cur *c)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p != ' ' && *c->p != '\t')
		c->p++;
	return ap_span_make(s, (size_t)(c->p - s));
}

int ap_cur_uint(ap_cur *c, int64_t *out)
{
	int64_t v = 0;
	const char *s = c->p;
	while (c->p < c->e && *c->p >= '0' && *c->p <= '9' && c->p - s < 18) {
		v = v * 10 + (*c->p - '0');
		c->p++;
	}
	if (c->p == s)
		return 0;
	*out = v;
	return 1;
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

void ap_set_ip_or_rdns(ap_event *ev, ap_span h)
{
	if (h.n == 0 || ap_set_ip(&ev->ip, h.p, h.n))
		return;
	int letter = 0;
	for (uint32_t i = 0; i < h.n; i++) {
		char ch = h.p[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			letter = 1;
		else if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return;
	}
	if (letter)
		ev->rdns = h;
}

static inline char lower(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}

int ap_span_ieq(ap_span s, const char *lit, size_t n)
{
	if (s.n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lower(lit[i]))
			return 0;
	return 1;
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

void ap_add_redact(ap_event *ev, const ap_line *ln, const char *p, size_t n)
{
	if (ev->nredact >= AP_MAX_REDACT || p < ln->msg0)
		return;
	uint32_t off = (uint32_t)(p - ln->msg0);
	/* keep the ranges ordered and disjoint */
	if (ev->nredact > 0) {
		uint32_t pe = ev->redact[ev->nredact - 1].off + ev->redact[ev->nredact - 1].len;
		if (off < pe)
			return;
	}
	ev->redact[ev->nredact].off = off;
	ev->redact[ev->nredact].len = (uint32_t)n;
	ev->nredact++;
	ev->password_redacted = true;
}

int ap_month_from_abbr(const char *p, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (n != 3)
		return 0;
	for (int i = 0; i < 12; i++)
		if (lower(p[0]) == lower(months[i * 3]) && lower(p[1]) == lower(months[i * 3 + 1])
		    && lower(p[2]) == lower(months[i * 3 + 2]))
			return i + 1;
	return 0;
}

size_t ap_parse_ymdhms(const char *p, size_t n, char sep, int64_t *t)
{
	int y, mo, d, hh, mm, ss;
	if (n < 19 || !ap_digits(p, 4, &y) || p[4] != '-' || !ap_digits(p + 5, 2, &mo) || p[7] != '-'
	    || !ap_digits(p + 8, 2, &d) || p[10] != sep || !ap_digits(p + 11, 2, &hh) || p[13] != ':'
	    || !ap_digits(p + 14, 2, &mm) || p[16] != ':' || !ap_digits(p + 17, 2, &ss))
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
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
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
