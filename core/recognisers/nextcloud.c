/* nextcloud.c - Nextcloud (and ownCloud) login events: the JSON log
 * (nextcloud.log, and the admin_audit app's audit.log) read by imfile
 * with tag nextcloud, or log_type=syslog (ident Nextcloud/ownCloud, the
 * message "{app} text").  Service http.
 *
 *   {"reqId":"...","level":2,"time":"2024-01-01T10:00:00+00:00","remoteAddr":"ADDR","user":"--",
 *    "app":"core","method":"POST","url":"/login","message":"Login failed: 'U' (Remote IP: 'ADDR')",...}
 *       failure (User\Manager::checkPassword: wrong password or unknown user)
 *   ... "app":"admin_audit", "message":"Login failed: \"U\""        failure
 *   ... "app":"admin_audit", "message":"Login successful: \"U\""    success
 *   {core} Login failed: 'U' (Remote IP: 'ADDR')                      failure (syslog)
 * A "time" with a zone is the event's time.
 *
 * Which address.  Both "remoteAddr" and the "(Remote IP: '...')" of the
 * message are IRequest::getRemoteAddress(): REMOTE_ADDR, or the address
 * the admin's trusted_proxies/forwarded_for_headers settings picked.
 * remoteAddr is a field of its own: it is the one taken; the message's is
 * used only without it (syslog).
 *
 * Threat model.  The login name, the URL and the user agent are the
 * client's.  In the JSON log every value is a JSON string (json_encode: a
 * quote or backslash inside is escaped), so the record is read key by
 * key with a JSON tokenizer: no value can pose as another key.  Inside
 * the message the login name comes between "Login failed: '" and the
 * last "' (Remote IP: '" (it may hold "')" or the whole suffix); JSON
 * escapes in it (\", \\, \/, \uXXXX) are decoded into the event's scratch
 * buffer.  In the syslog form the address is the message's end, after
 * the last "' (Remote IP: '".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* a JSON string at c (c on the opening quote): the raw content span; the
 * cursor moves past the closing quote */
static int json_string(ap_cur *c, ap_span *out)
{
	if (!AP_EAT(c, "\""))
		return 0;
	const char *s = c->p;
	while (c->p < c->e) {
		if (*c->p == '\\') {
			if (c->e - c->p < 2)
				break;
			c->p += 2;
			continue;
		}
		if (*c->p == '"') {
			*out = ap_span_make(s, (size_t)(c->p - s));
			c->p++;
			return 1;
		}
		c->p++;
	}
	c->p = c->e;
	return 0;
}

static void json_ws(ap_cur *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* skip any JSON value at c; *str is its content when it is a string */
static int json_value(ap_cur *c, ap_span *str, int *is_str)
{
	*is_str = 0;
	if (AP_AT(c, "\"")) {
		*is_str = 1;
		return json_string(c, str);
	}
	if (AP_AT(c, "{") || AP_AT(c, "[")) {
		int depth = 0;
		while (c->p < c->e) {
			char ch = *c->p;
			if (ch == '"') {
				ap_span dummy;
				if (!json_string(c, &dummy))
					return 0;
				continue;
			}
			if (ch == '{' || ch == '[')
				depth++;
			else if (ch == '}' || ch == ']') {
				if (--depth == 0) {
					c->p++;
					return 1;
				}
			}
			c->p++;
		}
		return 0;
	}
	const char *s = c->p;
	while (c->p < c->e && *c->p != ',' && *c->p != '}' && *c->p != ' ')
		c->p++;
	return c->p > s;
}

static int hex4(const char *p, const char *e, unsigned *v)
{
	if (e - p < 4)
		return 0;
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int h = ap_hexval(p[i]);
		if (h < 0)
			return 0;
		*v = (*v << 4) | (unsigned)h;
	}
	return 1;
}

/* the user name from JSON string content: as is without a backslash,
 * else decoded into ev->scratch */
