// SPDX-License-Identifier: GPL-2.0
/* The hypervisor's own page tables: an identity map of physical memory (SDM Vol. 3A, 5.5). */
#include "mm/mm.h"
#include "arch/x86/pte.h"
#include "arch/x86/cpu.h"
#include "lib/console.h"

/* The xAPIC page: mapped uncached whatever the MTRRs say (SDM Vol. 3A, 12.4.1). */
#define XAPIC_DEFAULT_BASE 0xfee00000ULL

static u64 root, mapped_top;

u64 paging_root(void)
{
	return root;
}

u64 paging_top(void)
{
	return mapped_top;
}

static u64 *table(u64 *parent, u32 index)
{
	u64 t;

	if (parent[index] & PTE_P)
		return phys_to_virt(parent[index] & 0x000ffffffffff000ULL);
	/* Below 4 GiB: the AP trampoline loads CR3 while still in 32-bit mode. */
	t = frames_alloc(1, 4 * GiB);
	if (!t)
		return NULL;
	parent[index] = t | PTE_P | PTE_RW;
	return phys_to_virt(t);
}

static bool overlaps(u64 addr, u64 size, const struct mem_range *r)
{
	return r && addr < r->end && r->start < addr + size;
}

/* One 2 MiB page; never inside a 1 GiB page (those are only made where no such page goes). */
static int map_2m(u64 *pml4, u64 addr, u64 attr)
{
	u64 *pdpt = table(pml4, (addr >> 39) & 511), *pd;

	if (!pdpt)
		return -ENOMEM;
	pd = table(pdpt, (addr >> 30) & 511);
	if (!pd)
		return -ENOMEM;
	pd[(addr >> 21) & 511] = addr | attr;
	return 0;
}

/*
 * PCD alone selects PAT entry 2, UC- by default (SDM Vol. 3A, 13.12.3 and Table 13-11): uncached,
 * or write-combining where the MTRRs say so, as firmware often does for a framebuffer.
 */
static u64 attr_2m(u64 addr, const struct mem_range *uncached)
{
	u64 attr = PTE_P | PTE_RW | PTE_PS;

	if (addr == ALIGN_DOWN(XAPIC_DEFAULT_BASE, 2 * MiB))
		attr |= PTE_PCD | PTE_PWT;
	else if (overlaps(addr, 2 * MiB, uncached))
		attr |= PTE_PCD;
	return attr;
}

int paging_init(u64 top, const struct mem_range *uncached)
{
	bool gb_pages = cpuid(0x80000001, 0).edx & CPUID80000001_EDX_PAGE1GB;
	u64 *pml4, addr;
	int err;

	top = ALIGN_UP(top, GiB);
	root = frames_alloc(1, 4 * GiB);
	if (!root)
		return -ENOMEM;
	pml4 = phys_to_virt(root);
	for (addr = 0; addr < top;) {
		/* 1 GiB pages above 4 GiB; 2 MiB below, where MMIO needs its own attributes. */
		if (gb_pages && addr >= 4 * GiB && !overlaps(addr, GiB, uncached)) {
			u64 *pdpt = table(pml4, (addr >> 39) & 511);

			if (!pdpt)
				return -ENOMEM;
			pdpt[(addr >> 30) & 511] = addr | PTE_P | PTE_RW | PTE_PS;
			addr += GiB;
			continue;
		}
		for (u32 i = 0; i < 512; i++, addr += 2 * MiB) {
			err = map_2m(pml4, addr, attr_2m(addr, uncached));
			if (err)
				return err;
		}
	}
	/* An uncached range beyond the memory map (a framebuffer in a 64-bit PCI window). */
	if (uncached && uncached->end > top) {
		for (addr = ALIGN_DOWN(MAX(uncached->start, top), 2 * MiB); addr < uncached->end;
		     addr += 2 * MiB) {
			err = map_2m(pml4, addr, attr_2m(addr, uncached));
			if (err)
				return err;
		}
	}
	mapped_top = top;
	write_cr3(root);
	pr_info("paging: identity map of %lu GiB (%s pages above 4 GiB), root %#lx", top / GiB,
		gb_pages ? "1 GiB" : "2 MiB", root);
	return 0;
}
