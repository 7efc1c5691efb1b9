// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs against CPUID: every MSR a feature bit promises answers RDMSR (and WRMSR of what it
 * read, where that is harmless), every MSR of a bit CPUID clears #GPs (SDM Vol. 4, table 2-2,
 * whose last column names the CPUID bit of each MSR); IA32_MISC_ENABLE's bits; the
 * machine-check banks (SDM Vol. 3B, 17.3).
 */
#include "conformance.h"

static void expect_msr(const char *name, u32 msr, bool promised, bool write_back)
{
	u64 val;
	bool gp = msr_read_gp(msr, &val);

	rt_check(gp == !promised, "RDMSR %s (%#x): #GP %u, but CPUID says it %s", name, msr, gp,
		 promised ? "exists" : "does not exist");
	if (promised && !gp && write_back) {
		gp = msr_write_gp(msr, val);
		rt_check(!gp, "WRMSR %s (%#x) of the value it read (%#lx): #GP", name, msr, val);
	}
	if (!promised) {
		gp = msr_write_gp(msr, 0);
		rt_check(gp, "WRMSR %s (%#x) <- 0 without #GP, but CPUID says it does not exist",
			 name, msr);
	}
}

static void leaf1_msrs(void)
{
	bool mtrr = cpuid_bit(1, 0, 'd', 12), mca = cpuid_bit(1, 0, 'd', 14);
	u64 cap = 0;

	expect_msr("IA32_TSC", 0x10, cpuid_bit(1, 0, 'd', 4), false);
	expect_msr("IA32_APIC_BASE", 0x1b, cpuid_bit(1, 0, 'd', 9), true);
	expect_msr("IA32_PAT", 0x277, cpuid_bit(1, 0, 'd', 16), true);
	expect_msr("IA32_SYSENTER_CS", 0x174, cpuid_bit(1, 0, 'd', 11), true);
	expect_msr("IA32_SYSENTER_ESP", 0x175, cpuid_bit(1, 0, 'd', 11), true);
	expect_msr("IA32_SYSENTER_EIP", 0x176, cpuid_bit(1, 0, 'd', 11), true);
	expect_msr("IA32_DS_AREA", 0x600, cpuid_bit(1, 0, 'd', 21), false);
	expect_msr("IA32_CLOCK_MODULATION", 0x19a, cpuid_bit(1, 0, 'd', 22), false);
	expect_msr("IA32_THERM_INTERRUPT", 0x19b, cpuid_bit(1, 0, 'd', 22), false);
	expect_msr("IA32_THERM_STATUS", 0x19c, cpuid_bit(1, 0, 'd', 22), false);
	expect_msr("IA32_PERF_CAPABILITIES", 0x345, cpuid_bit(1, 0, 'c', 15), false);
	expect_msr("IA32_TSC_DEADLINE", 0x6e0, cpuid_bit(1, 0, 'c', 24), false);

	/* MTRRs: IA32_MTRRCAP says how many variable pairs and whether fixed ranges exist. */
	expect_msr("IA32_MTRRCAP", 0xfe, mtrr, false);
	expect_msr("IA32_MTRR_DEF_TYPE", 0x2ff, mtrr, true);
	if (mtrr)
		msr_read_gp(0xfe, &cap);
	rt_printf("conformance: IA32_MTRRCAP %#lx\n", cap);
	for (u32 i = 0; i < 10; i++) {
		bool there = mtrr && i < (cap & 0xff);

		expect_msr("IA32_MTRR_PHYSBASEn", 0x200 + 2 * i, there, true);
		expect_msr("IA32_MTRR_PHYSMASKn", 0x201 + 2 * i, there, true);
	}
	{
		static const u32 fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
					     0x26c, 0x26d, 0x26e, 0x26f };

		for (u32 i = 0; i < RT_ARRAY_SIZE(fixed); i++)
			expect_msr("IA32_MTRR_FIXn", fixed[i], mtrr && (cap & (1u << 8)), true);
	}

	/* Machine check: IA32_MCG_CAP's count says how many banks; MCG_CTL only with CTL_P. */
	cap = 0;
	expect_msr("IA32_MCG_CAP", 0x179, mca, false);
	expect_msr("IA32_MCG_STATUS", 0x17a, mca, true);
	if (mca)
		msr_read_gp(0x179, &cap);
	rt_printf("conformance: IA32_MCG_CAP %#lx\n", cap);
	expect_msr("IA32_MCG_CTL", 0x17b, mca && (cap & (1u << 8)), true);
	for (u32 i = 0; i < 32; i++) {
		bool there = mca && i < (cap & 0xff);

		expect_msr("IA32_MCi_CTL", 0x400 + 4 * i, there, false);
		expect_msr("IA32_MCi_STATUS", 0x401 + 4 * i, there, false);
		expect_msr("IA32_MCi_ADDR", 0x402 + 4 * i, there, false);
		expect_msr("IA32_MCi_MISC", 0x403 + 4 * i, there, false);
		/* IA32_MCi_CTL2 exists when MCG_CAP.CMCI_P[10] says so. */
		expect_msr("IA32_MCi_CTL2", 0x280 + i, there && (cap & (1u << 10)), false);
	}
}

