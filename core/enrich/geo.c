/* geo.c - geo and ASN enrichment from MaxMind DB files (libmaxminddb).
 *
 * The address scope is computed without any database (addr.c); only public
 * addresses are looked up.  Each configured .mmdb file gets a role from its
 * metadata and from the keys of a few of its records: country, city
 * (location too) and/or ASN; MaxMind GeoIP2/GeoLite2 nested schema
 * ("country.iso_code", "city.names.<lang>", "location.latitude") or the flat
 * DB-IP/ip-location-db schema ("country_code", "city", "latitude"); the
 * address families it covers come from its ip_version and, for IPv6 files,
 * from whether the IPv4 subtree holds anything (DB-IP ships one IPv4 and one
 * IPv6 file).  A lookup asks the files in configured order, each for the
 * fields still missing; empty strings are no answer.
 *
 * Concurrency and locking: an ap_geodb is shared by all workers of a ctx.
 * The open handles are read under a pthread rwlock taken per lookup (read
 * side); ap_geodb_reload() opens every file anew into a new handle without
 * the lock, then swaps the handles that opened and have a usable role under
 * the write lock and bumps the generation; the old handles are closed after
 * the swap.  A file that does not open keeps its old handle.  An
 * ap_geocache belongs to one worker (one thread at a time); each entry
 * carries the generation it was filled under, so a reload invalidates all
 * entries at once without touching them.
 *
 * Database files must be replaced by rename (write elsewhere, then mv): a
 * handle maps the file, and overwriting a mapped file in place changes the
 * data under the reader's feet.  This is how geoipupdate and our fetch
 * script replace them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "text.h"
#include "enrich/geo.h"

/* what a file can answer */
enum { ROLE_COUNTRY = 1u, ROLE_CITY = 2u, ROLE_ASN = 4u };
/* which key layout to read (both bits: try both) */
enum { SCHEMA_MAXMIND = 1u, SCHEMA_FLAT = 2u };
/* fields of ap_geo, for "still missing" masks */
enum {
	F_COUNTRY = 1u,
	F_CNAME = 2u,
	F_CITY = 4u,
	F_LOC = 8u,
	F_ASN = 16u,
	F_ORG = 32u,
	F_ALL = 63u
};

typedef struct geofile {
	MMDB_s mmdb;
	unsigned roles;
	unsigned schema;
	bool v4, v6;
} geofile;

struct ap_geodb {
	pthread_rwlock_t lock;
	uint32_t gen; /* bumped on every swap; read atomically */
	size_t n;
	char **paths;
	geofile **files; /* [n], swapped under the write lock */
	char lang[32];
	ap_log_fn log;
	void *cookie;
};

typedef struct centry {
	uint32_t gen; /* 0 = empty */
	uint8_t family;
	uint8_t b[16];
	ap_geo geo;
} centry;

struct ap_geocache {
	ap_geodb *g;
	uint32_t mask;
	uint32_t shift;
	uint64_t hits, misses; /* this worker's cache counters */
	centry e[];
};

/* ------------------------------------------------------------------ */
/* ISO 3166-1 alpha-2 -> English short name (for the flat schema, which
 * carries codes only).  Sorted by code. */

