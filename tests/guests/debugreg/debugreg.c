// SPDX-License-Identifier: GPL-2.0
/*
 * Two of these on one pCPU show that the debug registers VMX does not switch (DR0-DR3, SDM
 * Vol. 3B, "Debug Registers") are each vCPU's own: each writes values made from `seed=` and
 * checks, across many time slices, that they stay what it wrote.
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
	u64 seed = rt_cmdline_u64("seed", 1), changed = 0;

	(void)boot;
	rt_test_begin("debugreg-own");
	for (int n = 0; n < 4; n++)
		write_dr(n, (seed << 16) + n * 0x1000); /* DR7 stays 0: no breakpoint is armed */
	for (u32 r = 0; r < ROUNDS; r++) {
		rt_udelay(500); /* long enough for the other VM to run in between */
		for (int n = 0; n < 4; n++)
			changed += read_dr(n) != (seed << 16) + n * 0x1000;
	}
	rt_check(!changed, "%lu reads of DR0-DR3 saw another value", changed);
	rt_test_end();
}
