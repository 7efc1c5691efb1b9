/* SPDX-License-Identifier: MIT */
/* The IDT: exception reports, and handlers for NMI and vectors 32-255. */
#ifndef KESTREL_RT_IRQ_H
#define KESTREL_RT_IRQ_H

#include <kestrel-rt/types.h>

/* Vectors the runtime keeps for itself; a guest picks others (0x20-0xef are free). */
#define RT_VEC_NMI		2
#define RT_VEC_WAKE		0xf0	/* rt_smp_call() wakes an idle CPU with it */
#define RT_VEC_APIC_ERROR	0xfe
#define RT_VEC_SPURIOUS		0xff	/* never acknowledged (SDM Vol. 3A, 12.9) */

/* The registers an interrupt stub saves, then what the CPU pushed (SDM Vol. 3A, 7.14.1). */
struct rt_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error;	/* 0 for vectors without an error code */
	u64 rip, cs, rflags, rsp, ss;
};

typedef void (*rt_irq_handler)(struct rt_frame *frame);

/*
 * Installs handler for vector 2 (NMI) or 32-255; NULL removes it. For vectors 32 and up
 * the runtime writes the local APIC EOI after the handler returns. An interrupt on a
 * vector without a handler, or any exception, is reported and fails the run.
 * Returns false for a vector it does not take.
 */
bool rt_irq_install(unsigned int vector, rt_irq_handler handler);

#endif
