// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/vmx/vpid.c: every VPID once, never 0, given back and reused. */
#include "unit.h"
#include "arch/x86/vmx/vpid.h"

#define NR_VPIDS 65535u /* 1 to 0xffff */

static u8 seen[65536];

/*
 * All 65,535 VPIDs are handed out once each, none is 0; then there are none (0, the caller's
 * "run without VPID"), however often it asks: never one that another vCPU holds. One given
 * back is handed out again, and only once.
 */
static void test_vpid_exhaust_and_reuse(void **state)
{
	(void)state;
	memset(seen, 0, sizeof(seen));
	for (u32 i = 0; i < NR_VPIDS; i++) {
		u16 v = vpid_alloc();

		assert_int_not_equal(v, 0);
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
	}
	for (u32 i = 0; i < 3; i++)
		assert_int_equal(vpid_alloc(), 0);
	vpid_free(5);
	vpid_free(0); /* ignored */
	assert_int_equal(vpid_alloc(), 5);
	assert_int_equal(vpid_alloc(), 0);
	vpid_free(0xffff);
	vpid_free(1);
	seen[1] = seen[0xffff] = 0;
	for (u32 i = 0; i < 2; i++) {
		u16 v = vpid_alloc();

		assert_true(v == 1 || v == 0xffff);
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
	}
	assert_int_equal(vpid_alloc(), 0);
	/* Give every one back: all are handed out again. */
	for (u32 v = 1; v <= NR_VPIDS; v++)
		vpid_free((u16)v);
	memset(seen, 0, sizeof(seen));
	for (u32 i = 0; i < NR_VPIDS; i++) {
		u16 v = vpid_alloc();

		assert_int_not_equal(v, 0);
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpid_exhaust_and_reuse),
	};

	return unit_run(tests);
}
