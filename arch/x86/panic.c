// SPDX-License-Identifier: GPL-2.0
/* panic(): print the reason, the CPU and the registers, stop the other CPUs, halt. */
#include "lib/panic.h"
#include "lib/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "lib/console.h"
#include "lib/format.h"

static volatile u32 panicking;

bool panic_in_progress(void)
{
	return READ_ONCE(panicking) != 0;
}

static __noreturn void vpanic(const struct trap_frame *f, const char *fmt, va_list ap)
{
	char msg[200];
	u32 cpu = 0;

	irq_disable();
	if (atomic_xchg(&panicking, 1))
		cpu_halt_forever(); /* another CPU is already reporting */
	if (rdmsr(MSR_IA32_GS_BASE))
		cpu = this_cpu()->index;
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	console_force_unlock();
	console_printf("\nkestrel: PANIC on cpu %u: %s\n", cpu, msg);
	if (f)
		trap_dump(f);
	lapic_stop_others();
	console_printf("kestrel: halted\n");
	cpu_halt_forever();
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(NULL, fmt, ap);
}

__noreturn void panic_frame(const struct trap_frame *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(f, fmt, ap);
}
