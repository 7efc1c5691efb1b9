// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/multiboot2.c: valid boot information, and every way it can be malformed. */
#include "mb2_builder.h"

static const struct mb2_mmap_entry two_ranges[] = {
	{ 0, 0x9fc00, MB2_MEM_AVAILABLE, 0 },
	{ 0x100000, 0x7ff00000, MB2_MEM_AVAILABLE, 0 },
};

static struct boot_info bi;

/* Parses a heap copy of exactly the built bytes, then frees it. */
static enum mb2_error parse_built(struct mb2_builder *b, bool end_tag)
{
	u8 *p = end_tag ? mb2_finish(b) : mb2_copy(b);
	enum mb2_error e = mb2_parse(MB2_BOOTLOADER_MAGIC, p, b->len, &bi);

	free(p);
	return e;
}

/* A structure with one memory map, so that only what a test adds can go wrong. */
static void begin_with_mmap(struct mb2_builder *b)
{
	mb2_begin(b);
	mb2_tag_mmap(b, two_ranges, ARRAY_SIZE(two_ranges));
}

static void test_valid_everything(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		{ 0, 0x9fc00, MB2_MEM_AVAILABLE, 0 },
		{ 0x9fc00, 0x400, 2, 0 },
		{ 0xf0000, 0, 2, 0 }, /* empty: dropped */
		{ 0x100000, 0x3ff00000, MB2_MEM_AVAILABLE, 0 },
		{ 0xfec00000, 0x1000, MB2_MEM_NVS, 0 },
	};
	u8 rsdp_old[20] = "RSD PTR old", rsdp_new[36] = "RSD PTR new";
	u32 meminfo[2] = { 639, 1047488 };
	struct mb2_builder b;
	size_t acpi_new;
	u8 *p;

	(void)state;
	mb2_begin(&b);
	mb2_tag_string(&b, MB2_TAG_CMDLINE, "/boot/kestrel.elf console=com1");
	mb2_tag_string(&b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	mb2_tag(&b, 21, 13, "12345"); /* unknown and of odd size: skipped, the next tag aligned */
	mb2_tag_module(&b, 0x200000, 0x280000, "guest.elf");
	mb2_tag_module(&b, 0x300000, 0x300000, ""); /* empty module, empty command line */
	mb2_tag(&b, MB2_TAG_BASIC_MEMINFO, 16, meminfo);
	mb2_tag_mmap(&b, map, ARRAY_SIZE(map));
	acpi_new = mb2_tag(&b, MB2_TAG_ACPI_NEW, 8 + sizeof(rsdp_new), rsdp_new);
	mb2_tag(&b, MB2_TAG_ACPI_OLD, 8 + sizeof(rsdp_old), rsdp_old); /* new wins even first */
	p = mb2_finish(&b);

	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len, &bi), MB2_OK);
	assert_ptr_equal((void *)(uintptr_t)bi.mbi_phys, p);
	assert_int_equal(bi.mbi_size, b.len);
	assert_string_equal(bi.cmdline, "/boot/kestrel.elf console=com1");
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_int_equal(bi.nr_modules, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x280000);
	assert_string_equal(bi.modules[0].cmdline, "guest.elf");
	assert_int_equal(bi.modules[1].start, bi.modules[1].end);
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.mem_lower_kib, 639);
	assert_int_equal(bi.mem_upper_kib, 1047488);
	assert_int_equal(bi.nr_mmap, 4);
	assert_memory_equal(&bi.mmap[0], &map[0], sizeof(map[0]) * 2);
	assert_memory_equal(&bi.mmap[2], &map[3], sizeof(map[0]) * 2);
	assert_ptr_equal(bi.rsdp, p + acpi_new + 8);
	assert_int_equal(bi.rsdp_len, sizeof(rsdp_new));
	free(p);
}

