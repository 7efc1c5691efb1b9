/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a guest's CPUID says: the host's answers filtered to what Kestrel virtualizes, the
 * vCPU's topology and APIC ID, and Kestrel's own leaves. Pure logic, host-tested; the CPUID
 * exit handler (arch/x86/vmx/exits/cpuid.c) gathers the inputs and writes the answer back.
 */
#ifndef KESTREL_HV_CPUID_POLICY_H
#define KESTREL_HV_CPUID_POLICY_H

#include "arch/x86/cpu.h"
#include "lib/types.h"

/* What the answer depends on besides the host's own. */
struct cpuid_policy_env {
	bool pv; /* the VM sees Kestrel's leaves (pv=on or pv=kestrel) */
	bool kvm; /* and KVM's, from KVM_CPUID_BASE (pv=on) */
	u32 vcpu_id; /* also its APIC ID */
	u32 nr_vcpus;
	u32 resets; /* times the VM was reset: Kestrel's features leaf reports it */
	u64 tsc_hz; /* the calibrated TSC rate, which the vLAPIC timer also runs at */
	bool rdtscp; /* RDTSCP (and RDPID) reach the guest without #UD */
	bool invpcid; /* INVPCID does */
	bool tsc_adjust; /* IA32_TSC_ADJUST is emulated (VMX offsets the guest's TSC) */
	bool apic_disabled; /* IA32_APIC_BASE[11] 0: CPUID.1:EDX.APIC is 0 (SDM Vol. 3A, 12.4.3) */
	bool limit_cpuid; /* IA32_MISC_ENABLE[22]: the basic leaves end at 2 (SDM Vol. 4, 2-2) */
	bool xd_disabled; /* IA32_MISC_ENABLE[34]: CPUID.80000001H:EDX.NX reads 0 */
	bool no_pcid; /* shadow paging: CPUID.1:ECX.PCID reads 0 (CR4.PCIDE is refused there) */
};

/* Leaves 0x40000000-0x4fffffff are the hypervisor's: r need not hold anything for them. */
static inline bool cpuid_policy_is_hypervisor_leaf(u32 leaf)
{
	return leaf >= 0x40000000 && leaf <= 0x4fffffff;
}

/*
 * The leaf whose answer the host is asked for when the guest asks for leaf: with IA32_MISC_ENABLE's
 * limit-CPUID bit set, CPUID.0 says 2 and a basic leaf above it answers as the highest basic
 * leaf does (SDM Vol. 2A, CPUID: "If a value entered for CPUID.EAX is higher than the maximum
 * input value for basic or extended function ... the data for the highest basic information
 * leaf is returned"). cpuid_policy_apply() then takes the leaf this returns.
 */
u32 cpuid_policy_leaf(const struct cpuid_policy_env *env, u32 leaf);

/* Turns r, the host's answer to (leaf, sub), into the guest's (a hypervisor leaf: from nothing). */
void cpuid_policy_apply(const struct cpuid_policy_env *env, u32 leaf, u32 sub,
			struct cpuid_regs *r);

#endif
