// SPDX-License-Identifier: GPL-2.0
/* The host's CMOS RTC, read once at boot: the time of day the VMs' clocks start from. */
#include "arch/x86/rtc.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "lib/calendar.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define REG_A 0x0a
#define REG_B 0x0b
#define A_UIP 0x80
#define B_DM_BINARY 0x04
#define B_24H 0x02
/* UIP is set for at most 244 + 1984 us at a time (MC146818A data sheet): longer means none. */
#define UIP_WAIT_US 10000

struct rtc_boot_time rtc_boot_time;

static u8 cmos_read(u8 reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static u32 from_bcd(u8 v, bool binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 0xf);
}

int rtc_read_boot_time(u8 century_index)
{
	u64 deadline = rdtsc() + timer_us_to_tsc(UIP_WAIT_US), flags;
	u8 sec, min, hour, mday, mon, year, cent = 0, b;
	u32 h, y;
	bool binary;
	struct cal_date d;

	rtc_boot_time.unix_seconds = 946684800; /* 2000-01-01 00:00:00 until the RTC says */
	rtc_boot_time.tsc = rdtsc();
	/*
	 * The data sheet's rule: once UIP reads 0, the time bytes stay put for at least 244 us,
	 * which reading seven bytes takes far less than, with interrupts off.
	 */
	flags = irq_save();
	while (cmos_read(REG_A) & A_UIP) {
		if (rdtsc() > deadline) {
			irq_restore(flags);
			return -ENODEV;
		}
	}
	sec = cmos_read(0x00);
	min = cmos_read(0x02);
	hour = cmos_read(0x04);
	mday = cmos_read(0x07);
	mon = cmos_read(0x08);
	year = cmos_read(0x09);
	if (century_index >= 0x0e && century_index < 0x80)
		cent = cmos_read(century_index);
	b = cmos_read(REG_B);
	rtc_boot_time.tsc = rdtsc();
	irq_restore(flags);

	binary = b & B_DM_BINARY;
	h = from_bcd(hour & 0x7f, binary);
	if (!(b & B_24H))
		h = h % 12 + (hour & 0x80 ? 12 : 0); /* 12 AM is 0, 12 PM is 12 */
	y = from_bcd(year, binary);
	y += century_index ? from_bcd(cent, binary) * 100 : y < 70 ? 2000 : 1900;
	d = (struct cal_date){ y, from_bcd(mon, binary), from_bcd(mday, binary) };
	if (from_bcd(sec, binary) > 59 || from_bcd(min, binary) > 59 || h > 23 || d.mon < 1 ||
	    d.mon > 12 || d.mday < 1 || d.mday > 31 || y > 9999)
		return -ENODEV;
	rtc_boot_time.unix_seconds = cal_days_from_date(&d) * 86400 + h * 3600 +
				     from_bcd(min, binary) * 60 + from_bcd(sec, binary);
	rtc_boot_time.valid = true;
	return 0;
}
