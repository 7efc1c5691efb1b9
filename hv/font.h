/* SPDX-License-Identifier: GPL-2.0 */
/* The screen console's built-in 8x16 bitmap font: printable ASCII, generated at build time. */
#ifndef KESTREL_HV_FONT_H
#define KESTREL_HV_FONT_H

#include "lib/types.h"

#define FONT_WIDTH 8
#define FONT_HEIGHT 16
#define FONT_FIRST 0x20
#define FONT_LAST 0x7e

/*
 * One byte per row, bit 7 the leftmost pixel. build/gen/font.c, made by tools/psffont.py from
 * a PSF console font of the console-setup-linux package (the system tests read the same file).
 */
extern const u8 font_glyphs[FONT_LAST - FONT_FIRST + 1][FONT_HEIGHT];

#endif
