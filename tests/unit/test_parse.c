// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/parse.c: str_copy, str_to_u64 and str_to_size. */
#include "unit.h"
#include "lib/string.h"

static void test_str_copy(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(str_copy(buf, "kestrel", sizeof(buf)), 7);
	assert_string_equal(buf, "kestrel");
	assert_int_equal(str_copy(buf, "hypervisor", sizeof(buf)), 10);
	assert_string_equal(buf, "hypervi");
	assert_int_equal(str_copy(buf, "abc", 1), 3);
	assert_string_equal(buf, "");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(str_copy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'x'); /* size 0 writes nothing */
	assert_int_equal(str_copy(NULL, "", 0), 0);
}

static void expect_u64(const char *s, u64 want)
{
	u64 v = 12345;

	if (!str_to_u64(s, strlen(s), &v))
		fail_msg("str_to_u64(\"%s\") failed", s);
	assert_int_equal(v, want);
}

static void expect_bad_u64(const char *s)
{
	u64 v = 12345;

	if (str_to_u64(s, strlen(s), &v))
		fail_msg("str_to_u64(\"%s\") accepted", s);
	assert_int_equal(v, 12345); /* untouched */
}

static void test_str_to_u64(void **state)
{
	static const char *const bad[] = {
		"", "0x", "0X", "x10", "-1", "+1", " 1", "1 ", "12a", "0xg", "0x-1", "1_000",
		"18446744073709551616", "99999999999999999999", "0x10000000000000000",
		"0x1ffffffffffffffff", "00000000000000000000000000018446744073709551616",
	};
	u64 v;

	(void)state;
	expect_u64("0", 0);
	expect_u64("42", 42);
	expect_u64("007", 7);
	expect_u64("18446744073709551615", UINT64_MAX);
	expect_u64("0x0", 0);
	expect_u64("0XAbCdEf", 0xabcdef);
	expect_u64("0xffffffffffffffff", UINT64_MAX);
	expect_u64("0x0000000000000000000001", 1);
	expect_u64("18446744073709551610", UINT64_MAX - 5);
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++)
		expect_bad_u64(bad[i]);

	/* Only s[0..len) counts: the words of a command line are not NUL-terminated. */
	assert_true(str_to_u64("123456", 3, &v));
	assert_int_equal(v, 123);
	assert_true(str_to_u64("0x1fz", 4, &v));
	assert_int_equal(v, 0x1f);
	assert_false(str_to_u64("0x1", 2, &v));
	assert_false(str_to_u64("7", 0, &v));
}

static void test_str_to_size(void **state)
{
	static const struct {
		const char *s;
		u64 v;
	} good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4K", 4 * KiB }, { "4k", 4 * KiB },
		{ "64M", 64 * MiB }, { "64m", 64 * MiB }, { "2G", 2 * GiB }, { "3g", 3 * GiB },
		{ "0x10K", 16 * KiB }, { "17179869183G", 17179869183ull * GiB },
		{ "18446744073709551615", UINT64_MAX }, { "18014398509481983K", UINT64_MAX - 1023 },
	};
	static const char *const bad[] = {
		"", "K", "M", "0xM", "1T", "12KB", "1KK", "K1", "-1K", "17179869184G",
		"18014398509481984K", "17592186044416M", "18446744073709551616",
	};
	u64 v;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(good); i++) {
		v = 1;
		if (!str_to_size(good[i].s, strlen(good[i].s), &v))
			fail_msg("str_to_size(\"%s\") failed", good[i].s);
		assert_int_equal(v, good[i].v);
	}
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 1;
		if (str_to_size(bad[i], strlen(bad[i]), &v))
			fail_msg("str_to_size(\"%s\") accepted", bad[i]);
		assert_int_equal(v, 1);
	}
	assert_true(str_to_size("8Mx", 2, &v)); /* the suffix is the last byte of s[0..len) */
	assert_int_equal(v, 8 * MiB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_copy),
		cmocka_unit_test(test_str_to_u64),
		cmocka_unit_test(test_str_to_size),
	};

	return unit_run(tests);
}
