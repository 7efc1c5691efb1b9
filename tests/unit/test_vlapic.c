// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vlapic.c: registers, modes, IPI routing, priorities, the timer, CR8. */
#include "unit.h"
#include "hv/dev/vlapic.h"

#define TPT 7 /* TSC ticks per timer count at divide-by-1 */
#define MSR(off) (VLAPIC_MSR_X2APIC_FIRST + (off) / 16)
#define BASE_XAPIC (VLAPIC_BASE_ADDR | VLAPIC_BASE_EN)
#define BASE_X2APIC (BASE_XAPIC | VLAPIC_BASE_EXTD)
#define BASE_OFF VLAPIC_BASE_ADDR

static struct vlapic_ipi ipi;

/* A vCPU's APIC after power-on, software-enabled, in xAPIC or x2APIC mode. */
static void mk(struct vlapic *v, u32 index, bool x2)
{
	assert_int_equal(vlapic_init(v, index, TPT), 0);
	if (x2) {
		assert_int_equal(vlapic_apic_base_write(v, BASE_X2APIC | (v->apic_base & BIT(8))),
				 VLAPIC_R_MODE);
		assert_int_equal(vlapic_msr_write(v, MSR(VLAPIC_REG_SVR), 0x1ff, 0, &ipi), 0);
	} else {
		assert_int_equal(vlapic_mmio_write(v, VLAPIC_REG_SVR, 0x1ff, 0, &ipi), 0);
	}
}

static u32 mmio_r(struct vlapic *v, u32 off, u64 now)
{
	u32 val = 0xdeadbeef;

	assert_int_equal(vlapic_mmio_read(v, off, now, &val), 0);
	return val;
}

static u32 mmio_w(struct vlapic *v, u32 off, u32 val, u64 now)
{
	memset(&ipi, 0xa5, sizeof(ipi));
	return vlapic_mmio_write(v, off, val, now, &ipi);
}

static u64 msr_r(struct vlapic *v, u32 msr, u64 now)
{
	u64 val = 0xdeadbeef;

	assert_int_equal(vlapic_msr_read(v, msr, now, &val), 0);
	return val;
}

static u32 msr_w(struct vlapic *v, u32 msr, u64 val, u64 now)
{
	memset(&ipi, 0xa5, sizeof(ipi));
	return vlapic_msr_write(v, msr, val, now, &ipi);
}

static void expect_ipi(enum vlapic_dm mode, enum vlapic_shorthand sh, u8 vector, bool logical,
		       bool x2apic, u32 dest)
{
	assert_int_equal(ipi.mode, mode);
	assert_int_equal(ipi.shorthand, sh);
	assert_int_equal(ipi.vector, vector);
	assert_int_equal(ipi.logical, logical);
	assert_int_equal(ipi.x2apic, x2apic);
	if (sh == VLAPIC_SH_NONE)
		assert_int_equal(ipi.dest, dest);
}

static void test_reset_values(void **state)
{
	struct vlapic v;
	u64 val;

	(void)state;
	assert_int_equal(vlapic_init(&v, 0, 0), -EINVAL);
	assert_int_equal(vlapic_init(&v, 0, VLAPIC_MAX_TSC_PER_TICK + 1), -EINVAL);
	assert_int_equal(vlapic_init(&v, 0, TPT), 0);
	assert_int_equal(v.apic_base, 0xfee00900);
	assert_int_equal(vlapic_init(&v, 3, TPT), 0);
	assert_int_equal(msr_r(&v, VLAPIC_MSR_APIC_BASE, 0), 0xfee00800);
	assert_int_equal(vlapic_mode(&v), VLAPIC_MODE_XAPIC);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ID, 0), 0x03000000);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_VERSION, 0), 0x00050014);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_SVR, 0), 0xff);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_DFR, 0), 0xffffffff);
	for (u32 off = VLAPIC_REG_LVT_TIMER; off <= VLAPIC_REG_LVT_ERROR; off += 16)
		assert_int_equal(mmio_r(&v, off, 0), VLAPIC_LVT_MASKED);
	for (u32 off = VLAPIC_REG_ISR; off < VLAPIC_REG_ESR; off += 16)
		assert_int_equal(mmio_r(&v, off, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TPR, 0) | mmio_r(&v, VLAPIC_REG_PPR, 0) |
				 mmio_r(&v, VLAPIC_REG_LDR, 0) | mmio_r(&v, VLAPIC_REG_ICR_LO, 0) |
				 mmio_r(&v, VLAPIC_REG_ICR_HI, 0) | mmio_r(&v, VLAPIC_REG_ESR, 0) |
				 mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 0) |
				 mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 0) |
				 mmio_r(&v, VLAPIC_REG_TIMER_DIVIDE, 0),
			 0);
	assert_int_equal(msr_r(&v, VLAPIC_MSR_TSC_DEADLINE, 0), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	/* x2APIC MSRs do not exist in xAPIC mode. */
	assert_int_equal(vlapic_msr_read(&v, MSR(VLAPIC_REG_ID), 0, &val), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_TPR), 0, 0), VLAPIC_R_GP);
	assert_true(vlapic_msr_owned(0x1b) && vlapic_msr_owned(0x6e0) && vlapic_msr_owned(0x8ff));
	assert_false(vlapic_msr_owned(0x900) || vlapic_msr_owned(0x7ff));
}

static void test_init_signal(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0x23, true);
	msr_w(&v, MSR(VLAPIC_REG_TPR), 0x20, 0);
	msr_w(&v, MSR(VLAPIC_REG_TIMER_INITIAL), 1000, 0);
	vlapic_set_irr(&v, 0x80);
	vlapic_reset_init(&v);
	/* INIT keeps the mode and the ID; everything else is as at power-on (11.12.5.1). */
	assert_int_equal(vlapic_mode(&v), VLAPIC_MODE_X2APIC);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_ID), 0), 0x23);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_LDR), 0), 0x20008);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_TPR), 0), 0);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_SVR), 0), 0xff);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_IRR + 0x40), 0), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(vlapic_pending(&v), -1);
	/* RESET goes back to xAPIC. */
	vlapic_reset(&v);
	assert_int_equal(vlapic_mode(&v), VLAPIC_MODE_XAPIC);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ID, 0), 0x23000000);
}

