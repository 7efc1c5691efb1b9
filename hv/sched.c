// SPDX-License-Identifier: GPL-2.0
/* Per-pCPU round-robin scheduling of vCPUs, idling in HLT, and kicks between pCPUs. */
#include "hv/sched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/trap.h"
#include "arch/x86/vectors.h"
#include "hv/console.h"
#include "hv/vcpu.h"
#include "hv/vm.h"

u64 sched_slice_tsc;
static volatile u32 sched_started;

static void kick_irq(struct trap_frame *f)
{
	(void)f;
	WRITE_ONCE(this_cpu()->sched.kick_pending, 0);
	lapic_eoi();
}

bool sched_place(struct vcpu *v, u64 mask)
{
	struct percpu *best = NULL;

	for (u32 i = 0; i < nr_cpus && i < 64; i++) {
		struct percpu *c = cpus[i];

		if (!(mask & BIT(i)) || c->state != CPU_READY || !c->vmx.root)
			continue;
		if (c->sched.nr == SCHED_MAX_VCPUS_PER_CPU)
			continue;
		if (!best || c->sched.nr < best->sched.nr)
			best = c;
	}
	if (!best)
		return false;
	v->pcpu = best->index;
	best->sched.vcpus[best->sched.nr++] = v;
	return true;
}

void sched_kick(struct vcpu *v)
{
	struct percpu *c = cpus[v->pcpu];

	if (c == this_cpu())
		return;
	WRITE_ONCE(c->sched.requests_pending, 1);
	/* One kick in flight is enough: the target looks at every vCPU's requests. */
	if (__atomic_exchange_n(&c->sched.kick_pending, 1, __ATOMIC_SEQ_CST))
		return;
	lapic_send_ipi(c->apic_id, ICR_FIXED | VEC_KICK);
}

/* v has something to do now: it runs next, and the running vCPU makes way at its next exit. */
static void prefer(struct vcpu *v)
{
	struct sched_cpu *s = &this_cpu()->sched;

	s->prefer = v;
	if (s->current && s->current != v)
		s->woken = true;
}

void sched_timers_changed(void)
{
	this_cpu()->sched.deadline_dirty = true;
}

void sched_make_runnable(struct vcpu *v)
{
	this_cpu()->sched.deadline_dirty = true; /* one more vCPU waits: slices end again */
	v->state = VCPU_RUNNABLE;
	v->runnable_since = rdtsc();
	prefer(v);
}

void sched_interrupt_pending(struct vcpu *v)
{
	if (v->state == VCPU_HALTED)
		sched_make_runnable(v);
	else if (v->state == VCPU_RUNNABLE)
		prefer(v); /* waiting for its turn: make it sooner */
}

void sched_wake(struct vcpu *v)
{
	if (v->pcpu == this_cpu()->index) {
		sched_interrupt_pending(v);
		return;
	}
	sched_kick(v);
}

/* Fires every due vLAPIC timer of this pCPU's vCPUs; a halted vCPU with an interrupt wakes. */
static void tick_timers(struct sched_cpu *s, u64 now)
{
	for (u32 i = 0; i < s->nr; i++) {
		struct vcpu *v = s->vcpus[i];
		u64 t = vlapic_timer_next(&v->lapic);

		if (!t || t > now || v->state == VCPU_STOPPED)
			continue;
		s->deadline_dirty = true;
		if (pv_deadline_expired(v, now))
			continue; /* lazy deadline: re-armed for a later one, no interrupt */
		vlapic_timer_tick(&v->lapic, now);
		if (vlapic_pending(&v->lapic) >= 0)
			sched_interrupt_pending(v);
	}
}

static struct vcpu *pick(struct sched_cpu *s)
{
	struct vcpu *p = s->prefer;

	s->prefer = NULL;
	if (p && p->state == VCPU_RUNNABLE)
		return p;
	for (u32 k = 0; k < s->nr; k++) {
		struct vcpu *v = s->vcpus[(s->next + k) % s->nr];

		if (v->state == VCPU_RUNNABLE) {
			s->next = (s->next + k + 1) % s->nr;
			return v;
		}
	}
	return NULL;
}

static u64 earliest_timer(struct sched_cpu *s)
{
	u64 d = 0;

	for (u32 i = 0; i < s->nr; i++) {
		u64 t = vlapic_timer_next(&s->vcpus[i]->lapic);

		if (t && s->vcpus[i]->state != VCPU_STOPPED && (!d || t < d))
			d = t;
	}
	return d;
}

void sched_handle_requests(void)
{
	struct sched_cpu *s = &this_cpu()->sched;

	if (!READ_ONCE(s->requests_pending))
		return;
	WRITE_ONCE(s->requests_pending, 0);
	for (u32 i = 0; i < s->nr; i++)
		vcpu_handle_requests(s->vcpus[i]);
}

void sched_tick(void)
{
	tick_timers(&this_cpu()->sched, rdtsc());
}

__noreturn void sched_loop(void)
{
	struct percpu *cpu = this_cpu();
	struct sched_cpu *s = &cpu->sched;
	struct vcpu *last = NULL;

	for (;;) {
		struct vcpu *v;
		u64 now;

		WRITE_ONCE(s->requests_pending, 0);
		for (u32 i = 0; i < s->nr; i++)
			vcpu_handle_requests(s->vcpus[i]);
		now = rdtsc();
		tick_timers(s, now);
		for (u32 i = 0; i < nr_vms; i++)
			vm_ept_housekeeping(vms[i]);
		v = pick(s);
		if (!v) {
			u64 d = earliest_timer(s), t0 = rdtsc();

			if (d)
				timer_arm(d);
			cpu_wait_for_interrupt();
			timer_cancel();
			s->idle_tsc += rdtsc() - t0;
			continue;
		}
		vcpu_switch_state(last, v);
		last = v;
		s->slice_end = rdtsc() + sched_slice_tsc;
		s->min_run_end = rdtsc() + sched_slice_tsc / 4;
		s->current = v;
		s->woken = false;
		vcpu_run(v);
		s->current = NULL;
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
