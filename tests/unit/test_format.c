// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/format.c: fmt_snprintf against the host's snprintf, and truncation. */
#include <limits.h>
#include <sys/types.h>

#include "unit.h"
#include "lib/format.h"

/* Formats with both and asserts the same text and the same return value. */
static void __printf(1, 2) same(const char *fmt, ...)
{
	char want[256], got[256];
	va_list ap, aq;
	int n_want, n_got;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n_want = vsnprintf(want, sizeof(want), fmt, ap);
	n_got = fmt_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (strcmp(got, want) || n_got != n_want)
		fail_msg("\"%s\": got \"%s\" (%d), want \"%s\" (%d)", fmt, got, n_got, want,
			 n_want);
}

static void test_integers(void **state)
{
	(void)state;
	same("%d %d %d %i", 0, 42, -42, -7);
	same("%d %d", INT_MAX, INT_MIN);
	same("%u %u", 0u, UINT_MAX);
	same("%x %X %o %o", 0xdeadbeefu, 0xdeadbeefu, 8u, 0777u);
	same("%ld %ld %lu", LONG_MAX, LONG_MIN, ULONG_MAX);
	same("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	same("%lx %lX %lo", ULONG_MAX, 0xabcdef0123456789ul, ULONG_MAX);
	same("%llx", 0x123456789abcdefull);
	same("%zu %zx %zd %zd", SIZE_MAX, (size_t)4096, (ssize_t)-5, (ssize_t)SSIZE_MAX);
}

static void test_short_lengths(void **state)
{
	(void)state;
	same("%hd %hd %hu %hx", 70000, -70000, 70000, 0x12345);
	same("%hhd %hhd %hhu %hhx", 200, -129, 300, 0x1ff);
	same("%hhd %hd", -1, SHRT_MIN);
}

static void test_widths_and_flags(void **state)
{
	(void)state;
	same("[%5d] [%-5d] [%05d] [%05d] [%5d]", 42, 42, 42, -42, -42);
	same("[%1d] [%2d] [%020ld]", 12345, -1, LONG_MIN);
	same("[%*d] [%-*d] [%*d]", 6, 7, 6, 7, -6, 7); /* a negative * width means '-' */
	same("[%8x] [%-8X] [%08o] [%20lu]", 0xbeefu, 0xbeefu, 0755u, ULONG_MAX);
	same("[%#x] [%#X] [%#lx] [%#018lx]", 255u, 255u, 0xfffful, 0xdeadul);
	same("[%#10x] [%-#10x] [%#010x] [%#4x]", 0x1fu, 0x1fu, 0x1fu, 0x12345u);
}

static void test_chars_strings_percent(void **state)
{
	(void)state;
	same("%c%c%c", 'K', 'v', '!');
	same("[%3c] [%-3c]", 'a', 'b');
	same("%s|%s|%s", "", "hello", "a b\tc");
	same("[%10s] [%-10s] [%2s]", "right", "left", "longer");
	same("[%.3s] [%.0s] [%.10s] [%10.2s] [%-6.3s]", "abcdef", "abc", "short", "xyz", "hello");
	same("[%.*s] [%*s] [%-*s]", 2, "abcdef", 5, "ab", 5, "ab");
	same("[%.*s] [%*s]", -1, "negative precision", -4, "ab");
	same("[%.3s]", (const char[]){ 'a', 'b', 'c' }); /* not terminated: precision stops */
	same("%% 100%% %%%d%%", 5);
	same("plain text, no conversions");
	same("%s", "");
	same("%p %p", (void *)0x1234, (void *)&same);
}

/* What fmt_snprintf does on purpose differently from glibc: '#' always means 0x, NULLs. */
static void test_kestrel_specifics(void **state)
{
	static const char *volatile null_string; /* hidden from the compiler's format checks */
	char buf[32];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%#x|%p", 0u, NULL), 7);
	assert_string_equal(buf, "0x0|0x0");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%s]", null_string), 8);
	assert_string_equal(buf, "[(null)]");
}

/*
 * Every buffer size from 0 up: the return value is the full length, the output is the
 * longest prefix that fits with its NUL, and nothing past size is touched (exact heap buffers).
 */
static void test_truncation(void **state)
{
	const char *want = "cpu 12: vector 0x2f at ffffffff80001000 -- busy    ";
	size_t len = strlen(want);

	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "cpu %u: vector %#x at %016lx -- %-8s", 12, 0x2fu,
				      0xffffffff80001000ul, "busy"), len);
	for (size_t size = 1; size <= len + 2; size++) {
		char *buf = malloc(size);

		assert_non_null(buf);
		memset(buf, 'Z', size);
		assert_int_equal(fmt_snprintf(buf, size, "cpu %u: vector %#x at %016lx -- %-8s", 12,
					      0x2fu, 0xffffffff80001000ul, "busy"), len);
		assert_int_equal(strlen(buf), MIN(len, size - 1));
		assert_memory_equal(buf, want, strlen(buf));
		free(buf);
	}
}

static void test_odd_formats(void **state)
{
	static const char trailing[] = "ab%";
	char *fmt = malloc(sizeof(trailing)), buf[8];

	(void)state;
	/* A lone '%' at the end of an exact heap copy: no read past its NUL. */
	assert_non_null(fmt);
	memcpy(fmt, trailing, sizeof(trailing));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), fmt, 0), 2);
	assert_string_equal(buf, "ab");
	free(fmt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_short_lengths),
		cmocka_unit_test(test_widths_and_flags),
		cmocka_unit_test(test_chars_strings_percent),
		cmocka_unit_test(test_kestrel_specifics),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_odd_formats),
	};

	return unit_run(tests);
}
