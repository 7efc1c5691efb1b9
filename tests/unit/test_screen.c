// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/screen.c: hostile framebuffer tags, glyphs in every pixel format, the grid. */
#include "unit.h"
#include "hv/font.h"
#include "hv/screen.h"

#define LIMIT (4 * GiB)

static struct mb2_framebuffer rgb32(u64 addr, u32 w, u32 h)
{
	return (struct mb2_framebuffer){ .addr = addr, .pitch = w * 4, .width = w, .height = h,
					 .bpp = 32, .type = MB2_FB_RGB, .red_pos = 16,
					 .red_size = 8, .green_pos = 8, .green_size = 8,
					 .blue_pos = 0, .blue_size = 8 };
}

static struct mb2_framebuffer ega(u64 addr, u32 cols, u32 rows)
{
	return (struct mb2_framebuffer){ .addr = addr, .pitch = cols * 2, .width = cols,
					 .height = rows, .bpp = 16, .type = MB2_FB_EGA_TEXT };
}

static void test_check_valid(void **state)
{
	struct mb2_framebuffer fb = rgb32(0x80000000, 1024, 768);

	(void)state;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_OK);
	fb = ega(0xb8000, 80, 25);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_OK);
	/* 24 and 16 (5:6:5) bpp, a pitch with padding, the smallest screen of one character. */
	fb = rgb32(0xfd000000, 800, 600);
	fb.bpp = 24;
	fb.pitch = 2400 + 64;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_OK);
	fb = (struct mb2_framebuffer){ .addr = 0xe0000000, .pitch = 16, .width = 8, .height = 16,
				       .bpp = 16, .type = MB2_FB_RGB, .red_pos = 11, .red_size = 5,
				       .green_pos = 5, .green_size = 6, .blue_size = 5 };
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_OK);
	fb.bpp = 15; /* 5:5:5 in two bytes */
	fb.red_pos = 10;
	fb.green_size = 5;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_OK);
	/* Above 4 GiB, ending exactly at the limit. */
	fb = rgb32(0x800000000ull, 1024, 768);
	assert_int_equal(screen_check(&fb, 0x800000000ull + 1024 * 768 * 4), SCREEN_OK);
}

static void test_check_hostile(void **state)
{
	static const u8 bad_bpp[] = { 0, 1, 7, 8, 12, 17, 31, 33, 48, 64, 255 };
	struct mb2_framebuffer fb;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad_bpp); i++) {
		fb = rgb32(0x80000000, 640, 480);
		fb.bpp = bad_bpp[i];
		assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_BPP);
	}
	fb = ega(0xb8000, 80, 25);
	fb.bpp = 8;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_BPP);

	for (u8 type = 0; type < 255; type++) {
		if (type == MB2_FB_RGB || type == MB2_FB_EGA_TEXT)
			continue;
		fb = rgb32(0x80000000, 640, 480);
		fb.type = type; /* indexed (0) among them: no palette is programmed */
		assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_TYPE);
	}

	/* Colour fields: empty, wider than a byte, outside the pixel. */
	fb = rgb32(0x80000000, 640, 480);
	fb.green_size = 0;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_FIELDS);
	fb.green_size = 9;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_FIELDS);
	fb = rgb32(0x80000000, 640, 480);
	fb.red_pos = 250;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_FIELDS);
	fb.bpp = 24;
	fb.red_pos = 17;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_FIELDS);

	/* Too small for one character, empty, absurdly large. */
	fb = rgb32(0x80000000, 7, 480);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);
	fb = rgb32(0x80000000, 640, 15);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);
	fb = rgb32(0x80000000, 640, 0);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);
	fb = rgb32(0x80000000, 0xffffffff, 480);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);
	fb = ega(0xb8000, 0, 25);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);
	fb = ega(0xb8000, 80, 0);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);
	fb = ega(0xb8000, 100000, 25);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_GEOMETRY);

	/* Pitch: zero, one byte short of a row (also where width * bpp overflows 32 bits), huge. */
	fb = rgb32(0x80000000, 640, 480);
	fb.pitch = 0;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_PITCH);
	fb.pitch = 640 * 4 - 1;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_PITCH);
	fb = rgb32(0x80000000, 16384, 480);
	fb.pitch = (u32)(16384u * 4) - 1;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_PITCH);
	fb.bpp = 24;
	fb.pitch = 16384 * 3 - 1;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_PITCH);
	fb = rgb32(0x80000000, 640, 480);
	fb.pitch = 0xffffffff; /* 2 TiB in all */
	assert_int_equal(screen_check(&fb, ~0ull), SCREEN_E_PITCH);
	fb = ega(0xb8000, 80, 25);
	fb.pitch = 159;
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_PITCH);

	/* Address: none, wrapping around, beyond any physical address, beyond the mapping. */
	fb = rgb32(0, 640, 480);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_ADDRESS);
	fb = rgb32(~0ull - 4096, 640, 480);
	assert_int_equal(screen_check(&fb, ~0ull), SCREEN_E_ADDRESS);
	fb = rgb32(1ull << 52, 640, 480);
	assert_int_equal(screen_check(&fb, ~0ull), SCREEN_E_ADDRESS);
	fb = rgb32((1ull << 52) - 4096, 640, 480);
	assert_int_equal(screen_check(&fb, ~0ull), SCREEN_E_ADDRESS);
	fb = rgb32(0x800000000ull, 1024, 768);
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_UNMAPPED);
	fb = rgb32(LIMIT - 1024 * 768 * 4 + 1, 1024, 768); /* one byte past */
	assert_int_equal(screen_check(&fb, LIMIT), SCREEN_E_UNMAPPED);

	/* A rejected framebuffer leaves the screen unusable, and writing to it does nothing. */
	{
		struct screen s;

		memset(&s, 0x5a, sizeof(s));
		assert_int_equal(screen_init(&s, &fb, LIMIT), SCREEN_E_UNMAPPED);
		assert_null(s.base);
		screen_write(&s, "hello\n", 6);
	}
	assert_string_equal(screen_strerror(SCREEN_E_PITCH),
			    "rows do not fit in the pitch, or the framebuffer is too large");
	assert_string_equal(screen_strerror((enum screen_error)99), "unknown error");
}

