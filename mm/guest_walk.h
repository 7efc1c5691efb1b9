/* SPDX-License-Identifier: GPL-2.0 */
/* Walks a guest's own page tables: guest-virtual (linear) to guest-physical, or the #PF. */
#ifndef KESTREL_MM_GUEST_WALK_H
#define KESTREL_MM_GUEST_WALK_H

#include "lib/types.h"
#include "mm/guest_mem.h"

/* Page-fault error code, SDM Vol. 3A, 5.7, figure 5-12. */
#define PF_ERR_PRESENT BIT(0) /* 0: not present; 1: protection or reserved-bit violation */
#define PF_ERR_WRITE BIT(1)
#define PF_ERR_USER BIT(2)
#define PF_ERR_RSVD BIT(3)
#define PF_ERR_FETCH BIT(4)

/* The access to check, an OR of these; 0 is a supervisor-mode data read. */
#define GUEST_WALK_WRITE PF_ERR_WRITE
#define GUEST_WALK_USER PF_ERR_USER /* as if at CPL 3 */
#define GUEST_WALK_FETCH PF_ERR_FETCH
/*
 * Apply CR4.SMAP to a supervisor data access, as for an implicit access or an explicit one with
 * EFLAGS.AC=0 (SDM Vol. 3A, 5.6): the caller knows CPL and AC, the error code does not say.
 * Without it the walk ignores SMAP (the hypervisor's own reads of guest buffers).
 */
#define GUEST_WALK_SMAP BIT(31)

/* guest_walk_translate/read returned a page fault, described in *pf. */
#define GUEST_WALK_PF 1

/* The guest state that selects and controls paging (the VMCS guest fields). */
struct guest_walk_cpu {
	u64 cr0, cr3, cr4;
	u64 efer; /* IA32_EFER: LMA selects 4/5-level paging, NXE enables the XD bit */
	/*
	 * PAE paging only: the 4 PDPTEs the CPU loaded (VMCS GUEST_PDPTE0-3, SDM Vol. 3C,
	 * 26.4.2), or NULL to read them from guest memory at CR3[31:5] as MOV to CR3 would.
	 */
	const u64 *pdptes;
	u8 maxphyaddr; /* the guest's CPUID.80000008H:EAX[7:0]; 0 means 52 */
};

/* Where the walk found each entry, for a walker that sets A/D or write-protects the tables. */
#define GUEST_WALK_IN_REGISTER (~0ULL) /* a PAE PDPTE: loaded by MOV to CR3, not read now */

struct guest_walk_path {
	u8 top;		/* the level the walk started at: 2 (32-bit), 3 (PAE), 4 or 5 */
	u8 leaf;	/* the level of the entry that mapped the page: 1, or 2/3 for a large page */
	u8 entry_size;	/* 4 (32-bit paging) or 8 */
	bool rw, us, xd; /* the rights the entries give together, before CR0.WP, SMEP and SMAP */
	u64 gpa[6];	/* indexed by level: where the entry lies in guest memory */
	u64 entry[6];	/* indexed by level: its value as read */
	u64 page, page_size; /* guest-physical base and size of the page found */
};

/* Where to inject #PF: CR2 and the error code. */
struct guest_walk_fault {
	u64 addr;
	u32 error_code;
};

/*
 * Translates linear address la for the access (GUEST_WALK_*) the way the guest's MMU would,
 * checking present bits, reserved bits, R/W with CR0.WP, U/S, XD with EFER.NXE and CR4.SMEP.
 * Accessed and dirty bits are never set: the walk is for the hypervisor's own reads (the
 * instruction bytes of an MMIO access, buffers a hypercall names) and must not change the
 * guest's tables. CR4.SMAP only with GUEST_WALK_SMAP. Not modelled: protection keys, the TLB,
 * CPUID limits (1-GiB pages and PSE-36 are taken as supported).
 * Returns 0 with *gpa set (the page itself may lie outside RAM: MMIO), GUEST_WALK_PF with *pf
 * set, -EFAULT when a paging-structure entry lies outside guest RAM, or -EINVAL for a
 * non-canonical address in 4/5-level paging (the CPU raises #GP, not #PF, there).
 */
int guest_walk_translate(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
			 u32 access, u64 *gpa, struct guest_walk_fault *pf);

/*
 * The same walk, also saying where each entry lies and what it held (*path, filled as far as
 * the walk went). With paging off, path->top is 0 and path->page the 4-KiB page of la.
 */
int guest_walk_trace(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
		     u32 access, u64 *gpa, struct guest_walk_path *path,
		     struct guest_walk_fault *pf);

/*
 * Copies len bytes at linear address la into dst, translating each page on the way.
 * Same returns as guest_walk_translate; -EFAULT also when a page is not RAM. On GUEST_WALK_PF,
 * pf->addr is la or the first byte of the page that faulted; dst may be partly written.
 */
int guest_walk_read(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
		    u32 access, void *dst, u64 len, struct guest_walk_fault *pf);

#endif
