/* redis.c - the cluster tier's Redis client on hiredis: the server's
 * address (resolved once), a connection with a connect timeout and a call
 * timeout, AUTH, the window script loaded with SCRIPT LOAD and
 * run with EVALSHA; calls are appended to hiredis's output buffer and sent
 * as one pipeline by the first read.  Error replies are sorted into what
 * the caller does next (cl_rc).
 *
 * Timeouts.  hiredis's blocking API bounds each read() and write() by the
 * socket's SO_RCVTIMEO/SO_SNDTIMEO, not a reply: a server or a link that
 * trickles a reply a byte at a time would hold the caller for as long as
 * it likes.  So the replies are read here (redisBufferWrite,
 * redisBufferRead, redisGetReplyFromReader) against a deadline, the
 * socket's timeout cut to what is left before each read or write: a
 * command of our own (AUTH, SCRIPT LOAD) gets the call timeout; the
 * caller sets the deadline of the replies of its pipeline (cl_deadline:
 * sync, the round trip's together; async, each reply its own).
 *
 * hiredis is not linked: it is loaded (dlopen) the first time a cluster
 * tier is configured, by the soname of the library the build found
 * (AP_HIREDIS_SONAME: the ABI the headers describe).  The module then loads
 * where the library is missing (and its own checks, such as the rsyslogd
 * version, speak first); only a configured cluster tier needs it.  Built
 * without hiredis, the connection functions say so and fail.
 *
 * Concurrency: a connection is used by one thread at a time; the library
 * is loaded once (pthread_once).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifdef HAVE_CONFIG_H
#include "ap_config.h"
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include "text.h"
#include "cluster/redis.h"
#ifdef HAVE_HIREDIS
#include <dlfcn.h>
#include <pthread.h>
#include <hiredis/hiredis.h>
#endif

#define DEFAULT_PORT 6379

int cl_endpoint_parse(const char *spec, cl_endpoint *ep, char *err, size_t errsz)
{
	memset(ep, 0, sizeof(*ep));
	if (spec == NULL || spec[0] == '\0') {
		snprintf(err, errsz, "no server given");
		return 0;
	}
	if (spec[0] == '/') {
		if (strlen(spec) >= sizeof(ep->path)) {
			snprintf(err, errsz, "the socket path is too long");
			return 0;
		}
		ep->is_unix = true;
		snprintf(ep->path, sizeof(ep->path), "%s", spec);
		return 1;
	}
	char host[256];
	const char *port = NULL;
	size_t hl;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			snprintf(err, errsz, "'%s': an IPv6 address in brackets needs its ']'",
				 spec);
			return 0;
		}
		hl = (size_t)(close - spec - 1);
		if (hl >= sizeof(host)) {
			snprintf(err, errsz, "'%s': the host is too long", spec);
			return 0;
		}
		memcpy(host, spec + 1, hl);
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(spec, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL; /* a bare IPv6 address: the default port */
		hl = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
		if (hl >= sizeof(host)) {
			snprintf(err, errsz, "'%s': the host is too long", spec);
			return 0;
		}
		memcpy(host, spec, hl);
		if (colon != NULL)
			port = colon + 1;
	}
	host[hl] = '\0';
	if (hl == 0) {
		snprintf(err, errsz, "'%s': no host", spec);
		return 0;
	}
	ep->port = DEFAULT_PORT;
	if (port != NULL) {
		char *end;
		long v = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || v < 1 || v > 65535) {
			snprintf(err, errsz, "'%s': the port must be 1 to 65535", spec);
			return 0;
		}
		ep->port = (int)v;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errsz, "cannot resolve '%s': %s", host,
			 rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return 0;
	}
	const void *a =
		res->ai_family == AF_INET6
			? (const void *)&((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr
			: (const void *)&((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	if (inet_ntop(res->ai_family, a, ep->host, sizeof(ep->host)) == NULL) {
		snprintf(err, errsz, "cannot resolve '%s'", host);
		freeaddrinfo(res);
		return 0;
	}
	freeaddrinfo(res);
	return 1;
}

void cl_endpoint_text(const cl_endpoint *ep, char *buf, size_t bufsz)
{
	if (ep->is_unix)
		snprintf(buf, bufsz, "%s", ep->path);
	else if (strchr(ep->host, ':') != NULL)
		snprintf(buf, bufsz, "[%s]:%d", ep->host, ep->port);
	else
		snprintf(buf, bufsz, "%s:%d", ep->host, ep->port);
}

/* ------------------------------------------------------------------ */
/* building a call (no hiredis needed)                                 */

static const char fam_tag[2] = { 'i', 'u' };

#define NUMSZ 24

size_t cl_maxargs(const cl_det_args *d, int nd)
{
	size_t n = 3 + 1 + 2 + 6 * (size_t)nd;
	for (int j = 0; j < nd; j++)
		n += 2 * (size_t)d[j].n;
	return n;
}

size_t cl_scratch_need(const char *prefix, size_t keylen, const cl_det_args *d, int nd)
{
	size_t n = strlen(prefix) + keylen + 8;
	n += NUMSZ * (2 + 6 * (size_t)nd);
	for (int j = 0; j < nd; j++)
		n += NUMSZ * (size_t)d[j].n;
	return n;
}

/* decimal text of v at p; returns its length */
static size_t put_num(char *p, int64_t v)
{
	char tmp[NUMSZ];
	size_t n = 0, o = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		p[o++] = '-';
	while (n > 0)
		p[o++] = tmp[--n];
	return o;
}

/* the argument vector of one EVALSHA; returns argc, 0 if it does not fit */
static size_t build_args(const char *sha, const char *prefix, cl_family fam, const char *key,
			 size_t keylen, const char *node, const cl_det_args *d, int nd,
			 char *scratch, const char **argv, size_t *argvlen, size_t maxargs)
{
	size_t argc = 0, plen = strlen(prefix);
	char *s = scratch;
	if (cl_maxargs(d, nd) > maxargs || nd < 1 || nd > CL_MAX_DET)
		return 0;
#define ARG(p_, l_)                   \
	do {                          \
		argv[argc] = (p_);    \
		argvlen[argc] = (l_); \
		argc++;               \
	} while (0)
#define NUM(v_)                                \
	do {                                   \
		size_t l__ = put_num(s, (v_)); \
		ARG(s, l__);                   \
		s += l__;                      \
	} while (0)
	ARG("EVALSHA", AP_LEN("EVALSHA"));
	ARG(sha, strlen(sha));
	NUM(1);
	char *k = s;
	*s++ = '{';
	memcpy(s, prefix, plen);
	s += plen;
	*s++ = fam_tag[fam];
	*s++ = ':';
	memcpy(s, key, keylen);
	s += keylen;
	*s++ = '}';
	ARG(k, (size_t)(s - k));
	ARG(node, strlen(node));
	NUM(nd);
	for (int j = 0; j < nd; j++) {
		ARG(&d[j].letter, 1);
		ARG(d[j].counting ? "1" : "0", AP_LEN("1"));
		NUM(d[j].threshold);
		NUM(d[j].window);
		NUM(d[j].cap);
		NUM(d[j].n);
		for (uint32_t i = 0; i < d[j].n; i++) {
			NUM(d[j].items[i].t);
			if (!d[j].counting)
				ARG(d[j].items[i].m, d[j].items[i].mlen);
		}
	}
#undef NUM
#undef ARG
	return argc;
}

/* what an error reply means for the connection */
static cl_rc classify(const char *msg)
{
	if (AP_HAS_PREFIX(msg, strlen(msg), "NOSCRIPT"))
		return CL_NOSCRIPT;
	static const char *const refused[] = { "NOAUTH",   "WRONGPASS",
					       "NOPERM",   "READONLY",
					       "LOADING",  "MASTERDOWN",
					       "ERR AUTH", "ERR invalid password" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strncmp(msg, refused[i], strlen(refused[i])) == 0)
			return CL_REFUSED;
	return CL_REPLY;
}

int64_t cl_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#ifdef HAVE_HIREDIS

/* the hiredis functions, from the library loaded at first use */
static struct {
	redisContext *(*connect_tcp)(const char *ip, int port, const struct timeval tv);
	redisContext *(*connect_unix)(const char *path, const struct timeval tv);
	int (*set_timeout)(redisContext *c, const struct timeval tv);
	int (*append_argv)(redisContext *c, int argc, const char **argv, const size_t *argvlen);
	int (*buffer_read)(redisContext *c);
	int (*buffer_write)(redisContext *c, int *done);
	int (*reader_get)(redisContext *c, void **reply);
	void (*free_reply)(void *reply);
	void (*free_ctx)(redisContext *c);
} H;
static pthread_once_t h_once = PTHREAD_ONCE_INIT;
static int h_ok;
static char h_err[256];

static void h_load(void)
{
	void *lib = dlopen(AP_HIREDIS_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		const char *e = dlerror();
		snprintf(h_err, sizeof(h_err), "cannot load the Redis client library: %s",
			 e != NULL ? e : AP_HIREDIS_SONAME);
		return;
	}
	struct {
		void **fp;
		const char *name;
	} syms[] = {
		{ (void **)&H.connect_tcp, "redisConnectWithTimeout" },
		{ (void **)&H.connect_unix, "redisConnectUnixWithTimeout" },
		{ (void **)&H.set_timeout, "redisSetTimeout" },
		{ (void **)&H.append_argv, "redisAppendCommandArgv" },
		{ (void **)&H.buffer_read, "redisBufferRead" },
		{ (void **)&H.buffer_write, "redisBufferWrite" },
		{ (void **)&H.reader_get, "redisGetReplyFromReader" },
		{ (void **)&H.free_reply, "freeReplyObject" },
		{ (void **)&H.free_ctx, "redisFree" },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].fp = dlsym(lib, syms[i].name);
		if (*syms[i].fp == NULL) {
			snprintf(h_err, sizeof(h_err), "%s has no %s", AP_HIREDIS_SONAME,
				 syms[i].name);
			return; /* the library stays loaded: harmless */
		}
	}
	h_ok = 1;
}

int cl_available(void)
{
	pthread_once(&h_once, h_load);
	return h_ok;
}

const char *cl_unavailable_reason(void)
{
	return cl_available() ? "" : h_err;
}

struct cl_conn {
	redisContext *rc;
	char sha[41];
	uint32_t call_ms;
	int64_t deadline; /* monotonic ms: the replies read now must come by then */
};

static struct timeval ms_tv(uint32_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	return tv;
}

/* the connection's error, with "timeout" for a read that ran out of time */
static void conn_err(redisContext *rc, int saved_errno, char *err, size_t errsz)
{
	if (rc->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK))
		snprintf(err, errsz, "timeout");
	else if (rc->err == REDIS_ERR_EOF)
		snprintf(err, errsz, "the server closed the connection");
	else
		snprintf(err, errsz, "%s", rc->errstr[0] ? rc->errstr : "connection error");
}

void cl_deadline(cl_conn *c)
{
	c->deadline = cl_mono_ms() + c->call_ms;
}

/* what is left before the deadline, as the socket's timeout; 0 and
 * "timeout" in err when nothing is */
static int time_left(cl_conn *c, char *err, size_t errsz)
{
	int64_t left = c->deadline - cl_mono_ms();
	if (left <= 0) {
		snprintf(err, errsz, "timeout");
		return 0;
	}
	struct timeval tv = ms_tv((uint32_t)left);
	setsockopt(c->rc->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->rc->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 1;
}

/* the next reply (sending what the pipeline holds first), by c->deadline;
 * NULL and the reason in err when it did not come */
static redisReply *next_reply(cl_conn *c, char *err, size_t errsz)
{
	redisContext *rc = c->rc;
	void *r = NULL;
	int done = 0;
	if (H.reader_get(rc, &r) != REDIS_OK)
		goto io;
	if (r != NULL)
		return r;
	do {
		if (!time_left(c, err, errsz))
			return NULL;
		errno = 0;
		if (H.buffer_write(rc, &done) != REDIS_OK)
			goto io;
	} while (!done);
	do {
		if (!time_left(c, err, errsz))
			return NULL;
		errno = 0;
		if (H.buffer_read(rc) != REDIS_OK || H.reader_get(rc, &r) != REDIS_OK)
			goto io;
	} while (r == NULL);
	return r;
io:
	conn_err(rc, errno, err, errsz);
	return NULL;
}

/* one command of our own, its reply within the call timeout */
static redisReply *command(cl_conn *c, int argc, const char **argv, char *err, size_t errsz)
{
	size_t len[3];
	for (int i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	if (H.append_argv(c->rc, argc, argv, len) != REDIS_OK) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	cl_deadline(c);
	return next_reply(c, err, errsz);
}

cl_rc cl_load_script(cl_conn *c, char *err, size_t errsz)
{
	const char *argv[] = { "SCRIPT", "LOAD", cl_script_src };
	redisReply *r = command(c, 3, argv, err, errsz);
	if (r == NULL)
		return CL_DOWN;
	cl_rc rc = CL_OK;
	if (r->type == REDIS_REPLY_STRING && r->len == 40) {
		memcpy(c->sha, r->str, 40);
		c->sha[40] = '\0';
	} else {
		snprintf(err, errsz, "SCRIPT LOAD: %s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		rc = CL_REFUSED; /* NOAUTH, NOPERM, a server that cannot run it */
	}
	H.free_reply(r);
	return rc;
}

cl_conn *cl_connect(const cl_endpoint *ep, const char *user, const char *password,
		    uint32_t connect_ms, uint32_t call_ms, cl_rc *rc, char *err, size_t errsz)
{
	*rc = CL_DOWN;
	cl_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	errno = 0;
	c->rc = ep->is_unix ? H.connect_unix(ep->path, ms_tv(connect_ms))
			    : H.connect_tcp(ep->host, ep->port, ms_tv(connect_ms));
	if (c->rc == NULL) {
		snprintf(err, errsz, "out of memory");
		free(c);
		return NULL;
	}
	if (c->rc->err) {
		snprintf(err, errsz, "connect: %s", c->rc->errstr);
		goto fail;
	}
	if (H.set_timeout(c->rc, ms_tv(call_ms)) != REDIS_OK) {
		snprintf(err, errsz, "cannot set the timeout");
		goto fail;
	}
	c->call_ms = call_ms;
	if (password != NULL && password[0] != '\0') {
		char e[128];
		/* AUTH user password, or AUTH password */
		bool acl = user != NULL && user[0] != '\0';
		const char *argv[] = { "AUTH", acl ? user : password, password };
		redisReply *r = command(c, acl ? 3 : 2, argv, e, sizeof(e));
		if (r == NULL) {
			snprintf(err, errsz, "AUTH: %s", e);
			goto fail;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errsz, "AUTH refused: %s", r->str);
			H.free_reply(r);
			*rc = CL_REFUSED;
			goto fail;
		}
		H.free_reply(r);
	}
	*rc = cl_load_script(c, err, errsz);
	if (*rc != CL_OK)
		goto fail;
	return c;
fail:
	H.free_ctx(c->rc);
	free(c);
	return NULL;
}

void cl_close(cl_conn *c)
{
	if (c == NULL)
		return;
	H.free_ctx(c->rc);
	free(c);
}

cl_rc cl_append(cl_conn *c, const char *prefix, cl_family fam, const char *key, size_t keylen,
		const char *node, const cl_det_args *d, int nd, char *scratch, const char **argv,
		size_t *argvlen, size_t maxargs)
{
	size_t argc = build_args(c->sha, prefix, fam, key, keylen, node, d, nd, scratch, argv,
				 argvlen, maxargs);
	if (argc == 0)
		return CL_REPLY;
	if (H.append_argv(c->rc, (int)argc, argv, argvlen) != REDIS_OK)
		return CL_DOWN;
	return CL_OK;
}

static int64_t int_of(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtoll(r->str, NULL, 10);
	return 0;
}

cl_rc cl_read(cl_conn *c, int nd, cl_det_result *out, char *err, size_t errsz)
{
	redisReply *r = next_reply(c, err, errsz);
	if (r == NULL)
		return CL_DOWN;
	cl_rc rc = CL_OK;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errsz, "%s", r->str);
		rc = classify(r->str);
		goto done;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)nd) {
		snprintf(err, errsz, "the script answered something unexpected");
		rc = CL_REPLY;
		goto done;
	}
	for (int j = 0; j < nd; j++) {
		const redisReply *e = r->element[j];
		cl_det_result *o = &out[j];
		memset(o, 0, offsetof(cl_det_result, nodes));
		if (e->type != REDIS_REPLY_ARRAY || e->elements < 4) {
			snprintf(err, errsz, "the script answered something unexpected");
			rc = CL_REPLY;
			goto done;
		}
		int64_t cnt = int_of(e->element[0]);
		o->count = cnt < 0 ? 0 : cnt > UINT32_MAX ? UINT32_MAX : (uint32_t)cnt;
		o->crossed = int_of(e->element[1]) != 0;
		o->first = int_of(e->element[2]);
		o->last = int_of(e->element[3]);
		for (size_t i = 4; i < e->elements && o->nnodes < CL_MAX_NODES; i++) {
			const redisReply *s = e->element[i];
			if (s->type != REDIS_REPLY_STRING)
				continue;
			size_t l = s->len > CL_NODE_MAX ? CL_NODE_MAX : s->len;
			memcpy(o->nodes[o->nnodes], s->str, l);
			o->nodes[o->nnodes][l] = '\0';
			o->nnodes++;
		}
	}
done:
	H.free_reply(r);
	return rc;
}

