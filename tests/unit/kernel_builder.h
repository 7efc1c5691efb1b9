/* SPDX-License-Identifier: GPL-2.0 */
/* Multiboot kernels (ELF32/ELF64, MB1/MB2) and guest RAM for the tests; reads back boot info. */
#ifndef KESTREL_TESTS_KERNEL_BUILDER_H
#define KESTREL_TESTS_KERNEL_BUILDER_H

#include "unit.h"
#include "lib/multiboot2.h"
#include "hv/loader.h"

#define KB_MAX (64 * 1024)

struct kb {
	size_t len;
	size_t mb2_off, mb2_pos; /* the multiboot2 header being built; where its next tag goes */
	u64 buf[KB_MAX / 8]; /* u64 for alignment */
};

static inline u8 *kb_bytes(struct kb *k)
{
	return (u8 *)k->buf;
}

static inline void kb_begin(struct kb *k)
{
	memset(k, 0, sizeof(*k));
}

/* Writes len bytes at off; the image grows to cover them. */
static inline void kb_put(struct kb *k, size_t off, const void *p, size_t len)
{
	assert_true(off + len <= KB_MAX);
	memcpy(kb_bytes(k) + off, p, len);
	k->len = MAX(k->len, off + len);
}

static inline void kb_put32(struct kb *k, size_t off, u32 v)
{
	kb_put(k, off, &v, 4);
}

/* Fills [off, off + len) with a pattern a test can recognise: byte i is seed + i * 7. */
static inline void kb_fill(struct kb *k, size_t off, size_t len, u8 seed)
{
	assert_true(off + len <= KB_MAX);
	for (size_t i = 0; i < len; i++)
		kb_bytes(k)[off + i] = (u8)(seed + i * 7);
	k->len = MAX(k->len, off + len);
}

static inline void kb_elf32(struct kb *k, u32 entry, u32 phoff, u16 phnum)
{
	struct elf32_ehdr eh = { .e_type = ELF_ET_EXEC, .e_machine = ELF_EM_386,
				 .e_version = ELF_VERSION, .e_entry = entry, .e_phoff = phoff,
				 .e_ehsize = sizeof(eh), .e_phentsize = sizeof(struct elf32_phdr),
				 .e_phnum = phnum };

	memcpy(eh.e_ident, ELF_MAGIC, 4);
	eh.e_ident[4] = ELF_CLASS32;
	eh.e_ident[5] = ELF_DATA_LSB;
	eh.e_ident[6] = ELF_VERSION;
	kb_put(k, 0, &eh, sizeof(eh));
}

static inline void kb_elf64(struct kb *k, u64 entry, u64 phoff, u16 phnum)
{
	struct elf64_ehdr eh = { .e_type = ELF_ET_EXEC, .e_machine = ELF_EM_X86_64,
				 .e_version = ELF_VERSION, .e_entry = entry, .e_phoff = phoff,
				 .e_ehsize = sizeof(eh), .e_phentsize = sizeof(struct elf64_phdr),
				 .e_phnum = phnum };

	memcpy(eh.e_ident, ELF_MAGIC, 4);
	eh.e_ident[4] = ELF_CLASS64;
	eh.e_ident[5] = ELF_DATA_LSB;
	eh.e_ident[6] = ELF_VERSION;
	kb_put(k, 0, &eh, sizeof(eh));
}

/* Program header i of a table at phoff, of the class given. */
static inline void kb_phdr(struct kb *k, bool elf64, size_t phoff, u32 i, u32 type, u64 offset,
			   u64 vaddr, u64 paddr, u64 filesz, u64 memsz)
{
	if (elf64) {
		struct elf64_phdr ph = { type, 7, offset, vaddr, paddr, filesz, memsz, 0x1000 };

		kb_put(k, phoff + i * sizeof(ph), &ph, sizeof(ph));
	} else {
		struct elf32_phdr ph = { type, (u32)offset, (u32)vaddr, (u32)paddr, (u32)filesz,
					 (u32)memsz, 7, 0x1000 };

		kb_put(k, phoff + i * sizeof(ph), &ph, sizeof(ph));
	}
}

/* A multiboot header at off with a correct checksum; the address fields when flags bit 16. */
static inline void kb_mb1(struct kb *k, size_t off, u32 flags, u32 header_addr, u32 load_addr,
			  u32 load_end_addr, u32 bss_end_addr, u32 entry_addr)
{
	struct mb1_header h = { MB1_HEADER_MAGIC, flags, -(MB1_HEADER_MAGIC + flags), header_addr,
				load_addr, load_end_addr, bss_end_addr, entry_addr };

	kb_put(k, off, &h, (flags & MB1_HF_AOUT_KLUDGE) ? sizeof(h) : 12);
}

