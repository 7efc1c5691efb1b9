// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/vmx/tlb_caps.c: EPT and VPID only with INVEPT and INVVPID. */
#include "unit.h"
#include "arch/x86/vmx/tlb_caps.h"

#define INVEPT_OK (EPT_VPID_CAP_INVEPT | EPT_VPID_CAP_INVEPT_SINGLE)
#define INVVPID_OK (EPT_VPID_CAP_INVVPID | EPT_VPID_CAP_INVVPID_SINGLE)

static struct tlb_caps decide(bool ept, bool vpid, u64 cap)
{
	struct tlb_caps t;

	tlb_caps_decide(&t, ept, vpid, cap);
	return t;
}

static void test_everything_there(void **state)
{
	struct tlb_caps t = decide(true, true, INVEPT_OK | INVVPID_OK);

	(void)state;
	assert_true(t.ept);
	assert_true(t.vpid);
	assert_null(t.no_ept);
	assert_null(t.no_vpid);
	/* All-context alone is enough for either. */
	t = decide(true, true, EPT_VPID_CAP_INVEPT | EPT_VPID_CAP_INVEPT_ALL |
			       EPT_VPID_CAP_INVVPID | EPT_VPID_CAP_INVVPID_ALL);
	assert_true(t.ept);
	assert_true(t.vpid);
}

/* VPID allowed, INVVPID missing or without a usable type: VPID off, with a reason. */
static void test_vpid_without_invvpid(void **state)
{
	struct tlb_caps t = decide(true, true, INVEPT_OK);

	(void)state;
	assert_true(t.ept);
	assert_false(t.vpid);
	assert_non_null(t.no_vpid);
	t = decide(true, true, INVEPT_OK | EPT_VPID_CAP_INVVPID); /* no type */
	assert_false(t.vpid);
	t = decide(true, true, INVEPT_OK | EPT_VPID_CAP_INVVPID | EPT_VPID_CAP_INVVPID_ADDR);
	assert_false(t.vpid); /* individual-address alone cannot drop a whole VPID */
	t = decide(true, true, INVEPT_OK | EPT_VPID_CAP_INVVPID_SINGLE); /* type without INVVPID */
	assert_false(t.vpid);
}

/* EPT allowed, INVEPT missing or without a usable type: EPT refused, with a reason. */
static void test_ept_without_invept(void **state)
{
	struct tlb_caps t = decide(true, true, INVVPID_OK);

	(void)state;
	assert_false(t.ept);
	assert_non_null(t.no_ept);
	assert_true(t.vpid);
	t = decide(true, false, EPT_VPID_CAP_INVEPT);
	assert_false(t.ept);
	t = decide(true, false, EPT_VPID_CAP_INVEPT_SINGLE | EPT_VPID_CAP_INVEPT_ALL);
	assert_false(t.ept);
}

/* Controls the CPU does not allow stay off, and need no reason. */
static void test_not_allowed(void **state)
{
	struct tlb_caps t = decide(false, false, ~0ULL);

	(void)state;
	assert_false(t.ept);
	assert_false(t.vpid);
	assert_null(t.no_ept);
	assert_null(t.no_vpid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everything_there),
		cmocka_unit_test(test_vpid_without_invvpid),
		cmocka_unit_test(test_ept_without_invept),
		cmocka_unit_test(test_not_allowed),
	};

	return unit_run(tests);
}
