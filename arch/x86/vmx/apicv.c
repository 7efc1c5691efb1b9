// SPDX-License-Identifier: GPL-2.0
/*
 * APIC virtualization for vCPUs whose vLAPIC is in x2APIC mode: "virtualize x2APIC mode",
 * "APIC-register virtualization" and "virtual-interrupt delivery" (SDM Vol. 3C, chapter 30).
 * The guest's EOI, TPR and SELF IPI writes and most x2APIC reads take no exit, and the
 * processor delivers the vLAPIC's interrupts at entry and whenever the guest can take them.
 * The virtual-APIC page is a copy of the vLAPIC's registers, synchronised at every entry and
 * exit (docs/design.md, "APIC virtualization").
 */
#include "arch/x86/vmx/apicv.h"
#include "arch/x86/vmx/posted.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "lib/atomic.h"
#include "lib/console.h"
#include "lib/string.h"
#include "mm/mm.h"

#define APICV_PROC2 (PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY)
#define MSR_X2APIC(off) (VLAPIC_MSR_X2APIC_FIRST + (off) / 16)

static u64 apicv_bitmap;
static u32 pages_out_warned;

static bool allowed1(u64 ctl_msr, u32 bit)
{
	return (ctl_msr >> 32) & bit;
}

void apicv_probe(struct vmx_caps *c)
{
	c->tpr_shadow = allowed1(c->procbased, PROC_TPR_SHADOW);
	c->virt_x2apic = allowed1(c->procbased2, PROC2_VIRT_X2APIC);
	/* 28.2.1.1: each of the three needs "use TPR shadow"; interrupt delivery, exits on interrupts. */
	if (!c->tpr_shadow)
		c->no_apicv = "no \"use TPR shadow\"";
	else if (!c->virt_x2apic)
		c->no_apicv = "no \"virtualize x2APIC mode\"";
	else if (!c->apic_reg_virt)
		c->no_apicv = "no \"APIC-register virtualization\"";
	else if (!c->virt_intr_delivery)
		c->no_apicv = "no \"virtual-interrupt delivery\"";
	else if (!allowed1(c->pinbased, PIN_EXT_INTR))
		c->no_apicv = "no \"external-interrupt exiting\"";
	c->apicv = !c->no_apicv;
	/*
	 * 28.2.1.1: "process posted interrupts" needs virtual-interrupt delivery and "acknowledge
	 * interrupt on exit" (and external-interrupt exiting, which APICv has already).
	 */
	if (!c->apicv)
		c->no_posted = "APICv not used";
	else if (!c->posted_intr)
		c->no_posted = "no \"process posted interrupts\"";
	else if (!c->ack_intr)
		c->no_posted = "no \"acknowledge interrupt on exit\"";
	c->posted = !c->no_posted;
}

/* Bit msr of the bitmap at base (0: read-low, 2048: write-low; 26.6.9) made 0: no exit. */
static void let_through(u8 *bm, u32 base, u32 msr)
{
	bm[base + (msr & 0x1fff) / 8] &= (u8) ~(1u << (msr % 8));
}

int apicv_bitmap_init(void)
{
	/*
	 * The reads 30.5 answers from the page. Not IRR (the page holds one offered vector of
	 * it, vlapic_page.h). Not TMR and ICR: they change at every level interrupt and ICR
	 * write, whose exits would then rewrite the page, and are rarely read. Not the current
	 * count, which 30.5 leaves to the real APIC.
	 */
	static const u16 reads[] = {
		VLAPIC_REG_ID, VLAPIC_REG_VERSION, VLAPIC_REG_TPR, VLAPIC_REG_PPR, VLAPIC_REG_LDR,
		VLAPIC_REG_SVR, VLAPIC_REG_ESR, VLAPIC_REG_TIMER_INITIAL, VLAPIC_REG_TIMER_DIVIDE,
	};
	u8 *bm;

	if (!vmx_caps.apicv)
		return 0;
	apicv_bitmap = frames_alloc(1, 0);
	if (!apicv_bitmap)
		return -ENOMEM;
	bm = phys_to_virt(apicv_bitmap);
	memcpy(bm, phys_to_virt(vmx_shared_msr_bitmap(NULL)), PAGE_SIZE);
	for (u32 i = 0; i < ARRAY_SIZE(reads); i++)
		let_through(bm, 0, MSR_X2APIC(reads[i]));
	/* Not IRR: the page holds one offered vector of the vLAPIC's requests (vlapic_page.h). */
	for (u32 i = 0; i < 8; i++)
		let_through(bm, 0, MSR_X2APIC(VLAPIC_REG_ISR) + i);
	for (u32 r = VLAPIC_REG_LVT_TIMER; r <= VLAPIC_REG_LVT_ERROR; r += 16)
		let_through(bm, 0, MSR_X2APIC(r));
	/*
	 * TPR and EOI virtualization (30.1.2, 30.1.4); every other write exits, SELF IPI too: a
	 * guest sends one with interrupts off (Linux's irq_work), and the processor would hold
	 * it pending in RVI until the guest turns them on (vlapic_page.h says why Kestrel never
	 * lets that happen).
	 */
	let_through(bm, 2048, MSR_X2APIC(VLAPIC_REG_TPR));
	let_through(bm, 2048, MSR_X2APIC(VLAPIC_REG_EOI));
	return 0;
}

