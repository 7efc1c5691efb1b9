// SPDX-License-Identifier: GPL-2.0
/*
 * How the run loop gets control back at a vCPU's earliest deadline (a vLAPIC or PV timer, the
 * end of a slice): the VMX-preemption timer where the CPU has it, else the host's own LAPIC
 * timer (TSC-deadline or one-shot, arch/x86/timer.c) with external-interrupt exiting.
 */
#include "arch/x86/vmx/deadline.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/sched/sched.h"
#include "lib/console.h"

/*
 * How far ahead of now the host timer is armed at least. Bochs 2.7 masks a host interrupt that
 * was pending at VM entry while the guest keeps RFLAGS.IF 0 (see vmx_deadline_arm), though with
 * external-interrupt exiting it must exit whatever IF is (SDM Vol. 3C, 26.2): a deadline passed
 * before the entry would then wait for the next host interrupt. Armed this far ahead, it fires
 * in non-root operation; the entry path from here to VMRESUME is far shorter.
 */
#define HOST_TIMER_LEAD_TSC 400

bool vmx_deadline_preemption_timer;
static const char *why_host_timer;

void vmx_deadline_choose(bool allow_preemption_timer)
{
	vmx_deadline_preemption_timer = vmx_caps.preemption_timer && allow_preemption_timer;
	if (!vmx_caps.preemption_timer)
		why_host_timer = "the CPU has no VMX-preemption timer";
	else if (!allow_preemption_timer)
		why_host_timer = "preemption_timer=off";
}

void vmx_deadline_print(void)
{
	if (vmx_deadline_preemption_timer)
		pr_info("vmx: deadlines and slices on the VMX-preemption timer");
	else
		pr_info("vmx: deadlines and slices on the host LAPIC timer (%s) with external-"
			"interrupt exits: %s", timer_info.tsc_deadline ? "TSC-deadline" : "one-shot",
			why_host_timer);
}

/*
 * The host's LAPIC timer: its interrupt makes an external-interrupt exit from the guest
 * (26.2, pin-based control bit 0; "acknowledge interrupt on exit" is off, so the host IDT takes
 * it at exit_external_interrupt). Rewritten only when the armed deadline is no good any more:
 * fired, later than d, or too close to be sure to fire in the guest. A deadline that passed in
 * root operation may have left its interrupt pending: it is taken here, with interrupts open
 * for one instruction, before a VM entry that Bochs would let mask it.
 */
void vmx_deadline_arm_host_timer(u64 now, u64 d)
{
	struct timer_cpu *t = &this_cpu()->timer;

	d = MAX(d, now + HOST_TIMER_LEAD_TSC);
	/*
	 * An earlier deadline is kept (one early exit costs less than a rewrite), but not one
	 * armed in another run: the last vCPU's slice end, say, means nothing to this run and
	 * only makes an exit (vm-pv-ipi on core2_penryn_t9600: 124 -> 112 exits, 96 allowed;
	 * vm-ept-invalidate-switch there no longer hangs).
	 */
	if (t->armed_for && !t->fired_tsc && !t->stale && t->armed_for <= d &&
	    t->armed_for >= now + HOST_TIMER_LEAD_TSC)
		return;
	if (t->armed_for && t->armed_for < now + HOST_TIMER_LEAD_TSC && !t->fired_tsc)
		asm volatile("sti; nop; cli" ::: "memory");
	t->stale = false;
	timer_arm(d);
}

void vmx_deadline_run_begin(void)
{
	if (!vmx_deadline_preemption_timer)
		this_cpu()->timer.stale = true;
}

bool vmx_deadline_host_timer_fired(void)
{
	return !vmx_deadline_preemption_timer && this_cpu()->timer.fired_tsc;
}