#else /* no hiredis */

struct cl_conn {
	int unused;
};

int cl_available(void)
{
	return 0;
}

const char *cl_unavailable_reason(void)
{
	return "this build has no cluster tier (configure found no hiredis: install "
	       "libhiredis-dev and build again)";
}

cl_rc cl_load_script(cl_conn *c, char *err, size_t errsz)
{
	(void)c;
	snprintf(err, errsz, "built without hiredis");
	return CL_REFUSED;
}

cl_conn *cl_connect(const cl_endpoint *ep, const char *user, const char *password,
		    uint32_t connect_ms, uint32_t call_ms, cl_rc *rc, char *err, size_t errsz)
{
	(void)ep, (void)user, (void)password, (void)connect_ms, (void)call_ms;
	(void)build_args;
	*rc = CL_REFUSED;
	snprintf(err, errsz, "built without hiredis");
	return NULL;
}

void cl_close(cl_conn *c)
{
	(void)c;
}

void cl_deadline(cl_conn *c)
{
	(void)c;
}

cl_rc cl_append(cl_conn *c, const char *prefix, cl_family fam, const char *key, size_t keylen,
		const char *node, const cl_det_args *d, int nd, char *scratch, const char **argv,
		size_t *argvlen, size_t maxargs)
{
	(void)c, (void)prefix, (void)fam, (void)key, (void)keylen, (void)node, (void)d, (void)nd;
	(void)scratch, (void)argv, (void)argvlen, (void)maxargs, (void)classify;
	return CL_DOWN;
}

cl_rc cl_read(cl_conn *c, int nd, cl_det_result *out, char *err, size_t errsz)
{
	(void)c, (void)nd, (void)out;
	snprintf(err, errsz, "built without hiredis");
	return CL_DOWN;
}

#endif
