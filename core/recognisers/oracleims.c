/* oracleims.c - Oracle Communications Messaging Server (iPlanet, Sun Java
 * System Messaging Server) MTA connection records in XML (LOG_FORMAT=4
 * with bit 5 of LOG_CONNECTION for the transport field), from mail.log
 * read by imfile (tag oracleims).  One record per line:
 *
 *   <co ts="..." pi="..." sc="tcp_local" dr="+" ac="U" tr="TCP|SIP|SPORT|CIP|CPORT" ap="SMTP" mi="Bad password" us="U" di="535 5.7.8 Bad username or password (Authentication failed)."/>
 *       failure bad_password
 *   <co ... ap="SMTP/TLS-128-RC4" mi="Authentication successful - switched to channel tcp_submit" us="U" di="235 2.7.0 LOGIN authentication successful."/>
 *       success (tls from "/TLS" in ap; "SMTP" alone: tls false)
 * Service smtp (submission when the server port is 465 or 587); ip and
 * port are the client's, server_ip the local address.
 *
 * Threat model.  Only us= (the SASL user name) and di= (the reply, which
 * may quote it) hold client text, and they come after ts, pi, sc, dr, ac,
 * tr, ap and mi: the record is read attribute by attribute from the left
 * and stops at us=; the address, the outcome and the protocol are taken
 * from the attributes before it.  A record without a five-part tr= has
 * no address
 * (shapes from fail2ban's oracleims filter and samples).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

/* the next ' name="value"' at c; 0 at the end or on a malformed record */
static int attr(ap_cur *c, ap_span *name, ap_span *val)
{
	ap_cur_skip_blanks(c);
	const char *n = c->p;
	while (c->p < c->e && ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
		c->p++;
	if (c->p == n || !AP_EAT(c, "=\""))
		return 0;
	*name = ap_span_make(n, (size_t)(c->p - n - 2));
	if (!ap_cur_until(c, '"', val))
		return 0;
	c->p++;
	return 1;
}

/* field i (0-based) of "a|b|c|d|e" */
static ap_span pipe_field(ap_span v, int i)
{
	const char *p = v.p, *e = v.p + v.n;
	for (; i > 0; i--) {
		const char *bar = memchr(p, '|', (size_t)(e - p));
		if (bar == NULL)
			return ap_span_make(e, 0);
		p = bar + 1;
	}
	const char *bar = memchr(p, '|', (size_t)(e - p));
	return ap_span_make(p, (size_t)((bar ? bar : e) - p));
}

static int rec_oracleims(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	if (!AP_EAT(&c, "<co "))
		return 0;
	ap_span name, val = { NULL, 0 }, tr = { NULL, 0 }, ap = { NULL, 0 }, mi = { NULL, 0 };
	int have_us = 0;
	while (attr(&c, &name, &val)) {
		if (AP_SPAN_IS(name, "us")) {
			have_us = 1;
			break;
		}
		if (AP_SPAN_IS(name, "tr"))
			tr = val;
		else if (AP_SPAN_IS(name, "ap"))
			ap = val;
		else if (AP_SPAN_IS(name, "mi"))
			mi = val;
	}
	if (AP_HAS_PREFIX(mi.p, mi.n, "Bad password"))
		ev->outcome = AP_OUT_FAILURE, ev->reason = AP_R_BAD_PASSWORD;
	else if (AP_HAS_PREFIX(mi.p, mi.n, "Authentication successful"))
		ev->outcome = AP_OUT_SUCCESS;
	else
		return 0;
	ev->daemon = "oracleims";
	ev->service = "smtp";
	if (have_us && val.n > 0)
		ap_set_user(ev, val.p, val.n);
	if (AP_HAS_PREFIX(ap.p, ap.n, "SMTP") || AP_HAS_PREFIX(ap.p, ap.n, "ESMTP"))
		ev->tls = AP_MEMMEM(ap.p, ap.n, "/TLS") != NULL ? 1 : 0;
	size_t bars = 0;
	for (uint32_t i = 0; i < tr.n; i++)
		bars += tr.p[i] == '|';
	if (bars == 4) {
		ap_span sip = pipe_field(tr, 1), sport = pipe_field(tr, 2);
		ap_span cip = pipe_field(tr, 3), cport = pipe_field(tr, 4);
		if (cip.n > 0)
			ap_set_ip(&ev->ip, cip.p, cip.n);
		if (sip.n > 0)
			ap_set_ip(&ev->server_ip, sip.p, sip.n);
		ap_cur k = ap_cur_make(cport.p, cport.n);
		int64_t v;
		if (cport.n > 0 && ap_cur_uint(&k, &v) && k.p == k.e && v <= 65535)
			ev->port = (int32_t)v;
		k = ap_cur_make(sport.p, sport.n);
		if (sport.n > 0 && ap_cur_uint(&k, &v) && k.p == k.e && (v == 465 || v == 587))
			ev->service = "submission";
	}
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_oracleims = {
	AP_FAM_ORACLEIMS,
	"oracleims",
	rec_oracleims,
	(const char *const[]){ "oracleims", NULL },
};
