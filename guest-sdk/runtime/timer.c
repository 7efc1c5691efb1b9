// SPDX-License-Identifier: MIT
/* The local APIC timer in its three modes, and its rate against the TSC (SDM Vol. 3A, 12.5.4). */
#include "internal.h"

#define LVT_MASKED		(1u << 16)
#define LVT_ONESHOT		(0u << 17)
#define LVT_PERIODIC		(1u << 17)
#define LVT_TSC_DEADLINE	(2u << 17)

void rt_timer_oneshot(u32 count, u8 vector)
{
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_ONESHOT | vector);
	rt_apic_write(RT_APIC_TIMER_INIT, count);	/* writing the initial count starts it */
}

void rt_timer_periodic(u32 count, u8 vector)
{
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_PERIODIC | vector);
	rt_apic_write(RT_APIC_TIMER_INIT, count);
}

bool rt_timer_deadline_supported(void)
{
	return rt_cpu_features()->tsc_deadline;
}

bool rt_timer_deadline_mode(u8 vector)
{
	if (!rt_timer_deadline_supported())
		return false;
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_TSC_DEADLINE | vector);
	/*
	 * The LVT write must land before the deadline write; an x2APIC WRMSR is not
	 * serializing, hence MFENCE (SDM Vol. 3A, 12.5.4.1).
	 */
	rt_mfence();
	return true;
}

void rt_timer_deadline_set(u64 tsc)
{
	rt_wrmsr(RT_MSR_IA32_TSC_DEADLINE, tsc);
}

bool rt_timer_deadline(u64 tsc, u8 vector)
{
	if (!rt_timer_deadline_mode(vector))
		return false;
	rt_timer_deadline_set(tsc);
	return true;
}

void rt_timer_stop(void)
{
	if (rt_timer_deadline_supported())
		rt_wrmsr(RT_MSR_IA32_TSC_DEADLINE, 0);	/* disarms (11.5.4.1) */
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_MASKED);
	rt_apic_write(RT_APIC_TIMER_INIT, 0);
}

u32 rt_timer_current(void)
{
	return rt_apic_read(RT_APIC_TIMER_CUR);
}

/* One measurement: false when the timer ran out or does not count. */
static bool calibrate_once(u64 window, struct rt_timer_rate *rate)
{
	u64 a0, b0, a1, b1;
	u32 c0, c1;

	rt_apic_write(RT_APIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT);
	rt_apic_write(RT_APIC_TIMER_INIT, 0xffffffffu);
	a0 = rt_rdtsc_ordered();
	c0 = rt_timer_current();
	b0 = rt_rdtsc_ordered();
	while (rt_rdtsc() - b0 < window)
		rt_pause();
	a1 = rt_rdtsc_ordered();
	c1 = rt_timer_current();
	b1 = rt_rdtsc_ordered();
	rt_timer_stop();
	if (!c1 || c1 >= c0 || a1 <= b0)
		return false;
	rate->counts = c0 - c1;
	rate->tsc_min = a1 - b0;
	rate->tsc_max = b1 - a0;
	return true;
}

/*
 * A count read between two TSC reads is placed in time only as well as the two bracket it:
 * a CPU descheduled between them (a vCPU whose time slice ends at the read's exit) brackets
 * it by a whole slice, and the rate from tsc_min is then off by that much. Up to
 * CALIBRATE_TRIES measurements: the first whose brackets are both tight, else the tightest.
 */
#define CALIBRATE_TRIES 4

bool rt_timer_calibrate(u64 window, struct rt_timer_rate *rate)
{
	u64 best = ~0ull;
	bool found = false;

	for (u32 i = 0; i < CALIBRATE_TRIES; i++) {
		struct rt_timer_rate r;
		u64 loose;

		if (!calibrate_once(window, &r))
			return false;	/* ran out, or does not count */
		loose = r.tsc_max - r.tsc_min;	/* the two brackets' widths together */
		if (loose < best) {
			best = loose;
			*rate = r;
			found = true;
		}
		if (loose <= window / 64)
			break;
	}
	return found;
}

u64 rt_timer_tsc_min(const struct rt_timer_rate *rate, u64 count)
{
	/* Each count read may be one count off: the fewest ticks per count is then this. */
	return rt_muldiv(count ? count - 1 : 0, rate->tsc_min, rate->counts + 1);
}

u64 rt_timer_tsc_mid(const struct rt_timer_rate *rate, u64 count)
{
	return rt_muldiv(count, (rate->tsc_min + rate->tsc_max) / 2, rate->counts);
}
