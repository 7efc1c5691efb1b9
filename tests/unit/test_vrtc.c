// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vrtc.c: a VM's MC146818A, its formats, calendar, UIP timing and flags. */
#include "unit.h"
#include "hv/dev/vrtc.h"

#define HZ 10000000ULL /* Bochs's TSC rate under Kestrel */
#define T0 1000000000ULL /* the TSC at which the clock was set */
#define SUNDAY_2026_03_15_134530 1773582330 /* date -u -d '2026-03-15 13:45:30' +%s */
#define UIP_TICKS (HZ * 244 / 1000000)

static struct vrtc r;

static void wr(u8 reg, u8 v, u64 now)
{
	vrtc_write(&r, VRTC_PORT_INDEX, 1, reg, now);
	vrtc_write(&r, VRTC_PORT_DATA, 1, v, now);
}

static u8 rd(u8 reg, u64 now)
{
	vrtc_write(&r, VRTC_PORT_INDEX, 1, reg, now);
	return (u8)vrtc_read(&r, VRTC_PORT_DATA, 1, now);
}

/* The clock's date and time bytes, as a guest reads them, against the expected ones. */
static void expect_time(u64 now, u8 cent, u8 year, u8 mon, u8 mday, u8 hour, u8 min, u8 sec)
{
	assert_int_equal(rd(VRTC_CENTURY, now), cent);
	assert_int_equal(rd(VRTC_YEAR, now), year);
	assert_int_equal(rd(VRTC_MONTH, now), mon);
	assert_int_equal(rd(VRTC_MDAY, now), mday);
	assert_int_equal(rd(VRTC_HOURS, now), hour);
	assert_int_equal(rd(VRTC_MINUTES, now), min);
	assert_int_equal(rd(VRTC_SECONDS, now), sec);
}

/* Sets the time as Linux's mc146818_set_time does: SET, the bytes, SET clear. */
static void set_time(u64 now, u8 cent, u8 year, u8 mon, u8 mday, u8 hour, u8 min, u8 sec)
{
	u8 b = rd(VRTC_REG_B, now);

	wr(VRTC_REG_B, b | VRTC_B_SET, now);
	wr(VRTC_CENTURY, cent, now);
	wr(VRTC_YEAR, year, now);
	wr(VRTC_MONTH, mon, now);
	wr(VRTC_MDAY, mday, now);
	wr(VRTC_HOURS, hour, now);
	wr(VRTC_MINUTES, min, now);
	wr(VRTC_SECONDS, sec, now);
	wr(VRTC_REG_B, b & ~VRTC_B_SET, now);
}

static void setup(void)
{
	vrtc_init(&r, SUNDAY_2026_03_15_134530, T0, HZ);
}

static void test_power_on_state(void **state)
{
	(void)state;
	setup();
	expect_time(T0, 0x20, 0x26, 0x03, 0x15, 0x13, 0x45, 0x30);
	assert_int_equal(rd(VRTC_WEEKDAY, T0), 1); /* Sunday */
	assert_int_equal(rd(VRTC_REG_A, T0), 0x26); /* 32.768 kHz, 1024 Hz, UIP clear */
	assert_int_equal(rd(VRTC_REG_B, T0), VRTC_B_24H); /* BCD, 24-hour, no interrupts */
	assert_int_equal(rd(VRTC_REG_C, T0), 0);
	assert_int_equal(rd(VRTC_REG_D, T0), VRTC_D_VRT);
	assert_int_equal(vrtc_unix_seconds(&r, T0), SUNDAY_2026_03_15_134530);
	/* Port 0x70 is write-only on a PC. */
	assert_int_equal(vrtc_read(&r, VRTC_PORT_INDEX, 1, T0), 0xff);
}

