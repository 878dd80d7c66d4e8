/* render.h - helpers shared by the renderers (render_text.c, render_json.c,
 * render_html.c) and the follow command's lines (render.c): display width,
 * durations, numbers, and the labels of addresses, services, timeline
 * buckets and the time zone.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_RENDER_H
#define MMAUTHPARSE_REPORT_RENDER_H

#include <stddef.h>
#include "model.h"

/* display width: code points (the text is valid UTF-8) */
size_t dwidth(const char *s);
/* seconds as "1d 2h 3m", "2h 30m 0s", "3m 5s" or "7s" */
void duration(long long s, char *buf, size_t sz);
/* v in decimal, in buf; returns buf */
const char *ull(char *buf, size_t sz, unsigned long long v);
/* an address entry's AS ("AS4134 Chinanet") and country ("CN China",
 * "(private)", "(unknown)") */
void as_label(const ss_entry *e, char *buf, size_t sz);
void addr_country(const ss_entry *e, char *buf, size_t sz);
/* "daemon/service", or the one of them that is known */
void svc_label(const ring_item *it, char *buf, size_t sz);
/* start of a timeline bucket of w hours: "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" */
void bucket_label(const report *rp, long long hour, long long w, char *buf, size_t sz);
/* the zone of the report's local times: "UTC" or "UTC+01:00" */
void tz_label(const report *rp, char *buf, size_t sz);
/* an incident's accounts, "a, b, c (and more)"; "" for none */
void inc_accounts(const inc_entry *e, char *buf, size_t sz);
/* an incident's time (UTC, "2026-03-03 04:11:09"), "-" when unknown */
void inc_time(long long t, char *buf, size_t sz);
/* "N incidents (C closed, O open at the end of the input)" and the note
 * on the ones beyond --max-keys */
void inc_summary(const report *rp, char *buf, size_t sz);

#endif
