/* fuzz_state.c - libFuzzer target on the detection state-file loader
 * (core/detect/statefile.c, det_state_load, reached as the module reaches
 * it: ap_ctx_open with detect.stateFile).
 *
 * Input: byte 0 chooses how the file is made from the rest and which
 * detection settings read it (state_events.h):
 *   mode 0  the bytes as they are;
 *   mode 1  the bytes, then their correct FNV-1a checksum;
 *   mode 2  "MMAPDET\n", version 1, the bytes, the checksum
 * (modes 1 and 2 take the fuzzer past the checksum and the header to the
 * keys).  The file is written to a temporary path and a context opened on
 * it; a context that does not open fails (a damaged state file must only be
 * ignored).  The loaded state then meets the events of state_events.h,
 * ap_ctx_free saves it, and the saved file is opened again: a file the
 * core wrote itself must load without a warning (abort() otherwise).
 *
 * The directory is $FUZZ_STATE_DIR, else /dev/shm, else $TMPDIR or /tmp.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "authparse.h"
#include "tests/fuzz/state_events.h"
#include "tests/testctx.h"

static char path[4096];
static int warnings;
static char last_warning[512];

static void log_cb(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	if (lvl != AP_LOG_INFO) {
		warnings++;
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
	}
}

static uint64_t fnv(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void init_path(void)
{
	const char *dir = getenv("FUZZ_STATE_DIR");
	if (dir != NULL && dir[0] == '\0')
		dir = NULL;
	if (dir == NULL && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	if (dir == NULL)
		dir = getenv("TMPDIR");
	if (dir == NULL)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/mmap-fuzz-state.%ld", dir, (long)getpid());
}

static void write_file(const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t head[] = { 'M', 'M', 'A', 'P', 'D', 'E', 'T', '\n', 1, 0, 0, 0 };
	if (path[0] == '\0')
		init_path();
	if (size == 0)
		return 0;
	unsigned mode = data[0] % 3;
	int variant = (data[0] / 3) % 2;
	const uint8_t *body = data + 1;
	size_t bn = size - 1;
	uint8_t *file = malloc(sizeof(head) + bn + 8);
	if (file == NULL)
		return 0;
	size_t fn = 0;
	if (mode == 2) {
		memcpy(file, head, sizeof(head));
		fn = sizeof(head);
	}
	if (bn > 0)
		memcpy(file + fn, body, bn);
	fn += bn;
	if (mode != 0) {
		put_u64(file + fn, fnv(file, fn, 0xcbf29ce484222325ULL));
		fn += 8;
	}
	write_file(file, fn);
	free(file);

	ap_config cfg;
	state_config(&cfg, path, variant);
	ap_ctx *ctx = open_ctx(&cfg, log_cb, NULL);
	if (ctx == NULL)
		abort(); /* a state file never stops the start */
	ap_worker *w = ap_worker_new(ctx);
	if (w == NULL)
		abort();
	/* the events at the seed's times and once more a day later */
	state_events_run(ctx, w, 0, N_STATE_EVENTS, 1700000000);
	state_events_run(ctx, w, 0, N_STATE_EVENTS / 2, 1700086400);
	ap_worker_free(w);
	ap_ctx_free(ctx); /* saves the state */

	/* what the core saved loads again, without a warning */
	warnings = 0;
	ctx = open_ctx(&cfg, log_cb, NULL);
	if (ctx == NULL)
		abort();
	if (warnings != 0) {
		fprintf(stderr, "fuzz_state: the saved state did not load: %s\n", last_warning);
		abort();
	}
	w = ap_worker_new(ctx);
	if (w == NULL)
		abort();
	state_events_run(ctx, w, N_STATE_EVENTS / 2, N_STATE_EVENTS, 1700090000);
	ap_worker_free(w);
	ap_ctx_free(ctx);
	unlink(path);
	return 0;
}
