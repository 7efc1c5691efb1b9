// SPDX-License-Identifier: GPL-2.0
/* Per-pCPU round-robin scheduling of vCPUs, idling in HLT, and kicks between pCPUs. */
#include "hv/sched/sched.h"
#include "lib/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/trap.h"
#include "arch/x86/vectors.h"
#include "lib/console.h"
#include "hv/arch.h"
#include "hv/console_input.h"
#include "hv/stats.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "lib/string.h"
#include "mm/mm.h"

u64 sched_slice_tsc;
bool sched_balance = true;
static volatile u32 sched_started;

/* Each pCPU's scheduler state, by pCPU index; other pCPUs touch only the fields that say so. */
static struct sched_cpu *sched_cpus[MAX_CPUS];

int sched_cpu_init(u32 cpu)
{
	u64 pages = ALIGN_UP(sizeof(struct sched_cpu), PAGE_SIZE) >> PAGE_SHIFT;
	u64 p;

	if (cpu >= MAX_CPUS)
		return -EINVAL;
	if (sched_cpus[cpu])
		return 0;
	p = frames_alloc(pages, 0);
	if (!p)
		return -ENOMEM;
	sched_cpus[cpu] = phys_to_virt(p);
	memset(sched_cpus[cpu], 0, sizeof(struct sched_cpu));
	sched_policy_init(sched_cpus[cpu]);
	cpus[cpu]->sched = sched_cpus[cpu];
	return 0;
}


static void kick_irq(struct trap_frame *f)
{
	(void)f;
	WRITE_ONCE(sched_here()->kick_pending, 0);
	lapic_eoi();
}

int sched_place(struct vcpu *v, const struct cpuset *allowed)
{
	struct percpu *best = NULL;
	bool online = false;

	for (u32 i = 0; i < nr_cpus; i++) {
		struct percpu *c = cpus[i];

		if (!cpuset_has(allowed, i) || c->state != CPU_READY || !c->vmx.root)
			continue;
		online = true;
		if (!sched_policy_has_room(sched_cpus[c->index]))
			continue;
		if (!best || sched_cpus[c->index]->nr < sched_cpus[best->index]->nr)
			best = c;
	}
	if (!best)
		return online ? -ENOSPC : -ENODEV;
	v->pcpu = best->index;
	sched_policy_add(sched_cpus[best->index], v);
	return 0;
}

void sched_unplace(struct vcpu *v)
{
	v->state = VCPU_STOPPED;
	sched_policy_remove(sched_cpus[v->pcpu], v);
}

/* Whether v is in s's list (placed or adopted there, not handed on, not stopped). */
static bool listed(const struct sched_cpu *s, const struct vcpu *v)
{
	return v->sched_idx < s->nr && s->vcpus[v->sched_idx] == v;
}

static void kick_cpu(struct percpu *c)
{
	if (c == this_cpu())
		return;
	WRITE_ONCE(sched_cpus[c->index]->requests_pending, 1);
	/* One kick in flight is enough: the target looks at every vCPU's requests. */
	if (atomic_xchg(&sched_cpus[c->index]->kick_pending, 1))
		return;
	lapic_send_ipi(c->apic_id, ICR_FIXED | VEC_KICK);
}

/*
 * Puts v in the list of vCPUs with requests of the pCPU that runs it (once: a vCPU already
 * listed is looked at anyway) and kicks that pCPU, so it looks at v alone, not at all of its
 * vCPUs. The poster set v's request bits first: the owner clears req_queued before it reads
 * them, so a request posted while v is listed is seen, and one posted after makes a new post.
 */
static void post(struct vcpu *v)
{
	struct sched_cpu *s;
	struct vcpu *head;

	if (atomic_xchg(&v->req_queued, 1))
		return;
	s = sched_cpus[atomic_read_seq(&v->pcpu)];
	do {
		head = READ_ONCE(s->req_list);
		v->req_next = head;
	} while (!atomic_cmpxchg(&s->req_list, head, v));
}

