/* cluster.h - the cluster tier: attack detection shared by several
 * collectors through one Redis server, beside each collector's own (local)
 * detectors, never instead of them.  The rsyslog module, the benchmarks
 * and the tests call it; the core's pipeline (ap_process) does not know it.
 *
 * Each collector ("node") sends its failure events to Redis, where one Lua
 * script per key keeps the sliding windows and distinct counts of the
 * bruteforce, dictionary (both keyed on the address) and distributed
 * (keyed on the user) detectors atomically for every node, and answers
 * which keys crossed a cluster threshold: exactly one call in the whole
 * cluster gets the crossing of an incident, and its node reports the
 * incident (ap_cluster_config.incident).
 *
 * Two modes.  async (default): ap_cluster_feed() puts a failure into a
 * bounded queue (the oldest entry is dropped when it is full) and returns;
 * a background thread sends the queue in pipelined batches every flush_ms
 * or batch_size events, one script call per distinct key of the batch.
 * sync: ap_cluster_feed() makes one pipelined round trip per event on the
 * caller's ap_cluster_worker (its own connection), at most timeout_ms, and
 * puts the cluster's verdict into the event's alerts (scope "cluster").
 * Either way, when Redis is slow, down or refuses, the event goes on with
 * its local alerts and a counter rises; a lost connection is tried again
 * after 1 s, then 2, 4, ... up to 30 s.
 *
 * Concurrency and locking: ap_cluster_feed() may be called from any number
 * of threads (each with its own worker in sync mode).  The queue is under
 * one mutex, held only to copy an entry in or a batch out.  The background
 * thread (async mode) owns the async connection; it is started by
 * ap_cluster_start(), which the caller runs once it has forked (rsyslogd:
 * at activation), and stopped by ap_cluster_free().  The incident callback
 * runs on the background thread (async) or on the feeding thread (sync).
 * Statistics are relaxed atomic counters.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_CLUSTER_H
#define AP_CLUSTER_H

#include "authparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AP_CLUSTER_ASYNC = 0, AP_CLUSTER_SYNC } ap_cluster_mode;

#define AP_CLUSTER_NODE_MAX 64  /* bytes of a node name */
#define AP_CLUSTER_MAX_NODES 32 /* nodes listed in an incident */
#define AP_CLUSTER_MAX_QUEUE 1000000u
#define AP_CLUSTER_MAX_BATCH 4096u
#define AP_CLUSTER_MAX_TIMEOUT 60000u /* ms */

/* a crossing: the cluster's count of one key reached a threshold; the one
 * node whose call crossed it reports it */
typedef struct ap_cluster_incident {
	ap_detector detector;       /* bruteforce, dictionary or distributed */
	ap_addr ip;                 /* bruteforce, dictionary: the key */
	char user[AP_USER_MAX + 1]; /* distributed: the key (escaped as in events) */
	uint32_t count, threshold, window;
	int64_t first, last; /* oldest and newest event time in the window */
	const char *node;    /* the reporting node (this one) */
	uint32_t nnodes;     /* nodes that contributed within the window */
	char nodes[AP_CLUSTER_MAX_NODES][AP_CLUSTER_NODE_MAX + 1];
} ap_cluster_incident;

typedef void (*ap_cluster_incident_fn)(void *arg, const ap_cluster_incident *inc);

