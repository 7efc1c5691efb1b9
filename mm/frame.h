/* SPDX-License-Identifier: GPL-2.0 */
/* The physical frame allocator: a bitmap over the usable memory, one bit per 4 KiB frame. */
#ifndef KESTREL_MM_FRAME_H
#define KESTREL_MM_FRAME_H

#include "lib/spinlock.h"
#include "mm/memmap.h"

struct frame_pool {
	struct spinlock lock;
	u64 base; /* physical address of bit 0 */
	u64 nr_frames; /* bits in the bitmap */
	u64 *bitmap; /* 1 = in use or not memory */
	u64 nr_free;
	u64 nr_usable;
	u64 hint; /* next-fit: where the last allocation ended */
	const struct memmap *usable; /* what may be freed; must outlive the pool */
};

/* Bytes of bitmap needed to cover every range of m. */
size_t frame_bitmap_bytes(const struct memmap *m);

/*
 * Sets up p over m, with a bitmap of bytes bytes at bitmap (which must not
 * lie in m: take it out with memmap_take first). m must outlive p: frees are
 * checked against it. Returns 0 or -EINVAL.
 */
int frame_pool_init(struct frame_pool *p, const struct memmap *m, u64 *bitmap, size_t bytes);

/*
 * Allocates count contiguous frames whose first is aligned to align bytes
 * (a power of two, at least a page) and whose last byte lies below limit
 * (0: no limit). Returns the physical address, or 0 when nothing fits
 * (page 0 is never usable, so 0 is never a frame).
 */
u64 frame_alloc_range(struct frame_pool *p, u64 count, u64 align, u64 limit);
/* Frees what frame_alloc_range returned; a frame freed twice or never usable gives -EINVAL. */
int frame_free_range(struct frame_pool *p, u64 phys, u64 count);

#endif
