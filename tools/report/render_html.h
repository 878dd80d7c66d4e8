/* render_html.h - the report as one self-contained HTML page
 * (render_html.c): inline CSS and SVG charts, no script, no external
 * reference; every text from the input is escaped.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_RENDER_HTML_H
#define MMAUTHPARSE_REPORT_RENDER_HTML_H

#include <stdio.h>
#include "model.h"

void print_html(report *rp, FILE *out);

#endif
