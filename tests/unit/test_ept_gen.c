// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for mm/ept_gen.c: an obsolete EPT tree is freed only once no vCPU can load it and
 * every pCPU that entered with it has flushed it; the frame allocator and heap are the host's.
 */
#include "unit.h"
#include "mm/ept_gen.h"
#include "mm/mm.h"

/* The frames the code under test holds, so a test sees when the old root goes back. */
static u64 live[1024];
static u32 nr_live;

u64 frames_alloc(u64 count, u64 limit)
{
	void *p;

	(void)limit;
	assert_int_equal(count, 1);
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, PAGE_SIZE);
	assert_true(nr_live < ARRAY_SIZE(live));
	live[nr_live++] = (u64)(uintptr_t)p;
	return (u64)(uintptr_t)p;
}

void frames_free(u64 phys, u64 count)
{
	assert_int_equal(count, 1);
	for (u32 i = 0; i < nr_live; i++) {
		if (live[i] == phys) {
			live[i] = live[--nr_live];
			free((void *)(uintptr_t)phys);
			return;
		}
	}
	fail_msg("frame %#lx freed twice or never allocated", phys);
}

static bool frame_live(u64 phys)
{
	for (u32 i = 0; i < nr_live; i++)
		if (live[i] == phys)
			return true;
	return false;
}

void *heap_alloc(size_t size)
{
	return malloc(size);
}

void heap_free(void *p)
{
	free(p);
}

/* What the pCPU under test flushed. */
static u64 flushed[16];
static u32 nr_flushed;

static void flush(u64 eptp)
{
	assert_true(nr_flushed < ARRAY_SIZE(flushed));
	flushed[nr_flushed++] = eptp;
}

static struct vm_ept e;
static u64 chunks[2] = { 0x40000000, 0x40200000 }; /* written into entries, never touched */
static const struct guest_mem gm = { .size = 4 * GMEM_CHUNK_SIZE / 2, .nr_chunks = 2,
				      .chunks = chunks }; /* state NULL: every chunk ready */

static int setup(void **state)
{
	(void)state;
	memset(&e, 0, sizeof(e));
	nr_live = nr_flushed = 0;
	assert_int_equal(ept_gen_init(&e, &gm), 0);
	return 0;
}

/* Frees every obsolete tree that may go; returns the pCPUs still asked to flush. */
static struct cpuset reclaim_all(u64 min_loaded)
{
	struct cpuset ask;

	cpuset_clear(&ask);
	while (ept_gen_reclaim(&e, min_loaded, &ask))
		;
	return ask;
}

static int teardown(void **state)
{
	(void)state;
	for (u32 c = 0; c < 8; c++)
		ept_gen_flush_cpu(&e, c, flush);
	reclaim_all(UINT64_MAX);
	assert_int_equal(e.nr_obsolete, 0);
	while (!ept_tree_free_some(&e.cur, &(u32){ 1u << 30 }))
		;
	assert_int_equal(nr_live, 0);
	return 0;
}

/* The defect: a pCPU that ran the VM before its vCPUs moved on still caches the old root. */
static void test_not_freed_until_every_loader_flushed(void **state)
{
	u64 old = e.cur.eptp, old_root = e.cur.root, tables = e.cur.nr_tables;
	struct cpuset ask;

	(void)state;
	ept_gen_loaded(&e, old, 3); /* vCPU 0 ran on pCPU 3, then moved to pCPU 1 */
	ept_gen_loaded(&e, old, 1);
	assert_int_equal(ept_gen_invalidate(&e), 0);
	ept_gen_loaded(&e, e.cur.eptp, 1); /* it reloaded on pCPU 1 */

	ask = reclaim_all(2); /* no vCPU is on generation 1 any more */
	assert_int_equal(e.nr_obsolete, 1);
	assert_true(frame_live(old_root));
	assert_true(cpuset_has(&ask, 3) && cpuset_has(&ask, 1));
	assert_false(cpuset_has(&ask, 0) || cpuset_has(&ask, 2));

	/* A pCPU that never loaded it flushes nothing and unblocks nothing. */
	assert_int_equal(ept_gen_flush_cpu(&e, 2, flush), 0);
	assert_int_equal(ept_gen_flush_cpu(&e, 1, flush), 1);
	assert_int_equal(flushed[0], old);
	ask = reclaim_all(2);
	assert_int_equal(e.nr_obsolete, 1);
	assert_true(frame_live(old_root));
	assert_true(cpuset_has(&ask, 3));
	assert_false(cpuset_has(&ask, 1));

	/* The last one flushes: the whole tree goes, root included. */
	assert_int_equal(ept_gen_flush_cpu(&e, 3, flush), 1);
	assert_int_equal(ept_gen_flush_cpu(&e, 3, flush), 0); /* once is enough */
	ask = reclaim_all(2);
	assert_true(cpuset_is_empty(&ask));
	assert_int_equal(e.nr_obsolete, 0);
	assert_false(frame_live(old_root));
	assert_int_equal(e.tables_freed, tables);
	assert_int_equal(e.cpu_flushes, 2);
}

