// SPDX-License-Identifier: GPL-2.0
/* Unit tests for mm/regions.c: overlap and bounds rules, splits and merges, large blocks. */
#include "unit.h"
#include "mm/regions.h"

#define RAM_SIZE (64 * MiB)

static struct regions rs;

static int mmio_stub(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write, u64 *value)
{
	(void)v, (void)opaque, (void)offset, (void)size, (void)write, (void)value;
	return REGION_MMIO_DONE;
}

static struct region ram(u64 start, u64 size, u8 perm, u64 backing)
{
	return (struct region){ .start = start, .size = size, .kind = REGION_RAM, .perm = perm,
				.backing = backing, .name = "ram" };
}

static struct region mmio(u64 start, u64 size)
{
	return (struct region){ .start = start, .size = size, .kind = REGION_MMIO,
				.mmio = mmio_stub, .name = "dev" };
}

static int setup(void **state)
{
	struct region r = ram(0, RAM_SIZE, REGION_RWX, 0);

	(void)state;
	regions_init(&rs);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	return 0;
}

/* The table stays sorted and without overlaps after anything. */
static void assert_well_formed(void)
{
	for (u32 i = 0; i < rs.nr; i++) {
		assert_true(rs.r[i].size > 0);
		if (i)
			assert_true(rs.r[i - 1].start + rs.r[i - 1].size <= rs.r[i].start);
	}
}

