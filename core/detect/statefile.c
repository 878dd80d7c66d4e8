/* statefile.c - persistence: the state file (detect.stateFile), loaded by
 * ap_detect_new(), written by the background thread every
 * detect.stateInterval seconds and by ap_detect_free().
 *
 * Written to "<file>.tmp.<pid>", flushed, fsync'ed, renamed over <file>
 * and the directory fsync'ed: a crash (kill -9, power loss) leaves the
 * previous complete file or the new one, never a mix, so at most one
 * interval of state is lost.  Each shard is serialised into memory under
 * its lock and written out with no lock held: workers wait for memory
 * copies only, never for the disk.
 *
 * Binary, little-endian.  Version 2:
 *   "MMAPDET\n"  u32 version (2)  u32 flags (0)  u64 seed0  u64 seed1
 *   u32 number of blocks, then per block (one per shard, each consistent
 *   in itself):
 *     u64 number of keys, then per key:
 *       u8 1 (address): u64 k0, u64 k1, u32 last, u32 over,
 *          u32 n, n x u32 failure time (oldest first),
 *          u32 n, n x { u64 user hash, u32 last, u32 count, u8 len, service name }
 *       u8 2 (user): u64 user hash, u32 last, u16 len, escaped name,
 *          u32 n, n x { u32 address fingerprint, u32 last }
 *     u64 number of open incidents, then per incident:
 *       u8 detector, u8 key kind, u64 k0, u64 k1, u64 user hash, u64 id,
 *       u32 first, u32 last, u32 count, u16 len, escaped user name
 *   u64 FNV-1a 64 of everything before it.
 * Version 1 (before incidents): the same header, then u64 number of keys
 * and the keys, no blocks and no incidents; it is read.  Any other version
 * is refused with a message naming it, as is any defect (short, bad magic,
 * bad checksum, impossible field): the whole file is ignored, never half
 * read.  The hashes are keyed with the seeds, so the reader adopts the
 * file's seeds.  Sizes that differ from the current thresholds are fitted
 * (the newest entries kept).  The stale detector's password hashes are
 * never written: their key dies with the process.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "detect/statefile.h"
#include "detect/incident.h"

#define STATE_MAGIC "MMAPDET\n"
#define STATE_VERSION 2u

/* a growable memory buffer: one shard's block, then the file */
struct wr {
	uint8_t *b;
	size_t n, cap;
	int err;
};

