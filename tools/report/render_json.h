/* render_json.h - the report as one JSON object on one line
 * (render_json.c), for programs.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_RENDER_JSON_H
#define MMAUTHPARSE_REPORT_RENDER_JSON_H

#include <stdio.h>
#include "model.h"

void print_json(report *rp, FILE *out);

#endif
