/* SPDX-License-Identifier: GPL-2.0 */
/* The scheduler: each pCPU runs the vCPUs placed on it, round robin, in time slices. */
#ifndef KESTREL_HV_SCHED_SCHED_H
#define KESTREL_HV_SCHED_SCHED_H

#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "hv/sched/policy.h"
#include "hv/vm.h"
#include "lib/cpuset.h"
#include "lib/spinlock.h"
#include "lib/types.h"

extern u64 sched_slice_tsc;
extern bool sched_balance; /* idle pCPUs take vCPUs, crowded ones give (balance=off: never) */

/* Allocates pCPU cpu's scheduler state; before any VM is placed. 0, -ENOMEM or -EINVAL. */
int sched_cpu_init(u32 cpu);
/*
 * Places v on a pCPU in allowed (the least loaded). 0, -ENODEV when none is online, -ENOSPC
 * when every one holds SCHED_MAX_VCPUS_PER_CPU vCPUs already.
 */
int sched_place(struct vcpu *v, const struct cpuset *allowed);
/* Every pCPU's loop: pick, run, repeat. Never returns. */
__noreturn void sched_loop(void);
/* Makes the pCPU that runs v look at it soon (an IPI unless it is this CPU). */
void sched_kick(struct vcpu *v);
/*
 * The same for vectors v's sender put in v->posted_irr (vcpu_deliver_irq): if v is in guest mode
 * on a pCPU where the architecture delivers them itself (arch_vcpu_notify_posted), its
 * notification takes the kick's place, and v's request waits for its next exit.
 */
void sched_kick_posted(struct vcpu *v);
/* sched_timers_changed for a vCPU that is not the one running. */
void sched_timers_changed_other(struct vcpu *v);
/* On v's pCPU: sets v's state; it joins or leaves the run queue, and a stopped v the pCPU. */
void sched_set_state(struct vcpu *v, u32 state);
/* Takes v off its pCPU again (a VM that failed to start, before it ran). */
void sched_unplace(struct vcpu *v);
/* On v's own pCPU: v may run now (and the running vCPU should make way). */
void sched_make_runnable(struct vcpu *v);
/* On v's own pCPU: v has an interrupt to take; wake it, or let it run sooner. */
void sched_interrupt_pending(struct vcpu *v);
/* On v's pCPU, t waiting there: v's slice ends now and t runs next (a directed yield). */
void sched_yield_to(struct vcpu *v, struct vcpu *t);
/* Marks v runnable (from halted) and kicks its pCPU. */
void sched_wake(struct vcpu *v);
/* Lets the APs (waiting since boot) into sched_loop. */
void sched_start_all(void);
/* The APs wait here after their boot checks. */
__noreturn void sched_ap_wait(void);
/* Acts on the requests of every vCPU of this pCPU, if any were posted. */
void sched_handle_requests(void);
/*
 * Asks every pCPU in set to drop what it caches of EPT trees no vCPU uses any more
 * (vm_ept_flush_here) at its next scheduling pass; an idle one is kicked.
 */
void sched_ask_ept_flush(const struct cpuset *set);
/* Fires this pCPU's due vLAPIC timers (after a preemption-timer exit). */
void sched_tick(void);

/* For the run loop and the request code, on the running vCPU's pCPU; inline, as they run at
 * every entry. */
static inline struct sched_cpu *sched_here(void)
{
	return this_cpu()->sched;
}

/* The index of the pCPU this runs on. */
static inline u32 sched_this_cpu(void)
{
	return this_cpu()->index;
}

/*
 * On v's pCPU: v's timers (vcpu_timer_next) may have moved; its place in the heap follows.
 * The running vCPU's own (a TSC-deadline write): noted beside the heap in O(1), its heap place
 * moved at its next timer exit or its run's end (sched_policy_timer_deferred).
 */
static inline void sched_timers_changed(struct vcpu *v)
{
	struct sched_cpu *s = sched_here();

	if (v == s->current)
		sched_policy_timer_deferred(s, v);
	else
		sched_timers_changed_other(v);
}

/* The vCPU this pCPU is running, or NULL. */
static inline struct vcpu *sched_current(void)
{
	return sched_here()->current;
}

/* Some vCPU here has requests: look at them before entering. */
static inline bool sched_requests_pending(void)
{
	return READ_ONCE(sched_here()->requests_pending);
}

/* Whether the running vCPU's time slice has ended and another vCPU here waits for its turn. */
static inline bool sched_slice_over(void)
{
	return sched_policy_slice_over(sched_here(), rdtsc(), sched_slice_tsc);
}

/* When the running vCPU must exit next: its pCPU's earliest timer, or its slice's end. */
static inline u64 sched_next_deadline(struct vcpu *running)
{
	struct sched_cpu *s = sched_here();

	/* Most exits change no timer and wake nobody: the cached answer stands. */
	if (!s->deadline_dirty && !s->woken)
		return MIN(s->deadline_cache, running->own_timer);
	return sched_policy_next_deadline(s, running);
}

/* At an instruction boundary: should v make way for a vCPU that woke? (Consumes the wake-up.) */
static inline bool sched_should_yield(struct vcpu *v)
{
	struct sched_cpu *s = sched_here();

	(void)v;
	return s->woken && sched_policy_should_yield(s, rdtsc());
}
/* v leaves the pCPU at an instruction boundary with work left: it is "preempted". */
void sched_preempted(struct vcpu *v);

#endif
