/* SPDX-License-Identifier: GPL-2.0 */
/* The screen console's text grid, drawn in VGA text cells or framebuffer pixels; pure logic. */
#ifndef KESTREL_HV_SCREEN_H
#define KESTREL_HV_SCREEN_H

#include "lib/multiboot2.h"

/* Light grey on black, VGA text attribute 0x07 and the same colours in pixels. */
#define SCREEN_TEXT_ATTR 0x07
#define SCREEN_FG_RGB 0xaaaaaa
#define SCREEN_BG_RGB 0x000000

/* The largest framebuffer accepted (pitch x height): 8K at 32 bpp is 127 MiB. */
#define SCREEN_MAX_BYTES (256 * MiB)
#define SCREEN_MAX_DIM 16384

struct screen {
	u8 *base;
	u32 pitch; /* bytes from one pixel row (or text row) to the next */
	u32 width, height; /* pixels (or characters for text) */
	u32 cols, rows; /* character cells */
	u32 x, y; /* where the next character goes; x == cols: the line is full */
	u32 bytes; /* per pixel; 0 for VGA text cells */
	u32 fg, bg; /* pixel values in the framebuffer's format */
};

enum screen_error {
	SCREEN_OK = 0,
	SCREEN_E_TYPE,
	SCREEN_E_BPP,
	SCREEN_E_FIELDS,
	SCREEN_E_GEOMETRY,
	SCREEN_E_PITCH,
	SCREEN_E_ADDRESS,
	SCREEN_E_UNMAPPED,
};

/* Bytes the framebuffer covers (pitch x height), as a u64 that cannot overflow. */
u64 screen_fb_bytes(const struct mb2_framebuffer *fb);

/*
 * Checks a framebuffer tag, whatever its values: the type is EGA text or direct RGB, bpp is
 * 32, 24, 16 or 15 with colour fields inside it (or 16 for text), a character fits, each row
 * fits in the pitch, and the whole lies below limit (what the caller has mapped).
 */
enum screen_error screen_check(const struct mb2_framebuffer *fb, u64 limit);

/*
 * Sets s up for fb and clears the screen; returns screen_check's answer (s is unusable
 * unless SCREEN_OK).
 * @pre fb has been mapped up to limit
 */
enum screen_error screen_init(struct screen *s, const struct mb2_framebuffer *fb, u64 limit);

/* Draws text: '\n' starts a line, a full line wraps, the last line scrolls the screen up. */
void screen_write(struct screen *s, const char *text, size_t n);

/* Draws character c (printable ASCII, anything else as '?') at cell (x, y). @pre in the grid */
void screen_put(struct screen *s, u32 x, u32 y, char c);

/* The pixel value of an 0xRRGGBB colour in fb's format. */
u32 screen_pixel(const struct mb2_framebuffer *fb, u32 rgb);

const char *screen_strerror(enum screen_error e);

#endif
