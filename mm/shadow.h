/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow paging for CPUs without EPT: guest-virtual to host-physical tables built from the
 * guest's own page tables and the VM's memory, kept in step with them by write-protecting the
 * guest's tables, and invalidated all at once in O(1) by a generation number (KVM's "fast
 * invalidate all pages", 2013, docs/design.md "Sources"). Pure logic: the VMX side calls it
 * from the CR3-load, INVLPG and #PF exits.
 */
#ifndef KESTREL_MM_SHADOW_H
#define KESTREL_MM_SHADOW_H

#include "lib/spinlock.h"
#include "mm/guest_walk.h"

/*
 * The guest's paging as the shadow sees it. Shadows of a guest without long mode (paging off,
 * 32-bit, PAE) are PAE tables (a root of 4 PDPTEs below 4 GiB), the others 4-level tables; so
 * the CPU runs the guest with CR4.PAE=1, CR0.WP=1 and EFER.NXE=1 whatever the guest set.
 */
enum shadow_mode {
	SHADOW_MODE_OFF, /* CR0.PG=0: an identity shadow of the low 4 GiB */
	SHADOW_MODE_32,	 /* 32-bit paging: 4-byte entries, 4-MiB pages with CR4.PSE */
	SHADOW_MODE_PAE,
	SHADOW_MODE_4LEVEL,
};

/*
 * What a shadow page's entries depend on besides its guest table: pages are shared only between
 * uses with the same role. The rights (rw, us, xd) are those the guest's entries above the
 * table grant together: shadow leaves carry the combined rights, upper shadow entries grant all.
 */
union shadow_role {
	u32 word;
	struct {
		u32 level : 3;	  /* 1 (page table) to 4 */
		u32 mode : 2;	  /* enum shadow_mode: the format of the guest's entries */
		u32 direct : 1;	  /* maps guest-physical pages: paging off, or a large guest page */
		u32 pae_root : 1; /* the 4 PDPTEs of a PAE-format root: shadows no guest table */
		u32 quadrant : 2; /* 32-bit: which 1 GiB of a guest PD, which 2 MiB of a guest PT */
		u32 rw : 1;
		u32 us : 1;
		u32 xd : 1;
		u32 wp : 1; /* CR0.WP */
		/* CR0.WP=0 makes supervisor writes to read-only pages need U=0 leaves (below). */
		u32 smep_andnot_wp : 1;
		u32 smap_andnot_wp : 1;
		u32 nxe : 1;
		u32 pse : 1; /* CR4.PSE, 32-bit paging: whether PDE.PS is a 4-MiB page */
		/* Direct pages of a large guest page: its PWT, PCD, PAT and G, copied to leaves, */
		u32 attr : 4;
		u32 clean : 1; /* ... and whether its D bit is clear (leaves not writable) */
	};
};

/* Per-entry links of a shadow page: the guest frame's reverse map, or the child's parents. */
struct shadow_link {
	u32 prev, next; /* entry references (page index << 9 | entry), 0 for none */
	u32 aux;	/* leaf: the gfn it maps; upper level: the child page's index */
};

struct shadow_page {
	u64 gfn; /* the guest table it shadows; direct: the first guest frame it maps */
	union shadow_role role;
	u64 generation; /* the generation it was made in; obsolete once the VM's moves on */
	u64 hpa;	/* the table the CPU walks */
	struct shadow_link *links; /* 512 */
	u32 hash_prev, hash_next;  /* page indexes, 0 for none */
	u32 older, newer;	   /* the VM's list of pages in the order they were made */
	u32 parents;		   /* first upper-level entry that points here */
	u32 root_count;		   /* vCPUs that have it loaded as their root */
	u32 nr_present;
	u32 write_flood; /* emulated writes to its table since a fault last walked through it */
	/* PAE roots only: the CR3 and the PDPTEs it was built from (MOV to CR3 loaded them). */
	u64 pae_cr3;
	u64 pdptes[4];
};

