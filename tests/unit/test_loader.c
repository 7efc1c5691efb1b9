// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/loader.c: multiboot 1 and 2 kernels loaded into guest RAM; hostile images. */
#include "kernel_builder.h"
#include "lib/multiboot2.h"

/* The standard kernel: two PT_LOAD segments, the second with bss, a header at HDR_OFF. */
#define PHOFF 0x40
#define HDR_OFF 0x100
#define TEXT_OFF 0x1000
#define TEXT_LEN 0x2345
#define TEXT_PA 0x100000
#define DATA_OFF 0x4000
#define DATA_LEN 0x321
#define DATA_PA 0x180000
#define DATA_MEMSZ 0x6000
#define ENTRY (TEXT_PA + 0x10)
#define KERNEL_END (DATA_PA + DATA_MEMSZ)
#define RAM_CHUNKS 4 /* 8 MiB */
#define FILL 0xAA
#define CMDLINE "console=ttyS0  rounds=100 "

static struct test_ram ram;
static u8 fill_chunk[GMEM_CHUNK_SIZE];

static u8 initrd[5000], blob[3] = { 1, 2, 3 };
static const struct loader_module two_modules[] = {
	{ initrd, sizeof(initrd), "initrd.img root=x", 17 },
	{ blob, sizeof(blob), "abcdef", 3 }, /* the string is "abc": lengths rule, not NULs */
};