static void test_acpi_tags(void **state)
{
	u8 rsdp[20] = "RSD PTR ";
	struct mb2_builder b;
	size_t old, new;
	u8 *p;

	(void)state;
	/* Only the old tag: it is used. */
	begin_with_mmap(&b);
	old = mb2_tag(&b, MB2_TAG_ACPI_OLD, 28, rsdp);
	p = mb2_finish(&b);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len, &bi), MB2_OK);
	assert_ptr_equal(bi.rsdp, p + old + 8);
	assert_int_equal(bi.rsdp_len, 20);
	free(p);

	/* Old then new: the new one wins. */
	begin_with_mmap(&b);
	mb2_tag(&b, MB2_TAG_ACPI_OLD, 28, rsdp);
	new = mb2_tag(&b, MB2_TAG_ACPI_NEW, 44, NULL);
	p = mb2_finish(&b);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len, &bi), MB2_OK);
	assert_ptr_equal(bi.rsdp, p + new + 8);
	assert_int_equal(bi.rsdp_len, 36);
	free(p);

	/* None: NULL. Too short to hold an RSDP: an error. */
	begin_with_mmap(&b);
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_null(bi.rsdp);
	begin_with_mmap(&b);
	mb2_tag(&b, MB2_TAG_ACPI_OLD, 27, rsdp);
	assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);
}

static void test_header_errors(void **state)
{
	struct mb2_builder b;
	u64 *big;
	u8 *p;

	(void)state;
	begin_with_mmap(&b);
	p = mb2_finish(&b);
	bi.nr_mmap = 99;
	assert_int_equal(mb2_parse(0x2badb002, p, b.len, &bi), MB2_E_BAD_MAGIC);
	assert_int_equal(bi.nr_mmap, 0); /* *out is cleared even on failure */
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, 15, &bi), MB2_E_TOO_SMALL);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len - 1, &bi), MB2_E_TOO_BIG);
	mb2_put32(p, 8);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len, &bi), MB2_E_TOO_SMALL);
	mb2_put32(p, 15);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len, &bi), MB2_E_TOO_SMALL);
	free(p);

	/* Not 8-byte aligned: refused before anything is read. */
	begin_with_mmap(&b);
	mb2_tag_end(&b);
	mb2_put32(mb2_bytes(&b), b.len);
	memmove(mb2_bytes(&b) + 4, mb2_bytes(&b), b.len);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, mb2_bytes(&b) + 4, b.len, &bi),
			 MB2_E_MISALIGNED);

	/* Larger than the limit, even with a buffer big enough to hold it. */
	big = calloc(MB2_MAX_TOTAL_SIZE / 8 + 1, 8);
	assert_non_null(big);
	mb2_put32(big, MB2_MAX_TOTAL_SIZE + 8);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, big, MB2_MAX_TOTAL_SIZE + 8, &bi),
			 MB2_E_TOO_BIG);
	free(big);
}

static void test_tag_errors(void **state)
{
	struct mb2_builder b;
	size_t off;

	(void)state;
	/* A tag smaller than its own header. */
	begin_with_mmap(&b);
	off = mb2_tag(&b, 42, 8, NULL);
	mb2_put32(mb2_bytes(&b) + off + 4, 4);
	assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);

	/* A tag claiming to run past total_size. */
	begin_with_mmap(&b);
	off = mb2_tag_string(&b, MB2_TAG_CMDLINE, "x");
	mb2_tag_end(&b);
	mb2_put32(mb2_bytes(&b) + off + 4, b.len - off + 1);
	assert_int_equal(parse_built(&b, false), MB2_E_TAG_OVERRUN);

	/* No end tag, and an end tag cut short by total_size. */
	begin_with_mmap(&b);
	assert_int_equal(parse_built(&b, false), MB2_E_NO_END);
	begin_with_mmap(&b);
	mb2_tag(&b, MB2_TAG_END, 4, NULL);
	b.len -= 4;
	assert_int_equal(parse_built(&b, false), MB2_E_NO_END);

	/* Tags too small for their type. */
	begin_with_mmap(&b);
	mb2_tag(&b, MB2_TAG_BASIC_MEMINFO, 12, NULL);
	assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);
	begin_with_mmap(&b);
	mb2_tag(&b, MB2_TAG_MODULE, 16, NULL); /* no room for the command line's NUL */
	assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);
	mb2_begin(&b);
	mb2_tag(&b, MB2_TAG_MMAP, 12, NULL);
	assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);
}

