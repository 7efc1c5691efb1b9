/* SPDX-License-Identifier: GPL-2.0 */
/* APIC virtualization: x2APIC accesses and interrupts without VM exits (SDM Vol. 3C, ch. 30). */
#ifndef KESTREL_ARCH_X86_VMX_APICV_H
#define KESTREL_ARCH_X86_VMX_APICV_H

#include "arch/x86/vmx/vmx_vcpu.h"

struct vmx_caps;

/* Whether the controls APICv needs are all there (vmx_probe); c->no_apicv names the first not. */
void apicv_probe(struct vmx_caps *c);
/* The MSR bitmap of vCPUs with APICv on, shared by all; 0 or -ENOMEM. Call once on the BSP. */
int apicv_bitmap_init(void);
/* The VMCS fields of a vCPU's first load (APICv itself starts off). */
void apicv_setup_vmcs(struct vmx_vcpu *x);
/*
 * Before each entry: turns APICv on or off for the vLAPIC's mode and the VM's apicv= word, and
 * with it on, writes the vLAPIC's IRR, ISR and TPR to the virtual-APIC page, RVI and SVI and
 * the EOI-exit bitmap to the VMCS. From here to the next exit the page is the truth.
 */
void apicv_before_entry(struct vmx_vcpu *x);
/* After each exit, before its handler: the page's IRR, ISR and TPR back to the vLAPIC. */
void apicv_pull(struct vmx_vcpu *x);
static inline void apicv_after_exit(struct vmx_vcpu *x)
{
	if (x->apicv_on)
		apicv_pull(x);
}
/* Registers the page keeps for RDMSR changed (a WRMSR, INIT, reset): written at the next entry. */
static inline void apicv_regs_changed(struct vmx_vcpu *x)
{
	x->apicv_regs_stale = true;
}
/* The vCPU stops for good: its virtual-APIC page goes. */
void apicv_vcpu_release(struct vmx_vcpu *x);

#endif