static int setup(void **state)
{
	(void)state;
	memset(fill_chunk, FILL, sizeof(fill_chunk));
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (u8)(i * 13 + 5);
	ram_init(&ram, RAM_CHUNKS, FILL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ram_free(&ram);
	return 0;
}

/* Fresh RAM in the middle of a test. */
static void ram_reset(void)
{
	teardown(NULL);
	setup(NULL);
}

/* Nothing in guest RAM changed since setup. */
static bool ram_untouched(void)
{
	for (u64 i = 0; i < ram.gm.nr_chunks; i++)
		if (memcmp((void *)(uintptr_t)ram.chunks[i], fill_chunk, GMEM_CHUNK_SIZE))
			return false;
	return true;
}

static int load_into(const struct guest_mem *gm, const void *img, u64 len,
		     const struct loader_module *m, u32 nr, struct loader_result *res)
{
	struct loader_args a = { img, len, CMDLINE, strlen(CMDLINE), m, nr, "Kestrel", NULL, 0 };

	return loader_load(gm, &a, res);
}

/* Loads a heap copy of exactly the image's bytes with the two modules. */
static int load_kb(struct kb *k, struct loader_result *res)
{
	u8 *img = kb_copy(k);
	int err = load_into(&ram.gm, img, k->len, two_modules, 2, res);

	free(img);
	return err;
}

static void mb2_header_standard(struct kb *k)
{
	static const u32 want[] = { MB2_TAG_CMDLINE, MB2_TAG_MODULE, MB2_TAG_MMAP, 8 };

	kb_mb2_begin(k, HDR_OFF);
	kb_mb2_tag32(k, MB2_HTAG_INFO_REQUEST, 0, want, ARRAY_SIZE(want));
	kb_mb2_tag(k, MB2_HTAG_MODULE_ALIGN, 0, NULL, 8);
	kb_mb2_end(k);
}

/* The standard kernel as ELF32 or ELF64 with a multiboot (mb 1) or multiboot2 (mb 2) header. */
static void build_kernel(struct kb *k, bool elf64, int mb)
{
	kb_begin(k);
	if (elf64)
		kb_elf64(k, ENTRY, PHOFF, 2);
	else
		kb_elf32(k, ENTRY, PHOFF, 2);
	kb_phdr(k, elf64, PHOFF, 0, ELF_PT_LOAD, TEXT_OFF, TEXT_PA, TEXT_PA, TEXT_LEN, TEXT_LEN);
	kb_phdr(k, elf64, PHOFF, 1, ELF_PT_LOAD, DATA_OFF, DATA_PA, DATA_PA, DATA_LEN, DATA_MEMSZ);
	if (mb == 1)
		kb_mb1(k, HDR_OFF, MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO, 0, 0, 0, 0, 0);
	else
		mb2_header_standard(k);
	kb_fill(k, TEXT_OFF, TEXT_LEN, 0x11);
	kb_fill(k, DATA_OFF, DATA_LEN, 0x55);
}

/* The load fails with err, res->error contains msg, and guest RAM was not written. */
static void expect_error(struct kb *k, int err, const char *msg)
{
	struct loader_result res;
	int got = load_kb(k, &res);

	if (!strstr(res.error, msg))
		print_message("error was: '%s', expected '%s'\n", res.error, msg);
	assert_int_equal(got, err);
	assert_non_null(strstr(res.error, msg));
	assert_int_equal(res.version, 0);
	assert_int_equal(res.entry, 0);
	assert_true(ram_untouched());
}

/* The standard kernel's segments copied, its bss zeroed, RAM around it untouched. */
static void assert_kernel_loaded(struct kb *k)
{
	assert_ram_equal(&ram, TEXT_PA, kb_bytes(k) + TEXT_OFF, TEXT_LEN);
	assert_ram_equal(&ram, DATA_PA, kb_bytes(k) + DATA_OFF, DATA_LEN);
	assert_true(ram_all(&ram, DATA_PA + DATA_LEN, DATA_MEMSZ - DATA_LEN, 0));
	assert_true(ram_all(&ram, 0, TEXT_PA, FILL));
	assert_true(ram_all(&ram, TEXT_PA + TEXT_LEN, DATA_PA - TEXT_PA - TEXT_LEN, FILL));
}

static void test_mmap(void **state)
{
	struct mb2_mmap_entry map[LOADER_MMAP_MAX + 1];

	(void)state;
	assert_int_equal(loader_mmap(64 * MiB, map, ARRAY_SIZE(map)), 4);
	assert_int_equal(map[0].base, 0);
	assert_int_equal(map[0].length, 0x9fc00);
	assert_int_equal(map[0].type, MB2_MEM_AVAILABLE);
	assert_int_equal(map[1].base, 0x9fc00);
	assert_int_equal(map[1].length, 0x400);
	assert_int_equal(map[1].type, MB2_MEM_RESERVED);
	assert_int_equal(map[2].base, 0xe0000);
	assert_int_equal(map[2].length, 0x20000);
	assert_int_equal(map[2].type, MB2_MEM_RESERVED);
	assert_int_equal(map[3].base, 0x100000);
	assert_int_equal(map[3].length, 63 * MiB);
	assert_int_equal(map[3].type, MB2_MEM_AVAILABLE);
	for (u32 i = 0; i < 4; i++)
		assert_int_equal(map[i].reserved, 0);
	/* Exactly 3 GiB: no RAM above the PCI hole. */
	assert_int_equal(loader_mmap(3 * GiB, map, ARRAY_SIZE(map)), 4);
	assert_int_equal(map[3].length, 3 * GiB - MiB);
	/* More: RAM stops at the PCI hole [3 GiB, 4 GiB) and the rest goes on from 4 GiB. */
	assert_int_equal(loader_mmap(6 * GiB, map, ARRAY_SIZE(map)), 5);
	assert_int_equal(map[3].base, MiB);
	assert_int_equal(map[3].length, 3 * GiB - MiB);
	assert_int_equal(map[4].base, 4 * GiB);
	assert_int_equal(map[4].length, 3 * GiB);
	assert_int_equal(map[4].type, MB2_MEM_AVAILABLE);
	/* max is respected; tiny RAM keeps only what exists. */
	assert_int_equal(loader_mmap(64 * MiB, map, 2), 2);
	assert_int_equal(loader_mmap(64 * MiB, map, 0), 0);
	assert_int_equal(loader_mmap(MiB, map, ARRAY_SIZE(map)), 3);
	assert_int_equal(loader_mmap(0, map, ARRAY_SIZE(map)), 2);
	assert_int_equal(map[0].type, MB2_MEM_RESERVED);
}

/* Every class with every protocol: segments, bss, entry, the information read back. */
static void load_standard(bool elf64, int mb)
{
	struct loader_result res;
	struct kb k;

	build_kernel(&k, elf64, mb);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_string_equal(res.error, "");
	assert_int_equal(res.entry, ENTRY);
	assert_int_equal(res.kernel_start, TEXT_PA);
	assert_int_equal(res.kernel_end, KERNEL_END);
	assert_kernel_loaded(&k);
	if (mb == 1)
		assert_mb1_info(&ram, &res, CMDLINE, "Kestrel", two_modules, 2);
	else
		assert_mb2_info(&ram, &res, CMDLINE, "Kestrel", two_modules, 2);
}

/*
 * After a reset every chunk is stale (the last run's bytes): the loader's writes land in zeroed
 * chunks, a chunk nothing touched keeps its old bytes until its first use zeroes it.
 */
static void test_stale_chunks(void **state)
{
	static volatile u8 st[RAM_CHUNKS];
	const u64 last = (RAM_CHUNKS - 1) * GMEM_CHUNK_SIZE;
	u8 *last_host = (u8 *)(uintptr_t)ram.chunks[RAM_CHUNKS - 1];
	u8 buf[16], zero[16] = { 0 };
	struct loader_result res;
	struct kb k;

	(void)state;
	ram.gm.state = st;
	gmem_mark_stale(&ram.gm);
	build_kernel(&k, true, 2);
	assert_int_equal(load_kb(&k, &res), 0);
	/* Loaded, and the bytes around the kernel are the zeroes of a new run, not the old ones. */
	assert_ram_equal(&ram, TEXT_PA, kb_bytes(&k) + TEXT_OFF, TEXT_LEN);
	assert_ram_equal(&ram, DATA_PA, kb_bytes(&k) + DATA_OFF, DATA_LEN);
	assert_true(ram_all(&ram, 0, TEXT_PA, 0));
	assert_mb2_info(&ram, &res, CMDLINE, "Kestrel", two_modules, 2);
	assert_int_equal(st[0], GMEM_CHUNK_READY);
	assert_int_equal(ram.gm.zeroed, 1);
	/* Nothing loaded in the last chunk: still stale, its old bytes untouched (no O(RAM) work). */
	assert_int_equal(st[RAM_CHUNKS - 1], GMEM_CHUNK_STALE);
	assert_int_equal(last_host[GMEM_CHUNK_SIZE - 1], FILL);
	/* Its first use, a read, sees zeroes: the whole chunk is zeroed then, once. */
	assert_int_equal(gmem_read(&ram.gm, last + 100, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(st[RAM_CHUNKS - 1], GMEM_CHUNK_READY);
	assert_int_equal(last_host[GMEM_CHUNK_SIZE - 1], 0);
	assert_int_equal(ram.gm.zeroed, 2);
	/* A write the guest made since is kept: a ready chunk is never zeroed again. */
	last_host[7] = 0x55;
	gmem_prepare(&ram.gm, last, GMEM_CHUNK_SIZE);
	assert_int_equal(last_host[7], 0x55);
	/* gmem_prepare zeroes the stale chunks of a range, and clips it to RAM. */
	gmem_prepare(&ram.gm, GMEM_CHUNK_SIZE - 1, 2);
	assert_int_equal(st[1], GMEM_CHUNK_READY);
	assert_int_equal(st[2], GMEM_CHUNK_STALE);
	gmem_prepare(&ram.gm, 2 * GMEM_CHUNK_SIZE, ~0ull);
	assert_int_equal(st[2], GMEM_CHUNK_READY);
	assert_int_equal(ram.gm.zeroed, 4);
	ram.gm.state = NULL;
}

static void test_elf32_mb1(void **state)
{
	(void)state;
	load_standard(false, 1);
}

static void test_elf64_mb1(void **state)
{
	(void)state;
	load_standard(true, 1);
}

static void test_elf32_mb2(void **state)
{
	(void)state;
	load_standard(false, 2);
}

static void test_elf64_mb2(void **state)
{
	(void)state;
	load_standard(true, 2);
}

static void test_no_modules(void **state)
{
	struct loader_result res;
	struct kb k;
	u8 *img;

	(void)state;
	for (int mb = 1; mb <= 2; mb++) {
		build_kernel(&k, false, mb);
		img = kb_copy(&k);
		assert_int_equal(load_into(&ram.gm, img, k.len, NULL, 0, &res), 0);
		free(img);
		if (mb == 1)
			assert_mb1_info(&ram, &res, CMDLINE, "Kestrel", NULL, 0);
		else
			assert_mb2_info(&ram, &res, CMDLINE, "Kestrel", NULL, 0);
		assert_int_equal(res.info, KERNEL_END);
	}
}

/* The RSDP copy goes into a multiboot2 ACPI tag (3.6.12); multiboot 1 has no such field. */
static void test_acpi_tag(void **state)
{
	u8 rsdp[36];
	struct loader_args a;
	struct loader_result res;
	static struct boot_info bi;
	struct kb k;
	u32 total;
	u8 *img, *p;

	(void)state;
	for (u32 i = 0; i < sizeof(rsdp); i++)
		rsdp[i] = (u8)(i * 7 + 1);
	for (int mb = 1; mb <= 2; mb++) {
		build_kernel(&k, false, mb);
		img = kb_copy(&k);
		a = (struct loader_args){ img, k.len, CMDLINE, strlen(CMDLINE), NULL, 0, "Kestrel",
					  rsdp, sizeof(rsdp) };
		assert_int_equal(loader_load(&ram.gm, &a, &res), 0);
		free(img);
		if (mb == 1)
			continue;
		assert_int_equal(gmem_read(&ram.gm, res.info, &total, 4), 0);
		p = ram_copy(&ram, res.info, total);
		assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, total, &bi), MB2_OK);
		assert_non_null(bi.rsdp);
		assert_int_equal(bi.rsdp_len, sizeof(rsdp));
		assert_memory_equal(bi.rsdp, rsdp, sizeof(rsdp));
		free(p);
	}
}

/* Both headers: the multiboot2 one wins (Multiboot2 is preferred). */
static void test_mb2_preferred(void **state)
{
	struct loader_result res;
	struct kb k;

	(void)state;
	build_kernel(&k, true, 2);
	kb_mb1(&k, 0x200, MB1_HF_PAGE_ALIGN, 0, 0, 0, 0, 0);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.version, 2);
	/* A broken multiboot2 header does not hide a good multiboot one. */
	kb_put32(&k, HDR_OFF + 12, 0);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.version, 1);
}

