/* fuzz_parse.c - libFuzzer target on the core's entry points.
 *
 * Input: one byte choosing the syslog tag (every program name the
 * dispatch knows, so every recogniser is reached), then the message.
 * The same bytes also go through ap_split_line as a whole log line.
 * Every event is rendered to JSON and redacted, and the redacted text is
 * checked to hold no byte range that was marked as a password. */
#include <json.h>
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

static ap_ctx *ctx;
static ap_worker *wrk;

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
	char small[16], *big = malloc(in->msglen + 64 * AP_MAX_REDACT + 1);
	size_t need = ap_redact(&res.ev, in->msg, in->msglen, small, sizeof(small));
	if (big != NULL) {
		size_t n2 = ap_redact(&res.ev, in->msg, in->msglen, big,
				      in->msglen + 64 * AP_MAX_REDACT + 1);
		if (n2 != need)
			abort();
		free(big);
	}
	for (unsigned i = 0; i < res.ev.nredact; i++)
		if (res.ev.redact[i].off > in->msglen
		    || res.ev.redact[i].len > in->msglen - res.ev.redact[i].off)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ctx == NULL) {
		ap_config cfg;
		ap_config_defaults(&cfg);
		cfg.detect = true;
		cfg.detect_max_keys = 4096;
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
	const char *tag = tags[data[0] % NTAGS];
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
