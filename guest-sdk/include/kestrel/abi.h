/* SPDX-License-Identifier: MIT */
/*
 * Kestrel's paravirtual guest ABI: detection leaves, hypercall numbers and arguments, status
 * codes, the per-vCPU shared area and the VP-set encoding. Data only, no code, and no header of
 * its own: it compiles alone, without a C library (-ffreestanding -nostdinc), as C11 and as
 * C++11, so an OS kernel may include or copy it as it is. docs/abi.md explains it.
 */
#ifndef KESTREL_ABI_H
#define KESTREL_ABI_H

/*
 * Fixed-width types from the compiler itself (GCC and Clang predefine these macros): the same
 * types as <stdint.h>'s uint32_t and uint64_t, so either may be used with the structs below.
 */
typedef __UINT32_TYPE__ kestrel_u32;
typedef __UINT64_TYPE__ kestrel_u64;

#ifdef __cplusplus
#define KESTREL_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define KESTREL_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#define KESTREL_OFFSETOF(type, field) __builtin_offsetof(type, field)

/*
 * Detection. CPUID leaf 0x40000000: EAX = the largest Kestrel leaf; EBX, ECX, EDX = the
 * signature "KestrelHyprV" as 12 bytes. A VM configured with pv=off sees zeros here.
 */
#define KESTREL_CPUID_BASE 0x40000000u
#define KESTREL_SIGNATURE_EBX 0x7473654bu /* "Kest" */
#define KESTREL_SIGNATURE_ECX 0x486c6572u /* "relH" */
#define KESTREL_SIGNATURE_EDX 0x56727079u /* "yprV" */

/*
 * CPUID leaf 0x40000001: EAX = ABI version; EBX = KESTREL_FEATURE_* bits; ECX = the number of
 * vCPUs in this VM; EDX = how many times this VM has been reset.
 */
#define KESTREL_CPUID_FEATURES 0x40000001u
#define KESTREL_ABI_VERSION 2u /* 2: the hypercall numbers moved above KVM's */
#define KESTREL_FEATURE_SHARED_AREA (1u << 0) /* KESTREL_HC_SET_SHARED_AREA */
#define KESTREL_FEATURE_STEAL_TIME (1u << 1) /* steal_tsc in the shared area */
#define KESTREL_FEATURE_PREEMPTED (1u << 2) /* the flags word: PREEMPTED and FLUSH */
#define KESTREL_FEATURE_FLUSH (1u << 3) /* KESTREL_HC_FLUSH_TLB */
#define KESTREL_FEATURE_IPI (1u << 4) /* KESTREL_HC_SEND_IPI */
#define KESTREL_FEATURE_LAZY_DEADLINE (1u << 5) /* deadline_armed / deadline_pending */
#define KESTREL_FEATURE_MEM (1u << 6) /* KESTREL_HC_MEM_PROTECT */

/* CPUID leaf 0x40000010: EAX = TSC frequency in kHz; EBX = local APIC timer frequency in kHz. */
#define KESTREL_CPUID_TIMING 0x40000010u
#define KESTREL_CPUID_MAX KESTREL_CPUID_TIMING

/*
 * Hypercalls: VMCALL with the number in RAX and up to six arguments in RDI, RSI, RDX, R10, R8,
 * R9 (the Linux system-call order). RAX returns 0 or a negative KESTREL_E* status (the debug
 * calls say otherwise where they do); no other register changes. Only CPL 0 may call (others
 * get -KESTREL_EPERM). Addresses are guest-physical. Unknown bits in a flags argument are
 * -KESTREL_EINVAL.
 *
 * Numbers 0 to 0xffff are KVM's (Linux's Documentation/virt/kvm/x86/hypercalls.rst, its own
 * register convention: RBX, RCX, RDX, RSI), which a VM configured with pv=on also answers so
 * that an unmodified Linux takes its PV paths; Kestrel's own numbers start at 0x10000.
 */
#define KESTREL_HC_SET_SHARED_AREA 0x10001u
#define KESTREL_HC_FLUSH_TLB 0x10002u
#define KESTREL_HC_SEND_IPI 0x10003u
/*
 * The guest's own RAM, [RDI, RDI + RSI), page aligned: given back (RDX = KESTREL_MEM_GIVE_BACK:
 * afterwards it is unbacked memory, reads all ones and writes go nowhere), made read-only
 * (KESTREL_MEM_READ_ONLY: writes go nowhere) or taken back read-write (KESTREL_MEM_READ_WRITE:
 * what was given back reads zero, the rest keeps its contents). Every vCPU sees the change
 * when the call returns.
 */