/* A higher-half ELF64: e_entry is virtual, moved to its segment's p_paddr (as GRUB does). */
static void test_elf_entry_translated(void **state)
{
	const u64 va = 0xffffffff80000000ull;
	struct loader_result res;
	struct kb k;

	(void)state;
	build_kernel(&k, true, 1);
	kb_elf64(&k, va + DATA_PA + 0x5000, PHOFF, 2); /* in the second segment's bss */
	kb_phdr(&k, true, PHOFF, 0, ELF_PT_LOAD, TEXT_OFF, va + TEXT_PA, TEXT_PA, TEXT_LEN,
		TEXT_LEN);
	kb_phdr(&k, true, PHOFF, 1, ELF_PT_LOAD, DATA_OFF, va + DATA_PA, DATA_PA, DATA_LEN,
		DATA_MEMSZ);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.entry, DATA_PA + 0x5000);
	assert_kernel_loaded(&k);
}

/* A multiboot2 entry address tag overrides e_entry; it is physical. */
static void test_mb2_entry_tag_with_elf(void **state)
{
	u32 entry = DATA_PA + 4;
	struct loader_result res;
	struct kb k;

	(void)state;
	build_kernel(&k, false, 2);
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag32(&k, MB2_HTAG_ENTRY, 0, &entry, 1);
	kb_mb2_end(&k);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.entry, DATA_PA + 4);
	entry = 0x300000;
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag32(&k, MB2_HTAG_ENTRY, 0, &entry, 1);
	kb_mb2_end(&k);
	ram_reset();
	expect_error(&k, -EINVAL, "entry point 0x300000 is outside the loaded segments");
}

/* Only PT_LOAD with a memory size counts; a bigger e_phentsize is a stride; ET_DYN loads too. */
static void test_elf_program_headers(void **state)
{
	struct loader_result res;
	struct kb k;

	(void)state;
	kb_begin(&k);
	kb_elf32(&k, ENTRY, 0x200, 5);
	kb_put(&k, 16, &(u16){ ELF_ET_DYN }, 2);
	kb_put(&k, 42, &(u16){ 48 }, 2); /* e_phentsize */
	kb_phdr(&k, false, 0x200, 0, 6, 0, 0, 0, 0x100, 0x100); /* PT_PHDR */
	kb_phdr(&k, false, 0x200 + 48, 0, ELF_PT_LOAD, TEXT_OFF, TEXT_PA, TEXT_PA, TEXT_LEN,
		TEXT_LEN);
	kb_phdr(&k, false, 0x200 + 96, 0, ELF_PT_LOAD, 0, 0x700000, 0x700000, 0, 0); /* empty */
	kb_phdr(&k, false, 0x200 + 144, 0, 0x6474e551, 0, 0, 0, 0, 0); /* PT_GNU_STACK */
	kb_phdr(&k, false, 0x200 + 192, 0, ELF_PT_LOAD, DATA_OFF, DATA_PA, DATA_PA, DATA_LEN,
		DATA_MEMSZ);
	kb_mb1(&k, HDR_OFF, 0, 0, 0, 0, 0, 0);
	kb_fill(&k, TEXT_OFF, TEXT_LEN, 0x11);
	kb_fill(&k, DATA_OFF, DATA_LEN, 0x55);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.kernel_start, TEXT_PA);
	assert_int_equal(res.kernel_end, KERNEL_END);
	assert_kernel_loaded(&k);
	assert_true(ram_all(&ram, 0x700000, 0x1000, FILL));
}

/* A kernel in low memory: the modules still start at 1 MiB, clear of the BIOS areas. */
static void test_low_kernel(void **state)
{
	struct loader_result res;
	struct kb k;

	(void)state;
	kb_begin(&k);
	kb_elf32(&k, 0x8000, PHOFF, 1);
	kb_phdr(&k, false, PHOFF, 0, ELF_PT_LOAD, TEXT_OFF, 0x8000, 0x8000, TEXT_LEN, 0x10000);
	kb_mb1(&k, HDR_OFF, MB1_HF_PAGE_ALIGN, 0, 0, 0, 0, 0);
	kb_fill(&k, TEXT_OFF, TEXT_LEN, 0x22);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.kernel_end, 0x18000);
	assert_ram_equal(&ram, 0x8000, kb_bytes(&k) + TEXT_OFF, TEXT_LEN);
	assert_mb1_info(&ram, &res, CMDLINE, "Kestrel", two_modules, 2);
	assert_true(ram_all(&ram, 0x18000, LOADER_HIGH_START - 0x18000, FILL));
}