static void leaf6_7_msrs(void)
{
	bool cet = cpuid_bit(7, 0, 'c', 7) || cpuid_bit(7, 0, 'd', 20);

	expect_msr("IA32_MPERF", 0xe7, cpuid_bit(6, 0, 'c', 0), false);
	expect_msr("IA32_APERF", 0xe8, cpuid_bit(6, 0, 'c', 0), false);
	expect_msr("IA32_ENERGY_PERF_BIAS", 0x1b0, cpuid_bit(6, 0, 'c', 3), false);
	expect_msr("IA32_PACKAGE_THERM_STATUS", 0x1b1, cpuid_bit(6, 0, 'a', 6), false);
	expect_msr("IA32_PM_ENABLE", 0x770, cpuid_bit(6, 0, 'a', 7), false);

	expect_msr("IA32_TSC_ADJUST", 0x3b, cpuid_bit(7, 0, 'b', 1), true);
	expect_msr("IA32_PQR_ASSOC", 0xc8f, cpuid_bit(7, 0, 'b', 12) || cpuid_bit(7, 0, 'b', 15),
		   false);
	expect_msr("IA32_BNDCFGS", 0xd90, cpuid_bit(7, 0, 'b', 14), false);
	expect_msr("IA32_RTIT_CTL", 0x570, cpuid_bit(7, 0, 'b', 25), false);
	expect_msr("IA32_UMWAIT_CONTROL", 0xe1, cpuid_bit(7, 0, 'c', 5), false);
	expect_msr("IA32_U_CET", 0x6a0, cet, false);
	expect_msr("IA32_S_CET", 0x6a2, cet, false);
	expect_msr("IA32_TME_CAPABILITY", 0x981, cpuid_bit(7, 0, 'c', 13), false);
	expect_msr("IA32_PASID", 0xd93, cpuid_bit(7, 0, 'c', 29), false);
	expect_msr("IA32_PKRS", 0x6e1, cpuid_bit(7, 0, 'c', 31), false);
	expect_msr("IA32_SPEC_CTRL", 0x48, cpuid_bit(7, 0, 'd', 26), false);
	expect_msr("IA32_ARCH_CAPABILITIES", 0x10a, cpuid_bit(7, 0, 'd', 29), false);
	expect_msr("IA32_CORE_CAPABILITIES", 0xcf, cpuid_bit(7, 0, 'd', 30), false);
	expect_msr("IA32_XSS", 0xda0, cpuid_bit(0xd, 1, 'a', 3), false);
}

/* Leaf 0AH: version 1 promises the counters and event selects, 2 the global controls. */
static void perfmon_msrs(void)
{
	struct rt_cpuid a = rt_cpuid(0, 0).eax >= 0xa ? rt_cpuid(0xa, 0) : (struct rt_cpuid){ 0 };
	u32 version = a.eax & 0xff, n = (a.eax >> 8) & 0xff;

	rt_printf("conformance: CPUID.0AH:EAX %#x (version %u, %u counters)\n", a.eax, version, n);
	expect_msr("IA32_PMC0", 0xc1, version >= 1 && n >= 1, false);
	expect_msr("IA32_PERFEVTSEL0", 0x186, version >= 1 && n >= 1, false);
	expect_msr("IA32_FIXED_CTR_CTRL", 0x38d, version >= 2, false);
	expect_msr("IA32_PERF_GLOBAL_STATUS", 0x38e, version >= 2, false);
	expect_msr("IA32_PERF_GLOBAL_CTRL", 0x38f, version >= 2, false);
}

