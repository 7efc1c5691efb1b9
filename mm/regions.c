// SPDX-License-Identifier: GPL-2.0
/* A VM's guest-physical regions: a sorted table with overlap and bounds rules; pure logic. */
#include "mm/regions.h"
#include "lib/string.h"

/*
 * A change of rights on at most this much RAM zaps only the range's mappings; a larger one, and
 * any removal or move, invalidates every mapping by generation (O(1) whatever the size).
 */
#define REGIONS_ZAP_RANGE_MAX (2 * MiB)

void regions_init(struct regions *rs)
{
	rs->nr = 0;
	rs->changes = 0;
}

static u64 end_of(const struct region *r)
{
	return r->start + r->size;
}

/*
 * Rights EPT can map everywhere: readable whenever writable or executable (write-only is a
 * misconfiguration, SDM Vol. 3C, 30.3.3.1; execute-only needs a capability not every CPU has).
 */
static bool perm_ok(u8 perm)
{
	return (perm & REGION_R) && !(perm & ~REGION_RWX);
}

/* Page aligned, not empty, below the limit without overflow. */
static bool range_ok(u64 start, u64 size)
{
	return size && IS_ALIGNED(start, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) &&
	       start < REGIONS_GPA_LIMIT && size <= REGIONS_GPA_LIMIT - start;
}

/* Index of the first region that ends after gpa (rs->nr if none). */
static u32 first_after(const struct regions *rs, u64 gpa)
{
	u32 i = 0;

	while (i < rs->nr && end_of(&rs->r[i]) <= gpa)
		i++;
	return i;
}

static bool overlaps(const struct regions *rs, u64 start, u64 size, u32 skip)
{
	for (u32 i = 0; i < rs->nr; i++)
		if (i != skip && rs->r[i].start < start + size && start < end_of(&rs->r[i]))
			return true;
	return false;
}

static void insert_at(struct regions *rs, u32 i, const struct region *r)
{
	memmove(&rs->r[i + 1], &rs->r[i], (rs->nr - i) * sizeof(rs->r[0]));
	rs->r[i] = *r;
	rs->nr++;
}

static void delete_at(struct regions *rs, u32 i)
{
	memmove(&rs->r[i], &rs->r[i + 1], (rs->nr - i - 1) * sizeof(rs->r[0]));
	rs->nr--;
}

static void sort_insert(struct regions *rs, const struct region *r)
{
	u32 i = 0;

	while (i < rs->nr && rs->r[i].start < r->start)
		i++;
	insert_at(rs, i, r);
}

int regions_add(struct regions *rs, const struct region *r, u64 backing_size)
{
	if (!range_ok(r->start, r->size))
		return -EINVAL;
	if (r->kind == REGION_RAM) {
		if (!perm_ok(r->perm) || !IS_ALIGNED(r->backing, PAGE_SIZE) ||
		    r->backing > backing_size || r->size > backing_size - r->backing)
			return -EINVAL;
	} else if (r->kind != REGION_MMIO || !r->mmio) {
		return -EINVAL;
	}
	if (overlaps(rs, r->start, r->size, REGIONS_MAX))
		return -EEXIST;
	if (rs->nr == REGIONS_MAX)
		return -ENOSPC;
	sort_insert(rs, r);
	rs->changes++;
	return 0;
}

const struct region *regions_find(const struct regions *rs, u64 gpa)
{
	u32 i = first_after(rs, gpa);

	return i < rs->nr && rs->r[i].start <= gpa ? &rs->r[i] : NULL;
}

static int index_of(const struct regions *rs, u64 start)
{
	for (u32 i = 0; i < rs->nr; i++)
		if (rs->r[i].start == start)
			return (int)i;
	return -ENOENT;
}

int regions_remove(struct regions *rs, u64 start)
{
	int i = index_of(rs, start);

	if (i < 0)
		return i;
	delete_at(rs, (u32)i);
	rs->changes++;
	return 0;
}

int regions_move(struct regions *rs, u64 from, u64 to)
{
	int i = index_of(rs, from);
	struct region r;

	if (i < 0)
		return i;
	r = rs->r[i];
	if (!range_ok(to, r.size))
		return -EINVAL;
	if (overlaps(rs, to, r.size, (u32)i))
		return -EEXIST;
	delete_at(rs, (u32)i);
	r.start = to;
	sort_insert(rs, &r);
	rs->changes++;
	return 0;
}

/* Two RAM regions that one region could describe: adjacent, same rights, backing contiguous. */
static bool mergeable(const struct region *a, const struct region *b)
{
	return a->kind == REGION_RAM && b->kind == REGION_RAM && end_of(a) == b->start &&
	       a->perm == b->perm && a->backing + a->size == b->backing;
}

/* Joins what splits left mergeable, so large pages fit again once rights agree. */
static void merge_all(struct regions *rs)
{
	for (u32 i = 0; i + 1 < rs->nr;) {
		if (mergeable(&rs->r[i], &rs->r[i + 1])) {
			rs->r[i].size += rs->r[i + 1].size;
			delete_at(rs, i + 1);
		} else {
			i++;
		}
	}
}