static const struct {
	char code[3];
	const char *name;
} countries[] = {
	{ "AD", "Andorra" },
	{ "AE", "United Arab Emirates" },
	{ "AF", "Afghanistan" },
	{ "AG", "Antigua and Barbuda" },
	{ "AI", "Anguilla" },
	{ "AL", "Albania" },
	{ "AM", "Armenia" },
	{ "AO", "Angola" },
	{ "AQ", "Antarctica" },
	{ "AR", "Argentina" },
	{ "AS", "American Samoa" },
	{ "AT", "Austria" },
	{ "AU", "Australia" },
	{ "AW", "Aruba" },
	{ "AX", "Åland Islands" },
	{ "AZ", "Azerbaijan" },
	{ "BA", "Bosnia and Herzegovina" },
	{ "BB", "Barbados" },
	{ "BD", "Bangladesh" },
	{ "BE", "Belgium" },
	{ "BF", "Burkina Faso" },
	{ "BG", "Bulgaria" },
	{ "BH", "Bahrain" },
	{ "BI", "Burundi" },
	{ "BJ", "Benin" },
	{ "BL", "Saint Barthélemy" },
	{ "BM", "Bermuda" },
	{ "BN", "Brunei" },
	{ "BO", "Bolivia" },
	{ "BQ", "Bonaire, Sint Eustatius and Saba" },
	{ "BR", "Brazil" },
	{ "BS", "Bahamas" },
	{ "BT", "Bhutan" },
	{ "BV", "Bouvet Island" },
	{ "BW", "Botswana" },
	{ "BY", "Belarus" },
	{ "BZ", "Belize" },
	{ "CA", "Canada" },
	{ "CC", "Cocos (Keeling) Islands" },
	{ "CD", "DR Congo" },
	{ "CF", "Central African Republic" },
	{ "CG", "Congo Republic" },
	{ "CH", "Switzerland" },
	{ "CI", "Ivory Coast" },
	{ "CK", "Cook Islands" },
	{ "CL", "Chile" },
	{ "CM", "Cameroon" },
	{ "CN", "China" },
	{ "CO", "Colombia" },
	{ "CR", "Costa Rica" },
	{ "CU", "Cuba" },
	{ "CV", "Cabo Verde" },
	{ "CW", "Curaçao" },
	{ "CX", "Christmas Island" },
	{ "CY", "Cyprus" },
	{ "CZ", "Czechia" },
	{ "DE", "Germany" },
	{ "DJ", "Djibouti" },
	{ "DK", "Denmark" },
	{ "DM", "Dominica" },
	{ "DO", "Dominican Republic" },
	{ "DZ", "Algeria" },
	{ "EC", "Ecuador" },
	{ "EE", "Estonia" },
	{ "EG", "Egypt" },
	{ "EH", "Western Sahara" },
	{ "ER", "Eritrea" },
	{ "ES", "Spain" },
	{ "ET", "Ethiopia" },
	{ "FI", "Finland" },
	{ "FJ", "Fiji" },
	{ "FK", "Falkland Islands" },
	{ "FM", "Micronesia" },
	{ "FO", "Faroe Islands" },
	{ "FR", "France" },
	{ "GA", "Gabon" },
	{ "GB", "United Kingdom" },
	{ "GD", "Grenada" },
	{ "GE", "Georgia" },
	{ "GF", "French Guiana" },
	{ "GG", "Guernsey" },
	{ "GH", "Ghana" },
	{ "GI", "Gibraltar" },
	{ "GL", "Greenland" },
	{ "GM", "Gambia" },
	{ "GN", "Guinea" },
	{ "GP", "Guadeloupe" },
	{ "GQ", "Equatorial Guinea" },
	{ "GR", "Greece" },
	{ "GS", "South Georgia and the South Sandwich Islands" },
	{ "GT", "Guatemala" },
	{ "GU", "Guam" },
	{ "GW", "Guinea-Bissau" },
	{ "GY", "Guyana" },
	{ "HK", "Hong Kong" },
	{ "HM", "Heard Island and McDonald Islands" },
	{ "HN", "Honduras" },
	{ "HR", "Croatia" },
	{ "HT", "Haiti" },
	{ "HU", "Hungary" },
	{ "ID", "Indonesia" },
	{ "IE", "Ireland" },
	{ "IL", "Israel" },
	{ "IM", "Isle of Man" },
	{ "IN", "India" },
	{ "IO", "British Indian Ocean Territory" },
	{ "IQ", "Iraq" },
	{ "IR", "Iran" },
	{ "IS", "Iceland" },
	{ "IT", "Italy" },
	{ "JE", "Jersey" },
	{ "JM", "Jamaica" },
	{ "JO", "Jordan" },
	{ "JP", "Japan" },
	{ "KE", "Kenya" },
	{ "KG", "Kyrgyzstan" },
	{ "KH", "Cambodia" },
	{ "KI", "Kiribati" },
	{ "KM", "Comoros" },
	{ "KN", "Saint Kitts and Nevis" },
	{ "KP", "North Korea" },
	{ "KR", "South Korea" },
	{ "KW", "Kuwait" },
	{ "KY", "Cayman Islands" },
	{ "KZ", "Kazakhstan" },
	{ "LA", "Laos" },
	{ "LB", "Lebanon" },
	{ "LC", "Saint Lucia" },
	{ "LI", "Liechtenstein" },
	{ "LK", "Sri Lanka" },
	{ "LR", "Liberia" },
	{ "LS", "Lesotho" },
	{ "LT", "Lithuania" },
	{ "LU", "Luxembourg" },
	{ "LV", "Latvia" },
	{ "LY", "Libya" },
	{ "MA", "Morocco" },
	{ "MC", "Monaco" },
	{ "MD", "Moldova" },
	{ "ME", "Montenegro" },
	{ "MF", "Saint Martin" },
	{ "MG", "Madagascar" },
	{ "MH", "Marshall Islands" },
	{ "MK", "North Macedonia" },
	{ "ML", "Mali" },
	{ "MM", "Myanmar" },
	{ "MN", "Mongolia" },
	{ "MO", "Macao" },
	{ "MP", "Northern Mariana Islands" },
	{ "MQ", "Martinique" },
	{ "MR", "Mauritania" },
	{ "MS", "Montserrat" },
	{ "MT", "Malta" },
	{ "MU", "Mauritius" },
	{ "MV", "Maldives" },
	{ "MW", "Malawi" },
	{ "MX", "Mexico" },
	{ "MY", "Malaysia" },
	{ "MZ", "Mozambique" },
	{ "NA", "Namibia" },
	{ "NC", "New Caledonia" },
	{ "NE", "Niger" },
	{ "NF", "Norfolk Island" },
	{ "NG", "Nigeria" },
	{ "NI", "Nicaragua" },
	{ "NL", "Netherlands" },
	{ "NO", "Norway" },
	{ "NP", "Nepal" },
	{ "NR", "Nauru" },
	{ "NU", "Niue" },
	{ "NZ", "New Zealand" },
	{ "OM", "Oman" },
	{ "PA", "Panama" },
	{ "PE", "Peru" },
	{ "PF", "French Polynesia" },
	{ "PG", "Papua New Guinea" },
	{ "PH", "Philippines" },
	{ "PK", "Pakistan" },
	{ "PL", "Poland" },
	{ "PM", "Saint Pierre and Miquelon" },
	{ "PN", "Pitcairn Islands" },
	{ "PR", "Puerto Rico" },
	{ "PS", "Palestine" },
	{ "PT", "Portugal" },
	{ "PW", "Palau" },
	{ "PY", "Paraguay" },
	{ "QA", "Qatar" },
	{ "RE", "Réunion" },
	{ "RO", "Romania" },
	{ "RS", "Serbia" },
	{ "RU", "Russia" },
	{ "RW", "Rwanda" },
	{ "SA", "Saudi Arabia" },
	{ "SB", "Solomon Islands" },
	{ "SC", "Seychelles" },
	{ "SD", "Sudan" },
	{ "SE", "Sweden" },
	{ "SG", "Singapore" },
	{ "SH", "Saint Helena" },
	{ "SI", "Slovenia" },
	{ "SJ", "Svalbard and Jan Mayen" },
	{ "SK", "Slovakia" },
	{ "SL", "Sierra Leone" },
	{ "SM", "San Marino" },
	{ "SN", "Senegal" },
	{ "SO", "Somalia" },
	{ "SR", "Suriname" },
	{ "SS", "South Sudan" },
	{ "ST", "São Tomé and Príncipe" },
	{ "SV", "El Salvador" },
	{ "SX", "Sint Maarten" },
	{ "SY", "Syria" },
	{ "SZ", "Eswatini" },
	{ "TC", "Turks and Caicos Islands" },
	{ "TD", "Chad" },
	{ "TF", "French Southern Territories" },
	{ "TG", "Togo" },
	{ "TH", "Thailand" },
	{ "TJ", "Tajikistan" },
	{ "TK", "Tokelau" },
	{ "TL", "Timor-Leste" },
	{ "TM", "Turkmenistan" },
	{ "TN", "Tunisia" },
	{ "TO", "Tonga" },
	{ "TR", "Türkiye" },
	{ "TT", "Trinidad and Tobago" },
	{ "TV", "Tuvalu" },
	{ "TW", "Taiwan" },
	{ "TZ", "Tanzania" },
	{ "UA", "Ukraine" },
	{ "UG", "Uganda" },
	{ "UM", "U.S. Outlying Islands" },
	{ "US", "United States" },
	{ "UY", "Uruguay" },
	{ "UZ", "Uzbekistan" },
	{ "VA", "Vatican City" },
	{ "VC", "Saint Vincent and the Grenadines" },
	{ "VE", "Venezuela" },
	{ "VG", "British Virgin Islands" },
	{ "VI", "U.S. Virgin Islands" },
	{ "VN", "Vietnam" },
	{ "VU", "Vanuatu" },
	{ "WF", "Wallis and Futuna" },
	{ "WS", "Samoa" },
	{ "XK", "Kosovo" },
	{ "YE", "Yemen" },
	{ "YT", "Mayotte" },
	{ "ZA", "South Africa" },
	{ "ZM", "Zambia" },
	{ "ZW", "Zimbabwe" },
};

