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
#include "lib/string.h"

/* What the policy needs of the vCPU that is fixed once its VMCS is set up: gathered once. */
static void gather_env(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;

	x->cpuid_env = (struct cpuid_policy_env){
		.pv = v->vm->pv,
		.kvm = v->vm->kvm,
		.vcpu_id = v->id,
		.nr_vcpus = v->vm->nr_vcpus,
		.tsc_hz = timer_info.tsc_hz,
		/* Without these controls RDTSCP and INVPCID raise #UD: CPUID hides them then. */
		.rdtscp = x->proc2_ctls & PROC2_RDTSCP,
		.invpcid = x->proc2_ctls & PROC2_INVPCID,
		.no_pcid = v->vm->shadow != NULL, /* exits/shadow_cr.c refuses CR4.PCIDE */
		.tsc_adjust = x->proc_ctls & PROC_TSC_OFFSET,
	};
	x->cpuid_env_ready = true;
}

/* The policy's answer to (leaf, sub), computed: the host's CPUID filtered. */
static struct cpuid_regs compute(struct vmx_vcpu *x, u32 leaf, u32 sub)
{
	struct vcpu *v = &x->vcpu;
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (!x->cpuid_env_ready)
		gather_env(x);
	/* What the guest itself changes: VM resets, IA32_APIC_BASE, IA32_MISC_ENABLE. */
	x->cpuid_env.resets = v->vm->resets;
	x->cpuid_env.apic_disabled = vlapic_mode(&v->lapic) == VLAPIC_MODE_DISABLED;
	x->cpuid_env.limit_cpuid = vmsr_cpuid_limited(&v->msr);
	x->cpuid_env.xd_disabled = vmsr_xd_disabled(&v->msr);
	leaf = cpuid_policy_leaf(&x->cpuid_env, leaf);
	if (!cpuid_policy_is_hypervisor_leaf(leaf))
		r = cpuid(leaf, sub);
	cpuid_policy_apply(&x->cpuid_env, leaf, sub, &r);
	return r;
}

/* A miss: the slot filled. */
static __cold void cpuid_cache_fill(struct vmx_vcpu *x, u32 slot, u32 leaf, u32 sub)
{
	struct cpuid_cache *c = &x->cpuid_cache;

	c->e[slot].r = compute(x, leaf, sub);
	c->e[slot].leaf = leaf;
	c->e[slot].sub = sub;
	c->e[slot].valid = true;
}

void exit_cpuid_inputs_changed(struct vcpu *v)
{
	memset(&to_vmx(v)->cpuid_cache, 0, sizeof(to_vmx(v)->cpuid_cache));
}

/*
 * From the cache when it holds (leaf, sub): no host CPUID (which
 * costs the processor far more than a lookup) and no policy walk on the common path.
 */
enum exit_action exit_cpuid(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct cpuid_cache *c = &x->cpuid_cache;
	u32 leaf = (u32)v->regs.gpr[GPR_RAX], sub = (u32)v->regs.gpr[GPR_RCX];
	u32 slot = (leaf ^ (leaf >> 27) ^ sub * 3) % CPUID_CACHE_SIZE;

	if (unlikely(!c->e[slot].valid || c->e[slot].leaf != leaf || c->e[slot].sub != sub))
		cpuid_cache_fill(x, slot, leaf, sub);
	v->regs.gpr[GPR_RAX] = c->e[slot].r.eax;
	v->regs.gpr[GPR_RBX] = c->e[slot].r.ebx;
	v->regs.gpr[GPR_RCX] = c->e[slot].r.ecx;
	v->regs.gpr[GPR_RDX] = c->e[slot].r.edx;
	exit_skip_instruction(v);
	return EXIT_REENTER; /* registers and RIP only (a single-step #DB is seen queued) */
}
