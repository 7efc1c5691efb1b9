// SPDX-License-Identifier: MIT
/* A bump allocator over the available memory above the image, for per-CPU stacks and the like. */
#include "internal.h"

#define PAGE		0x1000ull
#define LIMIT		0x100000000ull	/* crt0.asm maps 4 GiB */

static u64 first, next;		/* [first, next): handed out (holes skipped included) */
static struct rt_spinlock alloc_lock = RT_SPINLOCK_INIT;

void *rt_alloc_pages(u64 bytes)
{
	const struct rt_boot *b = rt_boot_info();
	u64 size = (bytes + PAGE - 1) & ~(PAGE - 1), at, flags;
	void *p = NULL;

	flags = rt_spin_lock_irqsave(&alloc_lock);
	if (!next)
		first = next = (b->image_end + PAGE - 1) & ~(PAGE - 1);
	for (at = next; size && at + size <= LIMIT && at + size <= b->mem_top; at += PAGE) {
		if (rt_boot_range_available(at, at + size) &&
		    !rt_boot_range_reserved(at, at + size)) {
			p = (void *)(uintptr_t)at;
			next = at + size;
			break;
		}
	}
	rt_spin_unlock_irqrestore(&alloc_lock, flags);
	return p;
}

bool rt_alloc_overlaps(u64 start, u64 end)
{
	return start < next && first < end;
}
