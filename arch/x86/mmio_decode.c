// SPDX-License-Identifier: GPL-2.0
/* x86 decoder for the MOV-family and simple read-modify-write MMIO accesses; pure logic. */
#include "arch/x86/mmio_decode.h"

/*
 * REX prefix bits, SDM Vol. 2A, 2.2.1.2, table 2-4. REX.X and REX.B extend the SIB index and
 * the base: they never change the length.
 */
#define REX_B BIT(0)
#define REX_X BIT(1)
#define REX_R BIT(2)
#define REX_W BIT(3)

/* RFLAGS arithmetic flags, SDM Vol. 1, 3.4.3.1. */
#define RFLAGS_CF BIT(0)
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_OF BIT(11)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* The bytes being decoded; never looks at more than MMIO_INSN_MAX of them. */
struct cursor {
	const u8 *b;
	unsigned int n, pos;
};

/* Decoder state: what the prefixes said, then what the opcode and ModRM said. */
struct decode {
	enum mmio_mode mode;
	u8 rex;
	bool opsize, adsize; /* 66 and 67 prefixes */
	s8 seg; /* a segment override prefix's segment, or -1 */
	u8 modrm;
};

static int next(struct cursor *c, unsigned int bytes, u64 *v)
{
	*v = 0;
	if (bytes > c->n - c->pos)
		return -ERANGE;
	for (unsigned int i = 0; i < bytes; i++)
		*v |= (u64)c->b[c->pos + i] << (8 * i);
	c->pos += bytes;
	return 0;
}

static u64 size_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : BIT(8 * bytes) - 1;
}

static u64 sign_extend(u64 v, unsigned int bytes)
{
	unsigned int shift = 64 - 8 * bytes;

	return (u64)((s64)(v << shift) >> shift);
}

/* Operand size from the mode, 66 and REX.W, SDM Vol. 1, 3.6.1, tables 3-3 and 3-4. */
static unsigned int operand_size(const struct decode *d)
{
	if (d->mode == MMIO_MODE_64)
		return (d->rex & REX_W) ? 8 : d->opsize ? 2 : 4;
	if (d->mode == MMIO_MODE_32)
		return d->opsize ? 2 : 4;
	return d->opsize ? 4 : 2;
}

static unsigned int address_size(const struct decode *d)
{
	if (d->mode == MMIO_MODE_64)
		return d->adsize ? 4 : 8;
	if (d->mode == MMIO_MODE_32)
		return d->adsize ? 2 : 4;
	return d->adsize ? 4 : 2;
}

/*
 * Legacy prefixes in any order, then REX (64-bit mode only; a legacy prefix after it voids
 * it), SDM Vol. 2A, 2.1.1 and 2.2.1. Returns the opcode byte.
 */
static int prefixes(struct cursor *c, struct decode *d, u8 *opcode)
{
	for (;;) {
		u64 b;
		int r = next(c, 1, &b);

		if (r)
			return r;
		switch (b) {
		case 0x66:
			d->opsize = true;
			break;
		case 0x67:
			d->adsize = true;
			break;
		case 0xf0: /* LOCK */
		case 0xf2: /* REPNE */
		case 0xf3: /* REP */
			break;
		case 0x26: /* ES, CS, SS, DS */
		case 0x2e:
		case 0x36:
		case 0x3e:
			d->seg = (s8)((b >> 3) & 3);
			break;
		case 0x64: /* FS, GS */
		case 0x65:
			d->seg = (s8)(MMIO_SEG_FS + (b & 1));
			break;
		default:
			if (d->mode == MMIO_MODE_64 && (b & 0xf0) == 0x40) {
				d->rex = b;
				continue;
			}
			*opcode = b;
			return 0;
		}
		d->rex = 0;
	}
}

/*
 * The memory operand after ModRM: SIB and displacement, SDM Vol. 2A, 2.1.5, tables 2-1
 * (16-bit), 2-2 and 2-3 (32/64-bit), and 2.2.1.6 (RIP-relative), and from them and regs the
 * effective address and default segment. A register operand (mod 3) is no MMIO access.
 */
