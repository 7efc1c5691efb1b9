// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/mmio_decode.c: instruction bytes, checked with gas and objdump. */
#include "unit.h"
#include "arch/x86/mmio_decode.h"

/* Register i: distinct low byte 0x10+i, high byte 0xa0+i, and upper bits. */
#define REG(i) (0x8877665544330000ULL | ((0xa0ULL + (i)) << 8) | (0x10 + (i)))
#define R8(i) (REG(i) & 0xff)
#define R16(i) (REG(i) & 0xffff)
#define R32(i) (REG(i) & 0xffffffff)

struct dcase {
	const char *text; /* what gas calls it */
	enum mmio_mode mode;
	u8 bytes[16];
	u8 n;
	int ret;
	u8 len, size;
	enum mmio_dir dir;
	enum mmio_op op;
	s8 reg; /* -1: not checked (immediates, moffs writes) */
	u8 reg_size;
	bool high_byte;
	u64 value; /* checked for WRITE and RMW */
};

#define M16 MMIO_MODE_16
#define M32 MMIO_MODE_32
#define M64 MMIO_MODE_64
#define BYTES(...) .bytes = { __VA_ARGS__ }, .n = sizeof((u8[]){ __VA_ARGS__ })

/* A read into register r of rs bytes; a high-byte read; a write; a read-modify-write. */
#define RD(m, t, l, sz, o, r, rs, ...) \
	{ .text = t, .mode = m, BYTES(__VA_ARGS__), .len = l, .size = sz, .dir = MMIO_READ, \
	  .op = o, .reg = r, .reg_size = rs }
#define RDH(m, t, l, r, ...) \
	{ .text = t, .mode = m, BYTES(__VA_ARGS__), .len = l, .size = 1, .dir = MMIO_READ, \
	  .op = MMIO_OP_MOV, .reg = r, .reg_size = 1, .high_byte = true }
#define WR(m, t, l, sz, v, ...) \
	{ .text = t, .mode = m, BYTES(__VA_ARGS__), .len = l, .size = sz, .dir = MMIO_WRITE, \
	  .op = MMIO_OP_MOV, .reg = -1, .value = v }
#define RMW(m, t, l, sz, o, v, ...) \
	{ .text = t, .mode = m, BYTES(__VA_ARGS__), .len = l, .size = sz, .dir = MMIO_RMW, \
	  .op = o, .reg = -1, .value = v }
#define BAD(m, t, err, ...) { .text = t, .mode = m, BYTES(__VA_ARGS__), .ret = err }

#define MOV MMIO_OP_MOV
#define MOVZX MMIO_OP_MOVZX
#define MOVSX MMIO_OP_MOVSX