static void test_mode_transitions(void **state)
{
	struct vlapic v;
	u32 val;

	(void)state;
	mk(&v, 0x125, false);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_XAPIC), 0);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_X2APIC), VLAPIC_R_MODE);
	assert_int_equal(vlapic_mode(&v), VLAPIC_MODE_X2APIC);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_ID), 0), 0x125); /* all 32 bits */
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_LDR), 0), 0x120020);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_SVR), 0), 0x1ff); /* state kept */
	assert_int_equal(vlapic_mmio_read(&v, VLAPIC_REG_ID, 0, &val), VLAPIC_R_NOT_APIC);
	assert_int_equal(val, 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TPR, 0x10, 0), VLAPIC_R_NOT_APIC);

	/* Illegal: x2APIC -> xAPIC, the invalid state, reserved bits, another base. */
	assert_int_equal(vlapic_apic_base_write(&v, BASE_XAPIC), VLAPIC_R_GP);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_OFF | VLAPIC_BASE_EXTD), VLAPIC_R_GP);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_X2APIC | BIT(0)), VLAPIC_R_GP);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_X2APIC | BIT(9)), VLAPIC_R_GP);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_X2APIC | BIT(63)), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, VLAPIC_MSR_APIC_BASE, 0xfec00000 | (BASE_X2APIC & 0xfff), 0),
			 VLAPIC_R_GP);
	assert_int_equal(vlapic_mode(&v), VLAPIC_MODE_X2APIC);
	assert_int_equal(v.apic_base, BASE_X2APIC);

	/* x2APIC -> disabled resets every register but the ID. */
	msr_w(&v, MSR(VLAPIC_REG_TIMER_INITIAL), 5, 0);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_OFF),
			 VLAPIC_R_MODE | VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_mode(&v), VLAPIC_MODE_DISABLED);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_false(vlapic_set_irr(&v, 0x40));
	assert_int_equal(vlapic_mmio_read(&v, VLAPIC_REG_ID, 0, &val), VLAPIC_R_NOT_APIC);
	/* Disabled -> x2APIC is illegal; disabled -> xAPIC is the way back. */
	assert_int_equal(vlapic_apic_base_write(&v, BASE_X2APIC), VLAPIC_R_GP);
	assert_int_equal(vlapic_apic_base_write(&v, BASE_XAPIC), VLAPIC_R_MODE);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_SVR, 0), 0xff);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LDR, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ID, 0), 0x25000000); /* the low 8 bits */
	/* xAPIC -> disabled is legal too; the BSP bit cannot be set. */
	assert_int_equal(vlapic_apic_base_write(&v, BASE_OFF | VLAPIC_BASE_BSP), VLAPIC_R_MODE |
			 VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(v.apic_base, BASE_OFF);
}

static void test_x2apic_msr_errors(void **state)
{
	static const u32 read_only[] = { VLAPIC_REG_ID, VLAPIC_REG_VERSION, VLAPIC_REG_PPR,
					 VLAPIC_REG_LDR, VLAPIC_REG_ISR, VLAPIC_REG_TMR + 0x70,
					 VLAPIC_REG_IRR + 0x30, VLAPIC_REG_TIMER_CURRENT };
	static const u32 absent[] = { 0x000, VLAPIC_REG_APR, VLAPIC_REG_RRD, VLAPIC_REG_DFR,
				      0x2f0, VLAPIC_REG_ICR_HI, 0x3a0, 0xff0 };
	struct vlapic v;
	u64 val;

	(void)state;
	mk(&v, 1, true);
	for (u32 i = 0; i < ARRAY_SIZE(read_only); i++) {
		assert_int_equal(vlapic_msr_read(&v, MSR(read_only[i]), 0, &val), 0);
		assert_int_equal(msr_w(&v, MSR(read_only[i]), 0, 0), VLAPIC_R_GP);
	}
	for (u32 i = 0; i < ARRAY_SIZE(absent); i++) {
		assert_int_equal(vlapic_msr_read(&v, MSR(absent[i]), 0, &val), VLAPIC_R_GP);
		assert_int_equal(msr_w(&v, MSR(absent[i]), 0, 0), VLAPIC_R_GP);
	}
	/* Write-only: EOI and SELF IPI. */
	assert_int_equal(vlapic_msr_read(&v, MSR(VLAPIC_REG_EOI), 0, &val), VLAPIC_R_GP);
	assert_int_equal(vlapic_msr_read(&v, MSR(VLAPIC_REG_SELF_IPI), 0, &val), VLAPIC_R_GP);
	/* Non-zero EOI and ESR writes, reserved bits, upper halves. */
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_EOI), 1, 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ESR), 1, 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_TPR), 0x100, 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_TPR), BIT(32), 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_SVR), 0x11ff, 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_TIMER_DIVIDE), 4, 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_LVT_TIMER), BIT(19), 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_LVT_ERROR), BIT(8), 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), BIT(13) | 0x40, 0), VLAPIC_R_GP);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_SELF_IPI), 0x140, 0), VLAPIC_R_GP);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_TPR), 0), 0);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_SVR), 0), 0x1ff);
	assert_int_equal(vlapic_pending(&v), -1);
	/* What is allowed: ESR 0 latches, EOI 0, LINT0 with its writable bits. */
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ESR), 0, 0), 0);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_EOI), 0, 0), 0);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_LVT_LINT0), 0x1a7ff, 0), 0);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_LVT_LINT0), 0), 0x1a7ff);
	assert_int_equal(vlapic_msr_read(&v, 0x900, 0, &val), VLAPIC_R_GP);
}

static void test_x2apic_ldr(void **state)
{
	static const u32 ids[][2] = { { 0, 0x1 }, { 5, 0x20 }, { 15, 0x8000 }, { 16, 0x10001 },
				      { 0x35, 0x30020 }, { 0x12345, 0x12340020 } };
	struct vlapic v;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(ids); i++) {
		mk(&v, ids[i][0], true);
		assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_LDR), 0), ids[i][1]);
	}
}

