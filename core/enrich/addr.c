/* addr.c - address parsing, canonical form and scope classification.
 *
 * Addresses are parsed with inet_pton (never MMDB_lookup_string, never a
 * parser that would accept "010.8.8.8" or "127.1"); the one exception is a
 * dotted quad, read by dotted_quad() in exactly the form inet_pton accepts
 * (anything else goes to inet_pton; tests/unit/geo_test.c compares the
 * two), without the copy and the call.  The scope table follows the IANA
 * IPv4 and IPv6 special-purpose address registries.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"
#include "enrich/addr.h"

/* 1 and the address when [s, s+n) is a dotted quad in the form inet_pton
 * (AF_INET) accepts: four decimal octets of at most 255, each "0" or
 * without a leading zero, and nothing else.  0 says only "not read here":
 * inet_pton then decides.  Most addresses in a log are IPv4: this saves
 * inet_pton's copy and call on every one. */
static int dotted_quad(const char *s, size_t n, uint8_t b[4])
{
	const char *p = s, *e = s + n;
	for (int k = 0; k < 4; k++) {
		if (k > 0) {
			if (p == e || *p != '.')
				return 0;
			p++;
		}
		if (p == e || (unsigned)(*p - '0') > 9)
			return 0;
		unsigned v = (unsigned)(*p++ - '0');
		if (v != 0 && p < e && (unsigned)(*p - '0') <= 9) {
			v = v * 10 + (unsigned)(*p++ - '0');
			if (p < e && (unsigned)(*p - '0') <= 9)
				v = v * 10 + (unsigned)(*p++ - '0');
		}
		if (v > 255)
			return 0;
		b[k] = (uint8_t)v;
	}
	return p == e;
}

int ap_addr_parse(const char *s, size_t n, ap_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	out->family = 0;
	if (n == 0 || n >= sizeof(buf))
		return 0;
	uint8_t q[4];
	if (dotted_quad(s, n, q)) {
		out->family = 4;
		memset(out->b, 0, sizeof(out->b));
		memcpy(out->b, q, 4);
		return 1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n) == NULL) {
		struct in_addr a4;
		if (inet_pton(AF_INET, buf, &a4) != 1)
			return 0;
		out->family = 4;
		memset(out->b, 0, sizeof(out->b));
		memcpy(out->b, &a4, 4);
		return 1;
	}
	/* a zone id ("fe80::1%eth0") names the interface, not the host */
	char *pct = memchr(buf, '%', n);
	if (pct != NULL)
		*pct = '\0';
	struct in6_addr a6;
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return 0;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a6.s6_addr, mapped, 12) == 0) {
		out->family = 4;
		memset(out->b, 0, sizeof(out->b));
		memcpy(out->b, a6.s6_addr + 12, 4);
		return 1;
	}
	out->family = 6;
	memcpy(out->b, a6.s6_addr, 16);
	return 1;
}

int ap_set_ip(ap_addr *dst, const char *p, size_t n)
{
	if (AP_BAD_LENGTH(n))
		return 0;
	/* strip "[...]" and sendmail's "IPv6:" */
	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if (n > AP_LEN("IPv6:") && AP_HAS_PREFIX(p, n, "IPv6:")) {
		p += AP_LEN("IPv6:");
		n -= AP_LEN("IPv6:");
	}
	ap_addr a;
	if (!ap_addr_parse(p, n, &a))
		return 0;
	*dst = a;
	return 1;
}

/* an IPv6 address as glibc's inet_ntop writes it (its inet_ntop6, step by
 * step: the longest run of two or more zero groups, the first of equal
 * ones, as "::"; lower-case hex without leading zeros; "::a.b.c.d" and
 * "::ffff:a.b.c.d" for the compatible and mapped forms), without the
 * sprintf per group; buf holds INET6_ADDRSTRLEN bytes.  geo_test compares
 * it with inet_ntop. */
