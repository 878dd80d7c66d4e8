/* model.h - the report's model (model.c): one event read back (rec) and
 * the report state (report) the events are counted into; the reader
 * (read.c) fills it, the renderers (render_*.c) and the follow command
 * read it.
 *
 * Memory is bounded whatever the input size: every "top" table is a
 * Space-Saving summary with a fixed number of counters (--max-keys, 4096 by
 * default): exact while the distinct keys fit, approximate beyond (a key's
 * count may then be over-estimated by at most the count it displaced; the
 * report says so).  The addresses that failed earlier (for "successes after
 * failures" and the accounts related to a block) are kept in a fixed
 * 16384-entry set-associative table that forgets the least recently seen
 * address.  The hourly timeline keeps at most 65536 hours.  Incidents are
 * kept in a table of --max-keys entries: exact while they fit, the ones
 * beyond only counted.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_MODEL_H
#define MMAUTHPARSE_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "authparse.h"

#define KEYMAX 264  /* an escaped user name (256) and a NUL, rounded */
#define NDET_MAX 16 /* detector names tracked */

/* copy a string, cut on a UTF-8 character boundary */
void scopy(char *dst, size_t dstsz, const char *src);
/* calloc, or exit with a message when out of memory */
void *xcalloc(size_t n, size_t sz);

/* ------------------------------------------------------------------ */
/* one event read back                                                 */

#define MAX_REL 16
#define REC_INCIDENT 3 /* rec.kind of a closed incident (kind=incident) */

/* an incident an event carries (alert.<detector>.incident), or the one a
 * close record describes */
typedef struct rec_inc {
	int det;     /* ap_detector */
	char id[24]; /* "" for an alert of before incidents: then one per key */
	char state[8];
	long long first, last, count; /* first/last: epoch seconds, -1 unknown */
	char key[KEYMAX];             /* close records: the address or the user */
} rec_inc;

typedef struct rec {
	ap_kind kind;
	ap_outcome outcome; /* AP_OUT_NONE for a block */
	int tls;            /* -1 unknown */
	int has_t;
	long long t;   /* epoch seconds */
	int off;       /* UTC offset of the stamp */
	char when[32]; /* "YYYY-MM-DD HH:MM:SS" or the raw text, cut */
	char host[128];
	char user[KEYMAX];
	char ip[64];
	char daemon[40];
	char service[40];
	char reason[40];
	char mech[40];
	char country[8];
	char country_name[80];
	char as_org[128];
	char scope[16];
	long long asn;
	long long count, window; /* block */
	uint32_t det_bits;       /* bit (1u << ap_detector): that detector fired */
	long long comp_count;    /* alert.compromise.count */
	int nother_det;
	char other_det[4][32];
	int nrel;
	struct {
		char user[96];
		char service[24];
		long long count;
	} rel[MAX_REL];
	int ninc;
	rec_inc inc[AP_DET__COUNT];
} rec;

/* country column: "NL", "(private)", "" */
void country_label(const rec *r, char *out, size_t outsz);

/* ------------------------------------------------------------------ */
/* Space-Saving top-K summary                                          */

typedef struct ss_entry {
	char key[KEYMAX];
	uint64_t hash;
	uint64_t count, err;
	uint64_t n_fail, n_succ, n_other; /* services, daemons */
	char a[48];                       /* addresses: country; plaintext: service */
	char b[80];  /* addresses: country name; countries: name; plaintext: ip */
	char c[128]; /* addresses: AS organisation */
	char d[16];  /* addresses: scope */
	long long asn;
	uint32_t heap; /* position in the heap */
} ss_entry;

typedef struct ss_table {
	ss_entry *e;
	uint32_t n, cap;
	uint32_t *heap; /* min-heap of entry indices by count */
	uint32_t *slot; /* open addressing: entry index + 1, 0 empty */
	uint32_t mask;
	int evicted;    /* approximate from now on */
	uint64_t total; /* sum of all increments */
} ss_table;

