// SPDX-License-Identifier: GPL-2.0
/* Unit tests for pv/flush_ranges.c: every check on a guest's range list, the threshold, merges. */
#include "unit.h"
#include "pv/flush_ranges.h"

#define NR_CHUNKS 2
#define RAM_SIZE (NR_CHUNKS * GMEM_CHUNK_SIZE)
#define LIST_GPA 0x2000ull
#define HIGH 0xffff800000000000ull /* the first address of the upper canonical half */
#define LOW_END 0x0000800000000000ull /* one past the lower canonical half */
#define PG PAGE_SIZE

static u8 ram[NR_CHUNKS][GMEM_CHUNK_SIZE] __aligned(GMEM_CHUNK_SIZE);
static u64 chunks[NR_CHUNKS];
static struct guest_mem gm = { .size = RAM_SIZE, .nr_chunks = NR_CHUNKS, .chunks = chunks };
static struct flush_ranges fr;

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	for (u64 i = 0; i < NR_CHUNKS; i++)
		chunks[i] = (u64)(uintptr_t)ram[NR_CHUNKS - 1 - i];
	memset(&fr, 0xa5, sizeof(fr));
	return 0;
}

static void put_range(u64 gpa, u32 i, u64 addr, u64 pages)
{
	struct kestrel_flush_range r = { addr, pages };

	assert_int_equal(gmem_write(&gm, gpa + i * sizeof(r), &r, sizeof(r)), 0);
}

/* One range at LIST_GPA, read back: the result of flush_ranges_read. */
static int read_one(u64 addr, u64 pages)
{
	put_range(LIST_GPA, 0, addr, pages);
	return flush_ranges_read(&gm, LIST_GPA, 1, &fr);
}

static void test_read_ok(void **state)
{
	(void)state;
	put_range(LIST_GPA, 0, 0x1000, 1);
	put_range(LIST_GPA, 1, HIGH, 3);
	put_range(LIST_GPA, 2, 0x7ffffffff000ull, 1); /* the last lower-half page */
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, 3, &fr), 0);
	assert_int_equal(fr.nr, 3);
	assert_int_equal(fr.total_pages, 5);
	assert_true(fr.r[1].addr == HIGH && fr.r[1].pages == 3);
	/* Up to 2^64 exactly, and the whole upper half: valid. */
	assert_int_equal(read_one(0xfffffffffffff000ull, 1), 0);
	assert_int_equal(read_one(HIGH, (0 - HIGH) / PG), 0);
	assert_int_equal(fr.total_pages, (0 - HIGH) / PG);
	/* The whole lower half. */
	assert_int_equal(read_one(0, LOW_END / PG), 0);
	/* A list across the chunk boundary (chunks are in reverse host order). */
	put_range(GMEM_CHUNK_SIZE - 8, 0, 0x5000, 2);
	assert_int_equal(flush_ranges_read(&gm, GMEM_CHUNK_SIZE - 8, 1, &fr), 0);
	assert_true(fr.r[0].addr == 0x5000 && fr.r[0].pages == 2);
}

static void test_read_count(void **state)
{
	(void)state;
	for (u32 i = 0; i <= KESTREL_FLUSH_MAX_RANGES; i++)
		put_range(LIST_GPA, i, i * 16 * PG, 1);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, KESTREL_FLUSH_MAX_RANGES, &fr), 0);
	assert_int_equal(fr.nr, KESTREL_FLUSH_MAX_RANGES);
	assert_int_equal(fr.total_pages, KESTREL_FLUSH_MAX_RANGES);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, KESTREL_FLUSH_MAX_RANGES + 1, &fr),
			 -E2BIG);
	assert_int_equal(fr.nr, 0);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, ~0u, &fr), -E2BIG);
	/* E2BIG comes before EFAULT: nothing is read. */
	assert_int_equal(flush_ranges_read(&gm, ~0ull, 65, &fr), -E2BIG);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, 0, &fr), -EINVAL);
	assert_int_equal(fr.nr, 0);
}

static void test_read_fault(void **state)
{
	(void)state;
	assert_int_equal(flush_ranges_read(&gm, RAM_SIZE, 1, &fr), -EFAULT);
	assert_int_equal(flush_ranges_read(&gm, RAM_SIZE - 8, 1, &fr), -EFAULT);
	assert_int_equal(flush_ranges_read(&gm, RAM_SIZE - 16, 2, &fr), -EFAULT);
	assert_int_equal(flush_ranges_read(&gm, ~0ull - 7, 1, &fr), -EFAULT);
	assert_int_equal(fr.nr, 0);
	put_range(RAM_SIZE - 16, 0, 0, 1);
	assert_int_equal(flush_ranges_read(&gm, RAM_SIZE - 16, 1, &fr), 0);
	/* EFAULT before any range is looked at: a bad range in RAM does not change it. */
	put_range(RAM_SIZE - 16, 0, 1, 0);
	assert_int_equal(flush_ranges_read(&gm, RAM_SIZE - 16, 2, &fr), -EFAULT);
}

