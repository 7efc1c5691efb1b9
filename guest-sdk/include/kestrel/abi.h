/* SPDX-License-Identifier: MIT */
/* Kestrel's guest ABI: detection leaves and hypercall numbers. Data only; copy it freely. */
#ifndef KESTREL_ABI_H
#define KESTREL_ABI_H

#include <stdint.h>

/*
 * Detection: CPUID leaf 0x40000000 returns the largest Kestrel leaf in EAX and
 * the signature "KestrelHyprV" in EBX, ECX, EDX (as bytes, little-endian).
 */
#define KESTREL_CPUID_BASE 0x40000000u
#define KESTREL_CPUID_FEATURES 0x40000001u /* EAX: ABI version; EBX: feature bits;
						  * EDX: times this VM has been reset */
#define KESTREL_CPUID_TIMING 0x40000010u /* EAX: TSC kHz; EBX: APIC timer kHz */
#define KESTREL_CPUID_MAX KESTREL_CPUID_TIMING
#define KESTREL_SIGNATURE_EBX 0x7473654bu /* "Kest" */
#define KESTREL_SIGNATURE_ECX 0x486c6572u /* "relH" */
#define KESTREL_SIGNATURE_EDX 0x56727079u /* "ypr V" without the space: "yprV" */

#define KESTREL_ABI_VERSION 1u

/*
 * Hypercalls: VMCALL with the number in RAX and arguments in RDI, RSI, RDX,
 * R10, R8; the status comes back in RAX: 0 or a negative error number.
 */
#define KESTREL_HC_DEBUG_STATS 0x0100u /* print this VM's exit statistics */

/* Status codes (negated in RAX), the Linux numbers. */
#define KESTREL_EPERM 1
#define KESTREL_EFAULT 14
#define KESTREL_EINVAL 22
#define KESTREL_ENOSYS 38

#endif
