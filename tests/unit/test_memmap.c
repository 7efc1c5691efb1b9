// SPDX-License-Identifier: GPL-2.0
/* Unit tests for mm/memmap.c: usable memory from the firmware map, removal and memmap_take. */
#include "memmap_util.h"

static struct memmap m;

static void build(const struct mb2_mmap_entry *map, u32 nr_map, const struct mem_range *rsv,
		  u32 nr_rsv)
{
	assert_int_equal(memmap_usable(map, nr_map, rsv, nr_rsv, &m), 0);
	assert_memmap_valid(&m);
}

/* Asserts m holds exactly the n ranges of want. */
static void expect(const struct mem_range *want, u32 n)
{
	assert_int_equal(m.nr, n);
	assert_memory_equal(m.r, want, n * sizeof(*want));
}

static void test_unaligned_available_shrinks(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		AVAIL(0x1234, 0x5000), /* [0x1234, 0x6234) -> [0x2000, 0x6000) */
		AVAIL(0x10100, 0xe00), /* no whole page */
		AVAIL(0x20000, 0x1000),
	};
	static const struct mem_range want[] = { { 0x2000, 0x6000 }, { 0x20000, 0x21000 } };

	(void)state;
	build(map, ARRAY_SIZE(map), NULL, 0);
	expect(want, ARRAY_SIZE(want));
	assert_int_equal(memmap_total(&m), 0x5000);
}

static void test_unsorted_overlapping_merged(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		AVAIL(0x10000, 0x10000), AVAIL(0x30000, 0x10000), /* adjacent to the next one */
		AVAIL(0x1000, 0x2000),	 AVAIL(0x18000, 0x18000),
		AVAIL(0x3000, 0x1000), /* touches [0x1000, 0x3000) */
		AVAIL(0x50000, 0),     /* empty */
	};
	static const struct mem_range want[] = { { 0x1000, 0x4000 }, { 0x10000, 0x40000 } };

	(void)state;
	build(map, ARRAY_SIZE(map), NULL, 0);
	expect(want, ARRAY_SIZE(want));
}

static void test_reserved_wins_in_any_order(void **state)
{
	struct mb2_mmap_entry map[] = {
		AVAIL(0, 0xa0000),
		RESERVED(0x9fc00, 0x400),		  /* EBDA: costs page 0x9f000 */
		{ 0x50010, 0x10, MB2_MEM_ACPI_RECLAIMABLE, 0 }, /* one byte costs a page */
		AVAIL(0x100000, 0x100000),
		{ 0x17ffff, 2, MB2_MEM_BADRAM, 0 },	  /* straddles two pages */
		RESERVED(0x1ff000, 0x10000),		  /* overlaps the end */
	};
	static const struct mem_range want[] = {
		{ 0, 0x50000 }, { 0x51000, 0x9f000 },
		{ 0x100000, 0x17f000 }, { 0x181000, 0x1ff000 },
	};

	(void)state;
	/* Every rotation of the map gives the same result. */
	for (u32 k = 0; k < ARRAY_SIZE(map); k++) {
		struct mb2_mmap_entry first = map[0];

		build(map, ARRAY_SIZE(map), NULL, 0);
		expect(want, ARRAY_SIZE(want));
		memmove(&map[0], &map[1], sizeof(map) - sizeof(map[0]));
		map[ARRAY_SIZE(map) - 1] = first;
	}
}

static void test_reserved_ranges_carved(void **state)
{
	static const struct mb2_mmap_entry map[] = { AVAIL(0, 0x9fc00), AVAIL(0x100000, 0x700000) };
	static const struct mem_range rsv[] = {
		{ 0, PAGE_SIZE },	     /* page 0 */
		{ 0x100000, 0x180123 },	     /* the image, end rounded up */
		{ 0x200800, 0x201000 },	     /* a module, start rounded down */
		{ 0x300000, 0x300000 },	     /* empty */
		{ 0x900000, 0xa00000 },	     /* outside the map */
		{ 0x7ff000, UINT64_MAX },    /* to the end of everything */
	};
	static const struct mem_range want[] = {
		{ 0x1000, 0x9f000 }, { 0x181000, 0x200000 }, { 0x201000, 0x7ff000 },
	};

	(void)state;
	build(map, ARRAY_SIZE(map), rsv, ARRAY_SIZE(rsv));
	expect(want, ARRAY_SIZE(want));
}

static void test_top_of_address_space(void **state)
{
	static const struct mb2_mmap_entry wraps[] = { AVAIL(0xfffffffffff00000, 0x200000) };
	static const struct mb2_mmap_entry tiny[] = { AVAIL(UINT64_MAX - 0xffe, 0xffe) };
	static const struct mem_range want[] = { { 0xfffffffffff00000, 0xfffffffffffff000 } };

	(void)state;
	/* base + length past 2^64: cut at the last whole page. */
	build(wraps, 1, NULL, 0);
	expect(want, 1);
	/* Less than a page just below 2^64: nothing, and no wrap to address 0. */
	build(tiny, 1, NULL, 0);
	assert_int_equal(m.nr, 0);
}