static const char *country_name(const char *code)
{
	size_t lo = 0, hi = sizeof(countries) / sizeof(countries[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(code, countries[mid].code);
		if (c == 0)
			return countries[mid].name;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

/* copy a UTF-8 string of n bytes (no NUL) into dst, cut on a character
 * boundary; stops at an embedded NUL.  Returns the length copied. */
static size_t copy_utf8(char *dst, size_t dstsz, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	if (nul != NULL)
		n = (size_t)(nul - s);
	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return n;
}

static void geo_clear(ap_geo *g)
{
	g->has_location = false;
	g->lat = g->lon = 0;
	g->asn = 0;
	g->country[0] = g->country_name[0] = g->city[0] = g->as_org[0] = '\0';
}

static unsigned geo_have(const ap_geo *g)
{
	unsigned m = 0;
	if (g->country[0])
		m |= F_COUNTRY;
	if (g->country_name[0])
		m |= F_CNAME;
	if (g->city[0])
		m |= F_CITY;
	if (g->has_location)
		m |= F_LOC;
	if (g->asn)
		m |= F_ASN;
	if (g->as_org[0])
		m |= F_ORG;
	return m;
}

/* fields a file with these roles may answer */
static unsigned role_fields(unsigned roles)
{
	unsigned m = 0;
	if (roles & (ROLE_COUNTRY | ROLE_CITY))
		m |= F_COUNTRY | F_CNAME;
	if (roles & ROLE_CITY)
		m |= F_CITY | F_LOC;
	if (roles & ROLE_ASN)
		m |= F_ASN | F_ORG;
	return m;
}

static int ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] != '\0') {
			char a = hay[i], b = needle[i];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* classifying a file                                                  */

static int has_key(MMDB_entry_s *e, int type, const char *k1, const char *k2)
{
	MMDB_entry_data_s d;
	int rc = k2 ? MMDB_get_value(e, &d, k1, k2, NULL) : MMDB_get_value(e, &d, k1, NULL);
	return rc == MMDB_SUCCESS && d.has_data && (type < 0 || (int)d.type == type);
}

/* OR the roles and schemas the keys of one data record show */
static void probe_record(MMDB_entry_s *e, unsigned *roles, unsigned *schema)
{
	if (has_key(e, MMDB_DATA_TYPE_MAP, "country", NULL)
	    || has_key(e, MMDB_DATA_TYPE_MAP, "registered_country", NULL)
	    || has_key(e, MMDB_DATA_TYPE_MAP, "continent", NULL)) {
		*schema |= SCHEMA_MAXMIND;
		*roles |= ROLE_COUNTRY;
	}
	if (has_key(e, MMDB_DATA_TYPE_MAP, "city", NULL)
	    || has_key(e, MMDB_DATA_TYPE_MAP, "location", NULL)) {
		*schema |= SCHEMA_MAXMIND;
		*roles |= ROLE_CITY;
	}
	if (has_key(e, MMDB_DATA_TYPE_UTF8_STRING, "country_code", NULL)) {
		*schema |= SCHEMA_FLAT;
		*roles |= ROLE_COUNTRY;
	}
	if (has_key(e, MMDB_DATA_TYPE_UTF8_STRING, "city", NULL)
	    || has_key(e, -1, "latitude", NULL)) {
		*schema |= SCHEMA_FLAT;
		*roles |= ROLE_CITY;
	}
	if (has_key(e, -1, "autonomous_system_number", NULL) || has_key(e, -1, "asn", NULL)
	    || has_key(e, -1, "autonomous_system_organization", NULL)
	    || has_key(e, -1, "as_org", NULL))
		*roles |= ROLE_ASN;
}

/* Visit up to `want` data records of the search tree (depth first, left
 * first) and probe their keys.  Bounded: a handful of samples, a few
 * thousand nodes at most. */
static void probe_tree(MMDB_s *db, unsigned *roles, unsigned *schema)
{
	uint32_t stack[300];
	size_t sp = 0;
	unsigned seen = 0, visits = 0;
	stack[sp++] = 0;
	while (sp > 0 && seen < 32 && visits < 20000) {
		uint32_t node = stack[--sp];
		MMDB_search_node_s sn;
		visits++;
		if (MMDB_read_node(db, node, &sn) != MMDB_SUCCESS)
			break;
		/* right first onto the stack so that the left side is seen first */
		uint64_t rec[2] = { sn.right_record, sn.left_record };
		uint8_t typ[2] = { sn.right_record_type, sn.left_record_type };
		MMDB_entry_s *ent[2] = { &sn.right_record_entry, &sn.left_record_entry };
		for (int i = 0; i < 2; i++) {
			if (typ[i] == MMDB_RECORD_TYPE_DATA) {
				probe_record(ent[i], roles, schema);
				seen++;
			} else if (typ[i] == MMDB_RECORD_TYPE_SEARCH_NODE
				   && sp < sizeof(stack) / sizeof(stack[0])) {
				stack[sp++] = (uint32_t)rec[i];
			}
		}
	}
}

/* does an IPv6 tree hold anything under ::/96 (where IPv4 lives)? */
static bool v6_has_v4(MMDB_s *db)
{
	uint32_t node = 0;
	for (int i = 0; i < 96; i++) {
		MMDB_search_node_s sn;
		if (MMDB_read_node(db, node, &sn) != MMDB_SUCCESS)
			return false;
		if (sn.left_record_type == MMDB_RECORD_TYPE_DATA)
			return true;
		if (sn.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
			return false;
		node = (uint32_t)sn.left_record;
	}
	return true;
}

/* open and classify; 0 ok, else why is set */
static int geofile_open(const char *path, geofile *f, char *why, size_t whysz)
{
	errno = 0;
	int rc = MMDB_open(path, MMDB_MODE_MMAP, &f->mmdb);
	if (rc != MMDB_SUCCESS) {
		if ((rc == MMDB_IO_ERROR || rc == MMDB_FILE_OPEN_ERROR) && errno != 0)
			snprintf(why, whysz, "%s (%s)", MMDB_strerror(rc), strerror(errno));
		else if (rc == MMDB_INVALID_METADATA_ERROR
			 || rc == MMDB_UNKNOWN_DATABASE_FORMAT_ERROR)
			snprintf(why, whysz, "not a MaxMind DB file (%s)", MMDB_strerror(rc));
		else
			snprintf(why, whysz, "%s", MMDB_strerror(rc));
		return -1;
	}
	const char *type = f->mmdb.metadata.database_type ? f->mmdb.metadata.database_type : "";
	unsigned roles = 0, schema = 0;
	if (ci_contains(type, "city"))
		roles |= ROLE_COUNTRY | ROLE_CITY;
	if (ci_contains(type, "country"))
		roles |= ROLE_COUNTRY;
	if (ci_contains(type, "asn") || ci_contains(type, "isp"))
		roles |= ROLE_ASN;
	if (ci_contains(type, "geoip2") || ci_contains(type, "geolite2")
	    || ci_contains(type, "dbip-"))
		schema |= SCHEMA_MAXMIND;
	probe_tree(&f->mmdb, &roles, &schema);
	if (schema == 0)
		schema = SCHEMA_MAXMIND | SCHEMA_FLAT;
	f->roles = roles;
	f->schema = schema;
	f->v6 = f->mmdb.metadata.ip_version == 6;
	f->v4 = f->mmdb.metadata.ip_version == 4 || (f->v6 && v6_has_v4(&f->mmdb));
	if (roles == 0 || !(f->v4 || f->v6)) {
		snprintf(why, whysz,
			 "database type '%s' holds no country, city or ASN data "
			 "(neither the GeoIP2/GeoLite2 nor the DB-IP/ip-location-db layout)",
			 type);
		MMDB_close(&f->mmdb);
		return -1;
	}
	return 0;
}

static void geofile_free(geofile *f)
{
	if (f == NULL)
		return;
	MMDB_close(&f->mmdb);
	free(f);
}

/* ------------------------------------------------------------------ */
/* open, close, reload                                                 */

ap_geodb *ap_geodb_open(const ap_config *cfg, ap_log_fn log, void *cookie, int *err)
{
	*err = 0;
	if (cfg->ngeo_files == 0)
		return NULL;
	ap_geodb *g = calloc(1, sizeof(*g));
	if (g == NULL)
		goto nomem;
	g->log = log;
	g->cookie = cookie;
	g->gen = 1;
	const char *lang = cfg->geo_language && cfg->geo_language[0] ? cfg->geo_language : "en";
	if (strlen(lang) >= sizeof(g->lang)) {
		ap_logf(log, cookie, AP_LOG_ERR, "geoip.language: '%s' is too long", lang);
		goto fail_nolock;
	}
	strcpy(g->lang, lang);
	if (pthread_rwlock_init(&g->lock, NULL) != 0)
		goto fail_nolock;
	g->paths = calloc(cfg->ngeo_files, sizeof(*g->paths));
	g->files = calloc(cfg->ngeo_files, sizeof(*g->files));
	if (g->paths == NULL || g->files == NULL)
		goto fail_nomem;
	g->n = cfg->ngeo_files;
	for (size_t i = 0; i < g->n; i++) {
		const char *p = cfg->geo_files[i];
		if (p == NULL || p[0] == '\0') {
			ap_logf(log, cookie, AP_LOG_ERR, "geoip.files: entry %zu is empty", i + 1);
			goto fail;
		}
		g->paths[i] = strdup(p);
		g->files[i] = calloc(1, sizeof(geofile));
		if (g->paths[i] == NULL || g->files[i] == NULL)
			goto fail_nomem;
		char why[512];
		if (geofile_open(p, g->files[i], why, sizeof(why)) != 0) {
			/* an optional resource never switches the action off: run
			 * without this file (scopes are still set) and try it again
			 * at every HUP */
			free(g->files[i]);
			g->files[i] = NULL;
			ap_logf(log, cookie, AP_LOG_WARNING,
				"geoip.files: cannot use '%s': %s; "
				"running without it, tried again at every HUP",
				p, why);
		}
	}
	return g;
fail_nomem:
	ap_logf(log, cookie, AP_LOG_ERR, "geoip: out of memory");
fail:
	ap_geodb_close(g);
	*err = 1;
	return NULL;
fail_nolock:
	free(g);
	*err = 1;
	return NULL;
nomem:
	ap_logf(log, cookie, AP_LOG_ERR, "geoip: out of memory");
	*err = 1;
	return NULL;
}

void ap_geodb_close(ap_geodb *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++) {
		if (g->files)
			geofile_free(g->files[i]);
		if (g->paths)
			free(g->paths[i]);
	}
	free(g->files);
	free(g->paths);
	pthread_rwlock_destroy(&g->lock);
	free(g);
}

size_t ap_geodb_missing(ap_geodb *g)
{
	size_t n = 0;
	if (g == NULL)
		return 0;
	pthread_rwlock_rdlock(&g->lock);
	for (size_t i = 0; i < g->n; i++)
		n += g->files[i] == NULL;
	pthread_rwlock_unlock(&g->lock);
	return n;
}

int ap_geodb_reload(ap_geodb *g)
{
	if (g == NULL)
		return 0;
	geofile **fresh = calloc(g->n, sizeof(*fresh));
	if (fresh == NULL) {
		ap_logf(g->log, g->cookie, AP_LOG_ERR,
			"geoip: reload: out of memory; "
			"still using the databases loaded before");
		return (int)g->n;
	}
	int failed = 0, opened = 0;
	for (size_t i = 0; i < g->n; i++) {
		char why[512];
		fresh[i] = calloc(1, sizeof(geofile));
		if (fresh[i] == NULL) {
			snprintf(why, sizeof(why), "out of memory");
		} else if (geofile_open(g->paths[i], fresh[i], why, sizeof(why)) != 0) {
			free(fresh[i]);
			fresh[i] = NULL;
		} else {
			opened++;
			continue;
		}
		failed++;
		/* files[i] is read without the lock here: only reload, which
		 * HUP runs one at a time, writes it */
		if (g->files[i] != NULL)
			ap_logf(g->log, g->cookie, AP_LOG_ERR,
				"geoip: reload of '%s' failed: %s; "
				"still using the database loaded before",
				g->paths[i], why);
		else
			ap_logf(g->log, g->cookie, AP_LOG_ERR,
				"geoip: '%s' still cannot be used: %s; "
				"running without it",
				g->paths[i], why);
	}
	if (opened > 0) {
		pthread_rwlock_wrlock(&g->lock);
		for (size_t i = 0; i < g->n; i++) {
			if (fresh[i] != NULL) {
				geofile *old = g->files[i];
				g->files[i] = fresh[i];
				fresh[i] = old; /* closed below, outside the lock */
			}
		}
		__atomic_add_fetch(&g->gen, 1, __ATOMIC_RELEASE);
		if (g->gen == 0) /* 0 marks empty cache entries */
			__atomic_add_fetch(&g->gen, 1, __ATOMIC_RELEASE);
		pthread_rwlock_unlock(&g->lock);
		for (size_t i = 0; i < g->n; i++)
			geofile_free(fresh[i]);
		ap_logf(g->log, g->cookie, AP_LOG_INFO, "geoip: reloaded %d of %zu database(s)",
			opened, g->n);
	}
	free(fresh);
	return failed;
}

/* ------------------------------------------------------------------ */
/* cache                                                               */

ap_geocache *ap_geocache_new(ap_geodb *g, uint32_t size)
{
	if (size == 0)
		return NULL;
	if (size > (1u << 20))
		size = 1u << 20;
	uint32_t n = 1, bits = 0;
	while (n < size) {
		n <<= 1;
		bits++;
	}
	ap_geocache *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(centry));
	if (c == NULL)
		return NULL;
	c->g = g;
	c->mask = n - 1;
	c->shift = 64 - bits;
	return c;
}

void ap_geocache_free(ap_geocache *c)
{
	free(c);
}

void ap_geocache_counts(const ap_geocache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}

static uint32_t cache_slot(const ap_geocache *c, const ap_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	uint64_t h = (x ^ (y * 0xc2b2ae3d27d4eb4fULL) ^ a->family) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return c->shift >= 64 ? 0 : (uint32_t)(h >> c->shift) & c->mask;
}

/* ------------------------------------------------------------------ */
/* lookup                                                              */

static int get_str(MMDB_entry_s *e, const char *const *path, const char **s, size_t *n)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data
	    || d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0)
		return 0;
	*s = d.utf8_string;
	*n = d.data_size;
	return 1;
}

