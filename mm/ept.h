/* SPDX-License-Identifier: GPL-2.0 */
/* Extended page tables: a VM's guest-physical to host-physical map (SDM Vol. 3C, 30.3). */
#ifndef KESTREL_MM_EPT_H
#define KESTREL_MM_EPT_H

#include "lib/types.h"

/* The table pages of a tree, kept in a list so a tree can be freed a batch at a time. */
struct ept_pages {
	struct ept_pages *next;
	u32 nr;
	u64 page[510];
};

/* One tree of EPT paging structures. */
struct ept_tree {
	u64 root; /* host-physical PML4 */
	u64 eptp; /* the VMCS's EPT pointer for it */
	u64 nr_tables;
	struct ept_pages *pages; /* every table page but the root */
};

/* Map guest RAM with 2 MiB pages: set at boot where the CPU has them and ept=4k is not given. */
extern bool ept_large_pages;

/* An empty tree (just a root). Returns 0 or -ENOMEM. */
int ept_tree_init(struct ept_tree *t);
/* Maps the 2 MiB at gpa to hpa (2 MiB aligned), read/write/execute, write-back. */
int ept_tree_map_2m(struct ept_tree *t, u64 gpa, u64 hpa);
/* Whether gpa's 2 MiB has a mapping in t. */
bool ept_tree_mapped(const struct ept_tree *t, u64 gpa);
/* The plain way to invalidate a whole tree: visit every entry and clear it. Returns entries. */
u64 ept_tree_zap_walk(struct ept_tree *t);
/* Frees up to *budget of t's table pages (root last); true when nothing is left. */
bool ept_tree_free_some(struct ept_tree *t, u32 *budget);

#endif