/* While a vCPU may still load the old tree, a flush may be followed by new cached entries. */
static void test_flush_counts_only_once_unloadable(void **state)
{
	u64 old = e.cur.eptp;
	struct cpuset ask;

	(void)state;
	ept_gen_loaded(&e, old, 0);
	assert_int_equal(ept_gen_invalidate(&e), 0);
	ask = reclaim_all(1); /* a vCPU is still on generation 1 */
	assert_true(cpuset_is_empty(&ask));
	assert_int_equal(ept_gen_flush_cpu(&e, 0, flush), 0);
	/* That vCPU enters again, on another pCPU, with the old root before it reloads. */
	ept_gen_loaded(&e, old, 4);
	assert_int_equal(e.nr_obsolete, 1);

	ask = reclaim_all(2);
	assert_int_equal(e.nr_obsolete, 1);
	assert_true(cpuset_has(&ask, 0) && cpuset_has(&ask, 4));
	assert_int_equal(ept_gen_flush_cpu(&e, 0, flush), 1);
	assert_int_equal(ept_gen_flush_cpu(&e, 4, flush), 1);
	/* A stale, lower reading of the vCPUs' generations later does not make it loadable. */
	ask = reclaim_all(1);
	assert_int_equal(e.nr_obsolete, 0);
}

/* A tree no pCPU entered with needs no flush; the new root starts with no pCPU recorded. */
static void test_never_loaded_needs_nothing(void **state)
{
	struct cpuset ask;

	(void)state;
	ept_gen_loaded(&e, e.cur.eptp, 7);
	assert_int_equal(ept_gen_invalidate(&e), 0);
	assert_int_equal(ept_gen_invalidate(&e), 0); /* the second tree never ran anywhere */
	ask = reclaim_all(3);
	assert_int_equal(e.nr_obsolete, 2); /* the oldest waits for pCPU 7, and the rest behind */
	assert_true(cpuset_has(&ask, 7));
	assert_int_equal(ept_gen_flush_cpu(&e, 7, flush), 1);
	ask = reclaim_all(3);
	assert_true(cpuset_is_empty(&ask));
	assert_int_equal(e.nr_obsolete, 0);
	assert_int_equal(nr_flushed, 1);
}

/* Several obsolete trees: only the unloadable ones are flushed, each once, oldest freed first. */
static void test_only_unloadable_trees_flushed(void **state)
{
	u64 t1 = e.cur.eptp, t2;

	(void)state;
	ept_gen_loaded(&e, t1, 5);
	assert_int_equal(ept_gen_invalidate(&e), 0);
	t2 = e.cur.eptp;
	ept_gen_loaded(&e, t2, 5);
	assert_int_equal(ept_gen_invalidate(&e), 0);
	reclaim_all(2); /* generation 1 unloadable, 2 still in use */
	assert_int_equal(ept_gen_flush_cpu(&e, 5, flush), 1);
	assert_int_equal(flushed[0], t1);
	reclaim_all(2);
	assert_int_equal(e.nr_obsolete, 1);
	assert_int_equal(e.obsolete[0].tree.eptp, t2);
	reclaim_all(3);
	assert_int_equal(ept_gen_flush_cpu(&e, 5, flush), 1);
	assert_int_equal(flushed[1], t2);
	reclaim_all(3);
	assert_int_equal(e.nr_obsolete, 0);
}