/* What the MMU needs from the VM. */
struct shadow_ops {
	/* The host frame behind gfn and whether the VM may write it; false: not RAM. */
	bool (*gfn_to_hpa)(void *ctx, u64 gfn, u64 *hpa, bool *writable);
	/*
	 * Every vCPU must call shadow_vcpu_load before its next entry (running ones are made to
	 * exit), and one that is not running must call it or shadow_vcpu_unload soon: obsolete
	 * pages are freed only when no vCPU holds an obsolete root. Called with the MMU lock held.
	 */
	void (*reload_all)(void *ctx);
	/*
	 * Shadow entries some vCPU may have cached were taken away or made read-only: returns
	 * once every vCPU has flushed its TLB or will before its next entry (a remote TLB flush).
	 */
	void (*flush_all)(void *ctx);
};

struct shadow_stats {
	u64 faults, fixed, injected, emulated;
	u64 pages_made, obsolete_zapped, valid_zapped;
	u64 write_protected; /* leaf entries made read-only because their frame became a table */
	u64 flushes, invalidations, reloads, root_reuses;
	u64 walks; /* invalidations by shadow_zap_all_walk (make bench's comparison) */
	u64 flooded; /* frames no longer shadowed after SHADOW_WRITE_FLOOD writes (see below) */
	u64 ops; /* entries and pages touched: the work the tests count */
};

struct shadow_mmu {
	struct spinlock lock;
	const struct guest_mem *gm;
	const struct shadow_ops *ops;
	void *ctx;
	u8 maxphyaddr;
	u64 generation;
	u32 max_pages;	  /* the VM's limit, obsolete pages included */
	struct shadow_page *pages; /* [max_pages + 1]; index 0 means none */
	u32 free_slot;	  /* the first unused page struct (chained through .newer) */
	u32 *hash;	  /* by gfn: first page */
	u32 hash_mask;
	u32 newest, oldest;
	u32 *rmap;	  /* by gfn: first leaf entry that maps it */
	u64 nr_gfns;
	u32 nr_valid, nr_obsolete;
	u32 nr_roots_loaded; /* vCPUs with a root */
	u32 nr_stale_roots;  /* ... of which obsolete: nothing obsolete is freed while not 0 */
	struct shadow_stats stats;
	u64 last_locked_ticks; /* TSC ticks the last invalidation (either way) held the lock */
};

/* A vCPU's paging state: the guest's CR0, CR3, CR4 and EFER, and the root it runs on. */
struct shadow_vcpu {
	struct guest_walk_cpu cpu; /* cpu.pdptes points at pdptes in PAE mode */
	u64 pdptes[4];
	u32 root;     /* page index, 0 for none */
	u64 root_hpa; /* what the VMCS's guest CR3 holds */
};

/* Set aside for the error code passed to shadow_fault: CR4.SMAP applies (CPL<3 and AC=0). */
#define SHADOW_PF_SMAP BIT(31)

enum shadow_fault_kind {
	SHADOW_FIXED,	  /* the shadow allows the access now: re-enter */
	SHADOW_INJECT,	  /* the guest's tables forbid it: inject #PF with res->pf */
	SHADOW_EMULATE,	  /* a write the shadow cannot let through (a guest page table at
			     res->gpa, or CR0.WP=0 with SMAP): emulate it, then, for a table,
			     call shadow_guest_pte_written */
	SHADOW_MMIO,	  /* res->gpa is not RAM: emulate the access there */
	SHADOW_READ_ONLY, /* a write to read-only memory at res->gpa */
	SHADOW_RETRY,	  /* nothing to do now: re-enter (after shadow_vcpu_load) and let it fault */
	SHADOW_BAD_TABLE, /* a paging structure outside RAM (res->gpa): the guest is stopped */
	SHADOW_GP,	  /* a non-canonical address: #GP, not #PF */
};

struct shadow_fault_result {
	enum shadow_fault_kind kind;
	struct guest_walk_fault pf;
	u64 gpa;
};

/* shadow_vcpu_load: the vCPU now runs on another root (write root_hpa, flush its TLB). */
#define SHADOW_ROOT_NEW 1

/*
 * Sets up m for a VM with RAM gm and at most max_pages shadow pages (each a table frame and
 * 6 KiB of links). maxphyaddr is the guest's (0: 52). Returns 0, -ENOMEM or -EINVAL.
 */
