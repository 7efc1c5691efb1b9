/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The architectural MSRs a vCPU keeps in memory: IA32_MISC_ENABLE, the MTRRs and the
 * machine-check banks (SDM Vol. 4, table 2-2). Pure logic, host-tested; the RDMSR/WRMSR exit
 * (arch/x86/vmx/exits/msr.c) asks it first, and the CPUID exit reads what IA32_MISC_ENABLE
 * changes in CPUID.
 */
#ifndef KESTREL_HV_VMSR_H
#define KESTREL_HV_VMSR_H

#include "lib/types.h"

#define VMSR_MISC_ENABLE 0x1a0
#define VMSR_MTRRCAP 0xfe
#define VMSR_MTRR_PHYSBASE0 0x200 /* PHYSBASEn at 0x200 + 2n, PHYSMASKn at 0x201 + 2n */
#define VMSR_MTRR_DEF_TYPE 0x2ff
#define VMSR_MCG_CAP 0x179
#define VMSR_MCG_STATUS 0x17a
#define VMSR_MCG_CTL 0x17b
#define VMSR_MC0_CTL 0x400 /* bank i: CTL, STATUS, ADDR, MISC at 0x400 + 4i + 0..3 */

/* IA32_MISC_ENABLE bits (table 2-2, 1A0H). */
#define VMSR_MISC_FAST_STRINGS BIT(0)
#define VMSR_MISC_PERFMON BIT(7)
#define VMSR_MISC_BTS_UNAVAIL BIT(11)
#define VMSR_MISC_PEBS_UNAVAIL BIT(12)
#define VMSR_MISC_LIMIT_CPUID BIT(22)
#define VMSR_MISC_XTPR_DISABLE BIT(23)
#define VMSR_MISC_XD_DISABLE BIT(34)

/*
 * Variable-range MTRR pairs and whether fixed ranges and write-combining exist (IA32_MTRRCAP,
 * SDM Vol. 3A, 13.11.1): as many as KVM offers, so guests written for it find the same.
 */
#define VMSR_MTRR_VAR 8
#define VMSR_MTRR_FIXED 11
/*
 * Machine-check banks (IA32_MCG_CAP.Count, Vol. 3B, 17.3.1.1): a small fixed number, the
 * same on every host, so a VM does not change with the machine it runs on. No error is ever
 * logged in them: Kestrel handles the host's machine checks itself.
 */
#define VMSR_MCA_BANKS 4

/* What the host's CPUID (which the guest's passes through) says exists. */
struct vmsr_caps {
	bool mtrr; /* CPUID.1:EDX.MTRR[12] */
	bool mca; /* CPUID.1:EDX.MCA[14] */
	bool xtpr; /* CPUID.1:ECX.xTPR[14]: IA32_MISC_ENABLE[23] exists */
	bool nx; /* CPUID.80000001H:EDX.NX[20]: IA32_MISC_ENABLE[34] exists */
	bool limit_cpuid; /* CPUID.0:EAX > 2: IA32_MISC_ENABLE[22] exists */
	u8 maxphyaddr; /* CPUID.80000008H:EAX[7:0] */
};

struct vmsr {
	struct vmsr_caps caps;
	u64 misc_enable;
	u64 mtrr_def_type;
	u64 mtrr_var[2 * VMSR_MTRR_VAR]; /* base, mask, base, mask, ... */
	u64 mtrr_fixed[VMSR_MTRR_FIXED];
	u64 mcg_status, mcg_ctl;
	u64 mc_ctl[VMSR_MCA_BANKS];
};

enum vmsr_result {
	VMSR_NONE, /* not an MSR this file keeps: ask elsewhere */
	VMSR_OK,
	VMSR_GP, /* inject #GP(0); nothing changed */
};

/* Power-on (and VM reset) values; INIT leaves every one of them alone (SDM Vol. 3A, 10.1). */
void vmsr_power_on(struct vmsr *m, const struct vmsr_caps *caps);
enum vmsr_result vmsr_read(const struct vmsr *m, u32 msr, u64 *val);
enum vmsr_result vmsr_write(struct vmsr *m, u32 msr, u64 val);

/* What IA32_MISC_ENABLE does to CPUID: basic leaves limited to 2, the NX flag hidden. */
static inline bool vmsr_cpuid_limited(const struct vmsr *m)
{
	return m->misc_enable & VMSR_MISC_LIMIT_CPUID;
}

static inline bool vmsr_xd_disabled(const struct vmsr *m)
{
	return m->misc_enable & VMSR_MISC_XD_DISABLE;
}

#endif