/* A framebuffer tag body (after type and size): the common part, then RGB fields when given. */
static u32 fb_body(u8 *body, u64 addr, u32 pitch, u32 w, u32 h, u8 bpp, u8 type)
{
	memset(body, 0, 64);
	memcpy(body, &addr, 8);
	mb2_put32(body + 8, pitch);
	mb2_put32(body + 12, w);
	mb2_put32(body + 16, h);
	body[20] = bpp;
	body[21] = type;
	return 24;
}

static void test_framebuffer_tag(void **state)
{
	static const u8 rgb[6] = { 16, 8, 8, 8, 0, 8 };
	struct mb2_builder b;
	u8 body[64];
	size_t off;
	u32 n;

	(void)state;
	/* Direct RGB: every field kept, the colour positions too. */
	begin_with_mmap(&b);
	n = fb_body(body, 0xfd000000ull, 4096, 1024, 768, 32, MB2_FB_RGB);
	memcpy(body + n, rgb, sizeof(rgb));
	mb2_tag(&b, MB2_TAG_FRAMEBUFFER, 8 + n + 6, body);
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_true(bi.have_fb);
	assert_false(bi.efi);
	assert_int_equal(bi.fb.addr, 0xfd000000ull);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.type, MB2_FB_RGB);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.green_size, 8);
	assert_int_equal(bi.fb.blue_pos, 0);
	assert_int_equal(bi.fb.blue_size, 8);

	/* EGA text has no colour information: the common part is enough. */
	begin_with_mmap(&b);
	n = fb_body(body, 0xb8000, 160, 80, 25, 16, MB2_FB_EGA_TEXT);
	mb2_tag(&b, MB2_TAG_FRAMEBUFFER, 8 + n, body);
	mb2_tag(&b, MB2_TAG_EFI64, 16, NULL);
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_true(bi.have_fb);
	assert_true(bi.efi);
	assert_int_equal(bi.fb.addr, 0xb8000);
	assert_int_equal(bi.fb.type, MB2_FB_EGA_TEXT);
	assert_int_equal(bi.fb.red_size, 0);

	/* Hostile values are the screen's to judge; the parser only checks the lengths. */
	begin_with_mmap(&b);
	n = fb_body(body, ~0ull, 0, 0xffffffff, 0xffffffff, 255, 7);
	mb2_tag(&b, MB2_TAG_FRAMEBUFFER, 8 + n, body);
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_int_equal(bi.fb.type, 7);
	assert_int_equal(bi.fb.addr, ~0ull);

	/* Too short for the common part, or for the RGB fields its type promises. */
	for (u32 size = 8; size < 8 + 24; size++) {
		begin_with_mmap(&b);
		fb_body(body, 0xb8000, 160, 80, 25, 16, MB2_FB_EGA_TEXT);
		mb2_tag(&b, MB2_TAG_FRAMEBUFFER, size, body);
		assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);
		assert_false(bi.have_fb);
	}
	for (u32 size = 8 + 24; size < 8 + 24 + 6; size++) {
		begin_with_mmap(&b);
		n = fb_body(body, 0x80000000ull, 3200, 800, 600, 32, MB2_FB_RGB);
		memcpy(body + n, rgb, sizeof(rgb));
		mb2_tag(&b, MB2_TAG_FRAMEBUFFER, size, body);
		assert_int_equal(parse_built(&b, true), MB2_E_TAG_SIZE);
	}
	/* A tag that claims more than the structure holds is an overrun, as for any tag. */
	begin_with_mmap(&b);
	n = fb_body(body, 0xb8000, 160, 80, 25, 16, MB2_FB_EGA_TEXT);
	off = mb2_tag(&b, MB2_TAG_FRAMEBUFFER, 8 + n, body);
	mb2_put32(mb2_bytes(&b) + off + 4, 0x1000);
	assert_int_equal(parse_built(&b, true), MB2_E_TAG_OVERRUN);
}

