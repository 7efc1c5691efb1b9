// SPDX-License-Identifier: GPL-2.0
/* Unit tests for mm/frame.c: the bitmap frame allocator over a map with holes and reservations. */
#include "memmap_util.h"
#include "mm/frame.h"

/* A firmware map with holes, reserved entries inside available ones, and an unaligned end. */
static const struct mb2_mmap_entry fw_map[] = {
	AVAIL(0, 0x9fc00),
	RESERVED(0x9fc00, 0x60400),
	AVAIL(0x100000, 0x300000),
	{ 0x234567, 0x3000, MB2_MEM_BADRAM, 0 },
	AVAIL(0x500000, 0x100000), /* after a hole at 4 MiB */
	{ 0x5ff800, 0x800, MB2_MEM_ACPI_RECLAIMABLE, 0 },
	AVAIL(0x800000, 0x80123),
};
/* Page 0, the image and a module, as mm_init reserves them. */
static const struct mem_range fw_rsv[] = {
	{ 0, PAGE_SIZE }, { 0x100000, 0x15a000 }, { 0x300400, 0x310000 },
};
#define FW_TOP 0x900000

static struct memmap usable;
static struct frame_pool pool;

/* Sets the pool up over m, with a heap bitmap of exactly the bytes it needs. Free pool.bitmap. */
static void pool_setup(const struct memmap *m)
{
	size_t bytes = frame_bitmap_bytes(m);
	u64 *bm = malloc(bytes);

	assert_non_null(bm);
	assert_int_equal(frame_pool_init(&pool, m, bm, bytes), 0);
}

static void fw_pool_setup(void)
{
	assert_int_equal(memmap_usable(fw_map, ARRAY_SIZE(fw_map), fw_rsv, ARRAY_SIZE(fw_rsv),
				       &usable), 0);
	pool_setup(&usable);
}

/* A pool over the single range [start, end). */
static void range_pool_setup(u64 start, u64 end)
{
	usable.nr = 1;
	usable.r[0] = (struct mem_range){ start, end };
	pool_setup(&usable);
}

static bool fw_usable(u64 a)
{
	return page_usable(fw_map, ARRAY_SIZE(fw_map), fw_rsv, ARRAY_SIZE(fw_rsv), a);
}

static void test_bitmap_bytes_and_init(void **state)
{
	u64 bm[4];

	(void)state;
	usable.nr = 0;
	assert_int_equal(frame_bitmap_bytes(&usable), 0);
	assert_int_equal(frame_pool_init(&pool, &usable, bm, sizeof(bm)), -EINVAL);
	usable.nr = 1;
	usable.r[0] = (struct mem_range){ 0x1000, 0x41000 }; /* 64 frames */
	assert_int_equal(frame_bitmap_bytes(&usable), 8);
	usable.r[0].end += PAGE_SIZE;
	assert_int_equal(frame_bitmap_bytes(&usable), 16);
	assert_int_equal(frame_pool_init(&pool, &usable, bm, 8), -EINVAL);
	usable.nr = 2;
	usable.r[0] = (struct mem_range){ 0x1000, 0x2000 };
	usable.r[1] = (struct mem_range){ 0x100000, 0x101000 }; /* a span of 256 frames */
	assert_int_equal(frame_bitmap_bytes(&usable), 32);
	assert_int_equal(frame_pool_init(&pool, &usable, bm, sizeof(bm)), 0);
	assert_int_equal(pool.base, 0x1000);
	assert_int_equal(pool.nr_frames, 256);
	assert_int_equal(pool.nr_free, 2);
	assert_int_equal(pool.nr_usable, 2);
}

/*
 * The key property: single frames until exhaustion are exactly the usable pages of the
 * firmware map, each once; freed, they come back the same.
 */
