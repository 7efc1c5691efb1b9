// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for mm/shadow.c and mm/shadow_page.c: a model test (random guest page tables in a
 * fake guest RAM, random guest writes, CR3 loads, INVLPG, invalidations and accesses, with the
 * whole shadow checked against fresh walks of the guest's tables after every step), and
 * targeted tests of A/D bits, write protection, roots, generations, batches and the page limit.
 * Frames and heap are the host's; the CPU walking the shadow tables is modelled here.
 */
#include "unit.h"
#include "mm/shadow.h"
#include "mm/shadow_page.h"
#include "mm/mm.h"

#define P BIT(0)
#define RW BIT(1)
#define US BIT(2)
#define PWT BIT(3)
#define PCD BIT(4)
#define A BIT(5)
#define D BIT(6)
#define PS BIT(7)
#define G BIT(8)
#define XD BIT(63)
#define ALL (P | RW | US)
#define WP BIT(16)
#define PG BIT(31)
#define PSE BIT(4)
#define PAE BIT(5)
#define PGE BIT(7)
#define SMEP BIT(20)
#define SMAP BIT(21)
#define LMA BIT(10)
#define NXE BIT(11)
#define ADDR 0x000ffffffffff000ULL

/* ---- the host side: frames, heap, the VM's memory and callbacks ---- */

static u64 nr_frames, nr_reloads, nr_flushes;

u64 frames_alloc(u64 count, u64 limit)
{
	void *p;

	(void)limit;
	assert_int_equal(count, 1);
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, PAGE_SIZE);
	nr_frames++;
	return (u64)(uintptr_t)p;
}

void frames_free(u64 phys, u64 count)
{
	assert_int_equal(count, 1);
	assert_true(nr_frames > 0);
	nr_frames--;
	memset((void *)(uintptr_t)phys, 0x5a, PAGE_SIZE); /* a use after free walks garbage */
	free((void *)(uintptr_t)phys);
}

void *heap_alloc(size_t size)
{
	return malloc(size);
}

void *heap_zalloc(size_t size)
{
	return calloc(1, size);
}

void heap_free(void *p)
{
	free(p);
}

#define NR_CHUNKS 4 /* 8 MiB of guest RAM */
#define RAM_SIZE (NR_CHUNKS * GMEM_CHUNK_SIZE)

static u8 ram[NR_CHUNKS][GMEM_CHUNK_SIZE] __aligned(GMEM_CHUNK_SIZE);
static u64 chunks[NR_CHUNKS];
static struct guest_mem gm = { .size = RAM_SIZE, .nr_chunks = NR_CHUNKS, .chunks = chunks };
static u64 ro_lo, ro_hi; /* a read-only region [ro_lo, ro_hi) of gfns */

static bool gfn_to_hpa(void *ctx, u64 gfn, u64 *hpa, bool *writable)
{
	const struct guest_mem *g = ctx;

	if (gfn >= g->size >> PAGE_SHIFT)
		return false;
	*hpa = gmem_hpa(g, gfn << PAGE_SHIFT);
	*writable = gfn < ro_lo || gfn >= ro_hi;
	return true;
}

static void reload_all(void *ctx)
{
	(void)ctx;
	nr_reloads++;
}

static void flush_all(void *ctx)
{
	(void)ctx;
	nr_flushes++;
}

