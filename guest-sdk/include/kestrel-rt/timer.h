/* SPDX-License-Identifier: MIT */
/* The local APIC timer: one-shot, periodic and TSC-deadline modes (SDM Vol. 3A, 12.5.4). */
#ifndef KESTREL_RT_TIMER_H
#define KESTREL_RT_TIMER_H

#include <kestrel-rt/types.h>

/* The runtime runs the timer with divide-by-1 (DCR 1011b). */
void rt_timer_oneshot(u32 count, u8 vector);
void rt_timer_periodic(u32 count, u8 vector);

/* Arms the TSC-deadline timer; false when CPUID.1:ECX[24] says there is none. */
bool rt_timer_deadline_supported(void);
bool rt_timer_deadline(u64 tsc, u8 vector);

/*
 * Puts this CPU's timer in TSC-deadline mode with vector, unmasked, without arming it; false
 * when there is no TSC-deadline timer. Call it once per CPU, then arm with
 * rt_timer_deadline_set() or libkestrel's kestrel_deadline_set(): rt_timer_deadline() writes
 * the LVT on every call, and under a hypervisor each LVT write is an exit.
 */
bool rt_timer_deadline_mode(u8 vector);
/* IA32_TSC_DEADLINE alone: tsc arms (or re-arms), 0 disarms. The mode must be set already. */
void rt_timer_deadline_set(u64 tsc);

/* Masks the timer and zeroes the initial count and the deadline. */
void rt_timer_stop(void);
u32 rt_timer_current(void);

/*
 * How fast the APIC timer counts against the TSC, measured over about `window` TSC ticks:
 * `counts` timer counts took between tsc_min and tsc_max TSC ticks (the bounds come from
 * the time each read itself took). A measurement whose reads were bracketed loosely (the CPU
 * was descheduled between a read and its TSC reads) is taken again: the tightest of up to
 * four. Leaves the timer stopped.
 */
struct rt_timer_rate {
	u64 counts;
	u64 tsc_min;
	u64 tsc_max;
};

bool rt_timer_calibrate(u64 window, struct rt_timer_rate *rate);

/* TSC ticks that `count` timer counts take at least, and at the midpoint estimate. */
u64 rt_timer_tsc_min(const struct rt_timer_rate *rate, u64 count);
u64 rt_timer_tsc_mid(const struct rt_timer_rate *rate, u64 count);

#endif
