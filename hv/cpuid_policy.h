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
};

/* Leaves 0x40000000-0x4fffffff are the hypervisor's: r need not hold anything for them. */
static inline bool cpuid_policy_is_hypervisor_leaf(u32 leaf)
{
	return leaf >= 0x40000000 && leaf <= 0x4fffffff;
}

/* Turns r, the host's answer to (leaf, sub), into the guest's (a hypervisor leaf: from nothing). */
void cpuid_policy_apply(const struct cpuid_policy_env *env, u32 leaf, u32 sub,
			struct cpuid_regs *r);

#endif
