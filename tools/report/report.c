/* report.c - `mmauthparse report` and `mmauthparse follow`: read enriched
 * events back (JSON lines: the rsyslog module's output file or the parse
 * command's --with-message output) and summarise them for people.
 *
 * Accepted line shapes, one JSON object per line:
 *   {"time":"<ISO 8601>","host":"mx1","kind":"auth","outcome":...}   (flat)
 *   {"time":"<ISO 8601>","host":"mx1","auth":{"kind":"auth",...}}     (nested)
 * "timestamp"/"@timestamp" are read when "time" is absent, "hostname" when
 * "host" is.  Other lines (not JSON, {}, objects without "kind") are
 * counted as skipped.
 *
 * Memory is bounded whatever the input size: every "top" table is a
 * Space-Saving summary with a fixed number of counters (--max-keys, 4096 by
 * default): exact while the distinct keys fit, approximate beyond (a key's
 * count may then be over-estimated by at most the count it displaced; the
 * report says so).  The addresses that failed earlier (for "successes after
 * failures" and the accounts related to a block) are kept in a fixed
 * 16384-entry set-associative table that forgets the least recently seen
 * address.  The hourly timeline keeps at most 65536 hours.  One JSON
 * tokener is reused for every line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "authparse.h"
#include "common.h"
#include "model.h"
#include "read.h"
#include "render.h"
#include "render_json.h"
#include "render_text.h"
#include "report.h"

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
	fprintf(out, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
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
		fprintf(out, ": %llu</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", (unsigned long long)v[i]->count,
			labw - 8, y + 15);
		hesc(out, lab);
		fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\"/>"
			"<text class=\"n\" x=\"%d\" y=\"%d\">%llu</text></g>\n",
			labw, y + 2, w, rowh - 6, labw + w + 6, y + 15, (unsigned long long)v[i]->count);
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

static void print_html(report *rp, FILE *out)
{
	char a[64], b[64], c[64], d[256], e[256];
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>mmauthparse report</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,-apple-system,\"Segoe UI\",sans-serif;margin:2em auto;max-width:1000px;color:#222;background:#fafafa;padding:0 1em}\n"
	      "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n"
	      ".span{color:#555}.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}\n"
	      ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:7em}\n"
	      ".card b{display:block;font-size:1.6em}.card.fail b{color:#c0392b}.card.ok b{color:#27ae60}.card.block b{color:#8e44ad}\n"
	      "table{border-collapse:collapse;background:#fff;margin:.5em 0}th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}\n"
	      "th{background:#f0f0f0}.r{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "svg.chart text{font-size:12px;fill:#333}svg.chart rect{fill:#c0392b}svg.chart text.n{fill:#555}\n"
	      "svg.tl rect{fill:#c0392b}svg.tl text{font-size:11px;fill:#555}svg.tl line{stroke:#999}\n"
	      ".none{color:#888;font-style:italic}.note{color:#888;font-size:.9em}\n"
	      "</style>\n</head>\n<body>\n<h1>Authentication attack report</h1>\n", out);
	if (rp->have_span) {
		duration(rp->last_t - rp->first_t, a, sizeof(a));
		fputs("<p class=\"span\">From <b>", out);
		hesc(out, rp->first_when);
		fputs("</b> to <b>", out);
		hesc(out, rp->last_when);
		fprintf(out, "</b> (%s); %llu lines read, %llu skipped.</p>\n", a,
			(unsigned long long)rp->lines, (unsigned long long)rp->skipped);
	} else {
		fprintf(out, "<p class=\"span\">No time stamps; %llu lines read, %llu skipped.</p>\n",
			(unsigned long long)rp->lines, (unsigned long long)rp->skipped);
	}
	fprintf(out, "<div class=\"cards\">"
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
	fprintf(out, "<h2>Failures per %s (%s)</h2>\n", w == 1 ? "hour" : w == 24 ? "day" : "week", c);
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
		fprintf(out, "<svg class=\"tl\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"failures over time\">\n",
			width, plot + 40, width, plot + 40);
		fprintf(out, "<line x1=\"50\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			"<text x=\"45\" y=\"14\" text-anchor=\"end\">%llu</text>"
			"<text x=\"45\" y=\"%d\" text-anchor=\"end\">0</text>\n",
			plot + 5, width, plot + 5, (unsigned long long)max, plot + 5);
		for (size_t i = 0; i < nb; i++) {
			int h = (int)((double)bk[i].n * plot / (double)max);
			if (bk[i].n > 0 && h < 1)
				h = 1;
			bucket_label(rp, bk[i].start, w, d, sizeof(d));
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%s: %llu</title></rect>\n",
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
		{ "daemon", "events", "failures", "successes", "other" } };
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
				html_cells(out, "lrrrr", 5, v[i]->key, ull(a, sizeof(a), v[i]->count),
					   ull(x, sizeof(x), v[i]->n_fail), ull(y, sizeof(y), v[i]->n_succ),
					   ull(z, sizeof(z), v[i]->n_other));
			}
			fputs("</tbody></table>\n", out);
		}
		free(v);
	}

	fprintf(out, "<h2>Successes after failures</h2>\n<p>%llu in all: %llu flagged by the compromise "
		"detector, %llu from an address that failed earlier in this input.</p>\n",
		(unsigned long long)rp->saf_total, (unsigned long long)rp->saf_alert,
		(unsigned long long)rp->saf_computed);
	if (rp->saf.n > 0) {
		static const char *const cols[] = { "time", "user", "address", "country", "service", "failures before", "alert" };
		html_table_start(out, cols, 7, "lllllrl");
		for (uint32_t i = 0; i < rp->saf.n; i++) {
			ring_item *it = ring_at(&rp->saf, i);
			svc_label(it, d, sizeof(d));
			snprintf(b, sizeof(b), "%lld", it->fails);
			html_cells(out, "lllllrl", 7, it->when, it->user, it->ip, it->country, d,
				   (it->flagged & 2) ? b : "", (it->flagged & 1) ? "compromise" : "");
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
			html_cells(out, "lrll", 4, v[i]->key, ull(a, sizeof(a), v[i]->count), v[i]->a, v[i]->b);
		fputs("</tbody></table>\n", out);
	}
	free(v);

	fprintf(out, "<h2>Blocks</h2>\n<p>%llu block%s.</p>\n", (unsigned long long)rp->blocks,
		rp->blocks == 1 ? "" : "s");
	if (rp->blockr.n > 0) {
		static const char *const cols[] = { "time", "address", "country", "by", "count", "window", "related accounts", "failed earlier from this address" };
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
		static const char *const cols[] = { "time", "user", "address", "country", "service", "reason" };
		html_table_start(out, cols, 6, "llllll");
		for (uint32_t i = 0; i < rp->attacks.n; i++) {
			ring_item *it = ring_at(&rp->attacks, i);
			svc_label(it, d, sizeof(d));
			html_cells(out, "llllll", 6, it->when, it->user, it->ip, it->country, d, it->reason);
		}
		fputs("</tbody></table>\n", out);
	}

	fputs("<h2>Alerts by detector</h2>\n", out);
	if (rp->ndet == 0)
		fputs("<p class=\"none\">none</p>\n", out);
	else {
		static const char *const cols[] = { "detector", "events" };
		html_table_start(out, cols, 2, "lr");
		for (int i = 0; i < rp->ndet; i++)
			html_cells(out, "lr", 2, rp->det[i].name, ull(a, sizeof(a), rp->det[i].n));
		fputs("</tbody></table>\n", out);
	}
	if (rp->addrs.evicted || rp->logins.evicted || rp->countries.evicted)
		fputs("<p class=\"note\">Some top tables are approximate: the input held more distinct "
		      "keys than the report keeps counters for (--max-keys).</p>\n", out);
	fputs("<p class=\"note\">Generated by mmauthparse report.</p>\n</body>\n</html>\n", out);
}

/* ------------------------------------------------------------------ */
/* report command                                                      */

