// SPDX-License-Identifier: GPL-2.0
/* Probing the CPU's speculation controls and issuing IBPB when a pCPU switches between VMs. */
#include "arch/x86/vmx/spec.h"
#include "arch/x86/cpu.h"
#include "lib/console.h"

struct spec_policy vmx_spec;
bool vmx_spec_on_entry;

void vmx_spec_probe(void)
{
	struct cpuid_regs v = cpuid(0, 0);
	struct spec_cpu c = { 0 };

	/* "GenuineIntel" in EBX, EDX, ECX order. */
	c.intel = v.ebx == 0x756e6547 && v.edx == 0x49656e69 && v.ecx == 0x6c65746e;
	if (v.eax >= 7)
		c.cpuid7_edx = cpuid(7, 0).edx;
	/* The MSR exists only when CPUID says so (SDM Vol. 4, table 2-2, 10AH). */
	if (c.intel && (c.cpuid7_edx & CPUID7_EDX_ARCH_CAPS))
		c.arch_caps = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
	spec_decide(&c, &vmx_spec);
	vmx_spec_on_entry = vmx_spec.l1d_flush_on_entry || vmx_spec.verw_on_entry;
	pr_debug("spec: CPUID.7.0:EDX %#x, IA32_ARCH_CAPABILITIES %#lx", c.cpuid7_edx, c.arch_caps);
}

void vmx_spec_print(void)
{
	pr_info("spec: IBPB between VMs %s: %s", vmx_spec.ibpb_on_vm_switch ? "on" : "off",
		vmx_spec.ibpb_why);
	pr_info("spec: L1D flush on VM entry %s: %s", vmx_spec.l1d_flush_on_entry ? "on" : "off",
		vmx_spec.l1d_why);
	pr_info("spec: VERW on VM entry %s: %s", vmx_spec.verw_on_entry ? "on" : "off",
		vmx_spec.verw_why);
}

void vmx_spec_vm_switch(u32 vm_id)
{
	struct spec_stats *c = &this_cpu()->spec;

	if (c->last_vm == vm_id + 1)
		return;
	/* The first VM on this pCPU counts as a switch too (from none): one IBPB more, once. */
	c->last_vm = vm_id + 1;
	c->vm_switches++;
	if (vmx_spec.ibpb_on_vm_switch) {
		wrmsr(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
		c->ibpb++;
	}
}