/* Rights and page size of gpa's leaf in the current tree, 0 when unmapped. */
static u32 leaf_shift(const struct ept_tree *t, u64 gpa, u8 *perm)
{
	u32 shift = 0;

	if (!ept_tree_lookup(t, gpa, perm, &shift))
		return 0;
	return shift;
}

static int mmio_stub(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write, u64 *value)
{
	(void)v, (void)opaque, (void)offset, (void)size, (void)write, (void)value;
	return REGION_MMIO_DONE;
}

/* Nothing is mapped up front; RAM faults in with 2 MiB pages, 4 KiB where rights differ. */
static void test_on_demand(void **state)
{
	struct region r;
	u8 perm;

	(void)state;
	assert_int_equal(e.cur.nr_tables, 1);
	assert_false(ept_tree_mapped(&e.cur, 0x1000));
	assert_int_equal(ept_gen_fault(&e, &gm, 0x1234, REGION_R, &r), EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, 0x1000, &perm), 21);
	assert_int_equal(perm, REGION_RWX);
	assert_int_equal(ept_gen_fault(&e, &gm, GMEM_CHUNK_SIZE, REGION_W, &r), EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, GMEM_CHUNK_SIZE + 0x5000, &perm), 21);
	/* One read-only page: its 2 MiB leaf goes, and comes back as 4 KiB leaves. */
	assert_int_equal(ept_gen_protect(&e, GMEM_CHUNK_SIZE + 0x1000, 0x1000, REGION_RX),
			 REGION_ZAP_RANGE);
	assert_false(ept_tree_mapped(&e.cur, GMEM_CHUNK_SIZE));
	assert_true(ept_tree_mapped(&e.cur, 0)); /* the other 2 MiB stays */
	assert_int_equal(ept_gen_fault(&e, &gm, GMEM_CHUNK_SIZE, REGION_W, &r), EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, GMEM_CHUNK_SIZE, &perm), 12);
	assert_int_equal(ept_gen_fault(&e, &gm, GMEM_CHUNK_SIZE + 0x1800, REGION_R, &r),
			 EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, GMEM_CHUNK_SIZE + 0x1000, &perm), 12);
	assert_int_equal(perm, REGION_RX);
	assert_int_equal(ept_gen_fault(&e, &gm, GMEM_CHUNK_SIZE + 0x1800, REGION_W, &r),
			 EPT_FAULT_DENIED);
	assert_int_equal(r.perm, REGION_RX);
	/* Nothing where no region is; a claimed range goes to its handler, never mapped. */
	assert_int_equal(ept_gen_fault(&e, &gm, gm.size, REGION_R, &r), EPT_FAULT_UNBACKED);
	assert_int_equal(ept_gen_claim_mmio(&e, 0xfee00000, 0x1000, mmio_stub, NULL, "apic"),
			 REGION_ZAP_NONE);
	assert_int_equal(ept_gen_claim_mmio(&e, 0x1000, 0x1000, mmio_stub, NULL, "x"), -EEXIST);
	assert_int_equal(ept_gen_fault(&e, &gm, 0xfee00030, REGION_W, &r), EPT_FAULT_MMIO);
	assert_ptr_equal(r.mmio, mmio_stub);
	assert_false(ept_tree_mapped(&e.cur, 0xfee00000));
	/* Giving RAM back invalidates everything by generation: the new tree maps nothing. */
	assert_int_equal(ept_gen_protect(&e, 0, 0x1000, 0), REGION_ZAP_ALL);
	assert_int_equal(e.generation, 2);
	assert_false(ept_tree_mapped(&e.cur, 0x2000));
	assert_int_equal(ept_gen_fault(&e, &gm, 0x10, REGION_R, &r), EPT_FAULT_UNBACKED);
	assert_int_equal(ept_gen_fault(&e, &gm, 0x2000, REGION_R, &r), EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, 0x2000, &perm), 12);
}

/*
 * Where zapping only a range is not enough: the zap touches the current tree, while a vCPU
 * that has not reloaded since the last invalidation runs on an obsolete tree that still maps
 * the range with its old rights. So every range zap is followed by every vCPU's reload (and
 * the caller waits for those in guest mode: hv/vm_mem.c), never left to the zap alone.
 */
