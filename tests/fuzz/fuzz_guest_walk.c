// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: mm/guest_walk.c walks any guest page tables in any paging mode without leaving RAM. */
#include "fuzz.h"
#include "mm/guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct guest_walk_cpu cpu = {
		.cr0 = fuzz_u64(&in, 4), .cr3 = fuzz_u64(&in, 8) % fuzz_ram()->size,
		.cr4 = fuzz_u64(&in, 4), .efer = fuzz_u64(&in, 2),
		.maxphyaddr = (u8)fuzz_u64(&in, 1),
	};
	u64 la = fuzz_u64(&in, 8), gpa;
	u32 access = (u32)fuzz_u64(&in, 1);
	struct guest_walk_fault pf;
	u8 buf[16];

	fuzz_fill(&in, 0);
	/* A translation may name any address; the reader then checks that it is RAM. */
	guest_walk_translate(fuzz_ram(), &cpu, la, access, &gpa, &pf);
	guest_walk_read(fuzz_ram(), &cpu, la, access, buf, sizeof(buf), &pf);
	return 0;
}
