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
#include "lib/cpuset.h"
#include "lib/spinlock.h"
#include "mm/guest_mem.h"
#include "mm/regions.h"

#define EPT_GEN_MAX_OBSOLETE 8
#define EPT_GEN_FREE_BATCH 16 /* table pages freed per step, the lock dropped between steps */

/*
 * A pCPU that entered a guest with a tree's EPTP may keep guest-physical and combined mappings
 * and paging-structure entries tagged with that EPTP's bits 51:12 (the EP4TA) after the VM
 * exits, after VMCLEAR and after every vCPU of the VM has left it; only INVEPT drops them (SDM
 * Vol. 3C, 30.4.1 "Information That May Be Cached" and 30.4.3.1 "Operations that Invalidate
 * Cached Mappings"). So each tree records the pCPUs that may hold such entries (`cached`), and
 * an obsolete tree is freed only when no vCPU can load it again and each of those pCPUs has
 * done an INVEPT for it since: its root frame, handed out again as any VM's root, then tags
 * nothing anywhere.
 */
struct ept_obsolete {
	struct ept_tree tree;
	u64 generation; /* the generation it served: unloadable once every vCPU is past it */
	struct cpuset cached; /* pCPUs that entered with it and have not flushed it since */
};

struct vm_ept {
	struct spinlock lock;
	volatile u64 generation;
	/*
	 * Counts every change that can leave a vCPU's cached translations wrong (an invalidation
	 * of any kind, a range zapped), bumped in the change's critical section: a vCPU that loaded
	 * the current root after reading seq s sees every change up to s.
	 */
	volatile u64 seq;
	struct regions regions; /* what each guest-physical address is: under lock */
	struct ept_tree cur;
	struct cpuset cur_cached; /* pCPUs that entered with the current tree */
	u64 min_loaded; /* the oldest generation a vCPU may still load (highest seen) */
	u32 nr_obsolete;
	/* One more than invalidations may fill: the last tree of a stopped VM (ept_gen_retire). */
	struct ept_obsolete obsolete[EPT_GEN_MAX_OBSOLETE + 1];
	bool retired; /* the VM stopped: no tree is current, every one is freed as it may be */
	/* Statistics. */
	u64 invalidations, walks, faults, tables_freed;
	u64 range_zaps, limit_hits;
	u64 maps[3]; /* leaves mapped on demand: 4 KiB, 2 MiB, 1 GiB */
	u64 cpu_flushes; /* INVEPTs pCPUs did when asked, for trees no vCPU uses any more */
	u64 max_tables; /* the bound of one tree (ept_gen_table_limit) */
	u64 chunks_returned, chunks_taken; /* host chunks given back, fresh ones taken back */
	u64 last_locked_ticks; /* TSC ticks the last invalidation (either way) held the lock */
};

/*
 * Host chunks a change moves between the VM and the host. Giving back: a chunk no RAM region's
 * backing reaches any more (and that pinned() does not hold: Kestrel writes into it through a
 * host pointer) leaves the VM (its guest_mem entry 0) and is listed in hpa[] for the caller,
 * who hands it to the allocator only once no vCPU can reach it (hv/vm_mem.c). Taking back: a
 * hole whose chunk left gets a fresh one from alloc() (0: none), marked stale, so that it is
 * zeroed on first use.
 */
struct ept_gen_chunks {
	u64 *hpa;
	u32 max, nr; /* room in hpa[] (none: nothing leaves), chunks listed */
	bool (*pinned)(void *ctx, u64 hpa);
	void *ctx;
	u64 (*alloc)(void);
	/*
	 * Fresh chunks the VM took (listed in hpa[] too). A failed restore takes none: the fresh
	 * chunks it had listed stay listed, out of the VM, for the caller to free as given back.
	 */
	u32 taken;
};

/*
 * How many table pages one tree of a VM with ram_size bytes of RAM may have: what mapping all
 * of it with 4 KiB pages takes, plus the tables a region boundary or a moved region can add
 * (3 each). A tree that reaches it is replaced by an empty one (an invalidation by generation).
 */
u64 ept_gen_table_limit(u64 ram_size);
/*
 * An empty tree (nothing mapped: RAM faults in on demand) and the regions: RAM from 0 to
 * gm->size, read/write/execute.
 */
int ept_gen_init(struct vm_ept *e, const struct guest_mem *gm);

