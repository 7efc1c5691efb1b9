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
bool ept_huge_pages;

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
	if (t->max_tables && t->nr_tables >= t->max_tables)
		return NULL;
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

static bool is_leaf(u64 e, u32 shift)
{
	return shift == PAGE_SHIFT || (e & EPT_LARGE);
}

int ept_tree_map(struct ept_tree *t, u64 gpa, u64 hpa, u32 shift, u8 perm, u64 gpa_fault)
{
	u64 *e = phys_to_virt(t->root);
	u32 level;

	for (level = 39; level > shift; level -= 9) {
		u64 v = READ_ONCE(e[(gpa_fault >> level) & 511]);

		/*
		 * A larger page maps it already: another vCPU mapped the block whole meanwhile (the
		 * region allowed it; every change of a region zaps its leaves first).
		 */
		if (level < 39 && (v & EPT_RWX) && (v & EPT_LARGE))
			return (int)level;
		e = next_table(t, e, (gpa_fault >> level) & 511);
		if (!e)
			return t->max_tables && t->nr_tables >= t->max_tables ? -ENOSPC : -ENOMEM;
	}
	/* A table below this entry: map the fault's block of the next size down, in it. */
	while (shift > PAGE_SHIFT) {
		u64 v = READ_ONCE(e[(gpa_fault >> shift) & 511]);
		u64 base;

		if (!(v & EPT_RWX) || (v & EPT_LARGE))
			break;
		e = phys_to_virt(v & EPT_ADDR_MASK);
		shift -= 9;
		base = ALIGN_DOWN(gpa_fault, BIT(shift));
		hpa += base - gpa;
		gpa = base;
	}
	WRITE_ONCE(e[(gpa >> shift) & 511], hpa | (perm & EPT_RWX) | EPT_MT_WB |
						    (shift > PAGE_SHIFT ? EPT_LARGE : 0));
	return (int)shift;
}

int ept_tree_map_2m(struct ept_tree *t, u64 gpa, u64 hpa)
{
	int ret;

	if (ept_large_pages) {
		ret = ept_tree_map(t, gpa, hpa, 21, EPT_RWX, gpa);
		return ret < 0 ? ret : 0;
	}
	for (u32 i = 0; i < 512; i++) {
		u64 off = (u64)i << PAGE_SHIFT;

		ret = ept_tree_map(t, gpa + off, hpa + off, PAGE_SHIFT, EPT_RWX, gpa + off);
		if (ret < 0)
			return ret;
	}
	return 0;
}

bool ept_tree_lookup(const struct ept_tree *t, u64 gpa, u8 *perm, u32 *shift)
{
	const u64 *e = phys_to_virt(t->root);

	for (u32 s = 39; s >= PAGE_SHIFT; s -= 9) {
		u64 v = READ_ONCE(e[(gpa >> s) & 511]);

		if (!(v & EPT_RWX))
			return false;
		if (s < 39 && is_leaf(v, s)) {
			*perm = v & EPT_RWX;
			*shift = s;
			return true;
		}
		e = phys_to_virt(v & EPT_ADDR_MASK);
	}
	return false;
}

/* Down to the entry that maps gpa: a large page, or the 4 KiB page of the PT below. */
bool ept_tree_mapped(const struct ept_tree *t, u64 gpa)
{
	u8 perm;
	u32 shift;

	return ept_tree_lookup(t, gpa, &perm, &shift);
}

static u64 zap_range(u64 table, u32 shift, u64 base, u64 gpa, u64 end)
{
	u64 *e = phys_to_virt(table), n = 0, size = BIT(shift);

	for (u32 i = 0; i < 512; i++) {
		u64 lo = base + i * size, v = e[i];

		if (lo >= end || lo + size <= gpa || !(v & EPT_RWX))
			continue;
		if (shift < 39 && is_leaf(v, shift)) {
			WRITE_ONCE(e[i], 0);
			n++;
		} else {
			n += zap_range(v & EPT_ADDR_MASK, shift - 9, lo, gpa, end);
		}
	}
	return n;
}

u64 ept_tree_zap_range(struct ept_tree *t, u64 gpa, u64 size)
{
	/* Only the entries on the way to the range are visited: the cost grows with the range. */
	return zap_range(t->root, 39, 0, gpa, gpa + size);
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

u64 ept_tree_frames(const struct ept_tree *t)
{
	u64 n = t->nr_tables;

	for (const struct ept_pages *p = t->pages; p; p = p->next)
		n++;
	return n;
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
