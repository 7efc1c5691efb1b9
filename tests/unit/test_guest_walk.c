// SPDX-License-Identifier: GPL-2.0
/* Unit tests for mm/guest_walk.c: hand-built guest page tables in a fake guest RAM. */
#include "unit.h"
#include "mm/guest_walk.h"

/* Entry bits and control-register bits as the tests spell them, SDM Vol. 3A, 2.5 and 5. */
#define P BIT(0)
#define RW BIT(1)
#define US BIT(2)
#define PS BIT(7)
#define XD BIT(63)
#define ALL (P | RW | US)
#define WP BIT(16)
#define PG BIT(31)
#define PSE BIT(4)
#define PAE BIT(5)
#define LA57 BIT(12)
#define SMEP BIT(20)
#define SMAP BIT(21)
#define LMA BIT(10)
#define NXE BIT(11)

#define NR_CHUNKS 4 /* 8 MiB of guest RAM */
#define RAM_SIZE (NR_CHUNKS * GMEM_CHUNK_SIZE)

static u8 ram[NR_CHUNKS][GMEM_CHUNK_SIZE] __aligned(GMEM_CHUNK_SIZE);
static u64 chunks[NR_CHUNKS];
static struct guest_mem gm = { .size = RAM_SIZE, .nr_chunks = NR_CHUNKS, .chunks = chunks };
static u64 next_table;
static struct guest_walk_cpu cpu;
static struct guest_walk_fault pf;

/* Guest chunks in reverse host order, so a walk that ignores the chunk table goes wrong. */
static int ram_reset(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	for (u64 i = 0; i < NR_CHUNKS; i++)
		chunks[i] = (u64)(uintptr_t)ram[NR_CHUNKS - 1 - i];
	next_table = 0x1000;
	memset(&cpu, 0, sizeof(cpu));
	memset(&pf, 0xa5, sizeof(pf));
	return 0;
}

static u64 alloc_table(void)
{
	u64 t = next_table;

	next_table += PAGE_SIZE;
	return t;
}

static u64 get64(u64 gpa)
{
	u64 v;

	assert_int_equal(gmem_read(&gm, gpa, &v, 8), 0);
	return v;
}

static void put64(u64 gpa, u64 v)
{
	assert_int_equal(gmem_write(&gm, gpa, &v, 8), 0);
}

static void put32(u64 gpa, u32 v)
{
	assert_int_equal(gmem_write(&gm, gpa, &v, 4), 0);
}

/*
 * The slot of la's entry at level (1 PT .. 5 PML5) in 8-byte-entry tables rooted at root with
 * top level top; with create, missing tables are added with the flags.
 */
