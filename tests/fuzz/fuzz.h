/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the libFuzzer targets: a small guest RAM of host memory, and taking bytes in turn. */
#ifndef KESTREL_TESTS_FUZZ_H
#define KESTREL_TESTS_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/types.h"
#include "mm/guest_mem.h"

#define FUZZ_RAM_CHUNKS 2

/* Guest RAM: FUZZ_RAM_CHUNKS chunks of 2 MiB at guest-physical 0, in reverse host order. */
static inline struct guest_mem *fuzz_ram(void)
{
	static u64 chunks[FUZZ_RAM_CHUNKS];
	static struct guest_mem gm;
	static u8 *mem;

	if (!mem) {
		mem = aligned_alloc(GMEM_CHUNK_SIZE, FUZZ_RAM_CHUNKS * GMEM_CHUNK_SIZE);
		if (!mem)
			abort();
		for (u32 i = 0; i < FUZZ_RAM_CHUNKS; i++)
			chunks[i] = (u64)(uintptr_t)(mem + (FUZZ_RAM_CHUNKS - 1 - i) * GMEM_CHUNK_SIZE);
		gm = (struct guest_mem){ .size = FUZZ_RAM_CHUNKS * GMEM_CHUNK_SIZE,
					 .nr_chunks = FUZZ_RAM_CHUNKS, .chunks = chunks };
	}
	return &gm;
}

/* The fuzzer's bytes, taken in turn; past the end, zeros. */
struct fuzz_input {
	const u8 *p;
	size_t n;
};

/*
 * Little-endian, as the host is. One copy rather than a loop over the bytes, so the harness adds
 * no edges of its own to the coverage that guides the fuzzer.
 * @pre bytes <= 8
 */
static inline u64 fuzz_u64(struct fuzz_input *in, u32 bytes)
{
	size_t take = in->n < bytes ? in->n : bytes;
	u64 v = 0;

	memcpy(&v, in->p, take);
	in->p += take;
	in->n -= take;
	return v;
}

/* The rest of the input, copied to guest-physical gpa (as much as fits in RAM). */
static inline void fuzz_fill(struct fuzz_input *in, u64 gpa)
{
	static u64 dirty_start, dirty_len; /* what the last input wrote: zeroed again, no more */
	struct guest_mem *gm = fuzz_ram();
	u64 len = in->n < gm->size - gpa ? in->n : gm->size - gpa;

	gmem_zero(gm, dirty_start, dirty_len);
	gmem_write(gm, gpa, in->p, len);
	dirty_start = gpa;
	dirty_len = len;
}

#endif
