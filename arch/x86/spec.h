/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Speculative-execution mitigations between VMs: which ones this CPU needs and offers, decided
 * by a pure function from CPUID and IA32_ARCH_CAPABILITIES (host-tested, tests/unit/test_spec.c).
 */
#ifndef KESTREL_ARCH_X86_SPEC_H
#define KESTREL_ARCH_X86_SPEC_H

#include "lib/types.h"

/* CPUID.(EAX=07H,ECX=0):EDX, SDM Vol. 2A, CPUID, "Structured Extended Feature Flags". */
#define CPUID7_EDX_MD_CLEAR BIT(10) /* VERW overwrites the affected buffers */
#define CPUID7_EDX_IBRS_IBPB BIT(26) /* IA32_SPEC_CTRL[0] and IA32_PRED_CMD[0] */
#define CPUID7_EDX_STIBP BIT(27) /* IA32_SPEC_CTRL[1] */
#define CPUID7_EDX_L1D_FLUSH BIT(28) /* IA32_FLUSH_CMD[0] */
#define CPUID7_EDX_ARCH_CAPS BIT(29) /* IA32_ARCH_CAPABILITIES */
#define CPUID7_EDX_SSBD BIT(31) /* IA32_SPEC_CTRL[2] */

/* Speculation-control MSRs and their bits, SDM Vol. 4, table 2-2 (IA-32 Architectural MSRs). */
#define MSR_IA32_SPEC_CTRL 0x48
#define MSR_IA32_PRED_CMD 0x49
#define PRED_CMD_IBPB BIT(0)
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define ARCH_CAP_RDCL_NO BIT(0) /* not susceptible to rogue data cache load (nor L1TF) */
#define ARCH_CAP_IBRS_ALL BIT(1)
#define ARCH_CAP_RSBA BIT(2)
#define ARCH_CAP_SKIP_L1DFL_VMENTRY BIT(3) /* a VMM need not flush L1D on VM entry */
#define ARCH_CAP_SSB_NO BIT(4)
#define ARCH_CAP_MDS_NO BIT(5) /* not susceptible to microarchitectural data sampling */
#define ARCH_CAP_IF_PSCHANGE_MC_NO BIT(6)
#define ARCH_CAP_TSX_CTRL BIT(7)
#define ARCH_CAP_TAA_NO BIT(8) /* not susceptible to TSX asynchronous abort */
#define MSR_IA32_FLUSH_CMD 0x10b
#define FLUSH_CMD_L1D BIT(0)

/* What the CPU says about itself. */
struct spec_cpu {
	bool intel; /* GenuineIntel: the CPUID and MSR meanings above are Intel's */
	u32 cpuid7_edx; /* 0 when leaf 7 is past the maximum leaf */
	u64 arch_caps; /* IA32_ARCH_CAPABILITIES when CPUID7_EDX_ARCH_CAPS, else 0 */
};

/* What Kestrel does, with the reason for each (for the boot line). */
struct spec_policy {
	bool ibpb_on_vm_switch; /* IA32_PRED_CMD.IBPB when a pCPU loads another VM's vCPU */
	bool l1d_flush_on_entry; /* IA32_FLUSH_CMD.L1D before every VM entry */
	bool verw_on_entry; /* VERW before every VM entry */
	const char *ibpb_why, *l1d_why, *verw_why;
};

/* Decides the mitigations from what the CPU reports; pure. */
void spec_decide(const struct spec_cpu *cpu, struct spec_policy *p);

#endif