static void test_binary_and_12_hour(void **state)
{
	(void)state;
	setup();
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_DM_BINARY, T0);
	expect_time(T0, 20, 26, 3, 15, 13, 45, 30);
	wr(VRTC_REG_B, VRTC_B_DM_BINARY, T0); /* 12-hour, binary: 1 PM */
	assert_int_equal(rd(VRTC_HOURS, T0), 0x80 | 1);
	wr(VRTC_REG_B, 0, T0); /* 12-hour, BCD */
	assert_int_equal(rd(VRTC_HOURS, T0), 0x81);
	/* Noon and midnight are 12 PM and 12 AM, written and read in 12-hour form. */
	set_time(T0, 0x20, 0x26, 0x03, 0x15, 0x92, 0x00, 0x00);
	assert_int_equal(rd(VRTC_HOURS, T0), 0x92);
	wr(VRTC_REG_B, VRTC_B_24H, T0);
	assert_int_equal(rd(VRTC_HOURS, T0), 0x12);
	wr(VRTC_REG_B, 0, T0);
	set_time(T0, 0x20, 0x26, 0x03, 0x15, 0x12, 0x00, 0x00);
	wr(VRTC_REG_B, VRTC_B_24H, T0);
	assert_int_equal(rd(VRTC_HOURS, T0), 0x00);
	/* 11:59:59 PM becomes 12:00:00 AM of the next day. */
	wr(VRTC_REG_B, VRTC_B_DM_BINARY, T0);
	set_time(T0, 20, 26, 3, 15, 0x80 | 11, 59, 59);
	expect_time(T0 + HZ, 20, 26, 3, 16, 12, 0, 0);
	/* 11:59:59 AM becomes 12:00:00 PM. */
	set_time(T0 + HZ, 20, 26, 3, 16, 11, 59, 59);
	expect_time(T0 + 2 * HZ, 20, 26, 3, 16, 0x80 | 12, 0, 0);
}

static void test_counts_in_tsc_time(void **state)
{
	(void)state;
	setup();
	expect_time(T0 + HZ - 1, 0x20, 0x26, 0x03, 0x15, 0x13, 0x45, 0x30);
	expect_time(T0 + HZ, 0x20, 0x26, 0x03, 0x15, 0x13, 0x45, 0x31);
	expect_time(T0 + 30 * HZ, 0x20, 0x26, 0x03, 0x15, 0x13, 0x46, 0x00);
	/* An hour and a day later, without a look in between. */
	expect_time(T0 + (30 + 3600 + 86400) * HZ, 0x20, 0x26, 0x03, 0x16, 0x14, 0x46, 0x00);
	assert_int_equal(rd(VRTC_WEEKDAY, T0 + (30 + 3600 + 86400) * HZ), 2);
	assert_int_equal(vrtc_unix_seconds(&r, T0 + (30 + 3600 + 86400) * HZ),
			 SUNDAY_2026_03_15_134530 + 30 + 3600 + 86400);
	/* A TSC a little behind (another pCPU's) never takes the clock back. */
	expect_time(T0 + 5 * HZ, 0x20, 0x26, 0x03, 0x16, 0x14, 0x46, 0x00);
}

struct rollover {
	u8 cent, year, mon, mday; /* 23:59:59 on this day (BCD)... */
	u8 next_cent, next_year, next_mon, next_mday; /* ...is followed by midnight on this one */
};