/* Starts a multiboot2 header at off (8-aligned); tags follow with kb_mb2_tag, then kb_mb2_end. */
static inline void kb_mb2_begin(struct kb *k, size_t off)
{
	struct mb2_header h = { MB2_HEADER_MAGIC, MB2_ARCH_I386, 0, 0 };

	k->mb2_off = off;
	k->mb2_pos = off + sizeof(h);
	kb_put(k, off, &h, sizeof(h));
}

/* A tag of size bytes (8 + the body), padded to 8. */
static inline void kb_mb2_tag(struct kb *k, u16 type, u16 flags, const void *body, u32 size)
{
	struct mb2_header_tag t = { type, flags, size };

	kb_put(k, k->mb2_pos, &t, sizeof(t));
	if (size > 8)
		kb_put(k, k->mb2_pos + 8, body, size - 8);
	k->mb2_pos = ALIGN_UP(k->mb2_pos + size, 8);
	k->len = MAX(k->len, k->mb2_pos);
}

static inline void kb_mb2_tag32(struct kb *k, u16 type, u16 flags, const u32 *v, u32 n)
{
	kb_mb2_tag(k, type, flags, v, 8 + 4 * n);
}

/* The end tag, then header_length and checksum. */
static inline void kb_mb2_end(struct kb *k)
{
	u32 len;

	kb_mb2_tag(k, MB2_HTAG_END, 0, NULL, 8);
	len = (u32)(k->mb2_pos - k->mb2_off);
	kb_put32(k, k->mb2_off + 8, len);
	kb_put32(k, k->mb2_off + 12, -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + len));
}

/* A heap copy of exactly the image's bytes, so that AddressSanitizer catches any read past it. */
static inline u8 *kb_copy(struct kb *k)
{
	u8 *p = malloc(k->len ? k->len : 1);

	assert_non_null(p);
	memcpy(p, k->buf, k->len);
	return p;
}

/* Guest RAM of nr 2 MiB chunks, each its own host buffer (allocated in reverse order). */
struct test_ram {
	struct guest_mem gm;
	u64 chunks[16];
};

static inline void ram_init(struct test_ram *r, u64 nr, u8 fill)
{
	assert_true(nr <= ARRAY_SIZE(r->chunks));
	r->gm.size = nr * GMEM_CHUNK_SIZE;
	r->gm.nr_chunks = nr;
	r->gm.chunks = r->chunks;
	for (u64 i = nr; i-- > 0;) {
		void *p = aligned_alloc(GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE);

		assert_non_null(p);
		memset(p, fill, GMEM_CHUNK_SIZE);
		r->chunks[i] = (u64)(uintptr_t)p;
	}
}

static inline void ram_free(struct test_ram *r)
{
	for (u64 i = 0; i < r->gm.nr_chunks; i++)
		free((void *)(uintptr_t)r->chunks[i]);
}

/* A malloc'ed copy of guest RAM [gpa, gpa + len). */
static inline u8 *ram_copy(const struct test_ram *r, u64 gpa, u64 len)
{
	u8 *p = malloc(len ? len : 1);

	assert_non_null(p);
	assert_int_equal(gmem_read(&r->gm, gpa, p, len), 0);
	return p;
}

/* Whether every byte of guest RAM [gpa, gpa + len) is v: read in place, chunk by chunk (a test
 * may ask this of 32 MiB thousands of times). */
static inline bool ram_all(const struct test_ram *r, u64 gpa, u64 len, u8 v)
{
	assert_true(gpa <= r->gm.size && len <= r->gm.size - gpa);
	while (len) {
		u64 in = gpa & (GMEM_CHUNK_SIZE - 1), n = GMEM_CHUNK_SIZE - in;
		const u8 *p = (const u8 *)(uintptr_t)r->chunks[gpa >> GMEM_CHUNK_SHIFT] + in;

		if (n > len)
			n = len;
		/* p[0] is v and p[1..n) equals p[0..n-1): every byte is v. */
		if (p[0] != v || memcmp(p, p + 1, n - 1) != 0)
			return false;
		gpa += n;
		len -= n;
	}
	return true;
}

/* Guest RAM at gpa holds the string want and its NUL. */
static inline void assert_ram_string(const struct test_ram *r, u64 gpa, const char *want)
{
	size_t n = strlen(want) + 1;
	u8 *p = ram_copy(r, gpa, n);

	assert_memory_equal(p, want, n);
	free(p);
}

static inline void assert_ram_equal(const struct test_ram *r, u64 gpa, const void *want, u64 len)
{
	u8 *p = ram_copy(r, gpa, len);

	assert_memory_equal(p, want, len);
	free(p);
}

