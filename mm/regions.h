/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's guest-physical address space as a set of regions: RAM (its bytes in the VM's guest_mem
 * backing, with access rights) and MMIO ranges a device model claims. Pure logic, unit-tested;
 * the caller serialises changes (mm/ept_gen.c does them under its lock).
 */
#ifndef KESTREL_MM_REGIONS_H
#define KESTREL_MM_REGIONS_H

#include "lib/types.h"

#define REGIONS_MAX 64
/* Guest-physical addresses are below 2^52 (SDM Vol. 3A, 4.1.4: MAXPHYADDR is at most 52). */
#define REGIONS_GPA_LIMIT (1ULL << 52)

/* Access rights of a RAM region, as EPT's R, W and X bits (SDM Vol. 3C, table 30-6). */
#define REGION_R BIT(0)
#define REGION_W BIT(1)
#define REGION_X BIT(2)
#define REGION_RWX (REGION_R | REGION_W | REGION_X)
#define REGION_RX (REGION_R | REGION_X)

enum region_kind { REGION_RAM = 1, REGION_MMIO };

struct vcpu;

/*
 * An MMIO region's handler, for one decoded access of size bytes (1, 2, 4 or 8) at offset from
 * the region's start: a read stores the value in *value, a write takes it from there. Returns
 * REGION_MMIO_DONE, or REGION_MMIO_ABANDON when the instruction must not complete (the access
 * stopped or reset the vCPU): the vCPU resumes at the same instruction.
 */
enum { REGION_MMIO_DONE = 0, REGION_MMIO_ABANDON };
typedef int (*region_mmio_fn)(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write,
			      u64 *value);

struct region {
	u64 start, size; /* guest-physical, page aligned, size > 0 */
	u8 kind; /* enum region_kind */
	u8 perm; /* RAM: REGION_R/W/X */
	u64 backing; /* RAM: the offset in the VM's guest_mem that start maps to, page aligned */
	region_mmio_fn mmio; /* MMIO */
	void *opaque;
	const char *name;
};

struct regions {
	u32 nr;
	u64 changes; /* counts every successful change */
	struct region r[REGIONS_MAX]; /* sorted by start, never overlapping */
};

/* What a change touched, for the caller's invalidation. */
enum region_zap {
	REGION_ZAP_NONE,  /* nothing mapped can be wrong */
	REGION_ZAP_RANGE, /* only [start, start+size) needs its mappings zapped */
	REGION_ZAP_ALL,   /* every mapping of the VM is invalidated (by generation) */
};

void regions_init(struct regions *rs);
/*
 * Adds r (copied). -EINVAL: not page aligned, size 0, past REGIONS_GPA_LIMIT, a bad kind or
 * rights, RAM backing past backing_size; -EEXIST: overlaps a region; -ENOSPC: table full.
 */
int regions_add(struct regions *rs, const struct region *r, u64 backing_size);
/* The region holding gpa, or NULL. */
const struct region *regions_find(const struct regions *rs, u64 gpa);
/* Removes the region that starts at start. -ENOENT: none does. */
int regions_remove(struct regions *rs, u64 start);
/* Moves the region that starts at from to start at to. -ENOENT, -EINVAL or -EEXIST as above. */
int regions_move(struct regions *rs, u64 from, u64 to);
/*
 * Sets the rights of RAM in [start, start+size) to perm, splitting regions at the ends; perm 0
 * removes that RAM from the map. The range must lie entirely in RAM regions (-EFAULT
 * otherwise), page aligned and not empty (-EINVAL); -ENOSPC when splitting needs more regions
 * than fit (nothing is changed then). Returns the invalidation the caller must do (>= 0).
 */
int regions_protect(struct regions *rs, u64 start, u64 size, u8 perm);
/*
 * Gives RAM back to [start, start+size) with rights perm: RAM regions there get perm, and each
 * hole is filled with RAM whose backing is where the VM started with it (start's being
 * backing_start, the rest following on), after filled(ctx, gpa, len) was called for it (the
 * caller zeroes it). The backing must lie below backing_size (-EFAULT) and the range hold no
 * MMIO region (-EFAULT); otherwise as regions_protect.
 */
int regions_restore(struct regions *rs, u64 start, u64 size, u8 perm, u64 backing_start,
		    u64 backing_size, void (*filled)(void *ctx, u64 gpa, u64 len), void *ctx);
/* Where the first region that starts above gpa starts (REGIONS_GPA_LIMIT if none). */
u64 regions_next_start(const struct regions *rs, u64 gpa);
/*
 * Whether any RAM region's bytes lie in [off, off+len) of the backing: false when nothing the
 * guest can reach is kept there, so the host memory behind it may go back to the host.
 */
bool regions_backing_used(const struct regions *rs, u64 off, u64 len);
/*
 * The largest naturally aligned block of 2^shift bytes (shift one of 30, 21, 12: the caller
 * passes the largest it may use) around gpa that one RAM region covers whole with its backing
 * offset aligned as the block: *shift is lowered until it fits. Returns the region or NULL.
 */
const struct region *regions_block(const struct regions *rs, u64 gpa, u32 *shift);

#endif
