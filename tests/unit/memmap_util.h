/* SPDX-License-Identifier: GPL-2.0 */
/* Checks on a struct memmap shared by the memmap and frame allocator tests. */
#ifndef KESTREL_TESTS_MEMMAP_UTIL_H
#define KESTREL_TESTS_MEMMAP_UTIL_H

#include "unit.h"
#include "mm/memmap.h"

#define AVAIL(b, l) { (b), (l), MB2_MEM_AVAILABLE, 0 }
#define RESERVED(b, l) { (b), (l), 2, 0 }

/* What memmap.h promises: page-aligned, non-empty, sorted, disjoint and not adjacent. */
static inline void assert_memmap_valid(const struct memmap *m)
{
	assert_true(m->nr <= MEMMAP_MAX);
	for (u32 i = 0; i < m->nr; i++) {
		assert_true(IS_ALIGNED(m->r[i].start, PAGE_SIZE));
		assert_true(IS_ALIGNED(m->r[i].end, PAGE_SIZE));
		assert_true(m->r[i].start < m->r[i].end);
		if (i)
			assert_true(m->r[i - 1].end < m->r[i].start);
	}
}

/* Whether [start, end) lies inside one range of m. */
static inline bool memmap_covers(const struct memmap *m, u64 start, u64 end)
{
	for (u32 i = 0; i < m->nr; i++)
		if (m->r[i].start <= start && end <= m->r[i].end)
			return true;
	return false;
}

/* Does [a, a + alen) meet [b, b + blen)? */
static inline bool ranges_meet(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/*
 * The model memmap_usable must match, page by page: the page at addr is usable when one
 * available entry covers it whole and no other entry or reserved range touches it.
 */
static inline bool page_usable(const struct mb2_mmap_entry *map, u32 nr_map,
			       const struct mem_range *rsv, u32 nr_rsv, u64 addr)
{
	bool avail = false;

	for (u32 i = 0; i < nr_map; i++) {
		if (map[i].type == MB2_MEM_AVAILABLE)
			avail |= map[i].base <= addr &&
				 map[i].base + map[i].length >= addr + PAGE_SIZE;
		else if (ranges_meet(map[i].base, map[i].length, addr, PAGE_SIZE))
			return false;
	}
	for (u32 i = 0; i < nr_rsv; i++)
		if (ranges_meet(rsv[i].start, rsv[i].end - rsv[i].start, addr, PAGE_SIZE))
			return false;
	return avail;
}

#endif