static void format6(const uint8_t *b, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0;
	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0) {
			if (cur == -1) {
				cur = i;
				curlen = 1;
			} else {
				curlen++;
			}
		} else if (cur != -1) {
			if (best == -1 || curlen > bestlen) {
				best = cur;
				bestlen = curlen;
			}
			cur = -1;
		}
	}
	if (cur != -1 && (best == -1 || curlen > bestlen)) {
		best = cur;
		bestlen = curlen;
	}
	if (best != -1 && bestlen < 2)
		best = -1;
	char *p = buf;
	for (int i = 0; i < 8; i++) {
		if (best != -1 && i >= best && i < best + bestlen) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
			for (int k = 12; k < 16; k++) {
				unsigned v = b[k];
				if (v >= 100)
					*p++ = (char)('0' + v / 100);
				if (v >= 10)
					*p++ = (char)('0' + v / 10 % 10);
				*p++ = (char)('0' + v % 10);
				if (k < 15)
					*p++ = '.';
			}
			*p = '\0';
			return;
		}
		unsigned v = w[i];
		if (v >= 0x1000)
			*p++ = hex[v >> 12];
		if (v >= 0x100)
			*p++ = hex[(v >> 8) & 15];
		if (v >= 0x10)
			*p++ = hex[(v >> 4) & 15];
		*p++ = hex[v & 15];
	}
	if (best != -1 && best + bestlen == 8)
		*p++ = ':';
	*p = '\0';
}

void ap_addr_format(const ap_addr *a, char *buf, size_t bufsz)
{
	if (bufsz == 0)
		return;
	buf[0] = '\0';
	if (a->family == 4 && bufsz >= 16) {
		/* inet_ntop formats with sprintf: this runs for every event */
		size_t n = 0;
		for (int i = 0; i < 4; i++) {
			unsigned v = a->b[i];
			if (v >= 100)
				buf[n++] = (char)('0' + v / 100);
			if (v >= 10)
				buf[n++] = (char)('0' + v / 10 % 10);
			buf[n++] = (char)('0' + v % 10);
			buf[n++] = i < 3 ? '.' : '\0';
		}
	} else if (a->family == 4)
		inet_ntop(AF_INET, a->b, buf, (socklen_t)bufsz);
	else if (a->family == 6 && bufsz >= INET6_ADDRSTRLEN)
		format6(a->b, buf);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)bufsz);
}

struct net {
	uint8_t b[16];
	uint8_t bits;
	uint8_t scope;
};

/* first match wins: more specific prefixes first */
static const struct net v4nets[] = {
	{ { 0 }, 8, AP_SCOPE_RESERVED }, /* "this network" */
	{ { 10 }, 8, AP_SCOPE_PRIVATE },
	{ { 100, 64 }, 10, AP_SCOPE_CGNAT },
	{ { 127 }, 8, AP_SCOPE_LOOPBACK },
	{ { 169, 254 }, 16, AP_SCOPE_LINK_LOCAL },
	{ { 172, 16 }, 12, AP_SCOPE_PRIVATE },
	{ { 192, 0, 0 }, 24, AP_SCOPE_RESERVED },    /* IETF assignments */
	{ { 192, 0, 2 }, 24, AP_SCOPE_RESERVED },    /* TEST-NET-1 */
	{ { 192, 31, 196 }, 24, AP_SCOPE_RESERVED }, /* AS112-v4 */
	{ { 192, 52, 193 }, 24, AP_SCOPE_RESERVED }, /* AMT */
	{ { 192, 88, 99 }, 24, AP_SCOPE_RESERVED },  /* 6to4 relay */
	{ { 192, 168 }, 16, AP_SCOPE_PRIVATE },
	{ { 192, 175, 48 }, 24, AP_SCOPE_RESERVED }, /* direct delegation AS112 */
	{ { 198, 18 }, 15, AP_SCOPE_RESERVED },      /* benchmarking */
	{ { 198, 51, 100 }, 24, AP_SCOPE_RESERVED }, /* TEST-NET-2 */
	{ { 203, 0, 113 }, 24, AP_SCOPE_RESERVED },  /* TEST-NET-3 */
	{ { 224 }, 4, AP_SCOPE_RESERVED },           /* multicast */
	{ { 240 }, 4, AP_SCOPE_RESERVED },           /* future use, broadcast */
};

