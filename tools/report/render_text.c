/* render_text.c - the report as plain text: aligned tables (tbl), section
 * headings and the text layout of every part of the report (render_text.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "model.h"
#include "render.h"
#include "render_text.h"

/* ------------------------------------------------------------------ */
/* aligned tables and headings                                         */

#define TBL_MAXCOL 8
typedef struct tbl {
	int ncol;
	const char *align; /* 'l' or 'r' per column */
	char **cells;
	size_t nrow, caprow;
} tbl;

static void tbl_init(tbl *t, int ncol, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
	t->align = align;
}

static void tbl_row(tbl *t, ...)
{
	if (t->nrow == t->caprow) {
		t->caprow = t->caprow ? t->caprow * 2 : 16;
		char **c = realloc(t->cells, t->caprow * (size_t)t->ncol * sizeof(char *));
		if (c == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			exit(1);
		}
		t->cells = c;
	}
	va_list ap;
	va_start(ap, t);
	for (int i = 0; i < t->ncol; i++) {
		const char *s = va_arg(ap, const char *);
		char *d = strdup(s ? s : "");
		if (d == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			exit(1);
		}
		t->cells[t->nrow * (size_t)t->ncol + (size_t)i] = d;
	}
	va_end(ap);
	t->nrow++;
}

