// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the platform devices a guest drives through ports and MMIO (hv/dev/vioapic.c,
 * vpic.c, vpit.c, vrtc.c, vpci.c) take any sequence of accesses, input lines and time steps.
 */
#include "fuzz.h"
#include "hv/dev/vioapic.h"
#include "hv/dev/vpci.h"
#include "hv/dev/vpic.h"
#include "hv/dev/vpit.h"
#include "hv/dev/vrtc.h"

#define TSC_HZ 10000000ull
#define PIT_FLOOR (TSC_HZ / 5000) /* 200 us */

static bool deliver(void *ctx, const struct vioapic_msg *m)
{
	(void)m;
	return *(bool *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	static struct vioapic io;
	static struct vpic pic;
	static struct vpit pit;
	static struct vrtc rtc;
	static struct vpci pci;
	bool taken = true;
	u64 now = fuzz_u64(&in, 4), last_fire = 0;

	vioapic_init(&io, 0, deliver, &taken);
	vpic_init(&pic);
	if (vpit_init(&pit, TSC_HZ, PIT_FLOOR))
		return 0;
	vrtc_init(&rtc, (s64)fuzz_u64(&in, 5), now, TSC_HZ);
	vpci_init(&pci);
	while (in.n) {
		u32 op = (u32)fuzz_u64(&in, 1), where = (u32)fuzz_u64(&in, 2);
		u32 val = (u32)fuzz_u64(&in, 4), width = 1u << (fuzz_u64(&in, 1) % 3);

		now += fuzz_u64(&in, 2);
		switch (op % 12) {
		case 0: vioapic_mmio_write(&io, where & 0x3fc, val); break;
		case 1: vioapic_mmio_read(&io, where & 0x3fc); break;
		case 2: taken = val & 1; vioapic_set_irq(&io, where % 32, val & 2); break;
		case 3: vioapic_eoi(&io, (u8)val); break;
		case 4: vpic_write(&pic, (u16)where, (u8)val); vpic_set_irq(&pic, where % 20, val & 1);
			break;
		case 5: vpic_read(&pic, (u16)where); if (vpic_output(&pic)) vpic_intack(&pic); break;
		case 6: vpit_write(&pit, (u16)(0x40 + where % 4), (u8)val, now); break;
		case 7: vpit_read(&pit, (u16)(0x40 + where % 4), now); vpit_read(&pit, 0x61, now);
			vpit_write(&pit, 0x61, (u8)val, now); break;
		case 8:
			/* IRQ 0's rising edges come no closer than the floor, whatever was programmed. */
			if (vpit_timer_tick(&pit, now)) {
				if (last_fire && now - last_fire < PIT_FLOOR)
					abort();
				last_fire = now;
			}
			break;
		case 9: vrtc_write(&rtc, (u16)(0x70 + where % 2), width, val, now);
			vrtc_irq_asserted(&rtc, now); break;
		case 10: vrtc_read(&rtc, (u16)(0x70 + where % 2), width, now);
			vrtc_unix_seconds(&rtc, now); break;
		default:
			if (val & 1)
				vpci_write(&pci, (u16)(0xcf8 + where % 8), width, val);
			else
				vpci_read(&pci, (u16)(0xcf8 + where % 8), width);
			break;
		}
	}
	return 0;
}