void sched_kick(struct vcpu *v)
{
	post(v);
	kick_cpu(cpus[atomic_read_seq(&v->pcpu)]);
}

void sched_kick_posted(struct vcpu *v)
{
	post(v);
	/*
	 * Notified: if v leaves guest mode before the notification arrives, its next entry finds
	 * v's request (set before this with a locked instruction: run.c's Dekker check) and
	 * takes the vectors from posted_irr; the flag has its pCPU look at the list.
	 */
	if (READ_ONCE(v->posted_direct) && arch_vcpu_notify_posted(v))
		WRITE_ONCE(sched_cpus[atomic_read_seq(&v->pcpu)]->requests_pending, 1);
	else
		kick_cpu(cpus[atomic_read_seq(&v->pcpu)]);
}

/* Acts on the requests of the vCPUs posted to this pCPU (post()). */
static void handle_posted(struct sched_cpu *s)
{
	struct vcpu *v = READ_ONCE(s->req_list) ? atomic_xchg(&s->req_list, NULL) : NULL;

	while (v) {
		struct vcpu *next = v->req_next;

		atomic_xchg(&v->req_queued, 0);
		if (listed(s, v))
			vcpu_handle_requests(v);
		else if (atomic_read_seq(&v->pcpu) != sched_this_cpu() && v->state != VCPU_STOPPED)
			sched_kick(v); /* handed on meanwhile: its new pCPU takes it from here */
		/* On its way here (in the inbox): adopt() looks at its requests. */
		v = next;
	}
}

void sched_ask_ept_flush(const struct cpuset *set)
{
	for (u32 i = 0; i < nr_cpus; i++) {
		struct percpu *c = cpus[i];

		if (!cpuset_has(set, c->index) || !sched_cpus[c->index])
			continue;
		/* Asked already: the flush to come covers this request too. */
		if (atomic_xchg(&sched_cpus[c->index]->ept_flush_pending, 1))
			continue;
		/* Idle in HLT, it would wait for a timer that may never come: kick it. */
		kick_cpu(c);
	}
}

/* This pCPU was asked to flush obsolete EPT trees (sched_ask_ept_flush). */
static void ept_flush_if_asked(struct sched_cpu *s)
{
	if (READ_ONCE(s->ept_flush_pending) && atomic_xchg(&s->ept_flush_pending, 0))
		vm_ept_flush_here();
}

static void prefer(struct vcpu *v, bool woke)
{
	sched_policy_prefer(sched_here(), v, woke);
}

void sched_timers_changed_other(struct vcpu *v)
{
	struct sched_cpu *s = sched_here();

	if (listed(s, v))
		sched_policy_timer_changed(s, v);
	s->deadline_dirty = true;
}

void sched_set_state(struct vcpu *v, u32 state)
{
	struct sched_cpu *s = sched_here();

	if (!listed(s, v)) {
		v->state = state;
		return;
	}
	sched_policy_set_state(s, v, state);
	if (state == VCPU_RUNNABLE && v != s->current)
		sched_policy_waiter_arrived(s, rdtsc());
	/* Stopped for good: it leaves this pCPU's list, so no pass here looks at it again. */
	if (state == VCPU_STOPPED)
		sched_policy_remove(s, v);
}

void sched_make_runnable(struct vcpu *v)
{
	struct sched_cpu *s = sched_here();
	u64 now = rdtsc();

	v->runnable_since = now;
	/* One more vCPU waits: slices end again; it was blocked: it may cut the running one short. */
	if (listed(s, v)) {
		sched_policy_wake(s, v, now);
	} else {
		v->state = VCPU_RUNNABLE;
		sched_policy_prefer(s, v, true);
	}
}

void sched_interrupt_pending(struct vcpu *v)
{
	if (v->state == VCPU_HALTED)
		sched_make_runnable(v);
	else if (v->state == VCPU_RUNNABLE)
		prefer(v, false); /* waiting for its turn: next, but no sooner */
}