static const struct net v6nets[] = {
	{ { 0 }, 127, AP_SCOPE_RESERVED },                       /* ::, ::1 handled below */
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, AP_SCOPE_PRIVATE }, /* local-use NAT64 */
	{ { 0x01, 0x00 }, 64, AP_SCOPE_RESERVED },               /* discard-only */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, AP_SCOPE_RESERVED },   /* documentation */
	{ { 0x20, 0x01, 0x00, 0x00 }, 23, AP_SCOPE_RESERVED },   /* IETF protocol assignments */
	{ { 0x3f, 0xff }, 20, AP_SCOPE_RESERVED },               /* documentation (RFC 9637) */
	{ { 0x5f, 0x00 }, 16, AP_SCOPE_RESERVED },               /* SRv6 SIDs */
	{ { 0xfc }, 7, AP_SCOPE_PRIVATE },                       /* unique local */
	{ { 0xfe, 0x80 }, 10, AP_SCOPE_LINK_LOCAL },
	{ { 0xfe, 0xc0 }, 10, AP_SCOPE_RESERVED }, /* deprecated site-local */
	{ { 0xff }, 8, AP_SCOPE_RESERVED },        /* multicast */
};

static int in_net(const uint8_t *a, const struct net *n)
{
	unsigned full = n->bits / 8, rest = n->bits % 8;
	for (unsigned i = 0; i < full; i++)
		if (a[i] != n->b[i])
			return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (n->b[full] & mask);
}

/* The first bytes a network of a table can start with: an address whose
 * first byte is none of them is in none of the table's networks, and the
 * table is not read (most addresses of a log are public).  Built once
 * from the tables, which stay the one place the ranges are written. */
static uint8_t first4[256], first6[256];
static pthread_once_t first_once = PTHREAD_ONCE_INIT;

static void mark_first(uint8_t *first, const struct net *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		unsigned bits = n[i].bits >= 8 ? 8 : n[i].bits;
		unsigned lo = n[i].b[0] & (0xffu << (8 - bits) & 0xff), hi = lo | (0xffu >> bits);
		for (unsigned b = lo; b <= hi; b++)
			first[b] = 1;
	}
}

static void first_init(void)
{
	mark_first(first4, v4nets, sizeof(v4nets) / sizeof(v4nets[0]));
	mark_first(first6, v6nets, sizeof(v6nets) / sizeof(v6nets[0]));
}

ap_scope ap_addr_scope(const ap_addr *a)
{
	pthread_once(&first_once, first_init);
	if (a->family == 4) {
		if (first4[a->b[0]])
			for (size_t i = 0; i < sizeof(v4nets) / sizeof(v4nets[0]); i++)
				if (in_net(a->b, &v4nets[i]))
					return (ap_scope)v4nets[i].scope;
		return AP_SCOPE_PUBLIC;
	}
	if (a->family == 6) {
		static const uint8_t loop[16] = { [15] = 1 };
		if (memcmp(a->b, loop, 16) == 0)
			return AP_SCOPE_LOOPBACK;
		if (first6[a->b[0]])
			for (size_t i = 0; i < sizeof(v6nets) / sizeof(v6nets[0]); i++)
				if (in_net(a->b, &v6nets[i]))
					return (ap_scope)v6nets[i].scope;
		/* only 2000::/3 is allocated as global unicast; 64:ff9b::/96
		 * (NAT64) is global too */
		static const struct net nat64 = { { 0, 0x64, 0xff, 0x9b }, 96, 0 };
		if ((a->b[0] & 0xe0) == 0x20 || in_net(a->b, &nat64))
			return AP_SCOPE_PUBLIC;
		return AP_SCOPE_RESERVED;
	}
	return AP_SCOPE_RESERVED;
}

const char *ap_scope_name(ap_scope s)
{
	switch (s) {
	case AP_SCOPE_PUBLIC: return "public";
	case AP_SCOPE_PRIVATE: return "private";
	case AP_SCOPE_LOOPBACK: return "loopback";
	case AP_SCOPE_LINK_LOCAL: return "link_local";
	case AP_SCOPE_CGNAT: return "cgnat";
	case AP_SCOPE_RESERVED: return "reserved";
	}
	return "reserved";
}

