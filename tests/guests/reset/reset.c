// SPDX-License-Identifier: GPL-2.0
/*
 * Resets its VM twice, first through the reset control register (port 0xcf9), then through
 * the keyboard controller (port 0x64); Kestrel's CPUID leaf 0x40000001 EDX counts the resets.
 * RAM is zeroed and the kernel loaded again each time, which the guest checks too, and the
 * MSRs VMX does not switch (KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK; SYSENTER_*, TSC_AUX)
 * read 0 again, never what the run before the reset wrote; free pages read zero (the last
 * page of RAM and one in the middle, where it leaves a marker before each reset). With
 * `from=ap` the AP resets the VM (port 0xcf9, 8 times) while vCPU 0 spins in its guest code:
 * vCPU 0 may be the last to stop for the reset, in its own run loop, and must start at the
 * entry all the same.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/abi.h>

static u32 untouched; /* .bss: must read 0 after every reset */

#define MARKER 0x5a5aa5a5c3c33c3cull

/* Pages neither the loader nor the runtime uses: only this guest's marker ever lands there. */
static u32 probe_pages(const struct rt_boot *boot, volatile u64 *probe[2])
{
	u64 cand[2] = { boot->mem_top - 4096, (boot->mem_top / 2) & ~4095ull };
	u32 n = 0;

	for (u32 i = 0; i < 2; i++)
		if (rt_boot_range_available(cand[i], cand[i] + 4096) &&
		    !rt_boot_range_in_use(cand[i], cand[i] + 4096))
			probe[n++] = (volatile u64 *)(uintptr_t)cand[i];
	return n;
}

/* Written with a value of their own before each reset; every one must read 0 after it. */
static const u32 msrs[] = {
	0xc0000102, /* KERNEL_GS_BASE */
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0x174, 0x175, 0x176, /* SYSENTER_CS, _ESP, _EIP */
};

static void check_msrs_cleared(u32 resets)
{
	rt_test_begin("reset-msrs-cleared-%u", resets);
	for (u32 i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		u64 v = rt_rdmsr(msrs[i]);

		rt_check(v == 0, "MSR %#x reads %#lx after the reset", msrs[i], v);
	}
	rt_test_end();
}

static void write_msrs(void)
{
	for (u32 i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		rt_wrmsr(msrs[i], 0x1000 + i * 0x10); /* canonical, and a valid STAR/SFMASK */
}

#define AP_RESETS 8

static bool from_ap(void)
{
	char from[8] = "";

	rt_cmdline_str("from", from, sizeof(from));
	return !strcmp(from, "ap");
}

void ap_main(u32 cpu)
{
	if (cpu != 1 || !from_ap() || rt_cpuid(KESTREL_CPUID_FEATURES, 0).edx >= AP_RESETS)
		return;
	rt_outb(0xcf9, 0x02);
	rt_outb(0xcf9, 0x06);
}

void kmain(const struct rt_boot *boot)
{
	struct rt_cpuid id = rt_cpuid(KESTREL_CPUID_BASE, 0);
	volatile u64 *probe[2];
	u32 resets, n;

	rt_test_begin("reset-detect");
	if (!rt_check(id.ebx == KESTREL_SIGNATURE_EBX && id.eax >= KESTREL_CPUID_FEATURES,
		      "not running on Kestrel (leaf 0x40000000: %x %x)", id.eax, id.ebx))
		return;
	rt_test_end();
	resets = rt_cpuid(KESTREL_CPUID_FEATURES, 0).edx;
	rt_printf("reset: boot number %u\n", resets + 1);
	rt_test_begin("reset-ram-cleared-%u", resets);
	rt_check(untouched == 0, "a variable left from before the reset reads %#x", untouched);
	rt_test_end();
	untouched = 0xdeadbeef;
	if (resets)
		check_msrs_cleared(resets);
	write_msrs();
	rt_test_begin("reset-ram-zero-%u", resets);
	n = probe_pages(boot, probe);
	rt_check(n == 2, "only %u free pages to probe (RAM top %#lx)", n, boot->mem_top);
	for (u32 i = 0; i < n; i++) {
		u32 w = 0;

		while (w < 512 && probe[i][w] == 0)
			w++;
		rt_check(w == 512, "%#lx reads %#lx after %u resets",
			 (u64)(uintptr_t)&probe[i][w % 512], probe[i][w % 512], resets);
		for (u32 w = 0; w < 512; w++)
			probe[i][w] = MARKER;
	}
	rt_test_end();
	/* The other vCPUs are running (idle) when the reset comes: they must start over too. */
	rt_test_begin("reset-smp-%u", resets);
	rt_check(rt_smp_start(RT_SMP_DEFAULT) == rt_smp_cpus_wanted(), "not every vCPU started");
	rt_test_end();
	if (from_ap()) {
		if (resets >= AP_RESETS)
			return;
		for (;;)
			rt_pause(); /* in guest code when the AP's reset comes; it must start over */
	}
	if (resets == 0) {
		rt_printf("reset: through port 0xcf9\n");
		rt_outb(0xcf9, 0x02);
		rt_outb(0xcf9, 0x06);
	} else if (resets == 1) {
		rt_printf("reset: through the keyboard controller\n");
		rt_outb(0x64, 0xfe);
	} else {
		return; /* two resets done: report and exit */
	}
	rt_test_begin("reset-happened");
	rt_check(false, "the reset did not happen");
	rt_test_end();
}
