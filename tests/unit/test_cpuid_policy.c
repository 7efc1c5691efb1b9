// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/cpuid_policy.c: what a guest's CPUID shows, hides and makes up. */
#include "unit.h"
#include "hv/cpuid_policy.h"
#include "hv/kvm_abi.h"
#include "guest-sdk/include/kestrel/abi.h"

static const struct cpuid_policy_env env = {
	.pv = true, .kvm = true, .vcpu_id = 5, .nr_vcpus = 6, .resets = 2, .tsc_hz = 2100000000ull,
	.rdtscp = true, .invpcid = true,
};

static struct cpuid_regs ask(const struct cpuid_policy_env *e, u32 leaf, u32 sub,
			     struct cpuid_regs host)
{
	cpuid_policy_apply(e, leaf, sub, &host);
	return host;
}

static const struct cpuid_regs ones = { ~0u, ~0u, ~0u, ~0u };

/* Leaf 1: no VMX, MONITOR, XSAVE/AVX; x2APIC, TSC-deadline and "hypervisor" shown; APIC ID. */
static void test_leaf1(void **state)
{
	struct cpuid_regs r = ask(&env, 1, 0, ones), z = ask(&env, 1, 0, (struct cpuid_regs){ 0 });

	(void)state;
	assert_false(r.ecx & BIT(5)); /* VMX: no nested virtualization */
	assert_false(r.ecx & BIT(3)); /* MONITOR/MWAIT */
	assert_false(r.ecx & (BIT(26) | BIT(27) | BIT(28))); /* XSAVE, OSXSAVE, AVX */
	assert_true(z.ecx & BIT(21)); /* x2APIC even where the host has none */
	assert_true(z.ecx & BIT(24)); /* TSC-deadline */
	assert_true(z.ecx & BIT(31)); /* running under a hypervisor */
	assert_int_equal(r.ebx >> 24, 5); /* initial APIC ID = vCPU index */
	assert_int_equal(r.ebx & 0xffff, 0xffff); /* the rest of EBX is the host's */
	assert_false(r.edx & BIT(28)); /* HTT */
}

