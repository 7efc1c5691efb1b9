// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/vmsr.c: IA32_MISC_ENABLE, the MTRRs and the machine-check banks. */
#include "unit.h"
#include "hv/vmsr.h"

static const struct vmsr_caps all = {
	.mtrr = true, .mca = true, .xtpr = true, .nx = true, .limit_cpuid = true, .maxphyaddr = 39,
};

static u64 rd(const struct vmsr *m, u32 msr)
{
	u64 v = 0x5a5a;

	assert_int_equal(vmsr_read(m, msr, &v), VMSR_OK);
	return v;
}

/* Power-on: fast strings, BTS/PEBS unavailable, no perfmon; limit and XD disable clear. */
static void test_misc_enable_power_on(void **state)
{
	struct vmsr m;

	(void)state;
	vmsr_power_on(&m, &all);
	assert_int_equal(rd(&m, VMSR_MISC_ENABLE), VMSR_MISC_FAST_STRINGS | VMSR_MISC_BTS_UNAVAIL |
							   VMSR_MISC_PEBS_UNAVAIL);
	assert_false(vmsr_cpuid_limited(&m));
	assert_false(vmsr_xd_disabled(&m));
}

/* Writable bits read back; read-only ones keep their value; reserved ones #GP, no change. */
static void test_misc_enable_writes(void **state)
{
	u64 base = VMSR_MISC_BTS_UNAVAIL | VMSR_MISC_PEBS_UNAVAIL;
	struct vmsr m;

	(void)state;
	vmsr_power_on(&m, &all);
	assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, base), VMSR_OK);
	assert_int_equal(rd(&m, VMSR_MISC_ENABLE), base); /* fast strings off */
	assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, base | VMSR_MISC_LIMIT_CPUID |
				   VMSR_MISC_XTPR_DISABLE | VMSR_MISC_XD_DISABLE), VMSR_OK);
	assert_true(vmsr_cpuid_limited(&m));
	assert_true(vmsr_xd_disabled(&m));
	assert_int_equal(rd(&m, VMSR_MISC_ENABLE), base | VMSR_MISC_LIMIT_CPUID |
					  VMSR_MISC_XTPR_DISABLE | VMSR_MISC_XD_DISABLE);
	/* Read-only bits: a different value is ignored, not refused. */
	assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, VMSR_MISC_PERFMON), VMSR_OK);
	assert_int_equal(rd(&m, VMSR_MISC_ENABLE), base);
	for (u32 b = 0; b < 64; b++) {
		u64 bit = 1ull << b;

		if (bit & (VMSR_MISC_FAST_STRINGS | VMSR_MISC_PERFMON | VMSR_MISC_BTS_UNAVAIL |
			   VMSR_MISC_PEBS_UNAVAIL | VMSR_MISC_LIMIT_CPUID | VMSR_MISC_XTPR_DISABLE |
			   VMSR_MISC_XD_DISABLE))
			continue;
		assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, base | bit), VMSR_GP);
		assert_int_equal(rd(&m, VMSR_MISC_ENABLE), base);
	}
}

/* A bit whose CPUID condition does not hold is reserved. */
static void test_misc_enable_conditions(void **state)
{
	struct vmsr_caps none = all;
	struct vmsr m;

	(void)state;
	none.xtpr = none.nx = none.limit_cpuid = false;
	vmsr_power_on(&m, &none);
	assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, VMSR_MISC_XTPR_DISABLE), VMSR_GP);
	assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, VMSR_MISC_XD_DISABLE), VMSR_GP);
	assert_int_equal(vmsr_write(&m, VMSR_MISC_ENABLE, VMSR_MISC_LIMIT_CPUID), VMSR_GP);
	assert_false(vmsr_xd_disabled(&m));
}