static void test_xapic_mmio(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 2, false);
	/* Read-only registers ignore writes; unknown offsets read 0 and log an error. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ID, 0x07000000, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ID, 0), 0x02000000);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_VERSION, 0, 0), 0);
	assert_int_equal(mmio_r(&v, 0x3a0, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ESR, 0), 0); /* not latched yet */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ESR, 0, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ESR, 0), VLAPIC_ESR_ILLEGAL_REG);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ESR, 0, 0), 0); /* back-to-back writes clear */
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ESR, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TPR + 4, 0), 0); /* not 16-byte aligned */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_SELF_IPI, 0x40, 0), 0); /* x2APIC only */
	assert_int_equal(vlapic_pending(&v), -1);
	/* Writable registers keep only their bits. */
	mmio_w(&v, VLAPIC_REG_TPR, 0xfff, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TPR, 0), 0xff);
	mmio_w(&v, VLAPIC_REG_LDR, 0x12345678, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LDR, 0), 0x12000000);
	mmio_w(&v, VLAPIC_REG_DFR, 0x0, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_DFR, 0), 0x0fffffff);
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, 0xffffffff, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LVT_TIMER, 0), 0x700ff);
	/* ICR halves read back; the high half alone sends nothing. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_HI, 0xabffffff, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ICR_HI, 0), 0xab000000);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0xffff30ff, 0), VLAPIC_R_IPI);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ICR_LO, 0), 0xc00ff); /* no bits 12, 13 */
}

static void test_match_dest(void **state)
{
	struct vlapic a, b;

	(void)state;
	/* Physical, xAPIC: the 8-bit ID, 0xff broadcasts. */
	mk(&a, 3, false);
	assert_true(vlapic_match_dest(&a, 3, false, false));
	assert_false(vlapic_match_dest(&a, 4, false, false));
	assert_true(vlapic_match_dest(&a, 0xff, false, false));
	/* Flat logical: any common bit of LDR[31:24]. */
	mmio_w(&a, VLAPIC_REG_LDR, 0x04000000, 0);
	assert_true(vlapic_match_dest(&a, 0x04, true, false));
	assert_true(vlapic_match_dest(&a, 0x0c, true, false));
	assert_false(vlapic_match_dest(&a, 0x03, true, false));
	assert_true(vlapic_match_dest(&a, 0xff, true, false));
	/* Cluster logical: the same cluster and a common bit. */
	mmio_w(&a, VLAPIC_REG_DFR, 0x0fffffff, 0);
	mmio_w(&a, VLAPIC_REG_LDR, 0x32000000, 0);
	assert_true(vlapic_match_dest(&a, 0x32, true, false));
	assert_true(vlapic_match_dest(&a, 0x36, true, false));
	assert_false(vlapic_match_dest(&a, 0x22, true, false));
	assert_false(vlapic_match_dest(&a, 0x31, true, false));
	/* x2APIC physical: 32-bit ID, 0xffffffff broadcasts. */
	mk(&b, 0x123, true);
	assert_true(vlapic_match_dest(&b, 0x123, false, true));
	assert_false(vlapic_match_dest(&b, 0x23, false, true));
	assert_false(vlapic_match_dest(&b, 0xff, false, true));
	assert_true(vlapic_match_dest(&b, 0xffffffff, false, true));
	/* x2APIC logical: cluster 0x12 in 31:16, bit 3 in 15:0. */
	assert_true(vlapic_match_dest(&b, 0x120008, true, true));
	assert_true(vlapic_match_dest(&b, 0x12ffff, true, true));
	assert_false(vlapic_match_dest(&b, 0x120004, true, true));
	assert_false(vlapic_match_dest(&b, 0x130008, true, true));
	assert_true(vlapic_match_dest(&b, 0xffffffff, true, true));
	/* A disabled APIC is no destination. */
	vlapic_apic_base_write(&b, BASE_OFF);
	assert_false(vlapic_match_dest(&b, 0xffffffff, false, true));
}

static void test_icr_xapic(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0, false);
	mmio_w(&v, VLAPIC_REG_ICR_HI, 0x05000000, 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4031, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_NONE, 0x31, false, false, 5);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4941, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_LOWEST, VLAPIC_SH_NONE, 0x41, true, false, 5);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4400, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_NMI, VLAPIC_SH_NONE, 0, false, false, 5);
	/* INIT assert, then the de-assert Linux and the MP spec send after it: a no-op. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0xc500, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_INIT, VLAPIC_SH_NONE, 0, false, false, 5);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x8500, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ICR_LO, 0), 0x8500);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4500, 0), VLAPIC_R_IPI); /* edge INIT */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x0500, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_INIT, VLAPIC_SH_NONE, 0, false, false, 5);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4608, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_STARTUP, VLAPIC_SH_NONE, 0x08, false, false, 5);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4200, 0), 0); /* SMI: ignored */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x4300, 0), 0); /* reserved */
	/* Shorthands. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x44050, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_SELF, 0x50, false, false, 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x84051, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_ALL, 0x51, false, false, 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0xc4500, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_INIT, VLAPIC_SH_OTHERS, 0, false, false, 0);
	/* Only fixed interrupts go to self or to all including self. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x44400, 0), 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x84500, 0), 0);
	/* An illegal vector is sent all the same, and logged. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_ICR_LO, 0x400f, 0), VLAPIC_R_IPI);
	mmio_w(&v, VLAPIC_REG_ESR, 0, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ESR, 0), VLAPIC_ESR_SEND_ILLEGAL);
}

static void test_icr_x2apic(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 7, true);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 0x12345678ull << 32 | 0x4031, 0),
			 VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_NONE, 0x31, false, true, 0x12345678);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_ICR_LO), 0), 0x12345678ull << 32 | 0x4031);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 0x10004ull << 32 | 0x4941, 0),
			 VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_LOWEST, VLAPIC_SH_NONE, 0x41, true, true, 0x10004);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), ~0ull << 32 | 0x4400, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_NMI, VLAPIC_SH_NONE, 0, false, true, 0xffffffff);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 3ull << 32 | 0xc500, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_INIT, VLAPIC_SH_NONE, 0, false, true, 3);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 3ull << 32 | 0x8500, 0), 0);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 3ull << 32 | 0x469a, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_STARTUP, VLAPIC_SH_NONE, 0x9a, false, true, 3);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 0x4200, 0), 0);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 0x44077, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_SELF, 0x77, false, true, 0);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 0x84078, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_ALL, 0x78, false, true, 0);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_ICR_LO), 0xc4679, 0), VLAPIC_R_IPI);
	expect_ipi(VLAPIC_DM_STARTUP, VLAPIC_SH_OTHERS, 0x79, false, true, 0);
}

/*
 * The x2APIC ICR's direct path takes exactly the writes the generic path turns into a fixed
 * IPI to one physical destination or to "self", with no error, and stores the ICR alike:
 * every low half built from the fields' values, reserved bits and the broadcast ID included,
 * in both modes.
 */
