/* SPDX-License-Identifier: GPL-2.0 */
/* The PV interface's per-vCPU state and its hooks into the run loop and the vLAPIC. */
#ifndef KESTREL_PV_PV_H
#define KESTREL_PV_PV_H

#include "guest-sdk/include/kestrel/abi.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "pv/flush_ranges.h"

struct vcpu;

/* A flush other vCPUs asked of this one, done on its own pCPU before it next runs. */
struct pv_flush_request {
	struct spinlock lock;
	u32 kind; /* KESTREL_FLUSH_ALL / _NONGLOBAL / _RANGES, the widest asked for */
	bool set_gen;
	u64 gen;
	struct flush_ranges ranges;
	volatile u64 requested; /* sequence numbers: a caller waits for done >= its request */
	volatile u64 done;
};

struct vcpu_pv {
	u64 area_gpa; /* 0: no shared area registered */
	struct kestrel_vcpu_area *area; /* the same, through the identity map */
	volatile u32 in_guest; /* between the last check of requests and the VM exit */
	u64 deadline_armed; /* Kestrel's own copy: the shared one is guest-writable */
	struct pv_flush_request flush;
};

struct pv_stats {
	u64 flush_calls; /* KESTREL_HC_FLUSH_TLB */
	u64 flush_targets; /* vCPUs those calls named */
	u64 flush_waited; /* of which running: made to flush before the call returned */
	u64 flush_deferred; /* of which not running: flushed before their next entry */
	u64 flush_area_bit; /* flushes asked through the shared area's FLUSH bit */
	u64 ipi_calls; /* KESTREL_HC_SEND_IPI */
	u64 ipi_targets;
	u64 deadline_writes; /* IA32_TSC_DEADLINE writes (each one exited) */
	u64 deadline_rearms; /* expiries that re-armed for a later pending deadline instead */
};

/* Fault injection for the test that proves the stale-TLB test can fail: inject=skip-flush
 * makes a flush hypercall forget every target but the caller. */
extern bool pv_inject_skip_flush;

/* Hypercall handlers (the table is in pv/hypercall.c). */
s64 hc_set_shared_area(struct vcpu *v);
s64 hc_flush_tlb(struct vcpu *v);
s64 hc_send_ipi(struct vcpu *v);

/* Run-loop hooks. */
void pv_schedule_in(struct vcpu *v, u64 steal); /* steal time, the FLUSH bit */
void pv_preempted(struct vcpu *v); /* set PREEMPTED: descheduled at an instruction boundary */
void pv_do_flush(struct vcpu *v); /* a posted flush request, on v's own pCPU */
void pv_reset(struct vcpu *v); /* power-on: no shared area */

/* Lazy deadline hooks (pv/deadline.c). */
void pv_deadline_written(struct vcpu *v, u64 value, u64 now); /* after a TSC_DEADLINE write */
void pv_deadline_sync(struct vcpu *v); /* after any other vLAPIC write: the CLEAR cases */
void pv_deadline_clear(struct vcpu *v); /* INIT, reset, a new shared area: armed becomes 0 */
/* At the vLAPIC deadline's expiry: true when it re-armed for a later pending deadline. */
bool pv_deadline_expired(struct vcpu *v, u64 now);

#endif