/* MTRRCAP: 8 pairs, fixed ranges, WC; read-only. Default type enabled write-back. */
static void test_mtrr_cap_and_default(void **state)
{
	struct vmsr m;

	(void)state;
	vmsr_power_on(&m, &all);
	assert_int_equal(rd(&m, VMSR_MTRRCAP), 0x508);
	assert_int_equal(vmsr_write(&m, VMSR_MTRRCAP, 0x508), VMSR_GP);
	assert_int_equal(rd(&m, VMSR_MTRR_DEF_TYPE), 0x806);
	assert_int_equal(vmsr_write(&m, VMSR_MTRR_DEF_TYPE, 0xc00), VMSR_OK); /* UC, FE, E */
	assert_int_equal(rd(&m, VMSR_MTRR_DEF_TYPE), 0xc00);
	assert_int_equal(vmsr_write(&m, VMSR_MTRR_DEF_TYPE, 0x802), VMSR_GP); /* type 2 */
	assert_int_equal(vmsr_write(&m, VMSR_MTRR_DEF_TYPE, 0x1006), VMSR_GP); /* bit 12 */
	assert_int_equal(vmsr_write(&m, VMSR_MTRR_DEF_TYPE, 0x106), VMSR_GP); /* bit 8 */
	assert_int_equal(rd(&m, VMSR_MTRR_DEF_TYPE), 0xc00);
}

/* Variable pairs: types checked, bits past MAXPHYADDR and the reserved low bits #GP. */
static void test_mtrr_variable(void **state)
{
	struct vmsr m;

	(void)state;
	vmsr_power_on(&m, &all);
	for (u32 i = 0; i < VMSR_MTRR_VAR; i++) {
		u32 base = VMSR_MTRR_PHYSBASE0 + 2 * i;

		assert_int_equal(rd(&m, base), 0);
		assert_int_equal(vmsr_write(&m, base, 0x7f000000ull | 1), VMSR_OK);
		assert_int_equal(rd(&m, base), 0x7f000001ull);
		assert_int_equal(vmsr_write(&m, base + 1, 0x7fff000000ull | BIT(11)), VMSR_OK);
		assert_int_equal(rd(&m, base + 1), 0x7fff000800ull);
		assert_int_equal(vmsr_write(&m, base, 0x7f000003ull), VMSR_GP); /* type 3 */
		assert_int_equal(vmsr_write(&m, base, 0x7f000106ull), VMSR_GP); /* bit 8 */
		assert_int_equal(vmsr_write(&m, base, 1ull << 39), VMSR_GP); /* past MAXPHYADDR */
		assert_int_equal(vmsr_write(&m, base + 1, 0x400), VMSR_GP); /* bit 10 */
		assert_int_equal(vmsr_write(&m, base + 1, 1ull << 45), VMSR_GP);
		assert_int_equal(rd(&m, base), 0x7f000001ull);
	}
	/* A ninth pair does not exist. */
	assert_int_equal(vmsr_read(&m, VMSR_MTRR_PHYSBASE0 + 16, &(u64){ 0 }), VMSR_NONE);
	assert_int_equal(vmsr_write(&m, VMSR_MTRR_PHYSBASE0 + 17, 0), VMSR_NONE);
}

/* The eleven fixed-range MTRRs: every byte a valid type. */
static void test_mtrr_fixed(void **state)
{
	static const u32 fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
				     0x26c, 0x26d, 0x26e, 0x26f };
	static const u8 types[] = { 0, 1, 4, 5, 6 };
	struct vmsr m;

	(void)state;
	vmsr_power_on(&m, &all);
	for (u32 i = 0; i < 11; i++) {
		assert_int_equal(rd(&m, fixed[i]), 0);
		assert_int_equal(vmsr_write(&m, fixed[i], 0x0606060606060600ull + types[i % 5]),
				 VMSR_OK);
	}
	for (u32 i = 0; i < 11; i++)
		assert_int_equal(rd(&m, fixed[i]), 0x0606060606060600ull + types[i % 5]);
	assert_int_equal(vmsr_write(&m, 0x250, 0x0206060606060606ull), VMSR_GP);
	assert_int_equal(vmsr_write(&m, 0x26f, 0x0607060606060606ull), VMSR_GP);
	assert_int_equal(vmsr_read(&m, 0x251, &(u64){ 0 }), VMSR_NONE);
	assert_int_equal(vmsr_read(&m, 0x25a, &(u64){ 0 }), VMSR_NONE);
}