static void test_unterminated_strings(void **state)
{
	static const u32 types[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME };
	struct mb2_builder b;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(types); i++) {
		begin_with_mmap(&b);
		mb2_tag(&b, types[i], 8 + 5, "hello"); /* no NUL inside the tag */
		assert_int_equal(parse_built(&b, true), MB2_E_STRING);
		begin_with_mmap(&b);
		mb2_tag(&b, types[i], 8, NULL); /* no room even for the NUL */
		assert_int_equal(parse_built(&b, true), MB2_E_STRING);
	}
	begin_with_mmap(&b);
	mb2_tag(&b, MB2_TAG_MODULE, 16 + 3, "\0\0\x10\0\0\0\x20\0abc");
	assert_int_equal(parse_built(&b, true), MB2_E_STRING);
}

static void test_mmap_entries(void **state)
{
	struct mb2_mmap_entry e[] = { { 0x1000, 0x2000, MB2_MEM_AVAILABLE, 0 } };
	static const u32 bad_sizes[] = { 0, 8, 16, 20, 28, 0xfffffff4 };
	struct mb2_builder b;
	size_t off;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		mb2_begin(&b);
		off = mb2_tag_mmap(&b, e, 1);
		mb2_put32(mb2_bytes(&b) + off + 8, bad_sizes[i]);
		assert_int_equal(parse_built(&b, true), MB2_E_MMAP_ENTRY);
	}

	/* Larger entries (a newer loader) are read at their own stride. */
	mb2_begin(&b);
	mb2_tag_mmap_sized(&b, two_ranges, 2, 40);
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_int_equal(bi.nr_mmap, 2);
	assert_memory_equal(bi.mmap, two_ranges, sizeof(two_ranges));

	/* An entry size that wraps the offset must not read past the tag. */
	mb2_begin(&b);
	off = mb2_tag(&b, MB2_TAG_MMAP, 16, NULL);
	mb2_put32(mb2_bytes(&b) + off + 8, 0xfffffff8);
	assert_int_equal(parse_built(&b, true), MB2_E_NO_MMAP);

	/* base + length past 2^64. */
	e[0].base = UINT64_MAX - 0xfff;
	e[0].length = 0x1000;
	mb2_begin(&b);
	mb2_tag_mmap(&b, e, 1);
	assert_int_equal(parse_built(&b, true), MB2_E_MMAP_ENTRY);
	e[0].length = 0xfff; /* ends at exactly 2^64 - 1: fine */
	mb2_begin(&b);
	mb2_tag_mmap(&b, e, 1);
	assert_int_equal(parse_built(&b, true), MB2_OK);
}

static void test_limits(void **state)
{
	static struct mb2_mmap_entry map[MB2_MAX_MMAP + 1];
	struct mb2_builder b;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mb2_mmap_entry){ (u64)i << 20, 1 << 20, MB2_MEM_AVAILABLE, 0 };
	mb2_begin(&b);
	mb2_tag_mmap(&b, map, MB2_MAX_MMAP);
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_int_equal(bi.nr_mmap, MB2_MAX_MMAP);
	mb2_begin(&b);
	mb2_tag_mmap(&b, map, MB2_MAX_MMAP + 1);
	assert_int_equal(parse_built(&b, true), MB2_E_TOO_MANY_MMAP);

	begin_with_mmap(&b);
	for (u32 i = 0; i < MB2_MAX_MODULES; i++)
		mb2_tag_module(&b, i << 20, (i << 20) + 0x1000, "m");
	assert_int_equal(parse_built(&b, true), MB2_OK);
	assert_int_equal(bi.nr_modules, MB2_MAX_MODULES);
	begin_with_mmap(&b);
	for (u32 i = 0; i <= MB2_MAX_MODULES; i++)
		mb2_tag_module(&b, i << 20, (i << 20) + 0x1000, "m");
	assert_int_equal(parse_built(&b, true), MB2_E_TOO_MANY_MODULES);
}

