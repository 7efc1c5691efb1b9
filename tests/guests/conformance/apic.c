// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC: globally disabling it through IA32_APIC_BASE (SDM Vol. 3A, 12.4.3 and
 * 12.12.5) and its timer's initial- and current-count registers across mode changes, re-arms
 * and divide changes (12.5.4, 12.5.4.1). The timer runs masked throughout: only the count
 * registers are watched, no interrupt is taken.
 */
#include "conformance.h"

#define XAPIC(off)	((volatile u32 *)(uintptr_t)(RT_APIC_MMIO_BASE + (off)))
#define APIC_BASE_MODE	(RT_APIC_BASE_ENABLE | RT_APIC_BASE_X2APIC)
#define LVT_MASKED	(1u << 16)
#define TIMER_ONESHOT	(0u << 17)
#define TIMER_PERIODIC	(1u << 17)
#define TIMER_DEADLINE	(2u << 17)
#define TIMER_VEC	0x40	/* never delivered: the entry stays masked */
#define DIV_1		0xb	/* figure 12-10 */
#define DIV_128		0xa

static bool apic_feature(void)
{
	return cpuid_bit(1, 0, 'd', 9);
}

static bool base_write(u64 v)
{
	return !msr_write_gp(RT_MSR_IA32_APIC_BASE, v);
}

/*
 * Globally disabled, the processor is one without an APIC (12.4.3): CPUID.1:EDX.APIC[9] is 0
 * and the 4 KiB at the APIC base is no APIC: every read there, of any size, returns all ones
 * (nothing answers on a PC), writes go nowhere.
 */
static void check_disabled_page(const char *when)
{
	u32 ver = *XAPIC(RT_APIC_VERSION);
	u8 byte = *(volatile u8 *)XAPIC(RT_APIC_VERSION);
	u16 half = *(volatile u16 *)XAPIC(RT_APIC_ID + 2);
	u64 quad = *(volatile u64 *)XAPIC(RT_APIC_TPR);

	rt_check(ver == 0xffffffffu, "%s: 32-bit read of the version register gives %#x", when,
		 ver);
	rt_check(byte == 0xff, "%s: a byte read gives %#x", when, byte);
	rt_check(half == 0xffff, "%s: a 16-bit read gives %#x", when, half);
	rt_check(quad == ~0ull, "%s: a 64-bit read gives %#lx", when, quad);
	*XAPIC(RT_APIC_TPR) = 0x50;
	rt_check(*XAPIC(RT_APIC_TPR) == 0xffffffffu, "%s: the TPR written reads %#x", when,
		 *XAPIC(RT_APIC_TPR));
}

