/* mkstate.c - writes a real detection state file for fuzz_state's seed
 * corpus: a context with detect.stateFile, the events of state_events.h
 * (all, or the first N), then ap_ctx_free, which saves the state.
 *
 *   mkstate FILE [N [VARIANT]]
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include "authparse.h"
#include "tests/fuzz/state_events.h"
#include "tests/testctx.h"

static void log_cb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	if (lvl != AP_LOG_INFO)
		fprintf(stderr, "mkstate: %s\n", msg);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mkstate FILE [N [VARIANT]]\n");
		return 2;
	}
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : N_STATE_EVENTS;
	int variant = argc > 3 ? atoi(argv[3]) : 0;
	ap_config cfg;
	state_config(&cfg, argv[1], variant);
	ap_ctx *ctx = open_ctx(&cfg, log_cb, NULL);
	ap_worker *w = ctx ? ap_worker_new(ctx) : NULL;
	if (w == NULL)
		return 1;
	state_events_run(ctx, w, 0, n, 1700000000);
	ap_worker_free(w);
	ap_ctx_free(ctx);
	return 0;
}
