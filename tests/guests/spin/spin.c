// SPDX-License-Identifier: GPL-2.0
/*
 * For overcommit tests: every CPU counts to `rounds=` on its own counter, pausing every few
 * rounds and printing its progress `reports=` times; all must finish. With `locked=K` every
 * K-th round also takes one lock shared by all CPUs (where a preempted lock holder hurts).
 * With `tick=N` every CPU runs a periodic local APIC timer of initial count N while it counts,
 * as a guest kernel's tick does (the fairness test: such a VM must not keep its pCPU).
 * Each CPU also reports the steal time Kestrel gave it in the shared area while it counted
 * (runnable, kept off its pCPU), or "steal -" where the area cannot be registered (pv=off).
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define DEFAULT_ROUNDS	1000000
#define DEFAULT_REPORTS	4
#define PAUSE_EVERY	64
#define VEC_TICK	0x60

struct counter {
	volatile u64 value;
	u64 tsc;		/* how long this CPU took */
	u64 steal;		/* of which runnable but not running; ~0 when not known */
} RT_ALIGNED(64);

static struct kestrel_vcpu_area areas[RT_MAX_CPUS]; /* the type is 64-byte aligned */

static struct counter counters[RT_MAX_CPUS];
static struct rt_spinlock shared_lock = RT_SPINLOCK_INIT;
static volatile u64 shared;
static u64 rounds, report_every, locked_every, tick;
static volatile u32 ticks[RT_MAX_CPUS];

static void tick_irq(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&ticks[rt_cpu_index()]);
}

static void spin(u32 cpu, void *arg)
{
	struct counter *c = &counters[cpu];
	bool pv = kestrel_hc_set_shared_area((u64)(uintptr_t)&areas[cpu]) == 0;
	u64 s0 = pv ? kestrel_steal_time(&areas[cpu]) : 0, t0 = rt_rdtsc();

	(void)arg;
	if (tick) {
		rt_timer_periodic((u32)tick, VEC_TICK);
		rt_sti();
	}
	for (u64 r = 1; r <= rounds; r++) {
		c->value++;
		if (locked_every && r % locked_every == 0) {
			rt_spin_lock(&shared_lock);
			shared++;
			rt_spin_unlock(&shared_lock);
		}
		if (r % PAUSE_EVERY == 0)
			rt_pause();
		if (r % report_every == 0)
			rt_printf("spin: cpu %u at %lu of %lu\n", cpu, r, rounds);
	}
	c->tsc = rt_rdtsc() - t0;
	c->steal = pv ? kestrel_steal_time(&areas[cpu]) - s0 : ~0ull;
	if (pv)
		kestrel_hc_set_shared_area(0);
	if (tick)
		rt_timer_stop();
}

void kmain(const struct rt_boot *boot)
{
	u32 n, wanted = rt_smp_cpus_wanted();
	u64 reports;

	(void)boot;
	rounds = rt_cmdline_u64("rounds", DEFAULT_ROUNDS);
	reports = rt_cmdline_u64("reports", DEFAULT_REPORTS);
	report_every = reports && rounds / reports ? rounds / reports : rounds + 1;
	locked_every = rt_cmdline_u64("locked", 0);
	tick = rt_cmdline_u64("tick", 0);
	if (tick)
		rt_irq_install(VEC_TICK, tick_irq);

	rt_test_begin("spin-smp");
	n = rt_smp_start(RT_SMP_DEFAULT);
	if (wanted)
		rt_check(n == wanted, "%u cpus up, cpus=%u", n, wanted);
	rt_test_end();

	rt_printf("spin: %u cpus, %lu rounds each%s\n", n, rounds,
		  locked_every ? ", with a shared lock" : "");
	rt_smp_call_all(spin, NULL);

	rt_test_begin("spin");
	for (u32 i = 0; i < n; i++) {
		char steal[24] = "-";

		if (counters[i].steal != ~0ull)
			rt_snprintf(steal, sizeof(steal), "%lu", counters[i].steal);
		rt_printf("spin: cpu %u total %lu in %lu TSC ticks, %u timer interrupts, steal %s\n",
			  i, counters[i].value, counters[i].tsc, ticks[i], steal);
		if (tick)
			rt_check(ticks[i] > 0, "cpu %u: tick=%lu but no timer interrupt", i, tick);
		rt_check(counters[i].value == rounds, "cpu %u counted %lu of %lu", i,
			 counters[i].value, rounds);
	}
	if (locked_every)
		rt_check(shared == n * (rounds / locked_every), "shared counter %lu, expected %lu",
			 shared, n * (rounds / locked_every));
	rt_test_end();
}
