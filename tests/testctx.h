/* testctx.h - for the tests, benchmarks and fuzzers: a context, or NULL
 * when ap_ctx_open refuses the configuration (the log callback says why).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_TESTCTX_H
#define AP_TESTCTX_H

#include "authparse.h"

static inline ap_ctx *open_ctx(const ap_config *cfg, ap_log_fn log, void *cookie)
{
	ap_ctx *ctx;
	return ap_ctx_open(cfg, log, cookie, &ctx) == AP_OK ? ctx : NULL;
}

#endif
