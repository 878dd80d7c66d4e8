/* fuzz_cli.c - libFuzzer target on the command-line tool's parse path:
 * tools/mmauthparse.c is compiled in (its main renamed) and its
 * process_line() is driven directly, so what runs is the tool's own code:
 * ap_split_line and the December-in-January retry, the --auto file-format
 * tags, host_of() and the --with-message object (time, host, the redacted
 * and escaped message), --aligned, and the -t TAG path (the tag given, the
 * message as is).
 *
 * Input: byte 0 chooses the tag: one of the table below (-t TAG; the tag is
 * copied to the stack, where argv lives, an object of its own above the
 * heap), or none (the line is split as a syslog line).  Byte 1 holds the flags (--with-message,
 * --aligned, --no-auto, a fixed --year).  The rest is split at '\n' into
 * lines; each line is an exact-size heap copy (no NUL after it), so a read
 * past the line is caught by AddressSanitizer.  Output goes to /dev/null.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#define main mmauthparse_cli_main
#include "tools/mmauthparse.c"
#undef main

#include <stdint.h>
#include "tests/testctx.h"

static const char *const cli_tags[] = {
	"vpopmail",    "dovecot",
	"imap-login",  "postfix/smtpd[3]:",
	"imapd",       "courieresmtpd",
	"exim",        "cpanel",
	"xeams",       "lfd",
	"sshd[7]:",    "cyrus/imap",
	"sendmail",    "ipop3d",
	"roundcube",   "horde",
	"solid-pop3d", "perdition.imaps",
	"pam",         "kernel",
	"x",
};
#define NCLITAGS (sizeof(cli_tags) / sizeof(cli_tags[0]))

static opts o;
static runner r;

static void quiet_log(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	(void)lvl;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (r.ctx == NULL) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			abort();
		ap_config_defaults(&o.cfg);
		o.cfg.detect = true;
		o.cfg.detect_max_keys = 4096;
		r.o = &o;
		r.ctx = open_ctx(&o.cfg, quiet_log, NULL);
		r.w = r.ctx ? ap_worker_new(r.ctx) : NULL;
		if (r.ctx == NULL || r.w == NULL)
			abort();
		tp_init(&r.p, r.ctx, r.w, NULL, 1, 0);
		r.p.now = 1700000000;
		r.p.this_year = 2023;
	}
	if (size < 2)
		return 0;
	char tagbuf[32];
	unsigned t = data[0] % (NCLITAGS + 1);
	if (t < NCLITAGS)
		snprintf(tagbuf, sizeof(tagbuf), "%s", cli_tags[t]);
	o.tag = t < NCLITAGS ? tagbuf : NULL;
	o.with_message = (data[1] & 1) != 0;
	o.aligned = (data[1] & 2) != 0;
	o.auto_tags = (data[1] & 4) == 0;
	o.year = (data[1] & 8) ? 2024 : 0;
	r.p.tag = o.tag;
	r.p.auto_tags = o.auto_tags;
	r.p.year = o.year;

	const uint8_t *p = data + 2, *end = data + size;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *line = malloc(n ? n : 1);
		if (line == NULL)
			break;
		memcpy(line, p, n);
		process_line(&r, line, n);
		free(line);
		p += n + (nl ? 1 : 0);
	}
	o.tag = NULL;
	r.p.tag = NULL;
	return 0;
}
