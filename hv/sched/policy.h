/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scheduler's policy, pure logic with host tests: which vCPU of a pCPU runs next, when the
 * running one must exit, when it makes way for one that woke, which one an idle pCPU may take.
 * Mechanism (kicks, idling, the run loop, moving vCPUs) is in hv/sched/sched.c.
 */
#ifndef KESTREL_HV_SCHED_POLICY_H
#define KESTREL_HV_SCHED_POLICY_H

#include "lib/cpuset.h"
#include "lib/spinlock.h"
#include "lib/timer_heap.h"
#include "lib/types.h"

#define SCHED_MAX_VCPUS_PER_CPU 16384
#define SCHED_INBOX 8 /* vCPUs on their way to this pCPU */
/*
 * Periodic balancing (docs/design.md, "Scheduling"): a pCPU with at least SCHED_BALANCE_GAP
 * more runnable vCPUs than another hands it one, looking once a slice and moving at most once
 * every SCHED_BALANCE_SLICES slices, so a vCPU does not bounce between pCPUs as loads flicker.
 */
#define SCHED_BALANCE_GAP 2
#define SCHED_BALANCE_SLICES 4
/* Candidates examined for one whose VM has another runnable vCPU here (bounds the search). */
#define SCHED_BALANCE_CANDIDATES 8
/*
 * Slice debt (sched_policy_run_end): a run that went past its slice end shortens the vCPU's
 * next slices by as much, down to 1/SCHED_MIN_SLICE_DIV of a slice each, and at most
 * SCHED_MAX_DEBT_SLICES slices are owed.
 */
#define SCHED_MIN_SLICE_DIV 8
#define SCHED_MAX_DEBT_SLICES 1024

struct vcpu;

/* Each pCPU's scheduler state. Fields other pCPUs touch say so; the rest are the owner's. */
struct sched_cpu {
	u32 nr;
	struct vcpu *vcpus[SCHED_MAX_VCPUS_PER_CPU]; /* every vCPU placed here but stopped ones */
	/* The run queue: the runnable vCPUs in round-robin order, the next to run first. */
	struct vcpu *rq_head, *rq_tail;
	u32 nr_rq;
	/* Each vCPU's earliest timer (vcpu_timer_next), by deadline: the earliest in O(1). */
	struct timer_heap timers;
	struct timer_heap_node *timer_slots[SCHED_MAX_VCPUS_PER_CPU];
	struct vcpu *volatile req_list; /* any pCPU pushes: vCPUs here with requests posted */
	struct vcpu *current; /* the vCPU in arch_vcpu_run(), or NULL */
	bool woken; /* another vCPU here became runnable while current ran */
	struct vcpu *prefer; /* the vCPU that got something to do last: it runs next */
	struct vcpu *last; /* the vCPU picked last: it had its turn, it is not "waiting" */
	volatile u32 kick_pending; /* any pCPU: a kick IPI is on its way */
	/* Migration: an idle pCPU asks a busy one for a waiting vCPU, which arrives in inbox. */
	volatile u32 steal_request; /* any pCPU: 1 + the index of the pCPU asking, or 0 */
	volatile u32 nr_waiting; /* any pCPU reads: runnable vCPUs here not running, last pick */
	volatile u32 nr_runnable; /* any pCPU reads: runnable vCPUs here, running one too, last pick */
	volatile bool active; /* any pCPU reads: this pCPU is in its scheduling loop */
	u64 balance_next; /* TSC before which this pCPU does not look at others' loads */
	u64 pass_due; /* TSC from which the next pass between runs is a full one (sched_loop) */
	struct spinlock inbox_lock; /* any pCPU: the inbox below */
	u32 nr_inbox;
	struct vcpu *inbox[SCHED_INBOX];
	volatile u32 requests_pending; /* any pCPU: some vCPU here has requests */
	volatile u32 ept_flush_pending; /* any pCPU: flush EPT trees no vCPU uses (hv/vm.c) */
	u64 slice_end; /* TSC at which the running vCPU's slice ends */
	u64 min_run_end; /* before this, a wake-up does not preempt the running vCPU */
	u64 deadline_cache; /* the earliest timer or slice end of this pCPU's vCPUs */
	bool deadline_dirty; /* a vLAPIC timer or a vCPU state changed: recompute the cache */
	u64 idle_tsc;
};

