/* detect.c - attack detection: brute force, dictionary, distributed,
 * compromise and plaintext logins, and who caused a block.  The keys and
 * what each one holds: the key store (store.c).
 *
 * Counts.  Exact up to the threshold: the ring holds at least `threshold`
 * timestamps and a set at least `threshold` distinct members, the newest
 * kept when full.  Above the threshold: a distinct count stays at the set's
 * size (>= threshold); the bruteforce count goes on rising by one per
 * failure for as long as the ring stays full of failures inside the window
 * (the failures of the ongoing burst), and is exact again once it is not.
 *
 * Time.  The time passed in (the message's own time, seconds).  Per key,
 * an event older than the newest one the key has seen is taken as
 * happening at that newest time: a clock that jumps backwards freezes the
 * key's clock until real time catches up, so rings stay ordered, nothing
 * expires early, and every failure is still counted.
 *
 * Persistence: see the state file section below. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "text.h"
#include "detect/detect.h"
#include "detect/store.h"
#include "detect/attribution.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static uint32_t clamp_time(int64_t t)
{
	if (t < 1)
		return 1;
	if (t > (int64_t)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)t;
}

/* ------------------------------------------------------------------ */
/* feeding                                                             */

static void fire(ap_alerts *out, ap_detector k, uint32_t count, const ap_detector_cfg *c)
{
	out->fired |= 1u << k;
	out->a[k].count = count;
	out->a[k].threshold = c->threshold;
	out->a[k].window = c->window;
}

