/* redis.h - the cluster tier's Redis client (redis.c, on hiredis): one
 * connection with its timeouts, authentication and the window script;
 * script calls appended to a pipeline and their replies read back.  The
 * batching and combining, the queue and the thread are cluster.c's.
 *
 * Concurrency: a connection is used by one thread at a time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_CLUSTER_REDIS_H
#define AP_CLUSTER_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base.h"

/* nodes listed in an answer, bytes of a node name (cluster.h's
 * AP_CLUSTER_MAX_NODES and AP_CLUSTER_NODE_MAX: cluster.c checks) */
#define CL_MAX_NODES 32
#define CL_NODE_MAX 64

/* where the server is: resolved once (ap_cluster_open) */
typedef struct cl_endpoint {
	bool is_unix;
	char host[64]; /* numeric address */
	int port;
	char path[108];
} cl_endpoint;

typedef struct cl_conn cl_conn;

/* the outcome of a connection attempt or a call */
typedef enum {
	CL_OK = 0,
	CL_NOSCRIPT, /* the server lost the script: load it again, send again */
	CL_REPLY,    /* an error reply to this call (OOM, BUSY...): the connection is fine */
	CL_DOWN,     /* connection lost or refused, or a timeout: close it */
	CL_REFUSED   /* the server refuses us (auth, READONLY replica, LOADING): close it */
} cl_rc;

/* Parse "host:port", "host", "[v6]:port" or "/socket/path" and resolve
 * the host to a numeric address; 0 and a reason in err on failure. */
int cl_endpoint_parse(const char *spec, cl_endpoint *ep, char *err, size_t errsz) AP_HIDDEN;
/* "host:port" or the path, for messages */
void cl_endpoint_text(const cl_endpoint *ep, char *buf, size_t bufsz) AP_HIDDEN;

/* 1 when this build can speak to Redis: built with hiredis, and the
 * library loads (the first call loads it); otherwise why not */
int cl_available(void) AP_HIDDEN;
const char *cl_unavailable_reason(void) AP_HIDDEN;
/* the monotonic clock in milliseconds (deadlines, backoff, batch timing) */
int64_t cl_mono_ms(void) AP_HIDDEN;

/* Connect within connect_ms, then AUTH (user may be NULL) and load the
 * script, each within call_ms.  NULL and a reason in err on failure;
 * *rc says CL_DOWN or CL_REFUSED. */
cl_conn *cl_connect(const cl_endpoint *ep, const char *user, const char *password,
		    uint32_t connect_ms, uint32_t call_ms, cl_rc *rc, char *err,
		    size_t errsz) AP_HIDDEN;
void cl_close(cl_conn *c) AP_HIDDEN;
/* load the script again (after NOSCRIPT) */
cl_rc cl_load_script(cl_conn *c, char *err, size_t errsz) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* one script call: the keys of one entity (an address or a user), the
 * events of each of its detectors                                     */

/* one event of a detector: its time and, for a distinct detector, its
 * member (the user for dictionary, the address for distributed) */
typedef struct cl_item {
	int64_t t;
	const char *m;
	uint32_t mlen;
} cl_item;

typedef struct cl_det_args {
	char letter;   /* its fields in the key's hash: b, d, x (script.c) */
	bool counting; /* counts events (bruteforce), or distinct members */
	uint32_t threshold, window, cap;
	uint32_t n;
	const cl_item *items;
} cl_det_args;

#define CL_MAX_DET 2 /* detectors of one key family (the address: 2) */

/* the family's key: the hash "{<prefix>i:<address>}" or
 * "{<prefix>u:<user>}" */
typedef enum { CL_FAM_IP = 0, CL_FAM_USER = 1 } cl_family;

/* Append one call to the pipeline (nothing is sent until the first
 * cl_read).  key: the address's text or the user.  scratch: at least
 * cl_scratch_need() bytes. */
size_t cl_scratch_need(const char *prefix, size_t keylen, const cl_det_args *d, int nd) AP_HIDDEN;
cl_rc cl_append(cl_conn *c, const char *prefix, cl_family fam, const char *key, size_t keylen,
		const char *node, const cl_det_args *d, int nd, char *scratch, const char **argv,
		size_t *argvlen, size_t maxargs) AP_HIDDEN;
size_t cl_maxargs(const cl_det_args *d, int nd) AP_HIDDEN;

/* what the script answered for one detector */
typedef struct cl_det_result {
	uint32_t count;
	bool crossed;
	int64_t first, last;
	uint32_t nnodes;
	char nodes[CL_MAX_NODES][CL_NODE_MAX + 1];
} cl_det_result;

/* the replies read from now on (cl_read) must all arrive within the call
 * timeout: call it before reading a pipeline's replies */
void cl_deadline(cl_conn *c) AP_HIDDEN;

/* Read the reply of the next appended call (sends the pipeline first),
 * waiting at most until the deadline cl_deadline() set (a timeout: CL_DOWN,
 * err "timeout").  CL_OK: out[0..nd-1] filled.  err holds the server's
 * message otherwise. */
cl_rc cl_read(cl_conn *c, int nd, cl_det_result *out, char *err, size_t errsz) AP_HIDDEN;

/* the Lua source of the window script (script.c) */
extern const char cl_script_src[] AP_HIDDEN;

#endif
