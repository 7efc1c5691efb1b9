/* SPDX-License-Identifier: MIT */
/* libkestrel: what a guest OS calls to use Kestrel's PV interface, and the plain fallbacks. */
#ifndef KESTREL_KESTREL_H
#define KESTREL_KESTREL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kestrel/abi.h>

/*
 * The library is freestanding C with no global state and no allocation: everything it needs
 * from the OS comes through a struct kestrel_os the caller passes, and all memory (VP-set
 * storage, the in-memory VP-set buffer, shared areas) is the caller's. Every hypercall wrapper
 * returns 0 or a negative KESTREL_E* status, as Kestrel put it in RAX.
 */

/* What the OS provides. Any hook may be NULL where the comment says what that means. */
struct kestrel_os {
	/* Guest-physical address of a kernel virtual address. NULL: identity mapped. */
	uint64_t (*virt_to_phys)(const void *virt);
	/*
	 * Sends one IPI: writes the local APIC ICR once (SDM Vol. 3A, 12.6.1) with icr_lo (a
	 * vector or'ed with a delivery mode: fixed 0, NMI 4 << 8) and apic_id as the physical
	 * destination. Needed by the plain fallbacks only.
	 */
	void (*send_ipi)(uint32_t apic_id, uint32_t icr_lo);
	/* The APIC ID of vCPU n. NULL: APIC ID n (as in a Kestrel VM). */
	uint32_t (*apic_id)(uint32_t vcpu);
	/* vCPU n's registered shared area, or NULL. Needed by the FLUSH-bit shootdown only. */
	struct kestrel_vcpu_area *(*vcpu_area)(uint32_t vcpu);
};

/* ---- Detection (CPUID leaves 0x40000000, 0x40000001, 0x40000010) ---- */

struct kestrel_info {
	bool present; /* the signature is there: a Kestrel VM with pv=on */
	uint32_t max_leaf; /* CPUID.40000000h:EAX */
	uint32_t abi_version; /* KESTREL_ABI_VERSION for this library */
	uint32_t features; /* KESTREL_FEATURE_* */
	uint32_t nr_vcpus;
	uint32_t resets; /* times this VM was reset */
	uint32_t tsc_khz; /* 0 when leaf 0x40000010 is absent */
	uint32_t apic_timer_khz;
};

/*
 * Fills *info (zeroed when Kestrel is absent). True when this is a Kestrel VM whose ABI version
 * this library speaks; the features may still be 0. CPUID exits: call it once at boot.
 */
bool kestrel_detect(struct kestrel_info *info);
bool kestrel_has(const struct kestrel_info *info, uint32_t feature);

/* ---- VP sets: a builder over caller storage, and the two ABI encodings ---- */

/* A set of vCPUs as a bitmap of 64-vCPU banks in the caller's storage. */
struct kestrel_vpset {
	uint64_t *bank; /* nr_banks words: bank b, bit i is vCPU 64 * b + i */
	uint32_t nr_banks;
	uint32_t nr_vcpus; /* vCPUs in the VM: bits past it are never set */
};

/* Storage for a VM of n vCPUs: this many uint64_t. */
#define KESTREL_VPSET_BANKS(n) (((n) + 63u) / 64u)

/* A set encoded for a hypercall: the INLINE flag or 0, and the RSI, RDX, R10 values. */
struct kestrel_vpset_regs {
	uint32_t flags;
	uint64_t rsi, rdx, r10;
};

/*
 * Starts an empty set of a VM of nr_vcpus vCPUs over storage of nr_banks words; -KESTREL_EINVAL
 * when the storage is too small for nr_vcpus or nr_vcpus is past what the ABI encodes.
 */
int kestrel_vpset_init(struct kestrel_vpset *s, uint64_t *storage, uint32_t nr_banks,
		       uint32_t nr_vcpus);
void kestrel_vpset_clear(struct kestrel_vpset *s);
void kestrel_vpset_fill(struct kestrel_vpset *s); /* every vCPU of the VM */
/* -KESTREL_EINVAL for a vCPU the VM does not have; the set is then unchanged. */
int kestrel_vpset_add(struct kestrel_vpset *s, uint32_t vcpu);
void kestrel_vpset_remove(struct kestrel_vpset *s, uint32_t vcpu);
bool kestrel_vpset_test(const struct kestrel_vpset *s, uint32_t vcpu);
uint32_t kestrel_vpset_count(const struct kestrel_vpset *s);
uint32_t kestrel_vpset_nonempty_banks(const struct kestrel_vpset *s);
/* The first vCPU of the set at or after from, or -1. */
int64_t kestrel_vpset_next(const struct kestrel_vpset *s, uint32_t from);

