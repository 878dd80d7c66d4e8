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

/* a hop a proxy would sit on: loopback, private, link-local, CGNAT */
int ap_addr_is_local_hop(const ap_addr *a) AP_HIDDEN;
/* from a comma-separated forwarded-for list: the rightmost address that is
 * not a local hop, else the rightmost valid one; 0 when none is valid */
int ap_pick_forwarded(const char *p, size_t n, ap_addr *out) AP_HIDDEN;

#endif
