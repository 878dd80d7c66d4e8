/* recogniser.c - the helpers recognisers set an event's fields with
 * (see recogniser.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stddef.h>
#include <string.h>
#include "recognisers/recogniser.h"

void ap_event_init(ap_event *ev)
{
	/* scratch is written before it is pointed at: not cleared (this runs
	 * for every recogniser tried on a line) */
	memset(ev, 0, offsetof(ap_event, scratch));
	ev->tls = -1;
	ev->port = -1;
	ev->attempts = -1;
	ev->count = -1;
	ev->window = -1;
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

void ap_add_redact(ap_event *ev, const ap_line *ln, const char *p, size_t n)
{
	if (p < ln->msg0 || AP_BAD_LENGTH(n))
		return;
	uint32_t off = (uint32_t)(p - ln->msg0), end = off + (uint32_t)n;
	/* Keep the ranges ordered and disjoint without ever dropping one: a
	 * range that overlaps or comes before the last ones is merged with
	 * them, and when every slot is taken the last range grows to cover
	 * the new one (the text between is cut too: a password never stays) */
	while (ev->nredact > 0) {
		const ap_redact_range *last = &ev->redact[ev->nredact - 1];
		uint32_t le = last->off + last->len;
		if (le < off)
			break;
		if (last->off < off)
			off = last->off;
		if (le > end)
			end = le;
		ev->nredact--;
	}
	if (ev->nredact == AP_MAX_REDACT) {
		off = ev->redact[AP_MAX_REDACT - 1].off;
		ev->nredact--;
	}
	ev->redact[ev->nredact].off = off;
	ev->redact[ev->nredact].len = end - off;
	ev->nredact++;
	ev->password_redacted = true;
}

const char *ap_service_from_word(const char *p, size_t n, int8_t *tls)
{
#define W(lit) lit, AP_LEN(lit)
	static const struct {
		const char *w;
		size_t wn;
		const char *svc;
		int8_t tls;
	} map[] = {
		{ W("pop3"), "pop3", -1 },
		{ W("pop3s"), "pop3", 1 },
		{ W("pop"), "pop3", -1 },
		{ W("pop3d"), "pop3", -1 },
		{ W("pop3d-ssl"), "pop3", 1 },
		{ W("imap"), "imap", -1 },
		{ W("imaps"), "imap", 1 },
		{ W("imap4"), "imap", -1 },
		{ W("imap4s"), "imap", 1 },
		{ W("imapd"), "imap", -1 },
		{ W("imapd-ssl"), "imap", 1 },
		{ W("smtp"), "smtp", -1 },
		{ W("smtps"), "smtp", 1 },
		{ W("smtpauth"), "smtp", -1 },
		{ W("esmtp"), "smtp", -1 },
		{ W("submission"), "submission", -1 },
		{ W("submissions"), "submission", 1 },
		{ W("webmail"), "webmail", -1 },
		{ W("http"), "http", -1 },
		{ W("https"), "http", 1 },
		{ W("sieve"), "sieve", -1 },
		{ W("managesieve"), "sieve", -1 },
		{ W("ssh"), "ssh", -1 },
		{ W("sshd"), "ssh", -1 },
		{ W("cpanel"), "cpanel", -1 },
		{ W("whm"), "whm", -1 },
		{ W("ftp"), "ftp", -1 },
		{ W("ftps"), "ftp", 1 },
	};
#undef W
	if (n == 0)
		return NULL;
	/* the length and the first letter before the whole word: this runs
	 * on most event lines */
	const char first = (char)(p[0] >= 'A' && p[0] <= 'Z' ? p[0] + 32 : p[0]);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].wn == n && map[i].w[0] == first
		    && ap_span_ieq(ap_span_make(p, n), map[i].w, map[i].wn)) {
			if (map[i].tls == 1 && tls != NULL)
				*tls = 1;
			return map[i].svc;
		}
	}
	return NULL;
}