static void test_rollover(void **state)
{
	static const struct rollover cases[] = {
		{ 0x20, 0x26, 0x03, 0x15, 0x20, 0x26, 0x03, 0x16 },
		{ 0x20, 0x26, 0x01, 0x31, 0x20, 0x26, 0x02, 0x01 },
		{ 0x20, 0x26, 0x04, 0x30, 0x20, 0x26, 0x05, 0x01 },
		{ 0x20, 0x26, 0x02, 0x28, 0x20, 0x26, 0x03, 0x01 }, /* 2026: not leap */
		{ 0x20, 0x24, 0x02, 0x28, 0x20, 0x24, 0x02, 0x29 }, /* 2024: leap */
		{ 0x20, 0x24, 0x02, 0x29, 0x20, 0x24, 0x03, 0x01 },
		{ 0x20, 0x00, 0x02, 0x28, 0x20, 0x00, 0x02, 0x29 }, /* 2000: leap (every 400) */
		{ 0x21, 0x00, 0x02, 0x28, 0x21, 0x00, 0x03, 0x01 }, /* 2100: not (every 100) */
		{ 0x19, 0x99, 0x12, 0x31, 0x20, 0x00, 0x01, 0x01 },
		{ 0x20, 0x99, 0x12, 0x31, 0x21, 0x00, 0x01, 0x01 },
		{ 0x99, 0x99, 0x12, 0x31, 0x00, 0x00, 0x01, 0x01 }, /* after 9999: year 0 */
		{ 0x20, 0x26, 0x04, 0x31, 0x20, 0x26, 0x05, 0x02 }, /* 31 April is 1 May */
	};
	u64 now = T0;

	(void)state;
	setup();
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct rollover *c = &cases[i];
		u8 wday;

		set_time(now, c->cent, c->year, c->mon, c->mday, 0x23, 0x59, 0x59);
		wday = rd(VRTC_WEEKDAY, now);
		expect_time(now + HZ - 1, c->cent, c->year, c->mon, c->mday, 0x23, 0x59, 0x59);
		now += HZ;
		expect_time(now, c->next_cent, c->next_year, c->next_mon, c->next_mday, 0, 0, 0);
		assert_int_equal(rd(VRTC_WEEKDAY, now), wday % 7 + 1);
	}
}

/* UIP: set for the 244 us before each update, never while SET stops the clock. */
static void test_uip_window(void **state)
{
	u64 update = T0 + 7 * HZ;

	(void)state;
	setup();
	assert_int_equal(rd(VRTC_REG_A, update - UIP_TICKS - 1) & VRTC_A_UIP, 0);
	assert_int_equal(rd(VRTC_SECONDS, update - UIP_TICKS - 1), 0x36);
	assert_int_equal(rd(VRTC_REG_A, update - UIP_TICKS) & VRTC_A_UIP, VRTC_A_UIP);
	assert_int_equal(rd(VRTC_REG_A, update - 1), 0x26 | VRTC_A_UIP);
	assert_int_equal(rd(VRTC_REG_A, update) & VRTC_A_UIP, 0);
	assert_int_equal(rd(VRTC_SECONDS, update), 0x37);
	/* SET: no update, no UIP, and UIE is cleared as SET is set. */
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, update);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE | VRTC_B_SET, update);
	assert_int_equal(rd(VRTC_REG_B, update), VRTC_B_24H | VRTC_B_SET);
	assert_int_equal(rd(VRTC_REG_A, update + HZ - 1) & VRTC_A_UIP, 0);
	assert_int_equal(rd(VRTC_SECONDS, update + 3 * HZ), 0x37);
	/* SET clear: the divider kept its phase, the next update is at the next second. */
	wr(VRTC_REG_B, VRTC_B_24H, update + 3 * HZ + HZ / 2);
	assert_int_equal(rd(VRTC_REG_A, update + 4 * HZ - 1) & VRTC_A_UIP, VRTC_A_UIP);
	assert_int_equal(rd(VRTC_SECONDS, update + 4 * HZ), 0x38);
}

/*
 * Linux's mc146818_avoid_UIP: read the seconds, then register A, every 100 us while UIP is
 * set. From any point of a second it must be done within a few reads.
 */
static void test_linux_read_loop(void **state)
{
	(void)state;
	for (u64 start = T0; start < T0 + HZ; start += HZ / 100 + 7) {
		u64 now = start;
		u32 tries = 0;

		setup();
		for (;;) {
			tries++;
			rd(VRTC_SECONDS, now);
			if (!(rd(VRTC_REG_A, now) & VRTC_A_UIP))
				break;
			now += HZ / 10000;
		}
		assert_true(tries <= 4);
	}
}