static void test_read_invalid(void **state)
{
	(void)state;
	/* Not page-aligned. */
	assert_int_equal(read_one(0x1001, 1), -EINVAL);
	assert_int_equal(read_one(0x1800, 1), -EINVAL);
	assert_int_equal(fr.nr, 0);
	/* Non-canonical: bits 63:47 not all equal. */
	assert_int_equal(read_one(LOW_END, 1), -EINVAL);
	assert_int_equal(read_one(HIGH - PG, 1), -EINVAL);
	assert_int_equal(read_one(0x0100000000000000ull, 1), -EINVAL);
	assert_int_equal(read_one(0x8000000000000000ull, 1), -EINVAL);
	/* No pages. */
	assert_int_equal(read_one(0x1000, 0), -EINVAL);
	/* Wrapping past 2^64, including a page count whose byte size itself overflows. */
	assert_int_equal(read_one(0xfffffffffffff000ull, 2), -EINVAL);
	assert_int_equal(read_one(HIGH, (0 - HIGH) / PG + 1), -EINVAL);
	assert_int_equal(read_one(0x1000, 1ull << 52), -EINVAL);
	assert_int_equal(read_one(0x1000, ~0ull), -EINVAL);
	assert_int_equal(read_one(HIGH, 1ull << 60), -EINVAL);
	/* Into the non-canonical hole from the lower half. */
	assert_int_equal(read_one(0x7ffffffff000ull, 2), -EINVAL);
	assert_int_equal(read_one(0, LOW_END / PG + 1), -EINVAL);
	/* One bad range among good ones spoils the list. */
	put_range(LIST_GPA, 0, 0x1000, 1);
	put_range(LIST_GPA, 1, 0x2000, 1);
	put_range(LIST_GPA, 2, 0x3000, 0);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, 3, &fr), -EINVAL);
	assert_int_equal(fr.nr, 0);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, 2, &fr), 0);
}

static void test_threshold(void **state)
{
	(void)state;
	assert_int_equal(read_one(0x1000, FLUSH_RANGES_FULL_THRESHOLD), 0);
	assert_false(flush_ranges_prefer_full(&fr));
	assert_int_equal(read_one(0x1000, FLUSH_RANGES_FULL_THRESHOLD + 1), 0);
	assert_true(flush_ranges_prefer_full(&fr));
	/* The sum over ranges counts, not the largest. */
	for (u32 i = 0; i < 5; i++)
		put_range(LIST_GPA, i, i * 0x100000, 13);
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, 5, &fr), 0);
	assert_int_equal(fr.total_pages, 65);
	assert_true(flush_ranges_prefer_full(&fr));
	assert_int_equal(flush_ranges_read(&gm, LIST_GPA, 4, &fr), 0);
	assert_false(flush_ranges_prefer_full(&fr));
	/* Huge ranges do not overflow the sum. */
	assert_int_equal(read_one(HIGH, (0 - HIGH) / PG), 0);
	assert_true(flush_ranges_prefer_full(&fr));
}

static struct flush_ranges mk(u32 nr, const u64 *addr, const u64 *pages)
{
	struct flush_ranges f = { 0 };

	for (u32 i = 0; i < nr; i++) {
		f.r[i].addr = addr[i];
		f.r[i].pages = pages[i];
		f.total_pages += pages[i];
	}
	f.nr = nr;
	return f;
}

/* Whether page va is covered by one of fr's ranges. */
static bool covers(const struct flush_ranges *f, u64 va)
{
	for (u32 i = 0; i < f->nr; i++)
		if (va >= f->r[i].addr && (va - f->r[i].addr) / PG < f->r[i].pages)
			return true;
	return false;
}

