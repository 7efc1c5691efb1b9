/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core asks of the architecture: the only way from hv/ and pv/ to the code that
 * enters guests (arch/x86/vmx/ implements every function here). The core never looks inside
 * a VMCS; the architecture keeps its per-vCPU state in a struct that embeds struct vcpu.
 */
#ifndef KESTREL_HV_ARCH_H
#define KESTREL_HV_ARCH_H

#include "lib/types.h"

struct vcpu;
struct vm;
struct flush_ranges;

/*
 * Why no VM can run on this CPU (a missing capability), or NULL. *shadow: in, the VM asks for
 * shadow page tables (ept=off); out, whether it runs on them (also when the CPU has no EPT).
 */
const char *arch_vm_unsupported(bool *shadow);
/* The architecture's part of a new VM: it claims the MMIO ranges it emulates (the xAPIC page). */
void arch_vm_create(struct vm *vm);
/* A zeroed vCPU with the architecture's state allocated, or NULL when out of memory. */
struct vcpu *arch_vcpu_create(void);
/*
 * v never runs again (its VM stopped or never started): what other vCPUs may use goes back.
 * Returns how many of the frames it frees were allocated with the vCPU (arch_vcpu_create).
 */
u32 arch_vcpu_release(struct vcpu *v);
/* Enters v (current on this pCPU) until it halts, stops, yields or its slice ends. */
void arch_vcpu_run(struct vcpu *v);
/* This pCPU switches from running prev (may be NULL) to next: swap what VMX does not. */
void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next);
/* v leaves this pCPU for another: its state is saved (if live here) and its VMCS let go. */
void arch_vcpu_leave(struct vcpu *v, bool live_here);
/* v arrived from another pCPU: nothing it cached there may be used here. */
void arch_vcpu_arrive(struct vcpu *v);
/* v starts again as at power-on (a VM reset): its FPU/SSE state too, at its next run. */
void arch_vcpu_power_on(struct vcpu *v);
/*
 * Vectors were put in v->posted_irr from another pCPU and v's request set (vcpu_deliver_irq): if
 * v is in guest mode where the processor takes them from there itself (VMX posted interrupts),
 * sends it the notification and returns true; false: the core kicks as for any request.
 */
bool arch_vcpu_notify_posted(struct vcpu *v);
/* Whether v's guest accepts maskable interrupts now (RFLAGS.IF). */
bool arch_vcpu_interrupts_enabled(struct vcpu *v);
/* Flushes v's guest TLB on this pCPU: a KESTREL_FLUSH_* kind and, for ranges, the ranges. */
void arch_vcpu_flush_tlb(struct vcpu *v, u32 kind, const struct flush_ranges *fr);

/* Drops what this pCPU cached from second-level root eptp (before the root is freed). */
void arch_flush_ept(u64 eptp);

/* Exit statistics: how many reasons there are, their names, v's count and TSC for one. */
u32 arch_exit_reasons(void);
const char *arch_exit_name(u32 reason);
void arch_vcpu_exit_stats(const struct vcpu *v, u32 reason, u64 *count, u64 *tsc);

#endif
