/* session.h - a small table of recent connections, for a family whose
 * lines do not all name the client (sshd: "Disconnecting: Too many
 * authentication failures" names none; "Connection from" earlier, or
 * "Connection closed by" later, in the same process does).
 *
 * A connection is keyed by the host that sent the line (ap_input.host)
 * and the process id in its tag ("sshd[4711]:"); the family keeps in it
 * what its earlier lines said (an ap_conn), the table keeps nothing else
 * (no user name, no text of the line).  What the fields mean and when the
 * family writes them is the family's (sshd.c's opening comment).
 *
 * Bounds: AP_SESS_WAYS * AP_SESS_SETS entries allocated once by
 * ap_sessions_new(); a connection is found among the AP_SESS_WAYS entries
 * of one set (a fixed number of compares); a full set gives up its least
 * recently written entry.  An entry not written for AP_SESS_TTL seconds of
 * the lines' own time is gone.  Nothing is allocated per line.
 *
 * Concurrency and locking: a table belongs to one context and is shared
 * by all its workers; one mutex per AP_SESS_SHARDS sets, held only for
 * one ap_sessions_update() (the family's callback runs under it and must
 * not call back into the table).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_SESSION_H
#define AP_SESSION_H

#include "recognisers/recogniser.h"

/* 512 sets of 8: 4096 connections, some 400 KB */
#define AP_SESS_SETS 512u
#define AP_SESS_WAYS 8u
#define AP_SESS_SHARDS 64u
/* a connection's entry lives this long after its last write: sshd's
 * LoginGraceTime (120 s by default) ends every connection that has not
 * authenticated by then, and only such a connection logs the lines that
 * need the table */
#define AP_SESS_TTL 120
/* longer host names are not keyed (no correlation for their lines) */
#define AP_SESS_HOST_MAX 64u

/* what the table holds for one connection */
typedef struct ap_conn {
	bool known;      /* set by the table: the entry existed and was live */
	ap_addr addr;    /* the client address the daemon wrote; family 0: none yet */
	int32_t port;    /* -1: none */
	uint8_t flags;   /* the family's */
	uint8_t pending; /* the family's: a verdict waiting for its address */
} ap_conn;

/* what the callback asks for */
enum {
	AP_CONN_SKIP = 0, /* leave the table as it was */
	AP_CONN_KEEP,     /* store *c (creating the entry), written now */
	AP_CONN_DROP      /* forget the connection */
};

/* called under the lock with the connection's state (all zero and port
 * -1 when the table holds none); returns one of the AP_CONN_ values */
typedef int (*ap_conn_fn)(ap_conn *c, void *arg);

ap_sessions *ap_sessions_new(void) AP_HIDDEN;
void ap_sessions_free(ap_sessions *s) AP_HIDDEN;

/* Run fn on the connection of the line (ln->sessions, the host, the pid
 * of ln->tag, the line's time).  Returns fn's answer, or -1 without
 * calling it when the line cannot be keyed: no table (ap_parse), no pid in
 * the tag, a host longer than AP_SESS_HOST_MAX, no time. */
int ap_sessions_update(const ap_line *ln, ap_conn_fn fn, void *arg) AP_HIDDEN;

/* the process id of a tag ("sshd[4711]:" -> 4711); 0 when it has none */
uint32_t ap_tag_pid(const char *tag, size_t taglen) AP_HIDDEN;

#endif
