/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's guest-physical memory: RAM from 0 to size, backed by 2 MiB host chunks. */
#ifndef KESTREL_MM_GUEST_MEM_H
#define KESTREL_MM_GUEST_MEM_H

#include "lib/types.h"

#define GMEM_CHUNK_SHIFT 21
#define GMEM_CHUNK_SIZE ((u64)1 << GMEM_CHUNK_SHIFT)

/* A chunk's state (guest_mem.state): what a reset leaves is zeroed on first use. */
enum { GMEM_CHUNK_READY = 0, GMEM_CHUNK_STALE, GMEM_CHUNK_ZEROING };

struct guest_mem {
	u64 size; /* bytes of RAM at guest-physical [0, size); a multiple of GMEM_CHUNK_SIZE */
	u64 nr_chunks;
	/*
	 * Host-physical base of each 2 MiB chunk (2 MiB aligned); 0 for a chunk given back to the
	 * host (no RAM region's backing reaches it: mm/ept_gen.c changes it under the EPT lock).
	 */
	u64 *chunks;
	/*
	 * GMEM_CHUNK_* per chunk, any pCPU: a stale chunk still holds the last run's data and is
	 * zeroed by whoever uses it first (an EPT fault, a copy, gmem_prepare). NULL: all ready.
	 */
	volatile u8 *state;
	volatile u64 zeroed; /* chunks zeroed on first use since the VM started */
};

/* Host-physical address of gpa, or 0 when gpa is not RAM or its chunk went back to the host. */
static inline u64 gmem_hpa(const struct guest_mem *gm, u64 gpa)
{
	u64 base;

	if (gpa >= gm->size)
		return 0;
	base = gm->chunks[gpa >> GMEM_CHUNK_SHIFT];
	return base ? base + (gpa & (GMEM_CHUNK_SIZE - 1)) : 0;
}

/*
 * Copies between guest RAM and hypervisor memory; a range that is not all RAM (or lies partly
 * in a chunk given back to the host) is refused with -EFAULT and nothing is copied. Zeroing
 * skips a stale chunk: it is zeroed whole on first use anyway.
 */
int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len);
int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len);
int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len);
bool gmem_range_ok(const struct guest_mem *gm, u64 gpa, u64 len);
/*
 * Marks every chunk stale: O(chunks), no RAM touched. Only while nothing uses the RAM (every
 * vCPU parked for a reset) and before its EPT is invalidated, so each chunk faults in again.
 */
void gmem_mark_stale(const struct guest_mem *gm);
/* Zeroes the stale chunks of [gpa, gpa+len) (RAM only): before a host pointer into them. */
void gmem_prepare(const struct guest_mem *gm, u64 gpa, u64 len);
/* Whether every chunk of [gpa, gpa+len) is ready (none stale or being zeroed). @pre in RAM */
bool gmem_ready(const struct guest_mem *gm, u64 gpa, u64 len);
/* Whether [gpa, gpa+len) is one run of host memory aligned to len. @pre in RAM, len chunks */
bool gmem_contiguous(const struct guest_mem *gm, u64 gpa, u64 len);

#endif
