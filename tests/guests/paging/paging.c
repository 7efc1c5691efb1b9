// SPDX-License-Identifier: GPL-2.0
/*
 * A process-switching workload for comparing second-level translation (EPT) with shadow page
 * tables (ept=off) on the same guest: `spaces=` address spaces (default 8), each the runtime's
 * identity map plus its own `pages=` 4 KiB pages (default 64) in PML4 slot 1, which the runtime
 * leaves empty. Each of `rounds=` rounds (default 100) loads every space's CR3 in turn, reads
 * and rewrites the first word of each of its pages, and remaps one of them onto a spare page (a
 * PTE write and an INVLPG, as a kernel's page fault or munmap does). Every read is checked: a
 * stale or wrong translation is a failure. Prints the TSC ticks the rounds took; with debug=on
 * the VM prints its exit statistics just before and just after them (KESTREL_HC_DEBUG_STATS),
 * so the exits of the rounds alone are the difference of the two tables. Then each space's page
 * table is rewritten by REP STOSQ, upwards and (DF set) downwards, each mapping pages 1 on to
 * one marked page, as a kernel clears or fills a table in one instruction: on shadow page tables
 * the table is write-protected and Kestrel does the instruction's stores in that page itself.
 * Last, one MOV of 8 bytes that starts 4 bytes before a page table's page remaps its entry 0
 * (the fault is at the table's first byte, not where the write starts).
 */
#include <kestrel-rt/rt.h>
#include <kestrel/abi.h>

#define PAGE		4096ull
#define VA_BASE		0x0000008000000000ull	/* PML4 slot 1 */
#define PTE_P		(1ull << 0)		/* SDM Vol. 3A, 5.5, table 5-19 */
#define PTE_RW		(1ull << 1)
#define MAX_SPACES	64
#define MAX_PAGES	512			/* one page table per space */

struct space {
	u64 cr3;
	u64 *pd, *pt;
	u64 spare;	/* the physical page the next remap moves page 0 to */
	u64 gen;	/* bumped at each rewrite: what every word must hold */
};

static struct space spaces[MAX_SPACES];

static u64 *new_page(void)
{
	u64 *p = rt_alloc_pages(PAGE);

	if (p)
		memset(p, 0, PAGE);
	return p;
}

static u64 value(u32 s, u32 i, u64 gen)
{
	return ((u64)s << 48 | (u64)i << 32 | gen) * 0x9e3779b97f4a7c15ull;
}

static void set_cr3(u64 cr3)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

static void invlpg(u64 va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Asks Kestrel to print this VM's exit statistics; waits out the interval between tables. */
static void print_stats(void)
{
	u64 ret;

	do {
		ret = KESTREL_HC_DEBUG_STATS;
		__asm__ volatile("vmcall" : "+a"(ret) : : "memory");
	} while (ret == (u64)-KESTREL_EBUSY);
}

/* A copy of the runtime's PML4 whose slot 1 maps npages fresh pages holding their values. */
static bool space_make(struct space *sp, u32 s, const u64 *pml4, u32 npages)
{
	u64 *top = new_page(), *pdpt = new_page(), *pd = new_page(), *pt = new_page();
	u64 *spare = new_page();

	if (!top || !pdpt || !pd || !pt || !spare)
		return false;
	memcpy(top, pml4, PAGE);
	for (u32 i = 0; i < npages; i++) {
		u64 *p = new_page();

		if (!p)
			return false;
		p[0] = value(s, i, 0);
		pt[i] = (u64)(uintptr_t)p | PTE_P | PTE_RW;
	}
	pd[0] = (u64)(uintptr_t)pt | PTE_P | PTE_RW;
	pdpt[0] = (u64)(uintptr_t)pd | PTE_P | PTE_RW;
	top[1] = (u64)(uintptr_t)pdpt | PTE_P | PTE_RW;
	*sp = (struct space){ .cr3 = (u64)(uintptr_t)top, .pd = pd, .pt = pt,
			      .spare = (u64)(uintptr_t)spare };
	return true;
}

/* REP STOSQ of n copies of val from dst, downwards with DF set (SDM Vol. 2B, STOS). */
static void rep_stosq(u64 *dst, u64 val, u64 n, bool down)
{
	if (down)
		__asm__ volatile("std; rep stosq; cld" : "+D"(dst), "+c"(n) : "a"(val) : "memory");
	else
		__asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(val) : "memory");
}

/* Every page but page 0 of space sp mapped onto one page by one REP STOSQ: reads seen wrong. */
static u64 fill_table(struct space *sp, bool down, u64 marker)
{
	u64 *page = new_page(), bad = 0;
	u32 n = MAX_PAGES - 1;

	if (!page)
		return 1;
	page[0] = marker;
	set_cr3(sp->cr3); /* its table is in use: walked, so shadowed and write-protected */
	(void)*(volatile u64 *)(uintptr_t)(VA_BASE + PAGE);
	rep_stosq(down ? &sp->pt[MAX_PAGES - 1] : &sp->pt[1], (u64)(uintptr_t)page | PTE_P | PTE_RW,
		  n, down);
	set_cr3(sp->cr3); /* the guest's own flush of what it changed */
	for (u32 i = 1; i < MAX_PAGES; i++)
		bad += *(volatile u64 *)(uintptr_t)(VA_BASE + i * PAGE) != marker;
	return bad;
}

