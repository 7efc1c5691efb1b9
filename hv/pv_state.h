/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PV interface's per-vCPU state, which the core keeps in struct vcpu, and the hooks the
 * core calls at fixed points of a vCPU's life (implemented in pv/). The PV layer sits above
 * the core: it includes hv/, and the core reaches it only through this header.
 */
#ifndef KESTREL_HV_PV_STATE_H
#define KESTREL_HV_PV_STATE_H

#include "guest-sdk/include/kestrel/abi.h"
#include "lib/spinlock.h"
#include "lib/types.h"

struct vcpu;
struct kvm_steal_time;

/*
 * A checked copy of guest ranges (Kestrel never looks at the guest's array again). Every range
 * is page-aligned, at least one page, and lies inside one canonical half of the 48-bit address
 * space (Kestrel hides LA57), so each page address in it is canonical and a per-page INVVPID
 * (which fails on a non-canonical address, SDM Vol. 3C, 32.3) or INVLPG is safe. 1040 bytes.
 * pv/flush_ranges.h reads, checks and merges them.
 */
struct flush_ranges {
	u32 nr;
	u64 total_pages; /* saturating */
	struct kestrel_flush_range r[KESTREL_FLUSH_MAX_RANGES];
};

/* A flush other vCPUs asked of this one, done on its own pCPU before it next runs. */
struct pv_flush_request {
	struct spinlock lock; /* any pCPU posts under it */
	u32 kind; /* KESTREL_FLUSH_ALL / _NONGLOBAL / _RANGES, the widest asked for */
	bool set_gen;
	u64 gen;
	struct flush_ranges ranges;
	volatile u64 requested; /* sequence numbers: a caller waits for done >= its request */
	volatile u64 done; /* written by the owning pCPU, read by waiting callers */
};

struct vcpu_pv {
	u64 area_gpa; /* 0: no shared area registered */
	struct kestrel_vcpu_area *area; /* the same, through the identity map */
	volatile u32 in_guest; /* between the last check of requests and the VM exit: any pCPU reads */
	u64 deadline_armed; /* Kestrel's own copy: the shared one is guest-writable */
	u64 kvm_steal_msr; /* MSR_KVM_STEAL_TIME as written (pv/kvm.c) */
	struct kvm_steal_time *kvm_steal; /* its area, or NULL: disabled or not RAM */
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
	u64 kicks; /* KVM_HC_KICK_CPU calls (PV spin-lock unlocks that woke a waiter) */
	u64 yields; /* KVM_HC_SCHED_YIELD calls that gave the slice away */
};

/* Hooks the core calls, each on v's own pCPU. */
void pv_schedule_in(struct vcpu *v, u64 steal); /* steal time, the FLUSH bit */
void pv_preempted(struct vcpu *v); /* set PREEMPTED: descheduled at an instruction boundary */
void pv_do_flush(struct vcpu *v); /* a posted flush request */
void pv_reset(struct vcpu *v); /* power-on: no shared area */
/* At the vLAPIC deadline's expiry: true when it re-armed for a later pending deadline. */
bool pv_deadline_expired(struct vcpu *v, u64 now);

#endif
