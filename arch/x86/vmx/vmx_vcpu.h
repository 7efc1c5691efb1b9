/* SPDX-License-Identifier: GPL-2.0 */
/* A vCPU's VMCS: controls, host state, and the guest state at power-on and at SIPI. */
#ifndef KESTREL_ARCH_X86_VMX_VMX_VCPU_H
#define KESTREL_ARCH_X86_VMX_VMX_VCPU_H

#include "arch/x86/vmx/vmx_bits.h"
#include "lib/types.h"

struct vcpu;

/* MSR and I/O bitmaps shared by every VM; returns 0 or -ENOMEM. Call once on the BSP. */
int vmx_bitmaps_init(void);
/* Checks the controls Kestrel needs are there; NULL, or what is missing. */
const char *vmx_vcpu_unsupported(void);
/* Allocates the vCPU's VMCS region. */
int vmx_vcpu_alloc(struct vcpu *v);
/* Makes v's VMCS current on this CPU, initialising it the first time. False on failure. */
bool vmx_vcpu_load(struct vcpu *v);
/* Gives up v's VMCS on this pCPU so that another can load it (v moves there). */
void vmx_vcpu_release(struct vcpu *v);
/* Guest state as a multiboot loader leaves it: 32-bit protected mode, paging off. */
void vmx_vcpu_reset_protected(struct vcpu *v, u32 entry, u32 eax, u32 ebx);
/* Guest state after a SIPI: real mode at vector:0000 (SDM Vol. 3A, 10.4.4). */
void vmx_vcpu_reset_real(struct vcpu *v, u8 vector);

#endif
