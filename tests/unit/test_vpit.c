// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vpit.c: the 8254's modes, latches, read-back, gate 2 and IRQ 0 in TSC time. */
#include "unit.h"
#include "hv/dev/vpit.h"

#define TSC_HZ 10000000ull /* Bochs under Kestrel: 10 MHz */
#define MIN_PERIOD 2000ull /* 200 us */

static struct vpit p;

/* TSC ticks for n counter ticks, rounded up. */
static u64 tsc(u64 n)
{
	return (n * TSC_HZ + VPIT_HZ - 1) / VPIT_HZ;
}

static void program(u32 ch, u8 mode, u32 count, u64 now)
{
	vpit_write(&p, 0x43, (u8)(ch << 6 | 3 << 4 | mode << 1), now);
	vpit_write(&p, (u16)(0x40 + ch), (u8)count, now);
	vpit_write(&p, (u16)(0x40 + ch), (u8)(count >> 8), now);
}

static u16 latch_read(u32 ch, u64 now)
{
	u16 v;

	vpit_write(&p, 0x43, (u8)(ch << 6), now);
	v = vpit_read(&p, (u16)(0x40 + ch), now);
	return v | (u16)(vpit_read(&p, (u16)(0x40 + ch), now) << 8);
}

static void test_init_and_ports(void **state)
{
	(void)state;
	assert_int_equal(vpit_init(&p, 0, 0), -EINVAL);
	assert_int_equal(vpit_init(&p, VPIT_MAX_TSC_HZ + 1, 0), -EINVAL);
	assert_int_equal(vpit_init(&p, TSC_HZ, MIN_PERIOD), 0);
	assert_true(vpit_owns_port(0x40) && vpit_owns_port(0x43) && vpit_owns_port(0x61));
	assert_false(vpit_owns_port(0x44) || vpit_owns_port(0x60));
	assert_int_equal(vpit_timer_next(&p), 0); /* nothing programmed: no IRQ 0 */
	assert_int_equal(vpit_read(&p, 0x43, 0), 0xff);
}

/* Mode 2, Linux's periodic tick (HZ 250: count 4773): IRQ 0 every period, counting down. */
static void test_mode2_periodic_irq(void **state)
{
	u64 t0 = 1000000, next;

	(void)state;
	vpit_init(&p, TSC_HZ, MIN_PERIOD);
	program(0, 2, 4773, t0);
	next = vpit_timer_next(&p);
	assert_int_equal(next, t0 + tsc(4773));
	assert_int_equal(latch_read(0, t0), 4773);
	assert_int_equal(latch_read(0, t0 + tsc(1000)), 4773 - 1000);
	assert_false(vpit_timer_tick(&p, next - 1));
	assert_true(vpit_timer_tick(&p, next));
	assert_int_equal(vpit_timer_next(&p), t0 + tsc(2 * 4773));
	/* Late by 10 periods: one edge, and the next on the period grid again. */
	assert_true(vpit_timer_tick(&p, t0 + tsc(12 * 4773) + 5));
	assert_int_equal(vpit_timer_next(&p), t0 + tsc(13 * 4773));
	assert_int_equal(p.fired, 2);
	/* A count of 0 is 65536. */
	program(0, 2, 0, t0);
	assert_int_equal(vpit_timer_next(&p), t0 + tsc(65536));
	assert_int_equal(latch_read(0, t0 + tsc(1)), 65535);
}

/* A count of 1 would be a 838 ns period: IRQ 0 still rises no more than every MIN_PERIOD. */
static void test_tiny_period_floor(void **state)
{
	u64 now = 5000;

	(void)state;
	vpit_init(&p, TSC_HZ, MIN_PERIOD);
	program(0, 2, 1, now);
	program(0, 2, 2, now);
	now = vpit_timer_next(&p);
	assert_true(vpit_timer_tick(&p, now));
	for (u32 i = 0; i < 100; i++) {
		u64 next = vpit_timer_next(&p);

		assert_true(next >= now + MIN_PERIOD);
		now = next;
		assert_true(vpit_timer_tick(&p, now));
	}
}

/* Mode 0: output low, high at the terminal count (one IRQ 0 edge), the count wraps on. */
static void test_mode0_one_shot(void **state)
{
	u64 t0 = 777;

	(void)state;
	vpit_init(&p, TSC_HZ, MIN_PERIOD);
	program(0, 0, 100, t0);
	assert_false(vpit_output(&p, 0, t0));
	assert_int_equal(vpit_timer_next(&p), t0 + tsc(100));
	assert_true(vpit_timer_tick(&p, t0 + tsc(100)));
	assert_true(vpit_output(&p, 0, t0 + tsc(100)));
	assert_int_equal(vpit_timer_next(&p), 0);
	assert_int_equal(latch_read(0, t0 + tsc(101)), 0xffff);
	/* The first byte of a new count stops it (lo/hi access). */
	vpit_write(&p, 0x43, 0x30, t0);
	vpit_write(&p, 0x40, 0x10, t0);
	assert_int_equal(vpit_timer_next(&p), 0);
	vpit_write(&p, 0x40, 0x00, t0 + 50);
	assert_int_equal(vpit_timer_next(&p), t0 + 50 + tsc(16) > t0 + tsc(100) + MIN_PERIOD ?
					      t0 + 50 + tsc(16) : t0 + tsc(100) + MIN_PERIOD);
	/* The floor counts from the last edge: far from it, a count of 16 is 16 ticks. */
	program(0, 0, 16, t0 + 100000);
	assert_int_equal(vpit_timer_next(&p), t0 + 100000 + tsc(16));
}