void apicv_setup_vmcs(struct vmx_vcpu *x)
{
	x->apicv_on = false;
	x->apicv_offer = x->apicv_pushed = -1;
	if (!vmx_caps.apicv)
		return;
	/* Fields that exist with the controls (26.6.8); they take effect when APICv is on. */
	vmcs_write32(TPR_THRESHOLD, 0);
	vmcs_write16(GUEST_INTR_STATUS, 0);
	vmcs_write64(EOI_EXIT_BITMAP0, 0);
	vmcs_write64(EOI_EXIT_BITMAP1, 0);
	vmcs_write64(EOI_EXIT_BITMAP2, 0);
	vmcs_write64(EOI_EXIT_BITMAP3, 0);
	memset(x->eoi_exit, 0, sizeof(x->eoi_exit));
	if (x->apic_page_phys)
		vmcs_write64(VIRTUAL_APIC_PAGE, x->apic_page_phys);
	if (vmx_caps.posted)
		posted_setup_vmcs(x);
}

/* A page the first time it is needed: a VM that never enters x2APIC mode never costs one. */
static bool get_page(struct vmx_vcpu *x)
{
	if (x->apic_page_phys)
		return true;
	if (x->apicv_no_page)
		return false;
	x->apic_page_phys = frames_alloc(1, 0);
	if (!x->apic_page_phys) {
		x->apicv_no_page = true;
		if (!atomic_xchg(&pages_out_warned, 1))
			pr_warn("no memory for a virtual-APIC page: vCPUs without one use the "
				"emulated local APIC");
		return false;
	}
	x->apic_page = phys_to_virt(x->apic_page_phys);
	/* 26.6.8: 4-KiB aligned, within the physical-address width. */
	vmcs_write64(VIRTUAL_APIC_PAGE, x->apic_page_phys);
	return true;
}

/*
 * APICv on or off. Off, the page is left as the last exit found it, and pulled then: the
 * vLAPIC already holds its state. On, every register the page keeps is written anew
 * (apicv_prepare).
 */
static void apicv_switch(struct vmx_vcpu *x, bool on)
{
	u32 proc = on ? x->proc_ctls | PROC_TPR_SHADOW : x->proc_ctls & ~PROC_TPR_SHADOW;
	u32 proc2 = on ? x->proc2_ctls | APICV_PROC2 : x->proc2_ctls & ~APICV_PROC2;

	/* Posted interrupts need virtual-interrupt delivery (28.2.1.1): off with it. */
	if (!on && x->posted_on)
		posted_switch(x, false);
	vmcs_write32(PROC_BASED_CTLS, proc);
	vmcs_write32(PROC_BASED_CTLS2, proc2);
	vmcs_write64(MSR_BITMAP, on ? apicv_bitmap : vmx_shared_msr_bitmap(&x->vcpu));
	x->proc_ctls = proc;
	x->proc2_ctls = proc2;
	x->apicv_on = on;
	x->apicv_page_clear = false; /* written whole at this entry */
	x->apicv_in_sync = false;
	x->apicv_page_words = 0xff; /* its IRR and ISR as the last exit with APICv left them */
	x->apicv_pushed = -1; /* off: the last exit pulled the page; on: nothing is in it yet */
}

/* The EOI-exit bitmap (26.6.8): the level-triggered vectors, whose EOI the I/O APIC needs. */
static void write_eoi_exit_bitmap(struct vmx_vcpu *x, const u64 bm[4])
{
	if (bm[0] != x->eoi_exit[0])
		vmcs_write64(EOI_EXIT_BITMAP0, x->eoi_exit[0] = bm[0]);
	if (bm[1] != x->eoi_exit[1])
		vmcs_write64(EOI_EXIT_BITMAP1, x->eoi_exit[1] = bm[1]);
	if (bm[2] != x->eoi_exit[2])
		vmcs_write64(EOI_EXIT_BITMAP2, x->eoi_exit[2] = bm[2]);
	if (bm[3] != x->eoi_exit[3])
		vmcs_write64(EOI_EXIT_BITMAP3, x->eoi_exit[3] = bm[3]);
}

