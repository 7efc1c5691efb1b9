// SPDX-License-Identifier: GPL-2.0
/*
 * Reads, then writes, guest-physical addresses far beyond RAM. A PC, QEMU, and Kestrel by
 * default read all ones there and drop the writes (`expect=survive`, the default: every read,
 * the one after the write too, must be all ones, and reaching the end passes); a Kestrel VM
 * with strict_mmio=on is stopped at the first access (`expect=stop`: reaching the end is a
 * FAIL). With `fetch=on` it then jumps to 3 GiB: Kestrel stops the VM (reaching the next line
 * is a FAIL). With `loop=N` it then reads 2 GiB - 64 KiB N times in a tight loop, each read an
 * exit Kestrel emulates, and prints "loop done" (a VM whose exits never end its slice: another
 * VM on its pCPU must still get its turn).
 */
#include <kestrel-rt/rt.h>

static const u64 addrs[] = { 0x7fff0000, 0xc0000000 };	/* 2 GiB - 64 KiB, 3 GiB */

static void touch(u64 addr, bool survive)
{
	volatile u32 *p = (volatile u32 *)(uintptr_t)addr;
	u32 v;

	rt_printf("bad-memory: reading 0x%lx\n", addr);
	rt_console_flush();
	v = *p;
	rt_printf("bad-memory: read 0x%lx: 0x%x\n", addr, v);
	rt_check(!survive || v == 0xffffffff, "0x%lx read 0x%x, not all ones", addr, v);
	rt_printf("bad-memory: writing 0x%lx\n", addr);
	rt_console_flush();
	*p = 0x5a5a5a5a;
	v = *p;
	rt_printf("bad-memory: wrote 0x%lx, reads 0x%x\n", addr, v);
	rt_check(!survive || v == 0xffffffff, "0x%lx kept a write: reads 0x%x", addr, v);
}

void kmain(const struct rt_boot *boot)
{
	char expect[16] = "survive", fetch[8] = "off";
	bool survive;
	u64 loop;

	rt_cmdline_str("expect", expect, sizeof(expect));
	rt_cmdline_str("fetch", fetch, sizeof(fetch));
	survive = !strcmp(expect, "survive");
	rt_test_begin("bad-memory");
	for (u32 i = 0; i < RT_ARRAY_SIZE(addrs); i++) {
		if (addrs[i] < boot->mem_top || rt_boot_range_available(addrs[i], addrs[i] + 4)) {
			rt_skip("0x%lx is RAM in this VM (memory top 0x%lx)", addrs[i],
				boot->mem_top);
			continue;
		}
		touch(addrs[i], survive);
	}
	if (!strcmp(fetch, "on")) {
		rt_printf("bad-memory: jumping to 0x%lx\n", addrs[1]);
		rt_console_flush();
		((void (*)(void))(uintptr_t)addrs[1])();
		rt_check(false, "came back from a jump to unbacked memory");
	}
	rt_check(survive, "accesses beyond RAM were not stopped (expect=%s)", expect);
	rt_test_end();
	loop = rt_cmdline_u64("loop", 0);
	if (loop && addrs[0] >= boot->mem_top) {
		volatile u32 *p = (volatile u32 *)(uintptr_t)addrs[0];
		u64 ones = 0, t0 = rt_rdtsc();

		rt_test_begin("bad-memory-loop");
		for (u64 i = 0; i < loop; i++)
			ones += *p == 0xffffffff;
		rt_printf("bad-memory: loop done: %lu reads of 0x%lx in %lu TSC ticks\n", loop,
			  addrs[0], rt_rdtsc() - t0);
		rt_check(ones == loop, "%lu of %lu reads all ones", ones, loop);
		rt_test_end();
	}
}
