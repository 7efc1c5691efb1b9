// SPDX-License-Identifier: GPL-2.0
/* CPUID as a VM sees it (no VMX, hypervisor leaves), a counted CPUID loop, harmless MSRs. */
#include <kestrel-rt/rt.h>
#include <kestrel/abi.h>

#define CPUID_LOOP	1000	/* compared later with the hypervisor's CPUID exit count */
#define HV_LEAF		0x40000000
#define HV_LEAVES_MAX	16	/* print at most this many hypervisor leaves */
#define X2APIC_TPR_MSR	0x808	/* SDM Vol. 3A, 12.12.1.2, table 12-6 */
#define TSC_AUX_BASE	0x4b00	/* written as TSC_AUX_BASE + cpu */

static void print_leaf(u32 leaf, struct rt_cpuid r)
{
	rt_printf("cpuid 0x%08x: eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x\n", leaf, r.eax,
		  r.ebx, r.ecx, r.edx);
}

static char printable(u32 word, int byte)
{
	char c = (char)(word >> (8 * byte));

	return c >= 0x20 && c < 0x7f ? c : '.';
}

static void test_vmx_hidden(void)
{
	struct rt_cpuid r = rt_cpuid(1, 0);

	rt_test_begin("cpuid-vmx-hidden");
	print_leaf(1, r);
	rt_check(!(r.ecx & RT_CPUID1_ECX_VMX), "CPUID.1:ECX.VMX[5] is set: the guest sees VMX");
	rt_test_end();
}

/*
 * Leaf 0x40000000: EAX the largest hypervisor leaf, EBX-ECX-EDX a 12-byte signature. Only
 * printed for now: what a hypervisor puts there is not settled yet.
 */
static void print_hv_leaves(void)
{
	struct rt_cpuid r = rt_cpuid(HV_LEAF, 0);
	char sig[13];
	u32 last;

	for (int i = 0; i < 4; i++) {
		sig[i] = printable(r.ebx, i);
		sig[4 + i] = printable(r.ecx, i);
		sig[8 + i] = printable(r.edx, i);
	}
	sig[12] = '\0';
	print_leaf(HV_LEAF, r);
	rt_printf("cpuid-msr: hypervisor bit %u, leaf 0x40000000 max 0x%x signature '%s'\n",
		  !!rt_cpu_features()->hypervisor, r.eax, sig);
	if (r.eax > HV_LEAF && r.eax < HV_LEAF + 0x10000) {
		last = r.eax < HV_LEAF + HV_LEAVES_MAX ? r.eax : HV_LEAF + HV_LEAVES_MAX - 1;
		for (u32 leaf = HV_LEAF + 1; leaf <= last; leaf++)
			print_leaf(leaf, rt_cpuid(leaf, 0));
	}
}

/*
 * Under Kestrel, has it print this VM's exit statistics (KESTREL_HC_DEBUG_STATS): the system
 * test compares the CPUID rows printed before and after the loop with CPUID_LOOP.
 */
static void kestrel_print_stats(bool on_kestrel)
{
	u64 ret;

	/* At most one table per KESTREL_DEBUG_STATS_INTERVAL_US: -EBUSY says to wait. */
	do {
		ret = KESTREL_HC_DEBUG_STATS;
		if (on_kestrel)
			__asm__ volatile("vmcall" : "+a"(ret) : : "memory");
	} while (on_kestrel && ret == (u64)-KESTREL_EBUSY);
}

/* CPUID_LOOP CPUIDs of leaf 0; each must answer the same. */
static void test_cpuid_count(void)
{
	struct rt_cpuid first = rt_cpuid(0, 0), r;
	struct rt_cpuid sig = rt_cpuid(KESTREL_CPUID_BASE, 0);
	bool on_kestrel = sig.ebx == KESTREL_SIGNATURE_EBX && sig.ecx == KESTREL_SIGNATURE_ECX;
	u64 before = rt_cpuid_executed();
	u32 differ = 0;

	rt_test_begin("cpuid-count");
	kestrel_print_stats(on_kestrel);
	for (u32 i = 0; i < CPUID_LOOP; i++) {
		r = rt_cpuid(0, 0);
		differ += r.eax != first.eax || r.ebx != first.ebx || r.ecx != first.ecx ||
			  r.edx != first.edx;
	}
	kestrel_print_stats(on_kestrel);
	rt_printf("cpuid-count %lu\n", rt_cpuid_executed() - before);
	rt_printf("cpuid-total %lu\n", rt_cpuid_executed());
	rt_check(rt_cpuid_executed() - before == CPUID_LOOP, "counted %lu CPUIDs, ran %u",
		 rt_cpuid_executed() - before, CPUID_LOOP);
	rt_check(!differ, "%u of %u CPUID(0) results differ from the first", differ, CPUID_LOOP);
	rt_test_end();
}