static const struct dcase cases[] = {
	/* 64-bit code */
	WR(M64, "mov %eax,(%rdi)", 2, 4, R32(0), 0x89, 0x07),
	RD(M64, "mov (%rdi),%eax", 2, 4, MOV, 0, 4, 0x8b, 0x07),
	RD(M64, "mov 0x300(%rbx),%r9d", 7, 4, MOV, 9, 4, 0x44, 0x8b, 0x8b, 0x00, 0x03, 0x00, 0x00),
	WR(M64, "mov %r10,0x10(%r11)", 4, 8, REG(10), 0x4d, 0x89, 0x53, 0x10),
	WR(M64, "mov %r15,-0x80(%rsp)", 5, 8, REG(15), 0x4c, 0x89, 0x7c, 0x24, 0x80),
	WR(M64, "movl $0x12345678,0xb0(%rax)", 10, 4, 0x12345678,
	   0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	WR(M64, "movq $-1,(%rax)", 7, 8, ~0ULL, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	WR(M64, "movb $0x80,(%rcx)", 3, 1, 0x80, 0xc6, 0x01, 0x80),
	WR(M64, "movb $0xff,(%r12)", 5, 1, 0xff, 0x41, 0xc6, 0x04, 0x24, 0xff),
	WR(M64, "movw $0x1234,(%rdx)", 5, 2, 0x1234, 0x66, 0xc7, 0x02, 0x34, 0x12),
	RD(M64, "mov 0x20(%rip),%eax", 6, 4, MOV, 0, 4, 0x8b, 0x05, 0x20, 0x00, 0x00, 0x00),
	RD(M64, "mov 0x12345678(%rip),%r11", 7, 8, MOV, 11, 8,
	   0x4c, 0x8b, 0x1d, 0x78, 0x56, 0x34, 0x12),
	RD(M64, "mov 0xfee00020,%eax (SIB, no base)", 7, 4, MOV, 0, 4,
	   0x8b, 0x04, 0x25, 0x20, 0x00, 0xe0, 0xfe),
	RD(M64, "mov 0x1000(,%rcx,4),%eax", 7, 4, MOV, 0, 4,
	   0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00),
	RD(M64, "mov (%rax,%rcx,4),%edx", 3, 4, MOV, 2, 4, 0x8b, 0x14, 0x88),
	RD(M64, "mov 0x8(%r12,%r13,8),%r14", 5, 8, MOV, 14, 8, 0x4f, 0x8b, 0x74, 0xec, 0x08),
	RD(M64, "mov 0x0(%r13),%eax", 4, 4, MOV, 0, 4, 0x41, 0x8b, 0x45, 0x00),
	RD(M64, "mov (%r12),%r12w", 5, 2, MOV, 12, 2, 0x66, 0x45, 0x8b, 0x24, 0x24),
	WR(M64, "mov %ax,0x100(%rsp)", 8, 2, R16(0),
	   0x66, 0x89, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
	WR(M64, "mov %ah,(%rdi)", 2, 1, REG(0) >> 8 & 0xff, 0x88, 0x27),
	WR(M64, "mov %spl,(%rdi)", 3, 1, R8(4), 0x40, 0x88, 0x27),
	RDH(M64, "mov (%rsi),%bh", 2, 3, 0x8a, 0x3e),
	RD(M64, "mov (%rsi),%dil", 3, 1, MOV, 7, 1, 0x40, 0x8a, 0x3e),
	RD(M64, "mov (%rsi),%r8b", 3, 1, MOV, 8, 1, 0x44, 0x8a, 0x06),
	RD(M64, "movzbl (%rdi),%eax", 3, 1, MOVZX, 0, 4, 0x0f, 0xb6, 0x07),
	RD(M64, "movzwl 0x4(%rdi),%ecx", 4, 2, MOVZX, 1, 4, 0x0f, 0xb7, 0x4f, 0x04),
	RD(M64, "movzbw (%rdi),%ax", 4, 1, MOVZX, 0, 2, 0x66, 0x0f, 0xb6, 0x07),
	RD(M64, "movsbq (%rdi),%rax", 4, 1, MOVSX, 0, 8, 0x48, 0x0f, 0xbe, 0x07),
	RD(M64, "movsbl (%rdi),%ecx", 3, 1, MOVSX, 1, 4, 0x0f, 0xbe, 0x0f),
	RD(M64, "movswl (%rdi),%r15d", 4, 2, MOVSX, 15, 4, 0x44, 0x0f, 0xbf, 0x3f),
	RD(M64, "movslq (%rdi),%rdx", 3, 4, MOVSX, 2, 8, 0x48, 0x63, 0x17),
	RD(M64, "mov %fs:(%rax),%eax", 3, 4, MOV, 0, 4, 0x64, 0x8b, 0x00),
	RD(M64, "repz mov (%rdi),%rax", 4, 8, MOV, 0, 8, 0xf3, 0x48, 0x8b, 0x07),
	RD(M64, "addr32 mov (%edi),%eax", 3, 4, MOV, 0, 4, 0x67, 0x8b, 0x07),
	WR(M64, "data16 mov %rax,(%rdi): REX.W beats 66", 4, 8, REG(0), 0x66, 0x48, 0x89, 0x07),
	WR(M64, "rex.W data16 mov %ax,(%rdi): REX voided", 4, 2, R16(0), 0x48, 0x66, 0x89, 0x07),
	RD(M64, "movabs 0xfee00020,%eax", 9, 4, MOV, 0, 4,
	   0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	RD(M64, "movabs 0xfee00020,%rax", 10, 8, MOV, 0, 8,
	   0x48, 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	WR(M64, "movabs %al,0xfee00030", 9, 1, R8(0),
	   0xa2, 0x30, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	RD(M64, "addr32 mov 0xfee00020,%eax", 6, 4, MOV, 0, 4, 0x67, 0xa1, 0x20, 0x00, 0xe0, 0xfe),
	WR(M64, "13 x cs mov %eax,(%rdi): 15 bytes", 15, 4, R32(0), 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	   0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x89, 0x07),
	RMW(M64, "xchg %eax,(%rdi)", 2, 4, MMIO_OP_XCHG, R32(0), 0x87, 0x07),
	RMW(M64, "xchg %bh,(%rdi)", 2, 1, MMIO_OP_XCHG, REG(3) >> 8 & 0xff, 0x86, 0x3f),
	RMW(M64, "xchg %r15d,(%r12)", 4, 4, MMIO_OP_XCHG, R32(15), 0x45, 0x87, 0x3c, 0x24),
	RMW(M64, "lock orl $0x100,0xf0(%rdi)", 11, 4, MMIO_OP_OR, 0x100,
	    0xf0, 0x81, 0x8f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00),
	RMW(M64, "andl $-2,(%rax)", 3, 4, MMIO_OP_AND, 0xfffffffe, 0x83, 0x20, 0xfe),
	RMW(M64, "addq $-1,(%rax)", 4, 8, MMIO_OP_ADD, ~0ULL, 0x48, 0x83, 0x00, 0xff),
	RMW(M64, "sub %ecx,(%rbx)", 2, 4, MMIO_OP_SUB, R32(1), 0x29, 0x0b),
	RMW(M64, "xorb $0x1,(%rax)", 3, 1, MMIO_OP_XOR, 1, 0x80, 0x30, 0x01),
	RMW(M64, "add %r9b,(%rax)", 3, 1, MMIO_OP_ADD, R8(9), 0x44, 0x00, 0x08),
	RMW(M64, "or %rdx,(%rax)", 3, 8, MMIO_OP_OR, REG(2), 0x48, 0x09, 0x10),

	/* 32-bit code */
	WR(M32, "mov %eax,0xfee000b0", 5, 4, R32(0), 0xa3, 0xb0, 0x00, 0xe0, 0xfe),
	RD(M32, "mov 0xfee00020,%ecx (disp32, no RIP)", 6, 4, MOV, 1, 4,
	   0x8b, 0x0d, 0x20, 0x00, 0xe0, 0xfe),
	RD(M32, "mov 0x20(%ebx),%eax", 3, 4, MOV, 0, 4, 0x8b, 0x43, 0x20),
	WR(M32, "mov %ax,(%edi)", 3, 2, R16(0), 0x66, 0x89, 0x07),
	RD(M32, "mov 0x1000(,%eax,4),%edx", 7, 4, MOV, 2, 4,
	   0x8b, 0x14, 0x85, 0x00, 0x10, 0x00, 0x00),
	RD(M32, "addr16 mov (%bx,%si),%ax", 4, 2, MOV, 0, 2, 0x67, 0x66, 0x8b, 0x00),
	RD(M32, "movzbl (%ecx),%eax", 3, 1, MOVZX, 0, 4, 0x0f, 0xb6, 0x01),
	WR(M32, "mov %dh,0x300(%esi)", 6, 1, REG(2) >> 8 & 0xff,
	   0x88, 0xb6, 0x00, 0x03, 0x00, 0x00),
	RMW(M32, "orl $0x100,0xfee000f0", 10, 4, MMIO_OP_OR, 0x100,
	    0x81, 0x0d, 0xf0, 0x00, 0xe0, 0xfe, 0x00, 0x01, 0x00, 0x00),
	WR(M32, "movl $-16,(%eax) via C7", 6, 4, 0xfffffff0, 0xc7, 0x00, 0xf0, 0xff, 0xff, 0xff),

	/* 16-bit code */
	WR(M16, "mov %ax,(%bx)", 2, 2, R16(0), 0x89, 0x07),
	RD(M16, "mov 0x20,%ax", 3, 2, MOV, 0, 2, 0xa1, 0x20, 0x00),
	RD(M16, "mov 0x1234,%dx", 4, 2, MOV, 2, 2, 0x8b, 0x16, 0x34, 0x12),
	RD(M16, "mov 0x0(%bp),%ax", 3, 2, MOV, 0, 2, 0x8b, 0x46, 0x00),
	WR(M16, "mov %eax,0x10(%bp)", 4, 4, R32(0), 0x66, 0x89, 0x46, 0x10),
	WR(M16, "movl $0x12345678,(%bx)", 7, 4, 0x12345678,
	   0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12),
	RD(M16, "mov 0x1000(%bx,%si),%cl", 4, 1, MOV, 1, 1, 0x8a, 0x88, 0x00, 0x10),
	RD(M16, "addr32 mov (%esp),%ax", 4, 2, MOV, 0, 2, 0x67, 0x8b, 0x04, 0x24),
	RD(M16, "movzbl (%di),%eax", 4, 1, MOVZX, 0, 4, 0x66, 0x0f, 0xb6, 0x05),
	RD(M16, "addr32 mov 0xfee00020,%ax (moffs32)", 6, 2, MOV, 0, 2,
	   0x67, 0xa1, 0x20, 0x00, 0xe0, 0xfe),

	/* Not understood, or not a memory access */
	BAD(M64, "mov %eax,%eax", -EINVAL, 0x89, 0xc0),
	BAD(M64, "movzbl %al,%eax", -EINVAL, 0x0f, 0xb6, 0xc0),
	BAD(M64, "nop", -EINVAL, 0x90, 0x00, 0x00, 0x00),
	BAD(M64, "ud2", -EINVAL, 0x0f, 0x0b),
	BAD(M64, "movl $0,(%rax) with /1", -EINVAL, 0xc7, 0x48, 0x10, 0x00, 0x00, 0x00, 0x00),
	BAD(M64, "xbegin", -EINVAL, 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),
	BAD(M64, "adc %al,(%rdi)", -EINVAL, 0x10, 0x07),
	BAD(M64, "cmp %eax,(%rdi)", -EINVAL, 0x39, 0x07),
	BAD(M64, "cmpl $1,(%rax)", -EINVAL, 0x83, 0x38, 0x01),
	BAD(M64, "add (%rdi),%eax (memory source)", -EINVAL, 0x03, 0x07),
	BAD(M64, "movaps (%rdi),%xmm0", -EINVAL, 0x0f, 0x28, 0x07),
	BAD(M32, "arpl outside 64-bit mode", -EINVAL, 0x63, 0x07),
	BAD(M32, "inc %eax; mov %eax,(%edi): 40 is no REX", -EINVAL, 0x40, 0x89, 0x07),
	BAD(M64, "disp32 cut short", -ERANGE, 0x8b, 0x80, 0x00, 0x00),
	BAD(M64, "SIB missing", -ERANGE, 0x8b, 0x04),
	BAD(M64, "imm32 cut short", -ERANGE, 0xc7, 0x00, 0x78, 0x56, 0x34),
	BAD(M64, "moffs64 cut short", -ERANGE, 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00),
	BAD(M64, "prefixes only", -ERANGE, 0x66, 0xf0, 0x48),
	BAD(M64, "14 prefixes: 16 bytes", -ERANGE, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x89, 0x07),
	BAD(M64, "disp32 past byte 15", -ERANGE, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x8b, 0x80, 0x00, 0x00, 0x00, 0x00),
};

static const u64 *test_regs(void)
{
	static u64 regs[MMIO_NR_REGS];

	for (int i = 0; i < MMIO_NR_REGS; i++)
		regs[i] = REG(i);
	return regs;
}

/* Decodes from a heap copy of exactly n bytes, so that ASan catches any read past them. */
static int decode(const u8 *bytes, unsigned int n, enum mmio_mode mode, struct mmio_insn *insn)
{
	u8 *copy = malloc(n ? n : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, bytes, n);
	r = mmio_decode(copy, n, mode, test_regs(), insn);
	free(copy);
	return r;
}

/* Fails naming the case. */
#define CHECK(c, cond)                                        \
	do {                                                  \
		if (!(cond))                                  \
			fail_msg("%s: %s", (c)->text, #cond); \
	} while (0)

static void test_table(void **state)
{
	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];
		struct mmio_insn insn;
		int r = decode(c->bytes, c->n, c->mode, &insn);

		CHECK(c, r == c->ret);
		if (r)
			continue;
		CHECK(c, insn.len == c->len && insn.len == c->n);
		CHECK(c, insn.size == c->size);
		CHECK(c, insn.dir == c->dir);
		CHECK(c, insn.op == c->op);
		CHECK(c, c->dir == MMIO_READ || insn.value == c->value);
		CHECK(c, c->reg < 0 || insn.reg == c->reg);
		CHECK(c, c->reg < 0 || insn.reg_size == c->reg_size);
		CHECK(c, c->reg < 0 || insn.high_byte == c->high_byte);
		/* Trailing bytes are not part of it; one byte fewer is not enough. */
		if (c->n < MMIO_INSN_MAX) {
			u8 more[MMIO_INSN_MAX];

			memset(more, 0x90, sizeof(more));
			memcpy(more, c->bytes, c->n);
			CHECK(c, decode(more, sizeof(more), c->mode, &insn) == 0);
			CHECK(c, insn.len == c->len);
		}
		CHECK(c, decode(c->bytes, c->n - 1, c->mode, &insn) == -ERANGE);
	}
}

static u64 read_into(const u8 *bytes, unsigned int n, enum mmio_mode mode, u64 before, u64 value)
{
	u64 regs[MMIO_NR_REGS];
	struct mmio_insn insn;

	assert_int_equal(decode(bytes, n, mode, &insn), 0);
	assert_int_equal(insn.dir, MMIO_READ);
	for (int i = 0; i < MMIO_NR_REGS; i++)
		regs[i] = before;
	mmio_complete_read(&insn, regs, value);
	for (int i = 0; i < MMIO_NR_REGS; i++)
		if (i != insn.reg)
			assert_int_equal(regs[i], before);
	return regs[insn.reg];
}

#define READ_INTO(mode, before, value, ...) \
	read_into((const u8[]){ __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ }), mode, before, value)

static void test_complete_read(void **state)
{
	const u64 ones = ~0ULL;

	(void)state;
	/* mov (%rdi),%eax / %rax / %ax / %al: 32 bits clear the top, 8 and 16 keep it. */
	assert_int_equal(READ_INTO(M64, ones, 0x12345678, 0x8b, 0x07), 0x12345678);
	assert_int_equal(READ_INTO(M64, 0, 0x8877665544332211, 0x48, 0x8b, 0x07),
			 0x8877665544332211);
	assert_int_equal(READ_INTO(M64, ones, 0x1234, 0x66, 0x8b, 0x07), 0xffffffffffff1234);
	assert_int_equal(READ_INTO(M64, ones, 0x12, 0x8a, 0x07), 0xffffffffffffff12);
	/* Bits of value beyond the access size are dropped. */
	assert_int_equal(READ_INTO(M64, 0, 0xdeadbeef12345678, 0x66, 0x8b, 0x07), 0x5678);
	assert_int_equal(READ_INTO(M32, ones, 0xdeadbeef12345678, 0x8b, 0x07), 0x12345678);
	/* mov (%rsi),%bh: bits 15:8 of rbx only; mov (%rsi),%dil: bits 7:0 of rdi. */
	assert_int_equal(READ_INTO(M64, 0x1111111111111111, 0xab, 0x8a, 0x3e), 0x111111111111ab11);
	assert_int_equal(READ_INTO(M64, 0x1111111111111111, 0xab, 0x40, 0x8a, 0x3e),
			 0x11111111111111ab);
	assert_int_equal(READ_INTO(M16, 0x1111111111111111, 0xab, 0x8a, 0x20), 0x111111111111ab11);
	/* movzbl, movzwl, movzbw, movzbq */
	assert_int_equal(READ_INTO(M64, ones, 0x80, 0x0f, 0xb6, 0x07), 0x80);
	assert_int_equal(READ_INTO(M64, ones, 0xffff, 0x0f, 0xb7, 0x07), 0xffff);
	assert_int_equal(READ_INTO(M64, ones, 0x80, 0x66, 0x0f, 0xb6, 0x07), 0xffffffffffff0080);
	assert_int_equal(READ_INTO(M64, ones, 0x80, 0x48, 0x0f, 0xb6, 0x07), 0x80);
	/* movsbl, movsbq, movswl, movsbw, movslq; and positive values stay positive. */
	assert_int_equal(READ_INTO(M64, ones, 0x80, 0x0f, 0xbe, 0x07), 0xffffff80);
	assert_int_equal(READ_INTO(M64, 0, 0x80, 0x48, 0x0f, 0xbe, 0x07), 0xffffffffffffff80);
	assert_int_equal(READ_INTO(M64, ones, 0x8000, 0x0f, 0xbf, 0x07), 0xffff8000);
	assert_int_equal(READ_INTO(M64, 0, 0x80, 0x66, 0x0f, 0xbe, 0x07), 0xff80);
	assert_int_equal(READ_INTO(M64, 0, 0x80000000, 0x48, 0x63, 0x07), 0xffffffff80000000);
	assert_int_equal(READ_INTO(M64, ones, 0x7fffffff, 0x48, 0x63, 0x07), 0x7fffffff);
	assert_int_equal(READ_INTO(M64, ones, 0x7f, 0x48, 0x0f, 0xbe, 0x07), 0x7f);
	/* movsbl in 16-bit code (66 0f be): 32-bit destination. */
	assert_int_equal(READ_INTO(M16, 0, 0xfe, 0x66, 0x0f, 0xbe, 0x07), 0xfffffffe);
}

/* The host CPU computes the reference flags (stepping over the red zone to push them). */
static u64 host_flags(enum mmio_op op, unsigned int size, u64 a, u64 b)
{
	u64 f;

#define HOST_OP(insn, reg_a, reg_b)                                                      \
	asm volatile(insn " %" reg_b "1, %" reg_a "0\n\tlea -128(%%rsp), %%rsp\n\t"   \
		     "pushfq\n\tpopq %2\n\tlea 128(%%rsp), %%rsp"                      \
		     : "+r"(a), "+r"(b), "=r"(f)::"cc")
#define HOST_SIZES(mnem)                                                                  \
	switch (size) {                                                                   \
	case 1: HOST_OP(mnem "b", "b", "b"); break;                                       \
	case 2: HOST_OP(mnem "w", "w", "w"); break;                                       \
	case 4: HOST_OP(mnem "l", "k", "k"); break;                                       \
	default: HOST_OP(mnem "q", "q", "q"); break;                                      \
	}
	switch (op) {
	case MMIO_OP_ADD: HOST_SIZES("add"); break;
	case MMIO_OP_SUB: HOST_SIZES("sub"); break;
	case MMIO_OP_AND: HOST_SIZES("and"); break;
	case MMIO_OP_OR: HOST_SIZES("or"); break;
	default: HOST_SIZES("xor"); break;
	}
	return f;
}

static void test_complete_rmw(void **state)
{
	static const enum mmio_op ops[] = { MMIO_OP_ADD, MMIO_OP_SUB, MMIO_OP_AND, MMIO_OP_OR,
					    MMIO_OP_XOR };
	static const u64 edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
				    0x80000000, 0xffffffff, 0x7fffffffffffffff, ~0ULL, 0x0f, 0x10 };
	const u64 arith = BIT(0) | BIT(2) | BIT(4) | BIT(6) | BIT(7) | BIT(11);
	u64 seed = 0x1234567;
	u64 regs[MMIO_NR_REGS];
	struct mmio_insn insn;
	u64 rflags;

	(void)state;
	/* xchg %bh,(%rdi): memory gets BH, BH gets the old memory value. */
	memcpy(regs, test_regs(), sizeof(regs));
	assert_int_equal(decode((const u8[]){ 0x86, 0x3f }, 2, M64, &insn), 0);
	rflags = 0x2;
	assert_int_equal(mmio_complete_rmw(&insn, regs, 0x1234, &rflags), 0xa3);
	assert_int_equal(regs[3], (REG(3) & ~0xff00ULL) | 0x3400);
	assert_int_equal(rflags, 0x2);
	/* xchg %eax,(%rdi) zero-extends rax. */
	assert_int_equal(decode((const u8[]){ 0x87, 0x07 }, 2, M64, &insn), 0);
	assert_int_equal(mmio_complete_rmw(&insn, regs, 0xffffffff8badf00d, &rflags), R32(0));
	assert_int_equal(regs[0], 0x8badf00d);

	/* lock orl $0x100,0xf0(%rdi), as an xAPIC SVR enable: other flags survive. */
	assert_int_equal(decode((const u8[]){ 0xf0, 0x81, 0x8f, 0xf0, 0, 0, 0, 0, 1, 0, 0 }, 11,
				M64, &insn), 0);
	rflags = 0x202 | BIT(0) | BIT(11);
	assert_int_equal(mmio_complete_rmw(&insn, regs, 0xff, &rflags), 0x1ff);
	assert_int_equal(rflags, 0x202 | BIT(2)); /* CF, OF cleared; 0xff has even parity */

	/* ALU results and flags against the host CPU (AF is undefined after logic ops). */
	for (u32 k = 0; k < 4000; k++) {
		enum mmio_op op = ops[k % ARRAY_SIZE(ops)];
		unsigned int size = 1U << ((k / ARRAY_SIZE(ops)) % 4);
		u64 a = k < 1000 ? edge[k % ARRAY_SIZE(edge)] : unit_rand(&seed);
		u64 b = k < 1000 ? edge[(k / 7) % ARRAY_SIZE(edge)] : unit_rand(&seed);
		u64 mask = size == 8 ? ~0ULL : BIT(8 * size) - 1;
		u64 want_f = host_flags(op, size, a, b), want_res, got;
		u64 care = arith & ~(op == MMIO_OP_AND || op == MMIO_OP_OR || op == MMIO_OP_XOR ?
				     BIT(4) : 0);

		switch (op) {
		case MMIO_OP_ADD: want_res = a + b; break;
		case MMIO_OP_SUB: want_res = a - b; break;
		case MMIO_OP_AND: want_res = a & b; break;
		case MMIO_OP_OR: want_res = a | b; break;
		default: want_res = a ^ b; break;
		}
		insn = (struct mmio_insn){ .size = size, .dir = MMIO_RMW, .op = op };
		insn.value = b & mask;
		rflags = 0x202 | (unit_rand(&seed) & arith);
		got = mmio_complete_rmw(&insn, regs, a, &rflags);
		assert_int_equal(got, want_res & mask);
		assert_int_equal(rflags & care, want_f & care);
		assert_int_equal(rflags & ~arith, 0x202);
	}
}

/* Random bytes in every mode: no crash, no read past n (ASan), only the documented errors. */
/* The memory operand's effective address and segment (bytes checked with gas and objdump). */
struct eacase {
	const char *text;
	enum mmio_mode mode;
	u8 bytes[16];
	u8 n;
	u64 ea;
	enum mmio_seg seg;
	bool rip_relative;
};

#define EA(m, t, e, sg, ...) { .text = t, .mode = m, BYTES(__VA_ARGS__), .ea = e, .seg = sg }

static const struct eacase ea_cases[] = {
	EA(M64, "mov %eax,0x10(%rax,%rbx,8)", 0x10 + REG(0) + REG(3) * 8, MMIO_SEG_DS,
	   0x89, 0x44, 0xd8, 0x10),
	EA(M64, "mov %eax,-0x80(%rsp)", REG(4) - 0x80, MMIO_SEG_SS, 0x89, 0x44, 0x24, 0x80),
	EA(M64, "mov %eax,0x0(%r13)", REG(13), MMIO_SEG_DS, 0x41, 0x89, 0x45, 0x00),
	EA(M64, "mov %eax,0x8(%rbp)", REG(5) + 8, MMIO_SEG_SS, 0x89, 0x45, 0x08),
	{ .text = "mov %eax,0x1234(%rip)", .mode = M64, BYTES(0x89, 0x05, 0x34, 0x12, 0, 0),
	  .ea = 0x1234, .seg = MMIO_SEG_DS, .rip_relative = true },
	EA(M64, "mov %eax,%fs:0x20(%r12,%r9,2)", 0x20 + REG(12) + REG(9) * 2, MMIO_SEG_FS,
	   0x64, 0x43, 0x89, 0x44, 0x4c, 0x20),
	EA(M64, "mov 0x11223344,%eax", 0x11223344, MMIO_SEG_DS,
	   0x8b, 0x04, 0x25, 0x44, 0x33, 0x22, 0x11),
	EA(M64, "mov %eax,0x400(,%rcx,4)", 0x400 + REG(1) * 4, MMIO_SEG_DS,
	   0x89, 0x04, 0x8d, 0x00, 0x04, 0x00, 0x00),
	EA(M64, "addr32 mov %eax,(%eax)", R32(0), MMIO_SEG_DS, 0x67, 0x89, 0x00),
	EA(M32, "mov %eax,0x10(%ebx,%esi,4)", (u32)(REG(3) + REG(6) * 4 + 0x10), MMIO_SEG_DS,
	   0x89, 0x44, 0xb3, 0x10),
	EA(M32, "mov %eax,%es:0x5(%ebp)", (u32)(REG(5) + 5), MMIO_SEG_ES, 0x26, 0x89, 0x45, 0x05),
	EA(M32, "mov %eax,0x40000", 0x40000, MMIO_SEG_DS, 0xa3, 0x00, 0x00, 0x04, 0x00),
	EA(M16, "mov %ax,0x7(%bp,%si)", (u16)(REG(5) + REG(6) + 7), MMIO_SEG_SS, 0x89, 0x42, 0x07),
	EA(M16, "mov %ax,0x1234", 0x1234, MMIO_SEG_DS, 0xa3, 0x34, 0x12),
	EA(M16, "mov %ax,%gs:(%bx,%di)", (u16)(REG(3) + REG(7)), MMIO_SEG_GS, 0x65, 0x89, 0x01),
};

static void test_effective_address(void **state)
{
	u64 regs[MMIO_NR_REGS];

	(void)state;
	for (int i = 0; i < MMIO_NR_REGS; i++)
		regs[i] = REG(i);
	for (size_t i = 0; i < sizeof(ea_cases) / sizeof(ea_cases[0]); i++) {
		const struct eacase *c = &ea_cases[i];
		struct mmio_insn insn;

		if (mmio_decode(c->bytes, c->n, c->mode, regs, &insn))
			fail_msg("%s: not decoded", c->text);
		if (insn.ea != c->ea || insn.seg != c->seg || insn.rip_relative != c->rip_relative)
			fail_msg("%s: ea %#llx seg %d rip %d, expected %#llx seg %d rip %d", c->text,
				 (unsigned long long)insn.ea, insn.seg, insn.rip_relative,
				 (unsigned long long)c->ea, c->seg, c->rip_relative);
	}
}

static void test_garbage(void **state)
{
	static const enum mmio_mode modes[] = { M16, M32, M64 };
	u64 seed = 0xfeedface;
	u32 ok = 0;

	(void)state;
	for (u32 k = 0; k < 30000; k++) {
		u8 bytes[MMIO_INSN_MAX + 4];
		unsigned int n = unit_rand_range(&seed, 0, sizeof(bytes));
		struct mmio_insn insn;
		int r;

		for (unsigned int i = 0; i < n; i++) {
			/* Favour the bytes this decoder cares about. */
			static const u8 hot[] = { 0x66, 0x67, 0x48, 0x4d, 0x2e, 0xf0, 0x0f, 0x8b,
						  0x89, 0xc7, 0x81, 0xa1, 0x63, 0x04, 0x24, 0x05 };

			bytes[i] = unit_rand(&seed) & 1 ? hot[unit_rand(&seed) % ARRAY_SIZE(hot)] :
							  (u8)unit_rand(&seed);
		}
		r = decode(bytes, n, modes[k % 3], &insn);
		assert_true(r == 0 || r == -EINVAL || r == -ERANGE);
		if (r)
			continue;
		ok++;
		assert_true(insn.len >= 2 && insn.len <= MIN(n, MMIO_INSN_MAX));
		assert_true(insn.size == 1 || insn.size == 2 || insn.size == 4 || insn.size == 8);
		assert_true(insn.reg < MMIO_NR_REGS);
		assert_true(insn.dir != MMIO_READ || insn.reg_size);
		assert_true((insn.value & ~(insn.size == 8 ? ~0ULL : BIT(8 * insn.size) - 1)) == 0);
	}
	assert_true(ok > 1000); /* the test did reach valid instructions */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_complete_read),
		cmocka_unit_test(test_complete_rmw),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_effective_address),
	};

	return unit_run(tests);
}
