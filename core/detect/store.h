/* store.h - the key store of attack detection as the files of core/detect
 * share it: the structures of a key and of what it holds, the shard
 * tables, the small inline helpers that read them, and the store's
 * functions (store.c).  Names that start with det_ are internal to
 * core/detect; detect.h is the API for the rest of the core.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_STORE_H
#define AP_DETECT_STORE_H

#include <pthread.h>
#include "base.h"
#include "text.h"

/* detect.h's typedef, repeated (C11 allows it): the store does not
 * include the API that detect.c builds on it */
typedef struct ap_detect ap_detect;

#define NSHARDS 64
#define SHARD_BITS 6
#define REL_KEEP 8                     /* users kept per address at least (block attribution) */
#define MAX_THRESHOLD AP_MAX_THRESHOLD /* ring and set sizes follow the thresholds */
#define MIN_RETAIN 3600 /* address state kept at least this long (lfd's LF_INTERVAL) */
#define MAX_SVC 64
#define INSECURE_WINDOW 3600 /* closes an insecure incident (that detector has no window) */
#define STALE_CADENCE_MIN 4  /* failures a steady cadence rests on at least (stale.c) */

enum { KT_IP = 1, KT_USER = 2 };

/* one key: 48 bytes */
struct dent {
	uint64_t k0, k1; /* KT_IP: the address; KT_USER: user hash, 0 */
	uint64_t u;      /* KT_IP without detail: user hash of the inline failure (0 none) */
	void *x;         /* KT_IP: struct ipd or NULL; KT_USER: struct ud */
	uint32_t h;      /* low 32 bits of the key hash (index slot) */
	uint32_t last;   /* newest time seen for this key */
	uint32_t t1;     /* KT_IP without detail: time of the inline failure, 0 none */
	uint8_t type;
	uint8_t ref; /* CLOCK bit */
	uint8_t svc; /* KT_IP without detail: service of the inline failure */
	uint8_t pad;
};

/* address detail: header, then uint32_t ring[rcap], then (with
 * bruteforce.resetOnSuccess) uint16_t tag[rcap] (the user of each
 * failure), then struct usr[ucap] (8-byte aligned), then with DET_SKETCH
 * the sketch's HLL_BYTES.  The ring and the user set start small and grow
 * (doubling) as failures come, up to R and U: most addresses never need
 * the full sizes. */
struct ipd {
	uint32_t over;        /* failures pushed out of a full in-window ring */
	uint16_t nring, head; /* ring[(head + i) % rcap], i = 0 oldest */
	uint16_t nusr, flags; /* DET_SKETCH: the sketch follows the users */
	uint32_t succ;        /* newest success from the address (ends a stale episode) */
	uint16_t rcap, ucap;  /* ring and user slots allocated */
};
#define IPD_START 3 /* ring and user slots of a new detail (96 bytes with malloc's own) */

struct usr {
	uint64_t uh; /* user hash */
	uint32_t last;
	uint16_t count; /* failures since the entry became active */
	uint8_t svc;
	uint8_t pad;
};

/* user detail: header, then struct uip[N], then the name and a NUL */
struct ud {
	uint16_t nip, namelen;
	uint16_t flags, pad; /* DET_SKETCH: HLL_M sketch bytes follow the name */
};

#define DET_SKETCH 1u /* struct ipd / struct ud flags */

struct uip {
	uint32_t fp, last;
};

/* an open incident (incident.c); a slot of a shard's incident table,
 * empty when kind is 0 */
struct inc {
	uint64_t k0, k1, uh; /* the key (incident.h: struct inc_key) */
	uint64_t id;
	char *name; /* AP_KEY_USER, AP_KEY_USER_IP: the escaped user name */
	uint32_t h; /* low bits of the incident key's hash */
	uint32_t first, last, count;
	uint8_t det, kind; /* ap_detector, ap_keykind */
};

/* the last line of an attempt that may have a second line (ap_corr), in a
 * small direct-mapped table per shard (detectors.c) */
#define CORR_SLOTS 256
struct corr {
	uint32_t tag; /* high bits of the hash of address and session (or user) */
	uint32_t t;   /* its time; 0: empty */
	uint8_t role; /* ap_corr */
};