static int get_num(MMDB_entry_s *e, const char *const *path, double *out)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
		return 0;
	switch (d.type) {
	case MMDB_DATA_TYPE_DOUBLE: *out = d.double_value; break;
	case MMDB_DATA_TYPE_FLOAT: *out = d.float_value; break;
	case MMDB_DATA_TYPE_INT32: *out = d.int32; break;
	case MMDB_DATA_TYPE_UINT16: *out = d.uint16; break;
	case MMDB_DATA_TYPE_UINT32: *out = d.uint32; break;
	default: return 0;
	}
	return isfinite(*out);
}

/* an AS number as an integer or as "15169" / "AS15169" */
static uint32_t get_asn(MMDB_entry_s *e, const char *const *path)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
		return 0;
	uint64_t v = 0;
	switch (d.type) {
	case MMDB_DATA_TYPE_UINT16: return d.uint16;
	case MMDB_DATA_TYPE_UINT32: return d.uint32;
	case MMDB_DATA_TYPE_INT32: return d.int32 > 0 ? (uint32_t)d.int32 : 0;
	case MMDB_DATA_TYPE_UINT64: return d.uint64 <= UINT32_MAX ? (uint32_t)d.uint64 : 0;
	case MMDB_DATA_TYPE_UTF8_STRING: {
		const char *s = d.utf8_string;
		size_t n = d.data_size, i = 0;
		if (n >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
			i = 2;
		if (i == n)
			return 0;
		for (; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return 0;
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > UINT32_MAX)
				return 0;
		}
		return (uint32_t)v;
	}
	default: return 0;
	}
}

