// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/loader_linux.c: bzImages by the boot protocol; crafted and broken headers. */
#include "kernel_builder.h"
#include "hv/loader_linux.h"

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_LEN 0x3000 /* protected-mode bytes in the file */
#define INIT_SIZE 0x40000
#define PREF 0x1000000
#define RAM_CHUNKS 16 /* 32 MiB */
#define FILL 0xAA
#define CMDLINE "console=ttyS0 quiet"
#define RSDP 0xe0000

static struct test_ram ram;
static struct kb k;
static u8 initrd_a[5001], initrd_b[300];

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(initrd_a); i++)
		initrd_a[i] = (u8)(i * 13 + 5);
	for (size_t i = 0; i < sizeof(initrd_b); i++)
		initrd_b[i] = (u8)(i * 3 + 1);
	ram_init(&ram, RAM_CHUNKS, FILL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ram_free(&ram);
	return 0;
}

static void put(size_t off, u64 v, size_t bytes)
{
	kb_put(&k, off, &v, bytes);
}

/* A bzImage as Linux 6.1's build makes one, in the fields the loader reads. */
static void bzimage(void)
{
	kb_begin(&k);
	kb_fill(&k, 0, SETUP_SIZE, 0x11);
	put(LINUX_SETUP_SECTS, SETUP_SECTS, 1);
	put(LINUX_SYSSIZE, PM_LEN / 16, 4);
	put(LINUX_BOOT_FLAG, LINUX_BOOT_FLAG_MAGIC, 2);
	put(LINUX_JUMP, 0x6aeb, 2); /* jmp over a header that ends at 0x26c */
	put(LINUX_HEADER, LINUX_HEADER_MAGIC, 4);
	put(LINUX_VERSION, 0x020f, 2);
	put(LINUX_TYPE_OF_LOADER, 0, 1);
	put(LINUX_LOADFLAGS, LINUX_LOADED_HIGH, 1);
	put(LINUX_CODE32_START, 0x100000, 4);
	put(LINUX_RAMDISK_IMAGE, 0, 4);
	put(LINUX_RAMDISK_SIZE, 0, 4);
	put(LINUX_CMD_LINE_PTR, 0, 4);
	put(LINUX_INITRD_ADDR_MAX, 0x7fffffff, 4);
	put(LINUX_KERNEL_ALIGNMENT, 0x200000, 4);
	put(LINUX_RELOCATABLE, 1, 1);
	put(LINUX_MIN_ALIGNMENT, 21, 1);
	put(LINUX_XLOADFLAGS, 0x7f, 2);
	put(LINUX_CMDLINE_SIZE, 2047, 4);
	put(LINUX_PREF_ADDRESS, PREF, 8);
	put(LINUX_INIT_SIZE, INIT_SIZE, 4);
	kb_fill(&k, SETUP_SIZE, PM_LEN, 0x22);
}

static int load(struct loader_linux_result *res, const struct loader_module *initrds, u32 nr)
{
	struct loader_linux_args a = {
		.image = kb_bytes(&k), .image_len = k.len,
		.cmdline = CMDLINE, .cmdline_len = sizeof(CMDLINE) - 1,
		.initrds = initrds, .nr_initrds = nr, .rsdp_gpa = RSDP,
	};

	return loader_linux_load(&ram.gm, &a, res);
}

static u64 bp(u64 off, u32 bytes)
{
	u64 v = 0;

	assert_int_equal(gmem_read(&ram.gm, LINUX_BOOT_PARAMS_GPA + off, &v, bytes), 0);
	return v;
}

static void fresh_ram(void)
{
	ram_free(&ram);
	ram_init(&ram, RAM_CHUNKS, FILL);
}

static bool ram_untouched(void)
{
	return ram_all(&ram, 0, ram.gm.size, FILL);
}