struct shard {
	pthread_mutex_t mu;
	struct dent *ents;
	uint32_t n, alloc, capmax;
	uint32_t *slots; /* (tag | entry index + 1), 0 = empty */
	uint32_t mask;   /* slots - 1; 0 with no slots */
	uint32_t imask;  /* the index bits of a slot; the rest is a hash tag */
	uint32_t hand, sweep;
	uint32_t now; /* newest time seen by this shard */
	/* open incidents (incident.c): open addressing, load <= 1/2 */
	struct inc *inc;
	uint32_t incmask, ninc; /* slots - 1 (0: no table), incidents held */
	/* closed, not yet handed out by det_inc_sweep */
	struct inc *pend;
	uint32_t npend, pendalloc;
	struct corr corr[CORR_SLOTS];
	struct stale *stale; /* the stale table (stale.c), allocated at first use */
} __attribute__((aligned(64)));

struct ap_detect {
	struct shard sh[NSHARDS];
	ap_detector_cfg det[AP_DET__COUNT];
	uint32_t R, U, N;
	bool rtag;           /* the ring keeps each failure's user (resetOnSuccess) */
	bool stale_suppress; /* repeated passwords do not count (stale.suppress) */
	uint32_t stale_sets; /* sets of the stale table per shard (stale.c) */
	uint32_t wip, wu;    /* retention of address and user keys */
	size_t ud_ipoff;
	uint64_t seed0, seed1;
	uint64_t nkeys; /* atomic */
	char *state_file;
	ap_log_fn log;
	void *cookie;
	/* incidents: where closes go, the newest time any event carried
	 * (atomic), and the detection clock the sweeps run on (sweep_mu) */
	void (*close_fn)(void *arg, const ap_incident_close *c);
	void *close_arg;
	uint32_t tmax;
	pthread_mutex_t sweep_mu;
	uint32_t clk_tmax; /* tmax at the last reading */
	int64_t clk_wall;  /* monotonic seconds when tmax last moved */
	/* the background thread (detect.c) */
	pthread_t thr;
	pthread_mutex_t thr_mu;
	pthread_cond_t thr_cv;
	bool thr_running, thr_stop;
	uint32_t state_interval;
	ap_stats *thr_st;
	pthread_mutex_t svc_mu;
	uint32_t nsvc; /* atomic; svc[0] is "none" */
	const char *svc[MAX_SVC];
	char *svc_owned[MAX_SVC];
};

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

#define logf_(d, lvl, ...) ap_logf((d)->log, (d)->cookie, (lvl), __VA_ARGS__)

static inline bool det_on(const ap_detect *d, ap_detector k)
{
	return d->det[k].threshold > 0;
}

