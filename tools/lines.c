/* lines.c - one raw log line into its event: the syslog frame split off,
 * the file-format tags tried on a line without one, the core run, and the
 * event as JSON with "time", "host" and the redacted "message" in front
 * and at the end when asked (lines.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "authparse.h"
#include "common.h"
#include "lines.h"

/* file-format tags tried on lines without a syslog frame (--auto) */
static const char *const file_tags[] = { "exim", "cpanel", "xeams", "roundcube", "horde" };

void tp_init(tool_parser *p, ap_ctx *ctx, ap_worker *w, const char *tag, int auto_tags, int year)
{
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->w = w;
	p->tag = tag;
	p->auto_tags = auto_tags;
	p->year = year;
	p->now = time(NULL);
	struct tm tm;
	gmtime_r(&p->now, &tm);
	p->this_year = tm.tm_year + 1900;
}

void tp_free(tool_parser *p)
{
	free(p->redbuf);
	free(p->safebuf);
	p->redbuf = p->safebuf = NULL;
}

static void oom(void)
{
	fprintf(stderr, PROG ": out of memory\n");
	exit(1);
}

/* how many words the frame's own fields take before the host word:
 * "<PRI>1 TIMESTAMP" (RFC 5424), "Mmm dd hh:mm:ss" (3), "YYYY-MM-DD
 * hh:mm:ss" (2), one word for an RFC 3339 or TAI64N stamp */
static size_t stamp_words(const char *line, size_t n, const ap_input *in)
{
	size_t i = 0;
	if (n > 0 && line[0] == '<') {
		while (i < n && line[i] != '>')
			i++;
		i++;
		if (i + 1 < n && line[i] == '1' && line[i + 1] == ' ')
			return 2;
	}
	if (in->time == 0)
		return 0;
	if (i < n && line[i] == '@')
		return 1;
	if (i < n && line[i] >= '0' && line[i] <= '9')
		return (i + 10 < n && line[i + 10] == ' ') ? 2 : 1;
	return 3;
}

/* the host word of a split syslog line: the word just before the tag,
 * unless it belongs to the time stamp */
static ap_span host_of(const char *line, size_t len, const ap_input *in, int tag_in_line)
{
	ap_span none = { NULL, 0 };
	/* a tag from -t points into argv, not into the line: no host (and no
	 * pointer comparison across two objects) */
	if (!tag_in_line || in->taglen == 0)
		return none;
	/* a frame whose tag is the splitter's own word (csf.deny lines: "lfd")
	 * has no host either; compared as integers, never as pointers into two
	 * objects */
	uintptr_t t = (uintptr_t)in->tag, l = (uintptr_t)line;
	if (t <= l || t > l + len)
		return none;
	size_t before = (size_t)(in->tag - line);
	/* count the words before the tag and remember the last one */
	size_t i = 0, words = 0, ws = 0, we = 0;
	while (i < before) {
		while (i < before && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= before)
			break;
		size_t s = i;
		while (i < before && line[i] != ' ' && line[i] != '\t')
			i++;
		words++;
		ws = s;
		we = i;
	}
	if (words <= stamp_words(line, len, in) || we <= ws)
		return none;
	ap_span h = { line + ws, (uint32_t)(we - ws) };
	if (h.n == 1 && h.p[0] == '-') /* RFC 5424's nil host */
		return none;
	return h;
}

static int grow(char **buf, size_t *sz, size_t need)
{
	if (need <= *sz)
		return 0;
	char *n = realloc(*buf, need);
	if (n == NULL)
		return -1;
	*buf = n;
	*sz = need;
	return 0;
}

static void add_string(struct fjson_object *o, const char *k, const char *s, size_t n)
{
	json_object_object_add(o, k, json_object_new_string_len(s, (int)n));
}

/* the event with "time" and "host" in front and "message" at the end */
static struct fjson_object *with_message(tool_parser *p, struct fjson_object *ev, const char *line,
					 size_t len, int tag_in_line, const ap_input *in,
					 const ap_result *res, long long t)
{
	struct fjson_object *o = json_object_new_object();
	if (o == NULL)
		return ev;
	char tbuf[32], hbuf[300];
	if (t != 0) {
		tool_format_iso(t, tbuf, sizeof(tbuf));
		if (tbuf[0])
			json_object_object_add(o, "time", json_object_new_string(tbuf));
	}
	ap_span h = host_of(line, len, in, tag_in_line);
	if (h.n > 0) {
		size_t hn = ap_escape_text(h.p, h.n, hbuf, sizeof(hbuf));
		add_string(o, "host", hbuf, hn);
	}
	struct fjson_object_iterator it = fjson_object_iter_begin(ev);
	struct fjson_object_iterator end = fjson_object_iter_end(ev);
	while (!fjson_object_iter_equal(&it, &end)) {
		json_object_object_add(o, fjson_object_iter_peek_name(&it),
				       json_object_get(fjson_object_iter_peek_value(&it)));
		fjson_object_iter_next(&it);
	}
	json_object_put(ev);

	size_t need = ap_redact(&res->ev, in->msg, in->msglen, NULL, 0) + 1;
	if (grow(&p->redbuf, &p->redsz, need) == 0
	    && grow(&p->safebuf, &p->safesz, 4 * need + 1) == 0) {
		size_t n = ap_redact(&res->ev, in->msg, in->msglen, p->redbuf, p->redsz);
		const char *m = p->redbuf;
		while (n > 0 && (*m == ' ' || *m == '\t')) {
			m++;
			n--;
		}
		size_t sn = ap_escape_text(m, n, p->safebuf, p->safesz);
		add_string(o, "message", p->safebuf, sn);
	}
	return o;
}

struct fjson_object *tp_event(tool_parser *p, const char *line, size_t len, int with_msg)
{
	ap_input in = { 0 };
	ap_result res;
	long long line_time = 0;
	int tag_in_line = 0; /* in.tag points into line (ap_split_line found it) */

	if (p->tag != NULL) {
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
			len--;
		in.tag = p->tag;
		in.taglen = strlen(p->tag);
		in.msg = line;
		in.msglen = len;
		in.time = 0;
	} else {
		int framed = ap_split_line(line, len, p->year, &in);
		if (p->year == 0 && in.time > (int64_t)p->now + 2 * 86400)
			framed = ap_split_line(line, len, p->this_year - 1,
					       &in); /* December's lines read in January */
		line_time = in.time;
		tag_in_line = framed;
		if (!framed && p->auto_tags) {
			size_t ml = in.msglen;
			for (size_t i = 0; i < sizeof(file_tags) / sizeof(file_tags[0]); i++) {
				ap_input t = { .tag = file_tags[i],
					       .taglen = strlen(file_tags[i]),
					       .msg = line,
					       .msglen = ml,
					       .time = 0 };
				ap_event ev;
				if (ap_parse(p->ctx, &t, &ev)) {
					in = t;
					break;
				}
			}
		}
	}
	if (in.time == 0)
		in.time = (int64_t)p->now;
	if (!ap_process(p->ctx, p->w, &in, &res))
		return NULL;
	struct fjson_object *obj = ap_result_json(&res);
	if (obj == NULL)
		oom();
	if (with_msg)
		obj = with_message(p, obj, line, len, tag_in_line, &in, &res,
				   res.ev.time ? res.ev.time : line_time);
	return obj;
}
