// SPDX-License-Identifier: GPL-2.0
/*
 * Resets its VM twice, first through the reset control register (port 0xcf9), then through
 * the keyboard controller (port 0x64); Kestrel's CPUID leaf 0x40000001 EDX counts the resets.
 * RAM is zeroed and the kernel loaded again each time, which the guest checks too: its .bss
 * (which the loader zeroes) and pages nothing loads, the last free page of RAM and one in the
 * middle, where it leaves a marker before each reset.
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
