// SPDX-License-Identifier: GPL-2.0
/*
 * Two of these on one pCPU show that the debug registers VMX does not switch (DR0-DR3, SDM
 * Vol. 3B, "Debug Registers") are each vCPU's own: each writes values made from `seed=` and
 * checks, across many time slices, that they stay what it wrote. DR7 too, which VMX switches
 * only with the "load/save debug controls" VM-entry/exit controls (SDM Vol. 3C, 26.7.1, 26.8):
 * a value of each VM's own, with no breakpoint enabled (L0-L3, G0-G3 clear). And CR2, which
 * VMX does not switch either (MOV to and from CR2 never exit): also each VM's own.
 */
#include <kestrel-rt/rt.h>

#define ROUNDS 200

static u64 read_dr(int n)
{
	u64 v = 0;

	switch (n) {
	case 0: __asm__ volatile("mov %%db0, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%db1, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%db2, %0" : "=r"(v)); break;
	default: __asm__ volatile("mov %%db3, %0" : "=r"(v)); break;
	}
	return v;
}

static void write_dr(int n, u64 v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%db0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%db1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%db2" : : "r"(v)); break;
	default: __asm__ volatile("mov %0, %%db3" : : "r"(v)); break;
	}
}

void kmain(const struct rt_boot *boot)
{
	u64 seed = rt_cmdline_u64("seed", 1), changed = 0, dr7_changed = 0, dr7;
	u64 cr2_changed = 0, cr2, want2 = seed << 20;
	/* R/W 01 and LEN 01 or 11 in each field: valid, and nothing enabled. */
	u64 want7 = 0x400 | ((seed & 3) == 2 ? 0x55550000ULL : 0xdddd0000ULL);

	(void)boot;
	rt_test_begin("debugreg-own");
	for (int n = 0; n < 4; n++)
		write_dr(n, (seed << 16) + n * 0x1000);
	__asm__ volatile("mov %0, %%db7" : : "r"(want7));
	__asm__ volatile("mov %0, %%cr2" : : "r"(want2));
	for (u32 r = 0; r < ROUNDS; r++) {
		rt_udelay(500); /* long enough for the other VM to run in between */
		for (int n = 0; n < 4; n++)
			changed += read_dr(n) != (seed << 16) + n * 0x1000;
		__asm__ volatile("mov %%db7, %0" : "=r"(dr7));
		dr7_changed += dr7 != want7;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		cr2_changed += cr2 != want2;
	}
	rt_check(!changed, "%lu reads of DR0-DR3 saw another value", changed);
	rt_check(!dr7_changed, "%lu of %u reads of DR7 saw another value than %#lx (last %#lx)",
		 dr7_changed, ROUNDS, want7, dr7);
	rt_check(!cr2_changed, "%lu of %u reads of CR2 saw another value than %#lx (last %#lx)",
		 cr2_changed, ROUNDS, want2, cr2);
	rt_test_end();
}