static void test_exhaust_free_reallocate(void **state)
{
	u64 model = 0, got, *frames;
	u8 *seen;

	(void)state;
	fw_pool_setup();
	for (u64 a = 0; a < FW_TOP; a += PAGE_SIZE)
		model += fw_usable(a);
	assert_int_equal(pool.nr_usable, model);
	assert_int_equal(pool.nr_free, model);
	frames = calloc(model, sizeof(*frames));
	seen = calloc(pool.nr_frames, 1);
	assert_true(frames && seen);

	for (int round = 0; round < 2; round++) {
		u64 n = 0, a;

		memset(seen, 0, pool.nr_frames);
		while ((a = frame_alloc_range(&pool, 1, PAGE_SIZE, 0))) {
			u64 idx = (a - pool.base) / PAGE_SIZE;

			assert_true(n < model);
			assert_true(IS_ALIGNED(a, PAGE_SIZE));
			assert_true(fw_usable(a));
			assert_false(seen[idx]);
			seen[idx] = 1;
			frames[n++] = a;
		}
		assert_int_equal(n, model);
		assert_int_equal(pool.nr_free, 0);

		/* Free in a scrambled order; each frees once only. */
		for (u64 i = 0; i < n; i++) {
			got = frames[(i * 7919) % n];
			assert_int_equal(frame_free_range(&pool, got, 1), 0);
			assert_int_equal(frame_free_range(&pool, got, 1), -EINVAL);
		}
		assert_int_equal(pool.nr_free, model);
	}
	free(frames);
	free(seen);
	free(pool.bitmap);
}

static void test_alloc_arguments(void **state)
{
	(void)state;
	range_pool_setup(0x3000, 0x43000); /* 64 frames, base not 16 KiB aligned */
	assert_int_equal(frame_alloc_range(&pool, 0, PAGE_SIZE, 0), 0);
	assert_int_equal(frame_alloc_range(&pool, 1, 0, 0), 0);
	assert_int_equal(frame_alloc_range(&pool, 1, 0x800, 0), 0);
	assert_int_equal(frame_alloc_range(&pool, 1, 0x3000, 0), 0);
	assert_int_equal(frame_alloc_range(&pool, 1, PAGE_SIZE, 0x3000), 0); /* limit <= base */
	assert_int_equal(frame_alloc_range(&pool, 65, PAGE_SIZE, 0), 0);
	assert_int_equal(frame_alloc_range(&pool, UINT64_MAX, 2 * PAGE_SIZE, 0), 0);
	assert_int_equal(frame_alloc_range(&pool, 1, 1ull << 63, 0), 0);
	assert_int_equal(pool.nr_free, 64);

	/* The last byte must lie below the limit. */
	assert_int_equal(frame_alloc_range(&pool, 1, PAGE_SIZE, 0x3fff), 0);
	assert_int_equal(frame_alloc_range(&pool, 1, PAGE_SIZE, 0x4000), 0x3000);
	assert_int_equal(frame_alloc_range(&pool, 1, PAGE_SIZE, 0x4fff), 0);
	/* Alignment is of the address, not of the index in the pool. */
	assert_int_equal(frame_alloc_range(&pool, 1, 0x4000, 0), 0x4000);
	assert_int_equal(frame_alloc_range(&pool, 4, 0x10000, 0), 0x10000);
	assert_int_equal(frame_alloc_range(&pool, 16, 0x10000, 0x30000), 0x20000);
	assert_int_equal(frame_alloc_range(&pool, 16, 0x10000, 0), 0x30000);
	assert_int_equal(frame_alloc_range(&pool, 4, 0x10000, 0), 0); /* 0x40000: past the end */
	assert_int_equal(frame_alloc_range(&pool, 27, PAGE_SIZE, 0), 0);
	assert_int_equal(pool.nr_free, 64 - 38);
	free(pool.bitmap);
}

