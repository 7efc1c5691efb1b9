/* SPDX-License-Identifier: GPL-2.0 */
/* The hypervisor's memory: physical frames, its own page tables, and a small heap. */
#ifndef KESTREL_MM_MM_H
#define KESTREL_MM_MM_H

#include "lib/multiboot2.h"
#include "mm/frame.h"
#include "mm/memmap.h"

/* Kestrel runs identity-mapped: a physical address is its own virtual address. */
static inline void *phys_to_virt(u64 phys)
{
	return (void *)(uintptr_t)phys;
}

static inline u64 virt_to_phys(const void *v)
{
	return (u64)(uintptr_t)v;
}

/*
 * Sets up frames, page tables and heap from the boot information; uncached (NULL for none) is
 * mapped too, uncached, wherever it lies (the screen's framebuffer). Returns 0 or -errno.
 */
int mm_init(const struct boot_info *bi, const struct mem_range *uncached);

/*
 * poison=on (a debugging aid, off by default): frames_free fills freed frames with a pattern and
 * frames_alloc panics when one it hands out again was written meanwhile; the heap does the same
 * with its free blocks. Writes after a free show where they land instead of corrupting quietly.
 */
extern bool mm_poison;

/* Zeroed, page-aligned frames; limit 0 means anywhere. Returns 0 when memory is exhausted. */
u64 frames_alloc(u64 count, u64 limit);
void frames_free(u64 phys, u64 count);
extern struct frame_pool mm_frames;

void *heap_alloc(size_t size);
void *heap_zalloc(size_t size);
void heap_free(void *p);
/*
 * Frames the heap has carved into its size classes: it keeps them once taken, so a count of
 * free frames taken before and after some work is short by what this grew meanwhile.
 */
u64 heap_class_frames(void);

/* Page tables (mm/paging.c). */
int paging_init(u64 top, const struct mem_range *uncached);
u64 paging_root(void);
u64 paging_top(void);

#endif
