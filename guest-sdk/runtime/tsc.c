// SPDX-License-Identifier: MIT
/* The TSC frequency (the order is in tsc.h) and TSC-timed delays. */
#include "internal.h"

#define PIT_HZ			1193182	/* 8254 input clock */
#define PIT_WINDOW_HZ		100	/* time 10 ms */
#define PIT_CH2_DATA		0x42
#define PIT_COMMAND		0x43
#define PORT_61			0x61	/* bit 0: ch. 2 gate, 1: speaker, 5: OUT2 */
#define PIT_CH2_MODE0		0xb0	/* channel 2, low then high byte, mode 0, binary */
#define TSC_MAX_HZ		20000000000ull	/* bounds the wait for a silent PIT */

static u64 tsc_hz;
static const char *tsc_source = "none";

static u64 from_cpuid15(void)
{
	struct rt_cpuid r;

	if (rt_cpu_features()->max_leaf < 0x15)
		return 0;
	/* TSC = crystal (ECX) * EBX / EAX; ECX may be 0 (not enumerated), SDM Vol. 2A, CPUID. */
	r = rt_cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return rt_muldiv(r.ecx, r.ebx, r.eax);
}

static u64 from_cpuid16(void)
{
	if (rt_cpu_features()->max_leaf < 0x16)
		return 0;
	return (u64)(rt_cpuid(0x16, 0).eax & 0xffff) * 1000000;
}

/* One 10 ms PIT window in TSC ticks, or 0 when port 0x61 does not act like a PIT. */
static u64 pit_window(void)
{
	u32 latch = PIT_HZ / PIT_WINDOW_HZ;
	u8 old = rt_inb(PORT_61);
	u64 t0, t1 = 0;

	if (old == 0xff)
		return 0;	/* nothing decodes the port */
	rt_outb(PORT_61, (old & ~0x02) | 0x01);	/* gate high, speaker off */
	rt_outb(PIT_COMMAND, PIT_CH2_MODE0);
	rt_outb(PIT_CH2_DATA, latch & 0xff);
	rt_outb(PIT_CH2_DATA, latch >> 8);
	t0 = rt_rdtsc();
	/* Mode 0: OUT2 is low from the command until the count runs out (8254 data sheet). */
	if (!(rt_inb(PORT_61) & 0x20)) {
		while (!(rt_inb(PORT_61) & 0x20)) {
			if (rt_rdtsc() - t0 > TSC_MAX_HZ / PIT_WINDOW_HZ)
				break;
		}
		if (rt_inb(PORT_61) & 0x20)
			t1 = rt_rdtsc();
	}
	rt_outb(PORT_61, old & ~0x03);
	return t1 ? t1 - t0 : 0;
}

static u64 from_pit(void)
{
	u64 w[3], t;

	for (int i = 0; i < 3; i++) {
		w[i] = pit_window();
		if (!w[i])
			return 0;
	}
	/* The median: one window stretched by a host hiccup does not count. */
	if (w[0] > w[1]) {
		t = w[0];
		w[0] = w[1];
		w[1] = t;
	}
	if (w[1] > w[2])
		w[1] = w[2];
	t = w[0] > w[1] ? w[0] : w[1];
	return t * PIT_WINDOW_HZ;
}

void rt_tsc_init(void)
{
	u64 khz = rt_cmdline_u64("tsc_khz", 0);

	if (khz) {
		tsc_hz = khz * 1000;
		tsc_source = "command line";
	} else if ((tsc_hz = from_cpuid15())) {
		tsc_source = "cpuid 0x15";
	} else if ((tsc_hz = from_pit())) {
		tsc_source = "pit";
	} else if ((tsc_hz = from_cpuid16())) {
		tsc_source = "cpuid 0x16";
	} else {
		tsc_hz = (u64)RT_TSC_DEFAULT_KHZ * 1000;
		tsc_source = "default";
		rt_printf("kestrel-rt: TSC frequency unknown, assuming %u kHz (give tsc_khz=)\n",
			  RT_TSC_DEFAULT_KHZ);
	}
}

u64 rt_tsc_hz(void)
{
	return tsc_hz;
}

const char *rt_tsc_hz_source(void)
{
	return tsc_source;
}

u64 rt_tsc_from_us(u64 us)
{
	return rt_muldiv(us, tsc_hz, 1000000);
}

u64 rt_tsc_to_us(u64 ticks)
{
	return rt_muldiv(ticks, 1000000, tsc_hz);
}

void rt_udelay(u64 us)
{
	u64 start = rt_rdtsc(), ticks = rt_tsc_from_us(us);

	while (rt_rdtsc() - start < ticks)
		rt_pause();
}

void rt_mdelay(u64 ms)
{
	rt_udelay(ms * 1000);
}