/*
 * v got something to do. A vCPU that was blocked (halted, or waiting for SIPI) and woke runs
 * next, and the running vCPU makes way once it has had its minimum run: interrupt latency for
 * vCPUs that sleep between interrupts. A vCPU that was already waiting to run (computing) runs
 * next but preempts nobody: it takes its turn when the running slice ends, so a vCPU with an
 * interrupt every slice (a guest's tick) gets its share of the pCPU and no more. The running
 * vCPU itself is never preferred: it takes the interrupt at its next entry anyway; nor is the
 * one that ran last while no vCPU runs (its timer fell due as its slice ended), unless it woke.
 */
static inline void sched_policy_prefer(struct sched_cpu *s, struct vcpu *v, bool woke)
{
	if (v == s->current || (!woke && v == s->last))
		return;
	s->prefer = v;
	if (s->current && woke)
		s->woken = true;
}
/* How many of s's vCPUs are runnable (its run queue's length). */
static inline u32 sched_policy_runnable(const struct sched_cpu *s)
{
	return s->nr_rq;
}
/* Makes s (zeroed) ready: an empty list, run queue and timer heap. */
void sched_policy_init(struct sched_cpu *s);
/* v joins s's list (and run queue if runnable, timer heap if it has a timer): placed, adopted. */
void sched_policy_add(struct sched_cpu *s, struct vcpu *v);
/* v leaves s's list, run queue and timer heap: handed over, or stopped for good. */
void sched_policy_remove(struct sched_cpu *s, struct vcpu *v);
/* Sets v's state (enum vcpu_state); v joins or leaves s's run queue and timer heap with it. */
void sched_policy_set_state(struct sched_cpu *s, struct vcpu *v, u32 state);
/* v's earliest timer (vcpu_timer_next) may have moved: its place in s's heap follows. */
void sched_policy_timer_changed(struct sched_cpu *s, struct vcpu *v);
/*
 * The same for v while it runs on s (s->current), in O(1): its new earliest timer is kept in
 * v->own_timer, which sched_policy_next_deadline takes into account, and its place in the heap
 * waits for sched_policy_timer_flush. A guest that writes its TSC deadline again and again
 * moves no heap entry for it. The heap may meanwhile hold v's older timer: earlier, it costs
 * one early exit (the flush at that timer exit puts it right); later, own_timer comes first.
 * Only the running vCPU may defer: nothing but its own run loop reads its timer meanwhile.
 */
void sched_policy_timer_deferred(struct sched_cpu *s, struct vcpu *v);
/*
 * v's heap place made right if it was deferred: before due timers are fired (a timer exit)
 * and when v stops running on s.
 */
void sched_policy_timer_flush(struct sched_cpu *s, struct vcpu *v);
/* The vCPU to run next: the preferred one if runnable, else round robin; NULL if none. */
struct vcpu *sched_policy_pick(struct sched_cpu *s);
/*
 * v (picked) runs on s from now: its slice, less what it owes (sched_policy_run_end) down to
 * 1/SCHED_MIN_SLICE_DIV of slice, and the minimum run before a wake-up may cut it short.
 */
void sched_policy_run_begin(struct sched_cpu *s, struct vcpu *v, u64 now, u64 slice);
/*
 * v's run on s ended at now (it blocked, yielded or was preempted). Time past its slice end is
 * owed: the slice end is only looked at between exits, so an exit handler that ran long (a
 * hypercall zeroing memory, a shadow rebuild) or a guest whose slice end came late (on the
 * host timer, through a guest that keeps interrupts off) took that time from the vCPUs
 * waiting here. Its next slices pay it back. A vCPU that no other waits for here owes nothing.
 */
