// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/spec.c: which speculation mitigations follow from CPUID and MSR bits. */
#include "unit.h"
#include "arch/x86/spec.h"

static struct spec_policy decide(bool intel, u32 edx, u64 caps)
{
	struct spec_cpu c = { intel, edx, caps };
	struct spec_policy p;

	spec_decide(&c, &p);
	assert_non_null(p.ibpb_why);
	assert_non_null(p.l1d_why);
	assert_non_null(p.verw_why);
	return p;
}

#define ALL_OFFERED (CPUID7_EDX_MD_CLEAR | CPUID7_EDX_IBRS_IBPB | CPUID7_EDX_L1D_FLUSH)

/* An old part: no ARCH_CAPABILITIES, every control offered: everything on. */
static void test_vulnerable_without_arch_caps(void **state)
{
	struct spec_policy p = decide(true, ALL_OFFERED, 0);

	(void)state;
	assert_true(p.ibpb_on_vm_switch && p.l1d_flush_on_entry && p.verw_on_entry);
	/* The MSR's value is ignored when CPUID does not say the MSR exists. */
	p = decide(true, ALL_OFFERED, ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO);
	assert_true(p.l1d_flush_on_entry && p.verw_on_entry);
}

/* A part that reports immunity: no L1D flush, no VERW; IBPB still between VMs. */
static void test_not_vulnerable(void **state)
{
	struct spec_policy p = decide(true, ALL_OFFERED | CPUID7_EDX_ARCH_CAPS,
				      ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO);

	(void)state;
	assert_true(p.ibpb_on_vm_switch);
	assert_false(p.l1d_flush_on_entry);
	assert_false(p.verw_on_entry);
	assert_non_null(strstr(p.l1d_why, "RDCL_NO"));
	assert_non_null(strstr(p.verw_why, "MDS_NO"));
}

/* L1TF-vulnerable, but the CPU (or the hypervisor under Kestrel) says entry needs no flush. */
static void test_skip_l1d_flush(void **state)
{
	struct spec_policy p = decide(true, ALL_OFFERED | CPUID7_EDX_ARCH_CAPS,
				      ARCH_CAP_SKIP_L1DFL_VMENTRY);

	(void)state;
	assert_false(p.l1d_flush_on_entry);
	assert_non_null(strstr(p.l1d_why, "SKIP_L1DFL_VMENTRY"));
	assert_true(p.verw_on_entry); /* MDS is another matter */
}

/* Vulnerable but the controls are missing (old microcode): off, and the reason says so. */
static void test_needed_but_not_offered(void **state)
{
	struct spec_policy p = decide(true, CPUID7_EDX_ARCH_CAPS, 0);

	(void)state;
	assert_false(p.ibpb_on_vm_switch || p.l1d_flush_on_entry || p.verw_on_entry);
	assert_non_null(strstr(p.ibpb_why, "not offered"));
	assert_non_null(strstr(p.l1d_why, "NEEDED"));
	assert_non_null(strstr(p.verw_why, "NEEDED"));
}

/* Each control alone: only its own mitigation turns on. */
static void test_each_bit_alone(void **state)
{
	struct spec_policy p;

	(void)state;
	p = decide(true, CPUID7_EDX_IBRS_IBPB, 0);
	assert_true(p.ibpb_on_vm_switch && !p.l1d_flush_on_entry && !p.verw_on_entry);
	p = decide(true, CPUID7_EDX_L1D_FLUSH, 0);
	assert_true(!p.ibpb_on_vm_switch && p.l1d_flush_on_entry && !p.verw_on_entry);
	p = decide(true, CPUID7_EDX_MD_CLEAR, 0);
	assert_true(!p.ibpb_on_vm_switch && !p.l1d_flush_on_entry && p.verw_on_entry);
	/* STIBP and SSBD are SPEC_CTRL settings, not switch or entry actions. */
	p = decide(true, CPUID7_EDX_STIBP | CPUID7_EDX_SSBD, 0);
	assert_false(p.ibpb_on_vm_switch || p.l1d_flush_on_entry || p.verw_on_entry);
}

/* Another vendor's bits mean other things: nothing is done on their word. */
static void test_not_intel(void **state)
{
	struct spec_policy p = decide(false, ~0u, 0);

	(void)state;
	assert_false(p.ibpb_on_vm_switch || p.l1d_flush_on_entry || p.verw_on_entry);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vulnerable_without_arch_caps),
		cmocka_unit_test(test_not_vulnerable),
		cmocka_unit_test(test_skip_l1d_flush),
		cmocka_unit_test(test_needed_but_not_offered),
		cmocka_unit_test(test_each_bit_alone),
		cmocka_unit_test(test_not_intel),
	};

	return unit_run(tests);
}