void ap_detect_feed(ap_detect *d, const ap_event *ev, int64_t t, ap_alerts *out, ap_stats *st)
{
	out->fired = 0;
	out->nrelated = 0;
	if (d == NULL || ev == NULL)
		return;
	const uint32_t now = clamp_time(t);
	const bool auth = ev->kind == AP_KIND_AUTH;
	const bool fail = auth && ev->outcome == AP_OUT_FAILURE;
	const bool succ = auth && ev->outcome == AP_OUT_SUCCESS;
	const bool block = ev->kind == AP_KIND_BLOCK;
	const bool has_ip = ev->ip.family == 4 || ev->ip.family == 6;

	char name[AP_USER_MAX + 1];
	size_t nl = 0;
	uint64_t uh = 0;
	if (ev->user.n > 0 && ev->user.p != NULL) {
		nl = ap_escape_user(ev->user.p, ev->user.n, name);
		if (nl > 0)
			uh = det_hash_bytes(d, name, nl) | 1;	/* never 0: 0 means "no user" */
	}
	uint8_t svc = fail ? det_svc_index(d, ev->service, ev->service ? strlen(ev->service) : 0, true) : 0;

	struct relc top[AP_MAX_RELATED];
	uint32_t ntop = 0;
	uint32_t ipfp = 0;
	bool changed = false;

	if (has_ip) {
		uint64_t k0, k1;
		det_ip_key(&ev->ip, &k0, &k1);
		uint64_t h = det_hash_ip(d, k0, k1);
		ipfp = (uint32_t)(h >> 32);
		struct shard *s = shard_of(d, h);
		pthread_mutex_lock(&s->mu);
		if (s->now < now)
			s->now = now;
		struct dent *e = det_ent_find(s, (uint32_t)h, k0, k1, KT_IP);
		if (e != NULL) {
			e->ref = 1;
		} else if (fail) {
			e = det_ent_insert(d, s, (uint32_t)h, k0, k1, KT_IP, st);
			changed = true;
		}
		if (e != NULL) {
			uint32_t te = now > e->last ? now : e->last;
			e->last = te;
			if (fail)
				det_ip_add_failure(d, e, te, uh, svc);
			if (det_on(d, AP_DET_BRUTEFORCE)) {
				uint32_t c = det_ip_bruteforce(d, e, te);
				if (c >= d->det[AP_DET_BRUTEFORCE].threshold)
					fire(out, AP_DET_BRUTEFORCE, c, &d->det[AP_DET_BRUTEFORCE]);
			}
			if (det_on(d, AP_DET_DICTIONARY)) {
				uint32_t c = det_ip_users(d, e, te, d->det[AP_DET_DICTIONARY].window);
				if (c >= d->det[AP_DET_DICTIONARY].threshold)
					fire(out, AP_DET_DICTIONARY, c, &d->det[AP_DET_DICTIONARY]);
			}
			if (succ && det_on(d, AP_DET_COMPROMISE)) {
				uint32_t c = det_ip_failures(d, e, te, d->det[AP_DET_COMPROMISE].window);
				if (c >= d->det[AP_DET_COMPROMISE].threshold)
					fire(out, AP_DET_COMPROMISE, c, &d->det[AP_DET_COMPROMISE]);
			}
			if (block) {
				/* the block's own window ("in the last 3600 secs"),
				 * at most the retention window */
				uint32_t w = d->wip;
				if (ev->window > 0 && ev->window < (int64_t)w)
					w = (uint32_t)ev->window;
				det_attr_collect(d, e, te, w, top, &ntop);
			}
		}
		pthread_mutex_unlock(&s->mu);
	}

	if (uh != 0 && (has_ip || succ)) {
		uint64_t h = det_hash_userkey(d, uh);
		struct shard *s = shard_of(d, h);
		pthread_mutex_lock(&s->mu);
		if (s->now < now)
			s->now = now;
		struct dent *e = det_ent_find(s, (uint32_t)h, uh, 0, KT_USER);
		if (e != NULL) {
			e->ref = 1;
		} else if (fail && has_ip) {
			struct ud *q = det_ud_make(d, name, nl);
			if (q != NULL) {
				e = det_ent_insert(d, s, (uint32_t)h, uh, 0, KT_USER, st);
				changed = true;
				if (e != NULL)
					e->x = q;
				else
					free(q);
			}
		}
		if (e != NULL) {
			uint32_t te = now > e->last ? now : e->last;
			e->last = te;
			if (fail && has_ip)
				det_uip_add(d, e->x, ipfp, te);
			if (det_on(d, AP_DET_DISTRIBUTED)) {
				uint32_t c = det_user_addrs(d, e, te);
				if (c >= d->det[AP_DET_DISTRIBUTED].threshold) {
					fire(out, AP_DET_DISTRIBUTED, c, &d->det[AP_DET_DISTRIBUTED]);
					if (succ && det_on(d, AP_DET_COMPROMISE)
					    && !(out->fired & (1u << AP_DET_COMPROMISE)))
						fire(out, AP_DET_COMPROMISE, c, &d->det[AP_DET_DISTRIBUTED]);
				}
			}
		}
		pthread_mutex_unlock(&s->mu);
	}

	if (succ && ev->tls == 0 && det_on(d, AP_DET_INSECURE))
		fire(out, AP_DET_INSECURE, 1, &d->det[AP_DET_INSECURE]);

	if (ntop > 0)
		det_attr_resolve(d, top, ntop, out);

	if (out->fired)
		for (int k = 0; k < AP_DET__COUNT; k++)
			if (out->fired & (1u << k))
				AP_STAT_INC(st, alerts[k]);
	if (changed && st != NULL)
		__atomic_store_n(&st->detect_keys, __atomic_load_n(&d->nkeys, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* ------------------------------------------------------------------ */
/* the state file
 *
 * Binary, little-endian, written whole on ap_detect_free() to
 * "<file>.tmp.<pid>", flushed, fsync'ed and renamed over <file>:
 *   "MMAPDET\n"  u32 version (1)  u32 flags (0)  u64 seed0  u64 seed1
 *   u64 number of keys, then per key:
 *     u8 1 (address): u64 k0, u64 k1, u32 last, u32 over,
 *        u32 n, n x u32 failure time (oldest first),
 *        u32 n, n x { u64 user hash, u32 last, u32 count, u8 len, service name }
 *     u8 2 (user): u64 user hash, u32 last, u16 len, escaped name,
 *        u32 n, n x { u32 address fingerprint, u32 last }
 *   u64 FNV-1a 64 of everything before it.
 * The hashes are keyed with the seeds, so the reader adopts the file's
 * seeds.  Sizes that differ from the current thresholds are fitted (the
 * newest entries kept).  Any defect (short, bad magic, other version, bad
 * checksum, impossible field) is logged and the whole file ignored. */

#define STATE_MAGIC "MMAPDET\n"
#define STATE_VERSION 1u

struct wr {
	FILE *f;
	uint64_t sum;
	int err;
};

static void w_bytes(struct wr *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		w->sum ^= b[i];
		w->sum *= 0x100000001b3ULL;
	}
	if (n > 0 && fwrite(p, 1, n, w->f) != n)
		w->err = 1;
}

static void w_uint(struct wr *w, uint64_t v, int nbytes)
{
	uint8_t b[8];
	for (int i = 0; i < nbytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	w_bytes(w, b, (size_t)nbytes);
}

static void write_ip(ap_detect *d, struct wr *w, const struct dent *e)
{
	w_uint(w, KT_IP, 1);
	w_uint(w, e->k0, 8);
	w_uint(w, e->k1, 8);
	w_uint(w, e->last, 4);
	struct ipd *p = e->x;
	w_uint(w, p ? p->over : 0, 4);
	if (p == NULL) {
		w_uint(w, e->t1 ? 1 : 0, 4);
		if (e->t1)
			w_uint(w, e->t1, 4);
		bool has = e->t1 && e->u;
		w_uint(w, has ? 1 : 0, 4);
		if (has) {
			const char *sv = det_svc_name(d, e->svc);
			size_t sl = sv ? strlen(sv) : 0;
			w_uint(w, e->u, 8);
			w_uint(w, e->t1, 4);
			w_uint(w, 1, 4);
			w_uint(w, sl, 1);
			w_bytes(w, sv, sl);
		}
		return;
	}
	uint32_t *r = ipd_ring(p);
	w_uint(w, p->nring, 4);
	for (uint32_t i = 0; i < p->nring; i++)
		w_uint(w, r[(p->head + i) % d->R], 4);
	struct usr *u = ipd_usr(d, p);
	w_uint(w, p->nusr, 4);
	for (uint32_t i = 0; i < p->nusr; i++) {
		const char *sv = det_svc_name(d, u[i].svc);
		size_t sl = sv ? strlen(sv) : 0;
		if (sl > 255)
			sl = 0;
		w_uint(w, u[i].uh, 8);
		w_uint(w, u[i].last, 4);
		w_uint(w, u[i].count, 4);
		w_uint(w, sl, 1);
		w_bytes(w, sv, sl);
	}
}

static void write_user(ap_detect *d, struct wr *w, const struct dent *e)
{
	struct ud *q = e->x;
	w_uint(w, KT_USER, 1);
	w_uint(w, e->k0, 8);
	w_uint(w, e->last, 4);
	w_uint(w, q->namelen, 2);
	w_bytes(w, ud_name(d, q), q->namelen);
	struct uip *a = ud_ips(d, q);
	w_uint(w, q->nip, 4);
	for (uint32_t i = 0; i < q->nip; i++) {
		w_uint(w, a[i].fp, 4);
		w_uint(w, a[i].last, 4);
	}
}

static void state_save(ap_detect *d)
{
	size_t plen = strlen(d->state_file);
	char *tmp = malloc(plen + 32);
	if (tmp == NULL) {
		logf_(d, AP_LOG_ERR, "detect.stateFile %s: out of memory, state not saved", d->state_file);
		return;
	}
	snprintf(tmp, plen + 32, "%s.tmp.%ld", d->state_file, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (f == NULL) {
		logf_(d, AP_LOG_ERR, "detect.stateFile: cannot write %s: %s; state not saved", tmp,
		      strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return;
	}
	struct wr w = { f, 0xcbf29ce484222325ULL, 0 };
	uint64_t n = 0;
	for (int i = 0; i < NSHARDS; i++)
		n += d->sh[i].n;
	w_bytes(&w, STATE_MAGIC, 8);
	w_uint(&w, STATE_VERSION, 4);
	w_uint(&w, 0, 4);
	w_uint(&w, d->seed0, 8);
	w_uint(&w, d->seed1, 8);
	w_uint(&w, n, 8);
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &d->sh[i];
		pthread_mutex_lock(&s->mu);
		for (uint32_t j = 0; j < s->n; j++) {
			if (s->ents[j].type == KT_IP)
				write_ip(d, &w, &s->ents[j]);
			else
				write_user(d, &w, &s->ents[j]);
		}
		pthread_mutex_unlock(&s->mu);
	}
	uint64_t sum = w.sum;
	w_uint(&w, sum, 8);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		w.err = 1;
	if (fclose(f) != 0)
		w.err = 1;
	if (w.err || rename(tmp, d->state_file) != 0) {
		logf_(d, AP_LOG_ERR, "detect.stateFile %s: cannot write: %s; state not saved",
		      d->state_file, strerror(errno));
		unlink(tmp);
	} else {
		logf_(d, AP_LOG_INFO, "detect.stateFile %s: saved %llu keys", d->state_file,
		      (unsigned long long)n);
	}
	free(tmp);
}

struct rd {
	const uint8_t *p;
	size_t n, pos;
	int err;
};

static uint64_t r_uint(struct rd *r, int nbytes)
{
	if (r->err || r->n - r->pos < (size_t)nbytes) {
		r->err = 1;
		return 0;
	}
	uint64_t v = 0;
	for (int i = nbytes - 1; i >= 0; i--)
		v = (v << 8) | r->p[r->pos + (size_t)i];
	r->pos += (size_t)nbytes;
	return v;
}

static const uint8_t *r_bytes(struct rd *r, size_t n)
{
	if (r->err || r->n - r->pos < n) {
		r->err = 1;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static void clear_all(ap_detect *d)
{
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &d->sh[i];
		for (uint32_t j = 0; j < s->n; j++)
			free(s->ents[j].x);
		s->n = 0;
		s->hand = s->sweep = 0;
		s->now = 0;
		if (s->slots)
			memset(s->slots, 0, ((size_t)s->mask + 1) * sizeof(*s->slots));
	}
	__atomic_store_n(&d->nkeys, 0, __ATOMIC_RELAXED);
}

/* insert (or find, on a duplicate) a key while loading */
static struct dent *load_key(ap_detect *d, uint64_t h, uint64_t k0, uint64_t k1, uint8_t type,
			     uint32_t last)
{
	struct shard *s = shard_of(d, h);
	if (s->now < last)
		s->now = last;
	struct dent *e = det_ent_find(s, (uint32_t)h, k0, k1, type);
	if (e != NULL)
		return NULL;	/* duplicate: corrupt */
	e = det_ent_insert(d, s, (uint32_t)h, k0, k1, type, NULL);
	if (e != NULL)
		e->last = last;
	return e;
}

static const char *load_ip(ap_detect *d, struct rd *r)
{
	uint64_t k0 = r_uint(r, 8), k1 = r_uint(r, 8);
	uint32_t last = (uint32_t)r_uint(r, 4), over = (uint32_t)r_uint(r, 4);
	uint32_t nring = (uint32_t)r_uint(r, 4);
	if (r->err)
		return "truncated";
	if (nring > 65535)
		return "impossible ring size";
	const uint8_t *rp = r_bytes(r, (size_t)nring * 4);
	if (rp == NULL)
		return "truncated";
	struct rd ring = { rp, (size_t)nring * 4, 0, 0 };
	uint32_t prev = 0;
	for (uint32_t i = 0; i < nring; i++) {
		uint32_t ts = (uint32_t)r_uint(&ring, 4);
		if (ts == 0 || ts < prev || ts > last)
			return "failure times out of order";
		prev = ts;
	}
	uint32_t nusr = (uint32_t)r_uint(r, 4);
	if (r->err || nusr > 65535)
		return "impossible user count";
	struct dent *e = load_key(d, det_hash_ip(d, k0, k1), k0, k1, KT_IP, last);
	if (e == NULL)
		return "duplicate key or out of memory";
	struct ipd *p = NULL;
	if (nring > 1 || nusr > 1) {
		p = det_ipd_make(d, e);	/* e has no inline failure: an empty detail */
		if (p == NULL)
			return "out of memory";
		/* pushed in order: a smaller ring counts what falls out of
		 * it as det_ring_push() does at run time */
		ring.pos = 0;
		p->over = over;
		for (uint32_t i = 0; i < nring; i++)
			det_ring_push(d, p, (uint32_t)r_uint(&ring, 4));
	} else if (nring == 1) {
		ring.pos = 0;
		e->t1 = (uint32_t)r_uint(&ring, 4);
	}
	for (uint32_t i = 0; i < nusr; i++) {
		uint64_t uh = r_uint(r, 8);
		uint32_t ul = (uint32_t)r_uint(r, 4), cnt = (uint32_t)r_uint(r, 4);
		uint32_t sl = (uint32_t)r_uint(r, 1);
		const uint8_t *sv = r_bytes(r, sl);
		if (r->err)
			return "truncated";
		if (uh == 0 || ul == 0 || ul > last)
			return "impossible user entry";
		uint8_t si = det_svc_index(d, (const char *)sv, sl, false);
		if (p != NULL) {
			det_usr_add(d, p, uh, ul, si, cnt);
		} else if (e->t1 != 0) {
			e->u = uh;
			e->svc = si;
		}
	}
	return NULL;
}

static const char *load_user(ap_detect *d, struct rd *r)
{
	uint64_t uh = r_uint(r, 8);
	uint32_t last = (uint32_t)r_uint(r, 4);
	uint32_t nl = (uint32_t)r_uint(r, 2);
	if (r->err)
		return "truncated";
	if (nl == 0 || nl > AP_USER_MAX || (uh & 1) == 0)
		return "impossible user";
	const uint8_t *name = r_bytes(r, nl);
	uint32_t nip = (uint32_t)r_uint(r, 4);
	if (r->err)
		return "truncated";
	if (memchr(name, '\0', nl) != NULL || nip > 65535)
		return "impossible user";
	struct ud *q = det_ud_make(d, (const char *)name, nl);
	if (q == NULL)
		return "out of memory";
	struct dent *e = load_key(d, det_hash_userkey(d, uh), uh, 0, KT_USER, last);
	if (e == NULL) {
		free(q);
		return "duplicate key or out of memory";
	}
	e->x = q;
	for (uint32_t i = 0; i < nip; i++) {
		uint32_t fp = (uint32_t)r_uint(r, 4), ul = (uint32_t)r_uint(r, 4);
		if (r->err)
			return "truncated";
		if (ul == 0 || ul > last)
			return "impossible address entry";
		det_uip_add(d, q, fp, ul);
	}
	return NULL;
}

static void state_load(ap_detect *d)
{
	const char *path = d->state_file;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			logf_(d, AP_LOG_INFO, "detect.stateFile %s: not there yet; starting empty", path);
		else
			logf_(d, AP_LOG_WARNING, "detect.stateFile %s: cannot open: %s; starting empty",
			      path, strerror(errno));
		return;
	}
	struct stat sb;
	uint8_t *buf = NULL;
	const char *why = NULL;
	size_t len = 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		why = "not a regular file";
		goto done;
	}
	if (sb.st_size > (off_t)1 << 32) {
		why = "larger than 4 GiB";
		goto done;
	}
	len = (size_t)sb.st_size;
	buf = malloc(len ? len : 1);
	if (buf == NULL) {
		why = "out of memory";
		goto done;
	}
	for (size_t got = 0; got < len;) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			why = "read error";
			goto done;
		}
		got += (size_t)k;
	}
	if (len < 8 + 4 + 4 + 16 + 8 + 8) {
		why = "truncated";
		goto done;
	}
	if (memcmp(buf, STATE_MAGIC, 8) != 0) {
		why = "not a detection state file";
		goto done;
	}
	struct rd r = { buf, len - 8, 8, 0 };
	uint32_t ver = (uint32_t)r_uint(&r, 4);
	if (ver != STATE_VERSION) {
		why = "unsupported version";
		goto done;
	}
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len - 8; i++) {
		sum ^= buf[i];
		sum *= 0x100000001b3ULL;
	}
	struct rd tr = { buf, len, len - 8, 0 };
	if (r_uint(&tr, 8) != sum) {
		why = "checksum mismatch (truncated or damaged)";
		goto done;
	}
	(void)r_uint(&r, 4);	/* flags */
	d->seed0 = r_uint(&r, 8);
	d->seed1 = r_uint(&r, 8);
	uint64_t n = r_uint(&r, 8);
	for (uint64_t i = 0; i < n && why == NULL; i++) {
		uint32_t type = (uint32_t)r_uint(&r, 1);
		if (r.err)
			why = "truncated";
		else if (type == KT_IP)
			why = load_ip(d, &r);
		else if (type == KT_USER)
			why = load_user(d, &r);
		else
			why = "unknown key type";
	}
	if (why == NULL && r.pos != r.n)
		why = "trailing bytes";
done:
	if (why != NULL) {
		clear_all(d);
		logf_(d, AP_LOG_WARNING, "detect.stateFile %s: %s; ignored, starting with empty "
		      "detection state", path, why);
	} else {
		logf_(d, AP_LOG_INFO, "detect.stateFile %s: loaded %llu keys", path,
		      (unsigned long long)__atomic_load_n(&d->nkeys, __ATOMIC_RELAXED));
	}
	free(buf);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* life cycle                                                          */

static void random_seeds(ap_detect *d)
{
	uint64_t s[2] = { 0, 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, s, sizeof(s)) != (ssize_t)sizeof(s))
			s[0] = s[1] = 0;
		close(fd);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	d->seed0 = mix64(s[0] ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32));
	d->seed1 = mix64(s[1] ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)d);
}