static void test_range_zap_misses_obsolete_trees(void **state)
{
	struct region r;
	u8 perm;

	(void)state;
	assert_int_equal(ept_gen_fault(&e, &gm, 0x1000, REGION_W, &r), EPT_FAULT_MAPPED);
	assert_int_equal(ept_gen_invalidate(&e), 0);
	assert_int_equal(ept_gen_fault(&e, &gm, 0x1000, REGION_W, &r), EPT_FAULT_MAPPED);
	u64 seq = e.seq;
	assert_int_equal(ept_gen_protect(&e, 0x1000, 0x1000, REGION_RX), REGION_ZAP_RANGE);
	assert_true(e.seq > seq); /* vCPUs that loaded before must reload */
	assert_false(ept_tree_mapped(&e.cur, 0x1000));
	assert_int_equal(leaf_shift(&e.obsolete[0].tree, 0x1000, &perm), 21);
	assert_int_equal(perm, REGION_RWX); /* still writable there */
}

/* A tree that would pass its bound is refused (the caller invalidates everything instead). */
static void test_table_limit(void **state)
{
	struct region far = { .size = GMEM_CHUNK_SIZE, .kind = REGION_RAM, .perm = REGION_RWX,
			      .name = "alias" };
	struct region r;
	u32 full = 0;

	(void)state;
	e.max_tables = e.cur.max_tables = 8;
	for (u64 i = 1; i <= 4; i++) {
		far.start = i << 39; /* a PML4 slot of its own: 2 new tables each */
		assert_int_equal(regions_add(&e.regions, &far, gm.size), 0);
	}
	for (u64 i = 1; i <= 4; i++) {
		enum ept_fault f = ept_gen_fault(&e, &gm, i << 39, REGION_R, &r);

		assert_true(f == EPT_FAULT_MAPPED || f == EPT_FAULT_FULL);
		full += f == EPT_FAULT_FULL;
		assert_true(e.cur.nr_tables <= 8);
	}
	assert_int_equal(full, 1);
	assert_int_equal(e.limit_hits, 1);
	/* The bound of a real VM: 4 KiB pages for all of RAM and 3 tables per region. */
	assert_int_equal(ept_gen_table_limit(16 * MiB), 1 + 1 + 1 + 8 + 3 * REGIONS_MAX);
	assert_int_equal(ept_gen_table_limit(64 * GiB), 1 + 1 + 64 + 32768 + 3 * REGIONS_MAX);
}

/* 1 GiB pages where the backing is one aligned run of host memory, else 2 MiB. */
static void test_huge_pages(void **state)
{
	static u64 big[512];
	struct guest_mem g = { .size = GiB, .nr_chunks = 512, .chunks = big };
	struct region r;
	u8 perm;

	(void)state;
	while (!ept_tree_free_some(&e.cur, &(u32){ 1u << 30 }))
		;
	memset(&e, 0, sizeof(e));
	for (u32 i = 0; i < 512; i++)
		big[i] = 0x80000000ull + i * GMEM_CHUNK_SIZE;
	assert_int_equal(ept_gen_init(&e, &g), 0);
	ept_huge_pages = true;
	assert_int_equal(ept_gen_fault(&e, &g, 0x123456, REGION_R, &r), EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, 0x3fffffff, &perm), 30);
	assert_int_equal(e.cur.nr_tables, 2); /* a root and a PDPT */
	assert_int_equal(e.maps[2], 1);
	/* One chunk elsewhere: 2 MiB pages only. */
	big[7] = 0x10000000;
	assert_int_equal(ept_gen_invalidate(&e), 0);
	assert_int_equal(ept_gen_fault(&e, &g, 0x123456, REGION_R, &r), EPT_FAULT_MAPPED);
	assert_int_equal(leaf_shift(&e.cur, 0x123456, &perm), 21);
	ept_huge_pages = false;
}