static void tbl_print(tbl *t, FILE *out)
{
	size_t w[TBL_MAXCOL] = { 0 };
	for (size_t r = 0; r < t->nrow; r++)
		for (int c = 0; c < t->ncol; c++) {
			size_t x = dwidth(t->cells[r * (size_t)t->ncol + (size_t)c]);
			if (x > w[c])
				w[c] = x;
		}
	for (size_t r = 0; r < t->nrow; r++) {
		/* the last non-empty column ends the line (no trailing blanks) */
		int lastc = t->ncol - 1;
		while (lastc > 0 && t->cells[r * (size_t)t->ncol + (size_t)lastc][0] == '\0')
			lastc--;
		for (int c = 0; c <= lastc; c++) {
			const char *s = t->cells[r * (size_t)t->ncol + (size_t)c];
			size_t pad = w[c] - dwidth(s);
			if (c > 0)
				fputs("  ", out);
			if (t->align[c] == 'r')
				fprintf(out, "%*s%s", (int)pad, "", s);
			else if (c == lastc)
				fputs(s, out);
			else
				fprintf(out, "%s%*s", s, (int)pad, "");
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < t->nrow * (size_t)t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrow = t->caprow = 0;
}

static void heading(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void heading(FILE *out, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(out, "\n%s\n", buf);
	for (size_t i = dwidth(buf); i > 0; i--)
		fputc('-', out);
	fputc('\n', out);
}

/* ------------------------------------------------------------------ */
/* the text report                                                     */

static const char *approx_note(const ss_table *t)
{
	return t->evicted ? "  (approximate: more distinct keys than counters)" : "";
}

void print_text(report *rp, FILE *out)
{
	char a[64], b[64], c[64], d[256], e[256];
	fprintf(out, "mmauthparse report\n==================\n");
	if (rp->have_span) {
		duration(rp->last_t - rp->first_t, a, sizeof(a));
		fprintf(out, "From    : %s\nTo      : %s  (%s)\n", rp->first_when, rp->last_when,
			a);
	} else {
		fprintf(out, "From    : -\nTo      : -\n");
	}
	fprintf(out, "Lines   : %llu read, %llu events, ", (unsigned long long)rp->lines,
		(unsigned long long)rp->events);
	if (rp->closes > 0)
		fprintf(out, "%llu closed incidents, ", (unsigned long long)rp->closes);
	fprintf(out, "%llu skipped\n", (unsigned long long)rp->skipped);
	fprintf(out, "Events  : %llu failures, %llu successes, %llu unknown, %llu blocks\n",
		(unsigned long long)rp->failures, (unsigned long long)rp->successes,
		(unsigned long long)rp->unknown, (unsigned long long)rp->blocks);

	uint32_t n;
	ss_entry **v;
	tbl t;

	heading(out, "Top %u addresses (failures)%s", rp->top, approx_note(&rp->addrs));
	v = ss_sorted(&rp->addrs, rp->top, &n);
	tbl_init(&t, 4, "lrll");
	for (uint32_t i = 0; i < n; i++) {
		addr_country(v[i], d, sizeof(d));
		as_label(v[i], e, sizeof(e));
		tbl_row(&t, v[i]->key, ull(a, sizeof(a), v[i]->count), d, e);
	}
	if (n == 0)
		fprintf(out, "(none)\n");
	tbl_print(&t, out);
	free(v);

	heading(out, "Top %u countries (failures)%s", rp->top, approx_note(&rp->countries));
	v = ss_sorted(&rp->countries, rp->top, &n);
	tbl_init(&t, 3, "rll");
	for (uint32_t i = 0; i < n; i++)
		tbl_row(&t, ull(a, sizeof(a), v[i]->count), v[i]->key, v[i]->b);
	if (n == 0)
		fprintf(out, "(none)\n");
	tbl_print(&t, out);
	free(v);

	heading(out, "Top %u logins (failures)%s", rp->top, approx_note(&rp->logins));
	v = ss_sorted(&rp->logins, rp->top, &n);
	tbl_init(&t, 2, "rl");
	for (uint32_t i = 0; i < n; i++)
		tbl_row(&t, ull(a, sizeof(a), v[i]->count), v[i]->key);
	if (n == 0)
		fprintf(out, "(none)\n");
	tbl_print(&t, out);
	free(v);

	const ss_table *sd[2] = { &rp->services, &rp->daemons };
	const char *sdname[2] = { "Services", "Daemons" };
	for (int k = 0; k < 2; k++) {
		heading(out, "%s%s", sdname[k], approx_note(sd[k]));
		v = ss_sorted(sd[k], rp->top, &n);
		tbl_init(&t, 5, "lrrrr");
		if (n > 0)
			tbl_row(&t, k == 0 ? "service" : "daemon", "events", "failures",
				"successes", "other");
		for (uint32_t i = 0; i < n; i++) {
			char x[32], y[32], z[32];
			tbl_row(&t, v[i]->key, ull(a, sizeof(a), v[i]->count),
				ull(x, sizeof(x), v[i]->n_fail), ull(y, sizeof(y), v[i]->n_succ),
				ull(z, sizeof(z), v[i]->n_other));
		}
		if (n == 0)
			fprintf(out, "(none)\n");
		tbl_print(&t, out);
		free(v);
	}

	heading(out, "Successes after failures");
	fprintf(out,
		"%llu in all: %llu flagged by the compromise detector, "
		"%llu from an address that failed earlier in this input\n",
		(unsigned long long)rp->saf_total, (unsigned long long)rp->saf_alert,
		(unsigned long long)rp->saf_computed);
	tbl_init(&t, 7, "lllllrl");
	for (uint32_t i = 0; i < rp->saf.n; i++) {
		ring_item *it = ring_at(&rp->saf, i);
		svc_label(it, d, sizeof(d));
		snprintf(b, sizeof(b), "%lld failures before", it->fails);
		tbl_row(&t, it->when, it->user[0] ? it->user : "-", it->ip, it->country, d,
			(it->flagged & 2) ? b : "", (it->flagged & 1) ? "[compromise alert]" : "");
	}
	tbl_print(&t, out);

	heading(out, "Plaintext logins (tls=false)%s", approx_note(&rp->plaintext));
	fprintf(out, "%llu successful logins without TLS\n",
		(unsigned long long)rp->plaintext_total);
	v = ss_sorted(&rp->plaintext, rp->top, &n);
	tbl_init(&t, 4, "rlll");
	for (uint32_t i = 0; i < n; i++)
		tbl_row(&t, ull(a, sizeof(a), v[i]->count), v[i]->key, v[i]->a, v[i]->b);
	tbl_print(&t, out);
	free(v);

	heading(out, "Blocks");
	fprintf(out, "%llu block%s%s\n", (unsigned long long)rp->blocks, rp->blocks == 1 ? "" : "s",
		rp->blocks > rp->blockr.n ? " (the last ones below)" : "");
	for (uint32_t i = 0; i < rp->blockr.n; i++) {
		ring_item *it = ring_at(&rp->blockr, i);
		svc_label(it, d, sizeof(d));
		fprintf(out, "%s  %s  %s  %s", it->when, it->ip[0] ? it->ip : "-", it->country, d);
		if (it->count >= 0 && it->window >= 0)
			fprintf(out, "  %lld in %llds", it->count, it->window);
		else if (it->count >= 0)
			fprintf(out, "  %lld failures", it->count);
		fputc('\n', out);
		if (it->related[0])
			fprintf(out, "    related accounts: %s\n", it->related);
		if (it->computed[0])
			fprintf(out, "    failed earlier from this address: %s\n", it->computed);
		if (!it->related[0] && !it->computed[0])
			fprintf(out, "    related accounts: (none known)\n");
	}

	heading(out, "Last %u attacks", rp->last);
	tbl_init(&t, 6, "llllll");
	for (uint32_t i = 0; i < rp->attacks.n; i++) {
		ring_item *it = ring_at(&rp->attacks, i);
		svc_label(it, d, sizeof(d));
		tbl_row(&t, it->when, it->user[0] ? it->user : "-", it->ip[0] ? it->ip : "-",
			it->country, d, it->reason);
	}
	if (rp->attacks.n == 0)
		fprintf(out, "(none)\n");
	tbl_print(&t, out);

	heading(out, "Incidents");
	char sum[256]; /* c[64] cut the summary's notes off */
	inc_summary(rp, sum, sizeof(sum));
	fprintf(out, "%s\n", sum);
	uint32_t ni;
	inc_entry **iv = inc_sorted(&rp->inc, rp->top, &ni);
	if (ni > 0) {
		tbl_init(&t, 8, "llllrrll");
		tbl_row(&t, "address/user", "detector", "first seen (UTC)", "span", "count",
			"state", "country", "accounts");
		for (uint32_t i = 0; i < ni; i++) {
			char f[32], sp[32], acc[320];
			const inc_entry *ie = iv[i];
			inc_time(ie->first, f, sizeof(f));
			duration(ie->first >= 0 && ie->last >= ie->first ? ie->last - ie->first : 0,
				 sp, sizeof(sp));
			inc_accounts(ie, acc, sizeof(acc));
			tbl_row(&t, ie->key, ap_detector_name((ap_detector)ie->det), f, sp,
				ull(a, sizeof(a), (unsigned long long)ie->count),
				ie->closed ? "closed" : "open", ie->country, acc);
		}
		tbl_print(&t, out);
	}
	free(iv);

	tl_bucket *bk;
	long long w;
	size_t nb = tl_buckets(rp, &bk, &w);
	tz_label(rp, c, sizeof(c));
	heading(out, "Failures per %s (%s)", w == 1 ? "hour" : w == 24 ? "day" : "week", c);
	if (nb == 0) {
		fprintf(out, "(none)\n");
	} else {
		uint64_t max = 1;
		for (size_t i = 0; i < nb; i++)
			if (bk[i].n > max)
				max = bk[i].n;
		size_t from = nb > 48 ? nb - 48 : 0;
		if (from > 0)
			fprintf(out, "(the last 48 of %zu)\n", nb);
		tbl_init(&t, 3, "lrl");
		for (size_t i = from; i < nb; i++) {
			char bar[64];
			size_t len = (size_t)((bk[i].n * 40 + max - 1) / max);
			memset(bar, '#', len);
			bar[len] = '\0';
			bucket_label(rp, bk[i].start * 1, w, d, sizeof(d));
			tbl_row(&t, d, ull(a, sizeof(a), bk[i].n), bar);
		}
		tbl_print(&t, out);
	}
	free(bk);
}