/* ------------------------------------------------------------------ */
/* networks                                                            */

struct net_entry {
	ap_addr a;    /* the network's first address */
	uint8_t bits; /* prefix length */
};

struct ap_netlist {
	size_t n;
	struct net_entry e[];
};

static int entry_parse(const char *s, struct net_entry *out)
{
	size_t n = strlen(s);
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	ap_span t = ap_span_trim(ap_span_make(s, an));
	if (t.n == 0 || !ap_addr_parse(t.p, t.n, &out->a))
		return 0;
	unsigned max = out->a.family == 4 ? 32 : 128, bits = max;
	if (slash != NULL) {
		ap_span b = ap_span_trim(ap_span_make(slash + 1, n - an - 1));
		int v;
		if (b.n == 0 || b.n > 3 || !ap_digits(b.p, b.n, &v) || (unsigned)v > max)
			return 0;
		bits = (unsigned)v;
	}
	out->bits = (uint8_t)bits;
	/* keep the network part only */
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits > i * 8 ? bits - i * 8 : 0;
		if (keep < 8)
			out->a.b[i] &= (uint8_t)(0xff00u >> keep);
	}
	return 1;
}

ap_status ap_netlist_new(const char *const *items, size_t n, const char *pname, ap_log_fn log,
			 void *cookie, ap_netlist **out)
{
	static const char *const loopback[] = { "127.0.0.0/8", "::1" };
	*out = NULL;
	if (items == NULL || n == 0) {
		items = loopback;
		n = sizeof(loopback) / sizeof(loopback[0]);
	}
	ap_netlist *nl = calloc(1, sizeof(*nl) + n * sizeof(nl->e[0]));
	if (nl == NULL) {
		ap_logf(log, cookie, AP_LOG_ERR, "%s: out of memory", pname);
		return AP_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (items[i] == NULL || !entry_parse(items[i], &nl->e[i])) {
			ap_logf(log, cookie, AP_LOG_ERR,
				"%s: '%s' is not an address or a CIDR "
				"(\"192.0.2.10\", \"10.0.0.0/8\", \"2001:db8::/32\")",
				pname, items[i] ? items[i] : "");
			free(nl);
			return AP_E_CONFIG;
		}
	}
	nl->n = n;
	*out = nl;
	return AP_OK;
}

void ap_netlist_free(ap_netlist *nl)
{
	free(nl);
}

static int entry_match(const struct net_entry *e, const ap_addr *a)
{
	if (e->a.family != a->family)
		return 0;
	unsigned bits = e->bits, i = 0;
	for (; bits >= 8; i++, bits -= 8)
		if (a->b[i] != e->a.b[i])
			return 0;
	return bits == 0 || (a->b[i] & (uint8_t)(0xff00u >> bits)) == e->a.b[i];
}

int ap_netlist_match(const ap_netlist *nl, const ap_addr *a)
{
	if (nl == NULL) {
		ap_scope s = ap_addr_scope(a);
		return s == AP_SCOPE_LOOPBACK;
	}
	for (size_t i = 0; i < nl->n; i++)
		if (entry_match(&nl->e[i], a))
			return 1;
	return 0;
}

int ap_forwarded_client(const ap_netlist *nl, ap_span chain, ap_addr *ip)
{
	if (!ap_netlist_match(nl, ip))
		return 1; /* not from a trusted proxy: the header is the client's own */
	const char *p = chain.p, *e = chain.p + chain.n;
	ap_addr last;
	int have = 0;
	/* right to left, one element per comma */
	while (e > p) {
		const char *comma = e;
		while (comma > p && comma[-1] != ',')
			comma--;
		ap_span item = ap_span_trim(ap_span_make(comma, (size_t)(e - comma)));
		ap_addr a;
		if (item.n == 0 || !ap_set_ip(&a, item.p, item.n))
			return 0;
		if (!ap_netlist_match(nl, &a)) {
			*ip = a;
			return 1;
		}
		last = a;
		have = 1;
		e = comma > p ? comma - 1 : p;
	}
	if (have)
		*ip = last;
	return 1;
}
