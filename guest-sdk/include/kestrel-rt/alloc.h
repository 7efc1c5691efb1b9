/* SPDX-License-Identifier: MIT */
/* Memory for the rest of the run, taken from the memory map above the image: never freed. */
#ifndef KESTREL_RT_ALLOC_H
#define KESTREL_RT_ALLOC_H

#include <kestrel-rt/types.h>

/*
 * bytes rounded up to whole 4 KiB pages, page-aligned, identity-mapped below 4 GiB, not zeroed;
 * NULL when no available range that large is left. From then on rt_boot_range_in_use() counts
 * it as in use. The runtime itself takes the AP stacks from here (rt_smp_start()).
 */
void *rt_alloc_pages(u64 bytes);

#endif
