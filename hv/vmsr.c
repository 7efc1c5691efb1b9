// SPDX-License-Identifier: GPL-2.0
/* A vCPU's IA32_MISC_ENABLE, MTRRs and machine-check banks in memory (hv/vmsr.h). */
#include "hv/vmsr.h"
#include "lib/string.h"

/*
 * IA32_MISC_ENABLE's read-only bits as Kestrel's CPUID has them (SDM Vol. 4, table 2-2):
 * no performance monitoring (CPUID leaf 0AH is all zero), so bit 7 is 0; no debug store
 * (CPUID.1:EDX.DS[21] hidden), so BTS (11) and PEBS (12) are "unavailable", 1.
 */
#define MISC_READ_ONLY (VMSR_MISC_PERFMON | VMSR_MISC_BTS_UNAVAIL | VMSR_MISC_PEBS_UNAVAIL)
#define MISC_READ_ONLY_VALUE (VMSR_MISC_BTS_UNAVAIL | VMSR_MISC_PEBS_UNAVAIL)

/* IA32_MTRRCAP: VCNT, FIX (bit 8), WC (bit 10); no SMRR (13.11.1, figure 13-5). */
#define MTRRCAP (VMSR_MTRR_VAR | BIT(8) | BIT(10))
#define MTRR_DEF_TYPE_FE BIT(10)
#define MTRR_DEF_TYPE_E BIT(11)
#define MTRR_TYPE_WB 6
#define MTRR_PHYSMASK_V BIT(11)

/* IA32_MCG_CAP: Count, and MCG_CTL_P (bit 8): IA32_MCG_CTL exists; nothing else (17.3.1.1). */
#define MCG_CAP (VMSR_MCA_BANKS | BIT(8))
#define MCG_STATUS_WRITABLE (BIT(0) | BIT(1) | BIT(2)) /* RIPV, EIPV, MCIP (17.3.1.2) */

static u64 misc_writable(const struct vmsr_caps *c)
{
	/*
	 * Fast strings always; the others where their CPUID condition holds (table 2-2). Bits
	 * whose feature Kestrel hides are reserved here: 3 (thermal control, CPUID.1:EDX.TM[29]),
	 * 16 (EIST, CPUID.1:ECX.EST[7]), 18 (MONITOR FSM, CPUID.1:ECX.MONITOR[3]).
	 * Limit-CPUID and XD disable act through CPUID (hv/cpuid_policy.c). With XD disabled a
	 * processor also refuses EFER.NXE; Kestrel's guests write IA32_EFER without an exit
	 * (VMX loads it at entry), so that one effect is not reproduced: CPUID stops promising
	 * NX, and a guest that sets NXE regardless keeps it.
	 */
	return VMSR_MISC_FAST_STRINGS | (c->limit_cpuid ? VMSR_MISC_LIMIT_CPUID : 0) |
	       (c->xtpr ? VMSR_MISC_XTPR_DISABLE : 0) | (c->nx ? VMSR_MISC_XD_DISABLE : 0);
}

