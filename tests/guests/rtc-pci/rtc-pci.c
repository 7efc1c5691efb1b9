// SPDX-License-Identifier: GPL-2.0
/* The PC's CMOS RTC (ports 0x70/0x71) and PCI configuration mechanism #1 (0xcf8/0xcfc). */
#include <kestrel-rt/rt.h>

#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define RTC_SEC		0x00
#define RTC_MIN		0x02
#define RTC_HOUR	0x04
#define RTC_MDAY	0x07
#define RTC_MON		0x08
#define RTC_YEAR	0x09
#define RTC_A		0x0a
#define RTC_B		0x0b
#define RTC_C		0x0c
#define RTC_D		0x0d
#define RTC_CENTURY	0x32	/* where PCs keep it; Kestrel's FADT names it */
#define RTC_RAM_BYTE	0x40
#define A_UIP		0x80
#define B_SET		0x80
#define B_DM_BINARY	0x04
#define B_24H		0x02
#define D_VRT		0x80
/* The MC146818A sets UIP for at most 244 + 1984 us at a time. */
#define UIP_MAX_US	2228

#define PCI_ADDRESS	0xcf8
#define PCI_DATA	0xcfc
#define PCI_ENABLE	0x80000000u

struct rtc_time {
	u32 year, mon, mday, hour, min, sec;
};

static u8 cmos_read(u8 reg)
{
	rt_outb(RTC_INDEX, reg);
	return rt_inb(RTC_DATA);
}

static void cmos_write(u8 reg, u8 v)
{
	rt_outb(RTC_INDEX, reg);
	rt_outb(RTC_DATA, v);
}

static u32 bcd(u8 v)
{
	return (v >> 4) * 10u + (v & 0xf);
}

static u64 us_to_tsc(u64 us)
{
	return rt_tsc_hz() / 1000000 * us;
}

/*
 * The time as the data sheet says to read it: wait for UIP clear, then read. Returns how many
 * reads of register A that took, 0 if UIP stayed set past UIP_MAX_US (no RTC, or a broken one).
 */
static u32 rtc_read(struct rtc_time *t)
{
	u64 deadline = rt_rdtsc() + us_to_tsc(UIP_MAX_US) * 2;
	u32 polls = 1;

	while (cmos_read(RTC_A) & A_UIP) {
		if (rt_rdtsc() > deadline)
			return 0;
		polls++;
	}
	t->sec = bcd(cmos_read(RTC_SEC));
	t->min = bcd(cmos_read(RTC_MIN));
	t->hour = bcd(cmos_read(RTC_HOUR));
	t->mday = bcd(cmos_read(RTC_MDAY));
	t->mon = bcd(cmos_read(RTC_MON));
	t->year = bcd(cmos_read(RTC_CENTURY)) * 100 + bcd(cmos_read(RTC_YEAR));
	return polls;
}

static u32 seconds_of_day(const struct rtc_time *t)
{
	return t->hour * 3600 + t->min * 60 + t->sec;
}

/* Two reads a second of guest time apart (TSC) differ by a second, two at most. */
static void test_rtc_time(void)
{
	struct rtc_time a, b;
	u32 polls, d;

	rt_test_begin("rtc-time");
	rt_check(cmos_read(RTC_D) & D_VRT, "register D %#x: VRT clear", cmos_read(RTC_D));
	rt_check((cmos_read(RTC_B) & (B_24H | B_DM_BINARY | B_SET)) == B_24H,
		 "register B %#x: not BCD, 24-hour, running as a PC's firmware leaves it",
		 cmos_read(RTC_B));
	polls = rtc_read(&a);
	rt_check(polls, "UIP stayed set for more than %u us", 2 * UIP_MAX_US);
	rt_printf("rtc-pci: rtc %04u-%02u-%02u %02u:%02u:%02u (UIP polled %u times)\n", a.year,
		  a.mon, a.mday, a.hour, a.min, a.sec, polls);
	rt_check(a.year >= 2024 && a.year <= 2099 && a.mon >= 1 && a.mon <= 12 && a.mday >= 1 &&
		 a.mday <= 31 && a.hour < 24 && a.min < 60 && a.sec < 60,
		 "the date read is no date of this century from 2024");
	rt_udelay(1000000);
	rtc_read(&b);
	d = (seconds_of_day(&b) + 86400 - seconds_of_day(&a)) % 86400;
	rt_printf("rtc-pci: a guest second later: %02u:%02u:%02u, %u s on\n", b.hour, b.min,
		  b.sec, d);
	rt_check(d >= 1 && d <= 2, "the RTC went on %u s in one second of TSC time", d);
	rt_test_end();
}

