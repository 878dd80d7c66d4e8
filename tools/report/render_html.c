/* render_html.c - the report as one HTML page (render_html.h): HTML
 * escaping, numbers with thousands separators, the world map of failures
 * by country (outlines from worldmap.c), SVG bar charts, tables that say
 * how many rows they show of how many, and the page itself, with when and
 * where it was made and the DB-IP credit when the events carry geo data.
 * Long labels are shortened with the full text in a tooltip; table cells
 * wrap; charts scale down to the page's width.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "model.h"
#include "render.h"
#include "render_html.h"
#include "worldmap.h"

/* ------------------------------------------------------------------ */
/* HTML output                                                         */

/* every text from the input goes through here */
static void hesc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* an upper bound of a code point's advance in a 12px sans-serif font, in
 * px: generous, so a label cut by it is never wider than its room */
static double glyph_px(unsigned cp)
{
	if (cp >= 0x80)
		return 13.0; /* CJK and other wide scripts: a full em and more */
	if (strchr("il.,:;|!'`()[]{}", (int)cp) != NULL)
		return 4.5;
	if (strchr("mwMW@%", (int)cp) != NULL)
		return 12.0;
	if (cp >= 'A' && cp <= 'Z')
		return 9.5;
	return 7.5;
}

/* s cut to at most maxpx (by glyph_px), with an ellipsis when cut */
static void fit(const char *s, double maxpx, char *buf, size_t sz)
{
	double w = 0, ell = 13.0;
	size_t o = 0, i = 0, keep = 0; /* keep: bytes that fit with the ellipsis */
	while (s[i]) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t len = u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
		unsigned cp = u[0] < 0x80 ? u[0] : 0x80;
		for (size_t k = 1; k < len; k++)
			if (s[i + k] == '\0')
				len = k;
		w += glyph_px(cp);
		if (w > maxpx || i + len + 4 > sz)
			break;
		if (w + ell <= maxpx)
			keep = i + len;
		i += len;
	}
	if (s[i] == '\0') { /* all of it fits */
		o = i < sz ? i : sz - 1;
		memcpy(buf, s, o);
		buf[o] = '\0';
		return;
	}
	memcpy(buf, s, keep);
	memcpy(buf + keep, "\xe2\x80\xa6", 4);
}

/* v with thousands separators ("12,345"); returns buf */
static const char *th(char *buf, size_t sz, unsigned long long v)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", v);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < sz; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "top 10 of 57" for a table that shows n of t's keys ("of more than"
 * once t has dropped keys) */
static void top_of(FILE *out, const char *what, uint32_t n, const ss_table *t)
{
	char a[32], b[32];
	fprintf(out, "<p class=\"of\">top %s of %s%s %s</p>\n", th(a, sizeof(a), n),
		t->evicted ? "more than " : "", th(b, sizeof(b), t->n), what);
}

/* horizontal bar chart of a top table */
static void svg_bars(FILE *out, ss_entry **v, uint32_t n, const char *title, int kind)
{
	if (n == 0) {
		fputs("<p class=\"none\">none</p>\n", out);
		return;
	}
	uint64_t max = 1;
	for (uint32_t i = 0; i < n; i++)
		if (v[i]->count > max)
			max = v[i]->count;
	const int rowh = 22, labw = 260, barw = 380;
	int h = (int)n * rowh + 8;
	fprintf(out,
		"<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-label=\"",
		labw + barw + 80, h, labw + barw + 80, h);
	hesc(out, title);
	fputs("\">\n", out);
	for (uint32_t i = 0; i < n; i++) {
		char lab[160], full[400];
		if (kind == 2 && v[i]->b[0])
			snprintf(full, sizeof(full), "%s %s", v[i]->key, v[i]->b);
		else if (kind == 1 && v[i]->a[0])
			snprintf(full, sizeof(full), "%s (%s)", v[i]->key, v[i]->a);
		else
			scopy(full, sizeof(full), v[i]->key);
		fit(full, labw - 12, lab, sizeof(lab));
		int y = 4 + (int)i * rowh;
		int w = (int)((double)v[i]->count * barw / (double)max);
		if (w < 1)
			w = 1;
		char num[32];
		th(num, sizeof(num), v[i]->count);
		fprintf(out, "<g><title>");
		hesc(out, full);
		fprintf(out, ": %s</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", num,
			labw - 8, y + 15);
		hesc(out, lab);
		fprintf(out,
			"</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\"/>"
			"<text class=\"n\" x=\"%d\" y=\"%d\">%s</text></g>\n",
			labw, y + 2, w, rowh - 6, labw + w + 6, y + 15, num);
	}
	fputs("</svg>\n", out);
}