static void test_modules_and_mmap_required(void **state)
{
	static const struct mb2_mmap_entry empty[] = { { 0x1000, 0, MB2_MEM_AVAILABLE, 0 } };
	struct mb2_builder b;

	(void)state;
	begin_with_mmap(&b);
	mb2_tag_module(&b, 0x200000, 0x1fffff, "backwards");
	assert_int_equal(parse_built(&b, true), MB2_E_MODULE_RANGE);

	mb2_begin(&b);
	mb2_tag_string(&b, MB2_TAG_CMDLINE, "console=com1");
	assert_int_equal(parse_built(&b, true), MB2_E_NO_MMAP);
	mb2_begin(&b);
	mb2_tag_mmap(&b, empty, 1); /* only empty entries */
	assert_int_equal(parse_built(&b, true), MB2_E_NO_MMAP);
}

/* Builds a structure with one tag of each kind. */
static void build_typical(struct mb2_builder *b)
{
	u8 rsdp[36] = "RSD PTR ";

	mb2_begin(b);
	mb2_tag_string(b, MB2_TAG_CMDLINE, "console=com2 loglevel=debug");
	mb2_tag_string(b, MB2_TAG_LOADER_NAME, "GRUB");
	mb2_tag_module(b, 0x400000, 0x500000, "guest");
	mb2_tag_mmap(b, two_ranges, ARRAY_SIZE(two_ranges));
	mb2_tag(b, MB2_TAG_ACPI_NEW, 8 + sizeof(rsdp), rsdp);
	mb2_tag_end(b);
}

/* Every proper prefix of a valid structure is refused: its end tag is missing or cut. */
static void test_truncated(void **state)
{
	struct mb2_builder b;

	(void)state;
	build_typical(&b);
	for (size_t n = 16; n < b.len; n++) {
		u8 *p = malloc(n);

		assert_non_null(p);
		memcpy(p, b.buf, n);
		mb2_put32(p, n);
		assert_int_not_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, n, &bi), MB2_OK);
		free(p);
	}
}

/* Random corruption gives some result of the enum, never a crash or a read out of bounds. */
static void test_corrupted(void **state)
{
	u64 seed = 0x6b657374726c;
	struct mb2_builder b;
	enum mb2_error e;

	(void)state;
	build_typical(&b);
	for (int iter = 0; iter < 20000; iter++) {
		u8 *p = mb2_copy(&b);
		int flips = (int)unit_rand_range(&seed, 1, 4);

		for (int i = 0; i < flips; i++) {
			size_t at = unit_rand_range(&seed, 0, b.len - 1);

			/* Half the time small values: sizes stay plausible, tags get parsed. */
			p[at] = (u8)unit_rand(&seed) & (iter % 2 ? 0xff : 0x3f);
		}
		e = mb2_parse(MB2_BOOTLOADER_MAGIC, p, b.len, &bi);
		assert_in_range(e, MB2_OK, MB2_E_NO_MMAP);
		free(p);
	}
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = MB2_OK; e <= MB2_E_NO_MMAP; e++) {
		assert_string_not_equal(mb2_strerror(e), "unknown error");
		for (int f = MB2_OK; f < e; f++)
			assert_string_not_equal(mb2_strerror(e), mb2_strerror(f));
	}
	assert_string_equal(mb2_strerror(MB2_E_NO_MMAP + 1), "unknown error");
	assert_string_equal(mb2_strerror((enum mb2_error)-1), "unknown error");
	assert_string_equal(mb2_mem_type_name(MB2_MEM_AVAILABLE), "available");
	assert_string_equal(mb2_mem_type_name(MB2_MEM_BADRAM), "bad RAM");
	assert_string_equal(mb2_mem_type_name(2), "reserved");
	assert_string_equal(mb2_mem_type_name(0xffffffff), "reserved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_everything),
		cmocka_unit_test(test_acpi_tags),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_tag_errors),
		cmocka_unit_test(test_framebuffer_tag),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_mmap_entries),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_modules_and_mmap_required),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_strerror),
	};

	return unit_run(tests);
}