static const struct shadow_ops ops = { gfn_to_hpa, reload_all, flush_all };
static struct shadow_mmu m;
static struct shadow_vcpu vcpus[2];

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	for (u64 i = 0; i < NR_CHUNKS; i++)
		chunks[i] = (u64)(uintptr_t)ram[NR_CHUNKS - 1 - i];
	gm.size = RAM_SIZE;
	gm.nr_chunks = NR_CHUNKS;
	gm.chunks = chunks;
	ro_lo = ro_hi = 0;
	nr_reloads = nr_flushes = 0;
	memset(vcpus, 0, sizeof(vcpus));
	assert_int_equal(shadow_init(&m, &gm, &ops, &gm, 4096, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	shadow_destroy(&m);
	assert_int_equal(nr_frames, 0); /* every table frame went back */
	return 0;
}

static u64 get(u64 gpa, u32 size)
{
	u64 v = 0;

	assert_int_equal(gmem_read(&gm, gpa, &v, size), 0);
	return v;
}

static void put(u64 gpa, u64 v, u32 size)
{
	assert_int_equal(gmem_write(&gm, gpa, &v, size), 0);
}

/* ---- the CPU: walks the shadow tables as it would with CR0.WP=1, EFER.NXE=1 ---- */

struct hw {
	bool ok;
	u32 ec;	 /* the #PF error code when not ok */
	u64 spte; /* the leaf when the walk reached one */
};

static bool long_mode(const struct shadow_vcpu *v)
{
	return (v->cpu.cr0 & PG) && (v->cpu.efer & LMA);
}

static u64 *table_at(u64 hpa)
{
	return (u64 *)(uintptr_t)(hpa & ADDR);
}

static struct hw hw_walk(const struct shadow_vcpu *v, u64 gva, u32 access)
{
	struct hw h = { .ok = false, .ec = access & (PF_ERR_WRITE | PF_ERR_USER | PF_ERR_FETCH) };
	bool rw = true, us = true, xd = false;
	bool user = access & PF_ERR_USER, write = access & PF_ERR_WRITE;
	bool fetch = access & PF_ERR_FETCH;
	/* With the guest's paging off, the CPU runs with SMEP and SMAP off (the VMX side's job). */
	u64 cr4 = (v->cpu.cr0 & PG) ? v->cpu.cr4 : 0;
	int level = long_mode(v) ? 4 : 3;
	u64 t = v->root_hpa, e = 0;

	assert_true(v->root_hpa);
	if (!long_mode(v))
		gva &= 0xffffffff;
	for (; level >= 1; level--) {
		bool pae_root = !long_mode(v) && level == 3;
		u32 i = pae_root ? (gva >> 30) & 3 : (gva >> (12 + 9 * (level - 1))) & 511;

		e = table_at(t)[i];
		if (!(e & P))
			return h;
		assert_false((e & PS) && level > 1); /* the shadow splits every large page */
		if (pae_root) {
			assert_int_equal(e & ~ADDR, P); /* PDPTEs: nothing but P, or VM entry fails */
		} else {
			rw &= !!(e & RW);
			us &= !!(e & US);
			xd |= !!(e & XD);
		}
		t = e;
	}
	h.spte = e;
	h.ec |= PF_ERR_PRESENT;
	if (user) {
		if (!us || (write && !rw))
			return h;
	} else {
		if (write && !rw)
			return h;
		if (fetch && us && (cr4 & SMEP))
			return h;
		if (!fetch && us && (cr4 & SMAP) && (access & SHADOW_PF_SMAP))
			return h;
	}
	if (fetch && xd)
		return h;
	h.ok = true;
	return h;
}

/* ---- the check: every leaf reachable from a root against a fresh walk of the guest's ---- */

static const u32 accesses[] = {
	0, PF_ERR_WRITE, PF_ERR_FETCH, PF_ERR_USER, PF_ERR_USER | PF_ERR_WRITE,
	PF_ERR_USER | PF_ERR_FETCH, SHADOW_PF_SMAP, SHADOW_PF_SMAP | PF_ERR_WRITE,
};

static u32 walk_access(u32 a)
{
	return (a & (PF_ERR_WRITE | PF_ERR_USER | PF_ERR_FETCH)) |
	       ((a & SHADOW_PF_SMAP) ? GUEST_WALK_SMAP : 0);
}

/* Whether some page (any generation) shadows the guest table at gfn: its frame is protected. */
static bool is_table(u64 gfn)
{
	for (u32 i = 1; i <= m.max_pages; i++) {
		struct shadow_page *sp = shadow_page(&m, i);

		if (sp->hpa && sp->gfn == gfn && !sp->role.direct && !sp->role.pae_root)
			return true;
	}
	return false;
}

static u64 nr_checked;

static void check_leaf(const struct shadow_vcpu *v, u64 gva, u64 spte)
{
	for (u32 k = 0; k < ARRAY_SIZE(accesses); k++) {
		struct guest_walk_path path;
		struct guest_walk_fault pf;
		struct hw h = hw_walk(v, gva, accesses[k]);
		u64 gpa, hpa;
		bool writable;

		if (!h.ok)
			continue;
		assert_int_equal(h.spte, spte);
		/* The CPU may do it: so may the guest's tables, to the same frame. */
		assert_int_equal(guest_walk_trace(&gm, &v->cpu, gva, walk_access(accesses[k]), &gpa,
						  &path, &pf), 0);
		assert_true(gfn_to_hpa(&gm, gpa >> PAGE_SHIFT, &hpa, &writable));
		assert_int_equal(spte & ADDR, hpa);
		/* A on every entry of the walk, D on the leaf for a write (SDM Vol. 3A, 5.8). */
		for (int l = path.top; path.top && l >= path.leaf; l--)
			if (path.gpa[l] != GUEST_WALK_IN_REGISTER)
				assert_true(path.entry[l] & A);
		if (accesses[k] & PF_ERR_WRITE) {
			if (path.top)
				assert_true(path.entry[path.leaf] & D);
			assert_true(writable);
			assert_false(is_table(gpa >> PAGE_SHIFT));
		}
		if (path.top) {
			u64 e = path.entry[path.leaf];

			assert_int_equal(spte & (PWT | PCD), e & (PWT | PCD));
			/* CR4.PGE is the CPU's, set as the guest's: a G leaf is the guest's G. */
			if (spte & G)
				assert_true(e & G);
		}
	}
	nr_checked++;
}

/* Every page reachable from page p is of the current generation; every leaf is checked. */
static void check_page(const struct shadow_vcpu *v, u32 p, u64 gva)
{
	struct shadow_page *sp = shadow_page(&m, p);
	u32 n = sp->role.pae_root ? 4 : 512;
	u32 present = 0;

	assert_int_equal(sp->generation, m.generation);
	for (u32 i = 0; i < n; i++) {
		u64 e = shadow_table(sp)[i];
		u64 va = gva | ((u64)i << (sp->role.pae_root ? 30 : 12 + 9 * (sp->role.level - 1)));

		if (!(e & P))
			continue;
		present++;
		if (sp->role.level == 1) {
			check_leaf(v, va, e);
		} else {
			u32 c = sp->links[i].aux;

			assert_int_equal(e & ADDR, shadow_page(&m, c)->hpa);
			assert_int_equal(shadow_page(&m, c)->role.level, sp->role.level - 1);
			if (long_mode(v) && sp->role.level == 4 && (va & BIT(47)))
				va |= 0xffff000000000000ULL;
			check_page(v, c, va);
		}
	}
	assert_int_equal(present, sp->nr_present);
}

static void check_vcpu(const struct shadow_vcpu *v)
{
	if (v->root && !shadow_obsolete(&m, shadow_page(&m, v->root)))
		check_page(v, v->root, 0);
}

/* ---- the model: random guest tables, writes and accesses ---- */

#define TABLE_GFN 16 /* guest tables in gfns [16, 16 + NR_TABLES) */
#define NR_TABLES 12
#define DATA_GFN 64

static u64 seed;

static u64 rnd(u64 n)
{
	return unit_rand(&seed) % n;
}

/* Indexes the model uses at each level, so tables and addresses are shared and collide. */
static const u32 idx9[] = { 0, 1, 255, 256, 511 };
static const u32 idx10[] = { 0, 1, 511, 512, 768, 1023 };

static u64 random_gva(const struct shadow_vcpu *v)
{
	u64 off = rnd(PAGE_SIZE);

	if (long_mode(v)) {
		u64 gva = 0;

		for (int l = 4; l >= 1; l--)
			gva |= (u64)idx9[rnd(ARRAY_SIZE(idx9))] << (12 + 9 * (l - 1));
		if (gva & BIT(47))
			gva |= 0xffff000000000000ULL;
		return gva | off;
	}
	if (!(v->cpu.cr4 & PAE))
		return ((u64)idx10[rnd(6)] << 22) | ((u64)idx10[rnd(6)] << 12) | off;
	return (rnd(4) << 30) | ((u64)idx9[rnd(5)] << 21) | ((u64)idx9[rnd(5)] << 12) | off;
}

/* Any entry at all: the hostile case (tables of any level, not RAM, reserved bits, PS). */
static u64 hostile_entry(u32 size)
{
	u64 e, target;
	u32 r = rnd(100);

	if (r < 10)
		return rnd(2) ? 0 : rnd(1ULL << 32) & ~P; /* not present */
	if (r < 55)
		target = (TABLE_GFN + rnd(NR_TABLES)) << PAGE_SHIFT;
	else if (r < 90)
		target = (DATA_GFN + rnd(512)) << PAGE_SHIFT;
	else
		target = RAM_SIZE + (rnd(16) << PAGE_SHIFT); /* not RAM */
	if (rnd(6) == 0)
		target &= ~(4 * MiB - 1); /* aligned for a large page */
	e = target | P | (rnd(8) ? RW : 0) | (rnd(6) ? US : 0) | (rnd(2) ? A : 0) |
	    (rnd(2) ? D : 0) | (rnd(4) ? 0 : PS) | (rnd(4) ? 0 : G) | (rnd(8) ? 0 : PWT | PCD);
	if (size == 8 && rnd(6) == 0)
		e |= XD;
	if (rnd(20) == 0)
		e |= BIT(size == 8 ? 51 : 21); /* reserved somewhere */
	if (size == 4)
		e &= 0xffffffff;
	return e;
}

/*
 * The tables of each level are a slice of the pool, so most walks go down a sane tree: a
 * level-L table points at level L-1 tables, a PT (or a large PDE) at data pages or, now and
 * then, at a table (the guest maps its own tables). 1 entry in 12 is hostile.
 */
static int model_mode;
static const u8 slice[4][6] = {
	/* first table of levels 1 to 4 (and the end), per mode */
	[1] = { 0, 5, 0, 12, 12, 12 }, /* 32-bit: PDs 0-4, PTs 5-11 */
	[2] = { 0, 7, 3, 0, 12, 12 },  /* PAE: PDPTs 0-2, PDs 3-6, PTs 7-11 */
	[3] = { 0, 9, 5, 2, 0, 12 },   /* 4-level: PML4s 0-1, PDPTs 2-4, PDs 5-8, PTs 9-11 */
};

static int top_level(void)
{
	return model_mode == 3 ? 4 : model_mode == 2 ? 3 : 2;
}

/* The level a pool table serves at. */
static int table_level(u32 t)
{
	for (int l = 1; l <= top_level(); l++) {
		u32 end = l == 1 ? NR_TABLES : slice[model_mode][l - 1];

		if (t >= slice[model_mode][l] && t < end)
			return l;
	}
	return 1;
}

static u64 table_of_level(int l)
{
	u32 lo = slice[model_mode][l], hi = l == 1 ? NR_TABLES : slice[model_mode][l - 1];

	return (TABLE_GFN + lo + rnd(hi - lo)) << PAGE_SHIFT;
}

static u64 random_entry(u32 size, int level)
{
	bool large = level == 2 && rnd(4) == 0;
	u64 e, target;

	if (model_mode == 0 || rnd(12) == 0)
		return hostile_entry(size);
	if (rnd(10) == 0)
		return 0;
	if (model_mode == 2 && level == 3)
		return table_of_level(2) | P; /* a PDPTE: no rights, no A */
	if (large)
		target = (1 + rnd(3)) * (size == 4 ? 2 : 1) * 2 * MiB;
	else if (level > 1)
		target = table_of_level(level - 1);
	else if (rnd(7) == 0)
		target = (TABLE_GFN + rnd(NR_TABLES)) << PAGE_SHIFT;
	else
		target = (DATA_GFN + rnd(512)) << PAGE_SHIFT;
	e = target | P | (rnd(8) ? RW : 0) | (rnd(6) ? US : 0) | (rnd(2) ? A : 0) |
	    (rnd(4) ? 0 : PWT | PCD) | (large ? PS : 0);
	if (level == 1 || large)
		e |= (rnd(2) ? D : 0) | (rnd(4) ? 0 : G);
	if (size == 8 && rnd(6) == 0)
		e |= XD;
	return e;
}

static u32 entry_size(const struct shadow_vcpu *v)
{
	return (v->cpu.cr0 & PG) && !(v->cpu.cr4 & PAE) ? 4 : 8;
}

static void fill_tables(u32 size)
{
	for (u32 t = 0; t < NR_TABLES; t++) {
		u64 base = (TABLE_GFN + t) << PAGE_SHIFT;
		int level = table_level(t);

		memset((void *)(uintptr_t)gmem_hpa(&gm, base), 0, PAGE_SIZE);
		for (u32 k = 0; k < 12; k++) {
			u32 i = size == 4 ? idx10[rnd(6)] : idx9[rnd(5)];

			put(base + i * size, random_entry(size, level), size);
		}
		/* PAE: the PDPTEs CR3 may point at (CR3[11:5] up to 3). */
		for (u32 i = 0; model_mode == 2 && level == 3 && i < 16; i++)
			put(base + i * 8, random_entry(8, 3), 8);
	}
}

/* The guest writes one of its table entries (or 8 bytes across two 4-byte ones). */
static void guest_write(const struct shadow_vcpu *v)
{
	u32 size = entry_size(v);
	u32 t = rnd(NR_TABLES), level = table_level(t);
	u32 i = size == 4 ? idx10[rnd(6)] : model_mode == 2 && level == 3 ? rnd(16) : idx9[rnd(5)];
	u64 gpa = ((TABLE_GFN + t) << PAGE_SHIFT) + i * size;
	bool two = size == 4 && i < 1023 && rnd(4) == 0;
	u32 len = two ? 8 : size;

	if (rnd(10) == 0) {
		/* Clear A or D, as an OS scanning its pages does. */
		put(gpa, get(gpa, size) & ~(rnd(2) ? A : D), size);
	} else {
		put(gpa, random_entry(size, level), size);
		if (two)
			put(gpa + 4, random_entry(4, level), 4);
	}
	shadow_guest_pte_written(&m, gpa, len);
}

static void random_paging(struct shadow_vcpu *v, int mode)
{
	struct guest_walk_cpu *c = &v->cpu;

	c->cr0 = PG | (rnd(4) ? WP : 0);
	c->cr4 = (rnd(2) ? PGE : 0) | (rnd(3) ? 0 : SMEP) | (rnd(3) ? 0 : SMAP);
	c->efer = rnd(3) ? NXE : 0;
	if (mode == 0) {
		c->cr0 = 0;
	} else if (mode == 1) {
		c->cr4 |= rnd(3) ? PSE : 0;
	} else {
		c->cr4 |= PAE;
		if (mode == 3)
			c->efer |= LMA;
	}
}

/* MOV to CR3 of a random table; a PAE CR3 whose PDPTEs are refused leaves CR3 as it was. */
static void load_cr3(struct shadow_vcpu *v)
{
	u64 cr3 = model_mode && rnd(10) ? table_of_level(top_level()) :
					  (TABLE_GFN + rnd(NR_TABLES)) << PAGE_SHIFT;
	int r;

	if ((v->cpu.cr4 & PAE) && !long_mode(v))
		cr3 |= rnd(4) * 32;
	r = shadow_new_cr3(&m, v, cr3);
	if (r == -EINVAL) {
		assert_true((v->cpu.cr4 & PAE) && !long_mode(v));
		r = shadow_new_cr3(&m, v, v->cpu.cr3);
		if (r == -EINVAL) { /* the old PDPTEs changed in memory: a CR3 with none present */
			put(15 << PAGE_SHIFT, 0, 8);
			put((15 << PAGE_SHIFT) + 8, 0, 8);
			put((15 << PAGE_SHIFT) + 16, 0, 8);
			put((15 << PAGE_SHIFT) + 24, 0, 8);
			r = shadow_new_cr3(&m, v, 15 << PAGE_SHIFT);
		}
	}
	assert_true(r == 0 || r == SHADOW_ROOT_NEW);
	assert_int_equal(v->cpu.cr3 & ~0xfe0ULL, v->cpu.cr3 & ~0xfe0ULL);
}

/* One access: what the CPU does, and when it faults, what shadow_fault makes of it. */
static void access(struct shadow_vcpu *v, u64 gva, u32 a)
{
	for (int round = 0; round < 3; round++) {
		struct hw h = hw_walk(v, gva, a);
		struct shadow_fault_result res;
		struct guest_walk_fault want_pf;
		u64 gpa;
		int want;

		if (h.ok)
			return;
		want = guest_walk_translate(&gm, &v->cpu, gva, walk_access(a), &gpa, &want_pf);
		shadow_fault(&m, v, gva, h.ec | (a & SHADOW_PF_SMAP), &res);
		if (want == GUEST_WALK_PF) {
			/* The guest's tables forbid it: the same #PF as the guest's own MMU. */
			assert_int_equal(res.kind, SHADOW_INJECT);
			assert_int_equal(res.pf.error_code, want_pf.error_code);
			assert_int_equal(res.pf.addr, want_pf.addr);
			return;
		}
		if (want == -EFAULT) {
			assert_int_equal(res.kind, SHADOW_BAD_TABLE);
			return;
		}
		assert_int_equal(want, 0);
		switch (res.kind) {
		case SHADOW_FIXED:
			/* The access goes through now, unless A/D made another fault its business. */
			continue;
		case SHADOW_MMIO:
			assert_true(gpa >= RAM_SIZE);
			return;
		case SHADOW_READ_ONLY:
			assert_true(a & PF_ERR_WRITE);
			return;
		case SHADOW_EMULATE: {
			/* The write reaches a guest table (or WP=0 with SMAP): emulate it. */
			u32 size = entry_size(v);
			u64 at = ALIGN_DOWN(gpa, size);

			assert_true(a & PF_ERR_WRITE);
			assert_true(is_table(gpa >> PAGE_SHIFT) ||
				    (!(v->cpu.cr0 & WP) && (v->cpu.cr4 & SMAP)));
			put(at, random_entry(size, table_level(((at >> PAGE_SHIFT) - TABLE_GFN) % NR_TABLES)), size);
			shadow_guest_pte_written(&m, at, size);
			return;
		}
		default:
			fail_msg("kind %d for an access the guest allows", res.kind);
		}
	}
	/* Two fixes in a row always do it: one sets D, one the WP=0 leaf. */
	assert_true(hw_walk(v, gva, a).ok);
}

static void enter(struct shadow_vcpu *v)
{
	int r = shadow_vcpu_load(&m, v);

	assert_true(r == 0 || r == SHADOW_ROOT_NEW);
	assert_true(v->root && !shadow_obsolete(&m, shadow_page(&m, v->root)));
}

static void model_run(int mode, u64 s, u32 steps)
{
	u32 size;

	seed = s;
	model_mode = mode;
	for (int k = 0; k < 2; k++) {
		random_paging(&vcpus[k], mode);
		vcpus[k].cpu.cr3 = 15 << PAGE_SHIFT; /* all zero: no PDPTE present */
		assert_true(shadow_new_cr3(&m, &vcpus[k], vcpus[k].cpu.cr3) >= 0);
	}
	size = entry_size(&vcpus[0]);
	fill_tables(size);
	ro_lo = DATA_GFN + 500;
	ro_hi = DATA_GFN + 512;
	for (u32 step = 0; step < steps; step++) {
		struct shadow_vcpu *v = &vcpus[rnd(2)];
		u32 what = rnd(100);
		int r;

		enter(v);
		if (what < 55) {
			access(v, random_gva(v), accesses[rnd(ARRAY_SIZE(accesses))]);
		} else if (what < 75) {
			guest_write(v);
		} else if (what < 82) {
			shadow_invlpg(&m, v, random_gva(v));
		} else if (what < 92) {
			load_cr3(v);
		} else if (what < 95) {
			random_paging(v, mode);
			load_cr3(v);
		} else if (what < 97) {
			shadow_invalidate_all(&m);
		} else {
			r = shadow_zap_obsolete(&m, 1 + rnd(8));
			assert_true(r >= 0 || r == -EBUSY);
		}
		for (int k = 0; k < 2; k++)
			check_vcpu(&vcpus[k]);
		assert_true(m.nr_valid + m.nr_obsolete <= m.max_pages);
	}
	for (int k = 0; k < 2; k++)
		shadow_vcpu_unload(&m, &vcpus[k]);
}

#define MODEL_STEPS 3000
#define MODEL_SEEDS 6

static void test_model_32bit(void **state)
{
	(void)state;
	for (u64 s = 1; s <= MODEL_SEEDS; s++) {
		model_run(1, s * 0x9e3779b97f4a7c15ULL, MODEL_STEPS);
		teardown(NULL);
		setup(NULL);
	}
	assert_true(nr_checked > 1000); /* the checks saw leaves, not empty shadows */
}

static void test_model_pae(void **state)
{
	(void)state;
	for (u64 s = 1; s <= MODEL_SEEDS; s++) {
		model_run(2, s * 0xc2b2ae3d27d4eb4fULL, MODEL_STEPS);
		teardown(NULL);
		setup(NULL);
	}
}

static void test_model_4level(void **state)
{
	(void)state;
	for (u64 s = 1; s <= MODEL_SEEDS; s++) {
		model_run(3, s * 0x165667b19e3779f9ULL, MODEL_STEPS);
		teardown(NULL);
		setup(NULL);
	}
}

static void test_model_paging_off(void **state)
{
	(void)state;
	model_run(0, 77, 500);
}

/* ---- targeted tests: hand-built 4-level tables ---- */

static u64 next_table;

static u64 new_table(void)
{
	u64 t = next_table;

	next_table += PAGE_SIZE;
	memset((void *)(uintptr_t)gmem_hpa(&gm, t), 0, PAGE_SIZE);
	return t;
}

/* Maps gva to gpa with a page at level page_level (1: 4 KiB, 2: 2 MiB) under root. */
static void map(u64 root, u64 gva, u64 gpa, int page_level, u64 flags)
{
	u64 table = root;

	for (int l = 4; l > page_level; l--) {
		u64 slot = table + ((gva >> (12 + 9 * (l - 1))) & 511) * 8;
		u64 e = get(slot, 8);

		if (!(e & P)) {
			e = new_table() | ALL;
			put(slot, e, 8);
		}
		table = e & ADDR;
	}
	put(table + ((gva >> (12 + 9 * (page_level - 1))) & 511) * 8,
	    gpa | flags | (page_level > 1 ? PS : 0), 8);
}

static u64 slot_of(u64 root, u64 gva, int level)
{
	u64 table = root;

	for (int l = 4; l > level; l--)
		table = get(table + ((gva >> (12 + 9 * (l - 1))) & 511) * 8, 8) & ADDR;
	return table + ((gva >> (12 + 9 * (level - 1))) & 511) * 8;
}

static void start_4level(struct shadow_vcpu *v, u64 cr3)
{
	v->cpu.cr0 = PG | WP;
	v->cpu.cr4 = PAE | PGE;
	v->cpu.efer = LMA | NXE;
	assert_int_equal(shadow_new_cr3(&m, v, cr3), SHADOW_ROOT_NEW);
}

static enum shadow_fault_kind fault(struct shadow_vcpu *v, u64 gva, u32 a)
{
	struct shadow_fault_result res;

	shadow_fault(&m, v, gva, a, &res);
	return res.kind;
}

/* A on a read, D only on a write: a clean page's leaf is read-only until the first write. */
static void test_accessed_dirty(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	u64 cr3, gva = 0x400000, slot;

	(void)state;
	next_table = 0x100000;
	cr3 = new_table();
	map(cr3, gva, 0x300000, 1, ALL);
	start_4level(v, cr3);
	slot = slot_of(cr3, gva, 1);
	assert_false(hw_walk(v, gva, 0).ok);
	assert_int_equal(fault(v, gva, 0), SHADOW_FIXED);
	assert_true(hw_walk(v, gva, 0).ok);
	for (int l = 4; l >= 1; l--)
		assert_true(get(slot_of(cr3, gva, l), 8) & A);
	assert_false(get(slot, 8) & D);
	assert_false(hw_walk(v, gva, PF_ERR_WRITE).ok); /* clean: the write must fault */
	assert_int_equal(fault(v, gva, PF_ERR_WRITE | PF_ERR_PRESENT), SHADOW_FIXED);
	assert_true(get(slot, 8) & D);
	assert_true(hw_walk(v, gva, PF_ERR_WRITE).ok);
	/* The guest cleans the page (and says so): the next write faults and sets D again. */
	put(slot, get(slot, 8) & ~D, 8);
	shadow_guest_pte_written(&m, slot, 8);
	assert_false(hw_walk(v, gva, PF_ERR_WRITE).ok);
	assert_int_equal(fault(v, gva, PF_ERR_WRITE), SHADOW_FIXED);
	assert_true(get(slot, 8) & D);
	/* A read-only page: the guest's #PF, with P, W/R and U/S as its MMU would set them. */
	put(slot, (get(slot, 8) & ~RW), 8);
	shadow_guest_pte_written(&m, slot, 8);
	{
		struct shadow_fault_result res;

		shadow_fault(&m, v, gva, PF_ERR_WRITE | PF_ERR_USER | PF_ERR_PRESENT, &res);
		assert_int_equal(res.kind, SHADOW_INJECT);
		assert_int_equal(res.pf.error_code, PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER);
		assert_int_equal(res.pf.addr, gva);
		shadow_fault(&m, v, gva + 0x200000, PF_ERR_FETCH, &res);
		assert_int_equal(res.kind, SHADOW_INJECT);
		assert_int_equal(res.pf.error_code, PF_ERR_FETCH); /* not present, a fetch */
	}
	shadow_vcpu_unload(&m, v);
}

/* A guest table is never writable through the shadow: writes to it are emulated. */
static void test_write_protect(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	u64 cr3, gva = 0x400000, pt_gva = 0x600000, pt;

	(void)state;
	next_table = 0x100000;
	cr3 = new_table();
	map(cr3, gva, 0x300000, 1, ALL | D);
	pt = slot_of(cr3, gva, 1) & ~0xfffULL;
	map(cr3, pt_gva, pt, 1, ALL | D); /* the guest maps its own page table */
	start_4level(v, cr3);
	/* Not a table of the shadow yet: writable. Once it is one, that leaf loses the right. */
	assert_int_equal(fault(v, pt_gva, PF_ERR_WRITE), SHADOW_FIXED);
	assert_true(hw_walk(v, pt_gva, PF_ERR_WRITE).ok);
	nr_flushes = 0;
	assert_int_equal(fault(v, gva, 0), SHADOW_FIXED);
	assert_int_equal(nr_flushes, 1);
	assert_int_equal(m.stats.write_protected, 1);
	assert_true(hw_walk(v, pt_gva, 0).ok);
	assert_false(hw_walk(v, pt_gva, PF_ERR_WRITE).ok);
	assert_int_equal(fault(v, pt_gva, PF_ERR_WRITE | PF_ERR_PRESENT), SHADOW_EMULATE);
	/* The emulated write remaps gva: the shadow follows. */
	put(slot_of(cr3, gva, 1), 0x500000 | ALL | D, 8);
	shadow_guest_pte_written(&m, slot_of(cr3, gva, 1), 8);
	assert_false(hw_walk(v, gva, 0).ok);
	assert_int_equal(fault(v, gva, 0), SHADOW_FIXED);
	assert_int_equal(hw_walk(v, gva, 0).spte & ADDR, gmem_hpa(&gm, 0x500000));
	/* A page that was writable before it became a table loses the right (and TLBs flush). */
	{
		u64 data_gva = 0x800000, flushes;

		map(cr3, data_gva, 0x700000, 1, ALL | D);
		assert_int_equal(fault(v, data_gva, PF_ERR_WRITE), SHADOW_FIXED);
		assert_true(hw_walk(v, data_gva, PF_ERR_WRITE).ok);
		flushes = nr_flushes;
		put(slot_of(cr3, 0xa00000, 2), 0x700000 | ALL, 8); /* 0x700000: a PT now */
		shadow_guest_pte_written(&m, slot_of(cr3, 0xa00000, 2), 8);
		/* Shadowed (and protected) only once a walk through it succeeds. */
		assert_int_equal(fault(v, 0xa00000, 0), SHADOW_INJECT);
		assert_true(hw_walk(v, data_gva, PF_ERR_WRITE).ok);
		put(0x700000, 0x300000 | ALL, 8);
		assert_int_equal(fault(v, 0xa00000, 0), SHADOW_FIXED);
		assert_false(hw_walk(v, data_gva, PF_ERR_WRITE).ok);
		assert_true(nr_flushes > flushes);
	}
	shadow_vcpu_unload(&m, v);
}

/*
 * A table the guest reuses as data (a string store clearing it, which no decoder emulates):
 * shadow_unprotect zaps the pages that shadow it, and the write goes through after a fault.
 */
static void test_unprotect(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	u64 cr3, gva = 0x400000, pt_gva = 0x600000, pt;

	(void)state;
	next_table = 0x100000;
	cr3 = new_table();
	map(cr3, gva, 0x300000, 1, ALL | D);
	pt = slot_of(cr3, gva, 1) & ~0xfffULL;
	map(cr3, pt_gva, pt, 1, ALL | D);
	start_4level(v, cr3);
	assert_int_equal(fault(v, gva, 0), SHADOW_FIXED); /* pt is a table of the shadow now */
	assert_int_equal(fault(v, pt_gva, PF_ERR_WRITE | PF_ERR_PRESENT), SHADOW_EMULATE);
	/* The root (the guest's PML4) is loaded: it stays protected. */
	assert_false(shadow_unprotect(&m, cr3 >> PAGE_SHIFT));
	assert_true(shadow_unprotect(&m, pt >> PAGE_SHIFT));
	assert_false(hw_walk(v, gva, 0).ok); /* what pt shadowed is gone */
	assert_int_equal(fault(v, pt_gva, PF_ERR_WRITE | PF_ERR_PRESENT), SHADOW_FIXED);
	assert_true(hw_walk(v, pt_gva, PF_ERR_WRITE).ok);
	shadow_vcpu_unload(&m, v);
}

/*
 * Write flooding: a table written SHADOW_WRITE_FLOOD times with no walk through it in between is
 * unshadowed (its writes go through without an exit from then on), and shadowed again when a
 * walk next goes through it. A walk between the writes starts the count again; a loaded root
 * is never unshadowed.
 */
static void test_write_flood(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	u64 cr3, gva = 0x400000, pt_gva = 0x600000, pt, slot;

	(void)state;
	next_table = 0x100000;
	cr3 = new_table();
	map(cr3, gva, 0x300000, 1, ALL | D);
	slot = slot_of(cr3, gva, 1);
	pt = slot & ~0xfffULL;
	map(cr3, pt_gva, pt, 1, ALL | D);
	start_4level(v, cr3);
	assert_int_equal(fault(v, gva, 0), SHADOW_FIXED); /* pt is a table of the shadow now */
	/* Written twice, walked, written twice more: still a table, each write emulated. */
	for (int round = 0; round < 2; round++) {
		for (int w = 0; w < SHADOW_WRITE_FLOOD - 1; w++) {
			assert_int_equal(fault(v, pt_gva, PF_ERR_WRITE | PF_ERR_PRESENT),
					 SHADOW_EMULATE);
			put(slot + 8 * (1 + w), 0x500000 | ALL, 8);
			shadow_guest_pte_written(&m, slot + 8 * (1 + w), 8);
		}
		assert_true(is_table(pt >> PAGE_SHIFT));
		assert_int_equal(fault(v, gva, 0), SHADOW_FIXED);
		assert_true(hw_walk(v, gva, 0).ok);
	}
	assert_int_equal(m.stats.flooded, 0);
	/* The third write in a row: pt is no table of the shadow, writable, its leaves gone. */
	for (int w = 0; w < SHADOW_WRITE_FLOOD; w++)
		shadow_guest_pte_written(&m, slot + 8 * (1 + w), 8);
	assert_int_equal(m.stats.flooded, 1);
	assert_false(is_table(pt >> PAGE_SHIFT));
	assert_false(hw_walk(v, gva, 0).ok);
	assert_int_equal(fault(v, pt_gva, PF_ERR_WRITE | PF_ERR_PRESENT), SHADOW_FIXED);
	assert_true(hw_walk(v, pt_gva, PF_ERR_WRITE).ok);
	/* The guest's write goes through; the next walk shadows pt again, from what it holds. */
	put(slot, 0x700000 | ALL | D, 8);
	assert_int_equal(fault(v, gva, 0), SHADOW_FIXED);
	assert_true(is_table(pt >> PAGE_SHIFT));
	assert_int_equal(hw_walk(v, gva, 0).spte & ADDR, gmem_hpa(&gm, 0x700000));
	assert_false(hw_walk(v, pt_gva, PF_ERR_WRITE).ok);
	/* The loaded root is written over and over: it stays shadowed. */
	for (int w = 0; w < 4 * SHADOW_WRITE_FLOOD; w++)
		shadow_guest_pte_written(&m, cr3 + 8 * 300, 8);
	assert_true(is_table(cr3 >> PAGE_SHIFT));
	assert_int_equal(m.stats.flooded, 1);
	shadow_vcpu_unload(&m, v);
}

/* A root per CR3: loading a CR3 again reuses its root; invalidation makes new ones. */
static void test_roots_per_cr3(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	u64 a, b;
	u32 root_a;

	(void)state;
	next_table = 0x100000;
	a = new_table();
	b = new_table();
	map(a, 0x400000, 0x300000, 1, ALL);
	map(b, 0x400000, 0x500000, 1, ALL);
	start_4level(v, a);
	root_a = v->root;
	assert_int_equal(fault(v, 0x400000, 0), SHADOW_FIXED);
	assert_int_equal(shadow_new_cr3(&m, v, b), SHADOW_ROOT_NEW);
	assert_int_equal(fault(v, 0x400000, 0), SHADOW_FIXED);
	assert_int_equal(hw_walk(v, 0x400000, 0).spte & ADDR, gmem_hpa(&gm, 0x500000));
	assert_int_equal(shadow_new_cr3(&m, v, a | 0x18), SHADOW_ROOT_NEW);
	assert_int_equal(v->root, root_a);
	assert_int_equal(m.stats.root_reuses, 1);
	assert_true(hw_walk(v, 0x400000, 0).ok); /* still built: no fault after the switch */
	assert_int_equal(shadow_new_cr3(&m, v, a), 0); /* same CR3, same root */
	/* A role change (CR0.WP) is another root for the same CR3. */
	v->cpu.cr0 &= ~WP;
	assert_int_equal(shadow_vcpu_load(&m, v), SHADOW_ROOT_NEW);
	assert_true(v->root != root_a);
	v->cpu.cr0 |= WP;
	assert_int_equal(shadow_vcpu_load(&m, v), SHADOW_ROOT_NEW);
	assert_int_equal(v->root, root_a);
	/* INVLPG drops the leaf; the next access walks again. */
	shadow_invlpg(&m, v, 0x400000);
	assert_false(hw_walk(v, 0x400000, 0).ok);
	shadow_invlpg(&m, v, 0x0000900000000000ULL); /* non-canonical: nothing */
	assert_int_equal(fault(v, 0x0000900000000000ULL, 0), SHADOW_GP);
	shadow_vcpu_unload(&m, v);
}

/* Paging structures outside RAM, loops, MMIO and read-only memory: answers, not crashes. */
static void test_hostile_tables(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	struct shadow_fault_result res;
	u64 cr3;

	(void)state;
	next_table = 0x100000;
	cr3 = new_table();
	put(cr3, cr3 | ALL, 8); /* PML4[0] points at the PML4: a loop through every level */
	map(cr3, 0x8000000000ULL, RAM_SIZE + 0x1000, 1, ALL);	  /* MMIO */
	map(cr3, 0x8000200000ULL, 0x7f0000, 1, ALL | D);	  /* read-only region */
	put(slot_of(cr3, 0x10000000000ULL, 4), RAM_SIZE | ALL, 8); /* a PDPT outside RAM */
	ro_lo = 0x7f0;
	ro_hi = 0x800;
	start_4level(v, cr3);
	assert_int_equal(fault(v, 0, 0), SHADOW_FIXED); /* PML4 -> PML4 -> PML4 -> PML4 as page */
	assert_int_equal(hw_walk(v, 0, 0).spte & ADDR, gmem_hpa(&gm, cr3));
	assert_int_equal(fault(v, 0, PF_ERR_WRITE), SHADOW_EMULATE); /* it is a table */
	shadow_fault(&m, v, 0x8000000000ULL, 0, &res);
	assert_int_equal(res.kind, SHADOW_MMIO);
	assert_int_equal(res.gpa, RAM_SIZE + 0x1000);
	assert_int_equal(fault(v, 0x8000200000ULL, PF_ERR_WRITE), SHADOW_READ_ONLY);
	assert_true(hw_walk(v, 0x8000200000ULL, 0).ok);
	assert_int_equal(fault(v, 0x10000000000ULL, 0), SHADOW_BAD_TABLE);
	shadow_vcpu_unload(&m, v);
}

/* Builds 4 KiB leaves for n pages at 0x40000000 + i * stride under a fresh 4-level CR3. */
static void populate(struct shadow_vcpu *v, u64 cr3, u32 n, u64 stride)
{
	for (u32 i = 0; i < n; i++) {
		u64 gva = 0x40000000ULL + i * stride;

		map(cr3, gva, 0x200000 + (i % 256) * PAGE_SIZE, 1, ALL | A | D);
	}
	start_4level(v, cr3);
	for (u32 i = 0; i < n; i++)
		assert_int_equal(fault(v, 0x40000000ULL + i * stride, 0), SHADOW_FIXED);
}

/* Invalidate-all: every root reloads, nothing old stays reachable, teardown in batches. */
static void test_invalidate_all(void **state)
{
	u32 old_root, made, obsolete;
	int r, calls = 0, freed = 0;

	(void)state;
	next_table = 0x100000;
	populate(&vcpus[0], new_table(), 64, 2 * MiB);
	populate(&vcpus[1], new_table(), 8, PAGE_SIZE);
	old_root = vcpus[0].root;
	made = m.stats.pages_made;
	shadow_invalidate_all(&m);
	assert_int_equal(nr_reloads, 1);
	obsolete = m.nr_obsolete;
	assert_int_equal(obsolete, made);
	assert_int_equal(m.nr_valid, 0);
	/* A vCPU on an obsolete root builds nothing; nothing is freed while one holds one. */
	assert_int_equal(fault(&vcpus[0], 0x40000000ULL, 0), SHADOW_RETRY);
	assert_int_equal(shadow_zap_obsolete(&m, 4), -EBUSY);
	assert_int_equal(shadow_vcpu_load(&m, &vcpus[0]), SHADOW_ROOT_NEW);
	assert_true(vcpus[0].root != old_root); /* never reused */
	assert_int_equal(shadow_zap_obsolete(&m, 4), -EBUSY);
	assert_int_equal(shadow_vcpu_load(&m, &vcpus[1]), SHADOW_ROOT_NEW);
	assert_int_equal(m.stats.pages_made, made + 2); /* two new roots, not the old ones */
	for (u32 i = 0; i < 64; i++)
		assert_int_equal(fault(&vcpus[0], 0x40000000ULL + i * 2 * MiB, 0), SHADOW_FIXED);
	check_vcpu(&vcpus[0]); /* asserts every reachable page is of the new generation */
	check_vcpu(&vcpus[1]);
	while ((r = shadow_zap_obsolete(&m, 4)) > 0) {
		assert_true(r <= 4);
		freed += r;
		calls++;
	}
	assert_int_equal(r, 0);
	assert_int_equal(freed, obsolete);
	assert_int_equal(calls, (obsolete + 3) / 4);
	assert_int_equal(m.nr_obsolete, 0);
	assert_int_equal(nr_frames, m.nr_valid); /* one table frame per live page */
	check_vcpu(&vcpus[0]);
	shadow_vcpu_unload(&m, &vcpus[0]);
	shadow_vcpu_unload(&m, &vcpus[1]);
}

/* The limit counts obsolete pages; no valid page goes while obsolete ones wait. */
static void test_page_limit(void **state)
{
	struct shadow_vcpu *v = &vcpus[0];
	u64 zapped;

	(void)state;
	shadow_destroy(&m);
	assert_int_equal(shadow_init(&m, &gm, &ops, &gm, 12, 0), 0);
	next_table = 0x100000;
	/* 16 PDs' worth of 1-GiB regions: far more pages than 12. */
	populate(v, new_table(), 16, GiB);
	assert_true(m.nr_valid <= 12);
	assert_true(m.stats.valid_zapped > 0);
	for (u32 i = 0; i < 16; i++) { /* evicted pages fault back in, correctly */
		u64 gva = 0x40000000ULL + i * GiB;

		if (!hw_walk(v, gva, 0).ok)
			assert_int_equal(fault(v, gva, 0), SHADOW_FIXED);
		assert_int_equal(hw_walk(v, gva, 0).spte & ADDR,
				 gmem_hpa(&gm, 0x200000 + i * PAGE_SIZE));
		assert_true(m.nr_valid + m.nr_obsolete <= 12);
	}
	/* vCPU 1 keeps an obsolete root: vCPU 0 at the limit waits rather than zap valid pages. */
	start_4level(&vcpus[1], vcpus[0].cpu.cr3);
	shadow_invalidate_all(&m);
	assert_int_equal(shadow_vcpu_load(&m, v), SHADOW_ROOT_NEW); /* room for one root */
	zapped = m.stats.valid_zapped;
	for (u32 i = 0; i < 16; i++) {
		enum shadow_fault_kind k = fault(v, 0x40000000ULL + i * GiB, 0);

		assert_true(k == SHADOW_FIXED || k == SHADOW_RETRY);
		assert_true(m.nr_valid + m.nr_obsolete <= 12);
	}
	assert_int_equal(fault(v, 0x40000000ULL + 15 * GiB, 0), SHADOW_RETRY);
	assert_int_equal(m.stats.valid_zapped, zapped);
	assert_int_equal(m.stats.obsolete_zapped, 0);
	/* Once it reloads, obsolete pages make the room, still before any valid one. */
	assert_int_equal(shadow_vcpu_load(&m, &vcpus[1]), SHADOW_ROOT_NEW);
	assert_int_equal(fault(v, 0x40000000ULL + 15 * GiB, 0), SHADOW_FIXED);
	assert_true(m.stats.obsolete_zapped > 0);
	assert_int_equal(m.stats.valid_zapped, zapped);
	shadow_vcpu_unload(&m, &vcpus[0]);
	shadow_vcpu_unload(&m, &vcpus[1]);
}

/*
 * The invalidation's critical section counts the same operations for a 16-MiB and a 64-GiB
 * guest, each with its RAM mapped by 2-MiB guest pages and 4096 shadow leaves built; the
 * teardown afterwards grows with the pages built.
 */
static u64 ops_for_way(u64 size, u64 *teardown, u32 *pages, bool walk)
{
	u64 nr = size / GMEM_CHUNK_SIZE, *big = calloc(nr, sizeof(u64));
	struct guest_mem g = { .size = size, .nr_chunks = nr, .chunks = big };
	struct shadow_vcpu v = { 0 };
	u64 cr3, before, n_ops, stride = MAX(size / 4096, PAGE_SIZE);
	int r;

	assert_non_null(big);
	for (u64 i = 0; i < nr; i++) /* RAM beyond the test's 8 MiB: frames never touched */
		big[i] = i < NR_CHUNKS ? chunks[i] : 0x100000000000ULL + i * GMEM_CHUNK_SIZE;
	shadow_destroy(&m);
	assert_int_equal(shadow_init(&m, &g, &ops, &g, 8192, 0), 0);
	gm = g; /* the test's helpers read the tables through gm */
	next_table = 0x100000;
	cr3 = new_table();
	for (u64 gpa = 0; gpa < size; gpa += 2 * MiB)
		map(cr3, gpa, gpa, 2, ALL | A | D);
	start_4level(&v, cr3);
	for (u64 gva = 0; gva < size; gva += stride)
		assert_int_equal(fault(&v, gva, 0), SHADOW_FIXED);
	*pages = m.nr_valid;
	before = m.stats.ops;
	if (walk) {
		shadow_zap_all_walk(&m);
		n_ops = m.stats.ops - before;
		/* Only the loaded root is left, empty; everything faults back in. */
		assert_int_equal(m.nr_valid, 1);
		assert_int_equal(m.nr_obsolete, 0);
		assert_int_equal(shadow_page(&m, v.root)->nr_present, 0);
		assert_int_equal(fault(&v, 0, 0), SHADOW_FIXED);
	} else {
		shadow_invalidate_all(&m);
		n_ops = m.stats.ops - before;
		assert_int_equal(m.nr_obsolete, *pages);
	}
	shadow_vcpu_unload(&m, &v);
	before = m.stats.ops;
	while ((r = shadow_zap_obsolete(&m, 16)) > 0)
		;
	*teardown = m.stats.ops - before;
	shadow_destroy(&m);
	free(big);
	gm.size = RAM_SIZE;
	gm.nr_chunks = NR_CHUNKS;
	gm.chunks = chunks;
	assert_int_equal(shadow_init(&m, &gm, &ops, &gm, 4096, 0), 0);
	return n_ops;
}

static u64 ops_for(u64 size, u64 *teardown, u32 *pages)
{
	return ops_for_way(size, teardown, pages, false);
}

static void test_invalidate_ops_flat(void **state)
{
	u64 small, large, td_small, td_large;
	u32 pages_small, pages_large;

	(void)state;
	small = ops_for(16 * MiB, &td_small, &pages_small);
	large = ops_for(64 * GiB, &td_large, &pages_large);
	printf("invalidate-all: 16 MiB %lu ops (%u pages), 64 GiB %lu ops (%u pages); "
	       "teardown afterwards %lu and %lu ops\n",
	       small, pages_small, large, pages_large, td_small, td_large);
	assert_int_equal(small, large);
	assert_true(small <= 2);
	assert_true(pages_large > 100 * pages_small);
	assert_true(td_large > 2 * td_small); /* as many leaves, 378 times the pages */
}

/*
 * The walk make bench measures the bump against (shadow_zap_all_walk): its critical section
 * grows with the pages built, 16 MiB against 64 GiB, where the bump's stays the same.
 */
static void test_walk_grows(void **state)
{
	u64 walk_small, walk_large, bump_small, bump_large, td;
	u32 pages_small, pages_large;

	(void)state;
	walk_small = ops_for_way(16 * MiB, &td, &pages_small, true);
	walk_large = ops_for_way(64 * GiB, &td, &pages_large, true);
	bump_small = ops_for_way(16 * MiB, &td, &pages_small, false);
	bump_large = ops_for_way(64 * GiB, &td, &pages_large, false);
	printf("invalidate-all under the lock: walk 16 MiB %lu ops, 64 GiB %lu ops; bump %lu and "
	       "%lu ops\n", walk_small, walk_large, bump_small, bump_large);
	assert_int_equal(bump_small, bump_large);
	assert_true(walk_small > bump_small);
	/* As many leaves (4096) both times, 378 times the pages: each page is visited. */
	assert_true(walk_large > 3 * walk_small);
	assert_true(walk_large >= pages_large);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_model_32bit),
		T(test_model_pae),
		T(test_model_4level),
		T(test_model_paging_off),
		T(test_accessed_dirty),
		T(test_write_protect),
		T(test_unprotect),
		T(test_write_flood),
		T(test_roots_per_cr3),
		T(test_hostile_tables),
		T(test_invalidate_all),
		T(test_page_limit),
		T(test_invalidate_ops_flat),
		T(test_walk_grows),
	};

	return unit_run(tests);
}
