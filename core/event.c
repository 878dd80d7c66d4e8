/* event.c - event defaults, user escaping, service names and the
 * event-to-JSON step. */
#include <json.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

void ap_event_init(ap_event *ev)
{
	/* scratch is written before it is pointed at: not cleared (this runs
	 * for every recogniser tried on a line) */
	memset(ev, 0, offsetof(ap_event, scratch));
	ev->tls = -1;
	ev->port = -1;
	ev->attempts = -1;
	ev->count = -1;
	ev->window = -1;
}

static const char *const family_names[AP_FAM__COUNT] = {
	[AP_FAM_NONE] = NULL,
	[AP_FAM_VPOPMAIL] = "vpopmail",
	[AP_FAM_DOVECOT] = "dovecot",
	[AP_FAM_POSTFIX] = "postfix",
	[AP_FAM_COURIER] = "courier",
	[AP_FAM_EXIM] = "exim",
	[AP_FAM_CPANEL] = "cpanel",
	[AP_FAM_XEAMS] = "xeams",
	[AP_FAM_LFD] = "lfd",
	[AP_FAM_SSHD] = "sshd",
	[AP_FAM_CYRUS] = "cyrus",
	[AP_FAM_SENDMAIL] = "sendmail",
	[AP_FAM_UWIMAP] = "uw-imap",
	[AP_FAM_ROUNDCUBE] = "roundcube",
	[AP_FAM_HORDE] = "horde",
	[AP_FAM_SOLIDPOP3D] = "solid-pop3d",
	[AP_FAM_PERDITION] = "perdition",
	[AP_FAM_PAM] = "pam",
};

const char *ap_family_name(ap_family f)
{
	return (f > AP_FAM_NONE && f < AP_FAM__COUNT) ? family_names[f] : NULL;
}

ap_family ap_family_from_name(const char *name, size_t len)
{
	for (int f = 1; f < AP_FAM__COUNT; f++)
		if (ap_span_ieq(ap_span_make(name, len), family_names[f], strlen(family_names[f])))
			return (ap_family)f;
	return AP_FAM_NONE;
}

const char *ap_detector_name(ap_detector d)
{
	static const char *const n[AP_DET__COUNT] = {
		"bruteforce", "dictionary", "distributed", "compromise", "insecure"
	};
	return (unsigned)d < AP_DET__COUNT ? n[d] : NULL;
}

static const char *const outcome_names[] = { NULL, "success", "failure", "unknown" };
static const char *const reason_names[] = {
	NULL, "bad_password", "unknown_user", "no_password", "bad_token",
	"disabled", "aborted", "other"
};

const char *ap_service_from_word(const char *p, size_t n, int8_t *tls)
{
	static const struct { const char *w; const char *svc; int8_t tls; } map[] = {
		{ "pop3", "pop3", -1 }, { "pop3s", "pop3", 1 }, { "pop", "pop3", -1 },
		{ "pop3d", "pop3", -1 }, { "pop3d-ssl", "pop3", 1 },
		{ "imap", "imap", -1 }, { "imaps", "imap", 1 }, { "imap4", "imap", -1 },
		{ "imap4s", "imap", 1 }, { "imapd", "imap", -1 }, { "imapd-ssl", "imap", 1 },
		{ "smtp", "smtp", -1 }, { "smtps", "smtp", 1 }, { "smtpauth", "smtp", -1 },
		{ "esmtp", "smtp", -1 },
		{ "submission", "submission", -1 }, { "submissions", "submission", 1 },
		{ "webmail", "webmail", -1 }, { "http", "http", -1 }, { "https", "http", 1 },
		{ "sieve", "sieve", -1 }, { "managesieve", "sieve", -1 },
		{ "ssh", "ssh", -1 }, { "sshd", "ssh", -1 },
		{ "cpanel", "cpanel", -1 }, { "whm", "whm", -1 },
		{ "ftp", "ftp", -1 }, { "ftps", "ftp", 1 },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (ap_span_ieq(ap_span_make(p, n), map[i].w, strlen(map[i].w))) {
			if (map[i].tls == 1 && tls != NULL)
				*tls = 1;
			return map[i].svc;
		}
	}
	return NULL;
}

