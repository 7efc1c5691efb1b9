/* SPDX-License-Identifier: GPL-2.0 */
/* Physical memory that Kestrel may use: the firmware map, less everything already taken. */
#ifndef KESTREL_MM_MEMMAP_H
#define KESTREL_MM_MEMMAP_H

#include "lib/multiboot2.h"
#include "lib/types.h"

#define MEMMAP_MAX 512

/* [start, end), page-aligned in a memmap. */
struct mem_range {
	u64 start;
	u64 end;
};

struct memmap {
	u32 nr;
	struct mem_range r[MEMMAP_MAX]; /* sorted, disjoint, not adjacent */
};

/*
 * Builds the usable memory: the available entries of the firmware map
 * (shrunk to whole pages), less every other entry (grown to whole pages,
 * so a reserved byte costs its page), less each range in rsv (the image,
 * the boot information, the modules, page 0). Overlapping or unsorted
 * entries are fine: anything not available wins. Returns 0 or -ENOSPC.
 */
int memmap_usable(const struct mb2_mmap_entry *map, u32 nr_map, const struct mem_range *rsv,
		  u32 nr_rsv, struct memmap *out);

/* Removes [start, end) from m. Returns 0 or -ENOSPC (no room to split). */
int memmap_remove(struct memmap *m, u64 start, u64 end);

/*
 * Takes size bytes (rounded up to pages) from the lowest usable range at or
 * above min that can hold them, removing them from m. Returns 0 and the
 * address, or -ENOMEM.
 */
int memmap_take(struct memmap *m, u64 size, u64 min, u64 *phys);

u64 memmap_total(const struct memmap *m);

#endif