/* What an EPT violation at a guest-physical address is. */
enum ept_fault {
	EPT_FAULT_MAPPED,   /* RAM: mapped now (or by another vCPU), resume */
	EPT_FAULT_RETRY,    /* the regions changed meanwhile, or no memory for tables: resume */
	EPT_FAULT_FULL,     /* the tree reached max_tables: the caller invalidates, then resume */
	EPT_FAULT_MMIO,     /* a claimed MMIO range: *out is its region */
	EPT_FAULT_DENIED,   /* RAM whose rights refuse this access: *out is its region */
	EPT_FAULT_UNBACKED, /* no region: nothing is there */
};
/*
 * An EPT violation at gpa by an access of rights access (REGION_R, W or X): maps RAM with the
 * largest page the region and the backing allow (1 GiB where a region covers the aligned GiB,
 * its backing is one aligned run of host memory and every chunk is ready; 2 MiB likewise; 4 KiB
 * where a region boundary or a change of rights falls inside), never what no region covers.
 */
enum ept_fault ept_gen_fault(struct vm_ept *e, const struct guest_mem *gm, u64 gpa, u8 access,
			     struct region *out);

/*
 * Changes of the regions while the VM runs, each with the invalidation it needs done in the
 * same critical section (by generation when regions_* says REGION_ZAP_ALL, else the range's
 * leaves zapped). They return < 0 (nothing changed), or the REGION_ZAP_* done: when it is not
 * REGION_ZAP_NONE the caller makes every vCPU reload (VCPU_REQ_EPT_RELOAD) before it may rely
 * on the change (hv/vm.c vm_mem_changed).
 */
int ept_gen_claim_mmio(struct vm_ept *e, u64 start, u64 size, region_mmio_fn fn, void *opaque,
		       const char *name);
int ept_gen_remove(struct vm_ept *e, u64 start);
int ept_gen_move(struct vm_ept *e, u64 from, u64 to);
/* RAM in [gpa, gpa+size) gets rights perm (0: taken out of the map). As regions_protect. */
int ept_gen_protect(struct vm_ept *e, u64 gpa, u64 size, u8 perm);
/*
 * RAM in [gpa, gpa+size) taken out of the map (as ept_gen_protect with perm 0), and the host
 * chunks it no longer needs taken from the VM into ch (may be NULL: the VM keeps them).
 */
int ept_gen_give_back(struct vm_ept *e, struct guest_mem *gm, u64 gpa, u64 size,
		      struct ept_gen_chunks *ch);
/*
 * RAM in [gpa, gpa+size) back with rights perm; what had been taken out reads zero. A chunk
 * given back to the host is replaced by ch->alloc(), listed in ch->hpa (-ENOMEM when it fails,
 * there is no room to list it or ch is NULL; then nothing changed).
 */
int ept_gen_restore(struct vm_ept *e, struct guest_mem *gm, u64 gpa, u64 size, u8 perm,
		    struct ept_gen_chunks *ch);
/*
 * Invalidates every mapping: O(1) (one zeroed page and a counter). Returns 0 or -EBUSY when too
 * many obsolete trees still wait to be freed. The caller then asks every vCPU to reload.
 */
int ept_gen_invalidate(struct vm_ept *e);
/*
 * The VM stopped for good: the current tree becomes obsolete too and no vCPU may load any tree
 * again, so ept_gen_reclaim frees every tree once each pCPU that entered with it has flushed it.
 * @pre no vCPU of the VM runs or will run
 */
void ept_gen_retire(struct vm_ept *e);
/*
 * What is at gpa now: true and its region in *out, or false and the hole around it in *out
 * (start gpa, size up to the next region, kind 0).
 */
bool ept_gen_region_at(struct vm_ept *e, u64 gpa, struct region *out);
/* Host frames of every tree (mm/ept.c ept_tree_frames), current and waiting to be freed. */
u64 ept_gen_tables(struct vm_ept *e);
/* The plain way, for comparison: clears every entry of the current tree in place. */
u64 ept_gen_zap_walk(struct vm_ept *e);
/* The current generation and EPTP, read together. */
void ept_gen_current(struct vm_ept *e, u64 *generation, u64 *eptp);
/*
 * Before a guest entry on pCPU cpu with eptp (the current tree's or an obsolete one's that a
 * vCPU still uses): records that cpu may cache its translations from now on.
 */
void ept_gen_loaded(struct vm_ept *e, u64 eptp, u32 cpu);
/*
 * Frees up to one batch of the oldest obsolete tree once no vCPU can load it (its generation
 * is below min_loaded, the oldest generation any vCPU may still use) and no pCPU may cache
 * it. Adds to *ask the pCPUs that must still flush a tree no vCPU can load (the caller asks
 * them to call ept_gen_flush_cpu). Returns the number of pages freed.
 */
u32 ept_gen_reclaim(struct vm_ept *e, u64 min_loaded, struct cpuset *ask);
/*
 * On pCPU cpu: calls flush(eptp) for every obsolete tree no vCPU can load that cpu may cache,
 * and records that cpu caches it no more. Returns how many it flushed.
 */
u32 ept_gen_flush_cpu(struct vm_ept *e, u32 cpu, void (*flush)(u64 eptp));

#endif