static u64 slot64(u64 root, int top, u64 la, int level, bool create, u64 flags)
{
	u64 table = root;

	for (int l = top;; l--) {
		u64 slot = table + ((la >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
		u64 e;

		if (l == level)
			return slot;
		e = get64(slot);
		if (!(e & P)) {
			assert_true(create);
			e = alloc_table() | flags;
			put64(slot, e);
		}
		table = e & 0x000ffffffffff000ULL;
	}
}

/* Maps la to gpa with a page at level page_level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB). */
static void map64(u64 root, int top, u64 la, u64 gpa, int page_level, u64 flags)
{
	put64(slot64(root, top, la, page_level, true, flags),
	      gpa | flags | (page_level > 1 ? PS : 0));
}

/* Sets and clears bits in la's entry at one level. */
static void edit64(u64 root, int top, u64 la, int level, u64 set, u64 clear)
{
	u64 slot = slot64(root, top, la, level, false, 0);

	put64(slot, (get64(slot) & ~clear) | set);
}

static void long_mode(int levels)
{
	cpu.cr0 = PG | WP;
	cpu.cr4 = PAE | (levels == 5 ? LA57 : 0);
	cpu.efer = LMA | NXE;
	cpu.cr3 = alloc_table();
}

/* A fresh 4-level mapping of la to gpa, then one entry edited. */
static void fresh_4level(u64 la, u64 gpa, int level, u64 set, u64 clear)
{
	ram_reset(NULL);
	long_mode(4);
	map64(cpu.cr3, 4, la, gpa, 1, ALL);
	edit64(cpu.cr3, 4, la, level, set, clear);
}

static int translate(u64 la, u32 access)
{
	u64 gpa;

	return guest_walk_translate(&gm, &cpu, la, access, &gpa, &pf);
}

static void expect_gpa(u64 la, u32 access, u64 want)
{
	u64 gpa = ~0ULL;

	assert_int_equal(guest_walk_translate(&gm, &cpu, la, access, &gpa, &pf), 0);
	assert_int_equal(gpa, want);
}

static void expect_pf(u64 la, u32 access, u32 error_code)
{
	u64 gpa = 0x5a5a;

	assert_int_equal(guest_walk_translate(&gm, &cpu, la, access, &gpa, &pf), GUEST_WALK_PF);
	assert_int_equal(pf.error_code, error_code);
	assert_int_equal(pf.addr, la);
	assert_int_equal(gpa, 0x5a5a);
}

/* PML4 3, PDPT 5, PD 7, PT 9, offset 0x123: every level's index differs. */
#define LA4 ((3ULL << 39) | (5ULL << 30) | (7ULL << 21) | (9ULL << 12) | 0x123)
#define PAGE 0x200000ULL

static void test_paging_off(void **state)
{
	(void)state;
	expect_gpa(0x12345678, GUEST_WALK_WRITE | GUEST_WALK_USER | GUEST_WALK_FETCH, 0x12345678);
	expect_gpa(0x100001000ULL, 0, 0x1000); /* linear addresses are 32 bits wide */
	cpu.cr4 = PAE;
	cpu.cr3 = 0xfffff000; /* tables are not used, even outside RAM */
	expect_gpa(0xfee00020, 0, 0xfee00020);
}

static void test_4level_4k(void **state)
{
	static const u32 access[] = { 0, GUEST_WALK_WRITE, GUEST_WALK_FETCH, GUEST_WALK_USER,
				      GUEST_WALK_USER | GUEST_WALK_WRITE | GUEST_WALK_FETCH };
	u64 root;

	(void)state;
	long_mode(4);
	root = cpu.cr3;
	map64(root, 4, LA4, PAGE, 1, ALL);
	for (u32 i = 0; i < ARRAY_SIZE(access); i++)
		expect_gpa(LA4, access[i], PAGE + 0x123);
	expect_pf(LA4 + PAGE_SIZE, 0, 0); /* the next PTE is empty */
	/* CR3 holds flags or a PCID in bits 11:0, and bit 63 (no-flush on MOV): all ignored. */
	cpu.cr3 |= 0xfff | BIT(63);
	expect_gpa(LA4, 0, PAGE + 0x123);
	/* Bits 62:52 of an entry are ignored in 4-level paging (protection keys included). */
	edit64(root, 4, LA4, 1, BIT(52) | BIT(62), 0);
	expect_gpa(LA4, 0, PAGE + 0x123);
	/* Bits 63:48 copy bit 47 or #GP, not #PF. */
	map64(root, 4, 0xffff800000000000ULL, PAGE, 1, ALL);
	expect_gpa(0xffff800000000000ULL, 0, PAGE);
	assert_int_equal(translate(0x0000800000000000ULL, 0), -EINVAL);
	assert_int_equal(translate(0xfff0800000000000ULL, 0), -EINVAL);
}

static void test_4level_large_pages(void **state)
{
	u64 la2m = (1ULL << 39) | (2ULL << 30) | (3ULL << 21) | 0x1abcde;
	u64 la1g = (2ULL << 39) | (4ULL << 30) | 0x2345678;

	(void)state;
	long_mode(4);
	map64(cpu.cr3, 4, la2m, 0x600000, 2, ALL);
	map64(cpu.cr3, 4, la1g, 0x40000000, 3, ALL);
	expect_gpa(la2m, GUEST_WALK_WRITE, 0x600000 + 0x1abcde);
	expect_gpa(la1g, GUEST_WALK_USER, 0x40000000 + 0x2345678);
	/* PAT (bit 12 of a large-page entry) is not an address bit. */
	edit64(cpu.cr3, 4, la2m, 2, BIT(12), 0);
	expect_gpa(la2m, 0, 0x600000 + 0x1abcde);
}

static void test_5level(void **state)
{
	u64 la = (0x1aULL << 48) | (3ULL << 39) | (1ULL << 30) | (2ULL << 21) | (4ULL << 12) | 0x77;

	(void)state;
	long_mode(5);
	map64(cpu.cr3, 5, la, PAGE, 1, ALL);
	expect_gpa(la, 0, PAGE + 0x77);
	edit64(cpu.cr3, 5, la, 5, 0, P);
	expect_pf(la, GUEST_WALK_WRITE, PF_ERR_WRITE);
	edit64(cpu.cr3, 5, la, 5, P | PS, 0);
	expect_pf(la, 0, PF_ERR_PRESENT | PF_ERR_RSVD);
	/* The sign bit is 56 with LA57, 47 without. */
	assert_int_equal(translate(BIT(57), 0), -EINVAL);
	cpu.cr4 &= ~LA57;
	assert_int_equal(translate(la, 0), -EINVAL);
}

static void test_not_present_each_level(void **state)
{
	(void)state;
	for (int level = 4; level >= 1; level--) {
		fresh_4level(LA4, PAGE, level, 0, P);
		expect_pf(LA4, 0, 0);
		expect_pf(LA4, GUEST_WALK_WRITE, PF_ERR_WRITE);
		expect_pf(LA4, GUEST_WALK_USER | GUEST_WALK_WRITE, PF_ERR_USER | PF_ERR_WRITE);
		/* NXE is set: a fetch says so in I/D. */
		expect_pf(LA4, GUEST_WALK_USER | GUEST_WALK_FETCH, PF_ERR_USER | PF_ERR_FETCH);
		/* Neither NXE nor SMEP: I/D stays clear, SDM Vol. 3A, 5.7. */
		cpu.efer &= ~NXE;
		expect_pf(LA4, GUEST_WALK_FETCH, 0);
		cpu.cr4 |= SMEP;
		expect_pf(LA4, GUEST_WALK_FETCH, PF_ERR_FETCH);
	}
}

static void test_reserved_bits(void **state)
{
	const u32 rsvd = PF_ERR_PRESENT | PF_ERR_RSVD;
	u64 la2m = (1ULL << 39) | (3ULL << 21) | 0x1234;
	u64 la1g = (2ULL << 39) | (4ULL << 30);

	(void)state;
	long_mode(4);
	/* The PDPT at 0x1000: as a 512-GiB page's address it would hold no reserved bit. */
	cpu.cr3 = 0x10000;
	next_table = 0x1000;
	map64(cpu.cr3, 4, LA4, PAGE, 1, ALL);
	map64(cpu.cr3, 4, la2m, 0x400000, 2, ALL);
	map64(cpu.cr3, 4, la1g, 0x40000000, 3, ALL);

	edit64(cpu.cr3, 4, LA4, 4, PS, 0); /* PS in a PML4E */
	expect_pf(LA4, GUEST_WALK_WRITE, rsvd | PF_ERR_WRITE);
	edit64(cpu.cr3, 4, LA4, 4, 0, PS);

	edit64(cpu.cr3, 4, LA4, 1, XD, 0); /* XD allowed with NXE ... */
	expect_gpa(LA4, 0, PAGE + 0x123);
	cpu.efer &= ~NXE; /* ... reserved without */
	expect_pf(LA4, 0, rsvd);
	cpu.efer |= NXE;
	edit64(cpu.cr3, 4, LA4, 1, 0, XD);

	cpu.maxphyaddr = 40; /* address bits 51:40 reserved */
	expect_gpa(LA4, 0, PAGE + 0x123);
	edit64(cpu.cr3, 4, LA4, 2, BIT(45), 0);
	expect_pf(LA4, GUEST_WALK_USER, rsvd | PF_ERR_USER);
	cpu.maxphyaddr = 0; /* 52: bit 45 is an address bit, pointing outside RAM */
	assert_int_equal(translate(LA4, 0), -EFAULT);
	edit64(cpu.cr3, 4, LA4, 2, 0, BIT(45));

	edit64(cpu.cr3, 4, la2m, 2, BIT(13), 0); /* 2-MiB page: 20:13 reserved */
	expect_pf(la2m, 0, rsvd);
	edit64(cpu.cr3, 4, la1g, 3, BIT(29), 0); /* 1-GiB page: 29:13 reserved */
	expect_pf(la1g, 0, rsvd);

	/* Not present wins over reserved bits in the same entry. */
	edit64(cpu.cr3, 4, la1g, 3, 0, P);
	expect_pf(la1g, 0, 0);
}

/* Access rights, SDM Vol. 3A, 5.6: one entry without R/W, U/S or with XD is enough. */
static void test_rights_each_level(void **state)
{
	const u32 uw = GUEST_WALK_USER | GUEST_WALK_WRITE, uf = GUEST_WALK_USER | GUEST_WALK_FETCH;

	(void)state;
	for (int level = 4; level >= 1; level--) {
		fresh_4level(LA4, PAGE, level, 0, RW);
		expect_gpa(LA4, 0, PAGE + 0x123);
		expect_gpa(LA4, GUEST_WALK_USER, PAGE + 0x123);
		expect_pf(LA4, GUEST_WALK_WRITE, PF_ERR_PRESENT | PF_ERR_WRITE);
		expect_pf(LA4, uw, PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER);
		cpu.cr0 &= ~WP; /* supervisor writes ignore R/W; user writes do not */
		expect_gpa(LA4, GUEST_WALK_WRITE, PAGE + 0x123);
		expect_pf(LA4, uw, PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER);

		fresh_4level(LA4, PAGE, level, 0, US);
		expect_gpa(LA4, GUEST_WALK_WRITE | GUEST_WALK_FETCH, PAGE + 0x123);
		expect_pf(LA4, GUEST_WALK_USER, PF_ERR_PRESENT | PF_ERR_USER);
		expect_pf(LA4, uf, PF_ERR_PRESENT | PF_ERR_USER | PF_ERR_FETCH);

		fresh_4level(LA4, PAGE, level, XD, 0);
		expect_gpa(LA4, GUEST_WALK_WRITE, PAGE + 0x123);
		expect_gpa(LA4, GUEST_WALK_USER, PAGE + 0x123);
		expect_pf(LA4, GUEST_WALK_FETCH, PF_ERR_PRESENT | PF_ERR_FETCH);
		expect_pf(LA4, uf, PF_ERR_PRESENT | PF_ERR_USER | PF_ERR_FETCH);
	}
	/* SMEP: the kernel may not fetch from a user page, but may read it. */
	fresh_4level(LA4, PAGE, 1, 0, 0);
	expect_gpa(LA4, GUEST_WALK_FETCH, PAGE + 0x123);
	cpu.cr4 |= SMEP;
	expect_pf(LA4, GUEST_WALK_FETCH, PF_ERR_PRESENT | PF_ERR_FETCH);
	expect_gpa(LA4, GUEST_WALK_WRITE, PAGE + 0x123);
	expect_gpa(LA4, uf, PAGE + 0x123);
}

static void test_outside_ram(void **state)
{
	u8 buf[4];

	(void)state;
	/* The page itself may be MMIO: translation succeeds, reading does not. */
	fresh_4level(LA4, PAGE, 1, 0xfee00000, 0x000ffffffffff000ULL);
	expect_gpa(LA4, 0, 0xfee00123);
	assert_int_equal(guest_walk_read(&gm, &cpu, LA4, 0, buf, 4, &pf), -EFAULT);
	/* An entry pointing at a table outside RAM, at each level. */
	for (int level = 4; level >= 2; level--) {
		fresh_4level(LA4, PAGE, level, RAM_SIZE, 0x000ffffffffff000ULL);
		assert_int_equal(translate(LA4, 0), -EFAULT);
	}
	cpu.cr3 = 0x100000000ULL;
	assert_int_equal(translate(LA4, 0), -EFAULT);
}

/* PAE: the PDPT at CR3 (32-byte aligned), PD for la[31:30]. */
static void pae_mode(void)
{
	cpu.cr0 = PG | WP;
	cpu.cr4 = PAE;
	cpu.efer = NXE;
	cpu.cr3 = alloc_table() + 0x20;
}

static void map_pae(u64 la, u64 gpa, int page_level, u64 flags)
{
	u64 slot = (cpu.cr3 & ~0x1fULL) + ((la >> 30) & 3) * 8;

	if (!(get64(slot) & P))
		put64(slot, alloc_table() | P);
	map64(get64(slot) & ~0xfffULL, 2, la, gpa, page_level, flags);
}

static void test_pae(void **state)
{
	u64 la4k = 0xc0403123, la2m = 0x40a12345, pdptes[4], pdpt;

	(void)state;
	pae_mode();
	pdpt = cpu.cr3 & ~0x1fULL;
	map_pae(la4k, PAGE, 1, ALL);
	map_pae(la2m, 0x600000, 2, ALL);
	expect_gpa(la4k, GUEST_WALK_WRITE | GUEST_WALK_USER, PAGE + 0x123);
	expect_gpa(la2m, 0, 0x612345);
	expect_gpa(la4k | 0xf00000000ULL, 0, PAGE + 0x123); /* 32-bit linear addresses */
	expect_pf(0x00403123, GUEST_WALK_WRITE, PF_ERR_WRITE); /* PDPTE 0 not present */

	/* The PDPTEs given win over what CR3 points at (the CPU cached them). */
	for (int i = 0; i < 4; i++)
		pdptes[i] = get64(pdpt + i * 8);
	cpu.pdptes = pdptes;
	put64(pdpt + 3 * 8, 0);
	expect_gpa(la4k, 0, PAGE + 0x123);
	pdptes[3] = 0;
	expect_pf(la4k, GUEST_WALK_FETCH, PF_ERR_FETCH);
	cpu.pdptes = NULL;
	expect_pf(la4k, 0, 0);

	/* PAE reserves bits 62:M (unlike 4-level paging); XD needs NXE. */
	edit64(pdptes[1] & ~0xfffULL, 2, la2m, 2, BIT(55), 0);
	expect_pf(la2m, 0, PF_ERR_PRESENT | PF_ERR_RSVD);
	edit64(pdptes[1] & ~0xfffULL, 2, la2m, 2, XD, BIT(55));
	expect_gpa(la2m, 0, 0x612345);
	expect_pf(la2m, GUEST_WALK_FETCH, PF_ERR_PRESENT | PF_ERR_FETCH);
	cpu.efer = 0;
	expect_pf(la2m, 0, PF_ERR_PRESENT | PF_ERR_RSVD);
	edit64(pdptes[1] & ~0xfffULL, 2, la2m, 2, 0, XD);
	expect_gpa(la2m, GUEST_WALK_WRITE, 0x612345);
	/* R/W in a PDPTE is reserved, not a right. */
	put64(pdpt + 8, pdptes[1] | RW);
	expect_pf(la2m, GUEST_WALK_WRITE, PF_ERR_PRESENT | PF_ERR_RSVD | PF_ERR_WRITE);
}

/* 32-bit paging: 4-byte entries; the PD at CR3[31:12]. */
static void test_32bit(void **state)
{
	u64 pd, pt, la4k = 0xc0403123, la4m = 0x80123456;

	(void)state;
	cpu.cr0 = PG | WP;
	cpu.efer = NXE; /* no effect without PAE */
	pd = alloc_table();
	pt = alloc_table();
	cpu.cr3 = pd | 0x18; /* PWT, PCD */
	put32(pd + (la4k >> 22) * 4, pt | ALL);
	put32(pt + ((la4k >> 12) & 0x3ff) * 4, PAGE | ALL);
	put32(pd + (la4m >> 22) * 4, 0x400000 | ALL | PS);

	expect_gpa(la4k, GUEST_WALK_WRITE | GUEST_WALK_USER | GUEST_WALK_FETCH, PAGE + 0x123);
	expect_gpa(la4k + 0x100000000ULL, 0, PAGE + 0x123);
	/* Linear addresses are 32 bits: so is CR2. */
	assert_int_equal(translate(0x100000000ULL | la4m, 0), GUEST_WALK_PF);
	assert_int_equal(pf.addr, la4m);
	/* Without CR4.PSE, PS is ignored: the PDE points at a page table (zeroed here). */
	expect_pf(la4m, GUEST_WALK_FETCH, 0);
	cpu.cr4 = PSE;
	expect_gpa(la4m, 0, 0x523456);
	/* PSE-36: PDE bits 20:13 are address bits 39:32; bit 21 is reserved. */
	put32(pd + (la4m >> 22) * 4, 0x400000 | ALL | PS | (0x5 << 13));
	expect_gpa(la4m, 0, 0x500523456ULL);
	cpu.maxphyaddr = 34; /* address bits 39:34 reserved */
	expect_pf(la4m, 0, PF_ERR_PRESENT | PF_ERR_RSVD);
	put32(pd + (la4m >> 22) * 4, 0x400000 | ALL | PS | BIT(21));
	cpu.maxphyaddr = 0;
	expect_pf(la4m, GUEST_WALK_WRITE, PF_ERR_PRESENT | PF_ERR_RSVD | PF_ERR_WRITE);

	/* Rights: R/W and U/S of both levels. */
	put32(pd + (la4k >> 22) * 4, pt | P | US);
	expect_gpa(la4k, GUEST_WALK_USER, PAGE + 0x123);
	expect_pf(la4k, GUEST_WALK_WRITE, PF_ERR_PRESENT | PF_ERR_WRITE);
	cpu.cr0 &= ~WP;
	expect_gpa(la4k, GUEST_WALK_WRITE, PAGE + 0x123);
	put32(pt + ((la4k >> 12) & 0x3ff) * 4, PAGE | P | RW);
	expect_pf(la4k, GUEST_WALK_USER, PF_ERR_PRESENT | PF_ERR_USER);
	put32(pt + ((la4k >> 12) & 0x3ff) * 4, PAGE);
	expect_pf(la4k, GUEST_WALK_USER | GUEST_WALK_FETCH, PF_ERR_USER);
	put32(pd + (la4k >> 22) * 4, pt);
	expect_pf(la4k, 0, 0);
	cpu.cr3 = RAM_SIZE;
	assert_int_equal(translate(la4k, 0), -EFAULT);
}

static void test_read_across_pages(void **state)
{
	u64 la = 0x7ffff000 - 6; /* the last 6 bytes of one page, then the next */
	u8 buf[16], want[16];

	(void)state;
	long_mode(4);
	/* Two pages far apart in guest RAM, the second in another host chunk. */
	map64(cpu.cr3, 4, la, 0x3ff000, 1, ALL);
	map64(cpu.cr3, 4, la + 6, 0x123000, 1, ALL);
	for (int i = 0; i < 16; i++)
		want[i] = 0x40 + i;
	assert_int_equal(gmem_write(&gm, 0x3ffffa, want, 6), 0);
	assert_int_equal(gmem_write(&gm, 0x123000, want + 6, 10), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_walk_read(&gm, &cpu, la, GUEST_WALK_FETCH, buf, 16, &pf), 0);
	assert_memory_equal(buf, want, 16);
	assert_int_equal(guest_walk_read(&gm, &cpu, la + 6, 0, buf, 0, &pf), 0);

	/* The second page not present: the fault names its first byte. */
	edit64(cpu.cr3, 4, la + 6, 1, 0, P);
	assert_int_equal(guest_walk_read(&gm, &cpu, la, GUEST_WALK_FETCH, buf, 16, &pf),
			 GUEST_WALK_PF);
	assert_int_equal(pf.addr, la + 6);
	assert_int_equal(pf.error_code, PF_ERR_FETCH);
	/* Only the first page: fine. */
	assert_int_equal(guest_walk_read(&gm, &cpu, la, 0, buf, 6, &pf), 0);
	/* The first page read-only: a user write check faults at la itself. */
	edit64(cpu.cr3, 4, la, 1, 0, RW);
	assert_int_equal(guest_walk_read(&gm, &cpu, la + 2, GUEST_WALK_WRITE | GUEST_WALK_USER,
					 buf, 8, &pf), GUEST_WALK_PF);
	assert_int_equal(pf.addr, la + 2);
	assert_int_equal(pf.error_code, PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER);
}

/* 32-bit paging wraps at 4 GiB; paging off reads RAM directly. */
static void test_read_wraps_32bit(void **state)
{
	u64 pd = 0x1000, pt_hi = 0x2000, pt_lo = 0x3000;
	u8 buf[8], want[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	cpu.cr0 = PG;
	cpu.cr3 = pd;
	put32(pd + 0x3ff * 4, pt_hi | ALL);
	put32(pt_hi + 0x3ff * 4, 0x5000 | ALL);
	put32(pd, pt_lo | ALL);
	put32(pt_lo, 0x7000 | ALL);
	assert_int_equal(gmem_write(&gm, 0x5ffc, want, 4), 0);
	assert_int_equal(gmem_write(&gm, 0x7000, want + 4, 4), 0);
	assert_int_equal(guest_walk_read(&gm, &cpu, 0xfffffffc, 0, buf, 8, &pf), 0);
	assert_memory_equal(buf, want, 8);
	put32(pt_lo, 0x7000);
	assert_int_equal(guest_walk_read(&gm, &cpu, 0xfffffffc, 0, buf, 8, &pf), GUEST_WALK_PF);
	assert_int_equal(pf.addr, 0);

	cpu.cr0 = 0;
	assert_int_equal(guest_walk_read(&gm, &cpu, 0x5ffc, 0, buf, 4, &pf), 0);
	assert_memory_equal(buf, want, 4);
	assert_int_equal(guest_walk_read(&gm, &cpu, RAM_SIZE - 4, 0, buf, 8, &pf), -EFAULT);
}

/* guest_walk_trace: each level's entry and where it lies, the rights combined, the page. */
static void test_trace(void **state)
{
	struct guest_walk_path path;
	u64 gpa, pd, pt, la = 0xc0403123;

	(void)state;
	long_mode(4);
	map64(cpu.cr3, 4, LA4, PAGE, 1, ALL);
	edit64(cpu.cr3, 4, LA4, 3, XD, US); /* the PDPTE takes away user rights and execution */
	memset(&path, 0xa5, sizeof(path));
	assert_int_equal(guest_walk_trace(&gm, &cpu, LA4, 0, &gpa, &path, &pf), 0);
	assert_int_equal(gpa, PAGE + 0x123);
	assert_int_equal(path.top, 4);
	assert_int_equal(path.leaf, 1);
	assert_int_equal(path.entry_size, 8);
	for (int level = 4; level >= 1; level--) {
		u64 slot = slot64(cpu.cr3, 4, LA4, level, false, 0);

		assert_int_equal(path.gpa[level], slot);
		assert_int_equal(path.entry[level], get64(slot));
	}
	assert_true(path.rw);
	assert_false(path.us);
	assert_true(path.xd);
	assert_int_equal(path.page, PAGE);
	assert_int_equal(path.page_size, PAGE_SIZE);

	/* A 2-MiB page ends the walk at level 2. */
	map64(cpu.cr3, 4, 1ULL << 39, 0x600000, 2, ALL);
	assert_int_equal(guest_walk_trace(&gm, &cpu, (1ULL << 39) | 0x1234, 0, &gpa, &path, &pf),
			 0);
	assert_int_equal(path.leaf, 2);
	assert_int_equal(path.page_size, 2 * MiB);
	assert_int_equal(path.entry[2], 0x600000 | ALL | PS);

	/* 32-bit paging: 4-byte entries at levels 2 and 1. */
	ram_reset(NULL);
	cpu.cr0 = PG | WP;
	pd = alloc_table();
	pt = alloc_table();
	cpu.cr3 = pd;
	put32(pd + (la >> 22) * 4, pt | P | RW);
	put32(pt + ((la >> 12) & 0x3ff) * 4, PAGE | ALL);
	assert_int_equal(guest_walk_trace(&gm, &cpu, la, 0, &gpa, &path, &pf), 0);
	assert_int_equal(path.top, 2);
	assert_int_equal(path.entry_size, 4);
	assert_int_equal(path.gpa[2], pd + (la >> 22) * 4);
	assert_int_equal(path.gpa[1], pt + ((la >> 12) & 0x3ff) * 4);
	assert_int_equal(path.entry[1], PAGE | ALL);
	assert_true(path.rw);
	assert_false(path.us);

	/* PAE with the PDPTEs given: level 3 was not read from memory. */
	ram_reset(NULL);
	pae_mode();
	map_pae(la, PAGE, 1, ALL);
	{
		u64 pdptes[4];

		for (int i = 0; i < 4; i++)
			pdptes[i] = get64((cpu.cr3 & ~0x1fULL) + i * 8);
		cpu.pdptes = pdptes;
		assert_int_equal(guest_walk_trace(&gm, &cpu, la, 0, &gpa, &path, &pf), 0);
		assert_int_equal(path.top, 3);
		assert_int_equal(path.gpa[3], GUEST_WALK_IN_REGISTER);
		assert_int_equal(path.entry[3], pdptes[3]);
		cpu.pdptes = NULL;
	}
	/* Paging off: no levels, the page itself. */
	cpu.cr0 = 0;
	assert_int_equal(guest_walk_trace(&gm, &cpu, 0x12345678, 0, &gpa, &path, &pf), 0);
	assert_int_equal(path.top, 0);
	assert_int_equal(path.page, 0x12345000);
}

/* CR4.SMAP applies to supervisor data accesses to user pages only when asked. */
static void test_smap(void **state)
{
	(void)state;
	fresh_4level(LA4, PAGE, 1, 0, 0);
	cpu.cr4 |= SMAP;
	expect_gpa(LA4, 0, PAGE + 0x123); /* the hypervisor's own reads: SMAP not applied */
	expect_pf(LA4, GUEST_WALK_SMAP, PF_ERR_PRESENT);
	expect_pf(LA4, GUEST_WALK_SMAP | GUEST_WALK_WRITE, PF_ERR_PRESENT | PF_ERR_WRITE);
	expect_gpa(LA4, GUEST_WALK_SMAP | GUEST_WALK_FETCH, PAGE + 0x123); /* SMEP's business */
	expect_gpa(LA4, GUEST_WALK_SMAP | GUEST_WALK_USER, PAGE + 0x123);
	edit64(cpu.cr3, 4, LA4, 2, 0, US); /* a supervisor page */
	expect_gpa(LA4, GUEST_WALK_SMAP | GUEST_WALK_WRITE, PAGE + 0x123);
	cpu.cr4 &= ~SMAP;
	edit64(cpu.cr3, 4, LA4, 2, US, 0);
	expect_gpa(LA4, GUEST_WALK_SMAP, PAGE + 0x123);
}

#define T(f) cmocka_unit_test_setup(f, ram_reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_paging_off),
		T(test_4level_4k),
		T(test_4level_large_pages),
		T(test_5level),
		T(test_not_present_each_level),
		T(test_reserved_bits),
		T(test_rights_each_level),
		T(test_outside_ram),
		T(test_pae),
		T(test_32bit),
		T(test_read_across_pages),
		T(test_read_wraps_32bit),
		T(test_trace),
		T(test_smap),
	};

	return unit_run(tests);
}
