// SPDX-License-Identifier: GPL-2.0
/* Flushing guest translations: INVVPID with the narrowest type the CPU has, and INVEPT. */
#include "arch/x86/msr.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/arch.h"
#include "lib/console.h"
#include "hv/pv_state.h"
#include "pv/flush_ranges.h"

/* INVVPID types, SDM Vol. 3C, 32.3 (INVVPID). */
#define INVVPID_ADDRESS 0
#define INVVPID_SINGLE 1
#define INVVPID_ALL 2
#define INVVPID_SINGLE_KEEP_GLOBAL 3

static void invvpid(u64 type, u16 vpid, u64 addr)
{
	struct {
		u64 vpid, addr;
	} desc = { vpid, addr };
	u8 fail;

	asm volatile("invvpid %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (fail)
		pr_err("INVVPID type %lu failed (VPID %u, address %#lx)", type, vpid, addr);
}

/*
 * Every translation tagged with vpid: single-context where the CPU has it, else all-context.
 * Without VPID there is nothing to do: entries and exits flush VPID 0 (SDM Vol. 3C, 30.4.3.1);
 * VPID is on only with an INVVPID type of these two (tlb_caps.c).
 */
void vmx_flush_vpid(u16 vpid)
{
	if (vmx_caps.vpid && vpid) /* vpid 0: this vCPU got none, VPID is off for it */
		invvpid(vmx_caps.invvpid_single ? INVVPID_SINGLE : INVVPID_ALL, vpid, 0);
}

/*
 * One address at a time for a few ranges (globals included, as the ranges may hold global
 * pages), single-context keeping globals for NONGLOBAL alone, single-context for anything else.
 */
void arch_vcpu_flush_tlb(struct vcpu *v, u32 kind, const struct flush_ranges *fr)
{
	u16 vpid = to_vmx(v)->vpid;

	/*
	 * Shadow page tables: the named pages' shadow leaves go (the next access walks the guest's
	 * tables again), then the CPU's TLB as under EPT: with VPID the translations the guest's
	 * flush names stay cached across VM exits and entries (SDM Vol. 3C, 30.4.3.1, with "enable
	 * VPID" 1 they are not flushed), so they are dropped here, on the vCPU's pCPU; without
	 * VPID the next VM entry flushes them.
	 */
	if (vmx_shadow_on(v) && kind == KESTREL_FLUSH_RANGES && fr && !flush_ranges_prefer_full(fr))
		for (u32 i = 0; i < fr->nr; i++)
			for (u64 p = 0; p < fr->r[i].pages; p++)
				shadow_invlpg(v->vm->shadow, &to_vmx(v)->shadow,
					      fr->r[i].addr + (p << PAGE_SHIFT));
	if (!vmx_caps.vpid || !vpid)
		return; /* every entry flushes: see vmx_flush_vpid() */
	if (kind == KESTREL_FLUSH_RANGES && fr && vmx_caps.invvpid_addr &&
	    !flush_ranges_prefer_full(fr)) {
		for (u32 i = 0; i < fr->nr; i++)
			for (u64 p = 0; p < fr->r[i].pages; p++)
				invvpid(INVVPID_ADDRESS, vpid, fr->r[i].addr + (p << PAGE_SHIFT));
		return;
	}
	if (kind == KESTREL_FLUSH_NONGLOBAL && vmx_caps.invvpid_single_keep_global) {
		invvpid(INVVPID_SINGLE_KEEP_GLOBAL, vpid, 0);
		return;
	}
	vmx_flush_vpid(vpid);
}

/*
 * Shadow paging with VPID (an INVVPID type the CPU lacks falls back to single-context, which
 * VPID is never on without, tlb_caps.c): INVLPG and a #PF the shadow fixed drop one address.
 * Individual-address INVVPID drops the address's translations, global ones included, and the
 * paging-structure-cache entries used for it, as INVLPG would (Vol. 3A, 4.10.4.1; Vol. 3C,
 * 30.4.3.3 and INVVPID in Vol. 3C, 32.3); its address must be canonical (else VMfailValid),
 * which a guest's INVLPG of a non-canonical address, a no-op (Vol. 2A, INVLPG), is not.
 */
void vmx_shadow_flush_gva(struct vmx_vcpu *x, u64 gva)
{
	if (!vmx_caps.vpid || !x->vpid)
		return; /* every VM entry flushes (30.4.3.1) */
	if (!(x->shadow.cpu.efer & EFER_LMA))
		gva = (u32)gva;
	else if ((u64)((s64)(gva << 16) >> 16) != gva)
		return;
	if (vmx_caps.invvpid_addr)
		invvpid(INVVPID_ADDRESS, x->vpid, gva);
	else
		vmx_flush_vpid(x->vpid);
}

/*
 * A guest's MOV to CR3 (the root may be the same one: the guest wants its TLB flushed, its
 * tables being changed): as the CPU would without PCIDs, every translation but the global ones
 * goes, and every paging-structure-cache entry (Vol. 3A, 4.10.4.1, "MOV to CR3"). The CR3 load
 * exits, so the CPU does none of this itself; with VPID off the entry does it all.
 */
void vmx_shadow_flush_cr3(struct vmx_vcpu *x)
{
	if (!vmx_caps.vpid || !x->vpid)
		return;
	if (vmx_caps.invvpid_single_keep_global)
		invvpid(INVVPID_SINGLE_KEEP_GLOBAL, x->vpid, 0);
	else
		vmx_flush_vpid(x->vpid);
}

void vmx_invept(u64 eptp)
{
	/* INVEPT descriptor: EPTP, then 64 reserved bits, 32.3 (INVEPT). Type 1 single, 2 all. */
	struct {
		u64 eptp, zero;
	} desc = { eptp, 0 };
	u64 type = vmx_caps.invept_single ? 1 : 2; /* EPT is on only with one of them */
	u8 fail;

	asm volatile("invept %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (fail)
		pr_err("INVEPT type %lu failed for EPTP %#lx", type, eptp);
}

void arch_flush_ept(u64 eptp)
{
	if (vmx_caps.ept) /* INVEPT is #UD where EPT is not (tlb_caps.c) */
		vmx_invept(eptp);
}
