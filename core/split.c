/* split.c - a whole log line into time stamp, tag and message, for the
 * command-line tool and the tests (rsyslog does this itself for the
 * module).  The frames it knows:
 *   [<PRI>]Mmm dd hh:mm:ss [host] tag[pid]: msg          (RFC 3164)
 *   [<PRI>]YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm] [host] tag[pid]: msg
 *       (RFC 3339: rsyslog's RSYSLOG_FileFormat and the like)
 *   YYYY-MM-DD hh:mm:ss[.frac] [host] tag[pid]: msg
 *       (a space instead of the 'T': syslog-ng and dovecot's own log;
 *       the tag must then look like a program: "name[pid]:", "name(x):"
 *       or, after a host name, "name:", so that an exim mainlog line
 *       ("... H=x [1.2.3.4]: ...") is not taken for one)
 *   <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG        (RFC 5424)
 *   @4000000063c1d2e3a1b2c3d4 tag: msg    (daemontools/multilog TAI64N)
 *   <address> # lfd: ...                   (csf.deny: tag "lfd")
 * and, without a time stamp, "host tag[pid]: msg" and "tag: msg"; right
 * after an RFC 3164/3339 stamp an old logger's "[prog] msg" (no host, no
 * ':').
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

/* "YYYY-MM-DD<sep>HH:MM:SS[.frac][Z|+hh:mm]"; returns bytes used or 0 */
static size_t iso_time(const char *p, size_t n, char sep, int64_t *t)
{
	size_t i = ap_parse_ymdhms(p, n, sep, t);
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

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

/* "@" and 24 hex digits (TAI64N: 2^62 + seconds, then nanoseconds);
 * daemontools' labels are TAI, UTC + 10 s (leap seconds ignored) */
static size_t tai64n_time(const char *p, size_t n, int64_t *t)
{
	if (n < 25 || p[0] != '@')
		return 0;
	for (size_t i = 1; i < 25; i++)
		if (!is_hex(p[i]))
			return 0;
	if (p[1] != '4' || p[2] != '0' || p[3] != '0' || p[4] != '0')
		return 0;
	uint64_t v = 0;
	for (size_t i = 5; i < 17; i++)
		v = (v << 4) | (uint64_t)(p[i] <= '9' ? p[i] - '0' : p[i] - 'a' + 10);
	*t = (int64_t)v - 10;
	return 25;
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

static int is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	       || ch == '.' || ch == '-' || ch == '_' || ch == '/';
}

/* a program's tag, strictly: "name:", "name[digits]:" (*with_id set) or
 * "name(x):" (dovecot's "auth-worker(default):", *with_id set) */
static int is_program_tag(const char *p, size_t n, int *with_id)
{
	size_t i = 0;
	*with_id = 0;
	while (i < n && is_name_char(p[i]))
		i++;
	if (i == 0 || i >= n)
		return 0;
	if (p[i] == '[') {
		size_t s = ++i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == s || i >= n || p[i] != ']')
			return 0;
		i++;
		*with_id = 1;
	} else if (p[i] == '(') {
		const char *rp = memchr(p + i, ')', n - i);
		if (rp == NULL)
			return 0;
		i = (size_t)(rp - p) + 1;
		*with_id = 1;
	}
	return i + 1 == n && p[i] == ':';
}

/* "[prog]": a program name in brackets */
static int is_bracketed_name(const char *p, size_t n)
{
	if (n < 3 || p[0] != '[' || p[n - 1] != ']')
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_name_char(p[i]))
			return 0;
	return 1;
}

/* a host name or address word */
static int is_host_word(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(p[i]) && p[i] != ':')
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

static void skip_spaces(const char **p, size_t *n)
{
	while (*n > 0 && **p == ' ') {
		(*p)++;
		(*n)--;
	}
}

/* one RFC 5424 header field (a word, "-" for none) */
static int field(const char **p, size_t *n, const char **f, size_t *fl)
{
	size_t wl = word_len(*p, *n);
	if (wl == 0 || wl >= *n || (*p)[wl] != ' ')
		return 0;
	*f = *p;
	*fl = wl;
	*p += wl + 1;
	*n -= wl + 1;
	return 1;
}

/* "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD[ MSG]" after "<PRI>": the
 * structured data is "-" or "[id k="v" ...]..." where a value may hold
 * \" \] \\ escapes; one pass */