/*
 * A data page and, right after it, a table for the 2 MiB at VA_BASE + 2 MiB in space sp. One
 * 8-byte store at the data page's last 4 bytes writes the low half of the table's entry 0,
 * moving it from page x to page y. Returns the reads seen wrong.
 */
static u64 crossing_write(struct space *sp)
{
	u8 *two = rt_alloc_pages(2 * PAGE);
	u64 *x = new_page(), *y = new_page(), *t = (u64 *)(two + PAGE), bad = 0;
	volatile u64 *va = (volatile u64 *)(uintptr_t)(VA_BASE + (2ull << 20));
	u64 pte_y = (u64)(uintptr_t)y | PTE_P | PTE_RW, word;

	if (!two || !x || !y || (u64)(uintptr_t)y >> 32)
		return 1;
	memset(two, 0, 2 * PAGE);
	x[0] = 0x1111;
	y[0] = 0x2222;
	t[0] = (u64)(uintptr_t)x | PTE_P | PTE_RW;
	sp->pd[1] = (u64)(uintptr_t)t | PTE_P | PTE_RW;
	set_cr3(sp->cr3);
	bad += *va != 0x1111; /* walked: t is a table of the shadow now */
	word = pte_y << 32 | 0x5eed;
	__asm__ volatile("movq %1, (%0)" : : "r"(two + PAGE - 4), "r"(word) : "memory");
	invlpg((u64)(uintptr_t)va);
	bad += *va != 0x2222;
	bad += *(volatile u32 *)(two + PAGE - 4) != 0x5eed;
	bad += (t[0] & ~0x60ull) != pte_y; /* but A and D, which the processor sets */
	set_cr3(sp->cr3);
	return bad;
}

void kmain(const struct rt_boot *boot)
{
	u32 nspaces = (u32)rt_cmdline_u64("spaces", 8), npages = (u32)rt_cmdline_u64("pages", 64);
	u32 rounds = (u32)rt_cmdline_u64("rounds", 100);
	bool debug = rt_cmdline_u64("stats", 1);
	u64 cr3, bad = 0, t0, ticks;

	(void)boot;
	rt_test_begin("paging");
	if (!rt_check(nspaces >= 1 && nspaces <= MAX_SPACES && npages >= 1 && npages <= MAX_PAGES,
		      "spaces=1..%u and pages=1..%u", MAX_SPACES, MAX_PAGES))
		return;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if (!rt_check(!((u64 *)(uintptr_t)(cr3 & ~0xfffull))[1], "PML4 slot 1 is in use"))
		return;
	for (u32 s = 0; s < nspaces; s++)
		if (!rt_check(space_make(&spaces[s], s, (u64 *)(uintptr_t)(cr3 & ~0xfffull), npages),
			      "out of memory for space %u", s))
			return;
	if (debug)
		print_stats();
	t0 = rt_rdtsc();
	for (u32 r = 0; r < rounds; r++) {
		for (u32 s = 0; s < nspaces; s++) {
			struct space *sp = &spaces[s];
			u64 gen = sp->gen, old;

			set_cr3(sp->cr3);
			for (u32 i = 0; i < npages; i++) {
				volatile u64 *p = (volatile u64 *)(uintptr_t)(VA_BASE + i * PAGE);

				bad += *p != value(s, i, gen);
				*p = value(s, i, gen + 1);
			}
			sp->gen = gen + 1;
			/* Page 0 moves to the spare page, carrying the word that is checked. */
			old = sp->pt[0] & ~0xfffull;
			*(volatile u64 *)(uintptr_t)sp->spare = value(s, 0, gen + 1);
			sp->pt[0] = sp->spare | PTE_P | PTE_RW;
			sp->spare = old;
			invlpg(VA_BASE);
			*(volatile u64 *)(uintptr_t)old = 0; /* a stale read of it fails */
			bad += *(volatile u64 *)(uintptr_t)VA_BASE != value(s, 0, gen + 1);
		}
	}
	set_cr3(cr3);
	ticks = rt_rdtsc() - t0;
	if (debug)
		print_stats();
	rt_printf("paging: %u spaces of %u pages, %u rounds: %lu TSC ticks, %lu CR3 loads, "
		  "%lu bad reads\n", nspaces, npages, rounds, ticks, (u64)rounds * nspaces, bad);
	rt_check(bad == 0, "%lu reads saw a wrong or stale page", bad);
	bad = 0;
	for (u32 s = 0; s < nspaces; s++)
		bad += fill_table(&spaces[s], s & 1, value(s, 0xffff, s));
	set_cr3(cr3);
	rt_printf("paging: rep stosq: %u tables of %u entries, %lu bad reads\n", nspaces,
		  MAX_PAGES - 1, bad);
	rt_check(bad == 0, "%lu reads after a REP STOSQ saw a wrong or stale page", bad);
	bad = crossing_write(&spaces[0]);
	set_cr3(cr3);
	rt_printf("paging: a write across into a table: %lu bad reads\n", bad);
	rt_check(bad == 0, "%lu reads after a write across into a table were wrong", bad);
	rt_test_end();
}