typedef struct ap_cluster_config {
	ap_cluster_mode mode;
	/* "host:port", "host" (port 6379), "[v6]:port", or the path of a
	 * unix socket (starts with '/'); required */
	const char *redis;
	const char *prefix;          /* of every key; default "mmap:" */
	const char *user;            /* Redis ACL user; NULL: AUTH with the password alone */
	const char *password;        /* NULL: no AUTH */
	const char *node;            /* this collector's name; required (the host name) */
	uint32_t timeout_ms;         /* one call; 0: the mode's default (sync 50, async 2000) */
	uint32_t connect_timeout_ms; /* default 200 */
	/* async: events held, default 50000; the queue takes 32 bytes per
	 * event and 32 per event for the user names (a burst of longer
	 * names holds fewer events) */
	uint32_t queue_size;
	uint32_t batch_size; /* async: a batch is sent at this many events; default 256 */
	uint32_t flush_ms;   /* async: and at least this often; default 100 */
	/* thresholds (0 = off) and windows of bruteforce, dictionary and
	 * distributed; the other detectors are local only */
	ap_detector_cfg det[AP_DET__COUNT];
	ap_cluster_incident_fn incident; /* NULL: incidents are only counted */
	void *incident_arg;
} ap_cluster_config;

/* fill *cfg with the documented defaults (redis and node stay NULL) */
void ap_cluster_config_defaults(ap_cluster_config *cfg);
/* "async" / "sync" -> mode; -1 if neither */
int ap_cluster_mode_from_name(const char *name);

typedef struct ap_cluster_stats {
	uint64_t sent;      /* events whose script calls were answered */
	uint64_t batches;   /* pipelined round trips */
	uint64_t errors;    /* failed calls: timeouts, lost connections, error replies */
	uint64_t dropped;   /* events that never reached Redis (queue full, batch lost) */
	uint64_t incidents; /* crossings this node reported */
	uint64_t connected; /* gauge: open connections to Redis */
	uint64_t timeouts;  /* of the errors: calls that ran out of time */
} ap_cluster_stats;

typedef struct ap_cluster ap_cluster;
typedef struct ap_cluster_worker ap_cluster_worker;

/* Check the configuration and resolve the server's name (once, here);
 * does not connect.  AP_E_CONFIG when a parameter is wrong or the build
 * has no hiredis (the log says which). */
ap_status ap_cluster_open(const ap_cluster_config *cfg, ap_log_fn log, void *cookie,
			  ap_cluster **out);
/* start the background thread (async mode; nothing to start in sync) */
ap_status ap_cluster_start(ap_cluster *cl);
/* stop the thread after one last batch (within the timeout), close, free */
void ap_cluster_free(ap_cluster *cl);

/* a connection for one feeding thread (sync mode); NULL on allocation
 * failure.  In async mode a worker is an empty handle. */
ap_cluster_worker *ap_cluster_worker_new(ap_cluster *cl);
void ap_cluster_worker_free(ap_cluster_worker *cw);

/* Hand one processed event to the cluster tier, at time t (the time local
 * detection used; 0 = now).  Only failures with an address count.  In
 * sync mode the cluster's verdict goes into res->alerts (bits also in
 * res->alerts.cluster). */
void ap_cluster_feed(ap_cluster *cl, ap_cluster_worker *cw, ap_result *res, int64_t t);

/* wait until the queue is empty and no batch is in flight, at most
 * timeout_ms; 1 when drained (benchmarks and tests) */
int ap_cluster_drain(ap_cluster *cl, uint32_t timeout_ms);

ap_cluster_stats *ap_cluster_stats_of(ap_cluster *cl);
const ap_cluster_config *ap_cluster_config_of(const ap_cluster *cl);

/* the incident's id (never 0): a SipHash-2-4 under a fixed key of its
 * detector, key and first time, so the same crossing has the same id on
 * whichever collector names it; the JSON writes it as 16 hex digits */
uint64_t ap_cluster_incident_id(const ap_cluster_incident *inc);
/* the incident as the JSON of a message of its own (kind=incident,
 * scope=cluster); NULL on allocation failure */
struct fjson_object *ap_cluster_incident_json(const ap_cluster_incident *inc);
/* the incident as one line of text for the message ("cluster incident:
 * distributed user=... count=... window=... nodes=a,b"); returns the
 * length written, like ap_escape_text */
size_t ap_cluster_incident_text(const ap_cluster_incident *inc, char *buf, size_t bufsz);

#ifdef __cplusplus
}
#endif
#endif