void test_apic_disable(void)
{
	u64 base = rt_rdmsr(RT_MSR_IA32_APIC_BASE), flags = rt_save_flags_cli(), b;
	u32 ver;

	rt_test_begin("apic-disable");
	if (base & RT_APIC_BASE_X2APIC) {
		rt_skip("the boot APIC mode is x2APIC: run with apic=xapic");
		goto out;
	}
	rt_check(apic_feature(), "enabled, yet CPUID.1:EDX.APIC is 0");
	ver = *XAPIC(RT_APIC_VERSION);
	rt_check(ver != 0xffffffffu && (ver & 0xff), "xAPIC version register reads %#x", ver);

	/* Enabled -> disabled. */
	rt_check(base_write(base & ~(u64)APIC_BASE_MODE), "disabling the APIC: #GP");
	b = rt_rdmsr(RT_MSR_IA32_APIC_BASE);
	rt_check(!(b & APIC_BASE_MODE), "IA32_APIC_BASE %#lx after disabling", b);
	rt_check(!apic_feature(), "disabled, yet CPUID.1:EDX.APIC is 1");
	check_disabled_page("disabled");
	/* EXTD without EN is invalid; disabled -> x2APIC skips a state (12.12.5, fig. 12-27). */
	rt_check(!base_write((base & ~(u64)APIC_BASE_MODE) | RT_APIC_BASE_X2APIC),
		 "EN=0 EXTD=1 written without #GP");
	rt_check(!base_write(base | RT_APIC_BASE_X2APIC) || !rt_apic_x2apic_supported(),
		 "disabled -> x2APIC written without #GP");
	b = rt_rdmsr(RT_MSR_IA32_APIC_BASE);
	rt_check(!(b & APIC_BASE_MODE), "IA32_APIC_BASE %#lx after refused writes", b);

	/* Disabled -> xAPIC: the APIC is back, in its power-up state (12.4.7.1). */
	rt_check(base_write(base), "enabling the APIC again: #GP");
	rt_check(apic_feature(), "enabled again, yet CPUID.1:EDX.APIC is 0");
	rt_check(*XAPIC(RT_APIC_VERSION) == ver, "version reads %#x after re-enabling",
		 *XAPIC(RT_APIC_VERSION));
	rt_check(*XAPIC(RT_APIC_SVR) == 0xff, "SVR %#x after re-enabling, not its reset 0xff",
		 *XAPIC(RT_APIC_SVR));

	/* xAPIC -> x2APIC -> (no way back) -> disabled -> xAPIC. */
	if (rt_apic_x2apic_supported()) {
		rt_check(base_write(base | RT_APIC_BASE_X2APIC), "xAPIC -> x2APIC: #GP");
		rt_check(apic_feature(), "x2APIC mode, yet CPUID.1:EDX.APIC is 0");
		/* x2APIC mode: the MMIO page answers as a disabled APIC's (12.12.1.2). */
		check_disabled_page("x2APIC mode");
		rt_check(!base_write(base), "x2APIC -> xAPIC written without #GP");
		rt_check(base_write(base & ~(u64)APIC_BASE_MODE), "x2APIC -> disabled: #GP");
		rt_check(!apic_feature(), "disabled from x2APIC, yet CPUID.1:EDX.APIC is 1");
		rt_check(base_write(base), "disabled -> xAPIC: #GP");
	}
	rt_check(rt_apic_set_mode(RT_APIC_XAPIC), "the runtime could not set up xAPIC mode again");
out:
	rt_restore_flags(flags);
	rt_test_end();
}

static u32 cur(void)
{
	return rt_apic_read(RT_APIC_TIMER_CUR);
}

static u32 initial(void)
{
	return rt_apic_read(RT_APIC_TIMER_INIT);
}

static void lvt(u32 mode)
{
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_MASKED | mode | TIMER_VEC);
}

static void spin_tsc(u64 ticks)
{
	for (u64 t0 = rt_rdtsc(); rt_rdtsc() - t0 < ticks;)
		rt_pause();
}

/* Waits until the count reads 0 or goes up (a periodic reload); false after `limit` TSC ticks. */
static bool wait_expiry(u64 limit, u32 *after)
{
	u32 prev = cur(), c;

	for (u64 t0 = rt_rdtsc(); rt_rdtsc() - t0 < limit;) {
		c = cur();
		if (!c || c > prev) {
			*after = c;
			return true;
		}
		prev = c;
	}
	*after = cur();
	return false;
}