/* Declares int64_t v and visits each vCPU of s in increasing order. */
#define kestrel_vpset_for_each(s, v)                              \
	for (int64_t v = kestrel_vpset_next((s), 0); v >= 0;        \
	     v = kestrel_vpset_next((s), (uint32_t)v + 1))

/* Inline form: -KESTREL_E2BIG when more than two banks are non-empty. An empty set encodes. */
int kestrel_vpset_encode_inline(const struct kestrel_vpset *s, struct kestrel_vpset_regs *out);
/*
 * Memory form: writes the non-empty banks to buf in increasing bank order (Kestrel requires
 * strictly increasing indices), at most max_banks of them (-KESTREL_E2BIG otherwise); buf_gpa
 * is buf's guest-physical address, which goes in RSI.
 */
int kestrel_vpset_encode_mem(const struct kestrel_vpset *s, struct kestrel_vp_set *buf,
			     uint32_t max_banks, uint64_t buf_gpa, struct kestrel_vpset_regs *out);
/*
 * Inline when it fits, else memory. buf may be NULL: then a set of more than two non-empty banks
 * is -KESTREL_E2BIG.
 */
int kestrel_vpset_encode(const struct kestrel_vpset *s, struct kestrel_vp_set *buf,
			 uint32_t max_banks, uint64_t buf_gpa, struct kestrel_vpset_regs *out);
/* Bytes of a struct kestrel_vp_set with n banks. */
#define KESTREL_VP_SET_SIZE(n) \
	(sizeof(struct kestrel_vp_set) + (n) * sizeof(struct kestrel_vp_bank))

/* ---- Hypercalls (VMCALL, CPL 0 only) ---- */

/* Any hypercall, as it is: for tests that want to pass what the typed ones refuse to build. */
int64_t kestrel_hypercall(uint64_t nr, uint64_t rdi, uint64_t rsi, uint64_t rdx, uint64_t r10,
			  uint64_t r8, uint64_t r9);

/* KESTREL_HC_SET_SHARED_AREA: gpa 64-byte aligned, 0 unregisters. Each vCPU for itself. */
int kestrel_hc_set_shared_area(uint64_t gpa);
/*
 * KESTREL_HC_FLUSH_TLB: flags is one KESTREL_FLUSH_ALL / _NONGLOBAL / _RANGES, maybe with
 * KESTREL_FLUSH_SET_GEN (then gen is stored in each target's tlb_gen once that target has
 * flushed, unless tlb_gen already holds a larger value); the set's INLINE flag is added here.
 * ranges_gpa and nr_ranges are for KESTREL_FLUSH_RANGES only.
 */
int kestrel_hc_flush_tlb(uint32_t flags, const struct kestrel_vpset_regs *set,
			 uint64_t ranges_gpa, uint32_t nr_ranges, uint64_t gen);
/* KESTREL_HC_SEND_IPI: vector 16-255, or KESTREL_IPI_NMI. */
int kestrel_hc_send_ipi(uint32_t vector_flags, const struct kestrel_vpset_regs *set);
/* KESTREL_HC_DEBUG_STATS: Kestrel prints this VM's exit statistics on its console. */
int kestrel_hc_debug_stats(void);
/*
 * KESTREL_HC_DEBUG_EPT_INVALIDATE: invalidates all of this VM's second-level mappings, by a
 * generation bump (walk false) or entry by entry; the TSC ticks Kestrel spent, or a status.
 */
int64_t kestrel_hc_debug_ept_invalidate(bool walk);

/*
 * The same from a builder set, encoded inline when it fits and otherwise into buf (max_banks
 * banks, physically contiguous; its address goes through os->virt_to_phys). ranges is a
 * kernel-virtual array of nr_ranges (physically contiguous too). os may be NULL (identity
 * mapped). Nothing is sent, and the call returns:
 *  - -KESTREL_E2BIG when the set has more than two non-empty banks and buf is NULL or smaller
 *    than max_banks says it needs (buf may be NULL, with max_banks 0, only where every set the
 *    caller builds has at most two non-empty banks: a VM of up to 128 vCPUs, or sets known to
 *    be that small), or when nr_ranges > KESTREL_FLUSH_MAX_RANGES;
 *  - -KESTREL_EINVAL when nr_ranges is not 0 and ranges is NULL (ranges may be NULL only with
 *    nr_ranges 0, that is without KESTREL_FLUSH_RANGES).
 */
int kestrel_send_ipi(const struct kestrel_os *os, const struct kestrel_vpset *s,
		     uint32_t vector_flags, struct kestrel_vp_set *buf, uint32_t max_banks);