/* Kestrel's leaves with pv=on; nothing at all with pv=off. */
static void test_kestrel_leaves(void **state)
{
	struct cpuid_policy_env off = env;
	struct cpuid_regs r = ask(&env, KESTREL_CPUID_BASE, 0, ones);

	(void)state;
	assert_int_equal(r.eax, KESTREL_CPUID_MAX);
	assert_int_equal(r.ebx, KESTREL_SIGNATURE_EBX);
	assert_int_equal(r.ecx, KESTREL_SIGNATURE_ECX);
	assert_int_equal(r.edx, KESTREL_SIGNATURE_EDX);
	r = ask(&env, KESTREL_CPUID_FEATURES, 0, ones);
	assert_int_equal(r.eax, KESTREL_ABI_VERSION);
	assert_true(r.ebx & KESTREL_FEATURE_FLUSH);
	assert_int_equal(r.ecx, 6);
	assert_int_equal(r.edx, 2);
	r = ask(&env, KESTREL_CPUID_TIMING, 0, ones);
	assert_int_equal(r.eax, 2100000);
	r = ask(&env, 0x4fffffff, 0, ones); /* an unknown hypervisor leaf */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	off.pv = false;
	r = ask(&off, KESTREL_CPUID_BASE, 0, ones);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* KVM's leaves one slot above Kestrel's, where Linux's scan for "KVMKVMKVM" finds them. */
static void test_kvm_leaves(void **state)
{
	struct cpuid_policy_env kestrel_only = env, off = env;
	struct cpuid_regs r = ask(&env, KVM_CPUID_BASE, 0, ones);
	char sig[13] = { 0 };

	(void)state;
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, "KVMKVMKVM");
	assert_memory_equal(sig + 9, "\0\0\0", 3);
	assert_int_equal(r.eax, KVM_CPUID_FEATURES);
	r = ask(&env, KVM_CPUID_FEATURES, 0, ones);
	assert_int_equal(r.eax, BIT(5) | BIT(7) | BIT(9) | BIT(11) | BIT(13) | BIT(15));
	assert_int_equal(r.ebx | r.ecx | r.edx, 0); /* no hints: not a dedicated pCPU */
	kestrel_only.kvm = false;
	r = ask(&kestrel_only, KVM_CPUID_BASE, 0, ones);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = ask(&kestrel_only, KESTREL_CPUID_BASE, 0, ones);
	assert_int_equal(r.ebx, KESTREL_SIGNATURE_EBX);
	off.pv = off.kvm = false;
	r = ask(&off, KVM_CPUID_FEATURES, 0, ones);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* RDTSCP and INVPCID are shown only when the guest can run them without #UD. */
static void test_gated_features(void **state)
{
	struct cpuid_policy_env no = env;

	(void)state;
	assert_true(ask(&env, 0x80000001, 0, ones).edx & BIT(27));
	assert_true(ask(&env, 7, 0, ones).ebx & BIT(10));
	no.rdtscp = no.invpcid = false;
	assert_false(ask(&no, 0x80000001, 0, ones).edx & BIT(27));
	assert_false(ask(&no, 7, 0, ones).ebx & BIT(10));
	/* Leaf 7: no speculation-control bits, no LA57, nothing in other subleaves. */
	assert_int_equal(ask(&env, 7, 0, ones).edx, 0);
	assert_false(ask(&env, 7, 0, ones).ecx & BIT(16));
	assert_int_equal(ask(&env, 7, 1, ones).eax, 0);
	/* IA32_TSC_ADJUST not emulated: its bit would have Linux read an MSR that #GPs. */
	assert_false(ask(&env, 7, 0, ones).ebx & BIT(1));
	/* Emulated: shown as the host shows it. */
	no = env;
	no.tsc_adjust = true;
	assert_true(ask(&no, 7, 0, ones).ebx & BIT(1));
	assert_false(ask(&no, 7, 0, (struct cpuid_regs){ 0, 0, 0, 0 }).ebx & BIT(1));
}

/* Leaves Kestrel does not offer come back empty: MWAIT, power, PMU, XSAVE, SGX, PT. */
/*
 * No bit promises a speculation-control MSR (Kestrel #GPs them all): leaf 7 EDX (MD_CLEAR,
 * IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, SSBD) and AMD's bits in 0x80000008 EBX,
 * which a hypervisor below may set; WBNOINVD (bit 9) stays.
 */
static void test_speculation_bits_hidden(void **state)
{
	(void)state;
	assert_int_equal(ask(&env, 7, 0, ones).edx, 0);
	assert_int_equal(ask(&env, 0x80000008, 0, ones).ebx, BIT(9));
	assert_int_equal(ask(&env, 0x80000008, 0, ones).eax, ~0u); /* address sizes: the host's */
}

static void test_empty_leaves(void **state)
{
	static const u32 leaves[] = { 5, 6, 0xa, 0xd, 0x12, 0x14 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct cpuid_regs r = ask(&env, leaves[i], 0, ones);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

/* Topology: one thread per core; the core level's shift covers every vCPU. */
static void test_topology(void **state)
{
	struct cpuid_policy_env one = env;
	struct cpuid_regs r = ask(&env, 0xb, 1, ones);

	(void)state;
	assert_int_equal(r.eax, 3); /* 6 vCPUs need 3 bits */
	assert_int_equal(r.ebx, 6);
	assert_int_equal(r.edx, 5);
	r = ask(&env, 0xb, 0, ones);
	assert_int_equal(r.ebx, 1);
	one.nr_vcpus = 1;
	assert_int_equal(ask(&one, 0x1f, 1, ones).eax, 0);
	assert_int_equal(ask(&env, 0xb, 2, ones).ecx, 2); /* an invalid level echoes its number */
}

/* The TSC leaves give the calibrated rate; a rate past 4 GHz still fits. */
static void test_tsc_leaves(void **state)
{
	struct cpuid_policy_env fast = env;
	struct cpuid_regs r = ask(&env, 0x15, 0, ones);

	(void)state;
	assert_int_equal((u64)r.ecx * r.ebx / r.eax, 2100000000ull);
	fast.tsc_hz = 5000000000ull;
	r = ask(&fast, 0x15, 0, ones);
	assert_int_equal((u64)r.ecx * r.ebx / r.eax, 5000000000ull);
	assert_int_equal(ask(&env, 0x16, 0, ones).eax, 2100);
}

/* A globally disabled APIC clears CPUID.1:EDX.APIC and nothing else (SDM Vol. 3A, 12.4.3). */
static void test_apic_disabled(void **state)
{
	struct cpuid_policy_env off = env;
	struct cpuid_regs on = ask(&env, 1, 0, ones), r;

	(void)state;
	off.apic_disabled = true;
	r = ask(&off, 1, 0, ones);
	assert_true(on.edx & BIT(9));
	assert_false(r.edx & BIT(9));
	assert_int_equal(r.edx | BIT(9), on.edx);
	assert_int_equal(r.ecx, on.ecx); /* x2APIC support is still there to go back to */
}

/* IA32_MISC_ENABLE: limit-CPUID makes leaf 0 say 2 and higher basic leaves answer as 2. */
static void test_limit_cpuid(void **state)
{
	struct cpuid_policy_env lim = env;

	(void)state;
	assert_int_equal(cpuid_policy_leaf(&env, 7), 7);
	lim.limit_cpuid = true;
	assert_int_equal(ask(&lim, 0, 0, (struct cpuid_regs){ 0x1b, 1, 2, 3 }).eax, 2);
	assert_int_equal(ask(&lim, 0, 0, (struct cpuid_regs){ 0x1b, 1, 2, 3 }).ebx, 1);
	assert_int_equal(ask(&env, 0, 0, (struct cpuid_regs){ 0x1b, 1, 2, 3 }).eax, 0x1b);
	assert_int_equal(cpuid_policy_leaf(&lim, 0), 0);
	assert_int_equal(cpuid_policy_leaf(&lim, 2), 2);
	assert_int_equal(cpuid_policy_leaf(&lim, 3), 2);
	assert_int_equal(cpuid_policy_leaf(&lim, 0x1f), 2);
	assert_int_equal(cpuid_policy_leaf(&lim, 0x3fffffff), 2);
	/* The hypervisor's and the extended leaves are not limited. */
	assert_int_equal(cpuid_policy_leaf(&lim, KESTREL_CPUID_BASE), KESTREL_CPUID_BASE);
	assert_int_equal(cpuid_policy_leaf(&lim, 0x80000001), 0x80000001);
}

/* IA32_MISC_ENABLE's XD disable hides NX in CPUID.80000001H:EDX[20]. */
static void test_xd_disabled(void **state)
{
	struct cpuid_policy_env xd = env;

	(void)state;
	assert_true(ask(&env, 0x80000001, 0, ones).edx & BIT(20));
	xd.xd_disabled = true;
	assert_false(ask(&xd, 0x80000001, 0, ones).edx & BIT(20));
	assert_true(ask(&xd, 0x80000001, 0, ones).edx & BIT(29)); /* long mode stays */
}

/* Shadow paging: PCID hidden (CR4.PCIDE is #GP there); with EPT it is the host's. */
static void test_no_pcid(void **state)
{
	struct cpuid_policy_env sh = env;

	(void)state;
	assert_true(ask(&env, 1, 0, ones).ecx & BIT(17));
	sh.no_pcid = true;
	assert_false(ask(&sh, 1, 0, ones).ecx & BIT(17));
	assert_true(ask(&sh, 1, 0, ones).ecx & BIT(21)); /* x2APIC stays */
}

/* Leaf 7 bits whose MSRs Kestrel does not emulate: CET-SS, TME, ENQCMD, PKS; RDPID with RDTSCP. */
static void test_leaf7_msr_features_hidden(void **state)
{
	struct cpuid_policy_env no_rdtscp = env;
	struct cpuid_regs r = ask(&env, 7, 0, ones);

	(void)state;
	assert_false(r.ecx & (BIT(7) | BIT(13) | BIT(29) | BIT(31)));
	assert_true(r.ecx & BIT(22)); /* RDPID */
	no_rdtscp.rdtscp = false;
	assert_false(ask(&no_rdtscp, 7, 0, ones).ecx & BIT(22));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_kestrel_leaves),
		cmocka_unit_test(test_kvm_leaves),
		cmocka_unit_test(test_gated_features),
		cmocka_unit_test(test_speculation_bits_hidden),
		cmocka_unit_test(test_empty_leaves),
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_tsc_leaves),
		cmocka_unit_test(test_apic_disabled),
		cmocka_unit_test(test_limit_cpuid),
		cmocka_unit_test(test_xd_disabled),
		cmocka_unit_test(test_no_pcid),
		cmocka_unit_test(test_leaf7_msr_features_hidden),
	};

	return unit_run(tests);
}
