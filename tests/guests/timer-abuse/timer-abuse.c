// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC timers set up to hurt the pCPU. mode=masked: a periodic timer of initial count 1
 * at divide-by-1, masked, while the vCPU spins for spin_us: it must wake nothing and cost the
 * other vCPUs of the pCPU nothing. mode=tiny: the same timer unmasked: it may interrupt this
 * vCPU no more often than Kestrel's floor (200 us) allows, so at most spin_us / 200 + 1 times.
 * The spin VM beside it on the same pCPU must finish its work either way.
 */
#include <kestrel-rt/rt.h>

#define VEC_TIMER	0x70
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define DIVIDE_BY_1	0xb
#define FLOOR_US	200

static volatile u64 fired;

static void timer_irq(struct rt_frame *f)
{
	(void)f;
	fired++;
}

void kmain(const struct rt_boot *boot)
{
	char mode[16] = "masked";
	u64 spin_us, t0;
	bool masked;

	(void)boot;
	rt_cmdline_str("mode", mode, sizeof(mode));
	spin_us = rt_cmdline_u64("spin_us", 100000);
	masked = strcmp(mode, "tiny") != 0;
	rt_irq_install(VEC_TIMER, timer_irq);
	rt_test_begin("timer-abuse-%s", mode);
	rt_apic_write(RT_APIC_TIMER_DIV, DIVIDE_BY_1);
	rt_apic_write(RT_APIC_LVT_TIMER, (masked ? LVT_MASKED : 0) | LVT_PERIODIC | VEC_TIMER);
	rt_apic_write(RT_APIC_TIMER_INIT, 1);
	rt_sti();
	t0 = rt_rdtsc();
	while (rt_rdtsc() - t0 < rt_tsc_from_us(spin_us))
		rt_pause();
	rt_apic_write(RT_APIC_TIMER_INIT, 0);
	rt_printf("timer-abuse: mode %s, %lu timer interrupts in %lu us\n", mode, fired, spin_us);
	if (masked)
		rt_check(fired == 0, "a masked timer interrupted %lu times", fired);
	else
		rt_check(fired > 0 && fired <= spin_us / FLOOR_US + 1,
			 "%lu interrupts in %lu us from a 1-count periodic timer (floor %u us)",
			 fired, spin_us, FLOOR_US);
	rt_test_end();
}
