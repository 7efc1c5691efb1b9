/* SPDX-License-Identifier: GPL-2.0 */
/* Builds small multiboot kernel images (ELF32/ELF64, MB1/MB2 headers) and guest RAM for the tests. */
#ifndef KESTREL_TESTS_KERNEL_BUILDER_H
#define KESTREL_TESTS_KERNEL_BUILDER_H

#include "unit.h"
#include "hv/loader.h"

#define KB_MAX (64 * 1024)

struct kb {
	size_t len;
	size_t mb2_off, mb2_pos; /* the multiboot2 header being built, and where its next tag goes */
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

/* Guest RAM of nr 2 MiB chunks, each its own host buffer (in reverse order, so never contiguous). */
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

/* Whether every byte of guest RAM [gpa, gpa + len) is v. */
static inline bool ram_all(const struct test_ram *r, u64 gpa, u64 len, u8 v)
{
	u8 *p = ram_copy(r, gpa, len);
	bool all = true;

	for (u64 i = 0; i < len && all; i++)
		all = p[i] == v;
	free(p);
	return all;
}

#endif
