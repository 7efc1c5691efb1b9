// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: arch/x86/mmio_decode.c decodes any instruction bytes in any mode, and completes. */
#include "fuzz.h"
#include "arch/x86/mmio_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	enum mmio_mode mode = (enum mmio_mode)(fuzz_u64(&in, 1) % 3);
	u64 regs[16], rflags = fuzz_u64(&in, 8), old = fuzz_u64(&in, 8);
	struct mmio_insn insn;
	u8 bytes[MMIO_INSN_MAX];
	unsigned int n = in.n < sizeof(bytes) ? (unsigned int)in.n : sizeof(bytes);

	for (u32 i = 0; i < 16; i++)
		regs[i] = 0x0101010101010101ull * i;
	memcpy(bytes, in.p, n);
	if (mmio_decode(bytes, n, mode, regs, &insn))
		return 0;
	if (insn.len == 0 || insn.len > n || insn.reg > 15)
		abort(); /* a decode that claims bytes it was not given */
	if (insn.size != 1 && insn.size != 2 && insn.size != 4 && insn.size != 8)
		abort();
	if (insn.dir == MMIO_READ)
		mmio_complete_read(&insn, regs, old);
	else if (insn.dir == MMIO_RMW)
		mmio_complete_rmw(&insn, regs, old, &rflags);
	return 0;
}
