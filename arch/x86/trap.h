/* SPDX-License-Identifier: GPL-2.0 */
/* Interrupts and exceptions taken in root mode: the saved frame and the handler table. */
#ifndef KESTREL_ARCH_X86_TRAP_H
#define KESTREL_ARCH_X86_TRAP_H

#include "lib/types.h"

/* The frame traps.asm builds; the order is fixed by the pushes there. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "traps.asm pushes 22 quadwords");

/* f is NULL for an interrupt taken at a VM exit (trap_dispatch_irq): handlers ignore it. */
typedef void (*irq_handler_t)(struct trap_frame *f);

/* Installs the handler of an interrupt vector (32-255). */
void trap_set_handler(u8 vector, irq_handler_t fn);
void trap_dispatch(struct trap_frame *f);
/*
 * Runs the handler of an interrupt the processor acknowledged at a VM exit ("acknowledge interrupt
 * on exit") as if the IDT had delivered it: in root mode, interrupts off.
 */
void trap_dispatch_irq(u8 vector);
void trap_dump(const struct trap_frame *f);

/* The stub addresses, one per vector, from traps.asm. */
extern const u64 trap_stubs[256];

#endif
