// SPDX-License-Identifier: MIT
/* Running a function on another CPU: a mailbox per CPU and a wake-up IPI; the AP idle loop. */
#include "internal.h"

static void wake(struct rt_frame *frame)
{
	(void)frame;	/* the interrupt itself ended the HLT */
}

bool rt_smp_is_idle(u32 cpu)
{
	struct rt_percpu *p = &rt_percpu[cpu];

	return rt_atomic_load(&p->state) == RT_CPU_IDLE &&
	       rt_atomic_load(&p->call_seq) == rt_atomic_load(&p->done_seq);
}

void rt_smp_call_init(void)
{
	rt_irq_install(RT_VEC_WAKE, wake);
}

RT_NORETURN void rt_smp_idle(struct rt_percpu *me)
{
	for (;;) {
		u32 seq;

		rt_cli();
		seq = rt_atomic_load(&me->call_seq);
		if (seq != me->done_seq) {
			rt_atomic_store(&me->state, RT_CPU_BUSY);
			rt_sti();
			me->call_fn(me->index, me->call_arg);
			rt_atomic_store(&me->done_seq, seq);
			continue;
		}
		rt_atomic_store(&me->state, RT_CPU_IDLE);
		/* A wake-up IPI that came since the check ends the HLT at once. */
		rt_sti_hlt();
	}
}

void rt_smp_call(u32 cpu, rt_smp_fn fn, void *arg)
{
	struct rt_percpu *p = &rt_percpu[cpu];

	if (cpu == rt_cpu_index()) {
		fn(cpu, arg);
		return;
	}
	if (!cpu || cpu >= rt_smp_cpus() || rt_atomic_load(&p->state) == RT_CPU_OFF) {
		rt_check(false, "rt_smp_call: cpu %u is not an AP that is up", cpu);
		return;
	}
	while (rt_atomic_load(&p->call_seq) != rt_atomic_load(&p->done_seq))
		rt_pause();
	p->call_fn = fn;
	p->call_arg = arg;
	rt_atomic_store(&p->call_seq, p->call_seq + 1);
	rt_apic_send_ipi(p->apic_id, RT_IPI_FIXED | RT_VEC_WAKE);
}

void rt_smp_wait(u32 cpu)
{
	struct rt_percpu *p = &rt_percpu[cpu];

	if (cpu == rt_cpu_index() || cpu >= rt_smp_cpus())
		return;
	while (rt_atomic_load(&p->state) != RT_CPU_OFF && !rt_smp_is_idle(cpu))
		rt_pause();
}

void rt_smp_call_all(rt_smp_fn fn, void *arg)
{
	u32 me = rt_cpu_index();

	for (u32 i = 0; i < rt_smp_cpus(); i++) {
		if (i != me && rt_atomic_load(&rt_percpu[i].state) != RT_CPU_OFF)
			rt_smp_call(i, fn, arg);
	}
	fn(me, arg);
	for (u32 i = 0; i < rt_smp_cpus(); i++)
		rt_smp_wait(i);
}
