/* detect.h - attack detection as the pipeline sees it: one state per
 * context, fed one event at a time; what fired comes back as plain data
 * (ap_alerts), which event.c turns into JSON.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_H
#define AP_DETECT_H

#include "base.h"

typedef struct ap_detect ap_detect;
ap_detect *ap_detect_new(const ap_config *cfg, ap_log_fn log, void *cookie, int *err) AP_HIDDEN;
void ap_detect_free(ap_detect *d) AP_HIDDEN; /* saves the state file if set */
/* feed one event at time t; fills *out (out->fired = 0 when nothing); sets
 * ev->uncounted when the event is the second line of an attempt already
 * counted */
void ap_detect_feed(ap_detect *d, ap_event *ev, int64_t t, ap_alerts *out, ap_stats *st) AP_HIDDEN;
/* close the incidents whose window passed at now (0: the detection clock);
 * returns the number closed */
size_t ap_detect_sweep(ap_detect *d, int64_t now, ap_stats *st) AP_HIDDEN;
/* the background thread: a sweep each second, the state file each
 * detect_state_interval seconds; stopped by ap_detect_free.  0 ok */
int ap_detect_start(ap_detect *d, ap_stats *st) AP_HIDDEN;

#endif
