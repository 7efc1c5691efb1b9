// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/exception.c: which vectors are faults, how two exceptions combine. */
#include "unit.h"
#include "arch/x86/exception.h"

/* Table 7-1's types; RF is pushed set for the faults only (SDM Vol. 3B, 18.3.1.1). */
static void test_is_fault(void **state)
{
	static const u8 faults[] = { 0, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 19, 20, 21, 15, 31 };
	static const u8 not_faults[] = { EXC_DB, EXC_NMI, 3, 4, EXC_DF, 18 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(faults); i++)
		assert_true(exception_is_fault(faults[i]));
	for (u32 i = 0; i < ARRAY_SIZE(not_faults); i++)
		assert_false(exception_is_fault(not_faults[i]));
	/* Not an exception at all. */
	assert_false(exception_is_fault(32));
	assert_false(exception_is_fault(255));
}

/* Table 7-5, every class against every class, and #DF as the first. */
static void test_combine(void **state)
{
	(void)state;
	/* benign first: serially, whatever comes second */
	assert_int_equal(exception_combine(EXC_DB, EXC_GP), EXC_GP);
	assert_int_equal(exception_combine(6, EXC_PF), EXC_PF);
	assert_int_equal(exception_combine(EXC_NMI, 0), 0);
	/* contributory first */
	assert_int_equal(exception_combine(EXC_GP, 11), EXC_DF);
	assert_int_equal(exception_combine(0, 12), EXC_DF);
	assert_int_equal(exception_combine(10, 21), EXC_DF);
	assert_int_equal(exception_combine(EXC_GP, EXC_PF), EXC_PF);
	assert_int_equal(exception_combine(EXC_GP, 6), 6);
	/* page fault first */
	assert_int_equal(exception_combine(EXC_PF, EXC_PF), EXC_DF);
	assert_int_equal(exception_combine(EXC_PF, EXC_GP), EXC_DF);
	assert_int_equal(exception_combine(20, 13), EXC_DF);
	assert_int_equal(exception_combine(EXC_PF, EXC_DB), EXC_DB);
	/* during #DF delivery: a contributory or page fault shuts down, a benign one does not */
	assert_int_equal(exception_combine(EXC_DF, EXC_GP), EXCEPTION_TRIPLE_FAULT);
	assert_int_equal(exception_combine(EXC_DF, EXC_PF), EXCEPTION_TRIPLE_FAULT);
	assert_int_equal(exception_combine(EXC_DF, 11), EXCEPTION_TRIPLE_FAULT);
	assert_int_equal(exception_combine(EXC_DF, EXC_DB), EXC_DB);
	/* out of range: never a #DF */
	assert_int_equal(exception_combine(200, EXC_GP), EXC_GP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_fault),
		cmocka_unit_test(test_combine),
	};

	return unit_run(tests);
}
