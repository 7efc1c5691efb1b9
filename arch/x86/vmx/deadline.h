/* SPDX-License-Identifier: GPL-2.0 */
/* How the run loop regains control at a vCPU's earliest deadline (arch/x86/vmx/deadline.c). */
#ifndef KESTREL_ARCH_X86_VMX_DEADLINE_H
#define KESTREL_ARCH_X86_VMX_DEADLINE_H

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "hv/sched/sched.h"
#include "lib/types.h"

struct vcpu;

/* True: the VMX-preemption timer ends guest runs; false: the host's LAPIC timer does. */
extern bool vmx_deadline_preemption_timer;

/* After vmx_probe(): the preemption timer if the CPU has it and allow_preemption_timer is set. */
void vmx_deadline_choose(bool allow_preemption_timer);
/* The boot line saying which timer and, for the host timer, why. */
void vmx_deadline_print(void);
/* A vCPU's run begins on this pCPU: a host timer armed in an earlier run is rewritten. */
void vmx_deadline_run_begin(void);
/* The host timer's part of vmx_deadline_arm: an interrupt at d, or soon after now. */
void vmx_deadline_arm_host_timer(u64 now, u64 d);

/*
 * The VMX-preemption timer counts down at the TSC's rate >> the shift IA32_VMX_MISC gives, from
 * the value VM entry loads (SDM Vol. 3C, 26.5.1). Written before every entry: without the "save
 * VMX-preemption timer value" exit control a VM exit leaves the field as the last entry loaded
 * it, so an entry that did not rewrite it would count the whole of the last value again (a
 * halted vCPU's timer woke it 57,094 TSC ticks late when that was tried: vm-timer-overcommit).
 */
static inline void vmx_deadline_arm_preemption_timer(u64 now, u64 d)
{
	u64 ticks = d > now ? (d - now) >> vmx_caps.preemption_timer_shift : 0;

	vmcs_write32(PREEMPTION_TIMER_VALUE, (u32)MIN(ticks, 0xffffffffULL));
}

/*
 * Before a VM entry of v (its VMCS current): an exit comes at its earliest deadline, and never
 * further out than a slice, even for a vCPU alone with no timer: a request posted to it is
 * acted on within a slice if the kick that announced it causes no exit. Bochs 2.7 masks a
 * host interrupt that was pending at VM entry while the guest keeps RFLAGS.IF 0 (it computes
 * the mask before it counts the CPU as in VMX non-root operation), though with external-
 * interrupt exiting it must exit whatever IF is (SDM Vol. 3C, 26.2): an AP spinning with
 * interrupts off kept an INIT posted for 10^9 TSC ticks (vm-hostile-fuzz, seed 1).
 */
static inline void vmx_deadline_arm(struct vcpu *v)
{
	/*
	 * The TSC read after the deadline is known: recomputing it walks every vCPU of the pCPU,
	 * and with 512 of them that took longer than the host timer's lead, so a lead counted
	 * from before had passed by the entry: every entry exited at once, at the same RIP, for
	 * ever (vm-pv-ipi with preemption_timer=off).
	 */
	u64 d = sched_next_deadline(v), now = rdtsc();

	d = MIN(d, now + sched_slice_tsc);
	if (vmx_deadline_preemption_timer)
		vmx_deadline_arm_preemption_timer(now, d);
	else
		vmx_deadline_arm_host_timer(now, d);
}
/*
 * Host timer only, between an exit's handler and the next entry: has the earliest deadline
 * passed? The run loop then acts as at the timer's exit. Its interrupt may never make one: a
 * guest that keeps RFLAGS.IF 0 has it masked (Bochs, above), and the entry path that takes
 * it (vmx_deadline_arm_host_timer) arms the next: a UART writer's OUTs kept the other VM on
 * its pCPU off it for 406,443 TSC ticks, slices being 20,000 (vm-uart-flood on
 * core2_penryn_t9600). The time, not the interrupt, says: none is lost that way.
 */
static inline bool vmx_deadline_passed(struct vcpu *v)
{
	return !vmx_deadline_preemption_timer && sched_next_deadline(v) <= rdtsc();
}
/* In an external-interrupt exit, after the host took the interrupt: was it the host timer? */
bool vmx_deadline_host_timer_fired(void);

#endif