static void test_icr_x2apic_fixed(void **state)
{
	static const u32 dests[] = { 0, 3, 0x12345678, 0xfffffffe, 0xffffffff };
	static const u8 vectors[] = { 0, 15, 16, 0x31, 0xff };
	struct vlapic v, w;
	u32 taken = 0, dest = 0;

	(void)state;
	for (u32 mode = 0; mode < 2; mode++)
	for (u32 bits = 0; bits < 1u << 12; bits++) {
		/*
		 * Delivery mode 10:8, logical 11, the reserved 12 and 13, level 14, trigger 15,
		 * shorthand 19:18, and the reserved 16 and 31.
		 */
		u32 lo = (bits & 0x3f) << 8 | ((bits >> 6) & 3) << 14 | ((bits >> 8) & 3) << 18 |
			 ((bits >> 10) & 1) << 16 | ((bits >> 11) & 1) << 31;

		for (u32 d = 0; d < ARRAY_SIZE(dests); d++)
		for (u32 k = 0; k < ARRAY_SIZE(vectors); k++) {
			u64 val = (u64)dests[d] << 32 | lo | vectors[k];
			u32 r;
			bool fast;

			mk(&v, 7, mode);
			w = v;
			fast = vlapic_x2apic_icr_fixed(&v, val, &dest);
			if (!fast) {
				assert_memory_equal(&v, &w, sizeof(v)); /* nothing done */
				continue;
			}
			taken++;
			r = msr_w(&w, MSR(VLAPIC_REG_ICR_LO), val, 0);
			assert_int_equal(r, VLAPIC_R_IPI);
			if (ipi.shorthand == VLAPIC_SH_SELF) {
				assert_int_equal(dest, 7); /* the sender's own ID */
				expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_SELF, vectors[k], false, true, 0);
			} else {
				assert_int_equal(dest, dests[d]);
				assert_int_not_equal(dest, 0xffffffff);
				expect_ipi(VLAPIC_DM_FIXED, VLAPIC_SH_NONE, vectors[k], false, true,
					   dests[d]);
			}
			assert_memory_equal(&v, &w, sizeof(v)); /* the same ICR, no error logged */
		}
	}
	/*
	 * Four level/trigger forms of 3 vectors, to 4 destinations or to "self" with any of
	 * the 5 destinations, x2APIC mode only.
	 */
	assert_int_equal(taken, 4 * 3 * (4 + 5));
}

/* The vCPUs the last IPI from sender reaches, as a bit mask. */
static u32 hits(const struct vlapic *cpu, u32 nr, const struct vlapic *sender)
{
	u32 mask = 0;

	for (u32 i = 0; i < nr; i++)
		mask |= (u32)vlapic_ipi_hits(&cpu[i], sender, &ipi) << i;
	return mask;
}

static void test_ipi_routing(void **state)
{
	struct vlapic cpu[4];

	(void)state;
	for (u32 i = 0; i < 4; i++)
		mk(&cpu[i], i, true);
	assert_int_equal(msr_w(&cpu[1], MSR(VLAPIC_REG_ICR_LO), 0xc4030, 0), VLAPIC_R_IPI);
	assert_int_equal(hits(cpu, 4, &cpu[1]), 0xd); /* all but the sender */
	msr_w(&cpu[1], MSR(VLAPIC_REG_ICR_LO), 0x84030, 0);
	assert_int_equal(hits(cpu, 4, &cpu[1]), 0xf);
	msr_w(&cpu[1], MSR(VLAPIC_REG_ICR_LO), 0x44030, 0);
	assert_int_equal(hits(cpu, 4, &cpu[1]), 0x2);
	msr_w(&cpu[1], MSR(VLAPIC_REG_ICR_LO), 3ull << 32 | 0x4030, 0);
	assert_int_equal(hits(cpu, 4, &cpu[1]), 0x8);
	/* Logical cluster 0, bits 0 and 2: vCPUs 0 and 2. */
	msr_w(&cpu[1], MSR(VLAPIC_REG_ICR_LO), 0x5ull << 32 | 0x4830, 0);
	assert_int_equal(hits(cpu, 4, &cpu[1]), 0x5);
	/* A disabled APIC is reached by no shorthand but self. */
	vlapic_apic_base_write(&cpu[3], BASE_OFF);
	msr_w(&cpu[1], MSR(VLAPIC_REG_ICR_LO), 0x84030, 0);
	assert_int_equal(hits(cpu, 4, &cpu[1]), 0x7);
	/* Delivered fixed: the target's IRR. */
	assert_true(vlapic_set_irr(&cpu[2], ipi.vector));
	assert_int_equal(vlapic_pending(&cpu[2]), 0x30);
}

static void test_self_ipi(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0, true);
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_SELF_IPI), 0x61, 0), VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), 0x61);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_IRR + 0x30), 0), 1u << 1);
	/* An illegal vector: both errors, and nothing in IRR. */
	assert_int_equal(msr_w(&v, MSR(VLAPIC_REG_SELF_IPI), 0x0e, 0), 0);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_IRR), 0), 0);
	msr_w(&v, MSR(VLAPIC_REG_ESR), 0, 0);
	assert_int_equal(msr_r(&v, MSR(VLAPIC_REG_ESR), 0),
			 VLAPIC_ESR_SEND_ILLEGAL | VLAPIC_ESR_RECV_ILLEGAL);
}