void sched_policy_run_end(struct sched_cpu *s, struct vcpu *v, u64 now, u64 slice);
/*
 * At now another vCPU here became runnable while one runs. A slice end that passed while the
 * runner had the pCPU to itself (renewed only at its timer exits, which a vCPU that exits often
 * for other reasons may never take) becomes now: the runner makes way at once, as before, and
 * owes only what it runs past this point, none of the time it ran alone.
 */
void sched_policy_waiter_arrived(struct sched_cpu *s, u64 now);
/*
 * v, listed on s and blocked (halted, waiting for SIPI) or new, may run from now: it becomes
 * runnable, a waiter arrives if another vCPU runs (sched_policy_waiter_arrived), and v is
 * preferred as a vCPU that woke (sched_policy_prefer). What the three calls do, in one.
 */
void sched_policy_wake(struct sched_cpu *s, struct vcpu *v, u64 now);
/*
 * When the running vCPU must exit: the earliest timer of s's vCPUs, the slice's end when
 * another vCPU waits, and the end of the minimum run when one woke. UINT64_MAX: never.
 */
u64 sched_policy_next_deadline(struct sched_cpu *s, const struct vcpu *running);
/*
 * At a preemption-timer exit at now: is the running vCPU's slice over with another runnable
 * vCPU here to take the pCPU? Alone, its slice is renewed (to now + slice) and it goes on: the
 * exit was the once-a-slice backstop (arch_vcpu_run never arms the timer further out than a
 * slice), which acts on posted requests even when the kick that announced them caused no exit.
 */
bool sched_policy_slice_over(struct sched_cpu *s, u64 now, u64 slice);
/* At now, should the running vCPU make way for one that woke? Consumes the wake-up if so. */
bool sched_policy_should_yield(struct sched_cpu *s, u64 now);
/*
 * Which vCPU s can hand to idle pCPU to: a runnable one that is not the preferred one and may
 * run there, and only while s keeps another runnable one. Its index in s->vcpus, or -1.
 */
int sched_policy_to_give(const struct sched_cpu *s, u32 to);
/*
 * Periodic balancing, at now, for pCPU me (s, all[me]) among all[0 .. n) (NULL: no such pCPU):
 * once its look is due, the least loaded active pCPU (runnable vCPUs at its last pick, and
 * those in its inbox) that has at least SCHED_BALANCE_GAP fewer than s and may run one of s's
 * runnable vCPUs. Returns that vCPU's index in s->vcpus and sets *to, or -1. Sets when s looks
 * next: a slice later, SCHED_BALANCE_SLICES slices after a move.
 */
int sched_policy_balance(struct sched_cpu *s, struct sched_cpu *const *all, u32 n, u32 me,
			 u64 now, u64 slice, u32 *to);
/*
 * Which runnable vCPU of s to hand to pCPU to in periodic balancing: not the preferred one,
 * allowed there, and rather one whose VM has another runnable vCPU on s (so one VM's vCPUs
 * spread over pCPUs instead of sharing one). Its index in s->vcpus, or -1.
 */
int sched_policy_to_push(const struct sched_cpu *s, u32 to);
/*
 * Whether s can take one more vCPU: its list and its inbox together stay within
 * SCHED_MAX_VCPUS_PER_CPU. Another pCPU asks with s's inbox_lock held (only s's owner adds
 * to its list, and only from the inbox, under that lock, so the answer holds until it drops it).
 */
bool sched_policy_has_room(const struct sched_cpu *s);
/*
 * Moves the vCPUs in s's inbox (the caller holds inbox_lock) to its list, as many as fit; the
 * rest stay in the inbox, in order. Returns the index of the first one moved:
 * s->vcpus[returned .. s->nr) arrived.
 */
u32 sched_policy_adopt(struct sched_cpu *s);

#endif
