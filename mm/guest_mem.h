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

/*
 * Guest-physical layout, as on a PC: RAM from 0 up to 3 GiB at most, then the PCI hole (no RAM:
 * the xAPIC page and the I/O APIC are there), and the rest of RAM from 4 GiB. The backing (the
 * chunks, in order) is [0, size): gpa below the hole is its own offset, gpa from 4 GiB is offset
 * gpa - 4 GiB + 3 GiB.
 */
#define GMEM_HOLE_START (3ULL << 30)
#define GMEM_HOLE_END (4ULL << 30)

/* Bytes of RAM below the PCI hole. */
static inline u64 gmem_low(const struct guest_mem *gm)
{
	return gm->size < GMEM_HOLE_START ? gm->size : GMEM_HOLE_START;
}

/* The end of the highest guest-physical RAM. */
static inline u64 gmem_top(const struct guest_mem *gm)
{
	return gm->size > GMEM_HOLE_START ? GMEM_HOLE_END + (gm->size - GMEM_HOLE_START) : gm->size;
}

/* Whether [gpa, gpa+len) is RAM, all below the hole or all above: its backing offset in *off. */
static inline bool gmem_offset(const struct guest_mem *gm, u64 gpa, u64 len, u64 *off)
{
	u64 low = gmem_low(gm), high = gm->size - low;

	if (gpa <= low && len <= low - gpa) {
		*off = gpa;
		return true;
	}
	if (gpa >= GMEM_HOLE_END && gpa - GMEM_HOLE_END <= high &&
	    len <= high - (gpa - GMEM_HOLE_END)) {
		*off = gpa - GMEM_HOLE_END + low;
		return true;
	}
	return false;
}

/* Host-physical address of gpa, or 0 when gpa is not RAM or its chunk went back to the host. */
static inline u64 gmem_hpa(const struct guest_mem *gm, u64 gpa)
{
	u64 base, off;

	if (!gmem_offset(gm, gpa, 1, &off))
		return 0;
	base = gm->chunks[off >> GMEM_CHUNK_SHIFT];
	return base ? base + (off & (GMEM_CHUNK_SIZE - 1)) : 0;
}

/*
 * Copies between guest RAM and hypervisor memory; a range that is not all RAM (or lies partly
 * in a chunk given back to the host) is refused with -EFAULT and nothing is copied. Zeroing
 * skips a stale chunk: it is zeroed whole on first use anyway.
 */
int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len);
int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len);
int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len);
/* Whether [gpa, gpa+len) is RAM of the layout (gmem_offset), chunks given back or not. */
bool gmem_range_ok(const struct guest_mem *gm, u64 gpa, u64 len);
/*
 * Marks every chunk stale: O(chunks), no RAM touched. Only while nothing uses the RAM (every
 * vCPU parked for a reset) and before its EPT is invalidated, so each chunk faults in again.
 */
void gmem_mark_stale(const struct guest_mem *gm);
/*
 * Chunk i (a fresh one about to be put there) is to be zeroed on first use: waits for a zeroing
 * of the chunk before it to end. @pre the EPT lock held, gm->state not NULL
 */
void gmem_set_stale(const struct guest_mem *gm, u64 i);
/*
 * These three take backing offsets (a region's backing, gmem_offset), not guest-physical
 * addresses. Zeroes the stale chunks of [off, off+len): before a host pointer into them.
 */
void gmem_prepare(const struct guest_mem *gm, u64 off, u64 len);
/* Whether every chunk of [off, off+len) is ready (none stale or being zeroed). @pre in RAM */
bool gmem_ready(const struct guest_mem *gm, u64 off, u64 len);
/* Whether [off, off+len) is one run of host memory aligned to len. @pre in RAM, len chunks */
bool gmem_contiguous(const struct guest_mem *gm, u64 off, u64 len);

#endif