static void test_pixel_formats(void **state)
{
	struct mb2_framebuffer fb = rgb32(1, 8, 16);

	(void)state;
	assert_int_equal(screen_pixel(&fb, 0x123456), 0x123456);
	fb.red_pos = 0;
	fb.blue_pos = 16; /* BGR */
	assert_int_equal(screen_pixel(&fb, 0x123456), 0x563412);
	fb = (struct mb2_framebuffer){ .bpp = 16, .red_pos = 11, .red_size = 5, .green_pos = 5,
				       .green_size = 6, .blue_size = 5 };
	assert_int_equal(screen_pixel(&fb, SCREEN_FG_RGB), (21u << 11) | (42u << 5) | 21u);
	assert_int_equal(screen_pixel(&fb, 0xffffff), 0xffff);
}

/* A framebuffer in a heap block of exactly its size (ASan sees any write outside it). */
struct fbuf {
	struct mb2_framebuffer fb;
	u8 *mem;
	size_t size;
};

static void fbuf_alloc(struct fbuf *f, struct mb2_framebuffer fb)
{
	f->size = (size_t)fb.pitch * fb.height;
	f->mem = malloc(f->size);
	assert_non_null(f->mem);
	memset(f->mem, 0x5a, f->size);
	fb.addr = (u64)(uintptr_t)f->mem;
	f->fb = fb;
}

static u32 pixel_at(const struct fbuf *f, u32 px, u32 py, u32 bytes)
{
	u32 v = 0;

	memcpy(&v, f->mem + (size_t)py * f->fb.pitch + (size_t)px * bytes, bytes);
	return v;
}

/* Every pixel of the grid matches the glyphs of text (rows of cols characters, ' ' padded). */
static void expect_pixels(const struct fbuf *f, const struct screen *s, const char *const *rows)
{
	for (u32 y = 0; y < s->rows; y++) {
		for (u32 x = 0; x < s->cols; x++) {
			char c = x < strlen(rows[y]) ? rows[y][x] : ' ';
			const u8 *g = font_glyphs[c - FONT_FIRST];

			for (u32 r = 0; r < FONT_HEIGHT; r++)
				for (u32 b = 0; b < FONT_WIDTH; b++)
					assert_int_equal(pixel_at(f, x * 8 + b, y * 16 + r,
								  s->bytes),
							 g[r] & (0x80 >> b) ? s->fg : s->bg);
		}
	}
}

static void test_render_formats(void **state)
{
	static const struct {
		u8 bpp, bytes, rp, rs, gp, gs, bp, bs;
	} fmts[] = {
		{ 32, 4, 16, 8, 8, 8, 0, 8 }, { 32, 4, 0, 8, 8, 8, 16, 8 },
		{ 24, 3, 16, 8, 8, 8, 0, 8 }, { 16, 2, 11, 5, 5, 6, 0, 5 },
		{ 15, 2, 10, 5, 5, 5, 0, 5 },
	};
	static const char *const rows[] = { "Kx?", "", "{}~" };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct mb2_framebuffer fb = {
			.width = 3 * 8 + 5, .height = 3 * 16 + 7, .bpp = fmts[i].bpp,
			.type = MB2_FB_RGB, .red_pos = fmts[i].rp, .red_size = fmts[i].rs,
			.green_pos = fmts[i].gp, .green_size = fmts[i].gs, .blue_pos = fmts[i].bp,
			.blue_size = fmts[i].bs,
		};
		struct screen s;
		struct fbuf f;

		fb.pitch = fb.width * fmts[i].bytes + 13; /* padding the screen must not touch */
		fbuf_alloc(&f, fb);
		assert_int_equal(screen_init(&s, &f.fb, ~0ull), SCREEN_OK);
		assert_int_equal(s.cols, 3);
		assert_int_equal(s.rows, 3);
		assert_int_equal(s.bytes, fmts[i].bytes);
		assert_int_equal(s.fg, screen_pixel(&f.fb, SCREEN_FG_RGB));
		/* Cleared: every pixel of every row, margins too; the padding left alone. */
		for (u32 py = 0; py < fb.height; py++) {
			for (u32 px = 0; px < fb.width; px++)
				assert_int_equal(pixel_at(&f, px, py, s.bytes), s.bg);
			for (u32 k = fb.width * fmts[i].bytes; k < fb.pitch; k++)
				assert_int_equal(f.mem[(size_t)py * fb.pitch + k], 0x5a);
		}
		screen_write(&s, "Kx\x01\n\n{}~", 8); /* \x01: no glyph, drawn as '?' */
		expect_pixels(&f, &s, rows);
		/* A fourth line scrolls: the old second row is now the first. */
		screen_write(&s, "\nAB", 3);
		expect_pixels(&f, &s, (const char *const[]){ "", "{}~", "AB" });
		for (u32 py = 3 * 16; py < fb.height; py++) /* the bottom margin stays clear */
			for (u32 px = 0; px < fb.width; px++)
				assert_int_equal(pixel_at(&f, px, py, s.bytes), s.bg);
		free(f.mem);
	}
}