static void set_country(ap_geo *out, const char *s, size_t n)
{
	if (n != 2)
		return;
	char c0 = s[0], c1 = s[1];
	if (c0 >= 'a' && c0 <= 'z')
		c0 = (char)(c0 - 'a' + 'A');
	if (c1 >= 'a' && c1 <= 'z')
		c1 = (char)(c1 - 'a' + 'A');
	if (c0 < 'A' || c0 > 'Z' || c1 < 'A' || c1 > 'Z')
		return;
	if (c0 == 'Z' && c1 == 'Z') /* "unknown" in several databases */
		return;
	out->country[0] = c0;
	out->country[1] = c1;
	out->country[2] = '\0';
}

/* a name from "<obj>.names.<lang>", falling back to "en" */
static int get_name(MMDB_entry_s *e, const char *obj, const char *lang, const char **s, size_t *n)
{
	const char *p1[] = { obj, "names", lang, NULL };
	if (get_str(e, p1, s, n))
		return 1;
	if (strcmp(lang, "en") == 0)
		return 0;
	const char *p2[] = { obj, "names", "en", NULL };
	return get_str(e, p2, s, n);
}

/* ask one file for the fields in `want`; fills what it finds */
static void lookup_file(geofile *f, const ap_addr *a, const char *lang, unsigned want, ap_geo *out)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} u;
	memset(&u, 0, sizeof(u));
	if (a->family == 4) {
		u.in4.sin_family = AF_INET;
		memcpy(&u.in4.sin_addr, a->b, 4);
	} else {
		u.in6.sin6_family = AF_INET6;
		memcpy(&u.in6.sin6_addr, a->b, 16);
	}
	int mmerr = MMDB_SUCCESS;
	MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&f->mmdb, &u.sa, &mmerr);
	if (mmerr != MMDB_SUCCESS || !r.found_entry)
		return;
	MMDB_entry_s *e = &r.entry;
	const char *s;
	size_t n;
	bool mm = (f->schema & SCHEMA_MAXMIND) != 0, flat = (f->schema & SCHEMA_FLAT) != 0;

	if (want & F_COUNTRY) {
		static const char *const pm[] = { "country", "iso_code", NULL };
		static const char *const pf[] = { "country_code", NULL };
		if ((mm && get_str(e, pm, &s, &n)) || (flat && get_str(e, pf, &s, &n)))
			set_country(out, s, n);
	}
	if ((want & F_CNAME) && mm && get_name(e, "country", lang, &s, &n))
		copy_utf8(out->country_name, sizeof(out->country_name), s, n);
	if (want & F_CITY) {
		static const char *const pf[] = { "city", NULL };
		if ((mm && get_name(e, "city", lang, &s, &n)) || (flat && get_str(e, pf, &s, &n)))
			copy_utf8(out->city, sizeof(out->city), s, n);
	}
	if (want & F_LOC) {
		static const char *const pmla[] = { "location", "latitude", NULL };
		static const char *const pmlo[] = { "location", "longitude", NULL };
		static const char *const pfla[] = { "latitude", NULL };
		static const char *const pflo[] = { "longitude", NULL };
		double la, lo;
		if (((mm && get_num(e, pmla, &la) && get_num(e, pmlo, &lo))
		     || (flat && get_num(e, pfla, &la) && get_num(e, pflo, &lo)))
		    && la >= -90 && la <= 90 && lo >= -180 && lo <= 180) {
			out->lat = la;
			out->lon = lo;
			out->has_location = true;
		}
	}
	if (want & F_ASN) {
		static const char *const p1[] = { "autonomous_system_number", NULL };
		static const char *const p2[] = { "asn", NULL };
		uint32_t v = get_asn(e, p1);
		if (v == 0)
			v = get_asn(e, p2);
		out->asn = v;
	}
	if (want & F_ORG) {
		static const char *const p1[] = { "autonomous_system_organization", NULL };
		static const char *const p2[] = { "as_org", NULL };
		static const char *const p3[] = { "as_name", NULL };
		if (get_str(e, p1, &s, &n) || get_str(e, p2, &s, &n) || get_str(e, p3, &s, &n))
			copy_utf8(out->as_org, sizeof(out->as_org), s, n);
	}
}

