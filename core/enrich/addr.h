/* addr.h - client addresses: parsing (inet_pton only), canonical form,
 * scope classification (public in authparse.h) and the helpers the
 * recognisers use to set an address and to read a forwarded-for chain.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_ENRICH_ADDR_H
#define AP_ENRICH_ADDR_H

#include "base.h"

/* Set *dst from text: accepts "1.2.3.4", "2001:db8::1",
 * "::ffff:1.2.3.4", and the same inside "[...]" or "[IPv6:...]".
 * Invalid text leaves *dst unset and returns 0. */
int ap_set_ip(ap_addr *dst, const char *p, size_t n) AP_HIDDEN;


/* ------------------------------------------------------------------ */
/* networks: the trusted proxies                                        */

typedef struct ap_netlist ap_netlist;

/* Parse "a.b.c.d", "a.b.c.d/len", "v6", "v6/len" entries into a list; with
 * none (NULL, 0) the list is loopback only (127.0.0.0/8, ::1).  An entry
 * that is not an address or CIDR is AP_E_CONFIG, logged naming pname. */
ap_status ap_netlist_new(const char *const *items, size_t n, const char *pname, ap_log_fn log,
			 void *cookie, ap_netlist **out) AP_HIDDEN;
void ap_netlist_free(ap_netlist *nl) AP_HIDDEN;
/* is the address inside the list?  NULL is the loopback-only list */
int ap_netlist_match(const ap_netlist *nl, const ap_addr *a) AP_HIDDEN;

/* The client of a forwarded-for chain ("a, b, c", as a client-sent header
 * holds it) that *ip sent.  The chain counts only when *ip is a trusted
 * proxy; it is then read right to left and the client is the first address
 * that is not a trusted proxy (the leftmost one when all are).  Returns 1
 * with *ip set (left alone when the chain does not count); 0 when the
 * chain counts but an element on the way is not an address: the client is
 * then unknown. */
int ap_forwarded_client(const ap_netlist *nl, ap_span chain, ap_addr *ip) AP_HIDDEN;

#endif