void sched_yield_to(struct vcpu *v, struct vcpu *t)
{
	struct sched_cpu *s = sched_here();

	(void)v;
	prefer(t, false);
	s->slice_end = rdtsc(); /* the run loop sees the slice over at this exit */
	s->deadline_dirty = true;
}

void sched_wake(struct vcpu *v)
{
	if (v->pcpu == this_cpu()->index) {
		sched_interrupt_pending(v);
		return;
	}
	sched_kick(v);
}

/*
 * Fires this pCPU's due timers, earliest first from the heap: a vLAPIC timer, a lazy deadline
 * (re-armed for a later one, no interrupt), vCPU 0's PIT; a halted vCPU with an interrupt wakes.
 * Each vCPU's place in the heap is updated after; one that is due again at once waits for the
 * next pass (bounded work per pass, as when every vCPU was looked at once).
 */
static void tick_timers(struct sched_cpu *s, u64 now)
{
	struct timer_heap_node *n;

	for (u32 k = 0; k < s->nr && (n = timer_heap_min(&s->timers)) && n->key <= now; k++) {
		struct vcpu *v = (struct vcpu *)((char *)n - __builtin_offsetof(struct vcpu, timer));
		u64 t = vlapic_timer_next(&v->lapic);
		u64 pit = v->id ? 0 : READ_ONCE(v->vm->platform.pit_next);

		/* The PIT's IRQ 0 goes where the guest routed it, maybe to another vCPU. */
		if (pit && pit <= now)
			platform_timer_tick(v->vm, now);
		if (t && t <= now && !pv_deadline_expired(v, now)) {
			vlapic_timer_tick(&v->lapic, now);
			if (vlapic_pending(&v->lapic) >= 0)
				sched_interrupt_pending(v);
		}
		sched_policy_timer_changed(s, v);
		if (timer_heap_min(&s->timers) == n && n->key <= now)
			break; /* still due (a catch-up): the next pass */
	}
}

/* Takes in the vCPUs other pCPUs handed to this one. */
static void adopt(struct sched_cpu *s)
{
	u32 first;

	if (!READ_ONCE(s->nr_inbox))
		return;
	spin_lock(&s->inbox_lock);
	first = sched_policy_adopt(s);
	for (u32 i = first; i < s->nr; i++) {
		arch_vcpu_arrive(s->vcpus[i]);
		prefer(s->vcpus[i], true); /* this pCPU asked for work: the newcomer runs now */
	}
	spin_unlock(&s->inbox_lock);
	/* Requests posted on its way here (handle_posted passed it over) are taken now. */
	for (u32 i = first; i < s->nr; i++)
		vcpu_handle_requests(s->vcpus[i]);
	s->deadline_dirty = true;
}

/*
 * Hands s->vcpus[i] to pCPU to's inbox and kicks it, unless that pCPU is full. Only the owner
 * does this, between runs, so the vCPU is not running and no one else touches its state.
 * Returns the vCPU given away (so the caller can forget it as "last run here"), or NULL.
 */
static struct vcpu *hand_over(struct sched_cpu *s, int i, u32 to, struct vcpu *last)
{
	struct sched_cpu *dst = sched_cpus[to];
	struct vcpu *v = s->vcpus[i];

	spin_lock(&dst->inbox_lock);
	/* A full pCPU (list and inbox) gets nothing: it would have nowhere to put it. */
	if (dst->nr_inbox == SCHED_INBOX || !sched_policy_has_room(dst)) {
		spin_unlock(&dst->inbox_lock);
		return NULL;
	}
	arch_vcpu_leave(v, v == last); /* if it ran last, its FPU and MSRs are live here */
	sched_policy_remove(s, v);
	v->migrations++;
	/* Senders read pcpu after posting a request (hv/vcpu.c): they now kick the new owner. */
	atomic_set_seq(&v->pcpu, to);
	dst->inbox[dst->nr_inbox++] = v;
	spin_unlock(&dst->inbox_lock);
	s->deadline_dirty = true;
	WRITE_ONCE(dst->requests_pending, 1);
	lapic_send_ipi(cpus[to]->apic_id, ICR_FIXED | VEC_KICK);
	return v;
}