void apicv_update_mode(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;
	/* Not on shadow page tables: their MSR bitmap makes IA32_EFER exit, APICv's does not. */
	bool want = vmx_caps.apicv && v->vm->apicv && !vmx_shadow_on(v) &&
		    vlapic_mode(&v->lapic) == VLAPIC_MODE_X2APIC;

	if (want == x->apicv_on || (want && !get_page(x))) {
		if (!x->apicv_on)
			x->apicv_regs_stale = false; /* nothing reads them from a page */
	} else {
		apicv_switch(x, want);
		x->apicv_regs_stale = want; /* the page's registers are written at this entry */
	}
	/*
	 * Posted interrupts with APICv, and only while the vLAPIC is software-enabled: the
	 * processor would deliver a posted vector whatever SVR says, where a disabled APIC
	 * accepts no fixed interrupt (11.4.7.2; the request path asks vlapic_set_irr_trig).
	 */
	if (vmx_caps.posted) {
		bool posted = x->apicv_on && (v->lapic.svr & VLAPIC_SVR_ENABLE);

		if (posted != x->posted_on)
			posted_switch(x, posted);
	}
}

/* With posted interrupts the page holds every request (vlapic_page.h says why). */
static void prepare_posted(struct vmx_vcpu *x)
{
	struct vlapic *l = &x->vcpu.lapic;
	u64 bm[4];

	vlapic_page_push_all(l, x->apic_page);
	vmcs_write16(GUEST_INTR_STATUS, vlapic_page_intr_status_all(l));
	vlapic_page_tmr_bitmap(l, bm);
	write_eoi_exit_bitmap(x, bm);
	x->apicv_page_words = 0xff;
	x->apicv_offer = x->apicv_pushed = -1; /* not one offer: every request */
	x->apicv_page_clear = false; /* the processor may fill VIRR while the guest runs */
	x->apicv_in_sync = false;
}

void apicv_prepare(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;
	u64 bm[4];

	if (x->apicv_regs_stale) {
		x->apicv_regs_stale = false;
		vlapic_page_push_regs(&v->lapic, x->apic_page);
	}
	/* With posted interrupts apicv_page_words is 0xff (prepare_posted): never a lone push. */
	if (!(x->eoi_exit[0] | x->eoi_exit[1] | x->eoi_exit[2] | x->eoi_exit[3]) &&
	    vlapic_page_push_lone(&v->lapic, x->apic_page, x->apicv_offer, &x->apicv_page_words)) {
		/* One request, onto a clear page: RVI is it, SVI 0, the bitmap stays 0. */
		vmcs_write16(GUEST_INTR_STATUS, (u16)x->apicv_offer);
	} else if (x->posted_on) {
		prepare_posted(x);
		return;
	} else {
		vlapic_page_push_vectors(&v->lapic, x->apic_page, x->apicv_offer,
					 &x->apicv_page_words);
		/* Entry evaluates RVI against the PPR of VTPR and SVI, delivers (28.3.2.5, 30.2). */
		vmcs_write16(GUEST_INTR_STATUS, vlapic_page_intr_status(&v->lapic, x->apicv_offer));
		/*
		 * Left alone while the page stays clear: a TMR bit set since means an IRR bit
		 * set, and one cleared since makes an edge EOI exit once for nothing at worst
		 * (vlapic_page_eoi_exit then finds it clear).
		 */
		vlapic_page_eoi_exit_bitmap(&v->lapic, x->apicv_offer, bm);
		write_eoi_exit_bitmap(x, bm);
	}
	if (x->apicv_offer >= 0) {
		/* Where its delivery starts: apicv_vectoring_info knows it by them. */
		x->apicv_offer_rip = vmcs_readl(GUEST_RIP);
		x->apicv_offer_rsp = vmcs_readl(GUEST_RSP);
	}
	x->apicv_pushed = x->apicv_offer;
	x->apicv_page_clear = x->apicv_offer < 0 && !v->lapic.isr_words;
	x->apicv_in_sync = false;
}

void apicv_pull(struct vmx_vcpu *x)
{
	/* With posted interrupts the page is the truth, every word of it (prepare_posted). */
	if (x->posted_on)
		vlapic_page_pull_all(&x->vcpu.lapic, x->apic_page);
	else
		vlapic_page_pull(&x->vcpu.lapic, x->apic_page, x->apicv_pushed, x->apicv_page_words);
	x->apicv_pushed = -1;
	x->apicv_page_clear = false;
}

void apicv_vcpu_release(struct vmx_vcpu *x)
{
	/* Never entered again (its VM stopped): nothing reads the page any more. */
	if (x->apic_page_phys)
		frames_free(x->apic_page_phys, 1);
	x->apic_page_phys = 0;
	x->apic_page = NULL;
	x->apicv_no_page = true;
}