/* Divider reset (DV 11x) stops the clock; the first update comes 500 ms after it ends. */
static void test_divider_reset(void **state)
{
	u64 now = T0 + HZ / 4;

	(void)state;
	setup();
	wr(VRTC_REG_A, 0x76, now);
	assert_int_equal(rd(VRTC_SECONDS, now + 10 * HZ), 0x30);
	assert_int_equal(rd(VRTC_REG_A, now + 10 * HZ), 0x76);
	now += 10 * HZ;
	wr(VRTC_REG_A, 0x26, now);
	assert_int_equal(rd(VRTC_SECONDS, now + HZ / 2 - 1), 0x30);
	assert_int_equal(rd(VRTC_SECONDS, now + HZ / 2), 0x31);
}

static void test_register_c(void **state)
{
	u64 now = T0 + HZ;

	(void)state;
	setup();
	wr(VRTC_REG_A, 0x20, T0); /* no periodic rate: only UF and AF */
	assert_int_equal(rd(VRTC_REG_C, now), VRTC_C_UF); /* set whatever UIE says */
	assert_int_equal(rd(VRTC_REG_C, now), 0); /* cleared on read */
	assert_false(vrtc_irq_asserted(&r, now));
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, now);
	now += HZ;
	assert_true(vrtc_irq_asserted(&r, now)); /* IRQ 8 would be raised... */
	assert_int_equal(rd(VRTC_REG_C, now), VRTC_C_IRQF | VRTC_C_UF);
	assert_false(vrtc_irq_asserted(&r, now)); /* ...until register C is read */
	/* Read-only: C and D ignore writes. */
	wr(VRTC_REG_C, 0xff, now);
	wr(VRTC_REG_D, 0x00, now);
	assert_int_equal(rd(VRTC_REG_C, now), 0);
	assert_int_equal(rd(VRTC_REG_D, now), VRTC_D_VRT);
}

static void test_alarm(void **state)
{
	u64 now = T0;

	(void)state;
	setup();
	wr(VRTC_REG_A, 0x20, now);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_AIE, now);
	wr(VRTC_HOURS_ALARM, 0x13, now);
	wr(VRTC_MINUTES_ALARM, 0x45, now);
	wr(VRTC_SECONDS_ALARM, 0x35, now);
	assert_int_equal(rd(VRTC_REG_C, now + 4 * HZ), VRTC_C_UF);
	assert_false(vrtc_irq_asserted(&r, now + 4 * HZ));
	assert_true(vrtc_irq_asserted(&r, now + 5 * HZ));
	assert_int_equal(rd(VRTC_REG_C, now + 5 * HZ), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);
	/* Passed over while nobody looked, two days later: still seen. */
	now += 5 * HZ + 2 * 86400 * HZ;
	assert_int_equal(rd(VRTC_REG_C, now), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);
	/* Don't-care bytes (11xxxxxx): every second matches. */
	wr(VRTC_HOURS_ALARM, 0xc0, now);
	wr(VRTC_MINUTES_ALARM, 0xff, now);
	wr(VRTC_SECONDS_ALARM, 0xc3, now);
	assert_int_equal(rd(VRTC_REG_C, now + HZ), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);
	/* The alarm bytes read back as written. */
	assert_int_equal(rd(VRTC_SECONDS_ALARM, now + HZ), 0xc3);
}

static void test_periodic(void **state)
{
	u64 period = HZ / 1024; /* RS 0110: 1024 Hz */

	(void)state;
	setup();
	assert_int_equal(rd(VRTC_REG_C, T0 + period / 2), 0);
	assert_int_equal(rd(VRTC_REG_C, T0 + period + 1), VRTC_C_PF);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE, T0 + period + 1);
	assert_false(vrtc_irq_asserted(&r, T0 + period + 2));
	assert_true(vrtc_irq_asserted(&r, T0 + 2 * period + 1));
	assert_int_equal(rd(VRTC_REG_C, T0 + 2 * period + 1), VRTC_C_IRQF | VRTC_C_PF);
	/* RS 0000: no periodic flag. */
	wr(VRTC_REG_A, 0x20, T0 + 2 * period + 1);
	assert_int_equal(rd(VRTC_REG_C, T0 + 20 * period), 0);
}