static void w_bytes(struct wr *w, const void *p, size_t n)
{
	if (n == 0 || w->err)
		return;
	if (w->cap - w->n < n) {
		size_t nc = w->cap ? w->cap : 65536;
		while (nc - w->n < n)
			nc *= 2;
		uint8_t *nb = realloc(w->b, nc);
		if (nb == NULL) {
			w->err = 1;
			return;
		}
		w->b = nb;
		w->cap = nc;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static uint64_t fnv(uint64_t sum, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sum ^= b[i];
		sum *= 0x100000001b3ULL;
	}
	return sum;
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
		w_uint(w, r[(p->head + i) % p->rcap], 4);
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

static void write_inc(void *arg, const struct inc *e)
{
	struct wr *w = arg;
	size_t nl = e->name != NULL ? strlen(e->name) : 0;
	if (nl > AP_USER_MAX)
		nl = AP_USER_MAX;
	w_uint(w, e->det, 1);
	w_uint(w, e->kind, 1);
	w_uint(w, e->k0, 8);
	w_uint(w, e->k1, 8);
	w_uint(w, e->uh, 8);
	w_uint(w, e->id, 8);
	w_uint(w, e->first, 4);
	w_uint(w, e->last, 4);
	w_uint(w, e->count, 4);
	w_uint(w, nl, 2);
	w_bytes(w, e->name, nl);
}

/* write all of buf to fd; 0 ok */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* fsync the directory of path, so that the rename itself is durable */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
	if (n >= sizeof(dir))
		return;
	if (slash == NULL)
		dir[0] = '.';
	else
		memcpy(dir, slash == path ? "/" : path, n);
	dir[n] = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

void det_state_save(ap_detect *d, bool quiet)
{
	size_t plen = strlen(d->state_file);
	char *tmp = malloc(plen + 32);
	if (tmp == NULL) {
		logf_(d, AP_LOG_ERR, "detect.stateFile %s: out of memory, state not saved",
		      d->state_file);
		return;
	}
	snprintf(tmp, plen + 32, "%s.tmp.%ld", d->state_file, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		logf_(d, AP_LOG_ERR, "detect.stateFile: cannot write %s: %s; state not saved", tmp,
		      strerror(errno));
		free(tmp);
		return;
	}
	struct wr w = { NULL, 0, 0, 0 };
	uint64_t sum = 0xcbf29ce484222325ULL, nkeys = 0, ninc = 0;
	int err = 0;
	w_bytes(&w, STATE_MAGIC, 8);
	w_uint(&w, STATE_VERSION, 4);
	w_uint(&w, 0, 4);
	w_uint(&w, d->seed0, 8);
	w_uint(&w, d->seed1, 8);
	w_uint(&w, NSHARDS, 4);
	for (int i = 0; i < NSHARDS && !err; i++) {
		struct shard *s = &d->sh[i];
		pthread_mutex_lock(&s->mu);
		w_uint(&w, s->n, 8);
		for (uint32_t j = 0; j < s->n; j++) {
			if (s->ents[j].type == KT_IP)
				write_ip(d, &w, &s->ents[j]);
			else
				write_user(d, &w, &s->ents[j]);
		}
		w_uint(&w, s->ninc, 8);
		det_inc_each(s, write_inc, &w);
		nkeys += s->n;
		ninc += s->ninc;
		pthread_mutex_unlock(&s->mu);
		/* the block goes out with no lock held */
		if (w.err || write_all(fd, w.b, w.n) != 0)
			err = 1;
		sum = fnv(sum, w.b, w.n);
		w.n = 0;
	}
	uint8_t tail[8];
	for (int k = 0; k < 8; k++)
		tail[k] = (uint8_t)(sum >> (8 * k));
	if (!err && write_all(fd, tail, sizeof(tail)) != 0)
		err = 1;
	if (!err && fsync(fd) != 0)
		err = 1;
	int saved_errno = errno;
	if (close(fd) != 0 && !err) {
		err = 1;
		saved_errno = errno;
	}
	free(w.b);
	if (!err && rename(tmp, d->state_file) != 0) {
		err = 1;
		saved_errno = errno;
	}
	if (err) {
		logf_(d, AP_LOG_ERR, "detect.stateFile %s: cannot write: %s; state not saved",
		      d->state_file, w.err ? "out of memory" : strerror(saved_errno));
		unlink(tmp);
	} else {
		sync_dir(d->state_file);
		if (!quiet)
			logf_(d, AP_LOG_INFO,
			      "detect.stateFile %s: saved %llu keys, %llu incidents", d->state_file,
			      (unsigned long long)nkeys, (unsigned long long)ninc);
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
		det_inc_clear(s);
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
		return NULL; /* duplicate: corrupt */
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
		p = det_ipd_make(d, e); /* e has no inline failure: an empty detail */
		if (p == NULL)
			return "out of memory";
		/* pushed in order: a smaller ring counts what falls out of
		 * it as det_ring_push() does at run time */
		ring.pos = 0;
		p->over = over;
		for (uint32_t i = 0; i < nring; i++)
			det_ring_push(d, e, (uint32_t)r_uint(&ring, 4), 0);
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
			det_usr_add(d, e, uh, ul, si, cnt);
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

static const char *load_inc(ap_detect *d, struct rd *r)
{
	struct inc v;
	char name[AP_USER_MAX + 1];
	memset(&v, 0, sizeof(v));
	v.det = (uint8_t)r_uint(r, 1);
	v.kind = (uint8_t)r_uint(r, 1);
	v.k0 = r_uint(r, 8);
	v.k1 = r_uint(r, 8);
	v.uh = r_uint(r, 8);
	v.id = r_uint(r, 8);
	v.first = (uint32_t)r_uint(r, 4);
	v.last = (uint32_t)r_uint(r, 4);
	v.count = (uint32_t)r_uint(r, 4);
	uint32_t nl = (uint32_t)r_uint(r, 2);
	if (r->err)
		return "truncated";
	if (v.det >= AP_DET__COUNT || v.kind < AP_KEY_IP || v.kind > AP_KEY_USER_IP || v.id == 0
	    || v.first == 0 || v.first > v.last || nl > AP_USER_MAX
	    || (v.kind == AP_KEY_IP) != (nl == 0))
		return "impossible incident";
	const uint8_t *np = r_bytes(r, nl);
	if (np == NULL)
		return "truncated";
	if (memchr(np, '\0', nl) != NULL)
		return "impossible incident";
	memcpy(name, np, nl);
	name[nl] = '\0';
	if (det_inc_load(d, &v, name) != 0)
		return "duplicate incident";
	return NULL;
}

static const char *load_key_any(ap_detect *d, struct rd *r)
{
	uint32_t type = (uint32_t)r_uint(r, 1);
	if (r->err)
		return "truncated";
	if (type == KT_IP)
		return load_ip(d, r);
	if (type == KT_USER)
		return load_user(d, r);
	return "unknown key type";
}

void det_state_load(ap_detect *d)
{
	const char *path = d->state_file;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			logf_(d, AP_LOG_INFO, "detect.stateFile %s: not there yet; starting empty",
			      path);
		else
			logf_(d, AP_LOG_WARNING,
			      "detect.stateFile %s: cannot open: %s; starting empty", path,
			      strerror(errno));
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
	char whybuf[128];
	if (ver != 1 && ver != STATE_VERSION) {
		snprintf(whybuf, sizeof(whybuf),
			 ver > STATE_VERSION ? "version %u is newer than this build reads (%u)"
					     : "unsupported version %u (this build reads 1 and %u)",
			 ver, STATE_VERSION);
		why = whybuf;
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
	(void)r_uint(&r, 4); /* flags */
	d->seed0 = r_uint(&r, 8);
	d->seed1 = r_uint(&r, 8);
	if (ver == 1) { /* one run of keys, no incidents */
		uint64_t n = r_uint(&r, 8);
		for (uint64_t i = 0; i < n && why == NULL; i++)
			why = load_key_any(d, &r);
	} else {
		uint32_t nb = (uint32_t)r_uint(&r, 4);
		if (nb > 65536)
			why = "impossible block count";
		for (uint32_t b = 0; b < nb && why == NULL; b++) {
			uint64_t n = r_uint(&r, 8);
			for (uint64_t i = 0; i < n && why == NULL; i++)
				why = load_key_any(d, &r);
			uint64_t ni = why == NULL ? r_uint(&r, 8) : 0;
			for (uint64_t i = 0; i < ni && why == NULL; i++)
				why = load_inc(d, &r);
			if (why == NULL && r.err)
				why = "truncated";
		}
	}
	if (why == NULL && r.pos != r.n)
		why = "trailing bytes";
done:
	if (why != NULL) {
		clear_all(d);
		logf_(d, AP_LOG_WARNING,
		      "detect.stateFile %s: %s; ignored, starting with empty "
		      "detection state",
		      path, why);
	} else {
		uint64_t ninc = 0;
		for (int i = 0; i < NSHARDS; i++)
			ninc += d->sh[i].ninc;
		logf_(d, AP_LOG_INFO,
		      "detect.stateFile %s: loaded %llu keys, %llu incidents (format %u)", path,
		      (unsigned long long)__atomic_load_n(&d->nkeys, __ATOMIC_RELAXED),
		      (unsigned long long)ninc, ver);
	}
	free(buf);
	close(fd);
}
