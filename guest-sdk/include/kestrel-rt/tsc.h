/* SPDX-License-Identifier: MIT */
/* TSC frequency and busy-wait delays. */
#ifndef KESTREL_RT_TSC_H
#define KESTREL_RT_TSC_H

#include <kestrel-rt/types.h>

/*
 * The TSC frequency, found once at boot, first of:
 *   1. `tsc_khz=N` on the command line (a hypervisor or a user knows it best);
 *   2. CPUID leaf 0x15 when it gives the crystal frequency (SDM Vol. 2A, CPUID leaf 15H);
 *   3. PIT channel 2 gated through port 0x61, timed for 10 ms three times (median), when
 *      the port behaves like a PIT (a VM may have none);
 *   4. CPUID leaf 0x16 base frequency (nominal, SDM Vol. 2A, CPUID);
 *   5. RT_TSC_DEFAULT_KHZ, with a warning on the console.
 */
#define RT_TSC_DEFAULT_KHZ 1000000

u64 rt_tsc_hz(void);
const char *rt_tsc_hz_source(void);

u64 rt_tsc_from_us(u64 us);
u64 rt_tsc_to_us(u64 ticks);
void rt_udelay(u64 us);
void rt_mdelay(u64 ms);

#endif