/* Memory types an MTRR may hold: UC, WC, WT, WP, WB (SDM Vol. 3A, 13.11.1, table 13-8). */
static bool mtrr_type_valid(u64 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Every byte of a fixed-range MTRR is one range's type (13.11.2.2). */
static bool mtrr_fixed_valid(u64 v)
{
	for (u32 i = 0; i < 8; i++)
		if (!mtrr_type_valid((v >> (8 * i)) & 0xff))
			return false;
	return true;
}

/* The address bits a PHYSBASE or PHYSMASK holds: 12 up to MAXPHYADDR - 1 (13.11.2.3). */
static u64 mtrr_addr_mask(const struct vmsr *m)
{
	u32 bits = m->caps.maxphyaddr ? m->caps.maxphyaddr : 36;

	if (bits > 52)
		bits = 52;
	return ((1ull << bits) - 1) & ~0xfffull;
}

/* The index of a fixed-range MTRR in mtrr_fixed[], or -1 (13.11.2.2, table 13-9). */
static int mtrr_fixed_index(u32 msr)
{
	if (msr == 0x250)
		return 0;
	if (msr == 0x258 || msr == 0x259)
		return (int)(msr - 0x258) + 1;
	if (msr >= 0x268 && msr <= 0x26f)
		return (int)(msr - 0x268) + 3;
	return -1;
}

void vmsr_power_on(struct vmsr *m, const struct vmsr_caps *caps)
{
	memset(m, 0, sizeof(*m));
	m->caps = *caps;
	m->misc_enable = VMSR_MISC_FAST_STRINGS | MISC_READ_ONLY_VALUE;
	/*
	 * Power-on leaves the MTRRs disabled (13.11.5); firmware enables them before an OS runs,
	 * and Kestrel is the firmware here: enabled, write-back everywhere, as memory types
	 * come from EPT anyway (every guest page is write-back there). A guest may reprogram
	 * them; its values are kept and read back, and change no memory type.
	 */
	m->mtrr_def_type = MTRR_DEF_TYPE_E | MTRR_TYPE_WB;
	/*
	 * IA32_MCi_CTL and IA32_MCG_CTL: every error type enabled, as firmware leaves them; the
	 * status, address and misc registers hold no error (17.3.2).
	 */
	m->mcg_ctl = ~0ull;
	for (u32 i = 0; i < VMSR_MCA_BANKS; i++)
		m->mc_ctl[i] = ~0ull;
}

static enum vmsr_result mtrr_read(const struct vmsr *m, u32 msr, u64 *val)
{
	int fixed = mtrr_fixed_index(msr);

	if (!m->caps.mtrr)
		return VMSR_NONE;
	if (msr == VMSR_MTRRCAP)
		*val = MTRRCAP;
	else if (msr == VMSR_MTRR_DEF_TYPE)
		*val = m->mtrr_def_type;
	else if (msr >= VMSR_MTRR_PHYSBASE0 && msr < VMSR_MTRR_PHYSBASE0 + 2 * VMSR_MTRR_VAR)
		*val = m->mtrr_var[msr - VMSR_MTRR_PHYSBASE0];
	else if (fixed >= 0)
		*val = m->mtrr_fixed[fixed];
	else
		return VMSR_NONE;
	return VMSR_OK;
}

static enum vmsr_result mtrr_write(struct vmsr *m, u32 msr, u64 val)
{
	int fixed = mtrr_fixed_index(msr);
	u64 addr = mtrr_addr_mask(m);

	if (!m->caps.mtrr)
		return VMSR_NONE;
	if (msr == VMSR_MTRRCAP)
		return VMSR_GP; /* read-only */
	if (msr == VMSR_MTRR_DEF_TYPE) {
		/* Type in 7:0, FE and E; the rest reserved (figure 13-6). */
		if (val & ~(0xffull | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E) ||
		    !mtrr_type_valid(val & 0xff))
			return VMSR_GP;
		m->mtrr_def_type = val;
		return VMSR_OK;
	}
	if (msr >= VMSR_MTRR_PHYSBASE0 && msr < VMSR_MTRR_PHYSBASE0 + 2 * VMSR_MTRR_VAR) {
		bool mask = (msr - VMSR_MTRR_PHYSBASE0) & 1;

		/* PHYSBASE: type 7:0 and the base; PHYSMASK: V (11) and the mask (figure 13-7). */
		if (mask ? val & ~(addr | MTRR_PHYSMASK_V) :
			   val & ~(addr | 0xffull) || !mtrr_type_valid(val & 0xff))
			return VMSR_GP;
		m->mtrr_var[msr - VMSR_MTRR_PHYSBASE0] = val;
		return VMSR_OK;
	}
	if (fixed < 0)
		return VMSR_NONE;
	if (!mtrr_fixed_valid(val))
		return VMSR_GP;
	m->mtrr_fixed[fixed] = val;
	return VMSR_OK;
}

static enum vmsr_result mca_read(const struct vmsr *m, u32 msr, u64 *val)
{
	if (!m->caps.mca)
		return VMSR_NONE;
	if (msr == VMSR_MCG_CAP)
		*val = MCG_CAP;
	else if (msr == VMSR_MCG_STATUS)
		*val = m->mcg_status;
	else if (msr == VMSR_MCG_CTL)
		*val = m->mcg_ctl;
	else if (msr >= VMSR_MC0_CTL && msr < VMSR_MC0_CTL + 4 * VMSR_MCA_BANKS)
		*val = (msr & 3) ? 0 : m->mc_ctl[(msr - VMSR_MC0_CTL) / 4];
	else
		return VMSR_NONE; /* past the last bank: nothing there, #GP */
	return VMSR_OK;
}

static enum vmsr_result mca_write(struct vmsr *m, u32 msr, u64 val)
{
	if (!m->caps.mca)
		return VMSR_NONE;
	if (msr == VMSR_MCG_CAP)
		return VMSR_GP; /* read-only */
	if (msr == VMSR_MCG_STATUS) {
		if (val & ~(u64)MCG_STATUS_WRITABLE)
			return VMSR_GP;
		m->mcg_status = val;
		return VMSR_OK;
	}
	if (msr < VMSR_MC0_CTL || msr >= VMSR_MC0_CTL + 4 * VMSR_MCA_BANKS) {
		if (msr != VMSR_MCG_CTL)
			return VMSR_NONE;
	} else if (msr & 3) {
		/*
		 * STATUS, ADDR and MISC are cleared by writing 0; writing 1s is #GP (17.3.2.2,
		 * 17.3.2.3, 17.3.2.4). They never hold an error, so there is nothing to clear.
		 */
		return val ? VMSR_GP : VMSR_OK;
	}
	/*
	 * IA32_MCG_CTL and IA32_MCi_CTL: all 1s enables, all 0s disables (17.3.1.3); other values
	 * are implementation-specific, and P6-family processors accept only these two (17.3.2.1):
	 * so does Kestrel's vCPU, which has no error types to enable one by one.
	 */
	if (val && val != ~0ull)
		return VMSR_GP;
	if (msr == VMSR_MCG_CTL)
		m->mcg_ctl = val;
	else
		m->mc_ctl[(msr - VMSR_MC0_CTL) / 4] = val;
	return VMSR_OK;
}

enum vmsr_result vmsr_read(const struct vmsr *m, u32 msr, u64 *val)
{
	enum vmsr_result r;

	*val = 0;
	if (msr == VMSR_MISC_ENABLE) {
		*val = m->misc_enable;
		return VMSR_OK;
	}
	r = mtrr_read(m, msr, val);
	return r != VMSR_NONE ? r : mca_read(m, msr, val);
}

enum vmsr_result vmsr_write(struct vmsr *m, u32 msr, u64 val)
{
	enum vmsr_result r;

	if (msr == VMSR_MISC_ENABLE) {
		u64 rw = misc_writable(&m->caps);

		/* Reserved bits #GP; writes to the read-only ones are ignored (table 2-2). */
		if (val & ~(rw | MISC_READ_ONLY))
			return VMSR_GP;
		m->misc_enable = (val & rw) | MISC_READ_ONLY_VALUE;
		return VMSR_OK;
	}
	r = mtrr_write(m, msr, val);
	return r != VMSR_NONE ? r : mca_write(m, msr, val);
}