static void test_loads_at_pref_address(void **state)
{
	const struct loader_module one = { initrd_a, sizeof(initrd_a), "", 0 };
	struct loader_linux_result res;
	static const u64 gdt[] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };

	(void)state;
	fresh_ram();
	bzimage();
	assert_int_equal(load(&res, &one, 1), 0);
	assert_string_equal(res.error, "");
	assert_int_equal(res.version, 0x020f);
	assert_int_equal(res.entry, PREF);
	assert_int_equal(res.kernel_start, PREF);
	assert_int_equal(res.kernel_end, PREF + INIT_SIZE);
	assert_ram_equal(&ram, PREF, kb_bytes(&k) + SETUP_SIZE, PM_LEN);
	assert_true(ram_all(&ram, PREF + PM_LEN, INIT_SIZE - PM_LEN, FILL));

	/* The zero page: the file's setup header, then what a loader sets. */
	assert_int_equal(res.boot_params, LINUX_BOOT_PARAMS_GPA);
	assert_int_equal(bp(LINUX_HEADER, 4), LINUX_HEADER_MAGIC);
	assert_int_equal(bp(LINUX_XLOADFLAGS, 2), 0x7f);
	assert_int_equal(bp(LINUX_INIT_SIZE, 4), INIT_SIZE);
	assert_int_equal(bp(LINUX_TYPE_OF_LOADER, 1), LINUX_TYPE_UNDEFINED);
	assert_int_equal(bp(LINUX_VID_MODE, 2), LINUX_VID_NORMAL);
	assert_int_equal(bp(LINUX_CODE32_START, 4), PREF);
	assert_int_equal(bp(LINUX_CMD_LINE_PTR, 4), LINUX_CMDLINE_GPA);
	assert_ram_string(&ram, LINUX_CMDLINE_GPA, CMDLINE);
	assert_int_equal(bp(LINUX_BP_ACPI_RSDP_ADDR, 8), RSDP);
	assert_int_equal(bp(LINUX_BP_SENTINEL, 1), 0);
	assert_int_equal(bp(0, 8), 0); /* screen_info and the rest: zero */
	assert_int_equal(bp(0x26c, 4), 0); /* past the header: not copied from the file */
	assert_int_equal(bp(0x1f0, 1), 0);

	/* The initrd: page-aligned, as high as RAM allows, above the kernel. */
	assert_int_equal(bp(LINUX_RAMDISK_IMAGE, 4), res.initrd_start);
	assert_int_equal(bp(LINUX_RAMDISK_SIZE, 4), sizeof(initrd_a));
	assert_int_equal(bp(LINUX_BP_EXT_RAMDISK_IMAGE, 4), 0);
	assert_int_equal(res.initrd_start % PAGE_SIZE, 0);
	assert_int_equal(res.initrd_start, ALIGN_DOWN(ram.gm.size - sizeof(initrd_a), PAGE_SIZE));
	assert_int_equal(res.initrd_end, res.initrd_start + sizeof(initrd_a));
	assert_ram_equal(&ram, res.initrd_start, initrd_a, sizeof(initrd_a));

	/* e820: the PC layout of loader_mmap(), types 1 and 2. */
	assert_int_equal(bp(LINUX_BP_E820_ENTRIES, 1), 4);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 0, 8), 0);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 8, 8), LOADER_LOW_END);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 16, 4), LINUX_E820_RAM);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 20 + 16, 4), LINUX_E820_RESERVED);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 40 + 16, 4), LINUX_E820_RESERVED);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 60, 8), LOADER_HIGH_START);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 68, 8), ram.gm.size - LOADER_HIGH_START);
	assert_int_equal(bp(LINUX_BP_E820_TABLE + 76, 4), LINUX_E820_RAM);

	/* The GDT the 32-bit entry needs: __BOOT_CS 0x10, __BOOT_DS 0x18. */
	assert_int_equal(res.gdt_base, LINUX_GDT_GPA);
	assert_int_equal(res.gdt_limit, 31);
	assert_ram_equal(&ram, LINUX_GDT_GPA, gdt, sizeof(gdt));
}

static void test_lowest_aligned_when_pref_does_not_fit(void **state)
{
	struct loader_linux_result res;

	(void)state;
	fresh_ram();
	bzimage();
	put(LINUX_PREF_ADDRESS, ram.gm.size - INIT_SIZE / 2, 8); /* runs off the end of RAM */
	assert_int_equal(load(&res, NULL, 0), 0);
	assert_int_equal(res.entry, 0x200000); /* 1 MiB rounded up to kernel_alignment */
	assert_int_equal(bp(LINUX_CODE32_START, 4), 0x200000);
	assert_ram_equal(&ram, 0x200000, kb_bytes(&k) + SETUP_SIZE, PM_LEN);
	assert_int_equal(bp(LINUX_RAMDISK_IMAGE, 4), 0);
	assert_int_equal(bp(LINUX_RAMDISK_SIZE, 4), 0);

	/* A pref_address not at min_alignment is not used either. */
	fresh_ram();
	put(LINUX_PREF_ADDRESS, PREF + 0x1000, 8);
	assert_int_equal(load(&res, NULL, 0), 0);
	assert_int_equal(res.entry, 0x200000);

	/* Too big for kernel_alignment: min_alignment is tried next. */
	fresh_ram();
	put(LINUX_KERNEL_ALIGNMENT, 0x1000000, 4);
	put(LINUX_MIN_ALIGNMENT, 20, 1);
	put(LINUX_PREF_ADDRESS, 0, 8);
	put(LINUX_INIT_SIZE, ram.gm.size - 0x1000000 + 0x1000, 4);
	assert_int_equal(load(&res, NULL, 0), 0);
	assert_int_equal(res.entry, 0x100000);
}