static void ext_msrs(void)
{
	bool syscall = cpuid_bit(0x80000001, 0, 'd', 11);
	bool efer = cpuid_bit(0x80000001, 0, 'd', 20) || cpuid_bit(0x80000001, 0, 'd', 29);

	expect_msr("IA32_EFER", 0xc0000080, efer || syscall, true);
	expect_msr("IA32_STAR", 0xc0000081, syscall, true);
	expect_msr("IA32_LSTAR", 0xc0000082, syscall, true);
	expect_msr("IA32_CSTAR", 0xc0000083, syscall, true);
	expect_msr("IA32_FMASK", 0xc0000084, syscall, true);
	expect_msr("IA32_TSC_AUX", 0xc0000103,
		   cpuid_bit(0x80000001, 0, 'd', 27) || cpuid_bit(7, 0, 'c', 22), true);
}

/*
 * IA32_PAT stays the guest's across exits, written without one: where VMX lacks "save/load
 * IA32_PAT" it travels in the VM-exit MSR-store and VM-entry MSR-load lists (SDM Vol. 3C,
 * 28.4, 27.4). PA1 becomes WC (01H), a CPUID exits (25.1.2), and the value must be back.
 */
static void pat_kept(void)
{
	u64 old, val = 0, want;

	if (!cpuid_bit(1, 0, 'd', 16) || msr_read_gp(0x277, &old))
		return;
	want = (old & ~0xff00ULL) | 0x0100;
	rt_check(!msr_write_gp(0x277, want), "WRMSR IA32_PAT <- %#lx: #GP", want);
	cpuid_bit(0, 0, 'a', 0);
	msr_read_gp(0x277, &val);
	rt_check(val == want, "IA32_PAT %#lx after an exit, %#lx written", val, want);
	msr_write_gp(0x277, old);
}

void test_msrs_promised(void)
{
	rt_test_begin("msrs-promised");
	leaf1_msrs();
	pat_kept();
	leaf6_7_msrs();
	perfmon_msrs();
	ext_msrs();
	rt_test_end();
}

/* IA32_MISC_ENABLE (SDM Vol. 4, table 2-2, 1A0H). */
#define MISC_ENABLE		0x1a0
#define MISC_FAST_STRINGS	(1ull << 0)
#define MISC_PERFMON		(1ull << 7)
#define MISC_BTS_UNAVAIL	(1ull << 11)
#define MISC_PEBS_UNAVAIL	(1ull << 12)
#define MISC_LIMIT_CPUID	(1ull << 22)
#define MISC_XTPR_DISABLE	(1ull << 23)
#define MISC_XD_DISABLE		(1ull << 34)

static void misc_cpu1(u32 cpu, void *arg)
{
	u64 v;

	(void)cpu;
	msr_read_gp(MISC_ENABLE, &v);
	*(u64 *)arg = v;
	if (!msr_write_gp(MISC_ENABLE, v | MISC_LIMIT_CPUID))
		*((u64 *)arg + 1) = rt_cpuid(0, 0).eax;
}

static void misc_set(u64 v)
{
	rt_check(!msr_write_gp(MISC_ENABLE, v), "WRMSR IA32_MISC_ENABLE <- %#lx: #GP", v);
}

