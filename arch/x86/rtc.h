/* SPDX-License-Identifier: GPL-2.0 */
/* The host's CMOS RTC, read once at boot: the time of day the VMs' clocks start from. */
#ifndef KESTREL_ARCH_X86_RTC_H
#define KESTREL_ARCH_X86_RTC_H

#include "lib/types.h"

struct rtc_boot_time {
	bool valid; /* false: no RTC answered, the clocks start at 2000-01-01 00:00:00 */
	s64 unix_seconds; /* the RTC's time as UTC, seconds since 1970-01-01 00:00:00 */
	u64 tsc; /* when it was read */
};

extern struct rtc_boot_time rtc_boot_time;

/*
 * Reads the host's RTC into rtc_boot_time (the TSC must be calibrated). century_index: the
 * FADT's CENTURY field (0: none, years 70-99 are 19xx and the rest 20xx). Returns 0, or -ENODEV
 * if there is no RTC or what it says is no date.
 */
int rtc_read_boot_time(u8 century_index);

#endif
