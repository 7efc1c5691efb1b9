/* SPDX-License-Identifier: GPL-2.0 */
/* Extended page tables: a VM's guest-physical to host-physical map (SDM Vol. 3C, 30.3). */
#ifndef KESTREL_MM_EPT_H
#define KESTREL_MM_EPT_H

#include "lib/types.h"

/* The table pages of a tree, kept in a list so a tree can be freed a batch at a time. */
struct ept_pages {
	struct ept_pages *next;
	u32 nr;
	u64 page[508];
};
/* With the heap's 16-byte header, a list of table pages takes one frame (mm/heap.c). */
_Static_assert(sizeof(struct ept_pages) == 4096 - 16, "an ept_pages is one heap frame");

/* One tree of EPT paging structures. */
struct ept_tree {
	u64 root; /* host-physical PML4 */
	u64 eptp; /* the VMCS's EPT pointer for it */
	u64 nr_tables;
	u64 max_tables; /* a map that needs more fails with -ENOSPC (0: no limit) */
	struct ept_pages *pages; /* every table page but the root */
};

/* Map guest RAM with 2 MiB pages: set at boot where the CPU has them and ept=4k is not given. */
extern bool ept_large_pages;
/* And with 1 GiB pages where the CPU has them too (SDM Vol. 3C, A.10: IA32_VMX_EPT_VPID_CAP). */
extern bool ept_huge_pages;

/* An empty tree (just a root). Returns 0 or -ENOMEM. */
int ept_tree_init(struct ept_tree *t);
/*
 * Maps the 2^shift bytes at gpa (shift 30, 21 or 12; gpa and hpa aligned so) to hpa with the
 * rights perm (EPT_R/W/X bits, R set), write-back. Where a lower table already covers the block,
 * the part around page gpa_fault is mapped with the table's smaller pages instead: a table link
 * is never replaced by a leaf while a CPU may still hold entries from it. Returns the shift
 * used, -ENOMEM, or -ENOSPC when the tree would pass max_tables.
 */
int ept_tree_map(struct ept_tree *t, u64 gpa, u64 hpa, u32 shift, u8 perm, u64 gpa_fault);
/* Maps the 2 MiB at gpa to hpa (2 MiB aligned), read/write/execute, write-back. */
int ept_tree_map_2m(struct ept_tree *t, u64 gpa, u64 hpa);
/* Whether gpa has a mapping in t; its rights and page size in *perm and *shift if so. */
bool ept_tree_lookup(const struct ept_tree *t, u64 gpa, u8 *perm, u32 *shift);
/* Whether gpa's 2 MiB has a mapping in t. */
bool ept_tree_mapped(const struct ept_tree *t, u64 gpa);
/* Clears every leaf that maps any of [gpa, gpa+size); tables stay. Returns the leaves cleared. */
u64 ept_tree_zap_range(struct ept_tree *t, u64 gpa, u64 size);
/* The plain way to invalidate a whole tree: visit every entry and clear it. Returns entries. */
u64 ept_tree_zap_walk(struct ept_tree *t);
/* Host frames the tree holds: its table pages and the frames listing them. */
u64 ept_tree_frames(const struct ept_tree *t);
/* Frees up to *budget of t's table pages (root last); true when nothing is left. */
bool ept_tree_free_some(struct ept_tree *t, u32 *budget);

#endif