#define KESTREL_HC_MEM_PROTECT 0x10004u
#define KESTREL_MEM_GIVE_BACK 0u
#define KESTREL_MEM_READ_ONLY 1u
#define KESTREL_MEM_READ_WRITE 2u
/*
 * Debug: prints this VM's exit statistics on the console, after the VM's UART output so far.
 * At most one table per KESTREL_DEBUG_STATS_INTERVAL_US per VM, counted from the end of the
 * last call that printed: sooner is -KESTREL_EBUSY.
 */
#define KESTREL_HC_DEBUG_STATS 0x10100u
#define KESTREL_DEBUG_STATS_INTERVAL_US 10000u
/*
 * Debug and measurement: invalidates every second-level mapping of this VM, by a generation
 * bump (RDI bit 0 clear) or by visiting every entry (KESTREL_DEBUG_EPT_WALK, the plain way).
 * RAX returns the TSC ticks Kestrel spent, or with KESTREL_DEBUG_EPT_LOCKED those it held the
 * VM's EPT lock (the critical section); or a negative status (another bit: -KESTREL_EINVAL).
 * On shadow page tables (ept=off) both ways, and the lock, are the shadow pages'.
 */
#define KESTREL_HC_DEBUG_EPT_INVALIDATE 0x10101u
#define KESTREL_DEBUG_EPT_WALK 1u
#define KESTREL_DEBUG_EPT_LOCKED 2u

/* Status codes, returned negated: the Linux numbers. */
#define KESTREL_OK 0
#define KESTREL_EPERM 1
#define KESTREL_EFAULT 14 /* an address is not RAM of this VM */
#define KESTREL_EINVAL 22 /* a malformed argument */
#define KESTREL_E2BIG 7 /* more ranges than one flush call takes */
#define KESTREL_EBUSY 16 /* too soon after the last call (debug calls) */
#define KESTREL_ENOMEM 12 /* no host memory for it now */
#define KESTREL_ENOSPC 28 /* the VM's memory is split in more pieces than Kestrel keeps */
#define KESTREL_ENOSYS 38 /* no such hypercall, or pv=off */

/*
 * VP sets: any subset of a VM's vCPUs, as 64-vCPU banks. Bank b, bit i is vCPU 64 * b + i.
 * A set takes three argument registers (RSI, RDX, R10 in every call that has one):
 *  - in registers, when the call's flags have KESTREL_VPSET_INLINE: RSI = bank index A in
 *    bits 31:0 and bank index B in bits 63:32, RDX = bank A's bits, R10 = bank B's bits
 *    (up to 128 vCPUs in two banks, no memory read; a bank with no bits is ignored);
 *  - in memory otherwise: RSI = the address of a struct kestrel_vp_set, RDX = R10 = 0.
 * Only the non-empty banks are listed, so a set costs what it holds, never the VM's size.
 * In memory, indices strictly increase; an index past the VM's vCPUs, a bit for a vCPU that does
 * not exist, or a count that runs past KESTREL_VPSET_MAX_BANKS is -KESTREL_EINVAL.
 */
#define KESTREL_VPSET_INLINE (1u << 31)
#define KESTREL_VPSET_MAX_BANKS 4096u /* 262144 vCPUs in one call; the encoding allows 2^38 */

struct kestrel_vp_bank {
	kestrel_u32 index; /* bank number: vCPUs 64 * index to 64 * index + 63 */
	kestrel_u32 reserved; /* 0 */
	kestrel_u64 bits;
};

/* C++ has flexible array members only as a GCC and Clang extension: quiet -pedantic about it. */
#ifdef __cplusplus
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
struct kestrel_vp_set {
	kestrel_u32 nr_banks;
	kestrel_u32 reserved; /* 0 */
	struct kestrel_vp_bank banks[]; /* nr_banks of them, following */
};
#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif

/*
 * KESTREL_HC_FLUSH_TLB: RDI = KESTREL_FLUSH_* flags in bits 31:0 and the number of ranges in
 * bits 63:32; RSI, RDX, R10 = the VP set; R8 = the address of the ranges (an array of struct
 * kestrel_flush_range) when KESTREL_FLUSH_RANGES; R9 = the TLB generation to store in each
 * flushed vCPU's shared area when KESTREL_FLUSH_SET_GEN. Kestrel stores it only after that
 * vCPU's flush is done, and never lowers tlb_gen (a smaller value leaves it as it is), so the
 * values must come from one VM-wide increasing sequence.
 * Exactly one of ALL, NONGLOBAL and RANGES; the range count is 0 without RANGES and 1 to
 * KESTREL_FLUSH_MAX_RANGES with it; a range is page-aligned, canonical, at least one page, and
 * stays in one canonical half. RANGES covers global translations in the ranges too.
 * When the call returns, no vCPU of the set (the caller too, if it is in it) can use a
 * translation the flush invalidated: running ones were made to flush; preempted and halted
 * ones flush before they next run, and the caller does not wait for them.
 */
