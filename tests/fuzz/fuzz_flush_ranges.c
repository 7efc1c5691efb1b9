// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: pv/flush_ranges.c reads any range list, keeps only safe ranges, merges in bounds. */
#include "fuzz.h"
#include "pv/flush_ranges.h"

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	u64 gpa = fuzz_u64(&in, 3) % (fuzz_ram()->size + 64);
	u32 nr = (u32)fuzz_u64(&in, 1);
	static struct flush_ranges fr, merged;

	fuzz_fill(&in, 0);
	if (flush_ranges_read(fuzz_ram(), gpa, nr, &fr))
		return 0;
	if (fr.nr == 0 || fr.nr > KESTREL_FLUSH_MAX_RANGES)
		abort();
	for (u32 i = 0; i < fr.nr; i++) {
		u64 a = fr.r[i].addr, last = a + (fr.r[i].pages - 1) * 4096;

		if ((a & 0xfff) || !fr.r[i].pages || !canonical(a) || !canonical(last) || last < a)
			abort(); /* a range a per-page INVVPID would fault on */
	}
	merged = fr;
	if (flush_ranges_merge(&merged, &fr) && merged.nr > KESTREL_FLUSH_MAX_RANGES)
		abort();
	flush_ranges_prefer_full(&merged);
	return 0;
}
