// SPDX-License-Identifier: GPL-2.0
/*
 * What an exit costs: each operation in a tight loop on CPU 0, timed with RDTSC, printed as
 * TSC ticks per operation (in Bochs, instructions per round trip, guest loop included). Each
 * figure is the fastest of `batches` batches of `ops` operations, so a batch that a time slice
 * or another vCPU interrupted does not count. The other CPUs idle (halted) except the partner
 * of the ping-pong: their number is what the `make bench` scenario varies.
 */
#include <kestrel-rt/rt.h>

#define MSR_X2APIC_EOI	0x80b	/* SDM Vol. 3A, 12.12.1.2, table 12-6 */
#define MSR_X2APIC_ICR	0x830
#define MSR_X2APIC_SELF_IPI 0x83f
#define VEC_SELF	0x50
#define VEC_PING	0x51
#define VEC_PONG	0x52
#define VEC_TIMER	0x53
#define HC_UNKNOWN	0x1fffeu	/* above KVM's numbers, none of Kestrel's (docs/abi.md) */
#define FAR_AHEAD	(1ull << 40)	/* a TSC deadline that never comes during the run */

static u32 ops, batches;
static volatile u32 self_count, ping_count, pong_count;
static volatile bool pong_stop;

static void self_irq(struct rt_frame *f)
{
	(void)f;
	self_count++;
}

/* CPU 1's handler: every ping is answered by a pong to CPU 0. */
static void ping_irq(struct rt_frame *f)
{
	(void)f;
	ping_count++;
	rt_wrmsr(MSR_X2APIC_ICR, ((u64)rt_smp_apic_id(0) << 32) | VEC_PONG);
}

static void pong_irq(struct rt_frame *f)
{
	(void)f;
	pong_count++;
}

static void op_cpuid(void)
{
	u32 a = 0, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static void op_vmcall(void)
{
	u64 ret = HC_UNKNOWN;

	__asm__ volatile("vmcall" : "+a"(ret) : : "memory");
}

static void op_eoi(void)
{
	rt_wrmsr(MSR_X2APIC_EOI, 0); /* nothing in service: an EOI with no effect */
}

/* A fixed self-IPI through the ICR: delivered at once, its handler runs, then the EOI. */
static void op_self_ipi(void)
{
	u32 want = self_count + 1;

	rt_wrmsr(MSR_X2APIC_ICR, RT_IPI_SELF | VEC_SELF);
	while (self_count != want)
		rt_pause();
}

/* The same through the x2APIC SELF IPI register, which APIC virtualization takes without exit. */
static void op_self_ipi_msr(void)
{
	u32 want = self_count + 1;

	rt_wrmsr(MSR_X2APIC_SELF_IPI, VEC_SELF);
	while (self_count != want)
		rt_pause();
}

static void op_deadline(void)
{
	rt_wrmsr(RT_MSR_IA32_TSC_DEADLINE, rt_rdtsc() + FAR_AHEAD);
}

/* A ping to CPU 1, halted, and HLT here until its pong comes back. */
static void op_ping_pong(void)
{
	u32 want = pong_count + 1;

	rt_wrmsr(MSR_X2APIC_ICR, ((u64)rt_smp_apic_id(1) << 32) | VEC_PING);
	rt_cli();
	while (pong_count != want) {
		rt_sti_hlt();
		rt_cli();
	}
	rt_sti();
}

static void pong_partner(u32 cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	while (!pong_stop)
		rt_sti_hlt();
}

/* The fastest batch, in ticks per operation (rounded). */
static u64 measure(void (*op)(void))
{
	u64 best = ~0ull;

	for (u32 b = 0; b < batches; b++) {
		u64 t0 = rt_rdtsc();

		for (u32 i = 0; i < ops; i++)
			op();
		t0 = rt_rdtsc() - t0;
		if (t0 < best)
			best = t0;
	}
	return (best + ops / 2) / ops;
}

static void report(const char *name, u64 ticks)
{
	rt_printf("exit-costs: %-12s %lu ticks/op\n", name, ticks);
}

void kmain(const struct rt_boot *boot)
{
	u32 up, cpus;

	(void)boot;
	ops = (u32)rt_cmdline_u64("ops", 64);
	batches = (u32)rt_cmdline_u64("batches", 8);
	rt_test_begin("exit-costs-setup");
	up = rt_smp_start(RT_SMP_DEFAULT);
	cpus = rt_smp_cpus_wanted();
	rt_check(up == cpus, "%u CPUs up, cpus= says %u", up, cpus);
	rt_check(up >= 2, "the ping-pong needs a second CPU");
	rt_check(rt_apic_mode() == RT_APIC_X2APIC, "the APIC operations need x2APIC");
	rt_check(rt_timer_deadline_supported(), "no TSC-deadline timer");
	rt_check(ops && batches, "ops= and batches= must not be 0");
	rt_irq_install(VEC_SELF, self_irq);
	rt_irq_install(VEC_PING, ping_irq);
	rt_irq_install(VEC_PONG, pong_irq);
	rt_test_end();
	if (rt_tests_failed())
		return;

	rt_test_begin("exit-costs");
	rt_printf("exit-costs: %u vcpus, %u batches of %u\n", up, batches, ops);
	report("cpuid", measure(op_cpuid));
	report("vmcall", measure(op_vmcall));
	report("eoi", measure(op_eoi));
	report("self-ipi", measure(op_self_ipi));
	report("self-ipi-msr", measure(op_self_ipi_msr));
	rt_timer_deadline_mode(VEC_TIMER);
	report("deadline", measure(op_deadline));
	rt_timer_deadline_set(0);
	rt_smp_call(1, pong_partner, NULL);
	report("ping-pong", measure(op_ping_pong));
	pong_stop = true;
	op_ping_pong(); /* the last one lets CPU 1 see pong_stop */
	rt_smp_wait(1);
	rt_check(self_count == 2 * ops * batches, "%u self-IPIs arrived of %u", self_count,
		 2 * ops * batches);
	rt_check(ping_count == ops * batches + 1 && pong_count == ping_count,
		 "%u pings and %u pongs of %u", ping_count, pong_count, ops * batches + 1);
	rt_test_end();
}
