/* read.c - reading events back: one JSON line into a rec (to_rec), a
 * stream of lines (events, or raw log run through the parser) into the
 * report's model (read_stream), and the parser for raw input with its
 * options (raw_setup); read.h describes the accepted lines.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authparse.h"
#include "common.h"
#include "model.h"
#include "read.h"

/* ------------------------------------------------------------------ */
/* reading one JSON line into a rec                                    */

static struct fjson_object *member(struct fjson_object *o, const char *k)
{
	struct fjson_object *v = NULL;
	if (o == NULL || !json_object_is_type(o, fjson_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

/* a string member, sanitised into out; 1 if present */
static int get_str(struct fjson_object *o, const char *k, char *out, size_t outsz)
{
	struct fjson_object *v = member(o, k);
	out[0] = '\0';
	if (v == NULL || !json_object_is_type(v, fjson_type_string))
		return 0;
	const char *s = json_object_get_string(v);
	int n = json_object_get_string_len(v);
	if (s == NULL || n <= 0)
		return 0;
	ap_escape_text(s, (size_t)n, out, outsz);
	return 1;
}

static long long get_int(struct fjson_object *o, const char *k, long long dflt)
{
	struct fjson_object *v = member(o, k);
	if (v == NULL)
		return dflt;
	if (json_object_is_type(v, fjson_type_int))
		return (long long)json_object_get_int64(v);
	if (json_object_is_type(v, fjson_type_double))
		return (long long)json_object_get_double(v);
	return dflt;
}

static void read_related(rec *r, struct fjson_object *arr)
{
	if (arr == NULL || !json_object_is_type(arr, fjson_type_array))
		return;
	int n = json_object_array_length(arr);
	for (int i = 0; i < n && r->nrel < MAX_REL; i++) {
		struct fjson_object *it = json_object_array_get_idx(arr, i);
		if (it == NULL)
			continue;
		int k = r->nrel;
		r->rel[k].user[0] = r->rel[k].service[0] = '\0';
		r->rel[k].count = -1;
		if (json_object_is_type(it, fjson_type_string)) {
			const char *s = json_object_get_string(it);
			int sl = json_object_get_string_len(it);
			if (s == NULL || sl <= 0)
				continue;
			ap_escape_text(s, (size_t)sl, r->rel[k].user, sizeof(r->rel[k].user));
		} else if (json_object_is_type(it, fjson_type_object)) {
			get_str(it, "user", r->rel[k].user, sizeof(r->rel[k].user));
			get_str(it, "service", r->rel[k].service, sizeof(r->rel[k].service));
			r->rel[k].count = get_int(it, "count", -1);
			if (r->rel[k].user[0] == '\0' && r->rel[k].service[0] == '\0')
				continue;
		} else {
			continue;
		}
		r->nrel++;
	}
}

static void set_when(rec *r, const char *raw)
{
	long long t;
	int off;
	size_t n = strlen(raw);
	if (tool_parse_iso(raw, n, &t, &off)) {
		r->has_t = 1;
		r->t = t;
		r->off = off;
		memcpy(r->when, raw, 19);
		r->when[10] = ' ';
		r->when[19] = '\0';
	} else {
		snprintf(r->when, sizeof(r->when), "%.19s", raw);
	}
}

/* an ISO 8601 time member as epoch seconds, -1 when absent or bad */
static long long get_time(struct fjson_object *o, const char *k)
{
	char buf[64];
	long long t;
	int off;
	if (!get_str(o, k, buf, sizeof(buf)) || !tool_parse_iso(buf, strlen(buf), &t, &off))
		return -1;
	return t;
}

/* the incident of detector k (inc: its object, or the close record
 * itself), and the key of a close record */
static void read_incident(rec *r, int k, struct fjson_object *inc, struct fjson_object *close)
{
	if (r->ninc >= AP_DET__COUNT)
		return;
	rec_inc *x = &r->inc[r->ninc];
	memset(x, 0, sizeof(*x));
	x->det = k;
	x->first = x->last = -1;
	if (inc != NULL && json_object_is_type(inc, fjson_type_object)) {
		get_str(inc, "id", x->id, sizeof(x->id));
		get_str(inc, "state", x->state, sizeof(x->state));
		x->first = get_time(inc, "first_seen");
		x->last = get_time(inc, "last_seen");
		x->count = get_int(inc, "count", 0);
	}
	if (close != NULL) {
		char kk[16];
		get_str(close, "key", kk, sizeof(kk));
		if (strcmp(kk, "ip") == 0)
			get_str(close, "ip", x->key, sizeof(x->key));
		else
			get_str(close, "user", x->key, sizeof(x->key));
	}
	r->ninc++;
}

/* 1 if the object is an event (or a closed incident: kind REC_INCIDENT) */
int to_rec(struct fjson_object *root, rec *r)
{
	memset(r, 0, sizeof(*r));
	r->tls = -1;
	r->count = r->window = -1;
	r->asn = -1;
	if (root == NULL || !json_object_is_type(root, fjson_type_object))
		return 0;
	struct fjson_object *ev = root;
	struct fjson_object *nested = member(root, "auth");
	if (member(root, "kind") == NULL && nested != NULL
	    && json_object_is_type(nested, fjson_type_object))
		ev = nested;
	char kind[16];
	if (!get_str(ev, "kind", kind, sizeof(kind)))
		return 0;
	if (strcmp(kind, "auth") == 0)
		r->kind = AP_KIND_AUTH;
	else if (strcmp(kind, "block") == 0)
		r->kind = AP_KIND_BLOCK;
	else if (strcmp(kind, "incident") == 0)
		r->kind = REC_INCIDENT;
	else
		return 0;

	char buf[64];
	/* the time the line itself carries (file formats read by imfile) beats
	 * the time rsyslog received it */
	struct fjson_object *tv = member(ev, "event_time");
	if (tv == NULL)
		tv = member(root, "time");
	if (tv == NULL)
		tv = member(root, "timestamp");
	if (tv == NULL)
		tv = member(root, "@timestamp");
	if (tv == NULL)
		tv = member(ev, "time");
	if (tv != NULL && json_object_is_type(tv, fjson_type_string)) {
		const char *s = json_object_get_string(tv);
		int sl = json_object_get_string_len(tv);
		if (s != NULL && sl > 0) {
			ap_escape_text(s, (size_t)sl, buf, sizeof(buf));
			set_when(r, buf);
		}
	} else if (tv != NULL && json_object_is_type(tv, fjson_type_int)) {
		tool_format_iso((long long)json_object_get_int64(tv), buf, sizeof(buf));
		set_when(r, buf);
	}
	if (!get_str(root, "host", r->host, sizeof(r->host)))
		get_str(root, "hostname", r->host, sizeof(r->host));

	char oc[16];
	if (r->kind == AP_KIND_AUTH && get_str(ev, "outcome", oc, sizeof(oc))) {
		if (strcmp(oc, "success") == 0)
			r->outcome = AP_OUT_SUCCESS;
		else if (strcmp(oc, "failure") == 0)
			r->outcome = AP_OUT_FAILURE;
		else
			r->outcome = AP_OUT_UNKNOWN;
	} else if (r->kind == AP_KIND_AUTH) {
		r->outcome = AP_OUT_UNKNOWN;
	}
	get_str(ev, "user", r->user, sizeof(r->user));
	get_str(ev, "ip", r->ip, sizeof(r->ip));
	get_str(ev, "daemon", r->daemon, sizeof(r->daemon));
	get_str(ev, "service", r->service, sizeof(r->service));
	get_str(ev, "reason", r->reason, sizeof(r->reason));
	get_str(ev, "mech", r->mech, sizeof(r->mech));
	struct fjson_object *tls = member(ev, "tls");
	if (tls != NULL && json_object_is_type(tls, fjson_type_boolean))
		r->tls = json_object_get_boolean(tls) ? 1 : 0;
	r->count = get_int(ev, "count", -1);
	r->window = get_int(ev, "window", -1);

	struct fjson_object *geo = member(ev, "geo");
	if (geo != NULL) {
		get_str(geo, "country", r->country, sizeof(r->country));
		get_str(geo, "country_name", r->country_name, sizeof(r->country_name));
		get_str(geo, "as_org", r->as_org, sizeof(r->as_org));
		get_str(geo, "scope", r->scope, sizeof(r->scope));
		r->asn = get_int(geo, "asn", -1);
	}

	if (r->kind == REC_INCIDENT) {
		char det[32];
		int k;
		get_str(ev, "detector", det, sizeof(det));
		for (k = 0; k < AP_DET__COUNT; k++)
			if (strcmp(det, ap_detector_name((ap_detector)k)) == 0)
				break;
		if (k == AP_DET__COUNT)
			return 0;
		read_incident(r, k, ev, ev);
		return 1;
	}
	read_related(r, member(ev, "related"));
	struct fjson_object *alert = member(ev, "alert");
	if (alert != NULL && json_object_is_type(alert, fjson_type_object)) {
		read_related(r, member(alert, "related"));
		struct fjson_object_iterator it = fjson_object_iter_begin(alert);
		struct fjson_object_iterator end = fjson_object_iter_end(alert);
		while (!fjson_object_iter_equal(&it, &end)) {
			const char *name = fjson_object_iter_peek_name(&it);
			struct fjson_object *val = fjson_object_iter_peek_value(&it);
			fjson_object_iter_next(&it);
			if (name == NULL || strcmp(name, "related") == 0 || val == NULL
			    || !json_object_is_type(val, fjson_type_object))
				continue;
			int k;
			for (k = 0; k < AP_DET__COUNT; k++)
				if (strcmp(name, ap_detector_name((ap_detector)k)) == 0)
					break;
			if (k < AP_DET__COUNT) {
				r->det_bits |= 1u << k;
				read_incident(r, k, member(val, "incident"), NULL);
				if (r->inc[r->ninc - 1].id[0] == '\0') /* before incidents */
					r->inc[r->ninc - 1].count = get_int(val, "count", 0);
				if (k == AP_DET_COMPROMISE)
					r->comp_count = get_int(val, "count", 0);
				read_related(r, member(val, "related"));
			} else if (r->nother_det < 4) {
				ap_escape_text(name, strlen(name), r->other_det[r->nother_det],
					       sizeof(r->other_det[0]));
				r->nother_det++;
			}
		}
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* raw input: the parser and its options                               */

const struct option raw_longopts[] = { { "geoip", required_argument, NULL, 'g' },
				       { "geoip-language", required_argument, NULL, RAW_O_GEOLANG },
				       { "detect", no_argument, NULL, RAW_O_DETECT },
				       { "no-detect", no_argument, NULL, RAW_O_NODETECT },
				       { "year", required_argument, NULL, 'y' },
				       { "tag", required_argument, NULL, 't' },
				       { NULL, 0, NULL, 0 } };

const char raw_usage[] =
	"Raw syslog or daemon log files are read as well (a file whose first non-empty\n"
	"line does not start with \"{\"), and .gz files directly; raw lines go through\n"
	"the parser, with attack detection:\n"
	"  -g, --geoip FILE     MaxMind/DB-IP .mmdb database for raw input (repeatable)\n"
	"      --geoip-language L  language of geo names (default en)\n"
	"      --no-detect      no attack detection on raw input\n"
	"  -y, --year N         year of year-less syslog stamps in raw input\n"
	"  -t, --tag TAG        every raw line is a message under TAG (cpanel, exim...)\n";

void raw_setup_init(raw_setup *rs)
{
	memset(rs, 0, sizeof(*rs));
	ap_config_defaults(&rs->cfg);
	rs->cfg.detect = true;
	rs->cfg.geo_files_required = true; /* a database named on the command line must open */
}

int raw_option(raw_setup *rs, int c, const char *arg)
{
	switch (c) {
	case 'g':
		if (rs->ngeo == RAW_MAX_GEO) {
			fprintf(stderr, PROG ": --geoip: at most %d databases\n", RAW_MAX_GEO);
			exit(2);
		}
		rs->geo[rs->ngeo++] = arg;
		return 1;
	case RAW_O_GEOLANG: rs->cfg.geo_language = arg; return 1;
	case RAW_O_DETECT: rs->cfg.detect = true; return 1;
	case RAW_O_NODETECT: rs->cfg.detect = false; return 1;
	case 'y': {
		char *end;
		long y = strtol(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end != '\0' || y < 1970 || y > 9999) {
			fprintf(stderr, PROG ": --year: not a year from 1970 to 9999: '%s'\n", arg);
			exit(2);
		}
		rs->year = (int)y;
		return 1;
	}
	case 't':
		if (arg[0] == '\0') {
			fprintf(stderr, PROG ": --tag wants a non-empty tag\n");
			exit(2);
		}
		rs->tag = arg;
		return 1;
	default: return 0;
	}
}

static void raw_log(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	if (lvl == AP_LOG_INFO)
		return;
	fprintf(stderr, PROG ": %s: %s\n", lvl == AP_LOG_ERR ? "error" : "warning", msg);
}

tool_parser *raw_parser(raw_setup *rs)
{
	if (rs->ready)
		return &rs->tp;
	rs->cfg.geo_files = rs->geo;
	rs->cfg.ngeo_files = rs->ngeo;
	ap_status st = ap_ctx_open(&rs->cfg, raw_log, NULL, &rs->ctx);
	if (st != AP_OK) {
		fprintf(stderr, PROG ": %s (see above)\n", ap_strerror(st));
		exit(2);
	}
	rs->w = ap_worker_new(rs->ctx);
	if (rs->w == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	tp_init(&rs->tp, rs->ctx, rs->w, rs->tag, 1, rs->year);
	rs->ready = 1;
	return &rs->tp;
}

void raw_setup_free(raw_setup *rs)
{
	if (rs->ready) {
		tp_free(&rs->tp);
		ap_worker_free(rs->w);
		ap_ctx_free(rs->ctx);
	}
	memset(rs, 0, sizeof(*rs));
}

/* ------------------------------------------------------------------ */
/* a stream of lines into the report                                   */

int input_mode(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == n)
		return 0;
	return line[i] == '{' ? 1 : 2;
}

int read_stream(report *rp, struct fjson_tokener *tok, tool_file *f, const char *name,
		raw_setup *raw, progress *pg)
{
	line_reader lr;
	if (lr_init(&lr, f->fp) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	rec *r = xcalloc(1, sizeof(*r));
	int mode = 0;
	while (lr_next(&lr)) {
		rp->lines++;
		pg_line(pg, f);
		size_t n = lr.len;
		while (n > 0 && (lr.buf[n - 1] == '\r' || lr.buf[n - 1] == ' '))
			n--;
		if (n == 0 || lr.truncated) {
			rp->skipped++;
			continue;
		}
		if (mode == 0)
			mode = input_mode(lr.buf, n);
		struct fjson_object *o;
		if (mode == 1) {
			fjson_tokener_reset(tok);
			o = fjson_tokener_parse_ex(tok, lr.buf, (int)n);
		} else {
			o = tp_event(raw_parser(raw), lr.buf, lr.len, 1);
		}
		if (o != NULL && to_rec(o, r))
			feed(rp, r);
		else
			rp->skipped++;
		if (o != NULL)
			json_object_put(o);
	}
	free(r);
	int err = lr.error;
	lr_free(&lr);
	if (err) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(err));
		return 1;
	}
	return 0;
}