/* Without the MTRR or MCA feature flags their MSRs are not this file's (#GP elsewhere). */
static void test_absent_features(void **state)
{
	struct vmsr_caps none = all;
	struct vmsr m;
	u64 v;

	(void)state;
	none.mtrr = none.mca = false;
	vmsr_power_on(&m, &none);
	assert_int_equal(vmsr_read(&m, VMSR_MTRRCAP, &v), VMSR_NONE);
	assert_int_equal(vmsr_read(&m, VMSR_MTRR_DEF_TYPE, &v), VMSR_NONE);
	assert_int_equal(vmsr_write(&m, 0x250, 0), VMSR_NONE);
	assert_int_equal(vmsr_read(&m, VMSR_MCG_CAP, &v), VMSR_NONE);
	assert_int_equal(vmsr_read(&m, VMSR_MC0_CTL, &v), VMSR_NONE);
	assert_int_equal(vmsr_write(&m, VMSR_MCG_STATUS, 0), VMSR_NONE);
}

/* MCG_CAP: the bank count and MCG_CTL_P, read-only; MCG_CTL all ones or zeroes. */
static void test_mcg(void **state)
{
	struct vmsr m;

	(void)state;
	vmsr_power_on(&m, &all);
	assert_int_equal(rd(&m, VMSR_MCG_CAP), VMSR_MCA_BANKS | BIT(8));
	assert_int_equal(vmsr_write(&m, VMSR_MCG_CAP, 0), VMSR_GP);
	assert_int_equal(rd(&m, VMSR_MCG_CTL), ~0ull);
	assert_int_equal(vmsr_write(&m, VMSR_MCG_CTL, 0), VMSR_OK);
	assert_int_equal(rd(&m, VMSR_MCG_CTL), 0);
	assert_int_equal(vmsr_write(&m, VMSR_MCG_CTL, 0xff), VMSR_GP);
	assert_int_equal(rd(&m, VMSR_MCG_CTL), 0);
	assert_int_equal(rd(&m, VMSR_MCG_STATUS), 0);
	assert_int_equal(vmsr_write(&m, VMSR_MCG_STATUS, 4), VMSR_OK); /* MCIP */
	assert_int_equal(rd(&m, VMSR_MCG_STATUS), 4);
	assert_int_equal(vmsr_write(&m, VMSR_MCG_STATUS, 8), VMSR_GP);
	assert_int_equal(vmsr_write(&m, VMSR_MCG_STATUS, 0), VMSR_OK);
}

/* Each bank: CTL all ones or zeroes; STATUS, ADDR, MISC read 0, accept 0, #GP else. */
static void test_mc_banks(void **state)
{
	struct vmsr m;
	u64 v;

	(void)state;
	vmsr_power_on(&m, &all);
	for (u32 i = 0; i < VMSR_MCA_BANKS; i++) {
		u32 ctl = VMSR_MC0_CTL + 4 * i;

		assert_int_equal(rd(&m, ctl), ~0ull);
		assert_int_equal(vmsr_write(&m, ctl, 0), VMSR_OK);
		assert_int_equal(rd(&m, ctl), 0);
		assert_int_equal(vmsr_write(&m, ctl, 5), VMSR_GP);
		assert_int_equal(rd(&m, ctl), 0);
		assert_int_equal(vmsr_write(&m, ctl, ~0ull), VMSR_OK);
		for (u32 r = 1; r <= 3; r++) {
			assert_int_equal(rd(&m, ctl + r), 0);
			assert_int_equal(vmsr_write(&m, ctl + r, 0), VMSR_OK);
			assert_int_equal(vmsr_write(&m, ctl + r, 1ull << 63), VMSR_GP);
		}
	}
	/* Past the last bank: nothing. */
	assert_int_equal(vmsr_read(&m, VMSR_MC0_CTL + 4 * VMSR_MCA_BANKS, &v), VMSR_NONE);
	assert_int_equal(vmsr_write(&m, VMSR_MC0_CTL + 4 * VMSR_MCA_BANKS + 1, 0), VMSR_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misc_enable_power_on),
		cmocka_unit_test(test_misc_enable_writes),
		cmocka_unit_test(test_misc_enable_conditions),
		cmocka_unit_test(test_mtrr_cap_and_default),
		cmocka_unit_test(test_mtrr_variable),
		cmocka_unit_test(test_mtrr_fixed),
		cmocka_unit_test(test_absent_features),
		cmocka_unit_test(test_mcg),
		cmocka_unit_test(test_mc_banks),
	};

	return unit_run(tests);
}
