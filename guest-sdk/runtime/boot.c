// SPDX-License-Identifier: MIT
/* Copies what the runtime needs out of the multiboot2 information (Multiboot2 spec 1.0, 3.6). */
#include "internal.h"

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_MODULE		3
#define MB2_TAG_BASIC_MEMINFO	4
#define MB2_TAG_MMAP		6

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_mmap_entry {
	u64 base;
	u64 len;
	u32 type;
	u32 reserved;
};

/* From guest.ld. */
extern u8 _rt_image_start[], _rt_image_end[];

static struct rt_boot boot;

const struct rt_boot *rt_boot_info(void)
{
	return &boot;
}

const char *rt_cmdline(void)
{
	return boot.cmdline;
}

static void add_region(u64 base, u64 len, u32 type)
{
	if (boot.n_regions == RT_MAX_REGIONS || !len)
		return;
	boot.regions[boot.n_regions++] = (struct rt_mem_region){ base, len, type };
}

static void parse_mmap(const u8 *tag)
{
	u32 size = ((const struct mb2_tag *)tag)->size;
	u32 entry_size = *(const u32 *)(tag + 8);

	if (entry_size < sizeof(struct mb2_mmap_entry))
		return;
	for (u32 off = 16; off + entry_size <= size; off += entry_size) {
		const struct mb2_mmap_entry *e = (const void *)(tag + off);

		add_region(e->base, e->len, e->type);
	}
}

static void parse_module(const u8 *tag)
{
	struct rt_module *m;

	if (boot.n_modules == RT_MAX_MODULES)
		return;
	m = &boot.modules[boot.n_modules++];
	m->start = *(const u32 *)(tag + 8);
	m->end = *(const u32 *)(tag + 12);
	rt_strlcpy(m->cmdline, (const char *)(tag + 16), sizeof(m->cmdline));
}

void rt_boot_parse(u64 mbi)
{
	const u8 *p = (const u8 *)(uintptr_t)mbi;
	u32 total = *(const u32 *)p;
	u32 lower_kb = 0, upper_kb = 0;

	boot.mbi_start = mbi;
	boot.mbi_end = mbi + total;
	boot.image_start = (u64)(uintptr_t)_rt_image_start;
	boot.image_end = (u64)(uintptr_t)_rt_image_end;

	for (u32 off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *tag = (const void *)(p + off);

		if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag))
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			rt_strlcpy(boot.cmdline, (const char *)(tag + 1), sizeof(boot.cmdline));
			break;
		case MB2_TAG_MODULE:
			parse_module((const u8 *)tag);
			break;
		case MB2_TAG_BASIC_MEMINFO:
			lower_kb = ((const u32 *)(tag + 1))[0];
			upper_kb = ((const u32 *)(tag + 1))[1];
			break;
		case MB2_TAG_MMAP:
			parse_mmap((const u8 *)tag);
			break;
		}
		off += (tag->size + 7) & ~7u;	/* tags are 8-byte aligned */
	}

	/* No map: the basic information describes memory below 1 MiB and from 1 MiB up. */
	if (!boot.n_regions) {
		add_region(0, (u64)lower_kb << 10, RT_MEM_AVAILABLE);
		add_region(1 << 20, (u64)upper_kb << 10, RT_MEM_AVAILABLE);
	}
	for (u32 i = 0; i < boot.n_regions; i++) {
		const struct rt_mem_region *r = &boot.regions[i];

		if (r->type != RT_MEM_AVAILABLE)
			continue;
		boot.mem_available += r->len;
		if (r->base + r->len > boot.mem_top)
			boot.mem_top = r->base + r->len;
	}
}

bool rt_boot_range_available(u64 start, u64 end)
{
	/* Regions may touch: walk forward from start through available ones. */
	bool progress = true;

	while (start < end && progress) {
		progress = false;
		for (u32 i = 0; i < boot.n_regions; i++) {
			const struct rt_mem_region *r = &boot.regions[i];

			if (r->type == RT_MEM_AVAILABLE && r->base <= start &&
			    start < r->base + r->len) {
				start = r->base + r->len;
				progress = true;
			}
		}
	}
	return start >= end;
}

static bool overlaps(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 < b1 && b0 < a1;
}

bool rt_boot_range_reserved(u64 start, u64 end)
{
	if (overlaps(start, end, boot.image_start, boot.image_end) ||
	    overlaps(start, end, boot.mbi_start, boot.mbi_end))
		return true;
	for (u32 i = 0; i < boot.n_modules; i++) {
		if (overlaps(start, end, boot.modules[i].start, boot.modules[i].end))
			return true;
	}
	return false;
}

bool rt_boot_range_in_use(u64 start, u64 end)
{
	return rt_boot_range_reserved(start, end) || rt_alloc_overlaps(start, end);
}
