/* statefile.h - the detection state kept across restarts in a file
 * (detect.stateFile; the format: statefile.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DETECT_STATEFILE_H
#define AP_DETECT_STATEFILE_H

#include "detect/store.h"

/* write the keys and incidents of d to d->state_file; an error is logged
 * and leaves the file as it was; quiet: success is not logged (the
 * periodic saves) */
void det_state_save(ap_detect *d, bool quiet) AP_HIDDEN;
/* read d->state_file into d, an empty store, adopting the file's seeds; a
 * file that is not there or has a defect is logged and leaves d empty */
void det_state_load(ap_detect *d) AP_HIDDEN;

#endif