/* IA32_TSC_AUX: what WRMSR put there, RDMSR and RDTSCP read back (SDM Vol. 2B, RDTSCP). */
static void tsc_aux_check(u32 cpu, void *arg)
{
	u32 want = TSC_AUX_BASE + cpu, aux;

	(void)arg;
	rt_wrmsr(RT_MSR_IA32_TSC_AUX, want);
	rt_check(rt_rdmsr(RT_MSR_IA32_TSC_AUX) == want, "cpu %u: TSC_AUX reads 0x%lx, wrote 0x%x",
		 cpu, rt_rdmsr(RT_MSR_IA32_TSC_AUX), want);
	rt_rdtscp(&aux);
	rt_check(aux == want, "cpu %u: RDTSCP gives TSC_AUX 0x%x, wrote 0x%x", cpu, aux, want);
}

static void test_tsc_aux(void)
{
	rt_test_begin("msr-tsc-aux");
	if (!rt_cpu_features()->rdtscp)
		rt_skip("no RDTSCP/IA32_TSC_AUX (CPUID.80000001h:EDX[27] is 0)");
	else
		rt_smp_call_all(tsc_aux_check, NULL);
	rt_test_end();
}

/* IA32_APIC_BASE: enabled, at 0xfee00000, BSP flag on CPU 0 only; the same value writes back. */
static void apic_base_check(u32 cpu, void *arg)
{
	u64 base = rt_rdmsr(RT_MSR_IA32_APIC_BASE);
	bool x2 = rt_apic_mode() == RT_APIC_X2APIC;

	(void)arg;
	rt_check((base & ~0xfffull) == RT_APIC_MMIO_BASE, "cpu %u: APIC base 0x%lx", cpu, base);
	rt_check(base & RT_APIC_BASE_ENABLE, "cpu %u: APIC_BASE 0x%lx not enabled", cpu, base);
	rt_check(!!(base & RT_APIC_BASE_X2APIC) == x2, "cpu %u: APIC_BASE 0x%lx, %s mode", cpu,
		 base, rt_apic_mode_name(rt_apic_mode()));
	rt_check(!!(base & RT_APIC_BASE_BSP) == (cpu == 0), "cpu %u: APIC_BASE 0x%lx BSP flag", cpu,
		 base);
	rt_wrmsr(RT_MSR_IA32_APIC_BASE, base);
	rt_check(rt_rdmsr(RT_MSR_IA32_APIC_BASE) == base,
		 "cpu %u: APIC_BASE 0x%lx after writing 0x%lx", cpu,
		 rt_rdmsr(RT_MSR_IA32_APIC_BASE), base);
}

static void test_apic_base(void)
{
	rt_test_begin("msr-apic-base");
	rt_smp_call_all(apic_base_check, NULL);
	rt_test_end();
}

/* The x2APIC TPR MSR: values written read back (bits 7:0), and the MMIO-free path works. */
static void test_x2apic_tpr(void)
{
	static const u32 values[] = { 0x20, 0xf0, 0x5a, 0 };

	rt_test_begin("msr-x2apic-tpr");
	if (rt_apic_mode() != RT_APIC_X2APIC) {
		rt_skip("not in x2APIC mode (CPUID.1:ECX[21] is 0, or apic=xapic)");
		rt_test_end();
		return;
	}
	for (u32 i = 0; i < RT_ARRAY_SIZE(values); i++) {
		rt_wrmsr(X2APIC_TPR_MSR, values[i]);
		rt_check(rt_rdmsr(X2APIC_TPR_MSR) == values[i], "TPR MSR reads 0x%lx, wrote 0x%x",
			 rt_rdmsr(X2APIC_TPR_MSR), values[i]);
	}
	rt_test_end();
}