static const char report_usage[] =
"usage: mmauthparse report [options] [FILE...]\n"
"\n"
"Summarise enriched events: JSON lines as the rsyslog module's template writes\n"
"them ({\"time\":...,\"host\":...,\"kind\":\"auth\",...} or {\"time\":...,\"auth\":{...}})\n"
"or as \"mmauthparse parse --with-message\" prints them.  Reads standard input\n"
"when no FILE is given or FILE is \"-\".\n"
"\n"
"  -f, --format FMT     text (default), json or html (one self-contained page)\n"
"  -n, --top N          rows of the top tables (default 10)\n"
"  -l, --last N         rows of the \"last\" lists (default 10)\n"
"      --min-failures N a success counts as \"after failures\" when its address\n"
"                       failed at least N times earlier in the input (default 1)\n"
"      --max-keys N     counters per top table (default 4096): exact up to N\n"
"                       distinct keys, approximate beyond\n"
"  -F, --follow FILE    same as \"mmauthparse follow FILE\"\n"
"  -h, --help           this text\n";

static uint32_t num_arg(const char *s, const char *what, uint32_t min, uint32_t max)
{
	char *end;
	errno = 0;
	if (s[0] < '0' || s[0] > '9') {
		fprintf(stderr, PROG ": %s: not a number: '%s'\n", what, s);
		exit(2);
	}
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, PROG ": %s: '%s' is not a number from %u to %u\n", what, s, min, max);
		exit(2);
	}
	return (uint32_t)v;
}