ap_detect *ap_detect_new(const ap_config *cfg, ap_log_fn log, void *cookie, int *err)
{
	*err = 0;
	ap_detect *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		if (log)
			log(cookie, AP_LOG_ERR, "detect: out of memory");
		*err = 1;
		return NULL;
	}
	d->log = log;
	d->cookie = cookie;
	pthread_mutex_init(&d->svc_mu, NULL);
	d->nsvc = 1;
	for (int i = 0; i < NSHARDS; i++)
		pthread_mutex_init(&d->sh[i].mu, NULL);
	memcpy(d->det, cfg->det, sizeof(d->det));
	for (int k = 0; k < AP_DET__COUNT; k++) {
		const char *nm = ap_detector_name((ap_detector)k);
		if (k == AP_DET_INSECURE) {
			if (d->det[k].threshold > 1)
				d->det[k].threshold = 1;
			d->det[k].window = 0;
			continue;
		}
		if (d->det[k].threshold > MAX_THRESHOLD) {
			logf_(d, AP_LOG_ERR, "%s.threshold %u is above the maximum %u", nm,
			      d->det[k].threshold, MAX_THRESHOLD);
			goto fail;
		}
		if (d->det[k].threshold > 0 && d->det[k].window == 0) {
			logf_(d, AP_LOG_ERR, "%s.window must be at least 1 second when %s.threshold "
			      "is set (threshold 0 turns the detector off)", nm, nm);
			goto fail;
		}
		if (d->det[k].window > 0x7fffffffu) {
			logf_(d, AP_LOG_ERR, "%s.window %u is too large", nm, d->det[k].window);
			goto fail;
		}
	}
	if (cfg->detect_max_keys < NSHARDS) {
		logf_(d, AP_LOG_ERR, "detect.maxKeys must be at least %d (got %u)", NSHARDS,
		      cfg->detect_max_keys);
		goto fail;
	}
	uint32_t B = d->det[AP_DET_BRUTEFORCE].threshold, C = d->det[AP_DET_COMPROMISE].threshold;
	uint32_t D = d->det[AP_DET_DICTIONARY].threshold;
	d->R = B > C ? B : C;
	if (d->R == 0)
		d->R = 1;
	d->U = D > REL_KEEP ? D : REL_KEEP;
	d->N = d->det[AP_DET_DISTRIBUTED].threshold;
	d->wip = MIN_RETAIN;
	for (int k = 0; k < AP_DET__COUNT; k++)
		if (k != AP_DET_DISTRIBUTED && k != AP_DET_INSECURE && det_on(d, (ap_detector)k)
		    && d->det[k].window > d->wip)
			d->wip = d->det[k].window;
	d->wu = d->wip;
	if (det_on(d, AP_DET_DISTRIBUTED) && d->det[AP_DET_DISTRIBUTED].window > d->wu)
		d->wu = d->det[AP_DET_DISTRIBUTED].window;
	d->usr_off = (sizeof(struct ipd) + (size_t)d->R * sizeof(uint32_t) + 7) & ~(size_t)7;
	d->ipd_size = d->usr_off + (size_t)d->U * sizeof(struct usr);
	d->ud_ipoff = sizeof(struct ud);
	uint32_t per = cfg->detect_max_keys / NSHARDS;
	uint32_t ibits = 1;
	while (ibits < 32 && ((uint64_t)1 << ibits) <= per)
		ibits++;
	for (int i = 0; i < NSHARDS; i++) {
		d->sh[i].capmax = per;
		d->sh[i].imask = ibits >= 32 ? UINT32_MAX : ((1u << ibits) - 1);
	}
	random_seeds(d);
	if (cfg->detect_state_file != NULL && cfg->detect_state_file[0] != '\0') {
		d->state_file = strdup(cfg->detect_state_file);
		if (d->state_file == NULL) {
			logf_(d, AP_LOG_ERR, "detect: out of memory");
			goto fail;
		}
		state_load(d);
	}
	return d;
fail:
	*err = 1;
	d->state_file = NULL;
	ap_detect_free(d);
	return NULL;
}

void ap_detect_free(ap_detect *d)
{
	if (d == NULL)
		return;
	if (d->state_file != NULL)
		state_save(d);
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &d->sh[i];
		for (uint32_t j = 0; j < s->n; j++)
			free(s->ents[j].x);
		free(s->ents);
		free(s->slots);
		pthread_mutex_destroy(&s->mu);
	}
	for (int i = 0; i < MAX_SVC; i++)
		free(d->svc_owned[i]);
	pthread_mutex_destroy(&d->svc_mu);
	free(d->state_file);
	free(d);
}