/*
 * Instructions that reach past the VM on bare hardware: WBINVD writes back and empties caches
 * every VM shares, MWAIT with a deep C-state hint may stop the VMX-preemption timer (the
 * hypervisor's only hold on the pCPU). Each must exit, once per execution, and the guest goes
 * on: between two statistics tables, each row grows by what the guest ran.
 */
#define HW_LOOP 10

static void test_cache_power(bool on_kestrel)
{
	static volatile u64 line;

	rt_test_begin("cache-power-exits");
	if (!on_kestrel) {
		rt_skip("not on Kestrel: no statistics to read");
		rt_test_end();
		return;
	}
	kestrel_print_stats(on_kestrel);
	for (u32 i = 0; i < HW_LOOP; i++) {
		__asm__ volatile("wbinvd" ::: "memory");
		__asm__ volatile("monitor" ::"a"(&line), "c"(0), "d"(0));
		/* Hint 0x60: C7, deep enough that real parts stop their timers. */
		__asm__ volatile("mwait" ::"a"(0x60), "c"(0));
	}
	kestrel_print_stats(on_kestrel);
	rt_printf("cache-power-count %u\n", HW_LOOP);
	rt_test_end();
}

/* INVD always exits (SDM Vol. 3C, 27.1.2): a hypervisor must let the guest go on after it. */
static void test_invd(void)
{
	volatile u32 canary = 0x5a5a5a5a;

	rt_test_begin("invd");
	__asm__ volatile("wbinvd; invd" ::: "memory");
	rt_check(canary == 0x5a5a5a5a, "memory changed across INVD: %#x", canary);
	rt_test_end();
}

static bool msr_faults(u32 msr, bool write)
{
	u64 val = 0;

	return write ? !rt_wrmsr_safe(msr, 0) : !rt_rdmsr_safe(msr, &val);
}

static void check_msr(const char *name, u32 msr, bool write, bool promised)
{
	bool gp = msr_faults(msr, write);

	rt_check(gp == !promised, "%s %s: #GP %u, but CPUID says the MSR %s", name,
		 write ? "write" : "read", gp, promised ? "exists" : "does not exist");
}

/*
 * The speculation-control MSRs exist exactly when CPUID says so (SDM Vol. 2A, CPUID leaf 07H
 * EDX bits 26-29 and 31; Vol. 4, table 2-2): a bit promising an MSR that #GPs makes a guest
 * kernel fault in its mitigation code, and an MSR without its bit is a hole in the policy.
 * AMD's leaf 0x80000008 EBX bits (12 IBPB, 14 IBRS, 15 STIBP, 24 SSBD) promise the same
 * MSRs to kernels that read them on any vendor. Writes are of 0: no command, no control set.
 */
static void test_spec_msrs(void)
{
	u32 edx = rt_cpuid(0, 0).eax >= 7 ? rt_cpuid(7, 0).edx : 0;
	u32 ext = rt_cpuid(0x80000000, 0).eax >= 0x80000008 ? rt_cpuid(0x80000008, 0).ebx : 0;
	bool pred = (edx & (1u << 26)) || (ext & (1u << 12));
	bool spec = (edx & ((1u << 26) | (1u << 27) | (1u << 31))) ||
		    (ext & ((1u << 14) | (1u << 15) | (1u << 24)));
	bool flush = edx & (1u << 28), caps = edx & (1u << 29);

	rt_test_begin("spec-msrs");
	rt_printf("spec-msrs: CPUID.7.0:EDX 0x%08x, CPUID.80000008:EBX 0x%08x\n", edx, ext);
	check_msr("SPEC_CTRL", 0x48, false, spec);
	check_msr("SPEC_CTRL", 0x48, true, spec);
	check_msr("PRED_CMD", 0x49, true, pred);
	check_msr("FLUSH_CMD", 0x10b, true, flush);
	check_msr("ARCH_CAPABILITIES", 0x10a, false, caps);
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	(void)boot;
	test_invd();
	{
		struct rt_cpuid sig = rt_cpuid(KESTREL_CPUID_BASE, 0);

		test_cache_power(sig.ebx == KESTREL_SIGNATURE_EBX && sig.ecx == KESTREL_SIGNATURE_ECX);
	}
	test_vmx_hidden();
	test_spec_msrs();
	print_hv_leaves();
	test_cpuid_count();
	if (rt_smp_cpus_wanted() > 1)
		rt_smp_start(RT_SMP_DEFAULT);
	test_tsc_aux();
	test_apic_base();
	test_x2apic_tpr();
}
