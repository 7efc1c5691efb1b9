// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: pv/vpset.c takes any VP set, in registers or in guest memory, and names only vCPUs. */
#include "fuzz.h"
#include "pv/vpset.h"

struct seen {
	u32 nr_vcpus;
	s64 count;
};

static int visit(void *ctx, u32 vcpu)
{
	struct seen *s = ctx;

	if (vcpu >= s->nr_vcpus)
		abort(); /* a vCPU the VM does not have */
	s->count++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct seen s = { (u32)(fuzz_u64(&in, 3) % 20000) + 1, 0 };
	u32 flags = (u32)fuzz_u64(&in, 4);
	u64 rsi = fuzz_u64(&in, 8), rdx = fuzz_u64(&in, 8), r10 = fuzz_u64(&in, 8);
	s64 n;
	int err;

	/* Memory-form sets point into RAM more often than not. */
	if (rsi & 1)
		rsi = (rsi >> 1) % fuzz_ram()->size;
	fuzz_fill(&in, 0);
	err = vpset_for_each(fuzz_ram(), s.nr_vcpus, flags, rsi, rdx, r10, visit, &s);
	n = vpset_count(fuzz_ram(), s.nr_vcpus, flags, rsi, rdx, r10);
	if (!err && n != s.count)
		abort(); /* counting and visiting disagree */
	if (err && n >= 0)
		abort(); /* one refused what the other took */
	return 0;
}