int kestrel_flush_tlb(const struct kestrel_os *os, const struct kestrel_vpset *s, uint32_t flags,
		      const struct kestrel_flush_range *ranges, uint32_t nr_ranges, uint64_t gen,
		      struct kestrel_vp_set *buf, uint32_t max_banks);

/* ---- The per-vCPU shared area ---- */

/*
 * Registers area (64-byte aligned, the caller's memory, kept until unregistered) for the vCPU
 * that calls: -KESTREL_EINVAL when misaligned (checked here too), or what Kestrel says.
 */
int kestrel_area_register(const struct kestrel_os *os, struct kestrel_vcpu_area *area);
int kestrel_area_unregister(void);

/* Steal time in TSC ticks, read consistently with the version protocol. */
uint64_t kestrel_steal_time(const struct kestrel_vcpu_area *area);
/* The vCPU owning area is descheduled while runnable (a hint: it may run again at once). */
bool kestrel_vcpu_is_preempted(const struct kestrel_vcpu_area *area);
/*
 * Instead of a flush IPI: when area says PREEMPTED, compare-and-swaps FLUSH into the flags and
 * returns true; Kestrel then flushes that vCPU's TLB before it next runs. False when it is not
 * preempted (it runs, or just came back): send the IPI.
 */
bool kestrel_vcpu_flush_if_preempted(struct kestrel_vcpu_area *area);

/* ---- TSC deadline ---- */

/*
 * The lazy deadline: stores tsc in deadline_pending, fences, and writes IA32_TSC_DEADLINE
 * (an exit) only when deadline_armed is 0 or later than tsc. tsc 0 cancels. With area NULL it
 * is kestrel_deadline_set_plain(). Returns true when it wrote the MSR. The LVT timer must be in
 * TSC-deadline mode already. Call it on the vCPU that owns area, with interrupts off (as a
 * clockevent's set_next_event is): an interrupt handler that set its own deadline between the
 * store and the MSR write would leave deadline_pending and the MSR disagreeing.
 */
bool kestrel_deadline_set(struct kestrel_vcpu_area *area, uint64_t tsc);
/* WRMSR IA32_TSC_DEADLINE every time (SDM Vol. 3A, 12.5.4.1). */
void kestrel_deadline_set_plain(uint64_t tsc);

/* ---- Plain fallbacks: IPIs one by one, and the IPI TLB shootdown ---- */

/* One ICR write per vCPU of s through os->send_ipi: a fixed vector, or an NMI. */
void kestrel_ipi_plain(const struct kestrel_os *os, const struct kestrel_vpset *s,
		       uint32_t vector_flags);

/*
 * This CPU's own TLB, in every PCID as the hypercall's kinds are: KESTREL_FLUSH_ALL, _NONGLOBAL
 * or _RANGES (INVLPG per page; more than 64 pages: as _NONGLOBAL). With INVPCID (CPUID.7.EBX
 * bit 10) ALL and NONGLOBAL are INVPCID types 2 and 3; without, ALL toggles CR4.PGE and
 * NONGLOBAL reloads CR3, or toggles CR4.PGE when CR4.PCIDE is set (a CR3 write reaches only the
 * current PCID, SDM Vol. 3A, 5.10.4.1); with CR4.PCIDE set, _RANGES adds that to its INVLPGs.
 */
void kestrel_flush_local(uint32_t flags, const struct kestrel_flush_range *ranges,
			 uint32_t nr_ranges);

/*
 * One TLB shootdown done with IPIs. The OS makes sd reachable from its handler of the vector
 * (a per-CPU mailbox, a global under its lock): the handler calls kestrel_shootdown_handle(sd).
 */
struct kestrel_shootdown {
	uint32_t flags; /* KESTREL_FLUSH_ALL / _NONGLOBAL / _RANGES */
	uint32_t nr_ranges;
	const struct kestrel_flush_range *ranges;
	volatile uint32_t acks; /* targets that flushed: the initiator waits for them */
	uint32_t sent; /* out: targets IPI'd (and waited for) */
	uint32_t flagged; /* out: preempted targets given the FLUSH bit instead */
};

/*
 * Initiator: flushes itself when self is in s, IPIs every other target with vector (or, with
 * use_flush_bit, gives a preempted target the FLUSH bit instead, see
 * kestrel_vcpu_flush_if_preempted; os->vcpu_area must be set), and busy-waits until every IPI'd
 * target acknowledged. Returns the number waited for.
 */
uint32_t kestrel_shootdown(const struct kestrel_os *os, struct kestrel_shootdown *sd,
			   const struct kestrel_vpset *s, uint32_t self, uint8_t vector,
			   bool use_flush_bit);
/* Target, in the OS's handler for the shootdown vector: flush as sd says, then acknowledge. */
void kestrel_shootdown_handle(struct kestrel_shootdown *sd);

#endif