/* The grid in VGA text cells, against a model: wrap only when more comes, scroll at the end. */
struct model {
	char cell[6][5];
	u32 x, y;
};

static void model_newline(struct model *m, u32 cols, u32 rows)
{
	m->x = 0;
	if (m->y + 1 < rows) {
		m->y++;
		return;
	}
	memmove(m->cell[0], m->cell[1], sizeof(m->cell[0]) * (rows - 1));
	memset(m->cell[rows - 1], ' ', cols);
}

static void model_write(struct model *m, u32 cols, u32 rows, char c)
{
	if (c == '\n') {
		model_newline(m, cols, rows);
		return;
	}
	if (m->x == cols)
		model_newline(m, cols, rows);
	if (c == '\t') {
		do
			m->cell[m->y][m->x++] = ' ';
		while (m->x % 8 && m->x < cols);
		return;
	}
	m->cell[m->y][m->x++] = (c >= 0x20 && c <= 0x7e) ? c : '?';
}

static void expect_cells(const struct fbuf *f, const struct model *m, u32 cols, u32 rows)
{
	for (u32 y = 0; y < rows; y++) {
		for (u32 x = 0; x < cols; x++) {
			u16 cell;

			memcpy(&cell, f->mem + y * f->fb.pitch + x * 2, 2);
			assert_int_equal(cell, SCREEN_TEXT_ATTR << 8 | (u8)m->cell[y][x]);
		}
	}
}

static void test_text_grid(void **state)
{
	static const char alphabet[] = "ab \n\n\t~\x7f\xe9Z";
	struct mb2_framebuffer fb;
	u64 seed = 7;
	struct fbuf f;
	struct screen s;
	struct model m;

	(void)state;
	/* A full line stays on its row until more comes: "abcd\n" is one line, not two. */
	fb = ega(0, 4, 3);
	fb.pitch = 10; /* one cell of padding */
	fbuf_alloc(&f, fb);
	assert_int_equal(screen_init(&s, &f.fb, ~0ull), SCREEN_OK);
	screen_write(&s, "abcd", 4);
	assert_int_equal(s.x, 4);
	assert_int_equal(s.y, 0);
	screen_write(&s, "\nefghi", 6);
	assert_int_equal(s.y, 2);
	assert_int_equal(s.x, 1);
	assert_memory_equal(f.mem + 10, "e\x07" "f\x07" "g\x07" "h\x07", 8);
	assert_memory_equal(f.mem + 20, "i\x07 \x07", 4);
	assert_int_equal(f.mem[8], 0x5a); /* the padding cell untouched */
	free(f.mem);

	/* Random text against the model, in every grid size up to 5x6. */
	for (u32 cols = 1; cols <= 5; cols++) {
		for (u32 rows = 1; rows <= 6; rows++) {
			fbuf_alloc(&f, ega(0, cols, rows));
			assert_int_equal(screen_init(&s, &f.fb, ~0ull), SCREEN_OK);
			memset(&m, ' ', sizeof(m));
			m.x = m.y = 0;
			for (u32 i = 0; i < 400; i++) {
				char c = alphabet[unit_rand(&seed) % (sizeof(alphabet) - 1)];

				screen_write(&s, &c, 1);
				model_write(&m, cols, rows, c);
				assert_int_equal(s.x, m.x);
				assert_int_equal(s.y, m.y);
			}
			expect_cells(&f, &m, cols, rows);
			free(f.mem);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_valid),
		cmocka_unit_test(test_check_hostile),
		cmocka_unit_test(test_pixel_formats),
		cmocka_unit_test(test_render_formats),
		cmocka_unit_test(test_text_grid),
	};

	return unit_run(tests);
}