static void test_cmos_ram(void **state)
{
	(void)state;
	setup();
	for (u32 i = VRTC_RAM_FIRST; i < 128; i++)
		if (i != VRTC_CENTURY)
			wr((u8)i, (u8)(i ^ 0x5a), T0);
	for (u32 i = VRTC_RAM_FIRST; i < 128; i++)
		if (i != VRTC_CENTURY)
			assert_int_equal(rd((u8)i, T0), (u8)(i ^ 0x5a));
	/* Bit 7 of the index is the NMI mask, not part of the register number. */
	vrtc_write(&r, VRTC_PORT_INDEX, 1, 0x80 | 0x40, T0);
	assert_int_equal(vrtc_read(&r, VRTC_PORT_DATA, 1, T0), 0x40 ^ 0x5a);
	vrtc_write(&r, VRTC_PORT_DATA, 1, 0x11, T0);
	assert_int_equal(rd(0x40, T0), 0x11);
	/* A word OUT to 0x70 writes the index, then the data. */
	vrtc_write(&r, VRTC_PORT_INDEX, 2, 0x2200 | 0x41, T0);
	assert_int_equal(rd(0x41, T0), 0x22);
	assert_int_equal(vrtc_read(&r, VRTC_PORT_INDEX, 2, T0), 0x22ff);
	/* A byte past 0x71 is not the RTC's. */
	assert_int_equal(vrtc_read(&r, VRTC_PORT_DATA, 4, T0), 0xffffff22);
	/* Counted for the statistics: every byte at 0x70 written, every byte at 0x71. */
	assert_int_equal(r.index_writes, 2 * (128 - VRTC_RAM_FIRST - 1) + 1 + 1 + 1 + 1);
	assert_int_equal(r.data_accesses, 2 * (128 - VRTC_RAM_FIRST - 1) + 7);
}

/* What a hostile guest writes into the time bytes: clamped, read back in range, still counting. */
static void test_garbage(void **state)
{
	(void)state;
	setup();
	set_time(T0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	expect_time(T0, 0x99, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
	expect_time(T0 + HZ, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);
	set_time(T0 + HZ, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_time(T0 + HZ, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);
	wr(VRTC_WEEKDAY, 0, T0 + HZ);
	assert_int_equal(rd(VRTC_WEEKDAY, T0 + HZ), 1);
	/* Digits past 9 count as their value: 0x1a is 20 minutes. */
	wr(VRTC_MINUTES, 0x1a, T0 + HZ);
	assert_int_equal(rd(VRTC_MINUTES, T0 + HZ), 0x20);
	/* Binary mode: numbers past the range clamp the same way. */
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_DM_BINARY, T0 + HZ);
	set_time(T0 + HZ, 200, 200, 200, 200, 200, 200, 200);
	expect_time(T0 + HZ, 99, 99, 12, 31, 23, 59, 59);
	/* A centuries-long gap is counted too. */
	assert_true(vrtc_unix_seconds(&r, T0 + HZ + 300ULL * 366 * 86400 * HZ) < 0);
	/* A TSC rate of 0 is taken as 1 Hz rather than divided by. */
	vrtc_init(&r, 0, 0, 0);
	assert_int_equal(rd(VRTC_SECONDS, 5), 0x05);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on_state),
		cmocka_unit_test(test_binary_and_12_hour),
		cmocka_unit_test(test_counts_in_tsc_time),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_uip_window),
		cmocka_unit_test(test_linux_read_loop),
		cmocka_unit_test(test_divider_reset),
		cmocka_unit_test(test_register_c),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_cmos_ram),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
