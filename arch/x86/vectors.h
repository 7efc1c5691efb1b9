/* SPDX-License-Identifier: GPL-2.0 */
/* Interrupt vectors the hypervisor itself uses (exceptions are 0-31, SDM Vol. 3A, table 7-1). */
#ifndef KESTREL_ARCH_X86_VECTORS_H
#define KESTREL_ARCH_X86_VECTORS_H

#define VEC_DE 0
#define VEC_NMI 2
#define VEC_DF 8
#define VEC_PF 14
#define VEC_MC 18
#define VEC_FIRST_IRQ 32

#define VEC_KICK 0xf0 /* wake a CPU from hlt; the handler only acknowledges */
#define VEC_POSTED_INTR 0xf1 /* posted-interrupt notification (arch/x86/vmx/posted.c) */
#define VEC_LAPIC_TIMER 0xef
#define VEC_LAPIC_ERROR 0xfe
#define VEC_SPURIOUS 0xff

#endif
