/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's second-level page tables with generation-number invalidation (KVM's "fast invalidate
 * all pages", 2013, docs/design.md "Sources"): invalidating every mapping is a new empty root
 * and a generation bump, O(1) whatever the VM's size; vCPUs load the new root before their
 * next entry, RAM faults back in on demand, and the obsolete trees are freed afterwards in
 * small batches.
 */
#ifndef KESTREL_MM_EPT_GEN_H
#define KESTREL_MM_EPT_GEN_H

#include "mm/ept.h"
#include "lib/spinlock.h"
#include "mm/guest_mem.h"

#define EPT_GEN_MAX_OBSOLETE 8
#define EPT_GEN_FREE_BATCH 16 /* table pages freed per step, the lock dropped between steps */

struct ept_obsolete {
	struct ept_tree tree;
	u64 generation; /* the generation it served: freeable once every vCPU is past it */
};

struct vm_ept {
	struct spinlock lock;
	volatile u64 generation;
	struct ept_tree cur;
	u32 nr_obsolete;
	struct ept_obsolete obsolete[EPT_GEN_MAX_OBSOLETE];
	/* Statistics. */
	u64 invalidations, walks, faults, tables_freed;
	u64 start_tables; /* the current tree's table pages when the VM started */
};

/* The first tree, with all of gm mapped up front (no faults while the guest boots). */
int ept_gen_init(struct vm_ept *e, const struct guest_mem *gm);
/* An EPT violation at gpa: maps its 2 MiB when it is RAM. True when it was RAM. */
bool ept_gen_fault(struct vm_ept *e, const struct guest_mem *gm, u64 gpa);
/*
 * Invalidates every mapping: O(1) (one zeroed page and a counter). Returns 0 or -EBUSY when too
 * many obsolete trees still wait to be freed. The caller then asks every vCPU to reload.
 */
int ept_gen_invalidate(struct vm_ept *e);
/* The plain way, for comparison: clears every entry of the current tree in place. */
u64 ept_gen_zap_walk(struct vm_ept *e);
/* The current generation and EPTP, read together. */
void ept_gen_current(struct vm_ept *e, u64 *generation, u64 *eptp);
/*
 * Frees up to one batch of obsolete tables whose generation is below min_loaded (the oldest
 * generation any vCPU may still use). Returns the number of pages freed.
 */
u32 ept_gen_reclaim(struct vm_ept *e, u64 min_loaded);

#endif