/* Multiboot 3.1.3: the a.out kludge loads the file from an offset found through header_addr. */
static void test_mb1_aout_kludge(void **state)
{
	struct loader_result res;
	struct kb k;

	(void)state;
	kb_begin(&k);
	kb_fill(&k, 0, 0x3000, 0x33);
	kb_mb1(&k, 0x40, MB1_HF_AOUT_KLUDGE | MB1_HF_PAGE_ALIGN, 0x100040, 0x100000, 0, 0x110000,
	       0x100080);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.entry, 0x100080);
	assert_int_equal(res.kernel_start, 0x100000);
	assert_int_equal(res.kernel_end, 0x110000);
	assert_ram_equal(&ram, 0x100000, kb_bytes(&k), 0x3000);
	assert_true(ram_all(&ram, 0x103000, 0xd000, 0));
	assert_mb1_info(&ram, &res, CMDLINE, "Kestrel", two_modules, 2);

	/* Text starting later in the file: load_addr below header_addr by less than the offset. */
	ram_reset();
	kb_begin(&k);
	kb_fill(&k, 0, 0x3000, 0x33);
	kb_mb1(&k, 0x1040, MB1_HF_AOUT_KLUDGE, 0x200040, 0x200000, 0x201800, 0, 0x200000);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_ram_equal(&ram, 0x200000, kb_bytes(&k) + 0x1000, 0x1800);
	assert_true(ram_all(&ram, 0x201800, 0x800, FILL));
	assert_int_equal(res.kernel_end, 0x201800);
}

/* Multiboot2 3.1.5: the address tag, load_addr -1 meaning "from the file's start". */
static void test_mb2_address_tag(void **state)
{
	u32 addr[4] = { 0x200040, 0xffffffff, 0x202000, 0x204000 }, entry = 0x200100;
	struct loader_result res;
	struct kb k;

	(void)state;
	kb_begin(&k);
	kb_fill(&k, 0, 0x3000, 0x44);
	kb_mb2_begin(&k, 0x40);
	kb_mb2_tag32(&k, MB2_HTAG_ADDRESS, 0, addr, 4);
	kb_mb2_tag32(&k, MB2_HTAG_ENTRY, 0, &entry, 1);
	kb_mb2_end(&k);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.entry, 0x200100);
	assert_int_equal(res.kernel_start, 0x200000);
	assert_int_equal(res.kernel_end, 0x204000);
	assert_ram_equal(&ram, 0x200000, kb_bytes(&k), 0x2000);
	assert_true(ram_all(&ram, 0x202000, 0x2000, 0));
	assert_mb2_info(&ram, &res, CMDLINE, "Kestrel", two_modules, 2);
}

static void test_mb2_harmless_tags(void **state)
{
	static const u32 fb[3] = { 1024, 768, 32 }, reloc[4] = { 0x100000, 0x1000000, 0x1000, 0 };
	static const u32 request[] = { 0, 5, 8, 14, 15, 21 }, odd[] = { 999 }, console = 1;
	struct loader_result res;
	struct kb k;

	(void)state;
	build_kernel(&k, false, 2);
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag32(&k, MB2_HTAG_INFO_REQUEST, 0, request, ARRAY_SIZE(request));
	kb_mb2_tag32(&k, MB2_HTAG_INFO_REQUEST, MB2_HTAG_OPTIONAL, odd, 1);
	kb_mb2_tag32(&k, MB2_HTAG_FRAMEBUFFER, MB2_HTAG_OPTIONAL, fb, 3);
	kb_mb2_tag32(&k, MB2_HTAG_CONSOLE, MB2_HTAG_OPTIONAL, &console, 1);
	kb_mb2_tag32(&k, MB2_HTAG_CONSOLE, 0, &(u32){ 2 }, 1); /* EGA supported, not required */
	kb_mb2_tag(&k, MB2_HTAG_EFI_BS, MB2_HTAG_OPTIONAL, NULL, 8);
	kb_mb2_tag32(&k, MB2_HTAG_ENTRY_EFI64, MB2_HTAG_OPTIONAL, &(u32){ 0x100020 }, 1);
	kb_mb2_tag32(&k, MB2_HTAG_RELOCATABLE, 0, reloc, 4);
	kb_mb2_tag(&k, MB2_HTAG_MODULE_ALIGN, 0, NULL, 8);
	kb_mb2_tag(&k, 77, MB2_HTAG_OPTIONAL, "xyz", 11); /* unknown, optional, odd size */
	kb_mb2_end(&k);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.version, 2);
	assert_int_equal(res.entry, ENTRY);
}

/* A required tag Kestrel cannot honour refuses the kernel, naming it. */
static void test_mb2_required_tags(void **state)
{
	static const u32 fb[3] = { 1024, 768, 32 };
	static const struct {
		u16 type;
		u32 body, size;
		const char *msg;
	} cases[] = {
		{ MB2_HTAG_FRAMEBUFFER, 0, 20, "requires a framebuffer (multiboot2 header tag 5)" },
		{ MB2_HTAG_CONSOLE, 1, 12, "requires an EGA text console" },
		{ MB2_HTAG_EFI_BS, 0, 8, "requires UEFI (multiboot2 header tag 7)" },
		{ MB2_HTAG_ENTRY_EFI32, 0x100000, 12, "requires UEFI (multiboot2 header tag 8)" },
		{ MB2_HTAG_ENTRY_EFI64, 0x100000, 12, "requires UEFI (multiboot2 header tag 9)" },
		{ 42, 0, 8, "requires multiboot2 header tag 42" },
		{ MB2_HTAG_INFO_REQUEST, 22, 12, "requires boot information of unknown type 22" },
	};
	struct kb k;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 body[3] = { cases[i].body, 0, 0 };

		if (cases[i].type == MB2_HTAG_FRAMEBUFFER)
			memcpy(body, fb, sizeof(fb));
		build_kernel(&k, false, 2);
		kb_mb2_begin(&k, HDR_OFF);
		kb_mb2_tag(&k, cases[i].type, 0, body, cases[i].size);
		kb_mb2_end(&k);
		expect_error(&k, -ENOTSUP, cases[i].msg);
	}
}