static int rfc5424(const char *p, size_t n, ap_input *in)
{
	if (n < 2 || p[0] != '1' || p[1] != ' ')
		return 0;
	p += 2;
	n -= 2;
	const char *ts, *host, *app, *procid, *msgid;
	size_t tsl, hostl, appl, procidl, msgidl;
	if (!field(&p, &n, &ts, &tsl) || !field(&p, &n, &host, &hostl)
	    || !field(&p, &n, &app, &appl) || !field(&p, &n, &procid, &procidl)
	    || !field(&p, &n, &msgid, &msgidl))
		return 0;
	int64_t t = 0;
	if (!(tsl == 1 && ts[0] == '-') && iso_time(ts, tsl, 'T', &t) != tsl)
		return 0;
	if (n > 0 && p[0] == '-') {
		p++;
		n--;
	} else {
		int elems = 0;
		while (n > 0 && p[0] == '[') {
			size_t i = 1;
			int quoted = 0;
			while (i < n) {
				char ch = p[i];
				if (quoted && ch == '\\' && i + 1 < n) {
					i += 2;
					continue;
				}
				if (ch == '"')
					quoted = !quoted;
				else if (ch == ']' && !quoted)
					break;
				i++;
			}
			if (i >= n)
				return 0;
			p += i + 1;
			n -= i + 1;
			elems++;
		}
		if (elems == 0)
			return 0;
	}
	if (n > 0) {
		if (p[0] != ' ')
			return 0;
		p++;
		n--;
	}
	/* a UTF-8 BOM may open the message */
	if (n >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb
	    && (unsigned char)p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	in->time = t;
	if (!(hostl == 1 && host[0] == '-')) {
		in->host = host;
		in->hostlen = hostl;
	}
	in->tag = app;
	in->taglen = (appl == 1 && app[0] == '-') ? 0 : appl;
	in->msg = p;
	in->msglen = n;
	return 1;
}

/* csf.deny: "<address> # lfd: <text>" (csf.pl's dodeny(), lfd's
 * ipblock()): read under tag lfd, the whole line as the message */
static int csf_deny(const char *p, size_t n, ap_input *in)
{
	size_t wl = word_len(p, n);
	if (wl == 0 || wl > 80)
		return 0;
	if (!AP_HAS_PREFIX(p + wl, n - wl, " # lfd: "))
		return 0;
	in->tag = "lfd";
	in->taglen = AP_LEN("lfd");
	in->msg = p;
	in->msglen = n;
	return 1;
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
	in->host = NULL;
	in->hostlen = 0;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	in->msglen = len;

	/* a raw syslog capture starts with "<PRI>" */
	int pri = 0;
	if (len > 2 && line[0] == '<') {
		size_t k = 1;
		while (k < len && k < 5 && line[k] >= '0' && line[k] <= '9')
			k++;
		if (k > 1 && k < len && line[k] == '>') {
			line += k + 1;
			len -= k + 1;
			pri = 1;
		}
	}
	if (pri && rfc5424(line, len, in))
		return 1;
	if (!pri && csf_deny(line, len, in))
		return 1;
	int spaced = 0;
	size_t i = rfc3164_time(line, len, year, &in->time);
	if (i == 0)
		i = iso_time(line, len, 'T', &in->time);
	if (i == 0 && (i = iso_time(line, len, ' ', &in->time)) > 0)
		spaced = 1;
	if (i == 0)
		i = tai64n_time(line, len, &in->time);
	const char *p = line + i;
	size_t n = len - i;
	skip_spaces(&p, &n);
	/* [host] tag: msg */
	const char *w0 = p;
	size_t w0l = 0;
	for (int w = 0; w < 2 && n > 0; w++) {
		size_t wl = word_len(p, n);
		int with_id;
		int tag_ok;
		if (spaced)
			tag_ok = is_program_tag(p, wl, &with_id)
				 && (with_id || (w == 1 && is_host_word(w0, w0l)));
		else
			/* without a time stamp, "host tag[pid]: msg" needs the pid;
			 * right after a stamp, an old logger's "[prog]" without ':' */
			tag_ok = (is_tag_word(p, wl)
				  && (i > 0 || w == 0 || memchr(p, '[', wl) != NULL))
				 || (i > 0 && w == 0 && is_bracketed_name(p, wl));
		if (tag_ok) {
			in->tag = p;
			in->taglen = wl;
			in->msg = p + wl;
			in->msglen = n - wl;
			if (w == 1) {
				in->host = w0;
				in->hostlen = w0l;
			}
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
		if (w == 0)
			w0l = wl;
		p += wl;
		n -= wl;
		skip_spaces(&p, &n);
	}
	in->tag = line;
	in->taglen = 0;
	in->msg = line;
	in->msglen = len;
	in->time = 0;
	in->host = NULL;
	in->hostlen = 0;
	return 0;
}