/* A stopped VM: every tree goes, the current one too, once each pCPU that ran it flushed it. */
static void test_retire_frees_every_tree(void **state)
{
	struct region r;
	struct cpuset ask;
	u64 full_gens = EPT_GEN_MAX_OBSOLETE;

	(void)state;
	/* Obsolete trees up to the limit, each with tables, then the current one with tables. */
	for (u64 g = 0; g <= full_gens; g++) {
		assert_int_equal(ept_gen_fault(&e, &gm, 0x1234, REGION_R, &r), EPT_FAULT_MAPPED);
		ept_gen_loaded(&e, e.cur.eptp, (u32)(g & 1));
		if (g < full_gens)
			assert_int_equal(ept_gen_invalidate(&e), 0);
	}
	assert_int_equal(e.nr_obsolete, EPT_GEN_MAX_OBSOLETE);
	assert_true(nr_live > 3 * EPT_GEN_MAX_OBSOLETE);
	ept_gen_retire(&e);
	assert_int_equal(e.nr_obsolete, EPT_GEN_MAX_OBSOLETE + 1);
	ask = reclaim_all(0); /* the vCPUs' generations do not matter any more */
	assert_true(cpuset_has(&ask, 0) && cpuset_has(&ask, 1));
	assert_int_not_equal(nr_live, 0);
	ept_gen_flush_cpu(&e, 0, flush);
	ask = reclaim_all(0);
	assert_int_not_equal(nr_live, 0); /* pCPU 1 may still cache the last tree */
	ept_gen_flush_cpu(&e, 1, flush);
	ask = reclaim_all(0);
	assert_true(cpuset_is_empty(&ask));
	assert_int_equal(e.nr_obsolete, 0);
	assert_int_equal(nr_live, 0); /* every table page and every root went back */
	assert_int_equal(ept_gen_tables(&e), 0);
}

/* More than 3 GiB: RAM stops at 3 GiB and goes on at 4 GiB; the xAPIC and I/O APIC are free. */
static void test_pci_hole(void **state)
{
	u64 n = 5 * GiB / GMEM_CHUNK_SIZE, *c = calloc(n, sizeof(u64));
	struct guest_mem five = { .size = 5 * GiB, .nr_chunks = n, .chunks = c };
	const struct region *r;
	struct region out;
	u8 perm;
	u32 shift;

	(void)state;
	for (u64 i = 0; i < n; i++)
		c[i] = 0x100000000000ull + i * GMEM_CHUNK_SIZE; /* written into entries only */
	memset(&e, 0, sizeof(e));
	assert_int_equal(ept_gen_init(&e, &five), 0);
	assert_int_equal(e.regions.nr, 2);
	r = regions_find(&e.regions, 3 * GiB - 1);
	assert_non_null(r);
	assert_int_equal(r->start + r->size, 3 * GiB);
	assert_null(regions_find(&e.regions, 3 * GiB));
	assert_null(regions_find(&e.regions, 0xfee00000));
	assert_null(regions_find(&e.regions, 0xfec00000));
	r = regions_find(&e.regions, 4 * GiB);
	assert_non_null(r);
	assert_int_equal(r->backing, 3 * GiB);
	assert_int_equal(r->start + r->size, 6 * GiB);
	assert_null(regions_find(&e.regions, 6 * GiB));
	/* Host addresses and copies follow the same layout. */
	assert_int_equal(gmem_hpa(&five, 4 * GiB + 8), c[3 * GiB / GMEM_CHUNK_SIZE] + 8);
	assert_int_equal(gmem_hpa(&five, 3 * GiB + 8), 0);
	assert_false(gmem_range_ok(&five, 3 * GiB - 4096, 8192));
	assert_true(gmem_range_ok(&five, 6 * GiB - 4096, 4096));
	assert_false(gmem_range_ok(&five, 6 * GiB - 4096, 8192));
	assert_int_equal(gmem_top(&five), 6 * GiB);
	/* A fault at 4 GiB maps the backing at 3 GiB; one in the hole is unbacked. */
	assert_int_equal(ept_gen_fault(&e, &five, 4 * GiB + 0x1234, REGION_W, &out),
			 EPT_FAULT_MAPPED);
	assert_true(ept_tree_lookup(&e.cur, 4 * GiB, &perm, &shift));
	assert_int_equal(ept_gen_fault(&e, &five, 3 * GiB + 0x1234, REGION_R, &out),
			 EPT_FAULT_UNBACKED);
	ept_gen_retire(&e);
	reclaim_all(0);
	free(c);
}

