/* render_text.h - the report as plain text (render_text.c): the summary,
 * the top tables, the last events and the timeline as a bar chart of #.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_RENDER_TEXT_H
#define MMAUTHPARSE_REPORT_RENDER_TEXT_H

#include <stdio.h>
#include "model.h"

void print_text(report *rp, FILE *out);

#endif