/* UIP is set briefly before each update: never longer than the data sheet's 2228 us. */
static void test_rtc_uip(void)
{
	u64 start = rt_rdtsc(), end = start + us_to_tsc(1500000), set_at = 0, longest = 0, now;
	u32 sec = cmos_read(RTC_SEC), changes = 0, windows = 0;

	rt_test_begin("rtc-uip");
	while ((now = rt_rdtsc()) < end) {
		bool uip = cmos_read(RTC_A) & A_UIP;

		if (uip && !set_at) {
			set_at = now;
			windows++;
		} else if (!uip && set_at) {
			longest = now - set_at > longest ? now - set_at : longest;
			set_at = 0;
		}
		if (!uip && cmos_read(RTC_SEC) != sec) {
			sec = cmos_read(RTC_SEC);
			changes++;
		}
	}
	rt_printf("rtc-pci: in 1.5 s UIP was seen set %u times, at most %lu TSC ticks; the "
		  "seconds changed %u times\n", windows, longest, changes);
	rt_check(changes >= 1 && changes <= 2, "the seconds changed %u times in 1.5 s", changes);
	rt_check(longest <= us_to_tsc(UIP_MAX_US) * 2, "UIP set for %lu ticks", longest);
	rt_test_end();
}

/* CMOS RAM keeps what is written; register C reads clear; SET stops the clock to set it. */
static void test_rtc_registers(void)
{
	struct rtc_time t;
	u8 b = cmos_read(RTC_B), keep = cmos_read(RTC_RAM_BYTE);

	rt_test_begin("rtc-registers");
	cmos_write(RTC_RAM_BYTE, 0xa5);
	rt_check(cmos_read(RTC_RAM_BYTE) == 0xa5, "CMOS RAM byte %#x reads %#x", RTC_RAM_BYTE,
		 cmos_read(RTC_RAM_BYTE));
	cmos_write(RTC_RAM_BYTE, keep);
	cmos_read(RTC_C);
	rt_check((cmos_read(RTC_C) & 0x80) == 0, "register C: IRQF with no interrupt enabled");
	cmos_write(RTC_B, b | B_SET);
	cmos_write(RTC_CENTURY, 0x20);
	cmos_write(RTC_YEAR, 0x30);
	cmos_write(RTC_MON, 0x12);
	cmos_write(RTC_MDAY, 0x31);
	cmos_write(RTC_HOUR, 0x23);
	cmos_write(RTC_MIN, 0x59);
	cmos_write(RTC_SEC, 0x59);
	rt_udelay(1100000); /* stopped: still 23:59:59 */
	rtc_read(&t);
	rt_check(t.sec == 59 && t.year == 2030, "with SET: %04u %02u:%02u:%02u", t.year, t.hour,
		 t.min, t.sec);
	cmos_write(RTC_B, b);
	rt_udelay(1100000);
	rtc_read(&t);
	rt_printf("rtc-pci: set to 2030-12-31 23:59:59, then %04u-%02u-%02u %02u:%02u:%02u\n",
		  t.year, t.mon, t.mday, t.hour, t.min, t.sec);
	rt_check(t.year == 2031 && t.mon == 1 && t.mday == 1 && t.hour == 0 && t.min == 0 &&
		 t.sec <= 2, "the new year did not come a second after 2030-12-31 23:59:59");
	rt_test_end();
}

static u32 pci_read(u32 bus, u32 dev, u32 fn, u32 reg)
{
	rt_outl(PCI_ADDRESS, PCI_ENABLE | bus << 16 | dev << 11 | fn << 8 | reg);
	return rt_inl(PCI_DATA);
}

/* Mechanism #1 as Linux probes it, and the host bridge at 00:00.0. */
static void test_pci(void)
{
	u32 id, class;

	rt_test_begin("pci-host-bridge");
	rt_outl(PCI_ADDRESS, PCI_ENABLE);
	rt_check(rt_inl(PCI_ADDRESS) == PCI_ENABLE, "CONFIG_ADDRESS reads %#x, wrote %#x",
		 rt_inl(PCI_ADDRESS), PCI_ENABLE);
	id = pci_read(0, 0, 0, 0x00);
	class = pci_read(0, 0, 0, 0x08) >> 8;
	rt_printf("rtc-pci: pci 00:00.0 [%04x:%04x] class %06x\n", id & 0xffff, id >> 16, class);
	rt_check((id & 0xffff) != 0xffff, "no device at 00:00.0");
	rt_check(class == 0x060000, "00:00.0 is class %06x, not a host bridge", class);
	rt_outl(PCI_ADDRESS, PCI_ENABLE | 2);
	rt_check(rt_inb(PCI_DATA + 2) == ((id >> 16) & 0xff), "byte read at 0xcfe");
	rt_check(pci_read(0, 31, 7, 0) == 0xffffffffu, "00:1f.7 answers %#x",
		 pci_read(0, 31, 7, 0));
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	(void)boot;
	test_rtc_time();
	test_rtc_uip();
	test_rtc_registers();
	test_pci();
}
