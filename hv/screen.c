// SPDX-License-Identifier: GPL-2.0
/* The screen console's text grid: cursor, line wrap, scrolling, glyphs into cells or pixels. */
#include "hv/screen.h"
#include "hv/font.h"
#include "lib/string.h"

/* The highest physical address width a page-table entry can hold (SDM Vol. 3A, 4.1.4). */
#define SCREEN_PHYS_LIMIT (1ULL << 52)

u64 screen_fb_bytes(const struct mb2_framebuffer *fb)
{
	return (u64)fb->pitch * fb->height;
}

static bool field_ok(u8 pos, u8 size, u8 bpp)
{
	return size >= 1 && size <= 8 && pos + size <= bpp;
}

static u32 bytes_per_pixel(u8 bpp)
{
	return bpp == 15 ? 2 : bpp / 8u;
}

enum screen_error screen_check(const struct mb2_framebuffer *fb, u64 limit)
{
	u64 row, bytes = screen_fb_bytes(fb);

	switch (fb->type) {
	case MB2_FB_EGA_TEXT:
		if (fb->bpp != 16)
			return SCREEN_E_BPP;
		if (!fb->width || !fb->height || fb->width > 256 || fb->height > 256)
			return SCREEN_E_GEOMETRY;
		row = (u64)fb->width * 2;
		break;
	case MB2_FB_RGB:
		if (fb->bpp != 32 && fb->bpp != 24 && fb->bpp != 16 && fb->bpp != 15)
			return SCREEN_E_BPP;
		if (!field_ok(fb->red_pos, fb->red_size, fb->bpp) ||
		    !field_ok(fb->green_pos, fb->green_size, fb->bpp) ||
		    !field_ok(fb->blue_pos, fb->blue_size, fb->bpp))
			return SCREEN_E_FIELDS;
		if (fb->width < FONT_WIDTH || fb->height < FONT_HEIGHT ||
		    fb->width > SCREEN_MAX_DIM || fb->height > SCREEN_MAX_DIM)
			return SCREEN_E_GEOMETRY;
		row = (u64)fb->width * bytes_per_pixel(fb->bpp);
		break;
	default:
		return SCREEN_E_TYPE; /* indexed colour too: no palette is programmed */
	}
	if (fb->pitch < row || bytes > SCREEN_MAX_BYTES)
		return SCREEN_E_PITCH;
	if (!fb->addr || fb->addr >= SCREEN_PHYS_LIMIT || bytes > SCREEN_PHYS_LIMIT - fb->addr)
		return SCREEN_E_ADDRESS;
	if (fb->addr + bytes > limit)
		return SCREEN_E_UNMAPPED;
	return SCREEN_OK;
}

static u32 channel(u32 rgb, u32 shift, u8 pos, u8 size)
{
	return (((rgb >> shift) & 0xff) >> (8 - size)) << pos;
}

u32 screen_pixel(const struct mb2_framebuffer *fb, u32 rgb)
{
	return channel(rgb, 16, fb->red_pos, fb->red_size) |
	       channel(rgb, 8, fb->green_pos, fb->green_size) |
	       channel(rgb, 0, fb->blue_pos, fb->blue_size);
}

static void clear_rows(struct screen *s, u32 first, u32 count)
{
	u32 end = MIN((first + count) * FONT_HEIGHT, s->height);

	if (!s->bytes) {
		u16 blank = (u16)(SCREEN_TEXT_ATTR << 8 | ' ');

		for (u32 y = first; y < first + count; y++)
			for (u32 x = 0; x < s->cols; x++)
				__builtin_memcpy(s->base + (u64)y * s->pitch + (u64)x * 2, &blank, 2);
		return;
	}
	/* Whole pixel rows, the margin right of the last column included. */
	for (u32 py = first * FONT_HEIGHT; py < end; py++) {
		u8 *p = s->base + (u64)py * s->pitch;

		for (u32 px = 0; px < s->width; px++, p += s->bytes)
			__builtin_memcpy(p, &s->bg, s->bytes);
	}
}

enum screen_error screen_init(struct screen *s, const struct mb2_framebuffer *fb, u64 limit)
{
	enum screen_error err = screen_check(fb, limit);

