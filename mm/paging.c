// SPDX-License-Identifier: GPL-2.0
/* The hypervisor's own page tables: an identity map of physical memory (SDM Vol. 3A, 5.5). */
#include "mm/mm.h"
#include "arch/x86/cpu.h"
#include "hv/console.h"

#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)

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
	parent[index] = t | PTE_P | PTE_W;
	return phys_to_virt(t);
}

int paging_init(u64 top)
{
	bool gb_pages = cpuid(0x80000001, 0).edx & CPUID80000001_EDX_PAGE1GB;
	u64 *pml4, addr;

	top = ALIGN_UP(top, GiB);
	root = frames_alloc(1, 4 * GiB);
	if (!root)
		return -ENOMEM;
	pml4 = phys_to_virt(root);
	for (addr = 0; addr < top;) {
		u64 *pdpt = table(pml4, (addr >> 39) & 511), *pd;

		if (!pdpt)
			return -ENOMEM;
		/* 1 GiB pages above 4 GiB; 2 MiB below, where MMIO needs its own attributes. */
		if (gb_pages && addr >= 4 * GiB) {
			pdpt[(addr >> 30) & 511] = addr | PTE_P | PTE_W | PTE_PS;
			addr += GiB;
			continue;
		}
		pd = table(pdpt, (addr >> 30) & 511);
		if (!pd)
			return -ENOMEM;
		for (u32 i = 0; i < 512; i++, addr += 2 * MiB) {
			u64 attr = PTE_P | PTE_W | PTE_PS;

			if (addr == ALIGN_DOWN(XAPIC_DEFAULT_BASE, 2 * MiB))
				attr |= PTE_PCD | PTE_PWT;
			pd[i] = addr | attr;
		}
	}
	mapped_top = top;
	write_cr3(root);
	pr_info("paging: identity map of %lu GiB (%s pages above 4 GiB), root %#lx", top / GiB,
		gb_pages ? "1 GiB" : "2 MiB", root);
	return 0;
}
