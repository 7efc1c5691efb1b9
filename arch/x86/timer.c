// SPDX-License-Identifier: GPL-2.0
/* TSC calibration (ACPI PM timer, else PIT channel 2) and the LAPIC one-shot/TSC-deadline timer. */
#include "arch/x86/timer.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/vectors.h"

#define PM_TIMER_HZ 3579545ULL /* ACPI 6.5, 4.8.3.3 */
#define PIT_HZ 1193182ULL
#define CALIBRATE_MS 20

struct timer_info timer_info;

/* Counts ticks of the 24- or 32-bit ACPI PM timer for ms milliseconds. */
static void wait_pm_timer(u16 port, bool wide, u32 ms)
{
	u32 mask = wide ? 0xffffffffu : 0xffffffu;
	u64 need = PM_TIMER_HZ * ms / 1000, seen = 0;
	u32 last = inl(port) & mask;

	while (seen < need) {
		u32 now = inl(port) & mask;

		seen += (now - last) & mask;
		last = now;
	}
}

/* PIT channel 2 in mode 0, gated through port 0x61; bit 5 of 0x61 is its output. */
static bool wait_pit(u32 ms)
{
	u32 count = (u32)(PIT_HZ * ms / 1000);
	u64 spins = 0;

	if (count > 0xffff)
		return false;
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	while (!(inb(0x61) & 0x20)) {
		if (++spins > 100000000ULL)
			return false; /* no PIT answering */
	}
	return true;
}

static bool measure(const struct acpi_info *acpi, u64 *tsc, u32 *apic_ticks)
{
	u64 t0;
	u32 a0;

	lapic_write(LAPIC_TIMER_DIVIDE, 0xb); /* divide by 1, SDM Vol. 3A, figure 12-10 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
	a0 = lapic_read(LAPIC_TIMER_CURRENT);
	t0 = rdtsc();
	if (acpi && acpi->pm_timer_port) {
		wait_pm_timer(acpi->pm_timer_port, acpi->pm_timer_32bit, CALIBRATE_MS);
		timer_info.reference = "ACPI PM timer";
	} else if (wait_pit(CALIBRATE_MS)) {
		timer_info.reference = "PIT";
	} else {
		return false;
	}
	*tsc = rdtsc() - t0;
	*apic_ticks = a0 - lapic_read(LAPIC_TIMER_CURRENT);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	return true;
}

static void timer_irq(struct trap_frame *f)
{
	(void)f;
	this_cpu()->timer.fired_tsc = rdtsc();
	lapic_eoi();
}

int timer_calibrate(const struct acpi_info *acpi)
{
	struct cpuid_regs r = cpuid(1, 0);
	u64 tsc;
	u32 apic;

	timer_info.tsc_deadline = r.ecx & CPUID1_ECX_TSC_DEADLINE;
	if (cpuid(0x80000000, 0).eax >= 0x80000007)
		timer_info.invariant_tsc = cpuid(0x80000007, 0).edx & CPUID80000007_EDX_INVARIANT_TSC;
	if (!measure(acpi, &tsc, &apic))
		return -ENODEV;
	timer_info.tsc_hz = tsc * 1000 / CALIBRATE_MS;
	timer_info.lapic_hz = (u64)apic * 1000 / CALIBRATE_MS;
	trap_set_handler(VEC_LAPIC_TIMER, timer_irq);
	return timer_info.tsc_hz ? 0 : -ENODEV;
}

void timer_init_cpu(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, 0xb);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
}

u64 timer_us_to_tsc(u64 us)
{
	return timer_info.tsc_hz / 1000000 * us + timer_info.tsc_hz % 1000000 * us / 1000000;
}

void timer_arm(u64 deadline)
{
	struct percpu *cpu = this_cpu();

	cpu->timer.fired_tsc = 0;
	cpu->timer.armed_for = deadline;
	if (timer_info.tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER);
		/* Order the LVT write before the deadline write, SDM Vol. 3A, 12.5.4.1. */
		asm volatile("mfence" ::: "memory");
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline ? deadline : 1);
	} else {
		u64 now = rdtsc(), delta = deadline > now ? deadline - now : 1;
		/* Round the count up so the interrupt is never early. */
		u64 count = (delta * timer_info.lapic_hz + timer_info.tsc_hz - 1) / timer_info.tsc_hz;

		lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_ONESHOT | VEC_LAPIC_TIMER);
		lapic_write(LAPIC_TIMER_INITIAL, (u32)MIN(MAX(count, 1), 0xffffffffULL));
	}
}

void timer_cancel(void)
{
	this_cpu()->timer.armed_for = 0;
	if (timer_info.tsc_deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	else
		lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
}

void timer_udelay(u64 us)
{
	u64 end = rdtsc() + timer_us_to_tsc(us);

	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}

int timer_selftest(u64 us, s64 *late)
{
	struct percpu *cpu = this_cpu();
	u64 deadline = rdtsc() + timer_us_to_tsc(us);
	/* Give up well after the deadline: this path only reports, it never hangs. */
	u64 give_up = deadline + timer_us_to_tsc(100 * us + 100000);

	timer_arm(deadline);
	irq_enable();
	while (!READ_ONCE(cpu->timer.fired_tsc) && (s64)(rdtsc() - give_up) < 0)
		cpu_relax();
	irq_disable();
	timer_cancel();
	if (!cpu->timer.fired_tsc)
		return -ETIMEDOUT;
	*late = (s64)(cpu->timer.fired_tsc - deadline);
	return 0;
}
