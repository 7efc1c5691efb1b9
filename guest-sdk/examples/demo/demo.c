// SPDX-License-Identifier: MIT
/*
 * The `make run` demo: every vCPU works in rounds and, each round, sends an IPI to the next
 * vCPU; each one prints its progress. At the end the BSP checks every IPI arrived.
 */
#include <kestrel-rt/rt.h>

#define VEC_DEMO 0x50
#define WORK_LOOPS 20000 /* busy work per round: long enough for the scheduler to interleave */

static volatile u32 received[RT_MAX_CPUS];
static volatile u32 finished;
static u32 rounds;

static void demo_ipi(struct rt_frame *frame)
{
	(void)frame;
	rt_atomic_inc(&received[rt_cpu_index()]);
}

static void work(u32 cpu, void *arg)
{
	u32 n = rt_smp_cpus(), next = (cpu + 1) % n;
	volatile u64 sum = 0;

	(void)arg;
	rt_sti();
	for (u32 r = 1; r <= rounds; r++) {
		for (u32 i = 0; i < WORK_LOOPS; i++)
			sum += i ^ r;
		rt_apic_send_ipi(rt_smp_apic_id(next), RT_IPI_FIXED | VEC_DEMO);
		if (r % (rounds / 4 ? rounds / 4 : 1) == 0 || r == rounds)
			rt_printf("cpu %u: round %u/%u done, %u IPIs received so far\n", cpu, r,
				  rounds, rt_atomic_load(&received[cpu]));
	}
	rt_atomic_inc(&finished);
}

void kmain(const struct rt_boot *boot)
{
	u32 n;
	u64 t0, wait;

	(void)boot;
	rounds = (u32)rt_cmdline_u64("rounds", 8);
	rt_irq_install(VEC_DEMO, demo_ipi);
	n = rt_smp_start(RT_SMP_DEFAULT);
	rt_printf("demo: %u vCPUs, %u rounds each, an IPI to the next vCPU every round\n", n,
		  rounds);
	t0 = rt_rdtsc();
	rt_smp_call_all(work, NULL);
	/* Every vCPU finished sending; the last IPIs may still be on their way. */
	wait = rt_rdtsc();
	for (u32 i = 0; i < n; i++)
		while (rt_atomic_load(&received[i]) < rounds &&
		       rt_rdtsc() - wait < rt_tsc_from_us(2000000))
			rt_pause();
	rt_printf("demo: all done in %lu TSC ticks\n", rt_rdtsc() - t0);
	rt_test_begin("demo-ipis");
	for (u32 i = 0; i < n; i++)
		rt_check(rt_atomic_load(&received[i]) == rounds, "cpu %u received %u IPIs, not %u",
			 i, rt_atomic_load(&received[i]), rounds);
	rt_check(rt_atomic_load(&finished) == n, "%u of %u vCPUs finished",
		 rt_atomic_load(&finished), n);
	rt_test_end();
}
