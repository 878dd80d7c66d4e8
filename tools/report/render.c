/* render.c - helpers shared by the renderers and the follow command's
 * lines: display width, durations, numbers and labels (render.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "model.h"
#include "render.h"

/* display width: code points (the text is valid UTF-8) */
size_t dwidth(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void duration(long long s, char *buf, size_t sz)
{
	if (s < 0)
		s = 0;
	long long d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
	if (d > 0)
		snprintf(buf, sz, "%lldd %lldh %lldm", d, h, m);
	else if (h > 0)
		snprintf(buf, sz, "%lldh %lldm %llds", h, m, sec);
	else if (m > 0)
		snprintf(buf, sz, "%lldm %llds", m, sec);
	else
		snprintf(buf, sz, "%llds", sec);
}

const char *ull(char *buf, size_t sz, unsigned long long v)
{
	snprintf(buf, sz, "%llu", v);
	return buf;
}

void as_label(const ss_entry *e, char *buf, size_t sz)
{
	if (e->asn > 0 && e->c[0])
		snprintf(buf, sz, "AS%lld %s", e->asn, e->c);
	else if (e->asn > 0)
		snprintf(buf, sz, "AS%lld", e->asn);
	else
		scopy(buf, sz, e->c);
}

void addr_country(const ss_entry *e, char *buf, size_t sz)
{
	if (e->a[0])
		snprintf(buf, sz, "%s%s%s", e->a, e->b[0] ? " " : "", e->b);
	else if (e->d[0] && strcmp(e->d, "public") != 0)
		snprintf(buf, sz, "(%s)", e->d);
	else
		snprintf(buf, sz, "(unknown)");
}

void svc_label(const ring_item *it, char *buf, size_t sz)
{
	if (it->daemon[0] && it->service[0])
		snprintf(buf, sz, "%s/%s", it->daemon, it->service);
	else
		scopy(buf, sz, it->daemon[0] ? it->daemon : it->service);
}

void bucket_label(const report *rp, long long hour, long long w, char *buf, size_t sz)
{
	char iso[32];
	tool_format_iso(hour * 3600, iso, sizeof(iso)); /* already shifted to local */
	(void)rp;
	if (w == 1)
		snprintf(buf, sz, "%.10s %.5s", iso, iso + 11);
	else
		snprintf(buf, sz, "%.10s", iso);
}

void inc_accounts(const inc_entry *e, char *buf, size_t sz)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < INC_USERS && e->users[i][0] && o < sz; i++) {
		int w = snprintf(buf + o, sz - o, "%s%s", i ? ", " : "", e->users[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (e->more_users && o < sz)
		snprintf(buf + o, sz - o, " (and more)");
}

void inc_time(long long t, char *buf, size_t sz)
{
	char iso[32];
	if (t < 0) {
		scopy(buf, sz, "-");
		return;
	}
	tool_format_iso(t, iso, sizeof(iso));
	snprintf(buf, sz, "%.10s %.8s", iso, iso + 11);
}

void inc_summary(const report *rp, char *buf, size_t sz)
{
	uint64_t closed = 0, total = rp->inc.n + rp->inc.not_listed;
	for (uint32_t i = 0; i < rp->inc.n; i++)
		closed += rp->inc.e[i].closed ? 1 : 0;
	char shown[64] = "";
	if (rp->inc.n > rp->top)
		snprintf(shown, sizeof(shown), "; the %u largest listed (--top)", rp->top);
	snprintf(buf, sz, "%llu incident%s (%llu closed, %llu open at the end of the input)%s%s",
		 (unsigned long long)total, total == 1 ? "" : "s", (unsigned long long)closed,
		 (unsigned long long)(rp->inc.n - closed), shown,
		 rp->inc.not_listed ? "; those beyond --max-keys are counted, not listed" : "");
}

void tz_label(const report *rp, char *buf, size_t sz)
{
	int o = rp->tz_off;
	if (o == 0)
		snprintf(buf, sz, "UTC");
	else
		snprintf(buf, sz, "UTC%c%02d:%02d", o < 0 ? '-' : '+', abs(o) / 3600,
			 (abs(o) % 3600) / 60);
}
