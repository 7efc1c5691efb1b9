// SPDX-License-Identifier: GPL-2.0
/* EPT paging structures: build, map, zap and free them; INVEPT (SDM Vol. 3C, 30.3 and 32.3). */
#include "mm/ept.h"
#include "lib/console.h"
#include "mm/mm.h"

/* EPT entry bits, SDM Vol. 3C, tables 30-1 to 30-6. */
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

bool ept_large_pages = true;

static bool remember(struct ept_tree *t, u64 page)
{
	if (!t->pages || t->pages->nr == ARRAY_SIZE(t->pages->page)) {
		struct ept_pages *p = heap_alloc(sizeof(*p));

		if (!p)
			return false;
		p->next = t->pages;
		p->nr = 0;
		t->pages = p;
	}
	t->pages->page[t->pages->nr++] = page;
	return true;
}

static u64 *next_table(struct ept_tree *t, u64 *parent, u32 index)
{
	u64 page;

	if (parent[index] & EPT_RWX)
		return phys_to_virt(parent[index] & EPT_ADDR_MASK);
	page = frames_alloc(1, 0);
	if (!page)
		return NULL;
	if (!remember(t, page)) {
		frames_free(page, 1);
		return NULL;
	}
	t->nr_tables++;
	/* Written whole, present last: a CPU walking the live tree sees all of it or nothing. */
	WRITE_ONCE(parent[index], page | EPT_RWX);
	return phys_to_virt(page);
}

int ept_tree_init(struct ept_tree *t)
{
	t->pages = NULL;
	t->nr_tables = 1;
	t->root = frames_alloc(1, 0);
	if (!t->root)
		return -ENOMEM;
	t->eptp = t->root | EPTP_WB | EPTP_WALK4;
	return 0;
}

int ept_tree_map_2m(struct ept_tree *t, u64 gpa, u64 hpa)
{
	u64 *pdpt = next_table(t, phys_to_virt(t->root), (gpa >> 39) & 511);
	u64 *pd = pdpt ? next_table(t, pdpt, (gpa >> 30) & 511) : NULL;
	u64 *pt;

	if (!pd)
		return -ENOMEM;
	if (ept_large_pages) {
		WRITE_ONCE(pd[(gpa >> 21) & 511], hpa | EPT_RWX | EPT_MT_WB | EPT_LARGE);
		return 0;
	}
	pt = next_table(t, pd, (gpa >> 21) & 511);
	if (!pt)
		return -ENOMEM;
	for (u32 i = 0; i < 512; i++)
		WRITE_ONCE(pt[i], (hpa + ((u64)i << PAGE_SHIFT)) | EPT_RWX | EPT_MT_WB);
	return 0;
}

/* Down to the entry that maps gpa: a 2 MiB page, or the 4 KiB page of the PT below. */
bool ept_tree_mapped(const struct ept_tree *t, u64 gpa)
{
	const u64 *e = phys_to_virt(t->root);

	for (int shift = 39; shift >= 12; shift -= 9) {
		u64 v = READ_ONCE(e[(gpa >> shift) & 511]);

		if (!(v & EPT_RWX))
			return false;
		if (shift == 12 || (v & EPT_LARGE))
			return true;
		e = phys_to_virt(v & EPT_ADDR_MASK);
	}
	return true;
}

/*
 * Clears every entry that maps memory; the links to lower tables stay, so the faults that map
 * the memory again reuse those tables. Clearing the links too would leave their pages in the
 * tree's list (a CPU may still be walking them until the caller's INVEPT) while new ones were
 * allocated: every invalidate-and-touch cycle would cost a tree's worth of host memory.
 */
static u64 zap(u64 table, int level)
{
	u64 *e = phys_to_virt(table), n = 0;

	for (u32 i = 0; i < 512; i++) {
		if (!(e[i] & EPT_RWX))
			continue;
		if (level > 1 && !(e[i] & EPT_LARGE)) {
			n += zap(e[i] & EPT_ADDR_MASK, level - 1);
			continue;
		}
		WRITE_ONCE(e[i], 0);
		n++;
	}
	return n;
}

u64 ept_tree_zap_walk(struct ept_tree *t)
{
	/* Every entry of every level is visited: the cost grows with the VM's memory. */
	return zap(t->root, 4);
}

bool ept_tree_free_some(struct ept_tree *t, u32 *budget)
{
	while (*budget && t->pages) {
		struct ept_pages *p = t->pages;

		while (*budget && p->nr) {
			frames_free(p->page[--p->nr], 1);
			t->nr_tables--;
			(*budget)--;
		}
		if (p->nr)
			return false;
		t->pages = p->next;
		heap_free(p);
	}
	if (t->pages)
		return false;
	if (t->root && *budget) {
		frames_free(t->root, 1);
		t->root = 0;
		t->nr_tables--;
		(*budget)--;
	}
	return !t->root;
}
