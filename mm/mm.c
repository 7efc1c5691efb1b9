// SPDX-License-Identifier: GPL-2.0
/* Brings up the hypervisor's memory: usable ranges, the frame pool, page tables, heap. */
#include "mm/mm.h"
#include "lib/console.h"
#include "lib/string.h"

extern char _image_start[], _image_end[];

struct frame_pool mm_frames;
static struct memmap usable; /* too big for the boot stack */

u64 frames_alloc(u64 count, u64 limit)
{
	u64 p = frame_alloc_range(&mm_frames, count, PAGE_SIZE, limit);

	if (p)
		memset(phys_to_virt(p), 0, count * PAGE_SIZE);
	return p;
}

void frames_free(u64 phys, u64 count)
{
	if (frame_free_range(&mm_frames, phys, count))
		pr_err("freeing frames %#lx+%lu that are not allocated", phys, count);
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
