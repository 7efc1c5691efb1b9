// SPDX-License-Identifier: GPL-2.0
/* Exits that are about interrupts: host interrupts, NMIs, the interrupt and NMI windows. */
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/vmx/deadline.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "hv/vcpu.h"

/* Host interrupts pending at the local APIC: a window for the host IDT to take them. */
static enum exit_action take_host_interrupts(struct vcpu *v)
{
	asm volatile("sti; nop; cli" ::: "memory");
	/* Without the VMX-preemption timer, the host's LAPIC timer marks the deadlines. */
	if (vmx_deadline_host_timer_fired())
		return exit_deadline_reached(v);
	return EXIT_RESUME;
}

enum exit_action exit_external_interrupt(struct vcpu *v)
{
	u32 info;

	/* Without "acknowledge interrupt on exit" the interrupt is still pending (26.7.1). */
	if (!vmx_caps.ack_intr)
		return take_host_interrupts(v);
	/*
	 * With it, the processor acknowledged the interrupt at the exit and the exit information
	 * names its vector (26.7.1, 29.2.2): its handler runs as the IDT would have run it.
	 * Another one pending makes the next entry exit again (external-interrupt exiting).
	 */
	info = vmcs_read32(EXIT_INTR_INFO);
	if (!(info & INTR_INFO_VALID))
		return take_host_interrupts(v);
	trap_dispatch_irq((u8)info);
	if (vmx_deadline_host_timer_fired())
		return exit_deadline_reached(v);
	return EXIT_RESUME;
}

/*
 * PAUSE exits, asked for only on the host timer and only for a run entered with RFLAGS.IF 0
 * (run.c): Bochs 2.7 takes no external-interrupt exit in such a run until the guest changes
 * IF, so a guest spinning with interrupts off would never give its pCPU back. A spin loop
 * pauses: each PAUSE is a point where pending host interrupts (the timer, kicks) are taken.
 */
enum exit_action exit_pause(struct vcpu *v)
{
	exit_skip_instruction(v);
	return take_host_interrupts(v);
}

enum exit_action exit_exception_nmi(struct vcpu *v)
{
	u32 info = vmcs_read32(EXIT_INTR_INFO);

	if ((info & (7u << 8)) == INTR_TYPE_NMI) {
		/* An NMI for the host: the panic path stops every CPU with one. */
		if (panic_in_progress())
			cpu_halt_forever();
		pr_warn("cpu %u: NMI while running vm %s vcpu %u (ignored)", v->pcpu, v->vm->name,
			v->id);
		return EXIT_RESUME;
	}
	if (to_vmx(v)->vm86)
		return exit_real_mode_exception(v, info);
	/* Only #PF is in the exception bitmap, and only on shadow page tables. */
	if ((info & (7u << 8)) == INTR_TYPE_HW_EXCEPTION && (info & 0xff) == EXC_PF &&
	    vmx_shadow_on(v))
		return exit_page_fault(v, info);
	vm_stop(v->vm, -1, "vcpu %u: unexpected exception exit (interruption info %#x)", v->id,
		info);
	return EXIT_STOP_VM;
}

enum exit_action exit_interrupt_window(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME; /* the entry path injects what is pending now that it can */
}

enum exit_action exit_nmi_window(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}