int report_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 'n' },
		{ "last", required_argument, NULL, 'l' },
		{ "min-failures", required_argument, NULL, 'M' },
		{ "max-keys", required_argument, NULL, 'K' },
		{ "follow", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	/* --follow hands everything over to the follow command */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-F") == 0) {
			for (int j = i; j + 1 < argc; j++)
				argv[j] = argv[j + 1];
			return follow_main(argc - 1, argv);
		}
	}
	const char *format = "text";
	uint32_t top = 10, last = 10, min_fail = 1, max_keys = 4096;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:n:l:Fh", lo, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'n': top = num_arg(optarg, "--top", 1, 100000); break;
		case 'l': last = num_arg(optarg, "--last", 0, 100000); break;
		case 'M': min_fail = num_arg(optarg, "--min-failures", 1, UINT32_MAX); break;
		case 'K': max_keys = num_arg(optarg, "--max-keys", 16, 1u << 22); break;
		case 'h': fputs(report_usage, stdout); return 0;
		case ':':
			fprintf(stderr, PROG ": report: option '%s' needs an argument\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, PROG ": report: unknown option '%s'\nTry 'mmauthparse report --help'.\n",
				argv[optind - 1]);
			return 2;
		}
	}
	int fmt;
	if (strcmp(format, "text") == 0)
		fmt = 0;
	else if (strcmp(format, "json") == 0)
		fmt = 1;
	else if (strcmp(format, "html") == 0)
		fmt = 2;
	else {
		fprintf(stderr, PROG ": report: unknown format '%s' (text, json or html)\n", format);
		return 2;
	}
	if (top > max_keys)
		top = max_keys;

	report *rp = xcalloc(1, sizeof(*rp));
	rp->top = top;
	rp->last = last;
	rp->min_fail = min_fail;
	ss_init(&rp->addrs, max_keys);
	ss_init(&rp->countries, max_keys < 1024 ? max_keys : 1024);
	ss_init(&rp->logins, max_keys);
	ss_init(&rp->services, 256);
	ss_init(&rp->daemons, 256);
	ss_init(&rp->plaintext, max_keys);
	rp->fm.e = xcalloc((size_t)FM_SETS * FM_WAYS, sizeof(fm_entry));
	ring_init(&rp->attacks, last);
	ring_init(&rp->saf, last);
	ring_init(&rp->blockr, last);
	rp->tl.hour = xcalloc(TL_SLOTS, sizeof(long long));
	rp->tl.count = xcalloc(TL_SLOTS, sizeof(uint64_t));

	struct fjson_tokener *tok = fjson_tokener_new();
	if (tok == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	int status = 0;
	if (optind >= argc) {
		status |= read_stream(rp, tok, stdin, "standard input");
	} else {
		for (int i = optind; i < argc; i++) {
			if (strcmp(argv[i], "-") == 0) {
				status |= read_stream(rp, tok, stdin, "standard input");
				continue;
			}
			FILE *fp = fopen(argv[i], "r");
			if (fp == NULL) {
				fprintf(stderr, PROG ": %s: %s\n", argv[i], strerror(errno));
				status = 1;
				continue;
			}
			status |= read_stream(rp, tok, fp, argv[i]);
			fclose(fp);
		}
	}
	fjson_tokener_free(tok);

	if (fmt == 0)
		print_text(rp, stdout);
	else if (fmt == 1)
		print_json(rp, stdout);
	else
		print_html(rp, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
		status = 1;
	}

	ss_free(&rp->addrs);
	ss_free(&rp->countries);
	ss_free(&rp->logins);
	ss_free(&rp->services);
	ss_free(&rp->daemons);
	ss_free(&rp->plaintext);
	free(rp->fm.e);
	free(rp->attacks.v);
	free(rp->saf.v);
	free(rp->blockr.v);
	free(rp->tl.hour);
	free(rp->tl.count);
	free(rp);
	return status;
}

