// SPDX-License-Identifier: GPL-2.0
/*
 * Posted interrupts (SDM Vol. 3C, 30.6), used with APICv where the processor has them, while the
 * vLAPIC is software-enabled (apicv_update_mode).
 *
 * The vCPU's posted_irr and posted_notified (hv/vm.h) are its posted-interrupt descriptor: the
 * requested vectors in bits 255:0 and the outstanding-notification bit (ON) at bit 256; bits
 * 511:257 are left to software (table 30-1) and hold the next fields of struct vcpu. A sender on
 * another pCPU sets the vector's bit and the vCPU's request (vcpu_deliver_irq), then, for a vCPU
 * that takes posted vectors (posted_direct), sets ON; the sender that found it clear sends the
 * notification vector to the vCPU's pCPU if the vCPU is in guest mode there, instead of a kick
 * (arch_vcpu_notify_posted). The processor, without an exit, clears ON, ORs the vectors into the
 * virtual-APIC page's VIRR, raises RVI and delivers when the guest can take them.
 *
 * What this changes elsewhere:
 * - The page holds every request, not one offer (vlapic_page.h says why), and is pulled whole
 *   after every exit (apicv_prepare, apicv_after_exit). Between an exit and the next entry the
 *   processor changes nothing in it.
 * - The request stays posted: if the vCPU left guest mode before the notification arrived, the
 *   notification is a host interrupt (acknowledged, nothing more) and the request takes the
 *   vectors from posted_irr at the next entry (the Dekker check); if it arrived, the request
 *   finds posted_irr empty at the next exit. VCPU_REQ_IRR clears ON before it reads them.
 * - A notification that reaches a pCPU running another vCPU is a host interrupt, or the
 *   processing of that vCPU's own descriptor: either way nothing is lost.
 * - "Acknowledge interrupt on exit" is needed (28.2.1.1): host interrupts that exit are
 *   dispatched from the exit information (exits/interrupt.c).
 */
#include "arch/x86/vmx/posted.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/vectors.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/arch.h"
#include "hv/vcpu.h"
#include "lib/atomic.h"
#include "mm/mm.h"

/* The descriptor is struct vcpu's start, itself the start of a page-aligned struct vmx_vcpu. */
_Static_assert(__builtin_offsetof(struct vmx_vcpu, vcpu) == 0, "vcpu first in vmx_vcpu");
_Static_assert(__builtin_offsetof(struct vcpu, posted_irr) == 0 &&
		       __builtin_offsetof(struct vcpu, posted_notified) == 32,
	       "posted_irr and ON where the descriptor has them (table 30-1)");

/* A notification that came as a host interrupt: the vCPU's request takes its vectors. */
static void notification_irq(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
}

void posted_init(void)
{
	trap_set_handler(VEC_POSTED_INTR, notification_irq);
}

void posted_setup_vmcs(struct vmx_vcpu *x)
{
	/* 28.2.1.1: a vector (bits 15:8 zero), and a 64-byte aligned descriptor. */
	vmcs_write16(POSTED_INTR_NV, VEC_POSTED_INTR);
	vmcs_write64(POSTED_INTR_DESC, virt_to_phys(x->vcpu.posted_irr));
	x->posted_on = false; /* APICv starts off (apicv_setup_vmcs) */
	atomic_set(&x->vcpu.posted_direct, false);
}

void posted_switch(struct vmx_vcpu *x, bool on)
{
	u32 pin = vmcs_read32(PIN_BASED_CTLS);

	vmcs_write32(PIN_BASED_CTLS, on ? pin | PIN_POSTED_INTR : pin & ~PIN_POSTED_INTR);
	x->posted_on = on;
	atomic_set(&x->vcpu.posted_direct, on);
	/*
	 * Off, VCPU_REQ_IRR no longer clears the flag. A sender that still saw it on may set it
	 * again: back on, the first senders then only post the request (and its pCPU's flag),
	 * which the next entry or exit takes, clearing it.
	 */
	if (!on)
		atomic_and(&x->vcpu.posted_notified, ~(u64)VCPU_POSTED_NOTIFIED);
}

bool arch_vcpu_notify_posted(struct vcpu *v)
{
	u32 cpu;

	/*
	 * The caller read posted_direct without a lock: a stale "on" sends a notification that
	 * exits like a kick; a stale "off" kicks. Either way the request is posted.
	 */
	/* A notification under way (or a kick, whose request the taker takes) finds it too. */
	if (!vcpu_posted_notify_first(v))
		return true;
	/*
	 * In guest mode on cpu (run.c's Dekker store; the same pCPU before and after, so not one
	 * it moved to meanwhile, where the kick is what it needs). If it leaves guest mode before
	 * the notification arrives, its next entry sees the request.
	 */
	cpu = atomic_read_seq(&v->pcpu);
	if (!atomic_read_seq(&v->pv.in_guest) || atomic_read_seq(&v->pcpu) != cpu)
		return false;
	lapic_send_ipi(cpus[cpu]->apic_id, ICR_FIXED | VEC_POSTED_INTR);
	return true;
}
