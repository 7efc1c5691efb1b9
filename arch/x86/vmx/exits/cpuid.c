// SPDX-License-Identifier: GPL-2.0
/* CPUID exits: the host's answer and the vCPU's controls in, hv/cpuid_policy.c's answer out. */
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/cpuid_policy.h"
#include "hv/vm.h"

enum exit_action exit_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.gpr[GPR_RAX], sub = (u32)v->regs.gpr[GPR_RCX];
	u32 proc2 = vmcs_read32(PROC_BASED_CTLS2);
	struct cpuid_policy_env env = {
		.pv = v->vm->pv,
		.kvm = v->vm->kvm,
		.vcpu_id = v->id,
		.nr_vcpus = v->vm->nr_vcpus,
		.resets = v->vm->resets,
		.tsc_hz = timer_info.tsc_hz,
		/* Without these controls RDTSCP and INVPCID raise #UD: CPUID hides them then. */
		.rdtscp = proc2 & PROC2_RDTSCP,
		.invpcid = proc2 & PROC2_INVPCID,
		.tsc_adjust = to_vmx(v)->proc_ctls & PROC_TSC_OFFSET,
		.apic_disabled = vlapic_mode(&v->lapic) == VLAPIC_MODE_DISABLED,
		.limit_cpuid = vmsr_cpuid_limited(&v->msr),
		.xd_disabled = vmsr_xd_disabled(&v->msr),
	};
	struct cpuid_regs r = { 0, 0, 0, 0 };

	leaf = cpuid_policy_leaf(&env, leaf);
	if (!cpuid_policy_is_hypervisor_leaf(leaf))
		r = cpuid(leaf, sub);
	cpuid_policy_apply(&env, leaf, sub, &r);
	v->regs.gpr[GPR_RAX] = r.eax;
	v->regs.gpr[GPR_RBX] = r.ebx;
	v->regs.gpr[GPR_RCX] = r.ecx;
	v->regs.gpr[GPR_RDX] = r.edx;
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
