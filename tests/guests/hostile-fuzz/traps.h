/* SPDX-License-Identifier: GPL-2.0 */
/* The fuzzer's own exception handling: faults at known instructions are stepped over. */
#ifndef HOSTILE_FUZZ_TRAPS_H
#define HOSTILE_FUZZ_TRAPS_H

#include <kestrel-rt/types.h>

/*
 * FIXUP(insn) emits insn with an entry in the fixup table: a fault there resumes at the next
 * instruction, counted per vector; the vector (plus one) lands in traps_last[cpu], 0 when
 * none. Any other exception is a failure of the run.
 */
#define FIXUP(insn)                                                                            \
	"661: " insn "\n662:\n"                                                                \
	".pushsection fuzz_fixup, \"a\"\n.balign 8\n.quad 661b, 662b\n.popsection\n"

#define TRAPS_VECTORS 32

extern volatile u32 traps_last[];

/* Points every exception gate but NMI, #DF and #MC at the fuzzer's handler (all CPUs share
 * the runtime's IDT). */
void traps_install(void);

/* Faults the handler stepped over, by vector, summed over every CPU. */
u64 traps_count(u32 vector);

/* Exceptions that hit no fixup (each one is also reported on the console). */
u32 traps_unexpected(void);

/* Clears this CPU's traps_last[] slot and returns what it held (vector + 1, or 0). */
u32 traps_take(void);

/*
 * Ring 3 on this CPU (the bootstrap one): a GDT with user segments and a TSS, the first 4 MiB
 * user-accessible. False when the image lies beyond those 4 MiB.
 */
bool ring3_setup(void);

/* The ring-3 programs ring3_run() runs: one instruction each, then back to ring 0. */
enum ring3_op {
	RING3_CPUID,
	RING3_VMCALL,
	RING3_RDMSR,
	RING3_WRMSR,
	RING3_HLT,
	RING3_OUT,
	RING3_IN,
	RING3_CR0,
	RING3_LOAD,
	RING3_STI,
	RING3_RDPMC,
	RING3_NR_OPS,
};

/* Runs op at CPL 3 with these registers (interrupts off there); returns RAX as left. */
u64 ring3_run(enum ring3_op op, u64 rax, u64 rcx, u64 rdx, u64 rdi);

/* Times ring 3 came back to ring 0. */
u32 ring3_returns(void);

/* Interrupts on ring 3's way back (vector 0x81) that came from elsewhere: counted, ignored. */
extern volatile u32 ring3_strays;

#endif
