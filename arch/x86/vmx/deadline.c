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
 * The VMX-preemption timer counts down at the TSC's rate >> the shift IA32_VMX_MISC gives, from
 * the value VM entry loads (SDM Vol. 3C, 26.5.1). Written before every entry: skipping the
 * VMWRITE when the value had not changed (a VM exit leaves the field alone without the "save
 * VMX-preemption timer value" control) made a halted vCPU's timer wake it 57,094 TSC ticks late
 * in Bochs under overcommit (vm-timer-overcommit) once the slice bound below came in; not
 * understood yet, so the one VMWRITE stays.
 */
static void arm_preemption_timer(u64 now, u64 d)
{
	u64 ticks = d > now ? (d - now) >> vmx_caps.preemption_timer_shift : 0;

	vmcs_write32(PREEMPTION_TIMER_VALUE, (u32)MIN(ticks, 0xffffffffULL));
}

/*
 * The host's LAPIC timer: its interrupt makes an external-interrupt exit from the guest
 * (26.2, pin-based control bit 0; "acknowledge interrupt on exit" is off, so the host IDT takes
 * it at exit_external_interrupt). Rewritten only when the armed deadline is no good any more:
 * fired, later than d, or too close to be sure to fire in the guest. A deadline that passed in
 * root operation may have left its interrupt pending: it is taken here, with interrupts open
 * for one instruction, before a VM entry that Bochs would let mask it.
 */
static void arm_host_timer(u64 now, u64 d)
{
	struct timer_cpu *t = &this_cpu()->timer;

	d = MAX(d, now + HOST_TIMER_LEAD_TSC);
	if (t->armed_for && !t->fired_tsc && t->armed_for <= d &&
	    t->armed_for >= now + HOST_TIMER_LEAD_TSC)
		return;
	if (t->armed_for && t->armed_for < now + HOST_TIMER_LEAD_TSC && !t->fired_tsc)
		asm volatile("sti; nop; cli" ::: "memory");
	timer_arm(d);
}

/*
 * Never further out than a slice, even for a vCPU alone with no timer: a request posted to it
 * is acted on within a slice if the kick that announced it causes no exit. Bochs 2.7 masks a
 * host interrupt that was pending at VM entry while the guest keeps RFLAGS.IF 0 (it computes
 * the mask before it counts the CPU as in VMX non-root operation), though with external-
 * interrupt exiting it must exit whatever IF is (SDM Vol. 3C, 26.2): an AP spinning with
 * interrupts off kept an INIT posted for 10^9 TSC ticks (vm-hostile-fuzz, seed 1).
 */
void vmx_deadline_arm(struct vcpu *v)
{
	/*
	 * The TSC read after the deadline is known: recomputing it walks every vCPU of the pCPU,
	 * and with 512 of them that took longer than HOST_TIMER_LEAD_TSC, so a lead counted from
	 * before had passed by the entry: every entry exited at once, at the same RIP, for ever
	 * (vm-pv-ipi with preemption_timer=off).
	 */
	u64 d = sched_next_deadline(v), now = rdtsc();

	d = MIN(d, now + sched_slice_tsc);

	if (vmx_deadline_preemption_timer)
		arm_preemption_timer(now, d);
	else
		arm_host_timer(now, d);
}

bool vmx_deadline_host_timer_fired(void)
{
	return !vmx_deadline_preemption_timer && this_cpu()->timer.fired_tsc;
}
