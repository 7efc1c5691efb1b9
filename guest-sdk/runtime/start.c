// SPDX-License-Identifier: MIT
/* The bootstrap CPU's C entry: set the runtime up, call kmain(), report the result. */
#include "internal.h"

RT_NORETURN void rt_start(u64 mbi);

RT_NORETURN void rt_start(u64 mbi)
{
	const struct rt_boot *boot;

	rt_percpu_init(0);	/* first: the console and the exception path use GS */
	rt_console_init();
	rt_pic_mask_all();
	rt_irq_init();
	rt_irq_load();
	rt_boot_parse(mbi);
	boot = rt_boot_info();
	rt_cpu_features_init();
	rt_apic_boot_init();
	rt_apic_cpu_init();
	rt_smp_call_init();
	rt_tsc_init();
	rt_printf("kestrel-rt: cpu 0 apic id %u (%s), tsc %lu kHz (%s), memory %lu KiB\n",
		  rt_apic_id(), rt_apic_mode_name(rt_apic_mode()), rt_tsc_hz() / 1000,
		  rt_tsc_hz_source(), boot->mem_available >> 10);
	rt_sti();
	kmain(boot);
	rt_finish();
}
