/* proxy_test.c - the trustedProxies parameter at work on the lines that
 * carry a forwarded-for chain (roundcube's remote_ip() headers, horde's
 * "(forwarded for [...])").  The case tables run with the default
 * (loopback only); here contexts are opened with other lists, and the
 * same lines give other addresses.  Expected addresses are written from
 * the lines and the rule (read the chain right to left past the trusted
 * proxies, only when a trusted proxy sent it), not copied from output.
 *
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include "authparse.h"
#include "tests/testctx.h"

static int npass, nfail;

static void logcb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	(void)lvl;
	(void)msg;
}

/* parse one message under tag; want: the address, "" for none; want_amb:
 * the ambiguous flag */
static void check(ap_ctx *ctx, const char *name, const char *tag, const char *msg, const char *want,
		  int want_amb)
{
	ap_input in;
	memset(&in, 0, sizeof(in));
	in.tag = tag;
	in.taglen = strlen(tag);
	in.msg = msg;
	in.msglen = strlen(msg);
	ap_event ev;
	memset(&ev, 0xa5, sizeof(ev));
	char got[64] = "";
	if (!ap_parse(ctx, &in, &ev)) {
		printf("FAIL %s: no event\n", name);
		nfail++;
		return;
	}
	if (ev.ip.family != 0)
		ap_addr_format(&ev.ip, got, sizeof(got));
	if (strcmp(got, want) != 0 || (int)ev.ambiguous != want_amb) {
		printf("FAIL %s: ip '%s' ambiguous %d, want '%s' ambiguous %d\n", name, got,
		       (int)ev.ambiguous, want, want_amb);
		nfail++;
		return;
	}
	printf("PASS %s\n", name);
	npass++;
}

static ap_ctx *ctx_with(const char *const *proxies, size_t n)
{
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.trusted_proxies = proxies;
	cfg.ntrusted_proxies = n;
	return open_ctx(&cfg, logcb, NULL);
}

/* roundcube: REMOTE_ADDR 10.0.0.2 sent X-Forwarded-For */
static const char rc_private[] =
	"IMAP Error: Login failed for u from 10.0.0.2 (X-Forwarded-For: 6.6.6.6, 81.2.69.7, "
	"10.1.1.1). AUTHENTICATE PLAIN: Authentication failed.";
/* roundcube: all hops private */
static const char rc_all_private[] =
	"IMAP Error: Login failed for u from 10.0.0.2 (X-Forwarded-For: 10.3.3.3, 10.1.1.1). "
	"AUTHENTICATE PLAIN: Authentication failed.";
/* roundcube: X-Real-IP and X-Forwarded-For disagree */
static const char rc_disagree[] =
	"IMAP Error: Login failed for u from 10.0.0.2 (X-Real-IP: 81.2.69.8,X-Forwarded-For: "
	"6.6.6.6). AUTHENTICATE PLAIN: Authentication failed.";
/* roundcube: loopback sender */
static const char rc_loopback[] =
	"IMAP Error: Login failed for u from 127.0.0.1 (X-Forwarded-For: 81.2.69.9). "
	"AUTHENTICATE PLAIN: Authentication failed.";
/* horde (IMP 4): REMOTE_ADDR 10.0.0.5 */
static const char horde_private[] =
	"Oct 29 15:00:35 HORDE [error] [imp] FAILED LOGIN for u1 [10.0.0.5] (forwarded for "
	"[6.6.6.6, 81.2.69.161]) to {127.0.0.1:143 [imap/notls]} [pid 1 on line 139 of "
	"\"imp.php\"]";
/* horde (IMP 6): an IPv6 proxy */
static const char horde_v6[] =
	"2015-03-12T12:00:00+01:00 ERR: HORDE [imp] FAILED LOGIN for carol (2001:db8::10) "
	"(forwarded for [81.2.69.10]) to {imap://localhost:143} [pid 1 on line 730 of "
	"\"Auth.php\"]";

int main(void)
{
	/* the default: loopback only */
	ap_ctx *def = ctx_with(NULL, 0);
	static const char *const tens[] = { "10.0.0.0/8" };
	ap_ctx *ten = ctx_with(tens, 1);
	static const char *const v6[] = { "2001:db8::/32", "127.0.0.1" };
	ap_ctx *six = ctx_with(v6, 2);
	if (def == NULL || ten == NULL || six == NULL) {
		fprintf(stderr, "cannot create the contexts\n");
		return 2;
	}

	check(def, "default: a chain sent by 10.0.0.2 is the client's own", "roundcube", rc_private,
	      "10.0.0.2", 0);
	check(ten, "10.0.0.0/8: past the trusted 10.1.1.1 to 81.2.69.7", "roundcube", rc_private,
	      "81.2.69.7", 0);
	check(ten, "10.0.0.0/8: every hop trusted gives the leftmost", "roundcube", rc_all_private,
	      "10.3.3.3", 0);
	check(def, "default: disagreeing headers from an untrusted sender keep it", "roundcube",
	      rc_disagree, "10.0.0.2", 0);
	check(ten, "10.0.0.0/8: disagreeing headers from a trusted sender: no address", "roundcube",
	      rc_disagree, "", 1);
	check(def, "default: a chain sent by 127.0.0.1 is followed", "roundcube", rc_loopback,
	      "81.2.69.9", 0);
	check(ten, "10.0.0.0/8 replaces loopback: 127.0.0.1 is then the client", "roundcube",
	      rc_loopback, "127.0.0.1", 0);
	check(def, "default: horde's chain sent by 10.0.0.5 does not count", "horde", horde_private,
	      "10.0.0.5", 0);
	check(ten, "10.0.0.0/8: horde's chain read right to left", "horde", horde_private,
	      "81.2.69.161", 0);
	check(def, "default: horde's chain sent by 2001:db8::10 does not count", "horde", horde_v6,
	      "2001:db8::10", 0);
	check(six, "2001:db8::/32: horde's chain sent by 2001:db8::10 is followed", "horde",
	      horde_v6, "81.2.69.10", 0);

	/* an entry that is neither an address nor a CIDR is refused */
	static const char *const bad[] = { "10.0.0.0/33" };
	ap_config cfg;
	ap_config_defaults(&cfg);
	cfg.trusted_proxies = bad;
	cfg.ntrusted_proxies = 1;
	ap_ctx *x;
	if (ap_ctx_open(&cfg, logcb, NULL, &x) == AP_E_CONFIG) {
		printf("PASS a bad trustedProxies entry is AP_E_CONFIG\n");
		npass++;
	} else {
		printf("FAIL a bad trustedProxies entry is AP_E_CONFIG\n");
		nfail++;
	}

	ap_ctx_free(def);
	ap_ctx_free(ten);
	ap_ctx_free(six);
	printf("proxy: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
