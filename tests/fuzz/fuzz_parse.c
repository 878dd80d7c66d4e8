/* fuzz_parse.c - libFuzzer target on the core's entry points.
 *
 * Input: one byte choosing the syslog tag (the program names of the table
 * below, then one tag "famN:" per family, mapped to it through the
 * `programs` setting by its name, so that every recogniser is reached, a
 * family added later too), then the message.
 * The same bytes also go through ap_split_line as a whole log line.
 * Every event is rendered to JSON and redacted, and the redaction is
 * checked (abort() on a violation, which libFuzzer reports as a crash):
 * - every password range lies inside the message;
 * - the redacted text is exactly the message with every range replaced
 *   by "[REDACTED]": built here independently, byte by byte, and compared,
 *   so no byte of a range marked as a password is copied (a range that
 *   ap_redact skipped, e.g. one out of order, fails here);
 * - the bytes of every range of 4 or more bytes that occur nowhere else in
 *   the message occur nowhere in the redacted text (except where they
 *   overlap the "[REDACTED]" marker text);
 * - password_redacted is set exactly when there are ranges;
 * - a cut redaction (a small buffer) is a prefix of the full one and the
 *   length ap_redact returns is the same for both.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define _GNU_SOURCE /* memmem */
#include <json.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "authparse.h"
#include "tests/testctx.h"

static const char *const tags[] = {
	"vpopmail[1]:",
	"vpopmail[18917:",
	"dovecot:",
	"dovecot[2]:",
	"imap-login:",
	"pop3-login:",
	"submission-login:",
	"managesieve-login:",
	"auth:",
	"auth-worker(5):",
	"dovecot-auth:",
	"postfix/smtpd[3]:",
	"postfix/submission/smtpd[3]:",
	"postfix-in/smtps/smtpd[4]:",
	"imapd:",
	"imapd-ssl:",
	"pop3d:",
	"pop3d-ssl:",
	"courieresmtpd:",
	"courierpop3login:",
	"exim[5]:",
	"exim4",
	"cpanel",
	"cpanel-login",
	"xeams",
	"lfd[6]:",
	"sshd[7]:",
	"sshd-session[8]:",
	"cyrus/imap[9]:",
	"imap[9]:",
	"sieve[1]:",
	"sendmail[2]:",
	"sm-mta[3]:",
	"ipop3d[4]:",
	"roundcube:",
	"horde",
	"solid-pop3d[5]:",
	"perdition.imaps[6]:",
	"directadmin",
	"webmin[7]:",
	"usermin[8]:",
	"plesk",
	"hestia",
	"vesta",
	"cwp",
	"Froxlor:",
	"froxlor[9]:",
	"cphulkd",
	"mysqld:",
	"mariadbd[3]:",
	"mysql",
	"phpMyAdmin[4]:",
	"phpmyadmin",
	"postgres[5]:",
	"postgresql",
	"sogod[6]:",
	"sogo",
	"squirrelmail",
	"openwebmail",
	"groupoffice",
	"tine20",
	"zimbra",
	"nginx-mail",
	"nginx:",
	"kerio",
	"domino",
	"oracleims",
	"dropbear[7]:",
	"nextcloud",
	"Nextcloud[8]:",
	"vsftpd:",
	"pop(pam_unix)[9]:",
	"kernel:",
	"",
	"pure-ftpd[7]:",
	"proftpd[8]:",
	"proftpd[8]",
	"vsftpd[9]:",
	"vsftpd(pam_unix)[9]:",
	"smtp_auth[10]:",
	"qmail-smtpd[11]:",
	"qmail:",
	"apache-error",
	"httpd[12]:",
	"nginx-error",
	"nginx:",
	"litespeed",
	"lighttpd-error",
	"lighttpd[13]:",
};
#define NTAGS (sizeof(tags) / sizeof(tags[0]))

/* "famN:" for family N (programs "famN=<name>") */
static char famtag[AP_FAM__COUNT][16];
static char famprog[AP_FAM__COUNT][48];
static const char *progs[AP_FAM__COUNT];
static size_t nprogs;

static ap_ctx *ctx;
static ap_worker *wrk;

/* the message with every range replaced by the marker, built without
 * ap_redact; src[i] is the message offset of output byte i, or -1 for a
 * marker byte.  Returns the length. */
static size_t reference_redaction(const ap_event *ev, const char *msg, size_t msglen, char *out,
				  long *src)
{
	static const char mark[] = AP_REDACTED;
	size_t o = 0, pos = 0;
	for (unsigned i = 0; i < ev->nredact; i++) {
		size_t off = ev->redact[i].off, len = ev->redact[i].len;
		if (off < pos) /* out of order or overlapping: a leak */
			abort();
		for (; pos < off; pos++, o++) {
			out[o] = msg[pos];
			src[o] = (long)pos;
		}
		for (size_t k = 0; k < sizeof(mark) - 1; k++, o++) {
			out[o] = mark[k];
			src[o] = -1;
		}
		pos = off + len;
	}
	for (; pos < msglen; pos++, o++) {
		out[o] = msg[pos];
		src[o] = (long)pos;
	}
	return o;
}

