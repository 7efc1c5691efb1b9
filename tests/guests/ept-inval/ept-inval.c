// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidates all of its VM's second-level mappings while every vCPU keeps reading and writing
 * its RAM, both ways (KESTREL_HC_DEBUG_EPT_INVALIDATE: a generation bump, or walking every
 * entry), and checks that no byte changed and every vCPU went on. Prints the TSC ticks each way
 * took (`rounds=`, default 4): the generation bump must not grow with the VM's memory. With
 * `nap=T`, each vCPU sleeps in HLT for T TSC ticks (its APIC timer) after each pass (vCPU 0
 * while it waits for the others), so its pCPU goes idle now and then and takes waiting vCPUs
 * from the other: vCPUs move between pCPUs while the roots change. With `locked=1` each call
 * asks for the ticks Kestrel held the VM's EPT lock instead (the critical section), and the
 * guest prints the stall a running vCPU saw: how much longer its pass over its slice took
 * when an invalidation hit it (kick, reload, faults back) than the pass before.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/abi.h>

#define REGION_START (8ull << 20) /* above the runtime's image, stack and boot information */
#define STRIDE 4096ull
#define VEC_NAP 0x40

static volatile u32 stop;
static volatile u64 touched[RT_MAX_CPUS];
static u64 region_end;
static u64 nap;
static volatile u32 woke[RT_MAX_CPUS];
static volatile u64 pass_ticks[RT_MAX_CPUS], max_pass[RT_MAX_CPUS];

static void nap_over(struct rt_frame *f)
{
	(void)f;
	woke[rt_cpu_index()] = 1;
}

/* HLT until this CPU's one-shot timer fires (the vLAPIC counts TSC ticks at divide-by-1). */
static void sleep_a_while(u32 cpu)
{
	woke[cpu] = 0;
	rt_timer_oneshot((u32)nap, VEC_NAP);
	while (!woke[cpu])
		rt_sti_hlt();
	rt_cli();
}

static s64 invalidate(u64 mode)
{
	u64 rax = KESTREL_HC_DEBUG_EPT_INVALIDATE;

	__asm__ volatile("vmcall" : "+a"(rax) : "D"(mode) : "memory");
	return (s64)rax;
}

static u64 value(u64 addr)
{
	return addr * 0x9e3779b97f4a7c15ull ^ 0x5eed;
}

/* Every vCPU walks its own slice of the region, checking and rewriting what is there. */
static void churn(u32 cpu, void *arg)
{
	u32 n = rt_smp_cpus();
	u64 bad = 0;

	(void)arg;
	while (!rt_atomic_load(&stop)) {
		u64 t0 = rt_rdtsc(), t;

		for (u64 a = REGION_START + cpu * STRIDE; a < region_end; a += n * STRIDE) {
			volatile u64 *p = (volatile u64 *)(uintptr_t)a;

			bad += *p != value(a);
			*p = value(a);
		}
		t = rt_rdtsc() - t0;
		pass_ticks[cpu] = t;
		if (t > max_pass[cpu])
			max_pass[cpu] = t;
		touched[cpu]++;
		if (nap)
			sleep_a_while(cpu);
	}
	rt_check(bad == 0, "cpu %u read %lu wrong words", cpu, bad);
}

void kmain(const struct rt_boot *boot)
{
	u32 rounds = (u32)rt_cmdline_u64("rounds", 4), n;
	struct rt_cpuid id = rt_cpuid(KESTREL_CPUID_BASE, 0);
	u64 before[RT_MAX_CPUS], base[RT_MAX_CPUS];
	bool locked = rt_cmdline_u64("locked", 0);

	nap = rt_cmdline_u64("nap", 0);
	rt_test_begin("ept-invalidate");
	if (nap && !rt_check(rt_irq_install(VEC_NAP, nap_over), "no handler for the nap timer"))
		return;
	if (!rt_check(id.ebx == KESTREL_SIGNATURE_EBX, "not on Kestrel with pv=on"))
		return;
	region_end = boot->mem_top < (4ull << 30) ? boot->mem_top : 4ull << 30;
	for (u64 a = REGION_START; a < region_end; a += STRIDE)
		*(volatile u64 *)(uintptr_t)a = value(a);
	n = rt_smp_start(RT_SMP_DEFAULT);
	for (u32 i = 1; i < n; i++)
		rt_smp_call(i, churn, NULL);
	for (u32 r = 0; r < rounds; r++) {
		for (u64 mode = 0; mode < 2; mode++) {
			s64 ticks, stall = 0;

			for (u32 i = 1; i < n; i++) {
				/* A whole pass first: the one before is the baseline. */
				before[i] = touched[i];
				while (touched[i] < before[i] + 1)
					nap ? sleep_a_while(0) : rt_pause();
				before[i] = touched[i];
				base[i] = pass_ticks[i];
				max_pass[i] = 0;
			}
			ticks = invalidate(mode | (locked ? KESTREL_DEBUG_EPT_LOCKED : 0));
			rt_check(ticks >= 0, "invalidate(%lu) returned %ld", mode, ticks);
			/* Every vCPU must get through its slice again after the invalidation. */
			for (u32 i = 1; i < n; i++)
				while (touched[i] < before[i] + 2)
					nap ? sleep_a_while(0) : rt_pause();
			for (u32 i = 1; i < n; i++)
				if ((s64)(max_pass[i] - base[i]) > stall)
					stall = (s64)(max_pass[i] - base[i]);
			if (locked)
				rt_printf("ept-inval: %s: critical section %ld TSC ticks, a running "
					  "vCPU's stall %ld TSC ticks, for %lu MiB\n",
					  mode ? "walk" : "generation", ticks, stall,
					  boot->mem_top >> 20);
			else
				rt_printf("ept-inval: %s: %ld TSC ticks for %lu MiB\n",
					  mode ? "walk" : "generation", ticks, boot->mem_top >> 20);
		}
	}
	rt_atomic_store(&stop, 1);
	for (u32 i = 1; i < n; i++)
		rt_smp_wait(i);
	for (u64 a = REGION_START; a < region_end; a += STRIDE)
		rt_check(*(volatile u64 *)(uintptr_t)a == value(a), "word at %#lx changed", a);
	rt_test_end();
}