static void test_mb1_flags(void **state)
{
	struct loader_result res;
	struct kb k;

	(void)state;
	build_kernel(&k, false, 1);
	kb_mb1(&k, HDR_OFF, MB1_HF_VIDEO_MODE | MB1_HF_PAGE_ALIGN, 0, 0, 0, 0, 0);
	expect_error(&k, -ENOTSUP, "requires a video mode (multiboot header flags bit 2)");
	kb_mb1(&k, HDR_OFF, BIT(3) | BIT(15) | MB1_HF_MEMORY_INFO, 0, 0, 0, 0, 0);
	expect_error(&k, -ENOTSUP, "requires unknown features (multiboot header flags 0x8008)");
	/* Bits 16-31 other than the a.out kludge are optional features: ignored. */
	kb_mb1(&k, HDR_OFF, BIT(17) | BIT(31) | MB1_HF_MEMORY_INFO, 0, 0, 0, 0, 0);
	assert_int_equal(load_kb(&k, &res), 0);
	assert_int_equal(res.version, 1);
}

static void test_no_header(void **state)
{
	static const char *none = "not a multiboot kernel (no header in the first 32 KiB)";
	struct kb k;

	(void)state;
	kb_begin(&k);
	expect_error(&k, -EINVAL, none); /* empty image */
	kb_fill(&k, 0, 0x9000, 0);
	expect_error(&k, -EINVAL, none);
	/* Headers past their search windows, or misaligned, are not found. */
	kb_begin(&k);
	kb_fill(&k, 0, 0x9000, 0);
	kb_mb2_begin(&k, MB2_SEARCH);
	kb_mb2_end(&k);
	kb_mb1(&k, MB1_SEARCH, 0, 0, 0, 0, 0, 0);
	kb_mb1(&k, 0x102, 0, 0, 0, 0, 0, 0);
	kb_mb2_begin(&k, 0x204);
	kb_mb2_end(&k);
	expect_error(&k, -EINVAL, none);
	/* The last aligned place where a whole header fits is searched. */
	kb_mb1(&k, MB1_SEARCH - 12, 0, 0, 0, 0, 0, 0);
	expect_error(&k, -EINVAL, "no load addresses in the multiboot header and not an ELF");
	/* A header cut off by the end of the image is not a header. */
	kb_begin(&k);
	kb_mb1(&k, 0, 0, 0, 0, 0, 0, 0);
	k.len = 11;
	expect_error(&k, -EINVAL, none);
}

static void test_bad_checksum(void **state)
{
	struct kb k;
	u32 len;

	(void)state;
	build_kernel(&k, false, 2);
	kb_put32(&k, HDR_OFF + 12, 0x12345678);
	expect_error(&k, -EINVAL, "multiboot2 header at 0x100: bad checksum");
	build_kernel(&k, false, 1);
	kb_put32(&k, HDR_OFF + 8, 0);
	expect_error(&k, -EINVAL, "multiboot header at 0x100: bad checksum");
	/* A multiboot2 header for another architecture (MIPS is 4), checksum right. */
	build_kernel(&k, false, 2);
	memcpy(&len, kb_bytes(&k) + HDR_OFF + 8, 4);
	kb_put32(&k, HDR_OFF + 4, 4);
	kb_put32(&k, HDR_OFF + 12, -(MB2_HEADER_MAGIC + 4 + len));
	expect_error(&k, -EINVAL, "multiboot2 header at 0x100: not for i386");
}

static void mb2_patch_length(struct kb *k, u32 len)
{
	kb_put32(k, HDR_OFF + 8, len);
	kb_put32(k, HDR_OFF + 12, -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + len));
}

static void test_mb2_header_errors(void **state)
{
	u32 addr[4] = { 0x200040, 0x200000, 0, 0 };
	struct kb k;

	(void)state;
	build_kernel(&k, false, 2);
	mb2_patch_length(&k, 0x10000);
	expect_error(&k, -EINVAL, "length 65536 runs past the image or its first 32 KiB");
	mb2_patch_length(&k, 12);
	expect_error(&k, -EINVAL, "multiboot2 header at 0x100: length 12 too small");
	mb2_patch_length(&k, 16 + 24); /* the request tag, no end tag */
	expect_error(&k, -EINVAL, "multiboot2 header has no end tag");
	mb2_patch_length(&k, 16);
	expect_error(&k, -EINVAL, "multiboot2 header has no end tag");

	build_kernel(&k, false, 2);
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag(&k, MB2_HTAG_MODULE_ALIGN, 0, NULL, 8);
	kb_mb2_end(&k);
	kb_put32(&k, HDR_OFF + 16 + 4, 4);
	expect_error(&k, -EINVAL, "multiboot2 header tag 6 at 0x110: bad size 4");
	kb_put32(&k, HDR_OFF + 16 + 4, 0x1000);
	expect_error(&k, -EINVAL, "bad size 4096");
	kb_put32(&k, HDR_OFF + 16 + 4, 24); /* past the header's end */
	expect_error(&k, -EINVAL, "bad size 24");

	build_kernel(&k, false, 2);
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag(&k, MB2_HTAG_ADDRESS, 0, addr, 16);
	kb_mb2_end(&k);
	expect_error(&k, -EINVAL, "multiboot2 header tag 2: size 16 too small");
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag(&k, MB2_HTAG_ENTRY, 0, addr, 11);
	kb_mb2_end(&k);
	expect_error(&k, -EINVAL, "multiboot2 header tag 3: size 11 too small");
	kb_mb2_begin(&k, HDR_OFF);
	kb_mb2_tag32(&k, MB2_HTAG_ADDRESS, 0, addr, 4);
	kb_mb2_end(&k);
	expect_error(&k, -EINVAL, "multiboot2 address tag without an entry address tag");
}