/* does p[0..n) occur in msg between the ranges (overlapping none)? */
static bool occurs_outside_ranges(const ap_event *ev, const char *msg, size_t msglen, const char *p,
				  size_t n)
{
	size_t pos = 0;
	for (unsigned i = 0; i <= ev->nredact; i++) {
		size_t end = i < ev->nredact ? ev->redact[i].off : msglen;
		if (end > pos && memmem(msg + pos, end - pos, p, n) != NULL)
			return true;
		if (i < ev->nredact)
			pos = ev->redact[i].off + ev->redact[i].len;
	}
	return false;
}

/* does p[0..n) occur in out[0..on) at a place that overlaps no marker byte? */
static bool occurs_in_copied_text(const char *out, const long *src, size_t on, const char *p,
				  size_t n)
{
	size_t i = 0;
	while (i < on) {
		if (src[i] < 0) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < on && src[j] >= 0)
			j++;
		if (memmem(out + i, j - i, p, n) != NULL)
			return true;
		i = j;
	}
	return false;
}

static void check_redaction(const ap_event *ev, const char *msg, size_t msglen)
{
	for (unsigned i = 0; i < ev->nredact; i++)
		if (ev->redact[i].off > msglen || ev->redact[i].len > msglen - ev->redact[i].off)
			abort();
	if (ev->password_redacted != (ev->nredact > 0))
		abort();
	size_t cap = msglen + (sizeof(AP_REDACTED) - 1) * AP_MAX_REDACT + 1;
	char *big = malloc(cap), *ref = malloc(cap);
	long *src = malloc(cap * sizeof(long));
	char small[16];
	if (big == NULL || ref == NULL || src == NULL)
		goto out;
	size_t need = ap_redact(ev, msg, msglen, small, sizeof(small));
	size_t full = ap_redact(ev, msg, msglen, big, cap);
	if (full != need || full >= cap || big[full] != '\0')
		abort();
	size_t cut = need < sizeof(small) - 1 ? need : sizeof(small) - 1;
	if (small[cut] != '\0' || memcmp(small, big, cut) != 0)
		abort();
	size_t rn = reference_redaction(ev, msg, msglen, ref, src);
	if (rn != full || memcmp(ref, big, rn) != 0)
		abort();
	/* the content of each range that the rest of the message does not
	 * hold appears nowhere in the redacted text but across a marker */
	for (unsigned i = 0; i < ev->nredact; i++) {
		const char *pw = msg + ev->redact[i].off;
		size_t n = ev->redact[i].len;
		if (n >= 4 && !occurs_outside_ranges(ev, msg, msglen, pw, n)
		    && occurs_in_copied_text(big, src, rn, pw, n))
			abort();
	}
out:
	free(big);
	free(ref);
	free(src);
}

static void run(const ap_input *in)
{
	ap_result res;
	if (!ap_process(ctx, wrk, in, &res))
		return;
	struct fjson_object *j = ap_result_json(&res);
	if (j != NULL) {
		(void)json_object_to_json_string(j);
		json_object_put(j);
	}
	check_redaction(&res.ev, in->msg, in->msglen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ctx == NULL) {
		ap_config cfg;
		ap_config_defaults(&cfg);
		cfg.detect = true;
		cfg.detect_max_keys = 4096;
		for (int f = 1; f < AP_FAM__COUNT; f++) {
			const char *name = ap_family_name((ap_family)f);
			snprintf(famtag[f], sizeof(famtag[f]), "fam%d:", f);
			if (name == NULL)
				continue;
			snprintf(famprog[f], sizeof(famprog[f]), "fam%d=%s", f, name);
			progs[nprogs++] = famprog[f];
		}
		cfg.programs = progs;
		cfg.nprograms = nprogs;
		ctx = open_ctx(&cfg, NULL, NULL);
		wrk = ap_worker_new(ctx);
		if (ctx == NULL || wrk == NULL)
			abort();
	}
	if (size == 0)
		return 0;
	/* exact-size copy: no NUL after the message */
	char *msg = malloc(size - 1 ? size - 1 : 1);
	if (msg == NULL)
		return 0;
	memcpy(msg, data + 1, size - 1);
	unsigned t = data[0] % (NTAGS + AP_FAM__COUNT - 1);
	const char *tag = t < NTAGS ? tags[t] : famtag[t - NTAGS + 1];
	ap_input in = { .tag = tag,
			.taglen = strlen(tag),
			.msg = msg,
			.msglen = size - 1,
			.time = 1700000000 };
	run(&in);
	ap_input whole;
	ap_split_line(msg, size - 1, 2024, &whole);
	run(&whole);
	free(msg);
	return 0;
}