/* The highest vector in the 256-bit register at off, read as a guest would, or -1. */
static int scan_reg(struct vlapic *v, u32 off)
{
	for (int w = 7; w >= 0; w--) {
		u32 r = mmio_r(v, off + (u32)w * 0x10, 0);

		if (r)
			return w * 32 + 31 - __builtin_clz(r);
	}
	return -1;
}

/*
 * The IRR and ISR summaries (which words are not 0) against a scan of the registers, over a
 * long pseudo-random run of interrupts raised, taken and retired, resets included: the
 * pending vector and the EOI order must be what the registers say.
 */
static void test_irr_isr_summary(void **state)
{
	struct vlapic v;
	u32 seed = 12345;

	(void)state;
	mk(&v, 0, false);
	for (u32 step = 0; step < 200000; step++) {
		int irr, isr, want;

		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 8) {
		case 0: case 1: case 2:
			vlapic_set_irr(&v, (u8)(16 + (seed >> 8) % 240));
			break;
		case 3: case 4:
			if (vlapic_pending(&v) >= 0)
				vlapic_accept(&v, (u8)vlapic_pending(&v));
			break;
		case 5: case 6:
			vlapic_eoi(&v);
			break;
		default:
			if ((seed >> 20) % 64 == 0) {
				vlapic_reset_init(&v); /* everything cleared at once */
				mmio_w(&v, VLAPIC_REG_SVR, 0x1ff, 0);
			}
			break;
		}
		irr = scan_reg(&v, VLAPIC_REG_IRR);
		isr = scan_reg(&v, VLAPIC_REG_ISR);
		want = irr >= 0 && (irr & 0xf0) > (isr < 0 ? 0 : (isr & 0xf0)) ? irr : -1;
		assert_int_equal(vlapic_pending(&v), want);
		assert_int_equal(mmio_r(&v, VLAPIC_REG_PPR, 0), isr < 0 ? 0 : (u32)isr & 0xf0);
	}
}

static void test_priority(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0, false);
	assert_int_equal(vlapic_pending(&v), -1);
	/* TPR masks its own class and below. */
	vlapic_set_irr(&v, 0x45);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TPR, 0x40, 0), VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), -1);
	mmio_w(&v, VLAPIC_REG_TPR, 0x3f, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_PPR, 0), 0x3f);
	assert_int_equal(vlapic_pending(&v), 0x45);
	mmio_w(&v, VLAPIC_REG_TPR, 0, 0);
	/* Nesting: a higher class interrupts, the same class waits. */
	vlapic_accept(&v, 0x45);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ISR + 0x20, 0), 1u << 5);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_PPR, 0), 0x40);
	mmio_w(&v, VLAPIC_REG_TPR, 0x4a, 0); /* the same class: PPR is the TPR */
	assert_int_equal(mmio_r(&v, VLAPIC_REG_PPR, 0), 0x4a);
	mmio_w(&v, VLAPIC_REG_TPR, 0, 0);
	assert_int_equal(vlapic_pending(&v), -1);
	vlapic_set_irr(&v, 0x4f);
	vlapic_set_irr(&v, 0x30);
	assert_int_equal(vlapic_pending(&v), -1);
	vlapic_set_irr(&v, 0x91);
	assert_int_equal(vlapic_pending(&v), 0x91);
	vlapic_accept(&v, 0x91);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_PPR, 0), 0x90);
	assert_int_equal(vlapic_pending(&v), -1);
	/* EOI retires the highest in service first. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_EOI, 0, 0), VLAPIC_R_EOI | VLAPIC_R_IRQ);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ISR + 0x40, 0), 0);
	assert_int_equal(vlapic_pending(&v), -1); /* 0x45 still in service */
	assert_int_equal(vlapic_eoi(&v), VLAPIC_R_EOI | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), 0x4f);
	vlapic_accept(&v, 0x4f);
	assert_int_equal(vlapic_pending(&v), -1);
	vlapic_eoi(&v);
	assert_int_equal(vlapic_pending(&v), 0x30);
	vlapic_accept(&v, 0x30);
	vlapic_eoi(&v);
	assert_int_equal(vlapic_eoi(&v), 0); /* nothing in service */
	assert_int_equal(vlapic_pending(&v), -1);
}

static void test_illegal_vector(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0, false);
	for (u32 vec = 0; vec < 16; vec++)
		assert_false(vlapic_set_irr(&v, (u8)vec));
	assert_int_equal(mmio_r(&v, VLAPIC_REG_IRR, 0), 0);
	assert_int_equal(vlapic_pending(&v), -1);
	mmio_w(&v, VLAPIC_REG_ESR, 0, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_ESR, 0), VLAPIC_ESR_RECV_ILLEGAL);
	/* With the error LVT unmasked, the error raises its interrupt. */
	mmio_w(&v, VLAPIC_REG_LVT_ERROR, 0xfe, 0);
	assert_true(vlapic_set_irr(&v, 3));
	assert_int_equal(vlapic_pending(&v), 0xfe);
	vlapic_set_irr(&v, 16);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_IRR, 0), 1u << 16);
}

static void test_software_disable(void **state)
{
	struct vlapic v;

	(void)state;
	assert_int_equal(vlapic_init(&v, 0, TPT), 0);
	/* Software-disabled at reset: LVTs stay masked, fixed interrupts are dropped. */
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, 0x30, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LVT_TIMER, 0), VLAPIC_LVT_MASKED | 0x30);
	assert_false(vlapic_set_irr(&v, 0x40));
	assert_int_equal(vlapic_pending(&v), -1);
	mmio_w(&v, VLAPIC_REG_SVR, 0x1ff, 0);
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, 0x30, 0);
	mmio_w(&v, VLAPIC_REG_LVT_LINT0, 0x700, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LVT_TIMER, 0), 0x30);
	assert_true(vlapic_set_irr(&v, 0x40));
	/* Disabling masks every entry; what is in IRR is held. */
	mmio_w(&v, VLAPIC_REG_SVR, 0xff, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LVT_TIMER, 0), VLAPIC_LVT_MASKED | 0x30);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LVT_LINT0, 0), VLAPIC_LVT_MASKED | 0x700);
	assert_int_equal(vlapic_pending(&v), 0x40);
	/* Re-enabling leaves them masked until software unmasks them. */
	mmio_w(&v, VLAPIC_REG_SVR, 0x1ff, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_LVT_TIMER, 0), VLAPIC_LVT_MASKED | 0x30);
	/* NMIs: taken software-disabled (12.4.7.2), not with the APIC off altogether (12.4.3). */
	mmio_w(&v, VLAPIC_REG_SVR, 0xff, 0);
	assert_true(vlapic_accepts_nmi(&v));
	assert_true(vlapic_apic_base_write(&v, BASE_OFF) & VLAPIC_R_MODE);
	assert_false(vlapic_accepts_nmi(&v));
}