/* a time inside the window that ends at te (exclusive start) */
static inline bool in_win(uint32_t ts, uint32_t te, uint32_t w)
{
	return (int64_t)ts > (int64_t)te - (int64_t)w;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* ------------------------------------------------------------------ */
/* keyed hashing and the service names                                 */

uint64_t det_hash_bytes(const ap_detect *d, const char *p, size_t n) AP_HIDDEN;
uint64_t det_hash_ip(const ap_detect *d, uint64_t k0, uint64_t k1) AP_HIDDEN;
uint64_t det_hash_userkey(const ap_detect *d, uint64_t uh) AP_HIDDEN;
/* the key of an address: its 16 bytes, IPv4 as ::ffff:a.b.c.d */
void det_ip_key(const ap_addr *a, uint64_t *k0, uint64_t *k1) AP_HIDDEN;
/* the address of a key (the inverse of det_ip_key) */
void det_ip_unkey(uint64_t k0, uint64_t k1, ap_addr *a) AP_HIDDEN;
/* index of a service name, adding it; 0 for none or when the table is full */
uint8_t det_svc_index(ap_detect *d, const char *s, size_t n, bool is_static) AP_HIDDEN;
const char *det_svc_name(ap_detect *d, uint8_t i) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* the table of one shard                                              */

static inline uint32_t *ipd_ring(struct ipd *p)
{
	return (uint32_t *)(void *)(p + 1);
}
static inline uint16_t *ipd_tag(const ap_detect *d, struct ipd *p)
{
	(void)d;
	return (uint16_t *)(void *)(ipd_ring(p) + p->rcap);
}
static inline size_t ipd_usr_off(const ap_detect *d, uint32_t rcap)
{
	return (sizeof(struct ipd) + (size_t)rcap * sizeof(uint32_t)
		+ (d->rtag ? (size_t)rcap * sizeof(uint16_t) : 0) + 7)
	       & ~(size_t)7;
}
/* the bytes of a detail with these capacities, without its sketch */
static inline size_t ipd_bytes(const ap_detect *d, uint32_t rcap, uint32_t ucap)
{
	return ipd_usr_off(d, rcap) + (size_t)ucap * sizeof(struct usr);
}
/* the ring tag of a user hash (0: no user) */
static inline uint16_t user_tag(uint64_t uh)
{
	return uh ? (uint16_t)((uh >> 48) | 1u) : 0;
}
static inline struct usr *ipd_usr(const ap_detect *d, struct ipd *p)
{
	return (struct usr *)(void *)((char *)p + ipd_usr_off(d, p->rcap));
}
static inline struct uip *ud_ips(const ap_detect *d, struct ud *q)
{
	return (struct uip *)(void *)((char *)q + d->ud_ipoff);
}
static inline char *ud_name(const ap_detect *d, struct ud *q)
{
	return (char *)q + d->ud_ipoff + (size_t)d->N * sizeof(struct uip);
}

static inline struct shard *shard_of(ap_detect *d, uint64_t h)
{
	return &d->sh[h >> (64 - SHARD_BITS)];
}

/* with the shard's lock held */
struct dent *det_ent_find(struct shard *s, uint32_t h, uint64_t k0, uint64_t k1,
			  uint8_t type) AP_HIDDEN;
/* a new key (not present); NULL when out of memory */
struct dent *det_ent_insert(ap_detect *d, struct shard *s, uint32_t h, uint64_t k0, uint64_t k1,
			    uint8_t type, ap_stats *st) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* address state                                                       */

/* one more failure time into address key e's detail (grown as needed) */
void det_ring_push(ap_detect *d, struct dent *e, uint32_t ts, uint16_t tag) AP_HIDDEN;
/* bruteforce.resetOnSuccess: the failures of user uh from address key e
 * are forgotten */
void det_ip_forget_user(ap_detect *d, struct dent *e, uint64_t uh) AP_HIDDEN;
void det_usr_add(ap_detect *d, struct dent *e, uint64_t uh, uint32_t te, uint8_t svc,
		 uint32_t cnt) AP_HIDDEN;
/* move the inline failure into a newly allocated detail */
struct ipd *det_ipd_make(ap_detect *d, struct dent *e) AP_HIDDEN;
void det_ip_add_failure(ap_detect *d, struct dent *e, uint32_t te, uint64_t uh,
			uint8_t svc) AP_HIDDEN;
/* failures inside the window w ending at te (at most R); *oldest (when
 * not NULL) gets the oldest of them, 0 for none */
uint32_t det_ip_failures(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t w,
			 uint32_t *oldest) AP_HIDDEN;
uint32_t det_ip_bruteforce(const ap_detect *d, const struct dent *e, uint32_t te,
			   uint32_t *oldest) AP_HIDDEN;
/* the dictionary sketch of address key e, before a failure of user uh at
 * te is added to the set: started when a new user would push a user that
 * is still inside the window out of the full set (seeded with the set), fed
 * while that holds, dropped as soon as the set has room again (exact) */
void det_ip_sketch(ap_detect *d, struct dent *e, uint64_t uh, uint32_t te) AP_HIDDEN;
/* the same for the addresses failing for user key e (distributed) */
void det_user_sketch(ap_detect *d, struct dent *e, uint32_t fp, uint32_t te) AP_HIDDEN;
/* distinct users that failed inside the window (above a full set: the
 * sketch's estimate when larger); *oldest as above */
uint32_t det_ip_users(const ap_detect *d, const struct dent *e, uint32_t te, uint32_t w,
		      uint32_t *oldest) AP_HIDDEN;

/* ------------------------------------------------------------------ */
/* user state                                                          */

struct ud *det_ud_make(ap_detect *d, const char *name, size_t nl) AP_HIDDEN;
void det_uip_add(ap_detect *d, struct ud *q, uint32_t fp, uint32_t te) AP_HIDDEN;
/* distinct addresses that failed inside the distributed window; *oldest
 * as above */
uint32_t det_user_addrs(const ap_detect *d, const struct dent *e, uint32_t te,
			uint32_t *oldest) AP_HIDDEN;

#endif
