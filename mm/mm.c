// SPDX-License-Identifier: GPL-2.0
/* Brings up the hypervisor's memory: usable ranges, the frame pool, page tables, heap. */
#include "mm/mm.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/string.h"

extern char _image_start[], _image_end[];

struct frame_pool mm_frames;
static struct memmap usable; /* too big for the boot stack */

#define FRAME_POISON 0x6b6b6b6b6b6b6b6bULL

bool mm_poison;

/* poison=on: a frame handed out again must still hold the pattern it was freed with. */
static void check_poison(u64 p, u64 count)
{
	for (u64 f = 0; f < count; f++) {
		u64 *w = phys_to_virt(p + f * PAGE_SIZE);

		if (w[0] != FRAME_POISON && w[511] != FRAME_POISON)
			continue;
		for (u32 i = 0; i < 512; i++)
			if (w[i] != FRAME_POISON)
				panic("frame %#lx written after it was freed: word %u is %#lx",
				      p + f * PAGE_SIZE, i, w[i]);
	}
}

u64 frames_alloc(u64 count, u64 limit)
{
	u64 p = frame_alloc_range(&mm_frames, count, PAGE_SIZE, limit);

	if (p) {
		if (mm_poison)
			check_poison(p, count);
		memset(phys_to_virt(p), 0, count * PAGE_SIZE);
	}
	return p;
}

void frames_free(u64 phys, u64 count)
{
	u64 *w = phys_to_virt(phys);

	/* Before it is free: another pCPU may take it at once. A double free panics then. */
	for (u64 i = 0; mm_poison && i < count * 512; i++)
		w[i] = FRAME_POISON;
	if (frame_free_range(&mm_frames, phys, count)) {
		if (mm_poison)
			panic("freeing frames %#lx+%lu that are not allocated", phys, count);
		pr_err("freeing frames %#lx+%lu that are not allocated", phys, count);
	}
}

int mm_init(const struct boot_info *bi, const struct mem_range *uncached)
{
	struct mem_range rsv[3 + MB2_MAX_MODULES];
	u32 nr = 0;
	u64 bitmap_phys, bytes, top = 4 * GiB;
	int err;

	rsv[nr++] = (struct mem_range){ 0, PAGE_SIZE }; /* page 0: never hand out address 0 */
	rsv[nr++] = (struct mem_range){ virt_to_phys(_image_start), virt_to_phys(_image_end) };
	rsv[nr++] = (struct mem_range){ bi->mbi_phys, bi->mbi_phys + bi->mbi_size };
	for (u32 i = 0; i < bi->nr_modules; i++)
		rsv[nr++] = (struct mem_range){ bi->modules[i].start, bi->modules[i].end };

	err = memmap_usable(bi->mmap, bi->nr_mmap, rsv, nr, &usable);
	if (err)
		return err;
	bytes = frame_bitmap_bytes(&usable);
	/* The bitmap must be reachable through the boot map of the first 4 GiB. */
	err = memmap_take(&usable, bytes, 1 * MiB, &bitmap_phys);
	if (err || bitmap_phys + bytes > 4 * GiB)
		return -ENOMEM;
	err = frame_pool_init(&mm_frames, &usable, phys_to_virt(bitmap_phys), bytes);
	if (err)
		return err;
	pr_info("memory: %lu MiB usable in %u ranges, frame bitmap %lu KiB at %#lx",
		mm_frames.nr_usable * PAGE_SIZE / MiB, usable.nr, bytes / KiB, bitmap_phys);

	/* Map everything the firmware map describes, not just RAM: ACPI tables live there too. */
	for (u32 i = 0; i < bi->nr_mmap; i++)
		top = MAX(top, bi->mmap[i].base + bi->mmap[i].length);
	return paging_init(top, uncached);
}