/* the index of a two-letter country code, -1 for anything else */
static int cc_index(const char *cc)
{
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2] != '\0')
		return -1;
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

#define MAP_LEVELS 5

/* the step of a country with c > 0 failures, 1..MAP_LEVELS, on a
 * logarithmic scale up to lmax = log(max + 1) */
static int map_level(double c, double lmax)
{
	int level = 1 + (int)(MAP_LEVELS * log(c) / lmax);
	return level > MAP_LEVELS ? MAP_LEVELS : level;
}

/* the world map: each country shaded by its failures in MAP_LEVELS steps
 * of a logarithmic scale, its name and count in a tooltip, and a legend */
static void svg_map(FILE *out, const report *rp)
{
	uint64_t *by = xcalloc(26 * 26, sizeof(*by));
	uint32_t n;
	ss_entry **v = ss_sorted(&rp->countries, rp->countries.n, &n);
	uint64_t max = 0;
	for (uint32_t i = 0; i < n; i++) {
		int k = cc_index(v[i]->key);
		if (k < 0)
			continue;
		by[k] = v[i]->count;
		if (v[i]->count > max)
			max = v[i]->count;
	}
	free(v);
	if (max == 0) {
		fputs("<p class=\"none\">no failure from an address with a country</p>\n", out);
		free(by);
		return;
	}
	double lmax = log((double)max + 1);
	fprintf(out,
		"<svg class=\"map\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"failures by country\">\n",
		WORLD_W, WORLD_H + 30, WORLD_W, WORLD_H + 30);
	for (unsigned i = 0; i < world_nshapes; i++) {
		const world_shape *w = &world_shapes[i];
		int k = cc_index(w->cc);
		uint64_t c = k >= 0 ? by[k] : 0;
		int level = c > 0 ? map_level((double)c, lmax) : 0;
		char num[32];
		fprintf(out, "<path class=\"l%d\" d=\"", level);
		for (int part = 0; part < WORLD_PARTS && w->d[part] != NULL; part++)
			fputs(w->d[part], out);
		fputs("\"><title>", out);
		hesc(out, w->name);
		if (w->cc[0])
			fprintf(out, " (%s)", w->cc);
		fprintf(out, ": %s failure%s</title></path>\n", th(num, sizeof(num), c),
			c == 1 ? "" : "s");
	}
	/* legend: the lowest count of each step that has one */
	int x = 10, y = WORLD_H + 8;
	fprintf(out, "<text x=\"%d\" y=\"%d\">failures</text>\n", x, y + 13);
	x += 70;
	uint64_t lo = 1;
	for (int l = 1; l <= MAP_LEVELS && lo <= max; l++) {
		while (lo <= max && map_level((double)lo, lmax) < l)
			lo++;
		if (lo > max || map_level((double)lo, lmax) != l)
			continue;
		char num[32];
		fprintf(out,
			"<rect class=\"l%d\" x=\"%d\" y=\"%d\" width=\"18\" height=\"16\"/>"
			"<text x=\"%d\" y=\"%d\">%s%s</text>\n",
			l, x, y, x + 24, y + 13, l == 1 ? "" : "\u2265 ", th(num, sizeof(num), lo));
		x += 110;
	}
	fputs("</svg>\n", out);
	free(by);
}

