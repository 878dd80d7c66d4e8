/* worldmap.h - the country outlines of the HTML report's world map
 * (worldmap.c, generated from Natural Earth's public-domain 1:110m
 * countries by tools/report/map/mkworldmap.js).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_WORLDMAP_H
#define MMAUTHPARSE_REPORT_WORLDMAP_H

/* the frame of every path: x 0..WORLD_W, y 0..WORLD_H */
#define WORLD_W 900
#define WORLD_H 355
#define WORLD_PARTS 3

typedef struct world_shape {
	char cc[3];       /* ISO 3166-1 alpha-2; "" for a shape of no country code */
	const char *name; /* Natural Earth's short name */
	/* SVG path data, in up to WORLD_PARTS pieces (C compilers need not
	 * take a string literal longer than 4095 bytes); unused ones NULL */
	const char *d[WORLD_PARTS];
} world_shape;

extern const world_shape world_shapes[];
extern const unsigned world_nshapes;

#endif