/* The a.out kludge's addresses, each wrong in turn. */
static void test_flat_errors(void **state)
{
	static const struct {
		u32 off, header, load, load_end, bss_end, entry;
		int err;
		const char *msg;
	} cases[] = {
		{ 0x40, 0x100040, 0x100080, 0, 0, 0x100080, -EINVAL, "load_addr 0x100080 above" },
		{ 0x40, 0x100040, 0xf0000, 0, 0, 0x100000, -EINVAL, "lies before the start" },
		{ 0x40, 0x100040, 0x100000, 0xff000, 0, 0x100000, -EINVAL,
		  "load_end_addr 0xff000 below load_addr 0x100000" },
		{ 0x40, 0x100040, 0x100000, 0x103001, 0, 0x100000, -EINVAL,
		  "load_end_addr 0x103001 lies past the end of the image" },
		{ 0x40, 0x100040, 0x100000, 0x102000, 0x101000, 0x100000, -EINVAL,
		  "bss_end_addr 0x101000 below the end of the data 0x102000" },
		{ 0x40, 0x100040, 0x100000, 0, 0x110000, 0x110000, -EINVAL,
		  "entry point 0x110000 is outside the loaded kernel [0x100000, 0x110000)" },
		{ 0x40, 0x100040, 0x100000, 0, 0, 0xfffff, -EINVAL, "entry point 0xfffff" },
		{ 0x40, 0x40, 0x40, 0x40, 0, 0x40, -EINVAL, "header's addresses load nothing" },
		{ 0x40, 0x7ff040, 0x7ff000, 0, 0, 0x7ff000, -ENOSPC,
		  "kernel at 0x7ff000 (0x3000 bytes) does not fit in 8 MiB of RAM" },
		{ 0x40, 0xa0040, 0xa0000, 0, 0, 0xa0000, -ENOSPC,
		  "kernel at 0xa0000 (0x3000 bytes) overlaps reserved memory" },
		{ 0x40, 0x1040, 0x1000, 0, 0x200000, 0x1000, -ENOSPC, "overlaps reserved memory" },
		{ 0x1ff0, 0x101ff0, 0x100000, 0, 0, 0x100000, -EINVAL,
		  "multiboot header at 0x1ff0: address fields past the image or its first 8 KiB" },
	};
	struct kb k;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		kb_begin(&k);
		kb_fill(&k, 0, 0x3000, 0x33);
		kb_mb1(&k, cases[i].off, MB1_HF_AOUT_KLUDGE, cases[i].header, cases[i].load,
		       cases[i].load_end, cases[i].bss_end, cases[i].entry);
		expect_error(&k, cases[i].err, cases[i].msg);
	}
}

static void test_mb2_flat_errors(void **state)
{
	u32 addr[4] = { 0x20, 0xffffffff, 0, 0 }, entry = 0x100;
	struct kb k;

	(void)state;
	kb_begin(&k);
	kb_fill(&k, 0, 0x3000, 0x33);
	kb_mb2_begin(&k, 0x40);
	kb_mb2_tag32(&k, MB2_HTAG_ADDRESS, 0, addr, 4);
	kb_mb2_tag32(&k, MB2_HTAG_ENTRY, 0, &entry, 1);
	kb_mb2_end(&k);
	expect_error(&k, -EINVAL, "header_addr 0x20 lies below the image start");
}

static void test_elf_header_errors(void **state)
{
	static const struct {
		size_t off;
		u8 byte;
		const char *msg;
	} cases[] = {
		{ 4, 3, "ELF class 3 is neither ELF32 nor ELF64" },
		{ 5, 2, "ELF image is not little-endian" },
		{ 6, 0, "ELF version 0 is not 1" }, /* e_ident's version */
		{ 20, 2, "ELF version 2 is not 1" },
		{ 16, 1, "ELF type 1 is not an executable" },
		{ 18, 62, "ELF32 machine 62 is not i386" },
		{ 0, 'X', "no load addresses in the multiboot header and not an ELF image" },
	};
	struct kb k;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		build_kernel(&k, false, 1);
		kb_put(&k, cases[i].off, &cases[i].byte, 1);
		expect_error(&k, -EINVAL, cases[i].msg);
	}
	build_kernel(&k, true, 2);
	kb_put(&k, 18, &(u8){ 3 }, 1);
	expect_error(&k, -EINVAL, "ELF64 machine 3 is not x86-64");
	build_kernel(&k, true, 2);
	kb_put(&k, 0, "X", 1);
	expect_error(&k, -EINVAL, "no load addresses in the multiboot2 header and not an ELF");

	/* An ELF header cut short: the image ends right after its multiboot header. */
	kb_begin(&k);
	kb_elf64(&k, 0, 0, 0);
	k.len = 16;
	kb_mb1(&k, 16, 0, 0, 0, 0, 0, 0);
	expect_error(&k, -EINVAL, "ELF header truncated");
	kb_put(&k, 4, &(u8){ ELF_CLASS32 }, 1);
	k.len = 28;
	expect_error(&k, -EINVAL, "ELF header truncated");
}

static void test_phdr_table_errors(void **state)
{
	struct kb k;

	(void)state;
	build_kernel(&k, false, 1);
	kb_elf32(&k, ENTRY, 0x4300, 2); /* 0x4300 + 64 runs past the image's 0x4321 bytes */
	expect_error(&k, -EINVAL, "ELF program header table out of bounds");
	kb_elf32(&k, ENTRY, 0xffffffff, 2);
	expect_error(&k, -EINVAL, "ELF program header table out of bounds");
	kb_elf32(&k, ENTRY, PHOFF, 0xfffe);
	expect_error(&k, -EINVAL, "ELF program header table out of bounds");
	kb_elf32(&k, ENTRY, PHOFF, 0xffff);
	expect_error(&k, -EINVAL, "extended program header numbering is not supported");
	kb_elf32(&k, ENTRY, PHOFF, 0);
	expect_error(&k, -EINVAL, "ELF has no program headers");
	kb_elf32(&k, ENTRY, PHOFF, 2);
	kb_put(&k, 42, &(u16){ 31 }, 2);
	expect_error(&k, -EINVAL, "ELF program header size 31 too small");
	kb_put(&k, 42, &(u16){ 0xffff }, 2);
	expect_error(&k, -EINVAL, "ELF program header table out of bounds");

	build_kernel(&k, true, 2);
	kb_elf64(&k, ENTRY, UINT64_MAX - 8, 2); /* phoff + size wraps around */
	expect_error(&k, -EINVAL, "ELF program header table out of bounds");
	kb_elf64(&k, ENTRY, PHOFF, 2);
	kb_put(&k, 54, &(u16){ 32 }, 2); /* an ELF32-sized entry in an ELF64 */
	expect_error(&k, -EINVAL, "ELF program header size 32 too small");
	/* Many program headers, none loadable. */
	kb_begin(&k);
	kb_elf64(&k, ENTRY, 0x100, 1000);
	for (u32 i = 0; i < 1000; i++)
		kb_phdr(&k, true, 0x100, i, i % 2 ? 0 : ELF_PT_LOAD, 0, TEXT_PA, TEXT_PA, 0, 0);
	kb_mb2_begin(&k, 0x40);
	kb_mb2_end(&k);
	expect_error(&k, -EINVAL, "ELF has no loadable segment");
}

