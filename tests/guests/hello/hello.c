// SPDX-License-Identifier: GPL-2.0
/* The smallest guest: prints its command line and memory, starts every vCPU, each says hello. */
#include <kestrel-rt/rt.h>

static volatile u32 hellos;

void ap_main(u32 cpu)
{
	rt_printf("hello from cpu %u\n", cpu);
	rt_atomic_inc(&hellos);
}

void kmain(const struct rt_boot *boot)
{
	u32 wanted = rt_smp_cpus_wanted(), up;

	rt_printf("hello: command line '%s'\n", boot->cmdline);
	rt_printf("hello: memory %lu KiB available, top 0x%lx, %u map entries, %u modules\n",
		  boot->mem_available >> 10, boot->mem_top, boot->n_regions, boot->n_modules);
	rt_printf("hello from cpu %u\n", rt_cpu_index());

	rt_test_begin("hello-smp");
	up = rt_smp_start(RT_SMP_DEFAULT);
	for (u32 i = 1; i < rt_smp_cpus(); i++)
		rt_smp_wait(i);
	rt_printf("hello: %u cpus up\n", up);
	if (wanted)
		rt_check(up == wanted, "%u cpus up, cpus=%u", up, wanted);
	rt_check(rt_atomic_load(&hellos) == up - 1, "%u APs said hello, %u are up",
		 rt_atomic_load(&hellos), up - 1);
	rt_test_end();
}
