// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: hv/dev/vlapic.c takes any sequence of register accesses, MSR writes and ticks. */
#include "fuzz.h"
#include "hv/dev/vlapic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct vlapic v;
	struct vlapic_ipi ipi;
	u64 now = 0;

	if (vlapic_init(&v, (u32)fuzz_u64(&in, 2), (u32)fuzz_u64(&in, 1) % 64 + 1))
		return 0;
	vlapic_set_min_period(&v, fuzz_u64(&in, 2));
	while (in.n) {
		u32 op = (u32)fuzz_u64(&in, 1), off = (u32)fuzz_u64(&in, 2) & 0xff0;
		u64 val = fuzz_u64(&in, 8), got;
		u32 v32;

		now += fuzz_u64(&in, 2);
		switch (op % 9) {
		case 0: vlapic_mmio_write(&v, off, (u32)val, now, &ipi); break;
		case 1: vlapic_mmio_read(&v, off, now, &v32); break;
		case 2: vlapic_msr_write(&v, 0x800 + (off >> 4), val, now, &ipi); break;
		case 3: vlapic_msr_read(&v, 0x800 + (off >> 4), now, &got); break;
		case 4: vlapic_apic_base_write(&v, val); break;
		case 5: vlapic_timer_tick(&v, now); break;
		case 6: vlapic_set_irr(&v, (u8)val); break;
		case 7: if (vlapic_pending(&v) >= 0) vlapic_accept(&v, (u8)vlapic_pending(&v)); break;
		default: vlapic_eoi(&v); vlapic_cr8_write(&v, val & 0xf); break;
		}
		/* A timer never expires in the past of a tick that just ran, nor wakes when masked. */
		if (vlapic_timer_next(&v) && (v.lvt[0] & VLAPIC_LVT_MASKED))
			abort();
	}
	return 0;
}
