// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/console_focus.c: the input focus and the Ctrl-A x3 switch. */
#include "unit.h"
#include "hv/console_focus.h"

#define CTRL_A CONSOLE_FOCUS_SWITCH_KEY

static struct console_focus f;

/* Feeds s[0..len); the bytes handed on land in got, their number is returned. */
static u32 feed(const u8 *s, u32 len, u8 *got, u32 *switches)
{
	u32 total = 0;

	*switches = 0;
	for (u32 i = 0; i < len; i++) {
		u8 out[CONSOLE_FOCUS_OUT_MAX];
		u32 n = 99;

		*switches += console_focus_feed(&f, s[i], out, &n);
		assert_true(n <= CONSOLE_FOCUS_OUT_MAX);
		memcpy(got + total, out, n);
		total += n;
	}
	return total;
}

static void test_plain_bytes_pass(void **state)
{
	const u8 in[] = "hello\r";
	u8 got[16];
	u32 sw;

	(void)state;
	console_focus_init(&f, 2, 0);
	assert_int_equal(f.target, 0);
	assert_int_equal(feed(in, 6, got, &sw), 6);
	assert_memory_equal(got, in, 6);
	assert_int_equal(sw, 0);
	assert_int_equal(f.target, 0);
}

static void test_three_ctrl_a_cycle(void **state)
{
	const u8 three[] = { CTRL_A, CTRL_A, CTRL_A };
	u8 got[16];
	u32 sw;

	(void)state;
	console_focus_init(&f, 2, 0);
	/* vm 0 -> vm 1 -> Kestrel -> vm 0, and nothing of the sequence is delivered. */
	assert_int_equal(feed(three, 3, got, &sw), 0);
	assert_int_equal(sw, 1);
	assert_int_equal(f.target, 1);
	assert_int_equal(feed(three, 3, got, &sw), 0);
	assert_true(console_focus_is_kestrel(&f));
	assert_int_equal(feed(three, 3, got, &sw), 0);
	assert_int_equal(f.target, 0);
	assert_false(console_focus_is_kestrel(&f));
}

static void test_held_ctrl_a_handed_on(void **state)
{
	const u8 in[] = { CTRL_A, CTRL_A, 'x', CTRL_A, 'y' };
	const u8 want[] = { CTRL_A, CTRL_A, 'x', CTRL_A, 'y' };
	u8 got[16];
	u32 sw;

	(void)state;
	console_focus_init(&f, 1, 0);
	assert_int_equal(feed(in, 2, got, &sw), 0); /* held: maybe a switch */
	assert_int_equal(feed(in + 2, 3, got, &sw), 5);
	assert_memory_equal(got, want, 5);
	assert_int_equal(sw, 0);
	assert_int_equal(f.target, 0);
}

static void test_six_ctrl_a_switch_twice(void **state)
{
	const u8 in[] = { CTRL_A, CTRL_A, CTRL_A, CTRL_A, CTRL_A, CTRL_A, CTRL_A, 'z' };
	u8 got[16];
	u32 sw;

	(void)state;
	console_focus_init(&f, 3, 0);
	/* Two switches, then one Ctrl-A held and handed on with the 'z'. */
	assert_int_equal(feed(in, 8, got, &sw), 2);
	assert_int_equal(sw, 2);
	assert_int_equal(f.target, 2);
	assert_int_equal(got[0], CTRL_A);
	assert_int_equal(got[1], 'z');
}

static void test_no_vm_is_kestrel(void **state)
{
	const u8 three[] = { CTRL_A, CTRL_A, CTRL_A };
	u8 got[16];
	u32 sw;

	(void)state;
	console_focus_init(&f, 0, 0);
	assert_true(console_focus_is_kestrel(&f));
	assert_int_equal(feed(three, 3, got, &sw), 0);
	assert_true(console_focus_is_kestrel(&f)); /* nowhere else to go */
	console_focus_init(&f, 2, 7); /* out of range: Kestrel */
	assert_true(console_focus_is_kestrel(&f));
	console_focus_init(&f, 2, 1);
	assert_int_equal(f.target, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes_pass),
		cmocka_unit_test(test_three_ctrl_a_cycle),
		cmocka_unit_test(test_held_ctrl_a_handed_on),
		cmocka_unit_test(test_six_ctrl_a_switch_twice),
		cmocka_unit_test(test_no_vm_is_kestrel),
	};

	return unit_run(tests);
}