/* Splits the region holding gpa (strictly inside it) in two at gpa. @pre rs->nr < max */
static void split_at(struct regions *rs, u64 gpa)
{
	u32 i = first_after(rs, gpa);
	struct region hi;

	if (i == rs->nr || rs->r[i].start >= gpa)
		return;
	hi = rs->r[i];
	hi.start = gpa;
	hi.size = end_of(&rs->r[i]) - gpa;
	hi.backing += gpa - rs->r[i].start;
	rs->r[i].size = gpa - rs->r[i].start;
	insert_at(rs, i + 1, &hi);
}

/* How many regions splitting at start and at end adds. */
static u32 splits_needed(const struct regions *rs, u64 start, u64 end)
{
	const struct region *a = regions_find(rs, start), *b = regions_find(rs, end);

	return (a && a->start < start) + (b && b->start < end);
}

static int zap_kind(u64 size, u8 perm)
{
	if (!perm || size > REGIONS_ZAP_RANGE_MAX)
		return REGION_ZAP_ALL;
	return REGION_ZAP_RANGE;
}

int regions_protect(struct regions *rs, u64 start, u64 size, u8 perm)
{
	u64 end = start + size, at = start;

	if (!range_ok(start, size) || (perm && !perm_ok(perm)))
		return -EINVAL;
	/* Every byte of the range in RAM: no hole, no MMIO. */
	for (u32 i = first_after(rs, start); at < end; i++) {
		if (i == rs->nr || rs->r[i].start > at || rs->r[i].kind != REGION_RAM)
			return -EFAULT;
		at = end_of(&rs->r[i]);
	}
	if (rs->nr + splits_needed(rs, start, end) > REGIONS_MAX)
		return -ENOSPC;
	split_at(rs, start);
	split_at(rs, end);
	for (u32 i = first_after(rs, start); i < rs->nr && rs->r[i].start < end;) {
		if (!perm) {
			delete_at(rs, i);
			continue;
		}
		rs->r[i++].perm = perm;
	}
	merge_all(rs);
	rs->changes++;
	return zap_kind(size, perm);
}

int regions_restore(struct regions *rs, u64 start, u64 size, u8 perm, u64 backing_start,
		    u64 backing_size, void (*filled)(void *ctx, u64 gpa, u64 len), void *ctx)
{
	u64 end = start + size, at = start;
	u32 holes = 0;

	if (!range_ok(start, size) || !perm_ok(perm))
		return -EINVAL;
	if (backing_start >= backing_size || size > backing_size - backing_start)
		return -EFAULT;
	for (u32 i = first_after(rs, start); i < rs->nr && rs->r[i].start < end; i++) {
		if (rs->r[i].kind != REGION_RAM)
			return -EFAULT;
		holes += rs->r[i].start > at;
		at = end_of(&rs->r[i]);
	}
	holes += at < end;
	if (rs->nr + holes + splits_needed(rs, start, end) > REGIONS_MAX)
		return -ENOSPC;
	/* The holes first, as RAM of their own, then the rights over the whole range. */
	at = start;
	while (at < end) {
		u32 i = first_after(rs, at);
		u64 hole_end = i < rs->nr ? MIN(end, rs->r[i].start) : end;
		struct region r = { .kind = REGION_RAM, .perm = perm, .name = "ram" };

		if (i < rs->nr && rs->r[i].start <= at) {
			at = end_of(&rs->r[i]);
			continue;
		}
		r.start = at;
		r.size = hole_end - at;
		r.backing = backing_start + (at - start);
		if (filled)
			filled(ctx, r.start, r.size);
		insert_at(rs, i, &r);
		at = hole_end;
	}
	split_at(rs, start);
	split_at(rs, end);
	for (u32 i = first_after(rs, start); i < rs->nr && rs->r[i].start < end; i++)
		rs->r[i].perm = perm;
	merge_all(rs);
	rs->changes++;
	/* Filling a hole needs nothing zapped (nothing maps it); changed rights do. */
	return zap_kind(size, perm);
}

u64 regions_next_start(const struct regions *rs, u64 gpa)
{
	u32 i = first_after(rs, gpa);

	while (i < rs->nr && rs->r[i].start <= gpa)
		i++;
	return i < rs->nr ? rs->r[i].start : REGIONS_GPA_LIMIT;
}

bool regions_backing_used(const struct regions *rs, u64 off, u64 len)
{
	for (u32 i = 0; i < rs->nr; i++) {
		const struct region *r = &rs->r[i];

		if (r->kind == REGION_RAM && r->backing < off + len && off < r->backing + r->size)
			return true;
	}
	return false;
}

const struct region *regions_block(const struct regions *rs, u64 gpa, u32 *shift)
{
	const struct region *r = regions_find(rs, gpa);

	if (!r || r->kind != REGION_RAM)
		return NULL;
	for (; *shift > PAGE_SHIFT; *shift -= 9) {
		u64 size = BIT(*shift), base = ALIGN_DOWN(gpa, size);

		if (base >= r->start && base + size <= end_of(r) &&
		    IS_ALIGNED(r->backing + (base - r->start), size))
			break;
	}
	return r;
}