static int modrm_memory(struct cursor *c, struct decode *d, const u64 *regs,
			struct mmio_insn *insn)
{
	static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };	 /* BX BX BP BP SI DI BP BX */
	static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 }; /* SI DI SI DI */
	unsigned int mod, rm, disp = 0, as = address_size(d);
	int base = -1, index = -1, scale = 0;
	u64 v, ea;
	int r = next(c, 1, &v);

	if (r)
		return r;
	d->modrm = v;
	mod = d->modrm >> 6;
	rm = d->modrm & 7;
	if (mod == 3)
		return -EINVAL;
	insn->seg = MMIO_SEG_DS;
	if (as == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			disp = 2;
		if (!(mod == 0 && rm == 6)) {
			base = base16[rm];
			index = index16[rm];
			if (base == 5) /* BP-based forms use SS */
				insn->seg = MMIO_SEG_SS;
		}
	} else {
		if (rm == 4) {
			r = next(c, 1, &v); /* SIB: base 5 with mod 0 means disp32 and no base */
			if (r)
				return r;
			scale = (int)(v >> 6);
			index = (int)((v >> 3) & 7) | ((d->rex & REX_X) ? 8 : 0);
			if (index == 4)
				index = -1; /* no index (rSP cannot be one) */
			if (mod == 0 && (v & 7) == 5)
				disp = 4;
			else
				base = (int)(v & 7) | ((d->rex & REX_B) ? 8 : 0);
		} else if (mod == 0 && rm == 5) {
			disp = 4; /* disp32, or RIP + disp32 in 64-bit mode */
			insn->rip_relative = d->mode == MMIO_MODE_64;
		} else {
			base = (int)rm | ((d->rex & REX_B) ? 8 : 0);
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2)
			disp = 4;
		if (base == 4 || base == 5) /* rSP and rBP, not r12 and r13 */
			insn->seg = MMIO_SEG_SS;
	}
	r = next(c, disp, &v);
	if (r)
		return r;
	ea = disp ? sign_extend(v, disp) : 0;
	if (base >= 0)
		ea += regs[base];
	if (index >= 0)
		ea += regs[index] << scale;
	insn->ea = ea & size_mask(as);
	if (d->seg >= 0)
		insn->seg = (enum mmio_seg)d->seg;
	return 0;
}

static unsigned int modrm_reg(const struct decode *d)
{
	return ((d->modrm >> 3) & 7) | ((d->rex & REX_R) ? 8 : 0);
}

/*
 * The register operand of ModRM.reg as source or destination: without REX, byte registers 4-7
 * are AH, CH, DH and BH, SDM Vol. 2A, 3.1.1.1, table 3-1 and 2.2.1.
 */
static void set_reg(struct mmio_insn *insn, const struct decode *d, unsigned int size)
{
	insn->reg = modrm_reg(d);
	insn->reg_size = size;
	insn->high_byte = size == 1 && !d->rex && insn->reg >= 4;
	if (insn->high_byte)
		insn->reg -= 4;
}

static u64 reg_value(const struct mmio_insn *insn, const u64 *regs)
{
	u64 v = regs[insn->reg];

	if (insn->high_byte)
		v >>= 8;
	return v & size_mask(insn->reg_size);
}

