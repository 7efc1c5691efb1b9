/* SPDX-License-Identifier: GPL-2.0 */
/* How the run loop regains control at a vCPU's earliest deadline (arch/x86/vmx/deadline.c). */
#ifndef KESTREL_ARCH_X86_VMX_DEADLINE_H
#define KESTREL_ARCH_X86_VMX_DEADLINE_H

#include "lib/types.h"

struct vcpu;

/* True: the VMX-preemption timer ends guest runs; false: the host's LAPIC timer does. */
extern bool vmx_deadline_preemption_timer;

/* After vmx_probe(): the preemption timer if the CPU has it and allow_preemption_timer is set. */
void vmx_deadline_choose(bool allow_preemption_timer);
/* The boot line saying which timer and, for the host timer, why. */
void vmx_deadline_print(void);
/* Before a VM entry of v (its VMCS current): an exit comes at its earliest deadline. */
void vmx_deadline_arm(struct vcpu *v);
/* In an external-interrupt exit, after the host took the interrupt: was it the host timer? */
bool vmx_deadline_host_timer_fired(void);

#endif
