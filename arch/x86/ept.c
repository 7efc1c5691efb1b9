// SPDX-License-Identifier: GPL-2.0
/* Builds and tears down EPT paging structures and issues INVEPT (SDM Vol. 3C, 29.3 and 31.3). */
#include "arch/x86/ept.h"
#include "arch/x86/vmx.h"
#include "hv/console.h"
#include "mm/mm.h"

/* EPT entry bits, SDM Vol. 3C, tables 29-1 to 29-6. */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ULL << 3)
#define EPT_LARGE BIT(7)
#define EPT_ADDR_MASK 0x000ffffffffff000ULL
/* EPTP, 25.6.11: memory type WB, 4-level walk (length - 1 in bits 5:3). */
#define EPTP_WB 6ULL
#define EPTP_WALK4 (3ULL << 3)

static u64 *ept_table(struct ept *ept, u64 *parent, u32 index)
{
	u64 t;

	if (parent[index] & EPT_RWX)
		return phys_to_virt(parent[index] & EPT_ADDR_MASK);
	t = frames_alloc(1, 0);
	if (!t)
		return NULL;
	ept->nr_tables++;
	parent[index] = t | EPT_RWX;
	return phys_to_virt(t);
}

int ept_build(struct ept *ept, const struct guest_mem *gm)
{
	bool large = vmx_caps.ept_2m;
	u64 *pml4;

	ept->nr_tables = 1;
	ept->root = frames_alloc(1, 0);
	if (!ept->root)
		return -ENOMEM;
	pml4 = phys_to_virt(ept->root);
	for (u64 gpa = 0; gpa < gm->size; gpa += GMEM_CHUNK_SIZE) {
		u64 hpa = gm->chunks[gpa >> GMEM_CHUNK_SHIFT];
		u64 *pdpt = ept_table(ept, pml4, (gpa >> 39) & 511);
		u64 *pd = pdpt ? ept_table(ept, pdpt, (gpa >> 30) & 511) : NULL;
		u64 *pt;

		if (!pd)
			return -ENOMEM;
		if (large) {
			pd[(gpa >> 21) & 511] = hpa | EPT_RWX | EPT_MT_WB | EPT_LARGE;
			continue;
		}
		pt = ept_table(ept, pd, (gpa >> 21) & 511);
		if (!pt)
			return -ENOMEM;
		for (u32 i = 0; i < 512; i++)
			pt[i] = (hpa + ((u64)i << PAGE_SHIFT)) | EPT_RWX | EPT_MT_WB;
	}
	ept->eptp = ept->root | EPTP_WB | EPTP_WALK4;
	return 0;
}

static void free_level(u64 table, int level)
{
	u64 *t = phys_to_virt(table);

	for (u32 i = 0; level > 1 && i < 512; i++)
		if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
			free_level(t[i] & EPT_ADDR_MASK, level - 1);
	frames_free(table, 1);
}

void ept_destroy(struct ept *ept)
{
	if (ept->root)
		free_level(ept->root, 4);
	ept->root = 0;
	ept->eptp = 0;
}

void ept_invalidate(u64 eptp)
{
	/* INVEPT descriptor: EPTP, then 64 reserved bits, 31.3. Type 1 single, 2 all. */
	struct {
		u64 eptp, zero;
	} desc = { eptp, 0 };
	u64 type = vmx_caps.invept_single ? 1 : 2;
	u8 fail;

	if (!vmx_caps.invept)
		return;
	asm volatile("invept %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (fail)
		pr_err("INVEPT type %lu failed for EPTP %#lx", type, eptp);
}