/* ------------------------------------------------------------------ */
/* follow command                                                      */

static const char follow_usage[] =
"usage: mmauthparse follow [options] FILE\n"
"       mmauthparse report --follow [options] FILE\n"
"\n"
"Print events live as they are appended to FILE (JSON lines, as for report),\n"
"one line each: time  outcome  user  address  country  daemon/service  [alerts].\n"
"Survives truncation (starts again at the top) and rotation (the file\n"
"replaced by a new one: reads the old one to its end, then the new one from\n"
"its start).  FILE \"-\" reads standard input to its end.  Stops on SIGINT or\n"
"SIGTERM.\n"
"\n"
"  -l, --last N       first print the last N events already in FILE (default 0)\n"
"  -x, --failures     only failures and blocks (as mailcop shows attacks)\n"
"  -i, --interval MS  how often to look for new data (default 250 ms)\n"
"  -h, --help         this text\n";

static volatile sig_atomic_t follow_stop;

static void on_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

typedef struct follower {
	struct fjson_tokener *tok;
	rec *r;
	int failures_only;
	char *buf;
	size_t have;
	int skipping;		/* dropping the rest of an overlong line */
	/* ring of formatted lines (--last) */
	char **ring;
	uint32_t rcap, rn, rhead;
	int to_ring;
} follower;

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
	const char *oc = r->kind == 2 ? "block" : r->outcome == 1 ? "success"
		: r->outcome == 2 ? "failure" : "unknown";
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
	if (r->kind == 2 && r->count >= 0) {
		if (r->window >= 0)
			fprintf(m, "  %lld in %llds", r->count, r->window);
		else
			fprintf(m, "  %lld failures", r->count);
	}
	if (r->det_bits || r->nother_det) {
		fputs("  [", m);
		int first = 1;
		for (size_t k = 0; k < NKNOWN_DET; k++)
			if (r->det_bits & (1u << k)) {
				fprintf(m, "%s%s", first ? "" : ",", known_detectors[k]);
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
	fjson_tokener_reset(f->tok);
	struct fjson_object *o = fjson_tokener_parse_ex(f->tok, line, (int)n);
	if (o == NULL)
		return;
	if (to_rec(o, f->r) && (!f->failures_only || f->r->kind == 2 || f->r->outcome == 2)) {
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

static int follow_fd(follower *f, int fd)
{
	ssize_t n = read(fd, f->buf + f->have, TOOL_MAX_LINE - f->have);
	if (n > 0)
		follow_data(f, (size_t)n);
	return (int)n;
}

static void flush_ring(follower *f)
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

int follow_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "last", required_argument, NULL, 'l' },
		{ "failures", no_argument, NULL, 'x' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t last = 0, interval = 250;
	int failures_only = 0, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":l:xi:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': last = num_arg(optarg, "--last", 0, 100000); break;
		case 'x': failures_only = 1; break;
		case 'i': interval = num_arg(optarg, "--interval", 10, 60000); break;
		case 'h': fputs(follow_usage, stdout); return 0;
		case ':':
			fprintf(stderr, PROG ": follow: option '%s' needs an argument\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, PROG ": follow: unknown option '%s'\nTry 'mmauthparse follow --help'.\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, PROG ": follow: give exactly one FILE\nTry 'mmauthparse follow --help'.\n");
		return 2;
	}
	const char *path = argv[optind];

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read() and nanosleep() return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	follower f;
	memset(&f, 0, sizeof(f));
	f.tok = fjson_tokener_new();
	f.r = xcalloc(1, sizeof(rec));
	f.buf = malloc(TOOL_MAX_LINE + 1);
	f.failures_only = failures_only;
	f.rcap = last;
	f.ring = last ? xcalloc(last, sizeof(char *)) : NULL;
	if (f.tok == NULL || f.buf == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	int status = 0;

	if (strcmp(path, "-") == 0) {
		f.to_ring = last > 0;
		while (!follow_stop) {
			int n = follow_fd(&f, STDIN_FILENO);
			if (n == 0)
				break;
			if (n < 0 && errno != EINTR) {
				fprintf(stderr, PROG ": standard input: %s\n", strerror(errno));
				status = 1;
				break;
			}
		}
		if (f.to_ring)
			flush_ring(&f);
		goto out;
	}

	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		status = 1;
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		close(fd);
		status = 1;
		goto out;
	}
	off_t pos = st.st_size;
	if (last > 0 && S_ISREG(st.st_mode)) {
		/* the last N events are in the last few KB of the file */
		off_t back = (off_t)last * 8192;
		off_t from = st.st_size > back ? st.st_size - back : 0;
		if (lseek(fd, from, SEEK_SET) == from) {
			f.to_ring = 1;
			f.skipping = from > 0;	/* the first line is partial */
			off_t done = from;
			while (done < st.st_size) {
				int n = follow_fd(&f, fd);
				if (n <= 0)
					break;
				done += n;
			}
			/* a last line without newline yet is kept for later */
			flush_ring(&f);
			pos = done;
		}
	}
	if (lseek(fd, pos, SEEK_SET) != pos) {
		pos = 0;
		lseek(fd, 0, SEEK_SET);
	}
	while (!follow_stop) {
		int n = follow_fd(&f, fd);
		if (n > 0) {
			pos += n;
			continue;
		}
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			status = 1;
			break;
		}
		/* at the end: truncated? rotated? */
		struct stat now, cur;
		if (fstat(fd, &cur) == 0 && cur.st_size < pos) {
			fprintf(stderr, PROG ": %s: file truncated, reading from the start\n", path);
			lseek(fd, 0, SEEK_SET);
			pos = 0;
			f.have = 0;
			f.skipping = 0;
			continue;
		}
		if (stat(path, &now) == 0 && (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev)) {
			int nfd = open(path, O_RDONLY);
			if (nfd >= 0) {
				/* the old file was read to its end just above */
				fprintf(stderr, PROG ": %s: file replaced, following the new one\n", path);
				close(fd);
				fd = nfd;
				pos = 0;
				f.have = 0;
				f.skipping = 0;
				continue;
			}
		}
		struct timespec ts = { (time_t)(interval / 1000), (long)(interval % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	close(fd);
out:
	fflush(stdout);
	fjson_tokener_free(f.tok);
	free(f.r);
	free(f.buf);
	if (f.ring) {
		for (uint32_t i = 0; i < f.rcap; i++)
			free(f.ring[i]);
		free(f.ring);
	}
	return status;
}