/* An idle pCPU asked for work: hand it one runnable vCPU that may run there. */
static struct vcpu *give(struct sched_cpu *s, struct vcpu *last)
{
	u32 req = atomic_xchg(&s->steal_request, 0);
	int i;

	if (!req)
		return NULL;
	i = sched_policy_to_give(s, req - 1);
	return i < 0 ? NULL : hand_over(s, i, req - 1, last);
}

/*
 * Periodic balancing: an idle pCPU asks for work, but a busy one never does, so without this
 * three runnable vCPUs on one pCPU and one on another stay so for as long as the lone one
 * runs (a third of a pCPU each against a whole one). The crowded pCPU hands one over, by the
 * policy's rule and at its pace (hv/sched/policy.h), through the same inbox.
 */
static struct vcpu *balance(struct sched_cpu *s, struct vcpu *last)
{
	u32 to;
	int i = sched_policy_balance(s, sched_cpus, nr_cpus, sched_this_cpu(), rdtsc(),
				     sched_slice_tsc, &to);

	return i < 0 ? NULL : hand_over(s, i, to, last);
}

/* Idle: ask the pCPU with the most waiting vCPUs for one. True when some pCPU has waiters. */
static bool ask_for_work(struct percpu *me)
{
	struct percpu *busiest = NULL;
	u32 most = 0;

	for (u32 i = 0; i < nr_cpus; i++) {
		struct percpu *c = cpus[i];
		u32 w;

		if (c == me || c->state != CPU_READY || !c->vmx.root)
			continue;
		w = READ_ONCE(sched_cpus[c->index]->nr_waiting);
		if (w > most) {
			most = w;
			busiest = c;
		}
	}
	if (busiest && atomic_cmpxchg(&sched_cpus[busiest->index]->steal_request, 0u, me->index + 1))
		lapic_send_ipi(busiest->apic_id, ICR_FIXED | VEC_KICK);
	return busiest != NULL;
}

void sched_handle_requests(void)
{
	struct sched_cpu *s = sched_here();

	if (!READ_ONCE(s->requests_pending))
		return;
	WRITE_ONCE(s->requests_pending, 0);
	ept_flush_if_asked(s);
	/*
	 * A vCPU handed over (give() kicks this pCPU) is taken in here too, from the run loop:
	 * left in the inbox until sched_loop(), it waited for the running vCPU to stop by itself
	 * (with no other vCPU in the list runnable, that vCPU's slice never ends).
	 */
	adopt(s);
	handle_posted(s);
}

void sched_tick(void)
{
	struct sched_cpu *s = sched_here();

	if (s->current)
		sched_policy_timer_flush(s, s->current); /* its timer may be the one due */
	tick_timers(s, rdtsc());
}

/*
 * Whether the pass between runs must be a full one: a request, a handed-over vCPU or a steal
 * request came (each sets a flag here before its kick), a timer here is due, or a slice went
 * by since the last full pass (console, balancing, EPT housekeeping).
 */
static inline bool pass_needed(struct sched_cpu *s, u64 now)
{
	u64 t = timer_heap_min_key(&s->timers);

	return READ_ONCE(s->requests_pending) || READ_ONCE(s->req_list) ||
	       READ_ONCE(s->steal_request) || READ_ONCE(s->nr_inbox) ||
	       READ_ONCE(s->ept_flush_pending) ||
	       (s64)(now - s->pass_due) >= 0 || (t && t <= now);
}

