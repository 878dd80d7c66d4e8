/* state_events.h - the events that build the seed detection state
 * (mkstate.c) and that fuzz_state.c runs over every state it loads: the
 * same addresses and users, so that a mutated seed still holds keys these
 * events meet (failures from several addresses on several users of several
 * services, IPv4 and IPv6, successes after failures).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_FUZZ_STATE_EVENTS_H
#define AP_FUZZ_STATE_EVENTS_H

#include <string.h>
#include "authparse.h"

static const struct {
	const char *tag, *msg;
} state_events[] = {
	{ "vpopmail[1]:", " vchkpw-pop3: password fail alice@example.org:198.51.100.7" },
	{ "vpopmail[1]:", " vchkpw-pop3: password fail bob@example.org:198.51.100.7" },
	{ "vpopmail[1]:", " vchkpw-imap: password fail carol@example.org:198.51.100.7" },
	{ "vpopmail[1]:", " vchkpw-pop3: vpopmail user not found dave@example.org:198.51.100.7" },
	{ "vpopmail[1]:", " vchkpw-smtp: password fail alice@example.org:203.0.113.9" },
	{ "vpopmail[1]:", " vchkpw-pop3: password fail alice@example.org:2001:db8::5" },
	{ "vpopmail[1]:", " vchkpw-pop3: password fail alice@example.org:192.0.2.44" },
	{ "imap-login:",
	  " Disconnected (auth failed, 2 attempts): user=<alice@example.org>, method=PLAIN, "
	  "rip=198.51.100.7, lip=192.0.2.1, TLS" },
	{ "vpopmail[1]:", " vchkpw-smtp: (PLAIN) login success alice@example.org:198.51.100.7" },
	{ "vpopmail[1]:", " vchkpw-pop3: password fail eve@example.org:203.0.113.10" },
	{ "vpopmail[1]:", " vchkpw-pop3: password fail eve@example.org:203.0.113.10" },
	{ "vpopmail[1]:", " vchkpw-pop3: login success eve@example.org:203.0.113.10" },
};
#define N_STATE_EVENTS (sizeof(state_events) / sizeof(state_events[0]))

/* run events [from, to) of the table at times t0, t0 + 7, ... */
static inline void state_events_run(ap_ctx *ctx, ap_worker *w, size_t from, size_t to, int64_t t0)
{
	for (size_t i = from; i < to && i < N_STATE_EVENTS; i++) {
		ap_input in = { .tag = state_events[i].tag,
				.taglen = strlen(state_events[i].tag),
				.msg = state_events[i].msg,
				.msglen = strlen(state_events[i].msg),
				.time = t0 + 7 * (int64_t)(i - from) };
		ap_result res;
		(void)ap_process(ctx, w, &in, &res);
	}
}

/* the detection settings of the fuzz target and of the seed: small
 * thresholds so that rings and user lists fill up with a few events */
static inline void state_config(ap_config *cfg, const char *path, int variant)
{
	ap_config_defaults(cfg);
	cfg->detect = true;
	cfg->detect_max_keys = 64;
	cfg->detect_state_file = path;
	cfg->det[AP_DET_BRUTEFORCE] = (ap_detector_cfg){ variant ? 2 : 4, 600 };
	cfg->det[AP_DET_DICTIONARY] = (ap_detector_cfg){ variant ? 1 : 3, 600 };
	cfg->det[AP_DET_DISTRIBUTED] = (ap_detector_cfg){ variant ? 0 : 3, 3600 };
	cfg->det[AP_DET_COMPROMISE] = (ap_detector_cfg){ 2, 3600 };
}

#endif