/* xAPIC, software-enabled, timer vector 0x30 in the given mode, divide-by-1. */
static void mk_timer(struct vlapic *v, u32 mode)
{
	mk(v, 0, false);
	mmio_w(v, VLAPIC_REG_TIMER_DIVIDE, 0xb, 0);
	/* Unmasking (the LVT starts masked), and any change of mode, concern the scheduler. */
	assert_int_equal(mmio_w(v, VLAPIC_REG_LVT_TIMER, mode | 0x30, 0), VLAPIC_R_TIMER);
}

static void test_timer_oneshot(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 1000), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 1000 + 100 * TPT);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1000), 100);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1000 + TPT - 1), 100);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1000 + TPT), 99);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1000 + 100 * TPT - 1), 1);
	/* Never early. */
	assert_int_equal(vlapic_timer_tick(&v, 1000 + 100 * TPT - 1), 0);
	assert_int_equal(vlapic_pending(&v), -1);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1000 + 100 * TPT), 0);
	assert_int_equal(vlapic_timer_tick(&v, 1000 + 100 * TPT), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), 0x30);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 5000), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 5000), 100);
	assert_int_equal(vlapic_timer_tick(&v, 1000000), 0); /* fired once */
	/* Restart, then 0 stops it. */
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 10, 6000);
	assert_int_equal(vlapic_timer_next(&v), 6000 + 10 * TPT);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 0, 6001), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 6001), 0);
}

static void test_timer_divide(void **state)
{
	static const u32 div[][2] = { { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
				      { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 } };
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	for (u32 i = 0; i < ARRAY_SIZE(div); i++) {
		mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, div[i][0] | 0xf0, 0);
		assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_DIVIDE, 0), div[i][0]);
		mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 3, 50);
		assert_int_equal(vlapic_timer_next(&v), 50 + 3 * TPT * div[i][1]);
		assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 50 + TPT * div[i][1]), 2);
	}
	/* The largest period fits. */
	assert_int_equal(vlapic_init(&v, 0, VLAPIC_MAX_TSC_PER_TICK), 0);
	mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0xa, 0);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 0xffffffff, 1);
	/* (Its LVT is masked after init: it wakes nothing, but it counts.) */
	assert_int_equal(v.timer_expiry, 1 + 0xffffffffull * VLAPIC_MAX_TSC_PER_TICK * 128);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1), 0xffffffff);
}

static void test_timer_periodic(void **state)
{
	const u64 p = 50 * TPT;
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_PERIODIC);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 50, 100);
	/* Ticks that come late do not move the following expiries. */
	for (u64 k = 1; k <= 5; k++) {
		assert_int_equal(vlapic_timer_tick(&v, 100 + k * p - 1), 0);
		assert_int_equal(vlapic_timer_tick(&v, 100 + k * p + k * 3),
				 VLAPIC_R_TIMER | VLAPIC_R_IRQ);
		assert_int_equal(vlapic_timer_next(&v), 100 + (k + 1) * p);
		assert_int_equal(vlapic_pending(&v), 0x30);
		vlapic_accept(&v, 0x30);
		vlapic_eoi(&v);
	}
	/* Several periods missed: one interrupt, the next expiry on the grid, in the future. */
	assert_int_equal(vlapic_timer_tick(&v, 100 + 9 * p + 1), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 100 + 10 * p);
	/* Exactly on an expiry: that one counts as reached. */
	assert_int_equal(vlapic_timer_tick(&v, 100 + 12 * p), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 100 + 13 * p);
	assert_int_equal(vlapic_timer_tick(&v, 100 + 14 * p), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 100 + 15 * p);
	/* The current count wraps around the period, also before a late tick. */
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 100 + 14 * p + TPT), 49);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 100 + 15 * p + 2 * TPT), 48);
}

static void test_timer_deadline(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_TSC_DEADLINE);
	/* The initial count is ignored; the current count reads 0. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 0), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	/* Arm, move, disarm. */
	assert_int_equal(msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 5000, 10), VLAPIC_R_TIMER);
	assert_int_equal(msr_r(&v, VLAPIC_MSR_TSC_DEADLINE, 10), 5000);
	assert_int_equal(vlapic_timer_next(&v), 5000);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 10), 0);
	assert_int_equal(msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 0, 20), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(vlapic_timer_tick(&v, 6000), 0);
	msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 3000, 30);
	assert_int_equal(vlapic_timer_tick(&v, 2999), 0);
	assert_int_equal(vlapic_timer_tick(&v, 3000), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), 0x30);
	assert_int_equal(msr_r(&v, VLAPIC_MSR_TSC_DEADLINE, 3000), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(vlapic_timer_tick(&v, 9000), 0);
	/* A deadline already past fires at the next tick. */
	vlapic_accept(&v, 0x30);
	vlapic_eoi(&v);
	msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 1, 10000);
	assert_int_equal(vlapic_timer_next(&v), 1);
	assert_int_equal(vlapic_timer_tick(&v, 10000), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), 0x30);
}