static void test_not_relocatable_at_1mib(void **state)
{
	struct loader_linux_result res;

	(void)state;
	fresh_ram();
	bzimage();
	put(LINUX_RELOCATABLE, 0, 1);
	put(LINUX_CODE32_START, 0x100200, 4);
	assert_int_equal(load(&res, NULL, 0), 0);
	assert_int_equal(res.kernel_start, 0x100000);
	assert_int_equal(res.entry, 0x100200);
	assert_ram_equal(&ram, 0x100000, kb_bytes(&k) + SETUP_SIZE, PM_LEN);

	fresh_ram();
	put(LINUX_CODE32_START, 0x100000 + PM_LEN, 4);
	assert_int_equal(load(&res, NULL, 0), -EINVAL);
	assert_string_equal(res.error, "code32_start 0x103000 is outside the kernel");
	assert_true(ram_untouched());
}

static void test_initrds_concatenated_below_max(void **state)
{
	const struct loader_module two[] = {
		{ initrd_a, sizeof(initrd_a), "a", 1 }, { initrd_b, sizeof(initrd_b), "b", 1 },
	};
	u64 second = ALIGN_UP(sizeof(initrd_a), 4);
	struct loader_linux_result res;

	(void)state;
	fresh_ram();
	bzimage();
	put(LINUX_INITRD_ADDR_MAX, 0x17fffff, 4); /* the last byte at 24 MiB - 1 */
	assert_int_equal(load(&res, two, 2), 0);
	assert_int_equal(res.initrd_end - res.initrd_start, second + sizeof(initrd_b));
	assert_true(res.initrd_end <= 0x1800000);
	assert_true(res.initrd_start >= res.kernel_end);
	assert_int_equal(res.initrd_start, ALIGN_DOWN(0x1800000 - second - sizeof(initrd_b),
						      PAGE_SIZE));
	assert_ram_equal(&ram, res.initrd_start, initrd_a, sizeof(initrd_a));
	assert_true(ram_all(&ram, res.initrd_start + sizeof(initrd_a),
			    second - sizeof(initrd_a), 0));
	assert_ram_equal(&ram, res.initrd_start + second, initrd_b, sizeof(initrd_b));
	assert_int_equal(bp(LINUX_RAMDISK_SIZE, 4), second + sizeof(initrd_b));

	/* Nowhere between the kernel and initrd_addr_max. */
	fresh_ram();
	put(LINUX_INITRD_ADDR_MAX, PREF + INIT_SIZE + 100, 4);
	assert_int_equal(load(&res, two, 2), -ENOSPC);
	assert_true(ram_untouched());
	put(LINUX_INITRD_ADDR_MAX, 0, 4);
	assert_int_equal(load(&res, two, 2), -ENOSPC);
	assert_true(ram_untouched());
}

/* One broken field at a time: the error, and not a byte of RAM written. */
struct broken {
	size_t off;
	u64 value;
	size_t bytes;
	int err;
	const char *why;
};

