/* follow.c - the follow command's reading: lines cut out of the bytes
 * read (events, or raw log run through the parser), each event formatted
 * as one line and printed or kept for --last (follow.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "follow.h"
#include "model.h"
#include "read.h"
#include "render.h"

static void pad_to(FILE *out, const char *s, size_t width)
{
	fputs(s, out);
	size_t w = dwidth(s);
	for (; w < width; w++)
		fputc(' ', out);
}

static void format_event(const rec *r, char *buf, size_t sz)
{
	FILE *m = fmemopen(buf, sz, "w");
	if (m == NULL) {
		buf[0] = '\0';
		return;
	}
	char cl[16], svc[96];
	country_label(r, cl, sizeof(cl));
	if (r->daemon[0] && r->service[0])
		snprintf(svc, sizeof(svc), "%s/%s", r->daemon, r->service);
	else
		scopy(svc, sizeof(svc), r->daemon[0] ? r->daemon : r->service);
	const char *oc = r->kind == AP_KIND_BLOCK       ? "block"
			 : r->outcome == AP_OUT_SUCCESS ? "success"
			 : r->outcome == AP_OUT_FAILURE ? "failure"
							: "unknown";
	pad_to(m, r->when[0] ? r->when : "-", 19);
	fputs("  ", m);
	pad_to(m, oc, 7);
	fputs("  ", m);
	pad_to(m, r->user[0] ? r->user : "-", 30);
	fputs("  ", m);
	pad_to(m, r->ip[0] ? r->ip : "-", 15);
	fputs("  ", m);
	pad_to(m, cl[0] ? cl : "-", 9);
	fputs("  ", m);
	fputs(svc[0] ? svc : "-", m);
	if (r->kind == AP_KIND_BLOCK && r->count >= 0) {
		if (r->window >= 0)
			fprintf(m, "  %lld in %llds", r->count, r->window);
		else
			fprintf(m, "  %lld failures", r->count);
	}
	if (r->det_bits || r->nother_det) {
		fputs("  [", m);
		int first = 1;
		for (int k = 0; k < AP_DET__COUNT; k++)
			if (r->det_bits & (1u << k)) {
				fprintf(m, "%s%s", first ? "" : ",",
					ap_detector_name((ap_detector)k));
				first = 0;
			}
		for (int k = 0; k < r->nother_det; k++) {
			fprintf(m, "%s%s", first ? "" : ",", r->other_det[k]);
			first = 0;
		}
		fputc(']', m);
	}
	fclose(m);
}

static void follow_line(follower *f, const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	if (f->mode == 0)
		f->mode = input_mode(line, n);
	struct fjson_object *o;
	if (f->mode == 2) {
		o = tp_event(raw_parser(f->raw), line, n, 1);
	} else {
		fjson_tokener_reset(f->tok);
		o = fjson_tokener_parse_ex(f->tok, line, (int)n);
	}
	if (o == NULL)
		return;
	if (to_rec(o, f->r)
	    && (!f->failures_only || f->r->kind == AP_KIND_BLOCK
		|| f->r->outcome == AP_OUT_FAILURE)) {
		char out[1024];
		format_event(f->r, out, sizeof(out));
		if (f->to_ring) {
			if (f->rcap > 0) {
				free(f->ring[f->rhead]);
				f->ring[f->rhead] = strdup(out);
				f->rhead = (f->rhead + 1) % f->rcap;
				if (f->rn < f->rcap)
					f->rn++;
			}
		} else {
			puts(out);
		}
	}
	json_object_put(o);
}

/* feed n new bytes at f->buf + f->have */
static void follow_data(follower *f, size_t n)
{
	f->have += n;
	size_t start = 0;
	for (;;) {
		char *nl = memchr(f->buf + start, '\n', f->have - start);
		if (nl == NULL)
			break;
		size_t len = (size_t)(nl - (f->buf + start));
		if (!f->skipping)
			follow_line(f, f->buf + start, len);
		f->skipping = 0;
		start += len + 1;
	}
	memmove(f->buf, f->buf + start, f->have - start);
	f->have -= start;
	if (f->have == TOOL_MAX_LINE) {
		/* an overlong line: treat what we have as the line, drop the rest */
		if (!f->skipping)
			follow_line(f, f->buf, f->have);
		f->skipping = 1;
		f->have = 0;
	}
}

int follow_fd(follower *f, int fd)
{
	ssize_t n = read(fd, f->buf + f->have, TOOL_MAX_LINE - f->have);
	if (n > 0)
		follow_data(f, (size_t)n);
	return (int)n;
}

void flush_ring(follower *f)
{
	for (uint32_t i = 0; i < f->rn; i++) {
		uint32_t k = (f->rhead + f->rcap - f->rn + i) % f->rcap;
		puts(f->ring[k]);
		free(f->ring[k]);
		f->ring[k] = NULL;
	}
	f->rn = 0;
	f->to_ring = 0;
}