/* Modules page-aligned, in order, after the kernel and from 1 MiB; the information after them. */
static inline void assert_modules_placed(const struct test_ram *r, const struct loader_result *res,
					 const u64 *start, u32 nr, const struct loader_module *m)
{
	u64 prev_end = MAX(res->kernel_end, (u64)LOADER_HIGH_START);

	for (u32 i = 0; i < nr; i++) {
		assert_true(IS_ALIGNED(start[i], PAGE_SIZE));
		assert_true(start[i] >= prev_end);
		assert_ram_equal(r, start[i], m[i].data, m[i].len);
		prev_end = start[i] + m[i].len;
	}
	assert_true(res->info >= prev_end);
	assert_true(res->end > res->info);
	assert_true(res->end <= r->gm.size);
}

/* Parses the multiboot information back, as a multiboot kernel would. */
static inline void assert_mb1_info(const struct test_ram *r, const struct loader_result *res,
				   const char *cmdline, const char *loader_name,
				   const struct loader_module *m, u32 nr)
{
	struct mb2_mmap_entry map[LOADER_MMAP_MAX];
	u32 nr_map = loader_mmap(r->gm.size, map, LOADER_MMAP_MAX), i = 0;
	u64 starts[LOADER_MAX_MODULES];
	struct mb1_info mi;

	assert_int_equal(res->version, 1);
	assert_int_equal(res->magic, MB1_BOOTLOADER_MAGIC);
	assert_int_equal(gmem_read(&r->gm, res->info, &mi, sizeof(mi)), 0);
	assert_int_equal(mi.flags, MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS |
			 MB1_INFO_MEM_MAP | MB1_INFO_LOADER_NAME);
	assert_int_equal(mi.mem_lower, 639);
	assert_int_equal(mi.mem_upper, (r->gm.size - MiB) / KiB);
	assert_ram_string(r, mi.cmdline, cmdline);
	assert_ram_string(r, mi.boot_loader_name, loader_name);
	assert_int_equal(mi.mods_count, nr);
	for (u32 j = 0; j < nr; j++) {
		struct mb1_module e;
		char want[64];

		assert_int_equal(gmem_read(&r->gm, mi.mods_addr + j * sizeof(e), &e, sizeof(e)), 0);
		assert_int_equal(e.mod_end - e.mod_start, m[j].len);
		snprintf(want, sizeof(want), "%.*s", (int)m[j].string_len, m[j].string);
		assert_ram_string(r, e.string, want);
		starts[j] = e.mod_start;
	}
	assert_modules_placed(r, res, starts, nr, m);
	/* The size field counts the bytes after itself (Multiboot 3.3). */
	for (u64 off = 0; off < mi.mmap_length; i++) {
		struct mb1_mmap_entry e;

		assert_int_equal(gmem_read(&r->gm, mi.mmap_addr + off, &e, sizeof(e)), 0);
		assert_int_equal(e.size, 20);
		assert_true(i < nr_map);
		assert_int_equal(e.base_addr, map[i].base);
		assert_int_equal(e.length, map[i].length);
		assert_int_equal(e.type, map[i].type);
		off += e.size + 4;
	}
	assert_int_equal(i, nr_map);
}

/* Parses the multiboot2 information back with the hypervisor's own parser. */
static inline void assert_mb2_info(const struct test_ram *r, const struct loader_result *res,
				   const char *cmdline, const char *loader_name,
				   const struct loader_module *m, u32 nr)
{
	struct mb2_mmap_entry map[LOADER_MMAP_MAX];
	u32 nr_map = loader_mmap(r->gm.size, map, LOADER_MMAP_MAX), total;
	u64 starts[LOADER_MAX_MODULES];
	static struct boot_info bi;
	u8 *p;

	assert_int_equal(res->version, 2);
	assert_int_equal(res->magic, MB2_BOOTLOADER_MAGIC);
	assert_true(IS_ALIGNED(res->info, 8));
	assert_int_equal(gmem_read(&r->gm, res->info, &total, 4), 0);
	assert_int_equal(res->info + total, res->end);
	p = ram_copy(r, res->info, total);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p, total, &bi), MB2_OK);
	assert_string_equal(bi.cmdline, cmdline);
	assert_string_equal(bi.loader_name, loader_name);
	assert_int_equal(bi.mem_lower_kib, 639);
	assert_int_equal(bi.mem_upper_kib, (r->gm.size - MiB) / KiB);
	assert_int_equal(bi.nr_mmap, nr_map);
	assert_memory_equal(bi.mmap, map, nr_map * sizeof(map[0]));
	assert_int_equal(bi.nr_modules, nr);
	for (u32 j = 0; j < nr; j++) {
		char want[64];

		snprintf(want, sizeof(want), "%.*s", (int)m[j].string_len, m[j].string);
		assert_string_equal(bi.modules[j].cmdline, want);
		assert_int_equal(bi.modules[j].end - bi.modules[j].start, m[j].len);
		starts[j] = bi.modules[j].start;
	}
	assert_modules_placed(r, res, starts, nr, m);
	free(p);
}

#endif
