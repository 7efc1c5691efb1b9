/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's guest-physical memory: RAM from 0 to size, backed by 2 MiB host chunks. */
#ifndef KESTREL_MM_GUEST_MEM_H
#define KESTREL_MM_GUEST_MEM_H

#include "lib/types.h"

#define GMEM_CHUNK_SHIFT 21
#define GMEM_CHUNK_SIZE ((u64)1 << GMEM_CHUNK_SHIFT)

struct guest_mem {
	u64 size; /* bytes of RAM at guest-physical [0, size); a multiple of GMEM_CHUNK_SIZE */
	u64 nr_chunks;
	u64 *chunks; /* host-physical base of each 2 MiB chunk (2 MiB aligned) */
};

/* Host-physical address of gpa, or 0 when gpa is not RAM. */
static inline u64 gmem_hpa(const struct guest_mem *gm, u64 gpa)
{
	if (gpa >= gm->size)
		return 0;
	return gm->chunks[gpa >> GMEM_CHUNK_SHIFT] + (gpa & (GMEM_CHUNK_SIZE - 1));
}

/*
 * Copies between guest RAM and hypervisor memory; a range that is not all RAM
 * is refused with -EFAULT and nothing is copied.
 */
int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len);
int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len);
int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len);
bool gmem_range_ok(const struct guest_mem *gm, u64 gpa, u64 len);

#endif