	memset(s, 0, sizeof(*s));
	if (err)
		return err;
	s->base = (u8 *)(uintptr_t)fb->addr;
	s->pitch = fb->pitch;
	s->width = fb->width;
	s->height = fb->height;
	if (fb->type == MB2_FB_EGA_TEXT) {
		s->cols = fb->width;
		s->rows = fb->height;
	} else {
		s->bytes = bytes_per_pixel(fb->bpp);
		s->cols = fb->width / FONT_WIDTH;
		s->rows = fb->height / FONT_HEIGHT;
		s->fg = screen_pixel(fb, SCREEN_FG_RGB);
		s->bg = screen_pixel(fb, SCREEN_BG_RGB);
	}
	/* Pixel rows below the last text row too: nothing the firmware drew stays. */
	clear_rows(s, 0, s->bytes ? (s->height + FONT_HEIGHT - 1) / FONT_HEIGHT : s->rows);
	return SCREEN_OK;
}

static const u8 *glyph(char c)
{
	u8 i = (u8)c;

	if (i < FONT_FIRST || i > FONT_LAST)
		i = '?';
	return font_glyphs[i - FONT_FIRST];
}

void screen_put(struct screen *s, u32 x, u32 y, char c)
{
	const u8 *g = glyph(c);
	u8 *row;

	if (!s->bytes) {
		u16 cell = (u16)(SCREEN_TEXT_ATTR << 8 | (g == glyph('?') ? '?' : (u8)c));

		__builtin_memcpy(s->base + (u64)y * s->pitch + (u64)x * 2, &cell, 2);
		return;
	}
	row = s->base + (u64)y * FONT_HEIGHT * s->pitch + (u64)x * FONT_WIDTH * s->bytes;
	for (u32 r = 0; r < FONT_HEIGHT; r++, row += s->pitch) {
		u8 *p = row;

		for (u32 b = 0; b < FONT_WIDTH; b++, p += s->bytes) {
			u32 v = g[r] & (0x80 >> b) ? s->fg : s->bg;

			__builtin_memcpy(p, &v, s->bytes);
		}
	}
}

/*
 * Moves every text row up by one and clears the last. This reads the framebuffer, slow on
 * uncached video memory, but it is one pass per line and keeps no copy of the screen.
 */
static void scroll(struct screen *s)
{
	u64 line = (u64)s->pitch * (s->bytes ? FONT_HEIGHT : 1);

	/* Forward by quadwords (lib/string.c): each video memory access costs, whatever its width. */
	memmove(s->base, s->base + line, line * (s->rows - 1));
	clear_rows(s, s->rows - 1, 1);
}

static void newline(struct screen *s)
{
	s->x = 0;
	if (s->y + 1 < s->rows)
		s->y++;
	else
		scroll(s);
}

void screen_write(struct screen *s, const char *text, size_t n)
{
	if (!s->base)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (c == '\n') {
			newline(s);
			continue;
		}
		if (c == '\r') {
			s->x = 0;
			continue;
		}
		if (s->x == s->cols)
			newline(s); /* wrap only when there is more to draw on the full line */
		if (c == '\t') {
			do
				screen_put(s, s->x++, s->y, ' ');
			while (s->x % 8 && s->x < s->cols);
			continue;
		}
		screen_put(s, s->x++, s->y, c);
	}
}

const char *screen_strerror(enum screen_error e)
{
	static const char *const names[] = {
		[SCREEN_OK] = "ok",
		[SCREEN_E_TYPE] = "neither EGA text nor direct RGB",
		[SCREEN_E_BPP] = "unsupported bits per pixel",
		[SCREEN_E_FIELDS] = "colour fields outside the pixel",
		[SCREEN_E_GEOMETRY] = "too small for one character, or too large",
		[SCREEN_E_PITCH] = "rows do not fit in the pitch, or the framebuffer is too large",
		[SCREEN_E_ADDRESS] = "no address, or beyond any physical address",
		[SCREEN_E_UNMAPPED] = "not mapped",
	};

	if ((unsigned int)e < ARRAY_SIZE(names) && names[e])
		return names[e];
	return "unknown error";
}