/* Mode 3: square wave, high for the first half; its edges too. */
static void test_mode3_square(void **state)
{
	u64 t0 = 0;

	(void)state;
	vpit_init(&p, TSC_HZ, 0);
	program(0, 3, 1000, t0);
	assert_true(vpit_output(&p, 0, t0 + tsc(10)));
	assert_false(vpit_output(&p, 0, t0 + tsc(600)));
	assert_int_equal(latch_read(0, t0 + tsc(100)), 800); /* by two */
	assert_int_equal(vpit_timer_next(&p), t0 + tsc(1000));
	/* The control word 6 and 7 are modes 2 and 3 (data sheet: "X" bit). */
	vpit_write(&p, 0x43, 0x3e, t0);
	vpit_write(&p, 0x43, 0xe2, t0); /* read-back status of channel 0 */
	assert_int_equal(vpit_read(&p, 0x40, t0) & 0x3f, 0x36);
}

/* Latch, read-back, byte access modes. */
static void test_latch_and_readback(void **state)
{
	u64 t0 = 100;

	(void)state;
	vpit_init(&p, TSC_HZ, 0);
	program(1, 2, 0x1234, t0);
	vpit_write(&p, 0x43, 0x40, t0); /* latch channel 1 */
	vpit_write(&p, 0x43, 0x40, t0 + tsc(0x200)); /* ignored: already latched */
	assert_int_equal(vpit_read(&p, 0x41, t0 + tsc(0x100)), 0x34);
	assert_int_equal(vpit_read(&p, 0x41, t0 + tsc(0x100)), 0x12);
	/* Read-back: status (output high, not null, lo/hi, mode 2) then count. */
	vpit_write(&p, 0x43, 0xc4, t0 + tsc(0x34));
	assert_int_equal(vpit_read(&p, 0x41, t0), 0x80 | 0x30 | 0x04);
	assert_int_equal(vpit_read(&p, 0x41, t0), 0x00);
	assert_int_equal(vpit_read(&p, 0x41, t0), 0x12);
	/* Status after a control word: null count until a count is written. */
	vpit_write(&p, 0x43, 0x52, t0); /* channel 1, low byte only, mode 1 */
	vpit_write(&p, 0x43, 0xe4, t0);
	assert_int_equal(vpit_read(&p, 0x41, t0), 0x80 | 0x40 | 0x10 | 0x02); /* mode 1: high */
	vpit_write(&p, 0x43, 0x64, t0); /* channel 1, high byte only, mode 2 */
	vpit_write(&p, 0x41, 0x02, t0);
	assert_int_equal(vpit_read(&p, 0x41, t0 + tsc(0x10)), 0x01); /* 0x1f0: high byte */
}

/* Linux's PIT calibration: channel 2 in mode 0 behind the gate, OUT2 polled in port 0x61. */
static void test_channel2_gate(void **state)
{
	u64 t0 = 0;

	(void)state;
	vpit_init(&p, TSC_HZ, 0);
	vpit_write(&p, 0x61, (vpit_read(&p, 0x61, t0) & ~0x02) | 0x01, t0); /* gate on */
	vpit_write(&p, 0x43, 0xb0, t0);
	vpit_write(&p, 0x42, 0x9c, t0);
	vpit_write(&p, 0x42, 0x2e, t0); /* 11932: 10 ms */
	assert_false(vpit_read(&p, 0x61, t0 + tsc(11931)) & 0x20);
	assert_true(vpit_read(&p, 0x61, t0 + tsc(11932)) & 0x20);
	assert_int_equal(vpit_read(&p, 0x61, t0) & 0x0f, 0x01);
	/* Gate low pauses mode 0; high again resumes. */
	program(2, 0, 1000, t0);
	vpit_write(&p, 0x61, 0x00, t0 + tsc(400));
	assert_int_equal(latch_read(2, t0 + tsc(900)), 600);
	vpit_write(&p, 0x61, 0x01, t0 + tsc(900));
	assert_in_range(latch_read(2, t0 + tsc(1000)), 499, 501); /* TSC-to-tick rounding */
	/* Channel 2 never moves IRQ 0. */
	assert_int_equal(vpit_timer_next(&p), 0);
	/* Mode 1 starts on a rising gate. */
	vpit_write(&p, 0x61, 0x00, t0);
	program(2, 1, 50, t0);
	assert_true(vpit_output(&p, 2, t0 + tsc(100)));
	vpit_write(&p, 0x61, 0x01, t0 + tsc(100));
	assert_false(vpit_output(&p, 2, t0 + tsc(120)));
	assert_true(vpit_output(&p, 2, t0 + tsc(152)));
}

/* Any byte on any port at any time: no division by zero, no IRQ 0 sooner than the floor. */
static void test_random(void **state)
{
	u64 seed = 0x8254, now = 1, last = 0;

	(void)state;
	vpit_init(&p, TSC_HZ, MIN_PERIOD);
	for (u32 i = 0; i < 100000; i++) {
		u16 port = (u16)(0x40 + unit_rand(&seed) % 4);

		now += unit_rand(&seed) % 3000;
		if (unit_rand(&seed) % 8 == 0)
			port = 0x61;
		if (unit_rand(&seed) & 1)
			vpit_write(&p, port, (u8)unit_rand(&seed), now);
		else
			vpit_read(&p, port, now);
		if (vpit_timer_tick(&p, now)) {
			assert_true(!last || now >= last + MIN_PERIOD);
			last = now;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_ports),
		cmocka_unit_test(test_mode2_periodic_irq),
		cmocka_unit_test(test_tiny_period_floor),
		cmocka_unit_test(test_mode0_one_shot),
		cmocka_unit_test(test_mode3_square),
		cmocka_unit_test(test_latch_and_readback),
		cmocka_unit_test(test_channel2_gate),
		cmocka_unit_test(test_random),
	};

	return unit_run(tests);
}