static void test_free_errors(void **state)
{
	u64 run, nr_free, end;

	(void)state;
	fw_pool_setup();
	end = pool.base + pool.nr_frames * PAGE_SIZE;
	run = frame_alloc_range(&pool, 4, PAGE_SIZE, 0);
	assert_int_not_equal(run, 0);
	assert_int_equal(frame_free_range(&pool, pool.base - PAGE_SIZE, 1), -EINVAL);
	assert_int_equal(frame_free_range(&pool, 0, 1), -EINVAL);
	assert_int_equal(frame_free_range(&pool, end, 1), -EINVAL);
	assert_int_equal(frame_free_range(&pool, end - PAGE_SIZE, 2), -EINVAL);
	assert_int_equal(frame_free_range(&pool, run + 1, 1), -EINVAL);
	assert_int_equal(frame_free_range(&pool, run, UINT64_MAX), -EINVAL);
	assert_int_equal(frame_free_range(&pool, run + 4 * PAGE_SIZE, 1), -EINVAL); /* free */
	/* Holes inside the pool read as "in use" but are never memory: freeing them fails. */
	assert_int_equal(frame_free_range(&pool, 0x120000, 1), -EINVAL); /* the image */
	assert_int_equal(frame_free_range(&pool, 0x400000, 1), -EINVAL); /* a map hole */
	assert_int_equal(frame_free_range(&pool, 0x234000, 1), -EINVAL); /* bad RAM */
	assert_int_equal(frame_free_range(&pool, 0x300000, 1), -EINVAL); /* the module */

	/* Part of a run freed twice: the second free fails whole, freeing nothing. */
	assert_int_equal(frame_free_range(&pool, run + PAGE_SIZE, 2), 0);
	nr_free = pool.nr_free;
	assert_int_equal(frame_free_range(&pool, run, 4), -EINVAL);
	assert_int_equal(pool.nr_free, nr_free);
	/* The two freed frames are free (freeing them again fails); the other two are not. */
	assert_int_equal(frame_free_range(&pool, run + PAGE_SIZE, 2), -EINVAL);
	assert_int_equal(frame_free_range(&pool, run, 1), 0);
	assert_int_equal(frame_free_range(&pool, run + 3 * PAGE_SIZE, 1), 0);
	assert_int_equal(pool.nr_free, nr_free + 2);
	free(pool.bitmap);
}

/* Whether the model has count free usable frames from a. */
static bool model_fits(const u8 *used, u64 a, u64 count)
{
	for (u64 k = 0; k < count; k++, a += PAGE_SIZE)
		if (!memmap_covers(&usable, a, a + PAGE_SIZE) || used[(a - pool.base) / PAGE_SIZE])
			return false;
	return true;
}

/*
 * Random runs with random alignments and limits, freed at random, against a model: every run
 * is free, usable, aligned and below its limit, and the allocator fails only when no run fits.
 */
static void test_runs_against_model(void **state)
{
	struct { u64 phys, count; } live[256];
	u32 nr_live = 0;
	u64 seed = 0x2545f4914f6cdd1d;
	u8 *used;

	(void)state;
	fw_pool_setup();
	used = calloc(pool.nr_frames, 1);
	assert_non_null(used);
	for (int iter = 0; iter < 4000; iter++) {
		u64 count = unit_rand_range(&seed, 1, 12);
		u64 align = PAGE_SIZE << unit_rand_range(&seed, 0, 4);
		u64 limit = unit_rand(&seed) % 4 ? 0 : unit_rand_range(&seed, 0, FW_TOP);
		u64 top = limit ? MIN(limit, FW_TOP) : FW_TOP, a;

		if (nr_live && (nr_live == ARRAY_SIZE(live) || unit_rand(&seed) % 3 == 0)) {
			u32 i = unit_rand_range(&seed, 0, nr_live - 1);

			assert_int_equal(frame_free_range(&pool, live[i].phys, live[i].count), 0);
			memset(used + (live[i].phys - pool.base) / PAGE_SIZE, 0, live[i].count);
			live[i] = live[--nr_live];
			continue;
		}
		a = frame_alloc_range(&pool, count, align, limit);
		if (!a) {
			u64 s = ALIGN_UP(pool.base, align);

			for (; s + count * PAGE_SIZE <= top; s += align)
				assert_false(model_fits(used, s, count));
			continue;
		}
		assert_true(IS_ALIGNED(a, align));
		assert_true(a + count * PAGE_SIZE <= top);
		assert_true(model_fits(used, a, count));
		for (u64 k = 0; k < count; k++)
			assert_true(fw_usable(a + k * PAGE_SIZE));
		memset(used + (a - pool.base) / PAGE_SIZE, 1, count);
		live[nr_live].phys = a;
		live[nr_live++].count = count;
	}
	free(used);
	free(pool.bitmap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_bytes_and_init),
		cmocka_unit_test(test_exhaust_free_reallocate),
		cmocka_unit_test(test_alloc_arguments),
		cmocka_unit_test(test_free_errors),
		cmocka_unit_test(test_runs_against_model),
	};

	return unit_run(tests);
}
