/* SPDX-License-Identifier: GPL-2.0 */
/* APIC virtualization: x2APIC accesses and interrupts without VM exits (SDM Vol. 3C, ch. 30). */
#ifndef KESTREL_ARCH_X86_VMX_APICV_H
#define KESTREL_ARCH_X86_VMX_APICV_H

#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/dev/vlapic_page.h"

struct vmx_caps;

/* Whether the controls APICv needs are all there (vmx_probe); c->no_apicv names the first not. */
void apicv_probe(struct vmx_caps *c);
/* The MSR bitmap of vCPUs with APICv on, shared by all; 0 or -ENOMEM. Call once on the BSP. */
int apicv_bitmap_init(void);
/* The VMCS fields of a vCPU's first load (APICv itself starts off). */
void apicv_setup_vmcs(struct vmx_vcpu *x);
/* The slow paths of the two below: APICv switched, or the page written whole / read whole. */
void apicv_prepare(struct vmx_vcpu *x);
void apicv_pull(struct vmx_vcpu *x);

/* Turns APICv on or off for the vLAPIC's mode and the VM's apicv= word (apicv_before_events). */
void apicv_update_mode(struct vmx_vcpu *x);
/*
 * Before the entry's events are chosen: APICv on or off, looked at again only when the
 * vLAPIC's registers may have changed (the mode changes in an APIC WRMSR exit, INIT or a
 * reset), so that inject_events knows which way a vLAPIC vector goes.
 */
static inline void apicv_before_events(struct vmx_vcpu *x)
{
	if (x->apicv_regs_stale)
		apicv_update_mode(x);
}

/*
 * Before each entry, after inject_events chose x->apicv_offer: with APICv on, writes the
 * vLAPIC's ISR, TPR and PPR and the offered vector to the virtual-APIC page, RVI and SVI and
 * the EOI-exit bitmap to the VMCS (vlapic_page.h says why one vector at a time). From the entry
 * to the next exit the page is the truth. Inline for the common case: nothing offered and
 * nothing in service, in the vLAPIC and in the page alike, with RVI and SVI 0 in the VMCS
 * already: then only TPR is written (and PPR, which is TPR with nothing in service), and it says
 * true: the page needs no writing until the guest's TPR changes, which the processor does.
 */
static inline bool apicv_before_entry(struct vmx_vcpu *x)
{
	const struct vlapic *l = &x->vcpu.lapic;

	if (!x->apicv_on)
		return true;
	if (!x->apicv_regs_stale && x->apicv_page_clear && x->apicv_offer < 0 && !l->isr_words) {
		x->apic_page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] = l->tpr;
		x->apic_page[VLAPIC_PAGE_WORD(VLAPIC_REG_PPR)] = l->tpr;
		return true;
	}
	/*
	 * The page as the last exit left it, pulled then, with nothing requested since and TPR
	 * unchanged (a CR8 write exits and changes it: vm-apicv): an exit in an interrupt
	 * handler, its vector still in service. Its IRR, ISR, TPR and PPR, RVI 0 and SVI in the
	 * VMCS are what apicv_prepare would write. The EOI-exit bitmap may hold more than it
	 * would (the vectors in service, for requests pending at the last prepare): each such
	 * EOI exits once for nothing.
	 */
	if (x->apicv_in_sync && x->apicv_offer < 0 && vlapic_irr_empty(l) &&
	    !x->apicv_regs_stale && x->apic_page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] == l->tpr)
		return false;
	apicv_prepare(x);
	return false;
}

/*
 * After each exit, before its handler: the page's IRR, ISR and TPR back to the vLAPIC
 * (vlapic_page_pull, merged with the requests never offered). RVI and SVI both 0 mean VIRR and
 * VISR hold nothing (vlapic_page_pull_empty): the offered vector was taken and retired.
 */