static void test_remove(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		AVAIL(0x1000, 0x9000), AVAIL(0x20000, 0x10000), AVAIL(0x40000, 0x10000),
	};
	static const struct mem_range split[] = {
		{ 0x1000, 0x3000 }, { 0x5000, 0xa000 }, { 0x20000, 0x30000 }, { 0x40000, 0x50000 },
	};
	static const struct mem_range across[] = { { 0x1000, 0x3000 }, { 0x45000, 0x50000 } };

	(void)state;
	build(map, ARRAY_SIZE(map), NULL, 0);
	assert_int_equal(memmap_remove(&m, 0x3000, 0x5000), 0);
	expect(split, ARRAY_SIZE(split));
	assert_int_equal(memmap_remove(&m, 0x60000, 0x70000), 0); /* nothing there */
	assert_int_equal(memmap_remove(&m, 0x4000, 0x4000), 0);	  /* empty */
	assert_int_equal(memmap_remove(&m, 0x9000, 0x1000), 0);	  /* backwards */
	expect(split, ARRAY_SIZE(split));
	assert_int_equal(memmap_remove(&m, 0x4000, 0x45000), 0); /* two ends, two whole ranges */
	expect(across, ARRAY_SIZE(across));
	assert_int_equal(memmap_remove(&m, 0, UINT64_MAX), 0);
	assert_int_equal(m.nr, 0);
	assert_int_equal(memmap_total(&m), 0);
}

static void test_capacity(void **state)
{
	static struct mb2_mmap_entry map[MEMMAP_MAX + 1];
	struct memmap before;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mb2_mmap_entry)AVAIL((u64)i * 0x10000, 0x2000);
	build(map, MEMMAP_MAX, NULL, 0);
	assert_int_equal(m.nr, MEMMAP_MAX);
	assert_int_equal(memmap_usable(map, MEMMAP_MAX + 1, NULL, 0, &m), -ENOSPC);

	/* A full map cannot split a range: -ENOSPC and nothing changed. */
	build(map, MEMMAP_MAX, NULL, 0);
	before = m;
	assert_int_equal(memmap_remove(&m, 0x10000 * 7 + 0x800, 0x10000 * 7 + 0x1000), -ENOSPC);
	assert_memory_equal(&m, &before, sizeof(m));
	/* Trimming needs no room. */
	assert_int_equal(memmap_remove(&m, 0x10000 * 7, 0x10000 * 7 + 0x1000), 0);
	assert_int_equal(memmap_total(&m), memmap_total(&before) - 0x1000);
}

static void test_take(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		AVAIL(0x1000, 0x3000), AVAIL(0x100000, 0x100000), AVAIL(0x400000, 0x400000),
	};
	static const struct mem_range after[] = {
		{ 0x3000, 0x4000 }, { 0x100000, 0x123000 }, { 0x124000, 0x200000 },
		{ 0x400000, 0x800000 },
	};
	u64 phys, total;

	(void)state;
	build(map, ARRAY_SIZE(map), NULL, 0);
	total = memmap_total(&m);
	assert_int_equal(memmap_take(&m, 0x2000, 0, &phys), 0); /* the lowest range that fits */
	assert_int_equal(phys, 0x1000);
	assert_int_equal(memmap_take(&m, 1, 0x122001, &phys), 0); /* min rounded up, size too */
	assert_int_equal(phys, 0x123000);
	expect(after, ARRAY_SIZE(after));
	assert_int_equal(memmap_total(&m), total - 0x3000);

	assert_int_equal(memmap_take(&m, 0x200000, 0, &phys), 0); /* skips ranges too small */
	assert_int_equal(phys, 0x400000);
	assert_int_equal(memmap_take(&m, 0x300000, 0, &phys), -ENOMEM);
	assert_int_equal(memmap_take(&m, 0x1000, 0x800000, &phys), -ENOMEM); /* nothing above */
	assert_int_equal(memmap_take(&m, UINT64_MAX, 0, &phys), -ENOMEM);
	assert_int_equal(memmap_take(&m, 0x1000, UINT64_MAX, &phys), -ENOMEM);
	assert_int_equal(memmap_take(&m, 0x1000, UINT64_MAX - 0xfff, &phys), -ENOMEM);
	assert_int_equal(memmap_total(&m), total - 0x203000);
	assert_memmap_valid(&m);
}

/* Random maps over 2 MiB against the page-by-page model of memmap_util.h. */
static void test_random_against_model(void **state)
{
	enum { PAGES = 512 };
	u64 seed = 0x9e3779b97f4a7c15;

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		struct mb2_mmap_entry map[24];
		struct mem_range rsv[4];
		u32 nr_map = unit_rand_range(&seed, 0, ARRAY_SIZE(map));
		u32 nr_rsv = unit_rand_range(&seed, 0, ARRAY_SIZE(rsv));

		for (u32 i = 0; i < nr_map; i++) {
			map[i].base = unit_rand_range(&seed, 0, 0x1c0000);
			map[i].length = unit_rand_range(&seed, 1, 0x40000);
			map[i].type = unit_rand(&seed) % 3 ? MB2_MEM_AVAILABLE : 2;
		}
		for (u32 i = 0; i < nr_rsv; i++) {
			rsv[i].start = unit_rand_range(&seed, 0, 0x1f0000);
			rsv[i].end = rsv[i].start + unit_rand_range(&seed, 1, 0x10000);
		}
		build(map, nr_map, rsv, nr_rsv);
		for (u64 a = 0; a < PAGES * PAGE_SIZE; a += PAGE_SIZE)
			assert_int_equal(memmap_covers(&m, a, a + PAGE_SIZE),
					 page_usable(map, nr_map, rsv, nr_rsv, a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unaligned_available_shrinks),
		cmocka_unit_test(test_unsorted_overlapping_merged),
		cmocka_unit_test(test_reserved_wins_in_any_order),
		cmocka_unit_test(test_reserved_ranges_carved),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_random_against_model),
	};

	return unit_run(tests);
}