/* A VM of four real chunks for give-back and take-back: chunks move between it and the host. */
static u64 big_chunks[4];
static volatile u8 big_state[4];
static struct guest_mem big = { .size = 4 * GMEM_CHUNK_SIZE, .nr_chunks = 4, .chunks = big_chunks,
				.state = big_state };
static u64 pinned_hpa, fresh_hpa;
static bool alloc_fails;

static bool pinned(void *ctx, u64 hpa)
{
	(void)ctx;
	return hpa == pinned_hpa;
}

static u64 alloc_chunk(void)
{
	return alloc_fails ? 0 : fresh_hpa;
}

static struct ept_gen_chunks chunks_for(u64 *list, u32 max)
{
	return (struct ept_gen_chunks){ .hpa = list, .max = max, .pinned = pinned,
					.alloc = alloc_chunk };
}

/* The 4-chunk VM of the give-back tests, its chunks (orig) and a fresh one, host memory all. */
static void big_ram_init(u64 orig[4])
{
	for (u32 i = 0; i < 4; i++) {
		orig[i] = big_chunks[i] = (u64)(uintptr_t)aligned_alloc(GMEM_CHUNK_SIZE,
									GMEM_CHUNK_SIZE);
		big_state[i] = GMEM_CHUNK_READY;
	}
	fresh_hpa = (u64)(uintptr_t)aligned_alloc(GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE);
	alloc_fails = false;
	pinned_hpa = 0;
	memset(&e, 0, sizeof(e));
	assert_int_equal(ept_gen_init(&e, &big), 0);
}

static void big_ram_free(const u64 orig[4])
{
	for (u32 i = 0; i < 4; i++)
		free((void *)(uintptr_t)orig[i]);
	free((void *)(uintptr_t)fresh_hpa);
}

static void test_give_back_returns_whole_chunks(void **state)
{
	u64 list[8], orig[4];
	struct ept_gen_chunks ch = chunks_for(list, 8);
	struct region r;

	(void)state;
	big_ram_init(orig);
	memset((void *)(uintptr_t)big_chunks[2], 0x5a, GMEM_CHUNK_SIZE);
	/* Chunk 1 whole and a page of chunk 2: only chunk 1 leaves the VM. */
	assert_int_equal(ept_gen_give_back(&e, &big, GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE + 4096, &ch),
			 REGION_ZAP_ALL);
	assert_int_equal(ch.nr, 1);
	assert_int_equal(list[0], orig[1]);
	assert_int_equal(big_chunks[1], 0);
	assert_int_equal(big_chunks[2], orig[2]);
	assert_int_equal(e.chunks_returned, 1);
	assert_int_equal(gmem_hpa(&big, GMEM_CHUNK_SIZE + 8), 0);
	assert_int_equal(gmem_write(&big, GMEM_CHUNK_SIZE - 4, "abcdefgh", 8), -EFAULT);
	assert_int_equal(ept_gen_fault(&e, &big, GMEM_CHUNK_SIZE, REGION_R, &r),
			 EPT_FAULT_UNBACKED);
	/* The rest of chunk 2 later: it leaves then. A pinned chunk 3 stays. */
	pinned_hpa = orig[3];
	ch.nr = 0;
	assert_int_equal(ept_gen_give_back(&e, &big, 2 * GMEM_CHUNK_SIZE + 4096,
					   2 * GMEM_CHUNK_SIZE - 4096, &ch), REGION_ZAP_ALL);
	assert_int_equal(ch.nr, 1);
	assert_int_equal(list[0], orig[2]);
	assert_int_equal(big_chunks[3], orig[3]);
	/* Taking back with no host memory: nothing changes. */
	alloc_fails = true;
	ch.nr = 0;
	assert_int_equal(ept_gen_restore(&e, &big, GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE, REGION_RWX,
					 &ch), -ENOMEM);
	assert_int_equal(ept_gen_restore(&e, &big, GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE, REGION_RWX,
					 NULL), -ENOMEM);
	assert_int_equal(ept_gen_fault(&e, &big, GMEM_CHUNK_SIZE, REGION_R, &r),
			 EPT_FAULT_UNBACKED);
	/* A take-back out of the VM's RAM: refused before any chunk is taken. */
	alloc_fails = false;
	assert_int_equal(ept_gen_restore(&e, &big, GMEM_CHUNK_SIZE, 8 * GMEM_CHUNK_SIZE,
					 REGION_RWX, &ch), -EFAULT);
	assert_int_equal(big_chunks[1], 0);
	assert_int_equal(ch.nr, 0);
	/* Taken back: a fresh chunk, stale (zeroed on first use), mapped on a fault. */
	memset((void *)(uintptr_t)fresh_hpa, 0x77, GMEM_CHUNK_SIZE);
	ch.nr = 0;
	assert_int_equal(ept_gen_restore(&e, &big, GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE, REGION_RWX,
					 &ch), REGION_ZAP_RANGE);
	assert_int_equal(ch.taken, 1);
	assert_int_equal(big_chunks[1], fresh_hpa);
	assert_int_equal(e.chunks_taken, 1);
	assert_int_equal(ept_gen_fault(&e, &big, GMEM_CHUNK_SIZE, REGION_W, &r), EPT_FAULT_MAPPED);
	assert_int_equal(((u8 *)(uintptr_t)fresh_hpa)[12345], 0);
	ept_gen_retire(&e);
	reclaim_all(0);
	assert_int_equal(e.nr_obsolete, 0);
	big_ram_free(orig);
}

