/* SPDX-License-Identifier: GPL-2.0 */
/* What the architecture says about each exception vector: its class, and how two combine. */
#ifndef KESTREL_ARCH_X86_EXCEPTION_H
#define KESTREL_ARCH_X86_EXCEPTION_H

#include "lib/types.h"

/* Vectors, SDM Vol. 3A, 7.3, table 7-1. */
#define EXC_DB 1
#define EXC_NMI 2
#define EXC_DF 8
#define EXC_GP 13
#define EXC_PF 14

/* RFLAGS bits an injected event depends on, SDM Vol. 1, 3.4.3. */
#define RFLAGS_TF BIT(8)
#define RFLAGS_RF BIT(16)

/* DR6, DR7 and IA32_DEBUGCTL bits, SDM Vol. 3B, 18.2.3, 18.2.4 and 18.4.1. */
#define DR6_B0_B3 0xfULL
#define DR6_BS BIT(14)
#define DR7_GD BIT(13)
#define DEBUGCTL_BTF BIT(1)

/*
 * Whether the processor delivers vector (0-31) as a fault, so that the RFLAGS image it pushes has
 * RF set (SDM Vol. 3B, 18.3.1.1). #DB counts as a trap: the only #DB Kestrel raises itself is a
 * single step over an instruction it emulated. Reserved vectors count as faults.
 */
bool exception_is_fault(u8 vector);

/* The result of exception_combine(): deliver this vector, or shut down (a triple fault). */
#define EXCEPTION_TRIPLE_FAULT (-1)

/*
 * What the processor delivers when exception second (0-31) is raised while delivering first
 * (0-31): second itself, after first is dropped (the two are handled serially), #DF, or a triple
 * fault when first was #DF (SDM Vol. 3A, 7.15, "Interrupt 8", tables 7-4 and 7-5).
 */
int exception_combine(u8 first, u8 second);

#endif