int shadow_init(struct shadow_mmu *m, const struct guest_mem *gm, const struct shadow_ops *ops,
		void *ctx, u32 max_pages, u8 maxphyaddr);
/* Frees every page: the VM is gone, no vCPU runs on any of them. */
void shadow_destroy(struct shadow_mmu *m);

/*
 * Before a vCPU's entry and after its CR0, CR3, CR4 or EFER changed (fields of v->cpu): loads
 * the root for its paging, reusing one of the current generation made for the same CR3 and
 * role. Returns 0 (same root), SHADOW_ROOT_NEW, -EAGAIN (no room while obsolete pages wait for
 * other vCPUs: yield and call again), -ENOMEM or -ENOTSUP (5-level paging).
 */
int shadow_vcpu_load(struct shadow_mmu *m, struct shadow_vcpu *v);
/* The vCPU gives its root up (descheduled, halted, destroyed): obsolete pages can go. */
void shadow_vcpu_unload(struct shadow_mmu *m, struct shadow_vcpu *v);
/*
 * MOV to CR3 (or to CR0/CR4 entering PAE paging, with cr3 unchanged): in PAE mode the PDPTEs are
 * read from guest memory, as the CPU does; then the root is loaded. Returns what
 * shadow_vcpu_load returns, or -EINVAL (a PDPTE with reserved bits: inject #GP, CR3 unchanged)
 * or -EFAULT (the PDPTEs are not in RAM).
 */
int shadow_new_cr3(struct shadow_mmu *m, struct shadow_vcpu *v, u64 cr3);

/*
 * A #PF exit at gva with the CPU's error code (plus SHADOW_PF_SMAP). Walks the guest's tables,
 * setting their A bits and, for a write, the D bit as the CPU would, and either installs the
 * shadow entries or says what to do instead. Bounded work whatever the guest's tables hold.
 */
void shadow_fault(struct shadow_mmu *m, struct shadow_vcpu *v, u64 gva, u32 error_code,
		  struct shadow_fault_result *res);
/*
 * The guest wrote len bytes of its memory at gpa (emulated): drops what was built from them.
 * A table written SHADOW_WRITE_FLOOD times with no fault walking through it in between is
 * taken to be used as data, or rewritten in bulk, now: its pages are zapped (but loaded roots),
 * so the guest's further writes to it go through without an exit; it is shadowed again (and
 * write-protected) when a walk next goes through it. KVM's "write flooding" does the same.
 */
#define SHADOW_WRITE_FLOOD 3
void shadow_guest_pte_written(struct shadow_mmu *m, u64 gpa, u64 len);
/*
 * The guest writes its table at gfn with an instruction the caller cannot emulate (a string
 * store clearing a page it reuses as data): every valid page shadowing it that is no loaded
 * root is zapped, so the write goes through after its next fault (KVM's "unprotect and
 * retry"). Returns whether the frame is no table of the shadow any more.
 */
bool shadow_unprotect(struct shadow_mmu *m, u64 gfn);
/* INVLPG gva: drops the vCPU's leaf for it; the caller flushes gva from the CPU's TLB. */
void shadow_invlpg(struct shadow_mmu *m, struct shadow_vcpu *v, u64 gva);

/*
 * Makes every shadow page obsolete: a generation bump and reload_all, O(1) whatever the VM's
 * size. No obsolete page is used for a new root or a new link again.
 */
void shadow_invalidate_all(struct shadow_mmu *m);
/*
 * The one-by-one way, for make bench to measure against the bump (the debug hypercall alone
 * calls it): every entry of every valid page dropped and every page that is no loaded root
 * freed, all under the lock; O(pages) whatever the VM does meanwhile.
 */
void shadow_zap_all_walk(struct shadow_mmu *m);
/*
 * Frees up to batch obsolete pages, oldest first, under the lock once. Returns how many, or
 * -EBUSY while a vCPU still holds an obsolete root. Call again (lock dropped meanwhile) until 0.
 */
int shadow_zap_obsolete(struct shadow_mmu *m, u32 batch);

/* The page behind an index (for the VMX side's statistics and the tests). */
static inline struct shadow_page *shadow_page(struct shadow_mmu *m, u32 i)
{
	return &m->pages[i];
}

#endif