/* An immediate of imm_size bytes, sign-extended to the operand and cut to the access size. */
static int immediate(struct cursor *c, struct mmio_insn *insn, unsigned int imm_size)
{
	u64 v;
	int r = next(c, imm_size, &v);

	insn->value = sign_extend(v, imm_size) & size_mask(insn->size);
	return r;
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX, SDM Vol. 2B. */
static int decode_0f(struct cursor *c, struct decode *d, struct mmio_insn *insn, const u64 *regs)
{
	u64 op;
	int r = next(c, 1, &op);

	if (r)
		return r;
	if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
		return -EINVAL;
	r = modrm_memory(c, d, regs, insn);
	insn->dir = MMIO_READ;
	insn->op = (op & 8) ? MMIO_OP_MOVSX : MMIO_OP_MOVZX;
	insn->size = (op & 1) ? 2 : 1;
	set_reg(insn, d, operand_size(d));
	return r;
}

/* A0-A3: MOV between AL/rAX and a moffs of the address size, SDM Vol. 2B, MOV. */
static int decode_moffs(struct cursor *c, struct decode *d, u8 opcode, struct mmio_insn *insn,
			const u64 *regs)
{
	u64 v;
	int r;

	insn->size = (opcode & 1) ? operand_size(d) : 1;
	insn->reg = 0;
	insn->reg_size = insn->size;
	insn->dir = (opcode & 2) ? MMIO_WRITE : MMIO_READ;
	if (insn->dir == MMIO_WRITE)
		insn->value = reg_value(insn, regs);
	insn->seg = d->seg >= 0 ? (enum mmio_seg)d->seg : MMIO_SEG_DS;
	r = next(c, address_size(d), &v);
	insn->ea = v;
	return r;
}

/* ALU opcodes 00-31 by bits 5:3, and group 1 (80, 81, 83) by ModRM.reg, SDM Vol. 2A, A.3. */
static int alu_op(unsigned int n, enum mmio_op *op)
{
	static const s8 ops[8] = {
		MMIO_OP_ADD, MMIO_OP_OR, -1 /* ADC */, -1 /* SBB */,
		MMIO_OP_AND, MMIO_OP_SUB, MMIO_OP_XOR, -1 /* CMP */,
	};

	if (ops[n] < 0)
		return -EINVAL;
	*op = ops[n];
	return 0;
}

/* Opcodes handled below, so that nothing else has its bytes taken for a ModRM. */
static bool one_byte_known(u8 opcode, const struct decode *d)
{
	enum mmio_op op;

	switch (opcode) {
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0xc6: case 0xc7:
	case 0x86: case 0x87: case 0x80: case 0x81: case 0x83:
		return true;
	case 0x63:
		return d->mode == MMIO_MODE_64;
	}
	/* ALU r/m, r: 00, 01, 08, 09, 20, 21, 28, 29, 30, 31 */
	return opcode <= 0x39 && !(opcode & 6) && !alu_op(opcode >> 3, &op);
}

static int decode_one_byte(struct cursor *c, struct decode *d, u8 opcode, struct mmio_insn *insn,
			   const u64 *regs)
{
	unsigned int os = operand_size(d);
	unsigned int size = (opcode & 1) ? os : 1; /* bit 0 picks byte or full size */
	int r;

	if (opcode >= 0xa0 && opcode <= 0xa3)
		return decode_moffs(c, d, opcode, insn, regs);
	if (!one_byte_known(opcode, d))
		return -EINVAL;
	r = modrm_memory(c, d, regs, insn);
	if (r)
		return r;
	insn->size = size;
	switch (opcode) {
	case 0x8a: /* MOV r, r/m */
	case 0x8b:
		insn->dir = MMIO_READ;
		set_reg(insn, d, size);
		return 0;
	case 0x63: /* MOVSXD r, r/m32 (ARPL outside 64-bit mode) */
		insn->dir = MMIO_READ;
		insn->op = MMIO_OP_MOVSX;
		insn->size = MIN(os, 4);
		set_reg(insn, d, os);
		return 0;
	case 0xc6: /* MOV r/m, imm: /0 only (C6 F8, C7 F8 are XABORT, XBEGIN) */
	case 0xc7:
		if (modrm_reg(d) & 7)
			return -EINVAL;
		insn->dir = MMIO_WRITE;
		return immediate(c, insn, MIN(size, 4));
	case 0x80: /* group 1: ALU r/m, imm8 / imm16/32 / sign-extended imm8 */
	case 0x81:
	case 0x83:
		insn->dir = MMIO_RMW;
		r = alu_op(modrm_reg(d) & 7, &insn->op);
		if (r)
			return r;
		return immediate(c, insn, opcode == 0x81 ? MIN(size, 4) : 1);
	case 0x88: /* MOV r/m, r */
	case 0x89:
		insn->dir = MMIO_WRITE;
		break;
	case 0x86: /* XCHG r/m, r */
	case 0x87:
		insn->dir = MMIO_RMW;
		insn->op = MMIO_OP_XCHG;
		break;
	default: /* ALU r/m, r */
		insn->dir = MMIO_RMW;
		alu_op(opcode >> 3, &insn->op);
		break;
	}
	set_reg(insn, d, size);
	insn->value = reg_value(insn, regs);
	return 0;
}

int mmio_decode(const u8 *bytes, unsigned int n, enum mmio_mode mode, const u64 *regs,
		struct mmio_insn *insn)
{
	struct cursor c = { .b = bytes, .n = MIN(n, MMIO_INSN_MAX) };
	struct decode d = { .mode = mode, .seg = -1 };
	u8 opcode;
	int r;

	*insn = (struct mmio_insn){ .op = MMIO_OP_MOV };
	r = prefixes(&c, &d, &opcode);
	if (r)
		return r;
	if (opcode == 0x0f)
		r = decode_0f(&c, &d, insn, regs);
	else
		r = decode_one_byte(&c, &d, opcode, insn, regs);
	if (r)
		return r;
	insn->len = c.pos;
	return 0;
}

/* Writes v into the destination the way an instruction of that width does, SDM Vol. 1, 3.4.1.1. */
static void write_reg(const struct mmio_insn *insn, u64 *regs, u64 v)
{
	u64 *reg = &regs[insn->reg];

	if (insn->high_byte)
		*reg = (*reg & ~0xff00ULL) | ((v & 0xff) << 8);
	else if (insn->reg_size == 4)
		*reg = (u32)v; /* 32-bit results zero-extend in 64-bit mode */
	else
		*reg = (*reg & ~size_mask(insn->reg_size)) | (v & size_mask(insn->reg_size));
}

void mmio_complete_read(const struct mmio_insn *insn, u64 *regs, u64 value)
{
	value &= size_mask(insn->size);
	if (insn->op == MMIO_OP_MOVSX)
		value = sign_extend(value, insn->size);
	write_reg(insn, regs, value);
}

/* PF: even number of set bits in the low byte, SDM Vol. 1, 3.4.3.1. */
static bool parity_even(u64 v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return !(v & 1);
}

u64 mmio_complete_rmw(const struct mmio_insn *insn, u64 *regs, u64 old, u64 *rflags)
{
	u64 mask = size_mask(insn->size);
	u64 sign = BIT(8 * insn->size - 1);
	u64 a = old & mask, b = insn->value & mask, res;
	u64 f = 0;

	switch (insn->op) {
	case MMIO_OP_XCHG:
		write_reg(insn, regs, a);
		return b;
	case MMIO_OP_ADD:
		res = (a + b) & mask;
		if (res < a)
			f |= RFLAGS_CF;
		if ((a ^ res) & (b ^ res) & sign)
			f |= RFLAGS_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= RFLAGS_AF;
		break;
	case MMIO_OP_SUB:
		res = (a - b) & mask;
		if (a < b)
			f |= RFLAGS_CF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= RFLAGS_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= RFLAGS_AF;
		break;
	case MMIO_OP_AND: /* CF and OF clear; AF undefined: cleared */
		res = a & b;
		break;
	case MMIO_OP_OR:
		res = a | b;
		break;
	case MMIO_OP_XOR:
		res = a ^ b;
		break;
	default:
		return a; /* not an RMW op: write back what was there */
	}
	if (!res)
		f |= RFLAGS_ZF;
	if (res & sign)
		f |= RFLAGS_SF;
	if (parity_even(res))
		f |= RFLAGS_PF;
	*rflags = (*rflags & ~RFLAGS_ARITH) | f;
	return res;
}