static void test_segment_errors(void **state)
{
	static const struct {
		u32 i;
		u64 offset, paddr, filesz, memsz;
		int err;
		const char *msg;
	} cases[] = {
		{ 1, DATA_OFF, DATA_PA, 0x400, 0x300, -EINVAL,
		  "ELF segment 1: file size 0x400 larger than memory size 0x300" },
		{ 1, 0x10000, DATA_PA, DATA_LEN, DATA_MEMSZ, -EINVAL,
		  "ELF segment 1: file data [0x10000, +0x321) out of bounds" },
		{ 1, DATA_OFF, DATA_PA, 0x322, DATA_MEMSZ, -EINVAL, "out of bounds" },
		{ 0, UINT64_MAX - 0x10, TEXT_PA, 0x100, 0x100, -EINVAL, "out of bounds" },
		{ 1, DATA_OFF, 0x7ff000, DATA_LEN, DATA_MEMSZ, -ENOSPC,
		  "segment at 0x7ff000 (0x6000 bytes) does not fit in 8 MiB of RAM" },
		{ 1, DATA_OFF, 0x800000, 1, 1, -ENOSPC, "does not fit in 8 MiB of RAM" },
		{ 1, DATA_OFF, 0x100000000ull, DATA_LEN, DATA_MEMSZ, -ENOSPC, "does not fit" },
		{ 1, DATA_OFF, UINT64_MAX - 0x1000, DATA_LEN, DATA_MEMSZ, -ENOSPC, "does not fit" },
		{ 1, DATA_OFF, DATA_PA, DATA_LEN, UINT64_MAX, -ENOSPC, "does not fit" },
		{ 1, DATA_OFF, 0x9f000, DATA_LEN, 0x1000, -ENOSPC,
		  "segment at 0x9f000 (0x1000 bytes) overlaps reserved memory "
		  "[0x9fc00, 0x100000)" },
		{ 1, DATA_OFF, 0xc0000, DATA_LEN, 0x1000, -ENOSPC, "overlaps reserved memory" },
		{ 1, DATA_OFF, 0xff000, DATA_LEN, 0x2000, -ENOSPC, "overlaps reserved memory" },
	};
	struct kb k;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		build_kernel(&k, true, 2);
		kb_phdr(&k, true, PHOFF, cases[i].i, ELF_PT_LOAD, cases[i].offset, cases[i].paddr,
			cases[i].paddr, cases[i].filesz, cases[i].memsz);
		expect_error(&k, cases[i].err, cases[i].msg);
	}
}

static void test_entry_errors(void **state)
{
	struct kb k;

	(void)state;
	build_kernel(&k, false, 1);
	kb_elf32(&k, 0x50, PHOFF, 2);
	expect_error(&k, -EINVAL, "entry point 0x50 is outside the loaded segments");
	kb_elf32(&k, KERNEL_END, PHOFF, 2);
	expect_error(&k, -EINVAL, "entry point 0x186000 is outside the loaded segments");
	kb_elf32(&k, TEXT_PA - 1, PHOFF, 2);
	expect_error(&k, -EINVAL, "outside the loaded segments");
	build_kernel(&k, true, 1);
	kb_elf64(&k, 0x100000000ull + ENTRY, PHOFF, 2);
	expect_error(&k, -EINVAL, "entry point 0x100100010 is outside the loaded segments");
}

/* In a VM with more than 4 GiB, a multiboot kernel and its information must still be below it. */
static void test_above_4g(void **state)
{
	struct guest_mem big = { .size = 6 * GiB, .nr_chunks = 3 * 1024, .chunks = NULL };
	struct loader_result res;
	struct kb k;
	u8 *img;

	(void)state;
	big.chunks = calloc(big.nr_chunks, sizeof(u64)); /* never written: every load fails */
	assert_non_null(big.chunks);
	build_kernel(&k, true, 2);
	kb_phdr(&k, true, PHOFF, 1, ELF_PT_LOAD, DATA_OFF, 0x100000000ull, 0x100000000ull,
		DATA_LEN, DATA_MEMSZ);
	img = kb_copy(&k);
	assert_int_equal(load_into(&big, img, k.len, NULL, 0, &res), -ENOSPC);
	assert_string_equal(res.error,
			    "segment at 0x100000000 (0x6000 bytes) is not below 4 GiB");
	free(img);
	kb_phdr(&k, true, PHOFF, 1, ELF_PT_LOAD, DATA_OFF, 0xfffff000, 0xfffff000, DATA_LEN,
		0x2000);
	img = kb_copy(&k);
	assert_int_equal(load_into(&big, img, k.len, NULL, 0, &res), -ENOSPC);
	assert_non_null(strstr(res.error, "is not below 4 GiB"));
	free(img);
	/* Nothing in the PCI hole: RAM ends at 3 GiB below 4 GiB (the xAPIC page is there). */
	build_kernel(&k, true, 2);
	kb_phdr(&k, true, PHOFF, 1, ELF_PT_LOAD, DATA_OFF, 0xfffff000, 0xfffff000, DATA_LEN,
		0x1000);
	img = kb_copy(&k);
	assert_int_equal(load_into(&big, img, k.len, NULL, 0, &res), -ENOSPC);
	assert_string_equal(res.error, "segment at 0xfffff000 (0x1000 bytes) lies in the PCI hole "
			    "[0xc0000000, 0x100000000)");
	free(img);
	/* A kernel that ends at 3 GiB fits; its module does not. */
	build_kernel(&k, true, 2);
	kb_phdr(&k, true, PHOFF, 1, ELF_PT_LOAD, DATA_OFF, 0xbffff000, 0xbffff000, DATA_LEN,
		0x1000);
	img = kb_copy(&k);
	assert_int_equal(load_into(&big, img, k.len, two_modules, 2, &res), -ENOSPC);
	assert_string_equal(res.error,
			    "module 1 at 0xc0000000 (0x1388 bytes) lies in the PCI hole "
			    "[0xc0000000, 0x100000000)");
	free(img);
	free(big.chunks);
}