void test_apic_timer(void)
{
	const u32 big = 1u << 20;
	u64 flags = rt_save_flags_cli(), t0, t1, limit;
	u32 c0, c1, c2, after;
	u64 rate_x1000;

	rt_test_begin("apic-timer-counts");
	rt_apic_write(RT_APIC_TIMER_DIV, DIV_1);

	/* The count rate against the TSC, at divide-by-1: counts per 1000 TSC ticks. */
	lvt(TIMER_ONESHOT);
	rt_apic_write(RT_APIC_TIMER_INIT, 0xffffffffu);
	t0 = rt_rdtsc();
	c0 = cur();
	spin_tsc(100000);
	c1 = cur();
	t1 = rt_rdtsc();
	rate_x1000 = (u64)(c0 - c1) * 1000 / (t1 - t0);
	rt_printf("conformance: timer: %lu counts per 1000 TSC ticks at divide-by-1\n", rate_x1000);
	rt_check(rate_x1000 > 0, "the count does not move: %u then %u", c0, c1);
	if (!rate_x1000)
		goto out;
	/* TSC ticks for n counts at divide-by-1, with room for exits in between. */
	limit = (u64)big * 1000 / rate_x1000 * 4 + 1000000;

	/* One-shot -> periodic mid-count: the count goes on, the initial count stays. */
	rt_apic_write(RT_APIC_TIMER_INIT, big);
	lvt(TIMER_PERIODIC);
	rt_check(initial() == big, "one-shot -> periodic: initial count %#x, was %#x", initial(),
		 big);
	c1 = cur();
	rt_check(c1 > 0 && c1 <= big, "one-shot -> periodic: current count %#x", c1);
	rt_check(wait_expiry(limit, &after), "periodic: no expiry within %lu TSC ticks", limit);
	rt_check(after > 0, "periodic: the count reached 0 and stayed (no reload)");
	/* Periodic -> one-shot: the count under way ends at 0 and stays there. */
	lvt(TIMER_ONESHOT);
	rt_check(initial() == big, "periodic -> one-shot: initial count %#x", initial());
	rt_check(cur() > 0, "periodic -> one-shot: the count stopped at once");
	rt_check(wait_expiry(limit, &after) && after == 0, "one-shot: no expiry to 0 (%#x)", after);
	spin_tsc(limit / 4);
	rt_check(cur() == 0, "one-shot: the count left 0 after expiring: %#x", cur());
	rt_check(initial() == big, "one-shot expired: initial count %#x", initial());

	/* A re-arm restarts the count from the initial count. */
	rt_apic_write(RT_APIC_TIMER_INIT, big);
	spin_tsc(limit / 16);
	c1 = cur();
	rt_apic_write(RT_APIC_TIMER_INIT, big);
	c2 = cur();
	rt_check(c2 > c1, "re-arm: the count %#x did not restart (was %#x)", c2, c1);
	/* 0 stops it. */
	rt_apic_write(RT_APIC_TIMER_INIT, 0);
	rt_check(cur() == 0, "initial count 0: the count reads %#x", cur());

	/* Divide-by-1 -> divide-by-128 mid-count: the count slows down at once. */
	rt_apic_write(RT_APIC_TIMER_INIT, big);
	c1 = cur();
	rt_apic_write(RT_APIC_TIMER_DIV, DIV_128);
	t0 = rt_rdtsc();
	spin_tsc(200000);
	c2 = cur();
	t1 = rt_rdtsc();
	rt_printf("conformance: timer: divide 1 -> 128: %u counts in %lu TSC ticks\n", c1 - c2,
		  t1 - t0);
	rt_check(c2 <= c1 && c2 > 0, "divide change: count %#x then %#x", c1, c2);
	rt_check((u64)(c1 - c2) * 1000 < (t1 - t0) * rate_x1000 / 16,
		 "after divide-by-128 the count went down by %u in %lu TSC ticks: not slower",
		 c1 - c2, t1 - t0);
	rt_apic_write(RT_APIC_TIMER_DIV, DIV_1);

	/* Into TSC-deadline mode: the count timer is disarmed, both registers read 0. */
	if (cpuid_bit(1, 0, 'c', 24)) {
		rt_apic_write(RT_APIC_TIMER_INIT, big);
		lvt(TIMER_PERIODIC);
		lvt(TIMER_DEADLINE);
		rt_check(initial() == 0 && cur() == 0, "TSC-deadline mode: initial %#x current %#x",
			 initial(), cur());
		rt_apic_write(RT_APIC_TIMER_INIT, big);
		rt_check(initial() == 0 && cur() == 0,
			 "TSC-deadline mode: initial count written, reads initial %#x current %#x",
			 initial(), cur());
		/* And out of it: still disarmed until a new initial count. */
		lvt(TIMER_ONESHOT);
		rt_check(initial() == 0 && cur() == 0, "back to one-shot: initial %#x current %#x",
			 initial(), cur());
		spin_tsc(10000);
		rt_check(cur() == 0, "back to one-shot: the count moved without an initial count");
		rt_apic_write(RT_APIC_TIMER_INIT, big);
		rt_check(cur() > 0 && initial() == big,
			 "one-shot re-armed: initial %#x current %#x", initial(), cur());
	}
	rt_apic_write(RT_APIC_TIMER_INIT, 0);
out:
	rt_restore_flags(flags);
	rt_test_end();
}