void ss_init(ss_table *t, uint32_t cap);
void ss_free(ss_table *t);
/* the entries sorted by count (caller frees); *n gets min(n, limit) */
ss_entry **ss_sorted(const ss_table *t, uint32_t limit, uint32_t *n);

/* ------------------------------------------------------------------ */
/* addresses that failed: fixed set-associative memory                 */

#define FM_WAYS 4
#define FM_SETS 4096
#define FM_USERS 3

typedef struct fm_entry {
	char ip[48];
	uint32_t fails;
	uint64_t seq;
	char users[FM_USERS][64];
} fm_entry;

typedef struct fail_mem {
	fm_entry *e; /* FM_SETS * FM_WAYS */
	uint64_t seq;
	uint64_t forgotten;
} fail_mem;

/* ------------------------------------------------------------------ */
/* rings of the last N                                                 */

typedef struct ring_item {
	char when[32];
	char user[KEYMAX];
	char ip[64];
	char country[24];
	char daemon[40];
	char service[40];
	char reason[40];
	long long fails;         /* successes after failures: failures before */
	int flagged;             /* 1 alert.compromise, 2 computed, 3 both */
	long long count, window; /* blocks */
	char related[512];       /* blocks: from the event */
	char computed[256];      /* blocks: users seen failing from the address */
} ring_item;

typedef struct ring {
	ring_item *v;
	uint32_t cap, n, head; /* head: next write */
} ring;

void ring_init(ring *r, uint32_t cap);
/* i-th oldest */
ring_item *ring_at(ring *r, uint32_t i);

/* ------------------------------------------------------------------ */
/* incidents                                                           */

#define INC_USERS 4

typedef struct inc_entry {
	char id[24];
	int det;
	char key[KEYMAX]; /* the address; the user of a user-keyed incident */
	char country[24];
	long long first, last, count;
	int closed;
	char users[INC_USERS][64]; /* the accounts of its events, the first ones */
	int more_users;            /* and more than those */
} inc_entry;

typedef struct inc_table {
	inc_entry *e;
	uint32_t n, cap;
	uint32_t *slot; /* open addressing on the id: entry index + 1, 0 empty */
	uint32_t mask;
	uint64_t not_listed; /* incidents beyond the cap: counted only */
} inc_table;

void inc_init(inc_table *t, uint32_t cap);
void inc_free(inc_table *t);
/* the entries by count (largest first), then first seen; caller frees */
inc_entry **inc_sorted(const inc_table *t, uint32_t limit, uint32_t *n);

/* ------------------------------------------------------------------ */
/* timeline: failures per hour                                         */

#define TL_SLOTS 131072 /* power of two; at most TL_MAX hours kept */
#define TL_MAX 65536

typedef struct timeline {
	long long *hour; /* hour index + 1 (0 empty) */
	uint64_t *count;
	uint32_t n;
	uint64_t dropped;
} timeline;

/* timeline buckets, sorted; bucket width in hours */
typedef struct tl_bucket {
	long long start;
	uint64_t n;
} tl_bucket;

/* ------------------------------------------------------------------ */
/* the whole report state                                              */

typedef struct report {
	uint32_t top, last, min_fail;
	uint64_t lines, skipped, events, failures, successes, unknown, blocks, untimed;
	int have_span;
	long long first_t, last_t;
	char first_when[32], last_when[32];
	int tz_set, tz_off;
	ss_table addrs, countries, logins, services, daemons, plaintext;
	uint64_t plaintext_total;
	fail_mem fm;
	ring attacks, saf, blockr;
	uint64_t saf_alert, saf_computed, saf_total;
	struct {
		char name[32];
		uint64_t n;
	} det[NDET_MAX];
	int ndet;
	inc_table inc;
	uint64_t closes; /* close records read */
	timeline tl;
} report;

/* count one event into the report */
void feed(report *rp, const rec *r);
/* dense buckets from the first to the last failure; returns count */
size_t tl_buckets(const report *rp, tl_bucket **out, long long *width);

#endif