/*
 * A take-back that fails once its fresh chunk is in place (no room for the hole's region): the
 * chunk leaves the VM again but stays listed, for the caller to free once no vCPU can reach it.
 * It was freed at once, under the lock: a vCPU that had read its address meanwhile (a copy into
 * guest RAM, zeroing it on first use: both outside the lock) wrote into frames the host had
 * handed out again (the hostile fuzzer with KESTREL_HC_MEM_PROTECT, a heap free list zeroed).
 */
static void test_failed_restore_keeps_fresh_chunk_listed(void **state)
{
	u64 list[8], orig[4];
	struct ept_gen_chunks ch = chunks_for(list, 8);
	int ret = 0;

	(void)state;
	big_ram_init(orig);
	assert_int_equal(ept_gen_give_back(&e, &big, GMEM_CHUNK_SIZE, GMEM_CHUNK_SIZE, &ch),
			 REGION_ZAP_ALL);
	assert_int_equal(ch.nr, 1);
	/* Every other page of chunk 0 read-only, until the table of regions is full. */
	for (u64 pg = 0; ret >= 0 && pg < 512; pg += 2)
		ret = ept_gen_protect(&e, pg * PAGE_SIZE, PAGE_SIZE, REGION_RX);
	assert_int_equal(ret, -ENOSPC);
	/* Chunk 0's last page (a split) and the hole (a region): no room, once chunk 1 is in. */
	ch.nr = 0;
	assert_int_equal(ept_gen_restore(&e, &big, GMEM_CHUNK_SIZE - PAGE_SIZE,
					 GMEM_CHUNK_SIZE + PAGE_SIZE, REGION_RWX, &ch), -ENOSPC);
	assert_int_equal(big_chunks[1], 0);
	assert_int_equal(gmem_hpa(&big, GMEM_CHUNK_SIZE), 0);
	assert_int_equal(ch.nr, 1);
	assert_int_equal(list[0], fresh_hpa);
	assert_int_equal(ch.taken, 0);
	assert_int_equal(e.chunks_taken, 0);
	ept_gen_retire(&e);
	reclaim_all(0);
	big_ram_free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_freed_until_every_loader_flushed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flush_counts_only_once_unloadable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_never_loaded_needs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_unloadable_trees_flushed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_on_demand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_zap_misses_obsolete_trees, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_table_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_pages, setup, teardown),
		cmocka_unit_test(test_give_back_returns_whole_chunks),
		cmocka_unit_test(test_failed_restore_keeps_fresh_chunk_listed),
		cmocka_unit_test(test_pci_hole),
		cmocka_unit_test_setup_teardown(test_retire_frees_every_tree, setup, teardown),
	};

	return unit_run(tests);
}