static void test_timer_mode_switch(void **state)
{
	struct vlapic v;

	(void)state;
	/* Deadline writes are ignored outside TSC-deadline mode. */
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	assert_int_equal(msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 500, 0), 0);
	assert_int_equal(msr_r(&v, VLAPIC_MSR_TSC_DEADLINE, 0), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	/* One-shot -> TSC-deadline disarms. */
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x30, 1),
			 VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
	/* TSC-deadline -> periodic disarms, and the old deadline is gone. */
	msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 500, 2);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x30, 3),
			 VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(vlapic_timer_tick(&v, 1000), 0);
	/*
	 * Periodic -> one-shot does not disarm (11.5.4: a mode change between the two does not
	 * start the timer, and a count under way goes on); the same mode with another vector
	 * concerns nobody.
	 */
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 1000);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x31, 1001), 0);
	assert_int_equal(vlapic_timer_next(&v), 1000 + 100 * TPT);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, 0x31, 1002), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 1000 + 100 * TPT);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 1003), 100);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 1003), 100);
	/* Mode 3 is reserved: the timer never runs. */
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, 3u << 17 | 0x31, 1004);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 1005), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(vlapic_pending(&v), -1);
}

/* One-shot <-> periodic mid-count: the count goes on, the initial count stays (11.5.4). */
static void test_timer_oneshot_periodic_switch(void **state)
{
	const u64 p = 100 * TPT;
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	/* One-shot -> periodic at 40 counts: the same expiry, then reloads. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x30, 40 * TPT),
			 VLAPIC_R_TIMER);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 40 * TPT), 100);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 40 * TPT), 60);
	assert_int_equal(vlapic_timer_next(&v), p);
	assert_int_equal(vlapic_timer_tick(&v, p), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 2 * p);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, p + TPT), 99);
	/* Periodic -> one-shot: this count ends at 0 and stays there. */
	vlapic_accept(&v, 0x30);
	vlapic_eoi(&v);
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_ONESHOT | 0x30, p + 10 * TPT);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, p + 10 * TPT), 90);
	assert_int_equal(vlapic_timer_tick(&v, 2 * p), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 3 * p), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 3 * p), 100);
}

/* A masked periodic timer several periods on: a switch to one-shot ends the period under way. */
static void test_timer_switch_after_silent_expiries(void **state)
{
	const u64 p = 100 * TPT;
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_PERIODIC | VLAPIC_LVT_MASKED);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	assert_int_equal(vlapic_timer_next(&v), 0); /* masked: nothing to wake for */
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_ONESHOT | VLAPIC_LVT_MASKED | 0x30,
	       3 * p + 30 * TPT);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 3 * p + 30 * TPT), 70);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 4 * p), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 9 * p), 0);
	assert_int_equal(vlapic_pending(&v), -1);
}

/* Into TSC-deadline mode and out: both count registers 0, the initial count ignored. */
static void test_timer_deadline_switch_counts(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_PERIODIC);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x30, 10);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 10), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 10), 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 11), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 11), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	/* A divide write in TSC-deadline mode is kept and arms nothing. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0x0, 12), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0xb, 12);
	/* Back to one-shot: still disarmed until a new initial count. */
	msr_w(&v, VLAPIC_MSR_TSC_DEADLINE, 5000, 13);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_ONESHOT | 0x30, 14),
			 VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(vlapic_timer_tick(&v, 6000), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 6000), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_INITIAL, 6000), 0);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 10, 7000);
	assert_int_equal(vlapic_timer_next(&v), 7000 + 10 * TPT);
}

/* Writing the initial count restarts a count under way from the new value (11.5.4). */
static void test_timer_rearm(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 60 * TPT), 40);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 60 * TPT), VLAPIC_R_TIMER);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 60 * TPT), 100);
	assert_int_equal(vlapic_timer_tick(&v, 100 * TPT), 0); /* the old expiry is gone */
	assert_int_equal(vlapic_timer_next(&v), 160 * TPT);
}

/* A divide change applies at once: the count goes on from where it is, at the new rate. */
static void test_timer_divide_mid_count(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	/* Divide-by-1 -> by-2 at 10 counts and 3 ticks into the 11th. */
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 10 * TPT + 3), 90);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0x0, 10 * TPT + 3), VLAPIC_R_TIMER);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 10 * TPT + 3), 90);
	assert_int_equal(vlapic_timer_next(&v), 10 * TPT + 3 + 180 * TPT - 6);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 10 * TPT + 3 + 20 * TPT), 80);
	/* By-2 -> by-128 and back to by-1: the count left survives both. */
	mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0xa, 30 * TPT);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 30 * TPT), 80);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 30 * TPT + 128 * TPT * 5), 75);
	mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0xb, 30 * TPT + 128 * TPT * 5);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 30 * TPT + 128 * TPT * 5), 75);
	/* (The part of a count already gone is kept in proportion: 75 counts less a fraction.) */
	assert_in_range(vlapic_timer_next(&v), 30 * TPT + 128 * TPT * 5 + 74 * TPT + 1,
			30 * TPT + 128 * TPT * 5 + 75 * TPT);
	/* A periodic count reloads at the new rate. */
	mk_timer(&v, VLAPIC_TIMER_PERIODIC);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 100, 0);
	mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0x0, 50 * TPT);
	assert_int_equal(vlapic_timer_next(&v), 50 * TPT + 100 * TPT);
	assert_int_equal(vlapic_timer_tick(&v, 150 * TPT), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 150 * TPT + 200 * TPT);
	/* An expiry due when the divide changes happens first, under the old rate. */
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 10, 0);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TIMER_DIVIDE, 0x0, 10 * TPT),
			 VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_pending(&v), 0x30);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 11 * TPT), 0);
}

