// SPDX-License-Identifier: GPL-2.0
/* The guest's own TSC: IA32_TSC and IA32_TSC_ADJUST writes move it, per CPU, deadlines with it. */
#include <kestrel-rt/rt.h>

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b	/* SDM Vol. 3B, 18.17.3 */
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define CPUID7_EBX_TSC_ADJUST	(1u << 1)
#define VEC_TIMER		0x31
/* Moves of the TSC: far larger than anything the test does between two reads. */
#define JUMP			((u64)1 << 40)
#define STEP			((u64)5000000)	/* half a second of Bochs's 10 MHz TSC */
/* Ticks one read-modify-write of an MSR may take (a few exits at most). */
#define SLACK			((u64)200000)

static volatile u32 fired;
static volatile u64 fired_tsc;

static void on_timer(struct rt_frame *f)
{
	(void)f;
	fired_tsc = rt_rdtsc();
	rt_atomic_store(&fired, fired + 1);
}

static bool has_tsc_adjust(void)
{
	return rt_cpuid(0, 0).eax >= 7 && (rt_cpuid(7, 0).ebx & CPUID7_EBX_TSC_ADJUST);
}

/* TSC_ADJUST moves the TSC by what it moves, and the TSC moves TSC_ADJUST (18.17.3). */
static void test_moves(void)
{
	u64 t0, t1, adj;

	rt_test_begin("tsc-adjust-moves");
	rt_check(rt_rdmsr(MSR_IA32_TSC_ADJUST) == 0, "IA32_TSC_ADJUST %#lx after power-on",
		 rt_rdmsr(MSR_IA32_TSC_ADJUST));
	t0 = rt_rdtsc_ordered();
	rt_wrmsr(MSR_IA32_TSC_ADJUST, JUMP);
	t1 = rt_rdtsc_ordered();
	rt_check(rt_rdmsr(MSR_IA32_TSC_ADJUST) == JUMP, "IA32_TSC_ADJUST reads %#lx, wrote %#lx",
		 rt_rdmsr(MSR_IA32_TSC_ADJUST), JUMP);
	rt_check(t1 - t0 >= JUMP && t1 - t0 < JUMP + SLACK,
		 "the TSC moved by %#lx when IA32_TSC_ADJUST went from 0 to %#lx", t1 - t0, JUMP);
	rt_check(rt_rdmsr(MSR_IA32_TSC) - t1 < SLACK, "RDMSR IA32_TSC %#lx, RDTSC %#lx",
		 rt_rdmsr(MSR_IA32_TSC), t1);

	/* Writing the TSC back by STEP takes STEP off IA32_TSC_ADJUST. */
	t0 = rt_rdtsc_ordered();
	rt_wrmsr(MSR_IA32_TSC, t0 - STEP);
	t1 = rt_rdtsc_ordered();
	adj = rt_rdmsr(MSR_IA32_TSC_ADJUST);
	rt_check(t1 < t0 && t0 - t1 <= STEP, "IA32_TSC written %lu ticks back: TSC %#lx -> %#lx",
		 STEP, t0, t1);
	/* It moved by STEP and the ticks between the read of t0 and the write. */
	rt_check(adj <= JUMP - STEP && adj >= JUMP - STEP - SLACK,
		 "IA32_TSC_ADJUST %#lx after moving the TSC %lu back from %#lx", adj, STEP, JUMP);
	rt_printf("tsc: adjust %#lx, then TSC written %lu back: adjust %#lx\n", JUMP, STEP, adj);
	rt_test_end();
}

static void other_cpu(u32 cpu, void *arg)
{
	u64 *out = arg;

	(void)cpu;
	out[0] = rt_rdmsr(MSR_IA32_TSC_ADJUST);
	out[1] = rt_rdtsc_ordered();
}

