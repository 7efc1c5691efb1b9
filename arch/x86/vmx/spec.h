/* SPDX-License-Identifier: GPL-2.0 */
/* Applying the speculation mitigations (arch/x86/spec.h) at VM switches and VM entries. */
#ifndef KESTREL_ARCH_X86_VMX_SPEC_H
#define KESTREL_ARCH_X86_VMX_SPEC_H

#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/spec.h"

extern struct spec_policy vmx_spec;
extern bool vmx_spec_on_entry; /* either of the two below: one test before each entry */

/* On the bootstrap CPU, before any VM: reads CPUID and IA32_ARCH_CAPABILITIES, decides. */
void vmx_spec_probe(void);
/* The boot line: what is on and why. */
void vmx_spec_print(void);
/* This pCPU is about to run a vCPU of VM vm_id: IBPB if the last VM it ran was another. */
void vmx_spec_vm_switch(u32 vm_id);

/*
 * Just before VMLAUNCH/VMRESUME: L1D flush, then VERW, as decided. Nothing but the guest's own
 * registers is loaded after it (vmx_enter).
 */
static inline void vmx_spec_before_entry(struct spec_stats *c)
{
	/* A writable data segment, so VERW's own check passes (SDM Vol. 2C, VERR/VERW). */
	static const u16 data_sel = SEL_DATA;

	if (!vmx_spec_on_entry)
		return;
	if (vmx_spec.l1d_flush_on_entry) {
		wrmsr(MSR_IA32_FLUSH_CMD, FLUSH_CMD_L1D);
		c->l1d_flushes++;
	}
	if (vmx_spec.verw_on_entry) {
		/*
		 * Only the memory-operand form overwrites the buffers where MD_CLEAR
		 * (CPUID.7.0:EDX[10]) is reported: Intel's MDS guidance, not the SDM's text.
		 */
		asm volatile("verw %0" ::"m"(data_sel) : "cc");
		c->verw++;
	}
}

#endif