static void test_modules_errors(void **state)
{
	struct loader_module many[LOADER_MAX_MODULES + 1], huge = { initrd, 0, "", 0 };
	struct loader_result res;
	struct kb k;
	u8 *img;

	(void)state;
	build_kernel(&k, false, 2);
	img = kb_copy(&k);
	for (u32 i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = two_modules[1];
	assert_int_equal(load_into(&ram.gm, img, k.len, many, ARRAY_SIZE(many), &res), -EINVAL);
	assert_string_equal(res.error, "33 modules: at most 32");
	/* 32 small modules fit. */
	assert_int_equal(load_into(&ram.gm, img, k.len, many, LOADER_MAX_MODULES, &res), 0);
	assert_mb2_info(&ram, &res, CMDLINE, "Kestrel", many, LOADER_MAX_MODULES);
	ram_reset();

	/* A module bigger than what is left; its length is trusted but never read past RAM. */
	huge.len = ram.gm.size;
	assert_int_equal(load_into(&ram.gm, img, k.len, &huge, 1, &res), -ENOSPC);
	assert_string_equal(res.error,
			    "module 1 at 0x186000 (0x800000 bytes) does not fit in 8 MiB of RAM");
	/* A module that fills RAM to its end leaves no room for the information. */
	huge.len = ram.gm.size - KERNEL_END;
	assert_int_equal(load_into(&ram.gm, img, k.len, &huge, 1, &res), -ENOSPC);
	assert_non_null(strstr(res.error, "boot information at 0x800000"));
	assert_true(ram_untouched());
	free(img);
}

static void test_string_limits(void **state)
{
	struct loader_module m = { blob, 1, "x", LOADER_MAX_STRING + 1 };
	struct loader_args a;
	struct loader_result res;
	struct kb k;
	u8 *img;

	(void)state;
	build_kernel(&k, false, 1);
	img = kb_copy(&k);
	a = (struct loader_args){ img, k.len, "x", LOADER_MAX_STRING + 1, NULL, 0, "Kestrel", NULL, 0 };
	assert_int_equal(loader_load(&ram.gm, &a, &res), -EINVAL);
	assert_string_equal(res.error, "command line longer than 65536 bytes");
	a.cmdline_len = 1;
	a.modules = &m;
	a.nr_modules = 1;
	assert_int_equal(loader_load(&ram.gm, &a, &res), -EINVAL);
	assert_string_equal(res.error, "module 1: string longer than 65536 bytes");
	assert_true(ram_untouched());
	/* No command line and no loader name: empty strings. */
	a = (struct loader_args){ img, k.len, NULL, 0, NULL, 0, NULL, NULL, 0 };
	assert_int_equal(loader_load(&ram.gm, &a, &res), 0);
	free(img);
}

/* Every prefix of a good image is refused cleanly (the image ends with its last segment). */
static void test_truncated(void **state)
{
	struct loader_result res;
	struct kb k;

	(void)state;
	for (int v = 0; v < 4; v++) {
		build_kernel(&k, v & 1, v & 2 ? 2 : 1);
		for (size_t len = 0; len < k.len; len += len < 0x200 ? 1 : 0x3f) {
			u8 *img = malloc(len ? len : 1);

			memcpy(img, kb_bytes(&k), len);
			assert_int_not_equal(load_into(&ram.gm, img, len, two_modules, 2, &res), 0);
			assert_true(res.error[0] != '\0');
			free(img);
		}
		assert_true(ram_untouched());
	}
}

/* Random damage to the headers: an error or a load, never a read or write out of bounds. */
static void test_random_damage(void **state)
{
	static const u64 interesting[] = { 0, 1, 0x7fffffff, 0xffffffff, 0x100000000ull,
					   UINT64_MAX, 0x800000, 0x7fffff, 0x9fc00, 0x100000 };
	struct loader_result res;
	u64 seed = 0x5eed;
	struct kb k, good;
	u32 loaded = 0;

	(void)state;
	for (u32 round = 0; round < 4000; round++) {
		int v = round % 4;
		u32 n = (u32)unit_rand_range(&seed, 1, 4);

		build_kernel(&good, v & 1, v & 2 ? 2 : 1);
		k = good;
		for (u32 j = 0; j < n; j++) {
			size_t off = unit_rand_range(&seed, 0, 0x1ff);
			u64 val = unit_rand(&seed) % 3 ? unit_rand(&seed) :
				  interesting[unit_rand(&seed) % ARRAY_SIZE(interesting)];

			kb_put(&k, off, &val, unit_rand_range(&seed, 1, 8));
		}
		if (load_kb(&k, &res)) {
			assert_true(res.error[0] != '\0');
			continue;
		}
		assert_true(res.version == 1 || res.version == 2);
		assert_true(res.entry >= res.kernel_start && res.entry < res.kernel_end);
		assert_true(res.kernel_end <= ram.gm.size && res.end <= ram.gm.size);
		assert_true(res.info >= res.kernel_end);
		loaded++;
	}
	/* Both outcomes were exercised (2057 of the 4000 load with this seed). */
	assert_true(loaded > 100 && loaded < 3900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap),
		cmocka_unit_test_setup_teardown(test_elf32_mb1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf64_mb1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf32_mb2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf64_mb2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acpi_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_preferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_entry_translated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_entry_tag_with_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_program_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_aout_kludge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_address_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_harmless_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_required_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_flat_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phdr_table_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_errors, setup, teardown),
		cmocka_unit_test(test_above_4g),
		cmocka_unit_test_setup_teardown(test_modules_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_damage, setup, teardown),
	};

	return unit_run(tests);
}