/* The TSC and its adjustment are each logical processor's own. */
static void test_per_cpu(void)
{
	u64 seen[2] = { ~0ull, 0 }, mine = rt_rdmsr(MSR_IA32_TSC_ADJUST), before;

	rt_test_begin("tsc-adjust-per-cpu");
	if (rt_smp_cpus() < 2) {
		rt_skip("one CPU");
		return;
	}
	before = rt_rdtsc_ordered();
	rt_smp_call(1, other_cpu, seen);
	rt_smp_wait(1);
	rt_check(seen[0] == 0, "CPU 1 reads IA32_TSC_ADJUST %#lx: CPU 0's writes moved it",
		 seen[0]);
	/* Its TSC lags this one's by this one's adjustment. */
	rt_check(seen[1] + mine >= before && seen[1] + mine - before < 20 * SLACK,
		 "CPU 1's TSC %#lx, CPU 0's %#lx with adjustment %#lx", seen[1], before, mine);
	rt_test_end();
}

/*
 * A TSC deadline is a TSC value (SDM Vol. 3A, 11.5.4.1): moved past it, the TSC makes it fire
 * at once; moved back, the interrupt waits until the TSC reaches it again. It reads back as
 * written whatever the adjustment.
 */
static void test_deadline(void)
{
	u64 d, t;

	rt_test_begin("tsc-adjust-deadline");
	if (!rt_timer_deadline_mode(VEC_TIMER)) {
		rt_skip("no TSC-deadline timer");
		return;
	}
	rt_atomic_store(&fired, 0);
	d = rt_rdtsc() + 4 * STEP;
	rt_timer_deadline_set(d);
	rt_check(rt_rdmsr(MSR_IA32_TSC_DEADLINE) == d, "IA32_TSC_DEADLINE reads %#lx, set %#lx",
		 rt_rdmsr(MSR_IA32_TSC_DEADLINE), d);
	/* Forward past it: it fires now, not 4 * STEP ticks later. */
	t = rt_rdtsc_ordered();
	rt_wrmsr(MSR_IA32_TSC, d + STEP);
	while (!rt_atomic_load(&fired) && rt_rdtsc() < d + 3 * STEP)
		rt_pause();
	rt_check(rt_atomic_load(&fired) == 1, "%u interrupts after the TSC jumped past the deadline",
		 fired);
	if (fired)
		rt_printf("tsc: deadline passed by a TSC write: fired %lu ticks after the jump\n",
			  fired_tsc - (d + STEP));
	rt_check(!fired || fired_tsc - (d + STEP) < SLACK,
		 "the interrupt came %lu ticks after the TSC jumped past its deadline",
		 fired_tsc - (d + STEP));
	(void)t;

	/* Back before it: nothing until the TSC gets there again. */
	rt_atomic_store(&fired, 0);
	d = rt_rdtsc() + STEP;
	rt_timer_deadline_set(d);
	rt_wrmsr(MSR_IA32_TSC_ADJUST, rt_rdmsr(MSR_IA32_TSC_ADJUST) - 2 * STEP);
	rt_check(rt_rdmsr(MSR_IA32_TSC_DEADLINE) == d, "IA32_TSC_DEADLINE reads %#lx after the "
		 "move, set %#lx", rt_rdmsr(MSR_IA32_TSC_DEADLINE), d);
	while (!rt_atomic_load(&fired) && rt_rdtsc() < d + STEP)
		rt_pause();
	rt_check(fired == 1, "%u interrupts by the deadline after the TSC moved back", fired);
	rt_check(!fired || fired_tsc >= d, "fired at %#lx, %lu ticks before its deadline %#lx",
		 fired_tsc, d - fired_tsc, d);
	if (fired)
		rt_printf("tsc: deadline after the TSC moved back %lu: fired %lu ticks late\n",
			  2 * STEP, fired_tsc - d);
	rt_timer_stop();
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	(void)boot;
	rt_irq_install(VEC_TIMER, on_timer);
	if (!has_tsc_adjust()) {
		rt_printf("tsc: CPUID.7:EBX[1] (IA32_TSC_ADJUST) is clear\n");
		rt_test_begin("tsc-adjust-moves");
		rt_skip("CPUID does not offer IA32_TSC_ADJUST");
		rt_finish();
	}
	if (rt_smp_cpus_wanted() > 1)
		rt_smp_start(RT_SMP_DEFAULT);
	test_moves();
	test_per_cpu();
	test_deadline();
	rt_wrmsr(MSR_IA32_TSC_ADJUST, 0);
}
