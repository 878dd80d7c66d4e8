/* session.c - the table of recent connections (session.h): sets of
 * AP_SESS_WAYS entries chosen by a hash of (host, pid), the host kept
 * whole in the entry so that a connection is found only by its own key.
 *
 * Concurrency and locking: one mutex per AP_SESS_SHARDS sets; an update
 * takes the one lock of its set and holds it while the family's callback
 * reads and writes the entry.  The table is allocated and its locks
 * created by ap_sessions_new(), destroyed by ap_sessions_free(), and
 * nothing else changes its shape.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "recognisers/session.h"

typedef struct {
	int64_t time; /* of the last write; 0: free */
	uint32_t pid;
	uint8_t hostlen;
	char host[AP_SESS_HOST_MAX];
	ap_conn conn;
} entry;

struct ap_sessions {
	pthread_mutex_t mu[AP_SESS_SHARDS];
	entry e[AP_SESS_SETS][AP_SESS_WAYS];
};

_Static_assert(AP_SESS_SETS % AP_SESS_SHARDS == 0, "every shard locks as many sets");
_Static_assert(AP_SESS_HOST_MAX <= 255, "hostlen is a byte");

ap_sessions *ap_sessions_new(void)
{
	ap_sessions *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	for (unsigned i = 0; i < AP_SESS_SHARDS; i++) {
		if (pthread_mutex_init(&s->mu[i], NULL) != 0) {
			while (i-- > 0)
				pthread_mutex_destroy(&s->mu[i]);
			free(s);
			return NULL;
		}
	}
	return s;
}

void ap_sessions_free(ap_sessions *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < AP_SESS_SHARDS; i++)
		pthread_mutex_destroy(&s->mu[i]);
	free(s);
}

uint32_t ap_tag_pid(const char *tag, size_t taglen)
{
	const char *lb = tag ? memchr(tag, '[', taglen) : NULL;
	if (lb == NULL)
		return 0;
	const char *p = lb + 1, *e = tag + taglen;
	uint64_t v = 0;
	while (p < e && *p >= '0' && *p <= '9' && v <= UINT32_MAX)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == lb + 1 || p >= e || *p != ']' || v == 0 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

/* FNV-1a over the host, then the pid */
static uint32_t key_hash(const char *h, size_t n, uint32_t pid)
{
	uint64_t x = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		x = (x ^ (unsigned char)h[i]) * 0x100000001b3ull;
	for (int i = 0; i < 4; i++)
		x = (x ^ ((pid >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	return (uint32_t)(x ^ (x >> 32));
}

/* the entry is live at now: written within AP_SESS_TTL (a line stamped a
 * little earlier than the last write, as lines of several workers can be,
 * counts too) */
static int live(const entry *en, int64_t now)
{
	if (en->time == 0)
		return 0;
	int64_t d = now - en->time;
	return d <= AP_SESS_TTL && d >= -AP_SESS_TTL;
}

static int64_t line_time(const ap_line *ln)
{
	if (ln->time != 0)
		return ln->time;
	return ln->time_fn != NULL ? ln->time_fn(ln->time_arg) : 0;
}

int ap_sessions_update(const ap_line *ln, ap_conn_fn fn, void *arg)
{
	ap_sessions *s = ln->sessions;
	if (s == NULL || ln->hostlen > AP_SESS_HOST_MAX)
		return -1;
	uint32_t pid = ap_tag_pid(ln->tag, ln->taglen);
	if (pid == 0)
		return -1;
	int64_t now = line_time(ln);
	if (now <= 0)
		return -1;
	const char *host = ln->hostlen > 0 ? ln->host : "";
	uint8_t hostlen = (uint8_t)ln->hostlen;
	uint32_t set = key_hash(host, hostlen, pid) % AP_SESS_SETS;
	pthread_mutex_t *mu = &s->mu[set % AP_SESS_SHARDS];
	entry *ways = s->e[set];

	pthread_mutex_lock(mu);
	entry *found = NULL, *victim = NULL;
	for (unsigned i = 0; i < AP_SESS_WAYS; i++) {
		entry *en = &ways[i];
		if (!live(en, now)) {
			en->time = 0; /* expired: free */
			if (victim == NULL || victim->time != 0)
				victim = en;
			continue;
		}
		if (en->pid == pid && en->hostlen == hostlen
		    && memcmp(en->host, host, hostlen) == 0)
			found = en;
		else if (victim == NULL || (victim->time != 0 && en->time < victim->time))
			victim = en;
	}
	ap_conn c;
	if (found != NULL) {
		c = found->conn;
		c.known = true;
	} else {
		memset(&c, 0, sizeof(c));
		c.port = -1;
	}
	int what = fn(&c, arg);
	if (what == AP_CONN_KEEP) {
		entry *en = found != NULL ? found : victim;
		en->time = now;
		en->pid = pid;
		en->hostlen = hostlen;
		memcpy(en->host, host, hostlen);
		en->conn = c;
		en->conn.known = false;
	} else if (what == AP_CONN_DROP && found != NULL) {
		found->time = 0;
	}
	pthread_mutex_unlock(mu);
	return what;
}