static void set_json_user(ap_event *ev, const char *p, size_t n)
{
	if (memchr(p, '\\', n) == NULL) {
		ap_set_user(ev, p, n);
		return;
	}
	char *o = ev->scratch;
	size_t k = 0, cap = sizeof(ev->scratch);
	const char *e = p + n;
	while (p < e && k + 4 <= cap) {
		if (*p != '\\' || p + 1 >= e) {
			o[k++] = *p++;
			continue;
		}
		char esc = p[1];
		p += 2;
		unsigned cp;
		switch (esc) {
		case 'n': o[k++] = '\n'; break;
		case 't': o[k++] = '\t'; break;
		case 'r': o[k++] = '\r'; break;
		case 'b': o[k++] = '\b'; break;
		case 'f': o[k++] = '\f'; break;
		case 'u':
			if (!hex4(p, e, &cp)) {
				o[k++] = '?';
				break;
			}
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && e - p >= 6 && p[0] == '\\'
			    && p[1] == 'u') {
				unsigned lo;
				if (hex4(p + 2, e, &lo) && lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000) {
				o[k++] = '?';
			} else if (cp < 0x80) {
				o[k++] = (char)cp;
			} else if (cp < 0x800) {
				o[k++] = (char)(0xC0 | (cp >> 6));
				o[k++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				o[k++] = (char)(0xE0 | (cp >> 12));
				o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				o[k++] = (char)(0x80 | (cp & 0x3F));
			} else {
				o[k++] = (char)(0xF0 | (cp >> 18));
				o[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				o[k++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		default: o[k++] = esc; break; /* \" \\ \/ */
		}
	}
	ap_set_user(ev, o, k);
}

static const char rip[] = "' (Remote IP: '";

/* "Login failed: 'U' (Remote IP: 'ADDR')" (raw JSON content or syslog
 * text); sets the address from the message when want_addr */
static int core_failed(ap_event *ev, ap_span m, int want_addr, int json)
{
	if (!AP_HAS_PREFIX(m.p, m.n, "Login failed: '") || !AP_HAS_ISUFFIX(m.p, m.n, "')"))
		return 0;
	const char *u = m.p + AP_LEN("Login failed: '"), *e = m.p + m.n - AP_LEN("')");
	if (e < u)
		return 0;
	const char *r = AP_MEMRMEM(u, (size_t)(e - u), rip);
	if (r == NULL)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	if (json)
		set_json_user(ev, u, (size_t)(r - u));
	else
		ap_set_user(ev, u, (size_t)(r - u));
	const char *a = r + AP_LEN(rip);
	if (want_addr && e > a && memchr(a, '\'', (size_t)(e - a)) == NULL)
		ap_set_ip(&ev->ip, a, (size_t)(e - a));
	return 1;
}

static void iso_time(ap_event *ev, ap_span t)
{
	int64_t v;
	size_t n = ap_parse_ymdhms(t.p, t.n, 'T', &v);
	if (n == 0)
		return;
	if (n + 6 == t.n && (t.p[n] == '+' || t.p[n] == '-') && t.p[n + 3] == ':') {
		int oh, om;
		if (ap_digits(t.p + n + 1, 2, &oh) && ap_digits(t.p + n + 4, 2, &om))
			ev->time = v - (t.p[n] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	} else if (n + 1 == t.n && t.p[n] == 'Z') {
		ev->time = v;
	}
}

static int rec_json(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!AP_EAT(&c, "{"))
		return 0;
	ap_span msg = { NULL, 0 }, addr = { NULL, 0 }, app = { NULL, 0 }, tm = { NULL, 0 };
	int have_msg = 0, have_addr = 0;
	for (;;) {
		json_ws(&c);
		if (AP_EAT(&c, "}"))
			break;
		ap_span key, val;
		int is_str;
		if (!json_string(&c, &key))
			return 0;
		json_ws(&c);
		if (!AP_EAT(&c, ":"))
			return 0;
		json_ws(&c);
		if (!json_value(&c, &val, &is_str))
			return 0;
		if (is_str) {
			if (AP_SPAN_IS(key, "message") && !have_msg) {
				msg = val;
				have_msg = 1;
			} else if (AP_SPAN_IS(key, "remoteAddr") && !have_addr) {
				addr = val;
				have_addr = 1;
			} else if (AP_SPAN_IS(key, "app")) {
				app = val;
			} else if (AP_SPAN_IS(key, "time")) {
				tm = val;
			}
		}
		json_ws(&c);
		if (AP_EAT(&c, ","))
			continue;
		if (AP_EAT(&c, "}"))
			break;
		return 0;
	}
	if (!have_msg)
		return 0;
	if (AP_SPAN_IS(app, "admin_audit")) {
		int ok = 0;
		const char *u = NULL;
		if (AP_HAS_PREFIX(msg.p, msg.n, "Login successful: \\\"")) {
			ev->outcome = AP_OUT_SUCCESS;
			u = msg.p + AP_LEN("Login successful: \\\"");
			ok = 1;
		} else if (AP_HAS_PREFIX(msg.p, msg.n, "Login failed: \\\"")) {
			ev->outcome = AP_OUT_FAILURE;
			u = msg.p + AP_LEN("Login failed: \\\"");
			ok = 1;
		}
		if (!ok || !AP_HAS_ISUFFIX(msg.p, msg.n, "\\\"")
		    || msg.p + msg.n - AP_LEN("\\\"") < u)
			return 0;
		set_json_user(ev, u, (size_t)(msg.p + msg.n - AP_LEN("\\\"") - u));
	} else if (!core_failed(ev, msg, !have_addr, 1)) {
		return 0;
	}
	if (have_addr && addr.n > 0)
		ap_set_ip(&ev->ip, addr.p, addr.n);
	if (tm.n > 0)
		iso_time(ev, tm);
	return 1;
}

static int rec_nextcloud(const ap_line *ln, ap_event *ev)
{
	ev->daemon = "nextcloud";
	ev->service = "http";
	if (ln->len > 0 && ln->msg[0] == '{' && ln->len > 1 && ln->msg[1] == '"')
		return rec_json(ln, ev);
	/* syslog: "{app} message" */
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	if (AP_EAT(&c, "{")) {
		ap_span app;
		if (!ap_cur_until(&c, '}', &app) || app.n > 64)
			return 0;
		c.p++;
		ap_cur_skip_blanks(&c);
	}
	return core_failed(ev, ap_span_make(c.p, ap_cur_left(&c)), 1, 0);
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_nextcloud = {
	AP_FAM_NEXTCLOUD,
	"nextcloud",
	rec_nextcloud,
	(const char *const[]){ "nextcloud", "owncloud", NULL },
};
