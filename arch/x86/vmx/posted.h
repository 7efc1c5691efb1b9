/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Posted interrupts (SDM Vol. 3C, 30.6): a vector another pCPU sends a vCPU in guest mode reaches
 * the guest without a VM exit. Used with APICv where the processor has "process posted
 * interrupts" (vmx_caps.posted); no Bochs model has it.
 */
#ifndef KESTREL_ARCH_X86_VMX_POSTED_H
#define KESTREL_ARCH_X86_VMX_POSTED_H

#include "arch/x86/vmx/vmx_vcpu.h"

/* Installs the notification vector's host handler. Once, on the BSP, when vmx_caps.posted. */
void posted_init(void);
/* The notification vector and the descriptor (the vCPU's posted_irr) in x's VMCS. */
void posted_setup_vmcs(struct vmx_vcpu *x);
/* "Process posted interrupts" on or off with APICv (apicv_switch). */
void posted_switch(struct vmx_vcpu *x, bool on);

#endif
