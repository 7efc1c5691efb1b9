// SPDX-License-Identifier: GPL-2.0
/* The guest's CPUID (hv/cpuid_policy.h): host answers filtered, topology, Kestrel's and KVM's. */
#include "hv/cpuid_policy.h"
#include "guest-sdk/include/kestrel/abi.h"
#include "hv/kvm_abi.h"

/* Leaf 1 ECX features a guest must not see (SDM Vol. 2A, CPUID, ECX feature table). */
#define L1_ECX_HIDE (BIT(2) /* DTES64 */ | BIT(3) /* MONITOR */ | BIT(4) /* DS-CPL */ | \
		     BIT(5) /* VMX */ | BIT(6) /* SMX */ | BIT(7) /* EST */ | BIT(8) /* TM2 */ | \
		     BIT(12) /* FMA */ | BIT(15) /* PDCM */ | BIT(18) /* DCA */ | \
		     BIT(26) /* XSAVE */ | BIT(27) /* OSXSAVE */ | BIT(28) /* AVX */ | \
		     BIT(29) /* F16C */)
#define L1_ECX_SHOW (BIT(21) /* x2APIC */ | BIT(24) /* TSC-deadline */ | BIT(31) /* hypervisor */)
/* Leaf 1 EDX (table 3-11): debug store, ACPI thermal, TM, PBE, HTT. */
#define L1_EDX_HIDE (BIT(21) | BIT(22) | BIT(28) | BIT(29) | BIT(31))
/*
 * Leaf 7 EBX: SGX, HLE, AVX2, INVPCID (unless enabled), RTM, PQM, MPX, PQE, AVX-512, PT; and
 * TSC_ADJUST unless the MSR is emulated (env->tsc_adjust).
 */
#define L7_EBX_TSC_ADJUST BIT(1)
#define L7_EBX_HIDE (BIT(2) | BIT(4) | BIT(5) | BIT(11) | BIT(12) | BIT(14) | BIT(15) | \
		     BIT(16) | BIT(17) | BIT(21) | BIT(25) | BIT(26) | BIT(27) | BIT(28) | \
		     BIT(30) | BIT(31))
#define L7_EBX_INVPCID BIT(10)
/*
 * Leaf 7 ECX: AVX-512 VBMI, PKU, OSPKE, WAITPKG, AVX-512 extensions, LA57, SGX-LC; and the
 * features whose MSRs Kestrel does not emulate (SDM Vol. 4, table 2-2): CET shadow stacks
 * (IA32_U_CET, IA32_S_CET, the SSP MSRs), TME (IA32_TME_CAPABILITY), ENQCMD (IA32_PASID) and
 * PKS (IA32_PKRS). RDPID reads IA32_TSC_AUX: hidden with RDTSCP.
 */
#define L7_ECX_HIDE (BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(11) | BIT(12) | \
		     BIT(13) | BIT(14) | BIT(16) | BIT(29) | BIT(30) | BIT(31))
#define L7_ECX_RDPID BIT(22)
#define L1_EDX_APIC BIT(9)
#define L1_ECX_PCID BIT(17)
#define EXT1_EDX_NX BIT(20)
#define EXT1_EDX_RDTSCP BIT(27)
#define LIMIT_CPUID_MAX 2
/*
 * Leaf 0x80000008 EBX: on Intel only bit 9 (WBNOINVD, which exits as WBINVD does) is defined
 * (SDM Vol. 2A, CPUID); AMD defines speculation-control bits there (IBPB, IBRS, STIBP, SSBD)
 * that kernels read on any vendor and that a hypervisor below Kestrel may set. They would
 * promise MSRs Kestrel #GPs, as leaf 7 EDX would: everything else is hidden.
 */
#define EXT8_EBX_WBNOINVD BIT(9)

static void hypervisor_leaf(const struct cpuid_policy_env *env, u32 leaf, struct cpuid_regs *r)
{
	*r = (struct cpuid_regs){ 0, 0, 0, 0 };
	if (env->kvm && leaf == KVM_CPUID_BASE) {
		*r = (struct cpuid_regs){ KVM_CPUID_FEATURES, KVM_SIGNATURE_EBX, KVM_SIGNATURE_ECX,
					  KVM_SIGNATURE_EDX };
		return;
	}
	if (env->kvm && leaf == KVM_CPUID_FEATURES) {
		r->eax = KVM_FEATURE_STEAL_TIME | KVM_FEATURE_PV_UNHALT | KVM_FEATURE_PV_TLB_FLUSH |
			 KVM_FEATURE_PV_SEND_IPI | KVM_FEATURE_PV_SCHED_YIELD |
			 KVM_FEATURE_MSI_EXT_DEST_ID;
		return;
	}
	if (!env->pv)
		return; /* pv=off: no Kestrel leaves at all */
	switch (leaf) {
	case KESTREL_CPUID_BASE:
		r->eax = KESTREL_CPUID_MAX;
		r->ebx = KESTREL_SIGNATURE_EBX;
		r->ecx = KESTREL_SIGNATURE_ECX;
		r->edx = KESTREL_SIGNATURE_EDX;
		break;
	case KESTREL_CPUID_FEATURES:
		r->eax = KESTREL_ABI_VERSION;
		r->ebx = KESTREL_FEATURE_SHARED_AREA | KESTREL_FEATURE_STEAL_TIME |
			 KESTREL_FEATURE_PREEMPTED | KESTREL_FEATURE_FLUSH | KESTREL_FEATURE_IPI |
			 KESTREL_FEATURE_LAZY_DEADLINE | KESTREL_FEATURE_MEM;
		r->ecx = env->nr_vcpus;
		r->edx = env->resets;
		break;
	case KESTREL_CPUID_TIMING:
		r->eax = (u32)(env->tsc_hz / 1000);
		r->ebx = (u32)(env->tsc_hz / 1000); /* the vLAPIC timer runs at the TSC rate */
		break;
	default:
		break;
	}
}