static const struct broken broken[] = {
	{ LINUX_HEADER, 0x53726449, 4, -EINVAL, "no Linux setup header (\"HdrS\" at 0x202)" },
	{ LINUX_VERSION, 0x020b, 2, -ENOTSUP, "boot protocol 2.11: Kestrel needs 2.12 or later" },
	{ LINUX_BOOT_FLAG, 0x55aa, 2, -EINVAL, "boot_flag is not 0xAA55" },
	{ LINUX_JUMP + 1, 0x40, 1, -EINVAL, "setup header ends at 0x242: outside [0x264, 0x290]" },
	{ LINUX_JUMP + 1, 0x90, 1, -EINVAL, "setup header ends at 0x292: outside [0x264, 0x290]" },
	{ LINUX_SETUP_SECTS, 30, 1, -EINVAL, "setup of 15872 bytes in a file of 14848" },
	{ LINUX_SETUP_SECTS, 255, 1, -EINVAL, "setup of 131072 bytes in a file of 14848" },
	{ LINUX_LOADFLAGS, 0, 1, -ENOTSUP, "a zImage (loaded below 1 MiB): only bzImage is "
	  "supported" },
	{ LINUX_SYSSIZE, 0, 4, -EINVAL, "syssize says 0 bytes of protected-mode code, the file "
	  "has 12288" },
	{ LINUX_SYSSIZE, PM_LEN / 16 + 1, 4, -EINVAL, "syssize says 12304 bytes of "
	  "protected-mode code, the file has 12288" },
	{ LINUX_INIT_SIZE, PM_LEN - 1, 4, -EINVAL, "init_size 0x2fff is less than the 0x3000 "
	  "bytes loaded" },
	{ LINUX_INIT_SIZE, 0xffffffff, 4, -ENOSPC, "kernel of init_size 0xffffffff does not fit "
	  "in 32 MiB of RAM" },
	{ LINUX_KERNEL_ALIGNMENT, 0x300000, 4, -EINVAL, "kernel_alignment 0x300000: not a power "
	  "of two from min_alignment to 1 GiB" },
	{ LINUX_KERNEL_ALIGNMENT, 0x1000, 4, -EINVAL, "kernel_alignment 0x1000: not a power of "
	  "two from min_alignment to 1 GiB" },
	{ LINUX_MIN_ALIGNMENT, 5, 1, -EINVAL, "min_alignment 2^5: not 4 KiB to 1 GiB" },
	{ LINUX_MIN_ALIGNMENT, 63, 1, -EINVAL, "min_alignment 2^63: not 4 KiB to 1 GiB" },
	{ LINUX_CMDLINE_SIZE, 5, 4, -EINVAL, "command line of 19 bytes: the kernel takes 5" },
};

static void test_broken_headers(void **state)
{
	struct loader_linux_result res;

	(void)state;
	fresh_ram();
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
		bzimage();
		put(broken[i].off, broken[i].value, broken[i].bytes);
		assert_int_equal(load(&res, NULL, 0), broken[i].err);
		assert_string_equal(res.error, broken[i].why);
		assert_int_equal(res.entry, 0);
		assert_int_equal(res.boot_params, 0);
		assert_true(ram_untouched());
	}
}

static void test_truncated_files(void **state)
{
	struct loader_linux_result res;
	struct loader_linux_args a = { .cmdline = "", .cmdline_len = 0 };

	(void)state;
	fresh_ram();
	bzimage();
	/* Each prefix in a buffer of exactly its size: ASan catches a read past its end. */
	for (u64 len = 0; len <= SETUP_SIZE; len++) {
		u8 *copy = malloc(len ? len : 1);

		memcpy(copy, kb_bytes(&k), len);
		a.image = copy;
		a.image_len = len;
		assert_true(loader_linux_load(&ram.gm, &a, &res) < 0);
		free(copy);
	}
	/* Once for all prefixes: RAM is not refilled between them, so any write would still show. */
	assert_true(ram_untouched());
	a.image = NULL;
	a.image_len = k.len;
	assert_int_equal(loader_linux_load(&ram.gm, &a, &res), -EINVAL);
	assert_false(loader_linux_detect(NULL, 4096));
	assert_true(loader_linux_detect(kb_bytes(&k), k.len));
	assert_false(loader_linux_detect(kb_bytes(&k), LINUX_HEADER + 3));
}

/* Random header bytes: any outcome but a write outside RAM or a read outside the file. */
static void test_random_headers(void **state)
{
	const struct loader_module one = { initrd_b, sizeof(initrd_b), "", 0 };
	struct loader_linux_result res;
	u32 seed = 12345;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		bzimage();
		for (int j = 0; j < 4; j++) {
			seed = seed * 1103515245 + 12345;
			kb_bytes(&k)[LINUX_SETUP_SECTS + (seed >> 8) % (0x270 - LINUX_SETUP_SECTS)] =
				(u8)(seed >> 24);
		}
		if (load(&res, &one, 1) == 0) {
			assert_true(res.kernel_start >= LOADER_HIGH_START);
			assert_true(res.kernel_end <= ram.gm.size);
			assert_true(res.initrd_start >= res.kernel_end);
			assert_true(res.initrd_end <= ram.gm.size);
		} else {
			assert_true(res.error[0] != '\0');
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_at_pref_address),
		cmocka_unit_test(test_lowest_aligned_when_pref_does_not_fit),
		cmocka_unit_test(test_not_relocatable_at_1mib),
		cmocka_unit_test(test_initrds_concatenated_below_max),
		cmocka_unit_test(test_broken_headers),
		cmocka_unit_test(test_truncated_files),
		cmocka_unit_test(test_random_headers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