static void test_merge(void **state)
{
	struct flush_ranges dst = { 0 }, src;

	(void)state;
	/* Into an empty list: a copy. */
	src = mk(2, (const u64[]){ 0x10000, HIGH }, (const u64[]){ 2, 1 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 2);
	assert_int_equal(dst.total_pages, 3);
	/* The same again: absorbed, nothing grows. */
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 2);
	assert_int_equal(dst.total_pages, 3);
	/* Touching before and after, and overlapping: the first range grows. */
	src = mk(3, (const u64[]){ 0xf000, 0x12000, 0x11000 }, (const u64[]){ 1, 2, 4 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 2);
	assert_true(dst.r[0].addr == 0xf000 && dst.r[0].pages == 6);
	assert_int_equal(dst.total_pages, 7);
	/* A gap of one page: a new range. */
	src = mk(1, (const u64[]){ 0x16000 }, (const u64[]){ 1 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 3);
	assert_int_equal(dst.total_pages, 8);
	/* The last page below 2^64 and the first page of RAM-like low addresses never touch. */
	dst = mk(1, (const u64[]){ 0xfffffffffffff000ull }, (const u64[]){ 1 });
	src = mk(1, (const u64[]){ 0 }, (const u64[]){ 1 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 2);
	/* Nor do the two ends of the canonical hole. */
	dst = mk(1, (const u64[]){ 0x7ffffffff000ull }, (const u64[]){ 1 });
	src = mk(1, (const u64[]){ HIGH }, (const u64[]){ 1 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 2);
	assert_int_equal(dst.total_pages, 2);
	/* A range inside an existing one. */
	dst = mk(1, (const u64[]){ 0x100000 }, (const u64[]){ 100 });
	src = mk(1, (const u64[]){ 0x110000 }, (const u64[]){ 3 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, 1);
	assert_int_equal(dst.total_pages, 100);
	assert_true(flush_ranges_prefer_full(&dst));
}

static void test_merge_overflow(void **state)
{
	struct flush_ranges dst = { 0 }, src = { 0 };
	u64 rng = 0xf1a5;

	(void)state;
	/* 64 separate pages fill dst exactly; one more separate page overflows. */
	for (u32 i = 0; i < KESTREL_FLUSH_MAX_RANGES; i++) {
		src = mk(1, (const u64[]){ (u64)i * 2 * PG }, (const u64[]){ 1 });
		assert_true(flush_ranges_merge(&dst, &src));
	}
	assert_int_equal(dst.nr, KESTREL_FLUSH_MAX_RANGES);
	assert_int_equal(dst.total_pages, 64);
	assert_false(flush_ranges_prefer_full(&dst));
	/* A page already covered, or touching one, still fits. */
	src = mk(2, (const u64[]){ 0, 1 * PG }, (const u64[]){ 1, 1 });
	assert_true(flush_ranges_merge(&dst, &src));
	assert_int_equal(dst.nr, KESTREL_FLUSH_MAX_RANGES);
	assert_int_equal(dst.total_pages, 65);
	assert_true(flush_ranges_prefer_full(&dst));
	src = mk(1, (const u64[]){ 0x1000000 }, (const u64[]){ 1 });
	assert_false(flush_ranges_merge(&dst, &src));
	/* dst stays well-formed for the caller, who now flushes everything. */
	assert_int_equal(dst.nr, KESTREL_FLUSH_MAX_RANGES);
	assert_int_equal(dst.total_pages, 65);
	/* Random merges: whatever returns true covers every page of both inputs. */
	for (u32 round = 0; round < 200; round++) {
		struct flush_ranges before;
		u32 nr = (u32)unit_rand_range(&rng, 1, 8);
		bool ok;

		memset(&src, 0, sizeof(src));
		for (u32 i = 0; i < nr; i++) {
			src.r[i].addr = unit_rand_range(&rng, 0, 400) * PG;
			src.r[i].pages = unit_rand_range(&rng, 1, 5);
			src.total_pages += src.r[i].pages;
		}
		src.nr = nr;
		if (round % 40 == 0)
			memset(&dst, 0, sizeof(dst));
		before = dst;
		ok = flush_ranges_merge(&dst, &src);
		if (!ok) {
			memset(&dst, 0, sizeof(dst));
			continue;
		}
		assert_true(dst.nr <= KESTREL_FLUSH_MAX_RANGES);
		for (u64 va = 0; va < 410 * PG; va += PG)
			assert_true(covers(&dst, va) == (covers(&before, va) || covers(&src, va)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_read_ok, setup),
		cmocka_unit_test_setup(test_read_count, setup),
		cmocka_unit_test_setup(test_read_fault, setup),
		cmocka_unit_test_setup(test_read_invalid, setup),
		cmocka_unit_test_setup(test_threshold, setup),
		cmocka_unit_test_setup(test_merge, setup),
		cmocka_unit_test_setup(test_merge_overflow, setup),
	};

	return unit_run(tests);
}
