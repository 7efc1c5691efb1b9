// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/unmodelled.c: the bounded record of unmodelled ports and MSRs. */
#include "unit.h"
#include "hv/unmodelled.h"

static struct unmodelled u;

static void test_distinct_counted(void **state)
{
	char buf[256];
	u32 from = 0;

	(void)state;
	memset(&u, 0, sizeof(u));
	unmodelled_note(&u, UNMODELLED_OUT, 0x2e9);
	unmodelled_note(&u, UNMODELLED_RDMSR, 0x4e);
	unmodelled_note(&u, UNMODELLED_OUT, 0x2e9);
	unmodelled_note(&u, UNMODELLED_IN, 0x2e9); /* another kind: another entry */
	unmodelled_note(&u, UNMODELLED_WRMSR, 0xc0011029);
	assert_int_equal(u.nr, 4);
	assert_int_equal(u.others, 0);
	assert_int_equal(unmodelled_format(&u, &from, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "out 0x2e9 x2, rdmsr 0x4e x1, in 0x2e9 x1, wrmsr 0xc0011029 x1");
	assert_int_equal(from, 4);
	assert_int_equal(unmodelled_format(&u, &from, buf, sizeof(buf)), 0);
}

static void test_bounded(void **state)
{
	(void)state;
	memset(&u, 0, sizeof(u));
	/* A hostile guest walks every port: the table keeps the first ones, counts the rest. */
	for (u32 port = 0; port < 0x10000; port++)
		unmodelled_note(&u, UNMODELLED_IN, port);
	unmodelled_note(&u, UNMODELLED_IN, 3); /* kept: counted in its entry */
	assert_int_equal(u.nr, UNMODELLED_MAX);
	assert_int_equal(u.others, 0x10000 - UNMODELLED_MAX);
	assert_int_equal(u.e[3].number, 3);
	assert_int_equal(u.e[3].count, 2);
}

static void test_format_in_pieces(void **state)
{
	char buf[40];
	u32 from = 0, total = 0, n;

	(void)state;
	memset(&u, 0, sizeof(u));
	for (u32 i = 0; i < 10; i++)
		unmodelled_note(&u, UNMODELLED_RDMSR, 0x100 + i);
	/* "rdmsr 0x100 x1" is 14 characters: two fit in 40 with ", ", never a cut entry. */
	while ((n = unmodelled_format(&u, &from, buf, sizeof(buf)))) {
		assert_true(strlen(buf) < sizeof(buf));
		assert_int_equal(strncmp(buf, "rdmsr 0x1", 9), 0);
		assert_true(buf[strlen(buf) - 1] == '1');
		total += n;
	}
	assert_int_equal(total, 10);
	assert_int_equal(from, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_counted),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_format_in_pieces),
	};

	return unit_run(tests);
}
