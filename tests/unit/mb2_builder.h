/* SPDX-License-Identifier: GPL-2.0 */
/* Builds multiboot2 boot information structures, well-formed or not, for the unit tests. */
#ifndef KESTREL_TESTS_MB2_BUILDER_H
#define KESTREL_TESTS_MB2_BUILDER_H

#include "unit.h"
#include "lib/multiboot2.h"

struct mb2_builder {
	size_t len;
	u64 buf[2048]; /* u64 for the 8-byte alignment the structure needs */
};

static inline u8 *mb2_bytes(struct mb2_builder *b)
{
	return (u8 *)b->buf;
}

static inline void mb2_put32(void *p, u32 v)
{
	memcpy(p, &v, 4);
}

/* Starts an empty structure: just the total_size/reserved header. */
static inline void mb2_begin(struct mb2_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/*
 * Appends a tag of the given size whose body (size - 8 bytes, may be NULL for zeros) follows
 * the header, then pads to 8 bytes. Returns the offset of the tag.
 */
static inline size_t mb2_tag(struct mb2_builder *b, u32 type, u32 size, const void *body)
{
	size_t off = b->len;

	assert_true(off + ALIGN_UP((size_t)size, 8) <= sizeof(b->buf));
	mb2_put32(mb2_bytes(b) + off, type);
	mb2_put32(mb2_bytes(b) + off + 4, size);
	if (body && size > 8)
		memcpy(mb2_bytes(b) + off + 8, body, size - 8);
	b->len = ALIGN_UP(off + size, 8);
	return off;
}

/* A string tag (command line, loader name) with its NUL. */
static inline size_t mb2_tag_string(struct mb2_builder *b, u32 type, const char *s)
{
	return mb2_tag(b, type, 8 + strlen(s) + 1, s);
}

static inline size_t mb2_tag_module(struct mb2_builder *b, u32 start, u32 end, const char *cmdline)
{
	u8 body[256];
	size_t n = strlen(cmdline) + 1;

	assert_true(8 + n <= sizeof(body));
	mb2_put32(body, start);
	mb2_put32(body + 4, end);
	memcpy(body + 8, cmdline, n);
	return mb2_tag(b, MB2_TAG_MODULE, 16 + n, body);
}

/* A memory map tag of n entries, each entry_size bytes (the extra bytes are zero). */
static inline size_t mb2_tag_mmap_sized(struct mb2_builder *b, const struct mb2_mmap_entry *e,
					u32 n, u32 entry_size)
{
	size_t off = mb2_tag(b, MB2_TAG_MMAP, 16 + n * entry_size, NULL);
	u8 *p = mb2_bytes(b) + off;

	mb2_put32(p + 8, entry_size);
	for (u32 i = 0; i < n; i++)
		memcpy(p + 16 + i * entry_size, &e[i], sizeof(e[i]));
	return off;
}

static inline size_t mb2_tag_mmap(struct mb2_builder *b, const struct mb2_mmap_entry *e, u32 n)
{
	return mb2_tag_mmap_sized(b, e, n, sizeof(*e));
}

static inline void mb2_tag_end(struct mb2_builder *b)
{
	mb2_tag(b, MB2_TAG_END, 8, NULL);
}

/*
 * Sets total_size to what was built and returns a heap copy of exactly that many bytes
 * (malloc aligns to 16), so that AddressSanitizer catches any read past the end. Free it.
 */
static inline u8 *mb2_copy(struct mb2_builder *b)
{
	u8 *p = malloc(b->len);

	assert_non_null(p);
	mb2_put32(mb2_bytes(b), (u32)b->len);
	memcpy(p, b->buf, b->len);
	return p;
}

/* The end tag, then mb2_copy. */
static inline u8 *mb2_finish(struct mb2_builder *b)
{
	mb2_tag_end(b);
	return mb2_copy(b);
}

#endif