static void test_add_rules(void **state)
{
	struct region r;

	(void)state;
	r = mmio(0xfee00000, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	/* Overlaps: inside RAM, across RAM's end, on the xAPIC page. */
	r = mmio(MiB, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EEXIST);
	r = mmio(RAM_SIZE - PAGE_SIZE, 2 * PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EEXIST);
	r = mmio(0xfedff000, 2 * PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EEXIST);
	/* Bounds: alignment, size 0, past the limit, wrapping. */
	r = mmio(0xfec00001, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = mmio(0xfec00000, 0);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = mmio(REGIONS_GPA_LIMIT - PAGE_SIZE, 2 * PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = mmio(0xfffffffffffff000ULL, 2 * PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = mmio(0xfec00000, PAGE_SIZE);
	r.mmio = NULL;
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	/* RAM: backing inside the VM's, rights given. */
	r = ram(GiB, 2 * MiB, REGION_RWX, RAM_SIZE - MiB);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = ram(GiB, 2 * MiB, 0, 0);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = ram(GiB, 2 * MiB, REGION_W, 0); /* write-only: an EPT misconfiguration */
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = ram(GiB, 2 * MiB, REGION_X, 0);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -EINVAL);
	r = mmio(0xfec00000, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	assert_int_equal(rs.nr, 3);
	assert_well_formed();
	assert_ptr_equal(regions_find(&rs, 0xfec00fff)->start, 0xfec00000);
	assert_null(regions_find(&rs, 0xfec01000));
	assert_null(regions_find(&rs, RAM_SIZE));
	assert_int_equal(regions_find(&rs, RAM_SIZE - 1)->kind, REGION_RAM);
}

static void test_full_table(void **state)
{
	u32 n = rs.nr;

	(void)state;
	for (u64 i = 0; n < REGIONS_MAX; i++, n++) {
		struct region r = mmio(GiB + i * 2 * PAGE_SIZE, PAGE_SIZE);

		assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	}
	struct region r = mmio(2 * GiB, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), -ENOSPC);
	/* A protect that would need a split refuses and changes nothing. */
	assert_int_equal(regions_protect(&rs, MiB, PAGE_SIZE, REGION_RX), -ENOSPC);
	assert_int_equal(regions_find(&rs, MiB)->perm, REGION_RWX);
	assert_int_equal(rs.nr, REGIONS_MAX);
}

static void test_move_and_remove(void **state)
{
	struct region r = mmio(0xfec00000, PAGE_SIZE);

	(void)state;
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	assert_int_equal(regions_move(&rs, 0xfec00000, 0x1000), -EEXIST); /* onto RAM */
	assert_int_equal(regions_move(&rs, 0xfec00000, 0xfec00800), -EINVAL);
	assert_int_equal(regions_move(&rs, 0xfec01000, 0xd0000000), -ENOENT);
	assert_int_equal(regions_move(&rs, 0xfec00000, 0xd0000000), 0);
	assert_null(regions_find(&rs, 0xfec00000));
	assert_int_equal(regions_find(&rs, 0xd0000000)->kind, REGION_MMIO);
	/* RAM moves with its backing: the same bytes at another address. */
	assert_int_equal(regions_move(&rs, 0, 4 * GiB), 0);
	assert_null(regions_find(&rs, 0));
	assert_int_equal(regions_find(&rs, 4 * GiB + 5 * MiB)->backing, 0);
	assert_int_equal(rs.r[0].start, 0xd0000000); /* still sorted */
	assert_well_formed();
	assert_int_equal(regions_remove(&rs, 0xd0000000), 0);
	assert_int_equal(regions_remove(&rs, 0xd0000000), -ENOENT);
	assert_int_equal(rs.nr, 1);
}

static void test_protect_splits_and_merges(void **state)
{
	u64 changes;

	(void)state;
	/* One page in the middle: three regions, the middle one read-only with its own backing. */
	assert_int_equal(regions_protect(&rs, 5 * MiB, PAGE_SIZE, REGION_RX), REGION_ZAP_RANGE);
	assert_int_equal(rs.nr, 3);
	assert_int_equal(regions_find(&rs, 5 * MiB)->perm, REGION_RX);
	assert_int_equal(regions_find(&rs, 5 * MiB)->backing, 5 * MiB);
	assert_int_equal(regions_find(&rs, 5 * MiB + PAGE_SIZE)->backing, 5 * MiB + PAGE_SIZE);
	assert_int_equal(regions_find(&rs, 5 * MiB - 1)->perm, REGION_RWX);
	/* Back to read-write: one region again, so large pages fit again. */
	assert_int_equal(regions_protect(&rs, 5 * MiB, PAGE_SIZE, REGION_RWX), REGION_ZAP_RANGE);
	assert_int_equal(rs.nr, 1);
	assert_well_formed();
	/* Large, or removing: everything by generation. */
	assert_int_equal(regions_protect(&rs, 0, 8 * MiB, REGION_RX), REGION_ZAP_ALL);
	assert_int_equal(regions_protect(&rs, 8 * MiB, PAGE_SIZE, 0), REGION_ZAP_ALL);
	assert_null(regions_find(&rs, 8 * MiB));
	assert_int_equal(rs.nr, 2); /* [0, 8M) read-only, the rest read-write */
	/* Not all RAM: a hole, past the end, an MMIO region; bad arguments. */
	changes = rs.changes;
	assert_int_equal(regions_protect(&rs, 7 * MiB, 2 * MiB, REGION_RX), -EFAULT);
	assert_int_equal(regions_protect(&rs, RAM_SIZE - PAGE_SIZE, 2 * PAGE_SIZE, REGION_RX),
			 -EFAULT);
	assert_int_equal(regions_protect(&rs, PAGE_SIZE, 3, REGION_RX), -EINVAL);
	assert_int_equal(regions_protect(&rs, PAGE_SIZE, 0, REGION_RX), -EINVAL);
	assert_int_equal(regions_protect(&rs, PAGE_SIZE, PAGE_SIZE, 0x80), -EINVAL);
	assert_int_equal(regions_protect(&rs, 0xfffffffffffff000ULL, 2 * PAGE_SIZE, REGION_RX),
			 -EINVAL);
	assert_int_equal(rs.changes, changes); /* a refused change changes nothing */
	struct region r = mmio(0xfee00000, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	assert_int_equal(regions_protect(&rs, 0xfee00000, PAGE_SIZE, REGION_RX), -EFAULT);
}

static u64 filled_at[8], filled_len[8];
static u32 nr_filled;

static void filled(void *ctx, u64 gpa, u64 len)
{
	(void)ctx;
	assert_true(nr_filled < 8);
	filled_at[nr_filled] = gpa;
	filled_len[nr_filled++] = len;
}

static void test_give_back_and_restore(void **state)
{
	(void)state;
	nr_filled = 0;
	assert_int_equal(regions_protect(&rs, 4 * MiB, 4 * PAGE_SIZE, 0), REGION_ZAP_ALL);
	assert_int_equal(regions_protect(&rs, 4 * MiB + 6 * PAGE_SIZE, PAGE_SIZE, 0),
			 REGION_ZAP_ALL);
	/* Over both holes and the RAM between them: each hole reported once, then one region. */
	assert_int_equal(regions_restore(&rs, 4 * MiB, 8 * PAGE_SIZE, REGION_RWX, 4 * MiB, RAM_SIZE,
					 filled, NULL), REGION_ZAP_RANGE);
	assert_int_equal(nr_filled, 2);
	assert_int_equal(filled_at[0], 4 * MiB);
	assert_int_equal(filled_len[0], 4 * PAGE_SIZE);
	assert_int_equal(filled_at[1], 4 * MiB + 6 * PAGE_SIZE);
	assert_int_equal(filled_len[1], PAGE_SIZE);
	assert_int_equal(rs.nr, 1);
	/* Nothing to fill: only the rights. */
	assert_int_equal(regions_restore(&rs, 0, PAGE_SIZE, REGION_RX, 0, RAM_SIZE, filled, NULL),
			 REGION_ZAP_RANGE);
	assert_int_equal(nr_filled, 2);
	/* Outside the VM's RAM, over MMIO, no rights. */
	assert_int_equal(regions_restore(&rs, RAM_SIZE, PAGE_SIZE, REGION_RWX, RAM_SIZE, RAM_SIZE, filled,
					 NULL), -EFAULT);
	assert_int_equal(regions_restore(&rs, 0, PAGE_SIZE, 0, 0, RAM_SIZE, filled, NULL), -EINVAL);
	struct region r = mmio(8 * MiB, PAGE_SIZE);
	assert_int_equal(regions_protect(&rs, 8 * MiB, PAGE_SIZE, 0), REGION_ZAP_ALL);
	assert_int_equal(regions_add(&rs, &r, RAM_SIZE), 0);
	assert_int_equal(regions_restore(&rs, 8 * MiB, PAGE_SIZE, REGION_RWX, 8 * MiB, RAM_SIZE, filled,
					 NULL), -EFAULT);
	assert_int_equal(nr_filled, 2);
	assert_well_formed();
}

static void test_blocks(void **state)
{
	struct region r = ram(GiB, 2 * GiB, REGION_RWX, 0);
	const struct region *f;
	u32 shift;

	(void)state;
	/* 64 MiB from 0: 2 MiB blocks, never 1 GiB. */
	shift = 30;
	assert_non_null(regions_block(&rs, 3 * MiB, &shift));
	assert_int_equal(shift, 21);
	/* A read-only page splits its 2 MiB: 4 KiB there, 2 MiB beside it. */
	regions_protect(&rs, 6 * MiB + PAGE_SIZE, PAGE_SIZE, REGION_RX);
	shift = 30;
	f = regions_block(&rs, 6 * MiB + 5 * PAGE_SIZE, &shift);
	assert_int_equal(shift, 12);
	assert_int_equal(f->perm, REGION_RWX);
	shift = 30;
	assert_int_equal(regions_block(&rs, 6 * MiB + PAGE_SIZE, &shift)->perm, REGION_RX);
	assert_int_equal(shift, 12);
	shift = 30;
	regions_block(&rs, 8 * MiB, &shift);
	assert_int_equal(shift, 21);
	/* 1 GiB where a region covers it and its backing is aligned so; MMIO and holes: none. */
	assert_int_equal(regions_add(&rs, &r, 4 * GiB), 0);
	shift = 30;
	regions_block(&rs, GiB + 12345, &shift);
	assert_int_equal(shift, 30);
	assert_int_equal(regions_move(&rs, GiB, 5 * GiB + 2 * MiB), 0);
	shift = 30;
	regions_block(&rs, 6 * GiB, &shift);
	assert_int_equal(shift, 21); /* its backing is not 1 GiB aligned at a 1 GiB boundary */
	shift = 30;
	assert_null(regions_block(&rs, GiB, &shift));
	r = mmio(0xfee00000, PAGE_SIZE);
	assert_int_equal(regions_add(&rs, &r, 4 * GiB), 0);
	shift = 30;
	assert_null(regions_block(&rs, 0xfee00000, &shift));
}

/* Random changes against a page-by-page model of rights and backing. */
static void test_random_against_model(void **state)
{
	enum { PAGES = 64 };
	u8 perm[PAGES];
	u64 seed = 0x5eed;

	(void)state;
	regions_init(&rs);
	struct region r = ram(0, PAGES * PAGE_SIZE, REGION_RWX, 0);
	assert_int_equal(regions_add(&rs, &r, PAGES * PAGE_SIZE), 0);
	memset(perm, REGION_RWX, sizeof(perm));
	for (u32 step = 0; step < 20000; step++) {
		u64 a = unit_rand_range(&seed, 0, PAGES - 1);
		u64 n = unit_rand_range(&seed, 1, PAGES - a);
		u8 p = (u8[]){ 0, REGION_RX, REGION_RWX, REGION_R, REGION_W }[unit_rand(&seed) % 5];
		bool all_ram = true;
		int ret;

		for (u64 i = a; i < a + n; i++)
			all_ram &= perm[i] != 0;
		if (unit_rand(&seed) & 1) {
			ret = regions_protect(&rs, a * PAGE_SIZE, n * PAGE_SIZE, p);
			if (ret == -ENOSPC)
				continue;
			assert_int_equal(ret >= 0, all_ram && p != REGION_W);
			if (ret >= 0)
				memset(&perm[a], p, n);
		} else {
			ret = regions_restore(&rs, a * PAGE_SIZE, n * PAGE_SIZE, p, a * PAGE_SIZE, PAGES * PAGE_SIZE,
					      NULL, NULL);
			if (ret == -ENOSPC)
				continue;
			assert_int_equal(ret >= 0, p != 0 && p != REGION_W);
			if (ret >= 0)
				memset(&perm[a], p, n);
		}
		assert_well_formed();
		for (u64 i = 0; i < PAGES; i++) {
			const struct region *f = regions_find(&rs, i * PAGE_SIZE);

			assert_int_equal(f ? f->perm : 0, perm[i]);
			if (f)
				assert_int_equal(f->backing + (i * PAGE_SIZE - f->start), i * PAGE_SIZE);
			/* Merged: two neighbours with the same rights are one region. */
			if (f && i && perm[i - 1] == perm[i])
				assert_ptr_equal(regions_find(&rs, (i - 1) * PAGE_SIZE), f);
		}
	}
}

/* Only backing no RAM region reaches may go back to the host: a moved region keeps its own. */
static void test_backing_used(void **state)
{
	(void)state;
	assert_true(regions_backing_used(&rs, 4 * MiB, 2 * MiB));
	assert_int_equal(regions_protect(&rs, 4 * MiB, 2 * MiB + 4096, 0), REGION_ZAP_ALL);
	assert_false(regions_backing_used(&rs, 4 * MiB, 2 * MiB));
	assert_true(regions_backing_used(&rs, 6 * MiB, 2 * MiB)); /* a page of it given back */
	assert_true(regions_backing_used(&rs, 2 * MiB, 2 * MiB + 1));
	/* RAM moved elsewhere keeps its backing in use wherever it now is. */
	assert_int_equal(regions_protect(&rs, 32 * MiB, 2 * MiB, 0), REGION_ZAP_ALL);
	assert_int_equal(regions_move(&rs, 34 * MiB, 100 * MiB), 0);
	assert_false(regions_backing_used(&rs, 32 * MiB, 2 * MiB));
	assert_true(regions_backing_used(&rs, 34 * MiB, 2 * MiB));
	/* Where the next region starts: the end of a hole, or of the region gpa is in. */
	assert_int_equal(regions_next_start(&rs, 4 * MiB), 6 * MiB + 4096);
	assert_int_equal(regions_next_start(&rs, 0), 6 * MiB + 4096);
	assert_int_equal(regions_next_start(&rs, 101 * MiB), REGIONS_GPA_LIMIT);
	/* MMIO has no backing. */
	{
		struct region m = mmio(4 * MiB, 2 * MiB);

		assert_int_equal(regions_add(&rs, &m, RAM_SIZE), 0);
		assert_false(regions_backing_used(&rs, 4 * MiB, 2 * MiB));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_rules, setup),
		cmocka_unit_test_setup(test_full_table, setup),
		cmocka_unit_test_setup(test_move_and_remove, setup),
		cmocka_unit_test_setup(test_protect_splits_and_merges, setup),
		cmocka_unit_test_setup(test_give_back_and_restore, setup),
		cmocka_unit_test_setup(test_blocks, setup),
		cmocka_unit_test_setup(test_backing_used, setup),
		cmocka_unit_test_setup(test_random_against_model, setup),
	};

	return unit_run(tests);
}
