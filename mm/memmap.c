// SPDX-License-Identifier: GPL-2.0
/* Usable physical memory from the firmware memory map; pure logic, unit-tested on the host. */
#include "mm/memmap.h"
#include "lib/string.h"

static int insert(struct memmap *m, u32 at, u64 start, u64 end)
{
	if (m->nr == MEMMAP_MAX)
		return -ENOSPC;
	memmove(&m->r[at + 1], &m->r[at], (m->nr - at) * sizeof(m->r[0]));
	m->r[at].start = start;
	m->r[at].end = end;
	m->nr++;
	return 0;
}

static void drop(struct memmap *m, u32 at)
{
	memmove(&m->r[at], &m->r[at + 1], (m->nr - at - 1) * sizeof(m->r[0]));
	m->nr--;
}

/* Adds [start, end) keeping the list sorted and merged. */
static int add(struct memmap *m, u64 start, u64 end)
{
	u32 i = 0;

	if (start >= end)
		return 0;
	while (i < m->nr && m->r[i].end < start)
		i++;
	if (i == m->nr || m->r[i].start > end)
		return insert(m, i, start, end);
	/* Overlaps or touches r[i]: grow it, then swallow the ranges it now reaches. */
	m->r[i].start = MIN(m->r[i].start, start);
	m->r[i].end = MAX(m->r[i].end, end);
	while (i + 1 < m->nr && m->r[i + 1].start <= m->r[i].end) {
		m->r[i].end = MAX(m->r[i].end, m->r[i + 1].end);
		drop(m, i + 1);
	}
	return 0;
}

int memmap_remove(struct memmap *m, u64 start, u64 end)
{
	u32 i = 0;

	if (start >= end)
		return 0;
	while (i < m->nr) {
		struct mem_range *r = &m->r[i];

		if (r->end <= start || r->start >= end) {
			i++;
		} else if (r->start >= start && r->end <= end) {
			drop(m, i);
		} else if (r->start < start && r->end > end) {
			int err = insert(m, i + 1, end, r->end);

			if (err)
				return err;
			m->r[i].end = start;
			return 0;
		} else if (r->start < start) {
			r->end = start;
			i++;
		} else {
			r->start = end;
			i++;
		}
	}
	return 0;
}

static u64 end_of(u64 base, u64 len)
{
	return base + len < base ? UINT64_MAX : base + len;
}

int memmap_usable(const struct mb2_mmap_entry *map, u32 nr_map, const struct mem_range *rsv,
		  u32 nr_rsv, struct memmap *out)
{
	u32 i;
	int err;

	out->nr = 0;
	for (i = 0; i < nr_map; i++) {
		if (map[i].type != MB2_MEM_AVAILABLE || map[i].base > UINT64_MAX - (PAGE_SIZE - 1))
			continue; /* not available, or no whole page before 2^64 */
		err = add(out, ALIGN_UP(map[i].base, PAGE_SIZE),
			  ALIGN_DOWN(end_of(map[i].base, map[i].length), PAGE_SIZE));
		if (err)
			return err;
	}
	for (i = 0; i < nr_map; i++) {
		u64 end = end_of(map[i].base, map[i].length);

		if (map[i].type == MB2_MEM_AVAILABLE)
			continue;
		err = memmap_remove(out, ALIGN_DOWN(map[i].base, PAGE_SIZE),
				    end > UINT64_MAX - PAGE_SIZE ? UINT64_MAX : ALIGN_UP(end, PAGE_SIZE));
		if (err)
			return err;
	}
	for (i = 0; i < nr_rsv; i++) {
		u64 end = rsv[i].end > UINT64_MAX - PAGE_SIZE ? UINT64_MAX :
							       ALIGN_UP(rsv[i].end, PAGE_SIZE);

		err = memmap_remove(out, ALIGN_DOWN(rsv[i].start, PAGE_SIZE), end);
		if (err)
			return err;
	}
	return 0;
}

int memmap_take(struct memmap *m, u64 size, u64 min, u64 *phys)
{
	u64 bytes = ALIGN_UP(size, PAGE_SIZE);

	if (size > UINT64_MAX - (PAGE_SIZE - 1) || min > UINT64_MAX - (PAGE_SIZE - 1))
		return -ENOMEM; /* rounding up would wrap to 0 */
	for (u32 i = 0; i < m->nr; i++) {
		u64 start = MAX(m->r[i].start, ALIGN_UP(min, PAGE_SIZE));

		if (start < m->r[i].end && m->r[i].end - start >= bytes) {
			*phys = start;
			return memmap_remove(m, start, start + bytes);
		}
	}
	return -ENOMEM;
}

u64 memmap_total(const struct memmap *m)
{
	u64 t = 0;

	for (u32 i = 0; i < m->nr; i++)
		t += m->r[i].end - m->r[i].start;
	return t;
}
