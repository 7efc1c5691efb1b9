// SPDX-License-Identifier: MIT
/*
 * An example guest, built from the installed SDK alone (Makefile: pkg-config kestrel-rt). Every
 * CPU sets its TSC-deadline timer's mode once and waits for one deadline, armed the lazy way
 * through its shared area when Kestrel offers it, plainly otherwise (on a PC, QEMU or Bochs, or
 * with `deadline=plain` on its command line).
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define MAX_CPUS	64
#define VEC_TIMER	0x40
#define WAIT_US		500		/* the deadline, from now */
#define GIVE_UP_MS	100		/* TSC time after which the interrupt counts as lost */

static struct kestrel_vcpu_area areas[MAX_CPUS];	/* 64-byte aligned: the type says so */
static volatile u32 fired[MAX_CPUS];
static volatile bool ok[MAX_CPUS];
static struct kestrel_info info;
static bool lazy;

static void timer_irq(struct rt_frame *frame)
{
	(void)frame;
	fired[rt_cpu_index()]++;
}

/* On each CPU: one deadline, WAIT_US from now, must interrupt once, never before it. */
static void one_deadline(u32 cpu)
{
	struct kestrel_vcpu_area *area = NULL;
	u64 deadline, flags, give_up;

	if (lazy && !kestrel_area_register(NULL, &areas[cpu]))
		area = &areas[cpu];
	if (!rt_timer_deadline_mode(VEC_TIMER))
		return;
	flags = rt_save_flags_cli();	/* kestrel_deadline_set() wants interrupts off */
	deadline = rt_rdtsc() + rt_tsc_from_us(WAIT_US);
	kestrel_deadline_set(area, deadline);
	rt_restore_flags(flags);
	give_up = deadline + rt_tsc_from_us(GIVE_UP_MS * 1000);
	while (!fired[cpu] && rt_rdtsc() < give_up)
		rt_pause();
	ok[cpu] = fired[cpu] == 1 && rt_rdtsc() >= deadline;
	rt_timer_stop();
	if (area)
		kestrel_area_unregister();
}

void ap_main(u32 cpu)
{
	if (cpu < MAX_CPUS)
		one_deadline(cpu);
}

void kmain(const struct rt_boot *boot)
{
	char how[8] = "lazy";
	u32 up;

	rt_printf("hello: command line '%s'\n", boot->cmdline);
	rt_cmdline_str("deadline", how, sizeof(how));
	if (kestrel_detect(&info)) {
		lazy = kestrel_has(&info, KESTREL_FEATURE_LAZY_DEADLINE) && !strcmp(how, "lazy");
		rt_printf("hello: on Kestrel, ABI %u, %u vCPUs, lazy deadline %s\n", info.abi_version,
			  info.nr_vcpus, lazy ? "yes" : "no");
	} else {
		rt_printf("hello: not on Kestrel (or pv=off): plain deadlines\n");
	}
	rt_irq_install(VEC_TIMER, timer_irq);

	rt_test_begin("hello-deadline");
	if (!rt_timer_deadline_supported()) {
		rt_skip("no TSC-deadline timer");
		rt_test_end();
		return;
	}
	up = rt_smp_start(RT_SMP_DEFAULT);
	rt_check(up <= MAX_CPUS, "%u CPUs, the example takes %u", up, MAX_CPUS);
	one_deadline(0);
	for (u32 i = 1; i < up && i < MAX_CPUS; i++)
		rt_smp_wait(i);
	for (u32 i = 0; i < up && i < MAX_CPUS; i++)
		rt_check(ok[i], "cpu %u: %u timer interrupts, expected 1 after the deadline", i,
			 fired[i]);
	rt_printf("hello: %u cpus each took one deadline interrupt\n", up);
	rt_test_end();
}