void test_misc_enable(void)
{
	u32 max = rt_cpuid(0, 0).eax, ext_max = rt_cpuid(0x80000000, 0).eax;
	bool ds = cpuid_bit(1, 0, 'd', 21), xtpr = cpuid_bit(1, 0, 'c', 14);
	bool nx = cpuid_bit(0x80000001, 0, 'd', 20);
	u32 perfmon = rt_cpuid(0, 0).eax >= 0xa ? rt_cpuid(0xa, 0).eax & 0xff : 0;
	struct rt_cpuid leaf2 = rt_cpuid(2, 0), r;
	u64 v0, v;

	rt_test_begin("misc-enable");
	if (msr_read_gp(MISC_ENABLE, &v0)) {
		rt_check(false, "RDMSR IA32_MISC_ENABLE: #GP");
		rt_test_end();
		return;
	}
	rt_printf("conformance: IA32_MISC_ENABLE %#lx\n", v0);
	/* Power-on: fast strings on; what the read-only bits say agrees with CPUID. */
	rt_check(v0 & MISC_FAST_STRINGS, "fast strings off at power-on: %#lx", v0);
	rt_check(!!(v0 & MISC_PERFMON) == (perfmon > 0), "bit 7 %u, CPUID.0AH version %u",
		 !!(v0 & MISC_PERFMON), perfmon);
	if (!ds)
		rt_check((v0 & (MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL)) ==
				 (MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL),
			 "no debug store, yet BTS/PEBS unavailable bits are not both 1: %#lx", v0);
	rt_check(!(v0 & (MISC_LIMIT_CPUID | MISC_XD_DISABLE | MISC_XTPR_DISABLE)),
		 "limit-CPUID, xTPR or XD disable set at power-on: %#lx", v0);

	/* Fast strings: cleared and set again, each read back. */
	misc_set(v0 & ~MISC_FAST_STRINGS);
	msr_read_gp(MISC_ENABLE, &v);
	rt_check(v == (v0 & ~MISC_FAST_STRINGS), "cleared fast strings, read %#lx", v);
	misc_set(v0);

	/* Limit CPUID maxval: CPUID.0 says 2, higher basic leaves answer as leaf 2. */
	if (max > 2) {
		struct rt_cpuid leaf7 = rt_cpuid(7, 0), again;

		/* CPUID first, with nothing between: the WRMSR alone must change its answers. */
		misc_set(v0 | MISC_LIMIT_CPUID);
		r = rt_cpuid(0, 0);
		rt_check(r.eax == 2, "limit-CPUID set: CPUID.0:EAX %u, not 2", r.eax);
		msr_read_gp(MISC_ENABLE, &v);
		rt_check(v == (v0 | MISC_LIMIT_CPUID), "set limit-CPUID, read %#lx", v);
		r = rt_cpuid(7, 0);
		rt_check(r.eax == leaf2.eax && r.ebx == leaf2.ebx && r.ecx == leaf2.ecx &&
				 r.edx == leaf2.edx,
			 "limit-CPUID set: leaf 7 does not answer as leaf 2");
		rt_check(rt_cpuid(0x80000000, 0).eax == ext_max, "extended leaves limited too");
		misc_set(v0);
		again = rt_cpuid(7, 0);
		rt_check(again.eax == leaf7.eax && again.ebx == leaf7.ebx && again.ecx == leaf7.ecx &&
				 again.edx == leaf7.edx,
			 "limit-CPUID cleared: leaf 7 still answers as leaf 2");
		rt_check(rt_cpuid(0, 0).eax == max, "limit-CPUID cleared: CPUID.0:EAX %u, was %u",
			 rt_cpuid(0, 0).eax, max);
	}

	/* xTPR message disable exists when CPUID.1:ECX[14] does. */
	rt_check(msr_write_gp(MISC_ENABLE, v0 | MISC_XTPR_DISABLE) == !xtpr,
		 "setting xTPR disable: #GP %u with xTPR %u", !xtpr, xtpr);
	msr_read_gp(MISC_ENABLE, &v);
	rt_check(v == (xtpr ? v0 | MISC_XTPR_DISABLE : v0), "xTPR disable: read %#lx", v);
	misc_set(v0);

	/* XD disable: the NX flag of CPUID.80000001H:EDX[20] goes away while it is set. */
	if (nx) {
		misc_set(v0 | MISC_XD_DISABLE);
		rt_check(!cpuid_bit(0x80000001, 0, 'd', 20), "XD disabled, CPUID still shows NX");
		msr_read_gp(MISC_ENABLE, &v);
		rt_check(v == (v0 | MISC_XD_DISABLE), "set XD disable, read %#lx", v);
		misc_set(v0);
		rt_check(cpuid_bit(0x80000001, 0, 'd', 20), "XD enabled again, CPUID hides NX");
	}

	/* Reserved bits: #GP, and nothing changes. */
	{
		u64 taken = 0;

		for (u32 b = 1; b < 64; b++) {
			u64 bit = 1ull << b;

			if (bit & (MISC_PERFMON | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL |
				   MISC_LIMIT_CPUID | MISC_XTPR_DISABLE | MISC_XD_DISABLE |
				   (1ull << 3) | (1ull << 16) | (1ull << 18)))
				continue;
			if (!msr_write_gp(MISC_ENABLE, v0 | bit))
				taken |= bit;
		}
		rt_check(!taken, "reserved bits %#lx were written without #GP", taken);
	}
	msr_read_gp(MISC_ENABLE, &v);
	rt_check(v == v0, "IA32_MISC_ENABLE %#lx after the reserved writes, was %#lx", v, v0);

	/* Per vCPU: CPU 1's limit-CPUID leaves CPU 0's CPUID alone. */
	if (rt_smp_cpus() > 1 && max > 2) {
		static u64 seen[2];

		rt_smp_call(1, misc_cpu1, seen);
		rt_smp_wait(1);
		rt_check(seen[1] == 2, "CPU 1 set limit-CPUID and reads CPUID.0:EAX %lu", seen[1]);
		rt_check(rt_cpuid(0, 0).eax == max, "CPU 1's limit-CPUID changed CPU 0's CPUID");
		msr_read_gp(MISC_ENABLE, &v);
		rt_check(v == v0, "CPU 0's IA32_MISC_ENABLE %#lx after CPU 1's write", v);
	}
	rt_test_end();
}