#define KESTREL_FLUSH_ALL (1u << 0) /* every translation, global ones too */
#define KESTREL_FLUSH_NONGLOBAL (1u << 1) /* every translation but global ones */
#define KESTREL_FLUSH_RANGES (1u << 2) /* the listed ranges only */
#define KESTREL_FLUSH_SET_GEN (1u << 3) /* store R9 in each target's tlb_gen */
#define KESTREL_FLUSH_MAX_RANGES 64u

struct kestrel_flush_range {
	kestrel_u64 addr; /* guest-virtual, page-aligned */
	kestrel_u64 pages; /* 4 KiB pages from addr; at least 1 */
};

/*
 * KESTREL_HC_SEND_IPI: RDI = the vector in bits 7:0 (16-255), KESTREL_IPI_NMI, and
 * KESTREL_VPSET_INLINE; RSI, RDX, R10 = the VP set. One exit for the whole set.
 */
#define KESTREL_IPI_NMI (1u << 8) /* an NMI instead of a fixed interrupt; the vector is ignored */

/*
 * The per-vCPU shared area, registered by each vCPU for itself with KESTREL_HC_SET_SHARED_AREA
 * (RDI = its address, 64-byte aligned; 0 unregisters). The type carries that alignment, so a
 * variable or an array of it is aligned; memory from an allocator must be aligned by its caller.
 * Kestrel writes version, steal_tsc, deadline_armed and tlb_gen; the guest writes
 * deadline_pending; both update flags, with atomic operations only. The area stays registered
 * across INIT; a VM reset drops it.
 */
#define KESTREL_VCPU_PREEMPTED (1u << 0) /* set by Kestrel: descheduled while runnable */
#define KESTREL_VCPU_FLUSH (1u << 1) /* set by a guest CPU: flush before this vCPU runs */

struct kestrel_vcpu_area {
	/* Odd while Kestrel updates steal_tsc: read it, the field, then it again. */
	kestrel_u32 version;
	/*
	 * KESTREL_VCPU_*. Kestrel sets PREEMPTED only at an instruction boundary (a time-slice
	 * end), and exchanges the whole word with 0 before the vCPU next runs, flushing its TLB
	 * if FLUSH was set. A guest CPU that finds PREEMPTED may compare-and-swap FLUSH in
	 * instead of sending a flush IPI: the request cannot be lost.
	 */
	kestrel_u32 flags;
	kestrel_u64 steal_tsc; /* TSC ticks this vCPU was runnable but not running */
	/*
	 * Lazy TSC deadline. The guest writes its next deadline to deadline_pending, then (after
	 * a full fence) reads deadline_armed: only when that is 0 or later than the new deadline
	 * does it write IA32_TSC_DEADLINE (which exits). Kestrel keeps deadline_armed equal to
	 * the deadline its timer is set for, and at expiry re-arms for a later deadline_pending
	 * instead of interrupting; deadline_armed is 0 whenever no timer is armed (fired, masked,
	 * mode changed, disabled, or a deadline already past), so the next write exits.
	 */
	kestrel_u64 deadline_armed;
	kestrel_u64 deadline_pending;
	kestrel_u64 tlb_gen; /* the largest generation of the SET_GEN flushes done on this vCPU */
	kestrel_u64 reserved[3];
} __attribute__((aligned(64)));

KESTREL_STATIC_ASSERT(sizeof(struct kestrel_vp_bank) == 16, "kestrel_vp_bank is 16 bytes");
KESTREL_STATIC_ASSERT(sizeof(struct kestrel_vp_set) == 8, "kestrel_vp_set header is 8 bytes");
KESTREL_STATIC_ASSERT(sizeof(struct kestrel_flush_range) == 16, "kestrel_flush_range is 16 bytes");
KESTREL_STATIC_ASSERT(sizeof(struct kestrel_vcpu_area) == 64, "the shared area is one cache line");
KESTREL_STATIC_ASSERT(__alignof__(struct kestrel_vcpu_area) == 64, "and aligned to one");
KESTREL_STATIC_ASSERT(KESTREL_OFFSETOF(struct kestrel_vcpu_area, flags) == 4, "flags at 4");
KESTREL_STATIC_ASSERT(KESTREL_OFFSETOF(struct kestrel_vcpu_area, steal_tsc) == 8, "steal at 8");
KESTREL_STATIC_ASSERT(KESTREL_OFFSETOF(struct kestrel_vcpu_area, deadline_armed) == 16,
		      "armed at 16");
KESTREL_STATIC_ASSERT(KESTREL_OFFSETOF(struct kestrel_vcpu_area, deadline_pending) == 24,
		      "pending at 24");
KESTREL_STATIC_ASSERT(KESTREL_OFFSETOF(struct kestrel_vcpu_area, tlb_gen) == 32,
		      "tlb_gen at 32");

#endif