static void topology_leaf(const struct cpuid_policy_env *env, u32 sub, struct cpuid_regs *r)
{
	u32 n = env->nr_vcpus, shift = 0;

	while ((1u << shift) < n)
		shift++;
	/* One thread per core, every vCPU a core of one package (table 3-8, leaf 0BH). */
	if (sub == 0)
		*r = (struct cpuid_regs){ 0, 1, 0x100, env->vcpu_id };
	else if (sub == 1)
		*r = (struct cpuid_regs){ shift, n, 0x201, env->vcpu_id };
	else
		*r = (struct cpuid_regs){ 0, 0, sub, env->vcpu_id };
}

u32 cpuid_policy_leaf(const struct cpuid_policy_env *env, u32 leaf)
{
	/* The hypervisor's leaves are no basic leaves: a limited guest still finds them. */
	if (env->limit_cpuid && leaf > LIMIT_CPUID_MAX && leaf < 0x40000000)
		return LIMIT_CPUID_MAX;
	return leaf;
}

void cpuid_policy_apply(const struct cpuid_policy_env *env, u32 leaf, u32 sub,
			struct cpuid_regs *r)
{
	if (cpuid_policy_is_hypervisor_leaf(leaf)) {
		hypervisor_leaf(env, leaf, r);
	} else {
		switch (leaf) {
		case 0:
			if (env->limit_cpuid && r->eax > LIMIT_CPUID_MAX)
				r->eax = LIMIT_CPUID_MAX;
			break;
		case 1:
			r->ecx = (r->ecx & ~(u32)L1_ECX_HIDE) | (u32)L1_ECX_SHOW;
			r->edx &= ~(u32)L1_EDX_HIDE;
			/* Globally disabled, the processor is one without an APIC (12.4.3). */
			if (env->apic_disabled)
				r->edx &= ~(u32)L1_EDX_APIC;
			if (env->no_pcid)
				r->ecx &= ~(u32)L1_ECX_PCID;
			r->ebx = (r->ebx & 0x0000ffff) | (env->vcpu_id << 24); /* initial APIC ID */
			break;
		case 4:
			r->eax &= 0x3fff; /* no claims about cores sharing caches */
			break;
		case 5:
		case 6:
		case 0xa:
		case 0xd:
		case 0x12:
		case 0x14:
			*r = (struct cpuid_regs){ 0, 0, 0, 0 }; /* MWAIT, power, PMU, XSAVE, SGX, PT */
			break;
		case 7:
			if (sub == 0) {
				r->ebx &= ~(u32)L7_EBX_HIDE;
				if (!env->invpcid)
					r->ebx &= ~(u32)L7_EBX_INVPCID;
				/*
				 * As the host says where it is emulated. With it and an invariant
				 * TSC, Linux on a machine of few nodes trusts the TSC without its
				 * clocksource watchdog, whose jiffies lag under overcommit.
				 */
				if (!env->tsc_adjust)
					r->ebx &= ~(u32)L7_EBX_TSC_ADJUST;
				r->ecx &= ~(u32)L7_ECX_HIDE;
				if (!env->rdtscp)
					r->ecx &= ~(u32)L7_ECX_RDPID;
				/*
				 * No speculation-control MSR is emulated (SPEC_CTRL, PRED_CMD,
				 * FLUSH_CMD, ARCH_CAPABILITIES #GP): no bit may promise one.
				 */
				r->edx = 0;
			} else {
				*r = (struct cpuid_regs){ 0, 0, 0, 0 };
			}
			break;
		case 0xb:
		case 0x1f:
			topology_leaf(env, sub, r);
			break;
		case 0x15:
			/* TSC = crystal * EBX / EAX: say the calibrated rate, not the part's. */
			*r = (struct cpuid_regs){ 1, 1, (u32)env->tsc_hz, 0 };
			if (env->tsc_hz > 0xffffffffULL)
				*r = (struct cpuid_regs){ 1, 1000, (u32)(env->tsc_hz / 1000), 0 };
			break;
		case 0x16:
			r->eax = r->ebx = r->ecx = (u32)(env->tsc_hz / 1000000);
			r->edx = 0;
			break;
		case 0x80000001:
			if (!env->rdtscp)
				r->edx &= ~(u32)EXT1_EDX_RDTSCP;
			/* IA32_MISC_ENABLE's XD disable clears the flag (SDM Vol. 4, table 2-2). */
			if (env->xd_disabled)
				r->edx &= ~(u32)EXT1_EDX_NX;
			break;
		case 0x80000008:
			r->ebx &= EXT8_EBX_WBNOINVD;
			break;
		default:
			break;
		}
	}
}
