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
 * guest's tables. Not modelled: CR4.SMAP, protection keys, the TLB, CPUID limits (1-GiB
 * pages and PSE-36 are taken as supported).
 * Returns 0 with *gpa set (the page itself may lie outside RAM: MMIO), GUEST_WALK_PF with *pf
 * set, -EFAULT when a paging-structure entry lies outside guest RAM, or -EINVAL for a
 * non-canonical address in 4/5-level paging (the CPU raises #GP, not #PF, there).
 */
int guest_walk_translate(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
			 u32 access, u64 *gpa, struct guest_walk_fault *pf);

/*
 * Copies len bytes at linear address la into dst, translating each page on the way.
 * Same returns as guest_walk_translate; -EFAULT also when a page is not RAM. On GUEST_WALK_PF,
 * pf->addr is la or the first byte of the page that faulted; dst may be partly written.
 */
int guest_walk_read(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
		    u32 access, void *dst, u64 len, struct guest_walk_fault *pf);

#endif