/* length of a valid UTF-8 sequence at p (1..4), 0 if invalid */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t min;
	uint32_t cp;
	if ((c & 0xe0) == 0xc0) { len = 2; min = 0x80; cp = c & 0x1f; }
	else if ((c & 0xf0) == 0xe0) { len = 3; min = 0x800; cp = c & 0x0f; }
	else if ((c & 0xf8) == 0xf0) { len = 4; min = 0x10000; cp = c & 0x07; }
	else return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t ap_escape_text(const char *p, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t o = 0, i = 0;
	if (outsz == 0)
		return 0;
	while (i < n) {
		/* printable ASCII, the common case, is copied as it is */
		size_t run = 0, room = outsz - 1 - o;
		while (i + run < n && run < room && s[i + run] >= 0x20 && s[i + run] < 0x7f)
			run++;
		memcpy(out + o, s + i, run);
		o += run;
		i += run;
		if (i >= n || o + 1 >= outsz)
			break;
		size_t l = utf8_len(s + i, n - i);
		if (l == 0 || (l == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 15];
			i++;
			continue;
		}
		if (o + l >= outsz)
			break;
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return o;
}

size_t ap_escape_user(const char *p, size_t n, char *buf)
{
	return ap_escape_text(p, n, buf, AP_USER_MAX + 1);
}

static void add_str(struct fjson_object *o, const char *k, const char *v, size_t n)
{
	AP_JSON_ADD(o, k, json_object_new_string_len(v, (int)n));
}

static void add_cstr(struct fjson_object *o, const char *k, const char *v)
{
	AP_JSON_ADD(o, k, json_object_new_string(v));
}

static void add_span_case(struct fjson_object *o, const char *k, ap_span s, int upper)
{
	char buf[256];
	size_t n = 0;
	for (uint32_t i = 0; i < s.n && n < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c >= 0x7f)
			continue;	/* mech, domain: ASCII only */
		if (upper && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		buf[n++] = (char)c;
	}
	if (n > 0)
		add_str(o, k, buf, n);
}

/* plain printable text (rdns, session): control bytes dropped, capped */
static void add_span_text(struct fjson_object *o, const char *k, ap_span s)
{
	char buf[AP_USER_MAX + 1];
	size_t n = ap_escape_user(s.p, s.n, buf);
	if (n > 0)
		add_str(o, k, buf, n);
}

struct fjson_object *ap_result_json(const ap_result *res)
{
	const ap_event *ev = &res->ev;
	struct fjson_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	char ipbuf[64];

	add_cstr(o, "kind", ev->kind == AP_KIND_BLOCK ? "block" : "auth");
	if (ev->kind == AP_KIND_AUTH && ev->outcome > 0 && ev->outcome <= AP_OUT_UNKNOWN)
		add_cstr(o, "outcome", outcome_names[ev->outcome]);
	if (ev->reason > 0 && ev->reason <= AP_R_OTHER)
		add_cstr(o, "reason", reason_names[ev->reason]);
	add_cstr(o, "daemon", ev->daemon ? ev->daemon : "unknown");
	if (ev->service)
		add_cstr(o, "service", ev->service);
	if (ev->tls >= 0)
		AP_JSON_ADD(o, "tls", json_object_new_boolean(ev->tls));
	if (ev->mech.n)
		add_span_case(o, "mech", ev->mech, 1);
	if (ev->user.n) {
		char ubuf[AP_USER_MAX + 1];
		size_t un = ap_escape_user(ev->user.p, ev->user.n, ubuf);
		if (un > 0)
			add_str(o, "user", ubuf, un);
		const char *at = ap_memrmem(ev->user.p, ev->user.n, "@", 1);
		if (at != NULL) {
			size_t dn = ev->user.n - (size_t)(at + 1 - ev->user.p);
			if (dn > 0)
				add_span_case(o, "domain", ap_span_make(at + 1, dn), 0);
		}
	}
	if (ev->ip.family) {
		ap_addr_format(&ev->ip, ipbuf, sizeof(ipbuf));
		add_cstr(o, "ip", ipbuf);
	}
	if (ev->port >= 0)
		AP_JSON_ADD(o, "port", json_object_new_int(ev->port));
	if (ev->rdns.n && !AP_SPAN_IS(ev->rdns, "unknown"))
		add_span_text(o, "rdns", ev->rdns);
	if (ev->server_ip.family) {
		ap_addr_format(&ev->server_ip, ipbuf, sizeof(ipbuf));
		add_cstr(o, "server_ip", ipbuf);
	}
	if (ev->session.n)
		add_span_text(o, "session", ev->session);
	if (ev->attempts >= 0)
		AP_JSON_ADD(o, "attempts", json_object_new_int(ev->attempts));
	if (ev->time > 0) {
		/* the line's own time stamp (file formats), UTC */
		char tb[32];
		int64_t t = ev->time, days = t / 86400, sec = t % 86400;
		/* civil date from days since 1970-01-01 (H. Hinnant's algorithm) */
		int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
		unsigned doe = (unsigned)(z - era * 146097);
		unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t y = (int64_t)yoe + era * 400;
		unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
		unsigned m = mp < 10 ? mp + 3 : mp - 9;
		y += m <= 2;
		int n = snprintf(tb, sizeof(tb), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m, d,
				 (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60));
		if (n > 0 && (size_t)n < sizeof(tb))
			add_str(o, "event_time", tb, (size_t)n);
	}
	if (ev->password_redacted)
		AP_JSON_ADD(o, "password_redacted", json_object_new_boolean(1));
	if (ev->kind == AP_KIND_BLOCK) {
		if (ev->count >= 0)
			AP_JSON_ADD(o, "count", json_object_new_int64(ev->count));
		if (ev->window >= 0)
			AP_JSON_ADD(o, "window", json_object_new_int64(ev->window));
	}
	if (ev->ip.family) {
		struct fjson_object *g = json_object_new_object();
		if (g != NULL) {
			ap_geo_to_json(g, &res->geo);
			AP_JSON_ADD(o, "geo", g);
		}
	}
	ap_alerts_to_json(o, &res->alerts);
	return o;
}

size_t ap_redact(const ap_event *ev, const char *msg, size_t msglen, char *dst, size_t dstsz)
{
	size_t need = 0, o = 0, pos = 0;
	const size_t rl = sizeof(AP_REDACTED) - 1;
#define EMIT(src, len) do { \
		size_t l_ = (len); \
		if (o < dstsz) { size_t c_ = dstsz - 1 - o; if (c_ > l_) c_ = l_; \
			memcpy(dst + o, (src), c_); o += c_; } \
		need += l_; } while (0)
	for (unsigned i = 0; i < ev->nredact; i++) {
		uint32_t off = ev->redact[i].off, len = ev->redact[i].len;
		if (off < pos || off > msglen || len > msglen - off)
			continue;
		EMIT(msg + pos, off - pos);
		EMIT(AP_REDACTED, rl);
		pos = off + len;
	}
	EMIT(msg + pos, msglen - pos);
#undef EMIT
	if (dstsz > 0)
		dst[o < dstsz ? o : dstsz - 1] = '\0';
	return need;
}
