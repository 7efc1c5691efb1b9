/* SPDX-License-Identifier: GPL-2.0 */
/* Decodes the instruction that touched an MMIO page: length, direction, size, register, value. */
#ifndef KESTREL_ARCH_X86_MMIO_DECODE_H
#define KESTREL_ARCH_X86_MMIO_DECODE_H

#include "lib/types.h"

#define MMIO_INSN_MAX 15 /* longest instruction, SDM Vol. 2A, 2.3.11 */
#define MMIO_NR_REGS 16	 /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15: hardware order */

/* Default operand and address size of the code segment. */
enum mmio_mode {
	MMIO_MODE_16,
	MMIO_MODE_32,
	MMIO_MODE_64,
};

/* CS.L selects 64-bit code in IA-32e mode, else CS.D 32-bit, SDM Vol. 3A, 3.4.5. */
static inline enum mmio_mode mmio_mode_of(bool efer_lma, bool cs_l, bool cs_d)
{
	if (efer_lma && cs_l)
		return MMIO_MODE_64;
	return cs_d ? MMIO_MODE_32 : MMIO_MODE_16;
}

/* Segment registers in the order of their override prefixes' encoding (Sreg, SDM Vol. 2A, 3.1.1.2). */
enum mmio_seg {
	MMIO_SEG_ES,
	MMIO_SEG_CS,
	MMIO_SEG_SS,
	MMIO_SEG_DS,
	MMIO_SEG_FS,
	MMIO_SEG_GS,
};

enum mmio_dir {
	MMIO_READ,  /* load from the device; mmio_complete_read() updates the register */
	MMIO_WRITE, /* store value to the device */
	MMIO_RMW,   /* load, then store what mmio_complete_rmw() returns */
};

enum mmio_op {
	MMIO_OP_MOV,
	MMIO_OP_MOVZX,
	MMIO_OP_MOVSX, /* also MOVSXD */
	MMIO_OP_XCHG,
	MMIO_OP_ADD,
	MMIO_OP_OR,
	MMIO_OP_AND,
	MMIO_OP_SUB,
	MMIO_OP_XOR,
};

struct mmio_insn {
	u8 len;	 /* bytes, to add to RIP */
	u8 size; /* bytes accessed at the MMIO address: 1, 2, 4 or 8 */
	enum mmio_dir dir;
	enum mmio_op op;
	u64 value;	/* WRITE, RMW: the source (register, or immediate sign-extended), to size */
	/* The register operand, if any: the destination of READ and XCHG, else the source. */
	u8 reg;		/* 0-15 */
	u8 reg_size;	/* bytes: 1, 2, 4 or 8 */
	bool high_byte; /* AH, CH, DH or BH: bits 15:8 of reg 0-3 */
	/*
	 * The memory operand's effective address (its offset in the segment, cut to the address
	 * size), and the segment: an override prefix's, else SS for a base of rSP or rBP, else DS
	 * (SDM Vol. 1, 3.7.4 and 3.7.5). rip_relative: the caller adds the next instruction's RIP.
	 */
	u64 ea;
	enum mmio_seg seg;
	bool rip_relative;
};

/*
 * Decodes the instruction in bytes[0, n) (at most MMIO_INSN_MAX are looked at) whose memory
 * operand is the MMIO access: MOV (88, 89, 8A, 8B, C6 /0, C7 /0, A0-A3), MOVZX, MOVSX,
 * MOVSXD, XCHG with memory, and ADD/OR/AND/SUB/XOR with a memory destination (00-31, 80, 81,
 * 83). Prefixes: 66, 67, REX, and LOCK, REP and segment overrides (skipped).
 * regs supplies the stored value of a register source.
 * Returns 0, -EINVAL for anything else (register operands included), or -ERANGE when the
 * instruction runs past the bytes given or past 15 bytes.
 * @pre regs holds MMIO_NR_REGS registers.
 */
int mmio_decode(const u8 *bytes, unsigned int n, enum mmio_mode mode, const u64 *regs,
		struct mmio_insn *insn);

/*
 * Applies value, read from the device, to the destination of a MMIO_READ: 32-bit
 * destinations zero-extend to 64 bits, 8/16-bit ones keep the other bits, MOVZX/MOVSX extend.
 */
void mmio_complete_read(const struct mmio_insn *insn, u64 *regs, u64 value);

/*
 * For MMIO_RMW given old, read from the device: returns what to write back, and updates
 * regs (XCHG) or the arithmetic flags CF, PF, AF, ZF, SF and OF in *rflags (ALU ops).
 */
u64 mmio_complete_rmw(const struct mmio_insn *insn, u64 *regs, u64 old, u64 *rflags);

#endif
