/* SPDX-License-Identifier: GPL-2.0 */
/* The PV interface as the exit handlers see it: hypercalls and the lazy deadline's hooks. */
#ifndef KESTREL_PV_PV_H
#define KESTREL_PV_PV_H

#include "guest-sdk/include/kestrel/abi.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "hv/pv_state.h"
#include "pv/flush_ranges.h"

struct vcpu;

/* Fault injection for the test that proves the stale-TLB test can fail: inject=skip-flush
 * makes a flush hypercall forget every target but the caller. */
extern bool pv_inject_skip_flush;

/* Hypercall handlers (the table is in pv/hypercall.c). */
s64 hc_set_shared_area(struct vcpu *v);
s64 hc_flush_tlb(struct vcpu *v);
s64 hc_send_ipi(struct vcpu *v);
s64 hc_mem_protect(struct vcpu *v);

/* KVM's guest ABI (pv/kvm.c, hv/kvm_abi.h), for VMs that offer it. */
bool pv_kvm_msr_read(struct vcpu *v, u32 msr, u64 *val); /* false: not a KVM MSR */
bool pv_kvm_msr_write(struct vcpu *v, u32 msr, u64 val, bool *fault);
s64 pv_kvm_hypercall(struct vcpu *v, u64 nr);
void pv_kvm_schedule_in(struct vcpu *v, u64 steal_tsc);
void pv_kvm_preempted(struct vcpu *v);
void pv_kvm_reset(struct vcpu *v);

/* Lazy deadline hooks the exit handlers call (pv/deadline.c). */
void pv_deadline_written(struct vcpu *v, u64 value, u64 now); /* after a TSC_DEADLINE write */
void pv_deadline_sync(struct vcpu *v); /* after any other vLAPIC write: the CLEAR cases */
void pv_deadline_clear(struct vcpu *v); /* INIT, reset, a new shared area: armed becomes 0 */

#endif