static inline void apicv_after_exit(struct vmx_vcpu *x)
{
	struct vlapic *l = &x->vcpu.lapic;
	u16 status;

	if (!x->apicv_on)
		return;
	/*
	 * Entered with RVI and SVI 0 and the page's IRR and ISR empty: the processor sets VIRR
	 * and RVI only at a posted interrupt (the page is never clear with them on:
	 * prepare_posted), and EOI and TPR virtualization leave RVI and SVI 0 then
	 * (30.1.2-30.1.4), so only TPR may have changed: no VMREAD.
	 */
	if (x->apicv_page_clear && x->apicv_pushed < 0) {
		l->tpr = x->apic_page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] & 0xff;
		return;
	}
	status = vmcs_read16(GUEST_INTR_STATUS);
	/* With posted interrupts the page holds every request: pulled whole (prepare_posted). */
	if (status || x->posted_on) {
		apicv_pull(x);
		/* RVI 0: the page's IRR is empty, and its ISR and TPR are the vLAPIC's now. */
		x->apicv_in_sync = !(status & 0xff);
		return;
	}
	x->apicv_in_sync = false;
	if (x->apicv_pushed >= 0 || l->isr_words)
		vlapic_page_pull_empty(l, x->apic_page, x->apicv_pushed);
	else
		l->tpr = x->apic_page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] & 0xff;
	x->apicv_pushed = -1;
	x->apicv_page_clear = true; /* RVI and SVI are 0 in the VMCS too */
	x->apicv_page_words = 0;
}

/*
 * The IDT-vectoring information of an exit that interrupted the delivery of a virtual interrupt
 * (an EPT violation on the IDT or the stack) names that interrupt, as an external interrupt of
 * its vector (SDM Vol. 3C, 29.2.4 and 30.2.2). Bochs 2.7 records there the last event it
 * delivered the other way instead (its virtual-interrupt delivery skips the step that records
 * it): external interrupt 0 before any (vm-ept-invalidate-4k: #DE in the guest), or an
 * exception the guest took and handled long before (vm-hostile-fuzz-mem-apicv: a #GP(0) at the
 * CLI after STI; HLT). Both are recognised, whatever the CPU, by what no other event leaves:
 * - an external interrupt below 16, which no APIC sends: the one being delivered is the highest
 *   in service, SVI;
 * - the vector offered at the entry (offered: what inject_events chose then) now in service
 *   (SVI), with the guest's RIP and RSP as they were at that entry: its delivery began and its
 *   handler never ran (one that had run and returned without an EOI, to fault at the same RIP
 *   and RSP, would be taken for it: that guest gets its interrupt again, and the faulting
 *   instruction, run again, faults again).
 * Kestrel injects nothing at an entry that offers a vector, so no other event was under way.
 */
static inline u32 apicv_vectoring_info(const struct vmx_vcpu *x, u32 info, s16 offered)
{
	u32 type = info & (7u << 8), vector = info & 0xff, svi;

	if (!x->apicv_on)
		return info;
	/* The common case, no VMREAD: a vector an APIC sends, and nothing else it could be. */
	if (type == INTR_TYPE_EXTERNAL && vector >= 16 && (offered < 0 || vector == (u32)offered))
		return info;
	svi = vmcs_read16(GUEST_INTR_STATUS) >> 8;
	if (type == INTR_TYPE_EXTERNAL && vector < 16)
		return (info & ~0xffu) | svi;
	if (offered >= 0 && svi == (u32)offered && vmcs_readl(GUEST_RIP) == x->apicv_offer_rip &&
	    vmcs_readl(GUEST_RSP) == x->apicv_offer_rsp)
		return INTR_INFO_VALID | INTR_TYPE_EXTERNAL | svi;
	return info;
}

/* Registers the page keeps for RDMSR changed (a WRMSR, INIT, reset): written at the next entry. */
static inline void apicv_regs_changed(struct vmx_vcpu *x)
{
	x->apicv_regs_stale = true;
}
/* The vCPU stops for good: its virtual-APIC page goes. */
void apicv_vcpu_release(struct vmx_vcpu *x);

#endif
