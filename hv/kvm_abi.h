/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of KVM's guest ABI Kestrel offers so that an unmodified Linux takes its PV paths:
 * the facts of Linux's Documentation/virt/kvm/x86/{cpuid,msr,hypercalls}.rst, in Kestrel's own
 * words. Kestrel's own ABI is guest-sdk/include/kestrel/abi.h; the two share no numbers.
 */
#ifndef KESTREL_HV_KVM_ABI_H
#define KESTREL_HV_KVM_ABI_H

#include "lib/types.h"

/*
 * A guest looks for "KVMKVMKVM\0\0\0" in EBX, ECX, EDX of every leaf 0x40000000 + 0x100 * k;
 * Kestrel's own signature is at 0x40000000, so KVM's leaves start at the next slot.
 */
#define KVM_CPUID_BASE 0x40000100u
#define KVM_CPUID_FEATURES (KVM_CPUID_BASE + 1) /* EAX: KVM_FEATURE_*; EDX: hints (none) */
#define KVM_SIGNATURE_EBX 0x4b4d564bu /* "KVMK" */
#define KVM_SIGNATURE_ECX 0x564b4d56u /* "VMKV" */
#define KVM_SIGNATURE_EDX 0x0000004du /* "M\0\0\0" */

#define KVM_FEATURE_STEAL_TIME BIT(5)
#define KVM_FEATURE_PV_UNHALT BIT(7) /* KVM_HC_KICK_CPU wakes a vCPU halted on a lock */
#define KVM_FEATURE_PV_TLB_FLUSH BIT(9) /* the FLUSH_TLB bit of the steal-time area */
#define KVM_FEATURE_PV_SEND_IPI BIT(11)
#define KVM_FEATURE_PV_SCHED_YIELD BIT(13)
#define KVM_FEATURE_MSI_EXT_DEST_ID BIT(15)

/* Bits 63:6 the guest-physical address (64-byte aligned), bit 0 enable, bits 5:1 reserved. */
#define MSR_KVM_STEAL_TIME 0x4b564d03u
#define KVM_MSR_ENABLED 1u
#define KVM_STEAL_RESERVED 0x3eull

/* The steal-time area: 64 bytes, written by the host between two version changes. */
struct kvm_steal_time {
	u64 steal; /* nanoseconds the vCPU was runnable and not running */
	u32 version; /* odd while the host updates it */
	u32 flags;
	u8 preempted; /* KVM_VCPU_*; the guest sets FLUSH_TLB only on a preempted vCPU */
	u8 u8_pad[3];
	u32 pad[11];
};
_Static_assert(sizeof(struct kvm_steal_time) == 64, "msr.rst, MSR_KVM_STEAL_TIME");

#define KVM_VCPU_PREEMPTED BIT(0)
#define KVM_VCPU_FLUSH_TLB BIT(1)

/* Hypercalls: number in RAX, arguments in RBX, RCX, RDX, RSI, result in RAX. */
#define KVM_HC_KICK_CPU 5 /* RBX flags (0), RCX the APIC ID to wake */
#define KVM_HC_SEND_IPI 10 /* RBX, RCX a 128-bit bitmap of APIC IDs from RDX; RSI the ICR */
#define KVM_HC_SCHED_YIELD 11 /* RBX the APIC ID of a preempted lock holder */
#define KVM_HC_MAX 0xffffu /* KVM's numbers are small: Kestrel's own start above this */

/* KVM's error numbers (include/uapi/linux/kvm_para.h): its own ENOSYS, the rest as Linux's. */
#define KVM_ENOSYS 1000
#define KVM_EINVAL 22
#define KVM_EPERM 1

#endif
