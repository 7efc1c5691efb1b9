// SPDX-License-Identifier: GPL-2.0
/*
 * Loads an empty IDT and executes INT3: #GP for the missing gate, #DF, then a triple fault
 * (SDM Vol. 3A, 7.15, interrupt 8). A hypervisor must stop (or reset) the VM. With cpus=N
 * the other vCPUs are started first, so the whole VM must stop, not just this vCPU.
 */
#include <kestrel-rt/rt.h>

void kmain(const struct rt_boot *boot)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	(void)boot;
	if (rt_smp_cpus_wanted() > 1)
		rt_printf("triple-fault: %u cpus up\n", rt_smp_start(RT_SMP_DEFAULT));
	rt_printf("triple-fault: loading an empty IDT and executing int3\n");
	rt_console_flush();
	rt_cli();
	__asm__ volatile("lidt %0; int3" : : "m"(empty) : "memory");
	rt_test_begin("triple-fault");
	rt_check(false, "still running after int3 with an empty IDT");
	rt_test_end();
}
