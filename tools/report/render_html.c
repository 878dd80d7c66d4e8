/* render_html.c - the report as one HTML page (render_html.h): HTML
 * escaping, SVG bar charts, tables and the page itself.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "render.h"
#include "render_html.h"

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

/* cut to at most max code points, with an ellipsis */
static void cut(const char *s, size_t max, char *buf, size_t sz)
{
	size_t o = 0, cps = 0;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (cps == max)
				break;
			cps++;
		}
		if (o + 4 >= sz)
			break;
		buf[o++] = s[i];
	}
	buf[o] = '\0';
	if (strlen(s) > o && o + 4 < sz) {
		/* back to a character boundary, then "…" */
		while (o > 0 && ((unsigned char)buf[o] & 0xc0) == 0x80)
			o--;
		memcpy(buf + o, "\xe2\x80\xa6", 4);
	}
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
		cut(full, 36, lab, sizeof(lab));
		int y = 4 + (int)i * rowh;
		int w = (int)((double)v[i]->count * barw / (double)max);
		if (w < 1)
			w = 1;
		fprintf(out, "<g><title>");
		hesc(out, full);
		fprintf(out, ": %llu</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			(unsigned long long)v[i]->count, labw - 8, y + 15);
		hesc(out, lab);
		fprintf(out,
			"</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\"/>"
			"<text class=\"n\" x=\"%d\" y=\"%d\">%llu</text></g>\n",
			labw, y + 2, w, rowh - 6, labw + w + 6, y + 15,
			(unsigned long long)v[i]->count);
	}
	fputs("</svg>\n", out);
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
	      "</style>\n</head>\n<body>\n<h1>Authentication attack report</h1>\n",
	      out);
	if (rp->have_span) {
		duration(rp->last_t - rp->first_t, a, sizeof(a));
		fputs("<p class=\"span\">From <b>", out);
		hesc(out, rp->first_when);
		fputs("</b> to <b>", out);
		hesc(out, rp->last_when);
		fprintf(out, "</b> (%s); %llu lines read, %llu skipped.</p>\n", a,
			(unsigned long long)rp->lines, (unsigned long long)rp->skipped);
	} else {
		fprintf(out,
			"<p class=\"span\">No time stamps; %llu lines read, %llu skipped.</p>\n",
			(unsigned long long)rp->lines, (unsigned long long)rp->skipped);
	}
	fprintf(out,
		"<div class=\"cards\">"
		"<div class=\"card\"><b>%llu</b>events</div>"
		"<div class=\"card fail\"><b>%llu</b>failures</div>"
		"<div class=\"card ok\"><b>%llu</b>successes</div>"
		"<div class=\"card\"><b>%llu</b>unknown</div>"
		"<div class=\"card block\"><b>%llu</b>blocks</div>"
		"<div class=\"card\"><b>%llu</b>successes after failures</div>"
		"<div class=\"card\"><b>%llu</b>plaintext logins</div></div>\n",
		(unsigned long long)rp->events, (unsigned long long)rp->failures,
		(unsigned long long)rp->successes, (unsigned long long)rp->unknown,
		(unsigned long long)rp->blocks, (unsigned long long)rp->saf_total,
		(unsigned long long)rp->plaintext_total);

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
			"<text x=\"45\" y=\"14\" text-anchor=\"end\">%llu</text>"
			"<text x=\"45\" y=\"%d\" text-anchor=\"end\">0</text>\n",
			plot + 5, width, plot + 5, (unsigned long long)max, plot + 5);
		for (size_t i = 0; i < nb; i++) {
			int h = (int)((double)bk[i].n * plot / (double)max);
			if (bk[i].n > 0 && h < 1)
				h = 1;
			bucket_label(rp, bk[i].start, w, d, sizeof(d));
			fprintf(out,
				"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%s: "
				"%llu</title></rect>\n",
				52 + (int)i * bw, plot + 5 - h, bw > 3 ? bw - 1 : bw, h, d,
				(unsigned long long)bk[i].n);
		}
		bucket_label(rp, bk[0].start, w, d, sizeof(d));
		fprintf(out, "<text x=\"52\" y=\"%d\">%s</text>", plot + 22, d);
		bucket_label(rp, bk[nb - 1].start, w, d, sizeof(d));
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n</svg>\n",
			width, plot + 36, d);
	}
	free(bk);

	uint32_t n;
	ss_entry **v;
	static const char *const addr_cols[] = { "address", "failures", "country", "AS" };
	fprintf(out, "<h2>Top %u countries</h2>\n", rp->top);
	v = ss_sorted(&rp->countries, rp->top, &n);
	svg_bars(out, v, n, "top countries", 2);
	free(v);

	fprintf(out, "<h2>Top %u addresses</h2>\n", rp->top);
	v = ss_sorted(&rp->addrs, rp->top, &n);
	svg_bars(out, v, n, "top addresses", 1);
	if (n > 0) {
		html_table_start(out, addr_cols, 4, "lrll");
		for (uint32_t i = 0; i < n; i++) {
			addr_country(v[i], d, sizeof(d));
			as_label(v[i], e, sizeof(e));
			html_cells(out, "lrll", 4, v[i]->key, ull(a, sizeof(a), v[i]->count), d, e);
		}
		fputs("</tbody></table>\n", out);
	}
	free(v);

	fprintf(out, "<h2>Top %u targeted logins</h2>\n", rp->top);
	v = ss_sorted(&rp->logins, rp->top, &n);
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
		if (n == 0)
			fputs("<p class=\"none\">none</p>\n", out);
		else {
			html_table_start(out, sd_cols[k], 5, "lrrrr");
			for (uint32_t i = 0; i < n; i++) {
				char x[32], y[32], z[32];
				html_cells(out, "lrrrr", 5, v[i]->key,
					   ull(a, sizeof(a), v[i]->count),
					   ull(x, sizeof(x), v[i]->n_fail),
					   ull(y, sizeof(y), v[i]->n_succ),
					   ull(z, sizeof(z), v[i]->n_other));
			}
			fputs("</tbody></table>\n", out);
		}
		free(v);
	}

	fprintf(out,
		"<h2>Successes after failures</h2>\n<p>%llu in all: %llu flagged by the compromise "
		"detector, %llu from an address that failed earlier in this input.</p>\n",
		(unsigned long long)rp->saf_total, (unsigned long long)rp->saf_alert,
		(unsigned long long)rp->saf_computed);
	if (rp->saf.n > 0) {
		static const char *const cols[] = { "time",    "user",    "address",
						    "country", "service", "failures before",
						    "alert" };
		html_table_start(out, cols, 7, "lllllrl");
		for (uint32_t i = 0; i < rp->saf.n; i++) {
			ring_item *it = ring_at(&rp->saf, i);
			svc_label(it, d, sizeof(d));
			snprintf(b, sizeof(b), "%lld", it->fails);
			html_cells(out, "lllllrl", 7, it->when, it->user, it->ip, it->country, d,
				   (it->flagged & 2) ? b : "",
				   (it->flagged & 1) ? "compromise" : "");
		}
		fputs("</tbody></table>\n", out);
	}

	fprintf(out, "<h2>Plaintext logins</h2>\n<p>%llu successful logins without TLS.</p>\n",
		(unsigned long long)rp->plaintext_total);
	v = ss_sorted(&rp->plaintext, rp->top, &n);
	if (n > 0) {
		static const char *const cols[] = { "user", "logins", "service", "last address" };
		html_table_start(out, cols, 4, "lrll");
		for (uint32_t i = 0; i < n; i++)
			html_cells(out, "lrll", 4, v[i]->key, ull(a, sizeof(a), v[i]->count),
				   v[i]->a, v[i]->b);
		fputs("</tbody></table>\n", out);
	}
	free(v);

	fprintf(out, "<h2>Blocks</h2>\n<p>%llu block%s.</p>\n", (unsigned long long)rp->blocks,
		rp->blocks == 1 ? "" : "s");
	if (rp->blockr.n > 0) {
		static const char *const cols[] = {
			"time",  "address", "country",          "by",
			"count", "window",  "related accounts", "failed earlier from this address"
		};
		html_table_start(out, cols, 8, "llllrrll");
		for (uint32_t i = 0; i < rp->blockr.n; i++) {
			ring_item *it = ring_at(&rp->blockr, i);
			svc_label(it, d, sizeof(d));
			char x[32] = "", y[32] = "";
			if (it->count >= 0)
				snprintf(x, sizeof(x), "%lld", it->count);
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
	fputs("<p class=\"note\">Generated by mmauthparse report.</p>\n</body>\n</html>\n", out);
}