static void test_timer_masked(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_ONESHOT);
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_MASKED | 0x30, 0);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 10, 0);
	/* Masked: it still counts and expires, without an interrupt. */
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 5 * TPT), 5);
	assert_int_equal(vlapic_timer_tick(&v, 10 * TPT), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_pending(&v), -1);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_IRR + 0x10, 0), 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	/* Unmasking afterwards raises nothing late. */
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, 0x30, 0);
	assert_int_equal(vlapic_timer_tick(&v, 20 * TPT), 0);
	assert_int_equal(vlapic_pending(&v), -1);
	/* A masked periodic timer keeps its grid, and wakes nothing: it needs no expiry. */
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_MASKED | VLAPIC_TIMER_PERIODIC | 0x30, 0);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 10, 0);
	assert_int_equal(vlapic_timer_next(&v), 0);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TIMER_CURRENT, 25 * TPT), 5);
	/* Unmasked at 25 periods' worth: nothing for the expiries it missed, next on the grid. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x30, 25 * TPT),
			 VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 30 * TPT);
	assert_int_equal(vlapic_pending(&v), -1);
	/* Masking it again: no expiry to wake for. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_MASKED | VLAPIC_TIMER_PERIODIC |
				0x30, 26 * TPT), VLAPIC_R_TIMER);
	assert_int_equal(vlapic_timer_next(&v), 0);
}

/* A periodic timer repeats no faster than its floor, however small the count. */
static void test_timer_period_floor(void **state)
{
	struct vlapic v;

	(void)state;
	mk_timer(&v, VLAPIC_TIMER_PERIODIC);
	vlapic_set_min_period(&v, 1000);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 1, 0); /* a 1-count period: TPT ticks */
	assert_int_equal(vlapic_timer_next(&v), 1000);
	assert_int_equal(vlapic_timer_tick(&v, 1000), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 2000);
	/* Missed periods merge on the floor's grid. */
	assert_int_equal(vlapic_timer_tick(&v, 4500), VLAPIC_R_TIMER | VLAPIC_R_IRQ);
	assert_int_equal(vlapic_timer_next(&v), 5000);
	/* A period above the floor is the guest's own; one-shot timers have no floor. */
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 200, 6000);
	assert_int_equal(vlapic_timer_next(&v), 6000 + 200 * TPT);
	mmio_w(&v, VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_ONESHOT | 0x30, 7000);
	mmio_w(&v, VLAPIC_REG_TIMER_INITIAL, 1, 7000);
	assert_int_equal(vlapic_timer_next(&v), 7000 + TPT);
	/* The floor survives INIT and reset. */
	vlapic_reset_init(&v);
	vlapic_reset(&v);
	assert_int_equal(v.min_period, 1000);
}

/* CR8 is TPR[7:4]: written and read as 0-15, it masks pending vectors of its class and below. */
static void test_cr8(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0, false);
	for (u64 p = 0; p < 16; p++) {
		assert_int_equal(vlapic_cr8_write(&v, p), VLAPIC_R_IRQ);
		assert_int_equal(vlapic_cr8_read(&v), p);
		assert_int_equal(mmio_r(&v, VLAPIC_REG_TPR, 0), p << 4);
	}
	/* TPR written with low bits: CR8 reads its high four. */
	assert_int_equal(mmio_w(&v, VLAPIC_REG_TPR, 0x5f, 0), VLAPIC_R_IRQ);
	assert_int_equal(vlapic_cr8_read(&v), 5);
	vlapic_cr8_write(&v, 6);
	assert_true(vlapic_set_irr(&v, 0x50));
	assert_int_equal(vlapic_pending(&v), -1); /* class 5 under priority 6 */
	vlapic_cr8_write(&v, 5);
	assert_int_equal(vlapic_pending(&v), -1); /* the class must be above the priority */
	vlapic_cr8_write(&v, 0);
	assert_int_equal(vlapic_pending(&v), 0x50);
}

/*
 * A level-triggered interrupt sets its TMR bit on acceptance, an edge one clears it (SDM Vol. 3A,
 * 12.8.4); the EOI of a level vector is reported, vector included, for the I/O APIC's broadcast.
 */
static void test_level_tmr_eoi(void **state)
{
	struct vlapic v;

	(void)state;
	mk(&v, 0, false);
	assert_true(vlapic_set_irr_trig(&v, 0x61, true));
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TMR + 0x30, 0), 1u << 1);
	vlapic_accept(&v, 0x61);
	assert_int_equal(vlapic_eoi(&v), VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ);
	assert_int_equal(v.level_eoi_vector, 0x61);
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TMR + 0x30, 0), 0);
	/* Edge: TMR clear, and the EOI is a plain one. */
	assert_true(vlapic_set_irr_trig(&v, 0x61, true));
	assert_true(vlapic_set_irr(&v, 0x61)); /* an edge message for the same vector */
	assert_int_equal(mmio_r(&v, VLAPIC_REG_TMR + 0x30, 0), 0);
	vlapic_accept(&v, 0x61);
	assert_int_equal(vlapic_eoi(&v), VLAPIC_R_EOI | VLAPIC_R_IRQ);
	/* Through the register write too (xAPIC page and x2APIC MSR share it). */
	vlapic_set_irr_trig(&v, 0x72, true);
	vlapic_accept(&v, 0x72);
	assert_int_equal(mmio_w(&v, VLAPIC_REG_EOI, 0, 0),
			 VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ);
	assert_int_equal(v.level_eoi_vector, 0x72);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_level_tmr_eoi),
		cmocka_unit_test(test_init_signal),
		cmocka_unit_test(test_mode_transitions),
		cmocka_unit_test(test_x2apic_msr_errors),
		cmocka_unit_test(test_x2apic_ldr),
		cmocka_unit_test(test_xapic_mmio),
		cmocka_unit_test(test_match_dest),
		cmocka_unit_test(test_icr_xapic),
		cmocka_unit_test(test_icr_x2apic),
		cmocka_unit_test(test_icr_x2apic_fixed),
		cmocka_unit_test(test_ipi_routing),
		cmocka_unit_test(test_self_ipi),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_illegal_vector),
		cmocka_unit_test(test_software_disable),
		cmocka_unit_test(test_timer_oneshot),
		cmocka_unit_test(test_timer_divide),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_timer_deadline),
		cmocka_unit_test(test_timer_mode_switch),
		cmocka_unit_test(test_timer_oneshot_periodic_switch),
		cmocka_unit_test(test_timer_switch_after_silent_expiries),
		cmocka_unit_test(test_timer_deadline_switch_counts),
		cmocka_unit_test(test_timer_rearm),
		cmocka_unit_test(test_timer_divide_mid_count),
		cmocka_unit_test(test_timer_masked),
		cmocka_unit_test(test_timer_period_floor),
		cmocka_unit_test(test_cr8),
		cmocka_unit_test(test_irr_isr_summary),
	};

	return unit_run(tests);
}