static void lookup_all(ap_geodb *g, const ap_addr *a, ap_geo *out)
{
	for (size_t i = 0; i < g->n; i++) {
		geofile *f = g->files[i];
		if (f == NULL || (a->family == 4 ? !f->v4 : !f->v6))
			continue;
		unsigned want = role_fields(f->roles) & ~geo_have(out);
		if (want == 0)
			continue;
		lookup_file(f, a, g->lang, want, out);
		if (geo_have(out) == F_ALL)
			break;
	}
	if (out->country[0] && !out->country_name[0]) {
		const char *name = country_name(out->country);
		if (name != NULL)
			copy_utf8(out->country_name, sizeof(out->country_name), name, strlen(name));
	}
}

void ap_geo_lookup(ap_geodb *g, ap_geocache *c, const ap_addr *a, ap_geo *out, ap_stats *st)
{
	uint8_t scope = (uint8_t)ap_addr_scope(a);
	geo_clear(out);
	out->scope = scope;
	if (g == NULL || scope != AP_SCOPE_PUBLIC || (a->family != 4 && a->family != 6))
		return;
	centry *ce = NULL;
	if (c != NULL && c->g == g) {
		ce = &c->e[cache_slot(c, a)];
		uint32_t gen = __atomic_load_n(&g->gen, __ATOMIC_ACQUIRE);
		if (ce->gen == gen && ce->family == a->family && memcmp(ce->b, a->b, 16) == 0) {
			*out = ce->geo;
			c->hits++;
			goto count;
		}
		c->misses++;
	}
	pthread_rwlock_rdlock(&g->lock);
	uint32_t gen = __atomic_load_n(&g->gen, __ATOMIC_RELAXED);
	lookup_all(g, a, out);
	pthread_rwlock_unlock(&g->lock);
	if (ce != NULL) {
		ce->gen = gen;
		ce->family = a->family;
		memcpy(ce->b, a->b, 16);
		ce->geo = *out;
	}
count:
	if (geo_have(out) != 0)
		AP_STAT_INC(st, geo_hits);
	else
		AP_STAT_INC(st, geo_misses);
}
