// SPDX-License-Identifier: GPL-2.0
/*
 * Reads, then writes, guest-physical addresses far beyond RAM. Under Kestrel the VM is to be
 * stopped at the first access (`expect=stop`, the default: reaching the end is a FAIL); a PC
 * or QEMU reads all ones and drops the writes (`expect=survive`: reaching the end passes).
 */
#include <kestrel-rt/rt.h>

static const u64 addrs[] = { 0x7fff0000, 0xc0000000 };	/* 2 GiB - 64 KiB, 3 GiB */

static void touch(u64 addr)
{
	volatile u32 *p = (volatile u32 *)(uintptr_t)addr;
	u32 v;

	rt_printf("bad-memory: reading 0x%lx\n", addr);
	rt_console_flush();
	v = *p;
	rt_printf("bad-memory: read 0x%lx: 0x%x\n", addr, v);
	rt_printf("bad-memory: writing 0x%lx\n", addr);
	rt_console_flush();
	*p = 0x5a5a5a5a;
	rt_printf("bad-memory: wrote 0x%lx\n", addr);
}

void kmain(const struct rt_boot *boot)
{
	char expect[16] = "stop";
	bool survive;

	rt_cmdline_str("expect", expect, sizeof(expect));
	survive = !strcmp(expect, "survive");
	rt_test_begin("bad-memory");
	for (u32 i = 0; i < RT_ARRAY_SIZE(addrs); i++) {
		if (addrs[i] < boot->mem_top || rt_boot_range_available(addrs[i], addrs[i] + 4)) {
			rt_skip("0x%lx is RAM in this VM (memory top 0x%lx)", addrs[i],
				boot->mem_top);
			continue;
		}
		touch(addrs[i]);
	}
	rt_check(survive, "accesses beyond RAM were not stopped (expect=%s)", expect);
	rt_test_end();
}