/* Machine-check banks (SDM Vol. 3B, 17.3.1 and 17.3.2). */
#define MCG_CAP		0x179
#define MCG_STATUS	0x17a
#define MCG_CTL		0x17b
#define MC_CTL(i)	(0x400 + 4 * (i))

void test_mca(void)
{
	u64 cap, v;
	u32 n;

	rt_test_begin("mca");
	if (!cpuid_bit(1, 0, 'd', 14)) {
		rt_skip("no machine-check architecture (CPUID.1:EDX[14] is 0)");
		rt_test_end();
		return;
	}
	if (msr_read_gp(MCG_CAP, &cap)) {
		rt_check(false, "MCA shown, but IA32_MCG_CAP #GPs");
		rt_test_end();
		return;
	}
	n = cap & 0xff;
	rt_printf("conformance: mca: IA32_MCG_CAP %#lx, %u banks\n", cap, n);
	rt_check(n > 0, "MCA shown with no banks");
	rt_check(msr_write_gp(MCG_CAP, cap), "IA32_MCG_CAP is read-only, a write did not #GP");
	if (cap & (1u << 8)) {
		rt_check(!msr_write_gp(MCG_CTL, 0), "IA32_MCG_CTL <- 0: #GP");
		msr_read_gp(MCG_CTL, &v);
		rt_check(v == 0, "IA32_MCG_CTL reads %#lx after writing 0", v);
		rt_check(!msr_write_gp(MCG_CTL, ~0ull), "IA32_MCG_CTL <- all ones: #GP");
		msr_read_gp(MCG_CTL, &v);
		rt_check(v == ~0ull, "IA32_MCG_CTL reads %#lx after writing all ones", v);
	}
	rt_check(!msr_write_gp(MCG_STATUS, 0), "IA32_MCG_STATUS <- 0: #GP");
	rt_check(msr_write_gp(MCG_STATUS, 1ull << 63), "IA32_MCG_STATUS reserved bit 63: no #GP");
	for (u32 i = 0; i < n; i++) {
		/* MCi_CTL: all ones or all zeroes (17.3.2.1), each read back. */
		rt_check(!msr_write_gp(MC_CTL(i), 0), "MC%u_CTL <- 0: #GP", i);
		msr_read_gp(MC_CTL(i), &v);
		rt_check(v == 0, "MC%u_CTL reads %#lx after 0", i, v);
		rt_check(!msr_write_gp(MC_CTL(i), ~0ull), "MC%u_CTL <- all ones: #GP", i);
		msr_read_gp(MC_CTL(i), &v);
		rt_check(v == ~0ull, "MC%u_CTL reads %#lx after all ones", i, v);
		rt_check(msr_write_gp(MC_CTL(i), 0x5), "MC%u_CTL <- 0x5: no #GP", i);
		/* STATUS, ADDR, MISC: cleared by writing 0, a 1 anywhere is #GP (17.3.2.2-4). */
		for (u32 msr = MC_CTL(i) + 1; msr <= MC_CTL(i) + 3; msr++) {
			rt_check(!msr_write_gp(msr, 0), "MSR %#x <- 0: #GP", msr);
			rt_check(msr_write_gp(msr, 1), "MSR %#x <- 1: no #GP", msr);
			msr_read_gp(msr, &v);
			rt_check(v == 0, "MSR %#x reads %#lx: no error was logged", msr, v);
		}
	}
	/* Past the last bank there is nothing. */
	if (n < 32) {
		rt_check(msr_read_gp(MC_CTL(n), &v), "RDMSR MC%u_CTL past %u banks: no #GP", n, n);
		rt_check(msr_write_gp(MC_CTL(n), 0), "WRMSR MC%u_CTL past %u banks: no #GP", n, n);
		rt_check(msr_read_gp(MC_CTL(n) + 1, &v), "RDMSR MC%u_STATUS: no #GP", n);
	}
	rt_test_end();
}