/* 1 when an event carried a country: geo data was used */
static int have_geo(const report *rp)
{
	uint32_t n;
	ss_entry **v = ss_sorted(&rp->countries, rp->countries.n, &n);
	int geo = 0;
	for (uint32_t i = 0; i < n && !geo; i++)
		geo = cc_index(v[i]->key) >= 0;
	free(v);
	return geo;
}

static void html_table_start(FILE *out, const char *const *cols, int ncol, const char *num)
{
	fputs("<table><thead><tr>", out);
	for (int i = 0; i < ncol; i++)
		fprintf(out, "<th%s>%s</th>", num[i] == 'r' ? " class=\"r\"" : "", cols[i]);
	fputs("</tr></thead><tbody>\n", out);
}

static void html_cells(FILE *out, const char *num, int ncol, ...)
{
	va_list ap;
	va_start(ap, ncol);
	fputs("<tr>", out);
	for (int i = 0; i < ncol; i++) {
		const char *s = va_arg(ap, const char *);
		fputs(num[i] == 'r' ? "<td class=\"r\">" : "<td>", out);
		hesc(out, s ? s : "");
		fputs("</td>", out);
	}
	fputs("</tr>\n", out);
	va_end(ap);
}

void print_html(report *rp, FILE *out)
{
	char a[64], b[64], c[64], d[256], e[256];
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<title>mmauthparse report</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,-apple-system,\"Segoe UI\",sans-serif;margin:2em "
	      "auto;max-width:1000px;color:#222;background:#fafafa;padding:0 1em}\n"
	      "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-"
	      "bottom:1px solid #ddd;padding-bottom:.2em}\n"
	      ".span{color:#555}.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}\n"
	      ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em "
	      "1em;min-width:7em}\n"
	      ".card b{display:block;font-size:1.6em}.card.fail b{color:#c0392b}.card.ok "
	      "b{color:#27ae60}.card.block b{color:#8e44ad}\n"
	      "table{border-collapse:collapse;background:#fff;margin:.5em 0}th,td{border:1px solid "
	      "#ddd;padding:.25em .6em;text-align:left;vertical-align:top}\n"
	      "th{background:#f0f0f0}.r{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "svg.chart text{font-size:12px;fill:#333}svg.chart rect{fill:#c0392b}svg.chart "
	      "text.n{fill:#555}\n"
	      "svg.tl rect{fill:#c0392b}svg.tl text{font-size:11px;fill:#555}svg.tl "
	      "line{stroke:#999}\n"
	      ".none{color:#888;font-style:italic}.note{color:#888;font-size:.9em}\n"
	      "svg{max-width:100%;height:auto}td{overflow-wrap:anywhere}table{max-width:100%}\n"
	      ".of{color:#666;font-size:.9em;margin:.2em 0}\n"
	      "svg.map path{stroke:#fff;stroke-width:.4}svg.map text{font-size:12px;fill:#333}\n"
	      ".l0{fill:#e3e3e3}.l1{fill:#fdd0a2}.l2{fill:#fdae6b}.l3{fill:#f16913}"
	      ".l4{fill:#d94801}.l5{fill:#8c2d04}\n"
	      "</style>\n</head>\n<body>\n<h1>Authentication attack report</h1>\n",
	      out);
	if (rp->have_span) {
		duration(rp->last_t - rp->first_t, a, sizeof(a));
		fputs("<p class=\"span\">From <b>", out);
		hesc(out, rp->first_when);
		fputs("</b> to <b>", out);
		hesc(out, rp->last_when);
		fprintf(out, "</b> (%s); %s lines read, %s skipped.</p>\n", a,
			th(b, sizeof(b), rp->lines), th(c, sizeof(c), rp->skipped));
	} else {
		fprintf(out, "<p class=\"span\">No time stamps; %s lines read, %s skipped.</p>\n",
			th(b, sizeof(b), rp->lines), th(c, sizeof(c), rp->skipped));
	}
	static const char *const card_class[7] = { "", " fail", " ok", "", " block", "", "" };
	static const char *const card_label[7] = { "events",          "failures",
						   "successes",       "unknown",
						   "blocks",          "successes after failures",
						   "plaintext logins" };
	const uint64_t card_n[7] = { rp->events, rp->failures,  rp->successes,      rp->unknown,
				     rp->blocks, rp->saf_total, rp->plaintext_total };
	fputs("<div class=\"cards\">", out);
	for (int i = 0; i < 7; i++)
		fprintf(out, "<div class=\"card%s\"><b>%s</b>%s</div>", card_class[i],
			th(a, sizeof(a), card_n[i]), card_label[i]);
	fputs("</div>\n", out);

	fputs("<h2>Failures by country</h2>\n", out);
	svg_map(out, rp);

	/* timeline */
	tl_bucket *bk;
	long long w;
	size_t nb = tl_buckets(rp, &bk, &w);
	tz_label(rp, c, sizeof(c));
	fprintf(out, "<h2>Failures per %s (%s)</h2>\n",
		w == 1    ? "hour"
		: w == 24 ? "day"
			  : "week",
		c);
	if (nb == 0) {
		fputs("<p class=\"none\">none</p>\n", out);
	} else {
		uint64_t max = 1;
		for (size_t i = 0; i < nb; i++)
			if (bk[i].n > max)
				max = bk[i].n;
		int bw = (int)(880 / nb);
		if (bw < 2)
			bw = 2;
		if (bw > 40)
			bw = 40;
		int width = bw * (int)nb + 60, plot = 160;
		if (width < 320)
			width = 320;
		fprintf(out,
			"<svg class=\"tl\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			"role=\"img\" aria-label=\"failures over time\">\n",
			width, plot + 40, width, plot + 40);
		fprintf(out,
			"<line x1=\"50\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			"<text x=\"45\" y=\"14\" text-anchor=\"end\">%s</text>"
			"<text x=\"45\" y=\"%d\" text-anchor=\"end\">0</text>\n",
			plot + 5, width, plot + 5, th(a, sizeof(a), max), plot + 5);
		for (size_t i = 0; i < nb; i++) {
			int h = (int)((double)bk[i].n * plot / (double)max);
			if (bk[i].n > 0 && h < 1)
				h = 1;
			bucket_label(rp, bk[i].start, w, d, sizeof(d));
			fprintf(out,
				"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%s: "
				"%s</title></rect>\n",
				52 + (int)i * bw, plot + 5 - h, bw > 3 ? bw - 1 : bw, h, d,
				th(a, sizeof(a), bk[i].n));
		}
		bucket_label(rp, bk[0].start, w, d, sizeof(d));
		fprintf(out, "<text x=\"52\" y=\"%d\">%s</text>", plot + 22, d);
		bucket_label(rp, bk[nb - 1].start, w, d, sizeof(d));
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n</svg>\n",
			width - 4, plot + 36, d);
	}
	free(bk);

	uint32_t n;
	ss_entry **v;
	static const char *const addr_cols[] = { "address", "failures", "country", "AS" };
	fprintf(out, "<h2>Top %u countries</h2>\n", rp->top);
	v = ss_sorted(&rp->countries, rp->top, &n);
	top_of(out, "countries", n, &rp->countries);
	svg_bars(out, v, n, "top countries", 2);
	free(v);

	fprintf(out, "<h2>Top %u addresses</h2>\n", rp->top);
	v = ss_sorted(&rp->addrs, rp->top, &n);
	top_of(out, "addresses", n, &rp->addrs);
	svg_bars(out, v, n, "top addresses", 1);
	if (n > 0) {
		html_table_start(out, addr_cols, 4, "lrll");
		for (uint32_t i = 0; i < n; i++) {
			addr_country(v[i], d, sizeof(d));
			as_label(v[i], e, sizeof(e));
			html_cells(out, "lrll", 4, v[i]->key, th(a, sizeof(a), v[i]->count), d, e);
		}
		fputs("</tbody></table>\n", out);
	}
	free(v);

	fprintf(out, "<h2>Top %u targeted logins</h2>\n", rp->top);
	v = ss_sorted(&rp->logins, rp->top, &n);
	top_of(out, "logins", n, &rp->logins);
	svg_bars(out, v, n, "top logins", 0);
	free(v);

	static const char *const sd_cols[2][5] = {
		{ "service", "events", "failures", "successes", "other" },
		{ "daemon", "events", "failures", "successes", "other" }
	};
	const ss_table *sd[2] = { &rp->services, &rp->daemons };
	for (int k = 0; k < 2; k++) {
		fprintf(out, "<h2>%s</h2>\n", k == 0 ? "Services" : "Daemons");
		v = ss_sorted(sd[k], rp->top, &n);
		top_of(out, k == 0 ? "services" : "daemons", n, sd[k]);
		if (n == 0)
			fputs("<p class=\"none\">none</p>\n", out);
		else {
			html_table_start(out, sd_cols[k], 5, "lrrrr");
			for (uint32_t i = 0; i < n; i++) {
				char x[32], y[32], z[32];
				html_cells(out, "lrrrr", 5, v[i]->key,
					   th(a, sizeof(a), v[i]->count),
					   th(x, sizeof(x), v[i]->n_fail),
					   th(y, sizeof(y), v[i]->n_succ),
					   th(z, sizeof(z), v[i]->n_other));
			}
			fputs("</tbody></table>\n", out);
		}
		free(v);
	}

	char x[32], y[32], z[32];
	fprintf(out,
		"<h2>Successes after failures</h2>\n<p>%s in all: %s flagged by the compromise "
		"detector, %s from an address that failed earlier in this input.</p>\n",
		th(x, sizeof(x), rp->saf_total), th(y, sizeof(y), rp->saf_alert),
		th(z, sizeof(z), rp->saf_computed));
	if (rp->saf.n > 0) {
		static const char *const cols[] = { "time",    "user",    "address",
						    "country", "service", "failures before",
						    "alert" };
		fprintf(out, "<p class=\"of\">last %s of %s, compromise alerts first</p>\n",
			th(x, sizeof(x), rp->saf.n), th(y, sizeof(y), rp->saf_total));
		html_table_start(out, cols, 7, "lllllrl");
		/* the ones the compromise detector flagged first, each part in
		 * time order */
		for (int pass = 0; pass < 2; pass++)
			for (uint32_t i = 0; i < rp->saf.n; i++) {
				ring_item *it = ring_at(&rp->saf, i);
				if (((it->flagged & 1) != 0) != (pass == 0))
					continue;
				svc_label(it, d, sizeof(d));
				th(b, sizeof(b),
				   (unsigned long long)(it->fails > 0 ? it->fails : 0));
				html_cells(out, "lllllrl", 7, it->when, it->user, it->ip,
					   it->country, d, (it->flagged & 2) ? b : "",
					   (it->flagged & 1) ? "compromise" : "");
			}
		fputs("</tbody></table>\n", out);
	}

	fprintf(out, "<h2>Plaintext logins</h2>\n<p>%s successful logins without TLS.</p>\n",
		th(x, sizeof(x), rp->plaintext_total));
	v = ss_sorted(&rp->plaintext, rp->top, &n);
	if (n > 0) {
		top_of(out, "accounts", n, &rp->plaintext);
		static const char *const cols[] = { "user", "logins", "service", "last address" };
		html_table_start(out, cols, 4, "lrll");
		for (uint32_t i = 0; i < n; i++)
			html_cells(out, "lrll", 4, v[i]->key, th(a, sizeof(a), v[i]->count),
				   v[i]->a, v[i]->b);
		fputs("</tbody></table>\n", out);
	}
	free(v);

	fprintf(out, "<h2>Blocks</h2>\n<p>%s block%s.</p>\n", th(x, sizeof(x), rp->blocks),
		rp->blocks == 1 ? "" : "s");
	if (rp->blockr.n > 0) {
		fprintf(out, "<p class=\"of\">last %s of %s</p>\n", th(x, sizeof(x), rp->blockr.n),
			th(y, sizeof(y), rp->blocks));
		static const char *const cols[] = {
			"time",  "address", "country",          "by",
			"count", "window",  "related accounts", "failed earlier from this address"
		};
		html_table_start(out, cols, 8, "llllrrll");
		for (uint32_t i = 0; i < rp->blockr.n; i++) {
			ring_item *it = ring_at(&rp->blockr, i);
			svc_label(it, d, sizeof(d));
			x[0] = y[0] = '\0';
			if (it->count >= 0)
				th(x, sizeof(x), (unsigned long long)it->count);
			if (it->window >= 0)
				snprintf(y, sizeof(y), "%llds", it->window);
			html_cells(out, "llllrrll", 8, it->when, it->ip, it->country, d, x, y,
				   it->related, it->computed);
		}
		fputs("</tbody></table>\n", out);
	}

	fprintf(out, "<h2>Last %u attacks</h2>\n", rp->last);
	if (rp->attacks.n == 0)
		fputs("<p class=\"none\">none</p>\n", out);
	else {
		static const char *const cols[] = { "time",    "user",    "address",
						    "country", "service", "reason" };
		fprintf(out, "<p class=\"of\">last %s of %s failures</p>\n",
			th(x, sizeof(x), rp->attacks.n), th(y, sizeof(y), rp->failures));
		html_table_start(out, cols, 6, "llllll");
		for (uint32_t i = 0; i < rp->attacks.n; i++) {
			ring_item *it = ring_at(&rp->attacks, i);
			svc_label(it, d, sizeof(d));
			html_cells(out, "llllll", 6, it->when, it->user, it->ip, it->country, d,
				   it->reason);
		}
		fputs("</tbody></table>\n", out);
	}

	fputs("<h2>Incidents</h2>\n", out);
	{
		char sum[256];
		uint32_t ni;
		inc_summary(rp, sum, sizeof(sum));
		fputs("<p>", out);
		hesc(out, sum);
		fputs("</p>\n", out);
		inc_entry **iv = inc_sorted(&rp->inc, rp->top, &ni);
		if (ni > 0) {
			static const char *const cols[] = {
				"address/user", "detector", "first seen (UTC)", "span",
				"count",        "state",    "country",          "accounts"
			};
			html_table_start(out, cols, 8, "llllrlll");
			for (uint32_t i = 0; i < ni; i++) {
				char f[32], sp[32], acc[320];
				const inc_entry *ie = iv[i];
				inc_time(ie->first, f, sizeof(f));
				duration(ie->first >= 0 && ie->last >= ie->first
						 ? ie->last - ie->first
						 : 0,
					 sp, sizeof(sp));
				inc_accounts(ie, acc, sizeof(acc));
				html_cells(out, "llllrlll", 8, ie->key,
					   ap_detector_name((ap_detector)ie->det), f, sp,
					   ull(a, sizeof(a), (unsigned long long)ie->count),
					   ie->closed ? "closed" : "open", ie->country, acc);
			}
			fputs("</tbody></table>\n", out);
		}
		free(iv);
	}
	if (rp->addrs.evicted || rp->logins.evicted || rp->countries.evicted)
		fputs("<p class=\"note\">Some top tables are approximate: the input held more "
		      "distinct "
		      "keys than the report keeps counters for (--max-keys).</p>\n",
		      out);
	/* when and where the page was made */
	char host[256] = "", when[32];
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	tool_format_iso((long long)time(NULL), when, sizeof(when));
	fprintf(out, "<p class=\"note\">Generated by mmauthparse report at %s", when);
	if (host[0]) {
		fputs(" on ", out);
		hesc(out, host);
	}
	fputs(".", out);
	if (have_geo(rp))
		fputs(" <a href=\"https://db-ip.com\">IP Geolocation by DB-IP</a> (CC BY 4.0), "
		      "where the geo data is DB-IP's.",
		      out);
	fputs("</p>\n</body>\n</html>\n", out);
}
