// SPDX-License-Identifier: GPL-2.0
/*
 * CR8 is the guest's own task priority, never the pCPU's. role=attacker: MOV to CR8 and back
 * must give what was written, agree with the local APIC's TPR (CR8 = TPR[7:4], SDM Vol. 3A,
 * 12.8.6.1), and hold a pending interrupt below it until it is lowered; then CR8 = 15 while
 * it spins for spin_us, and the VM ends so. role=victim, on the same pCPU: after 4 x spin_us
 * (the attacker has ended by then), sleeps in HLT on its timer `sleeps=` times; it can only
 * wake if the pCPU still takes interrupts (a guest value in the physical TPR would mask them
 * all: the idle pCPU would never wake again).
 */
#include <kestrel-rt/rt.h>

#define VEC_LOW		0x50	/* priority class 5 */
#define VEC_TIMER	0x60

static volatile u32 low_seen, timer_seen;

static void low_irq(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&low_seen);
}

static void timer_irq(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&timer_seen);
}

static u64 cr8_read(void)
{
	u64 v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void cr8_write(u64 v)
{
	__asm__ volatile("mov %0, %%cr8" ::"r"(v) : "memory");
}

static void attacker(u64 spin_tsc)
{
	rt_test_begin("cr8-is-the-tpr");
	for (u64 p = 0; p < 16; p++) {
		cr8_write(p);
		rt_check(cr8_read() == p, "wrote %lu to CR8, read %lu", p, cr8_read());
		rt_check(rt_apic_read(RT_APIC_TPR) == p << 4, "CR8 %lu but TPR 0x%x", p,
			 rt_apic_read(RT_APIC_TPR));
	}
	/* A self-IPI below the priority waits; lowering CR8 lets it in. */
	cr8_write(6);
	rt_sti();
	rt_apic_send_ipi(rt_apic_id(), VEC_LOW);
	for (u32 i = 0; i < 1000; i++)
		rt_pause();
	rt_check(!rt_atomic_load(&low_seen), "vector 0x%x taken with CR8 at 6", VEC_LOW);
	cr8_write(0);
	for (u32 i = 0; i < 1000 && !rt_atomic_load(&low_seen); i++)
		rt_pause();
	rt_check(rt_atomic_load(&low_seen) == 1, "vector 0x%x not taken once CR8 is 0", VEC_LOW);
	rt_test_end();

	/*
	 * Now the hostile part: the highest priority, held while it spins and left so when the
	 * VM ends. The victim then sleeps in HLT alone on the pCPU, which must still wake it.
	 */
	cr8_write(15);
	for (u64 t0 = rt_rdtsc(); rt_rdtsc() - t0 < spin_tsc;)
		rt_pause();
}

static void victim(u32 sleeps, u64 wait_tsc)
{
	rt_test_begin("cr8-victim-sleeps");
	/* The attacker shares the pCPU: by then it has ended, CR8 left at 15. */
	for (u64 t0 = rt_rdtsc(); rt_rdtsc() - t0 < wait_tsc;)
		rt_pause();
	rt_printf("cr8: sleeping %u times on the timer\n", sleeps);
	rt_sti();
	for (u32 i = 0; i < sleeps; i++) {
		u32 before = rt_atomic_load(&timer_seen);

		rt_timer_oneshot(20000, VEC_TIMER);
		while (rt_atomic_load(&timer_seen) == before)
			rt_sti_hlt();
	}
	rt_check(rt_atomic_load(&timer_seen) == sleeps, "%u timer interrupts for %u sleeps",
		 rt_atomic_load(&timer_seen), sleeps);
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	char role[16] = "";
	u64 spin_tsc;

	(void)boot;
	rt_irq_install(VEC_LOW, low_irq);
	rt_irq_install(VEC_TIMER, timer_irq);
	rt_cmdline_str("role", role, sizeof(role));
	spin_tsc = rt_tsc_from_us(rt_cmdline_u64("spin_us", 100000));
	if (!strcmp(role, "attacker"))
		attacker(spin_tsc);
	else
		victim((u32)rt_cmdline_u64("sleeps", 20), 4 * spin_tsc);
}
