/* recogniser.h - what a recogniser is written with: the line it reads,
 * the functions of every family, and the helpers that set an event's
 * fields from the text (recogniser.c).  See README.md in this folder for
 * how to add a family.
 *
 * Recognisers work on an ap_line: the program part of the tag and the
 * message, both as (pointer, length) with no NUL assumed.  They scan the
 * message once from left to right with the cursor helpers of text.h, check
 * bounds before every access, allocate nothing and fill an ap_event whose
 * spans point into the message.  They return 1 for an event, 0 otherwise;
 * on 0 the event's contents do not matter.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_RECOGNISER_H
#define AP_RECOGNISER_H

#include "text.h"
#include "enrich/addr.h"

/* the table of recent connections of a context (session.h) */
typedef struct ap_sessions ap_sessions;

typedef struct ap_line {
	const char *tag; /* the whole tag as received (dovecot 2.4 file logs
				   carry "auth(user,ip,sasl:login)<sess>" there) */
	size_t taglen;
	const char *prog; /* tag without "[pid]", "(n)" and ":": "postfix/smtpd" */
	size_t proglen;
	const char *msg; /* message, leading blanks skipped */
	size_t len;
	const char *msg0; /* message as given (redaction offsets count from it) */
	/* for a family that follows a connection over several lines
	 * (session.h): the context's table (NULL in ap_parse: every line is
	 * read alone), the host that sent the line (may be empty), and the
	 * line's time (time, or time_fn(time_arg) when that is 0) */
	ap_sessions *sessions;
	const char *host;
	size_t hostlen;
	int64_t time;
	int64_t (*time_fn)(void *arg);
	void *time_arg;
} ap_line;

typedef int (*ap_recognise_fn)(const ap_line *ln, ap_event *ev);

/* A family, as its file defines it (ap_family_<name>) and dispatch.c
 * lists it: the name events carry, the recogniser, and the program names
 * (the tag without "[pid]" and ':', compared without case) it reads by
 * default.  A tag several families list goes to each, in ap_family order. */
typedef struct ap_family_def {
	ap_family id;
	const char *name;
	ap_recognise_fn recognise;
	const char *const *programs; /* NULL-terminated */
} ap_family_def;

/* pam_unix/pam_sss style "authentication failure; ... rhost=" lines; other
 * recognisers call it for PAM lines under their own tag */
int ap_rec_pam(const ap_line *ln, ap_event *ev) AP_HIDDEN;
/* the same, and also the bare "authentication failure; ..." some daemons
 * log, the module named in the tag ("vsftpd(pam_unix)[pid]") or nowhere */
int ap_rec_pam_bare(const ap_line *ln, ap_event *ev) AP_HIDDEN;
/* the same line under a tag of no family (pam.c): does the message (or
 * a "SERVICE(pam_unix)" tag) start like a PAM module's line?  A prefix
 * check, nothing more */
int ap_pam_marker(const ap_line *ln) AP_HIDDEN;
/* ... and its recogniser: the message forms of ap_rec_pam and the tag
 * form, the service also from daemon names PAM services carry (vsftpd ->
 * ftp, ...) */
int ap_rec_pam_any(const ap_line *ln, ap_event *ev) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* setting the event (recogniser.c)                                     */

/* every field unset (-1 for the numbers, tls unknown); the dispatch calls
 * it before each recogniser it tries */
void ap_event_init(ap_event *ev) AP_HIDDEN;

/* Set user (and nothing else: the domain is derived when rendering).
 * Empty user is ignored. */
static inline void ap_set_user(ap_event *ev, const char *p, size_t n)
{
	if (n > 0 && !AP_BAD_LENGTH(n))
		ev->user = ap_span_make(p, n);
}

/* an address into ev->ip, or else a host name into ev->rdns (letters,
 * digits, '.', '-', '_' and at least one letter: "999.1.1.1" is neither) */
void ap_set_ip_or_rdns(ap_event *ev, ap_span h) AP_HIDDEN;

/* record a password range to redact: [p, p+n) inside ln->msg0's buffer */
void ap_add_redact(ap_event *ev, const ap_line *ln, const char *p, size_t n) AP_HIDDEN;

/* service name from a protocol word ("pop3s" -> "pop3" + tls=1,
 * "IMAP" -> "imap", "smtps" -> "smtp" + tls=1, "submission", ...).
 * Returns the static service name or NULL; sets *tls to 1 for the
 * implicit-TLS names and leaves it alone otherwise. */
const char *ap_service_from_word(const char *p, size_t n, int8_t *tls) AP_HIDDEN;

#endif