__noreturn void sched_loop(void)
{
	struct percpu *cpu = this_cpu();
	struct sched_cpu *s = sched_cpus[cpu->index];
	struct vcpu *last = NULL;
	bool more_ept, idled = false;

	WRITE_ONCE(s->active, true); /* periodic balancing may hand vCPUs here now */
	for (;;) {
		struct vcpu *v;
		u64 now = rdtsc(), input = 0;

		/*
		 * The short pass: between two runs with nothing posted or due here, the next vCPU
		 * is picked at once (a HLT that hands the pCPU to the vCPU it woke, the ping-pong of
		 * docs/measured.md). Everything the full pass looks at is either announced by a flag
		 * read here or waits for pass_due, a slice at most (sooner for console input).
		 * Never after idling: what woke this pCPU is for the full pass.
		 */
		if (!idled && sched_policy_runnable(s) && !pass_needed(s, now) &&
		    (v = sched_policy_pick(s)))
			goto run;
		idled = false;
		s->pass_due = now + sched_slice_tsc;
		adopt(s);
		console_pump(); /* output in progress: what the serial ports take now */
		/* One pCPU reads the console: bytes typed there, for the VM with the focus. */
		if (cpu->index == 0) {
			input = console_input_poll(now);
			if (input)
				s->pass_due = MIN(s->pass_due, input);
		}
		WRITE_ONCE(s->requests_pending, 0);
		handle_posted(s);
		if (give(s, last) == last)
			last = NULL;
		if (sched_balance && balance(s, last) == last)
			last = NULL;
		now = rdtsc();
		tick_timers(s, now);
		more_ept = vm_ept_housekeeping_pending();
		ept_flush_if_asked(s); /* asked by others, or by the housekeeping just done */
		v = sched_policy_pick(s);
		if (!v) {
			u64 d = timer_heap_min_key(&s->timers), t0 = rdtsc();

			/* Idle time is nobody's: print what VMs wrote, and come back when they may. */
			for (u32 i = 0; i < nr_vms; i++) {
				u64 more = vm_console_drain(vms[i]);

				if (more)
					d = d ? MIN(d, more) : more;
			}

			if (input)
				d = d ? MIN(d, input) : input;
			/* Ask again a slice later if the answer may have been no. */
			if (sched_balance && ask_for_work(cpu))
				d = d ? MIN(d, t0 + sched_slice_tsc) : t0 + sched_slice_tsc;
			/* A stopped VM's EPT waits for other pCPUs' flushes: look again soon. */
			if (more_ept)
				d = d ? MIN(d, t0 + sched_slice_tsc / 16) : t0 + sched_slice_tsc / 16;
			if (d)
				timer_arm(d);
			cpu_wait_for_interrupt();
			timer_cancel();
			s->idle_tsc += rdtsc() - t0;
			idled = true;
			continue;
		}
run:
		arch_vcpu_switch(last, v);
		last = v;
		sched_policy_run_begin(s, v, rdtsc(), sched_slice_tsc);
		/* Its VM's console output is printed in its own slice, not in the exit that wrote it. */
		vm_console_drain(v->vm);
		arch_vcpu_run(v);
		sched_policy_timer_flush(s, v); /* its timer goes in the heap again */
		sched_policy_run_end(s, v, rdtsc(), sched_slice_tsc);
		/*
		 * Requests posted to it while it was current were not listed (its run loop takes
		 * them); those it left with (a reset's power-on, posted as it parked) are taken now.
		 */
		if (READ_ONCE(v->requests))
			vcpu_handle_requests(v);
		/* Asked for in an exit (KESTREL_HC_DEBUG_STATS), printed here, between runs. */
		stats_print_if_asked(v->vm);
		/* Blocked now: it may not run again soon, and what it wrote should not wait. */
		if (v->state != VCPU_RUNNABLE)
			vm_console_drain(v->vm);
	}
}

void sched_start_all(void)
{
	trap_set_handler(VEC_KICK, kick_irq);
	WRITE_ONCE(sched_started, 1);
	for (u32 i = 1; i < nr_cpus; i++)
		if (cpus[i]->state == CPU_READY)
			lapic_send_ipi(cpus[i]->apic_id, ICR_FIXED | VEC_KICK);
}

/* Where the APs wait after their boot checks until there is work. */
__noreturn void sched_ap_wait(void)
{
	while (!READ_ONCE(sched_started))
		cpu_wait_for_interrupt();
	sched_loop();
}

void sched_preempted(struct vcpu *v)
{
	v->preempted = true;
	v->runnable_since = rdtsc();
	pv_preempted(v);
}
