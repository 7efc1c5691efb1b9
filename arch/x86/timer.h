/* SPDX-License-Identifier: GPL-2.0 */
/* Time: the TSC calibrated against a fixed-rate clock, and the local APIC's one-shot timer. */
#ifndef KESTREL_ARCH_X86_TIMER_H
#define KESTREL_ARCH_X86_TIMER_H

#include "lib/types.h"

struct acpi_info;

struct timer_info {
	u64 tsc_hz;
	u64 lapic_hz; /* the APIC timer's rate at divide-by-1 */
	bool tsc_deadline; /* CPUID.1:ECX[24] */
	bool invariant_tsc;
	const char *reference; /* what the TSC was measured against */
};

extern struct timer_info timer_info;

/* Measures the TSC and APIC timer rates on the bootstrap CPU. Returns 0 or -ENODEV. */
int timer_calibrate(const struct acpi_info *acpi);
/* Arms this CPU's one-shot timer to interrupt at (or after) the TSC value deadline. */
void timer_arm(u64 deadline);
void timer_cancel(void);
void timer_init_cpu(void);
/* Busy-waits for at least us microseconds. */
void timer_udelay(u64 us);
u64 timer_us_to_tsc(u64 us);
/*
 * Arms the timer us microseconds ahead and waits for it with interrupts on.
 * Returns 0 and how many TSC ticks after the deadline the interrupt came
 * (negative: early), or -ETIMEDOUT if it never came.
 */
int timer_selftest(u64 us, s64 *late);

#endif
