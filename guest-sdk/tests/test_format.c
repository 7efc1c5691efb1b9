// SPDX-License-Identifier: MIT
/* Host test of runtime/format.c: rt_snprintf against the formats console.h promises. */
#include <string.h>
#include <kestrel-rt/console.h>
#include "check.h"

#define EXPECT(want, ...)                                        \
	do {                                                     \
		char buf[128];                                   \
		int n = rt_snprintf(buf, sizeof(buf), __VA_ARGS__); \
		CHECK(!strcmp(buf, want));                        \
		CHECK(n == (int)strlen(want));                   \
		if (strcmp(buf, want))                           \
			printf("  got '%s', want '%s'\n", buf, want); \
	} while (0)

int main(void)
{
	const char *volatile null = NULL;	/* hidden from -Wformat-overflow */
	char small[6];

	EXPECT("0 -1 2147483647 -2147483648", "%d %d %d %d", 0, -1, 2147483647, (int)0x80000000);
	EXPECT("4294967295 ffffffff FFFFFFFF", "%u %x %X", 0xffffffffu, 0xffffffffu, 0xffffffffu);
	EXPECT("18446744073709551615 -9223372036854775808", "%lu %ld", ~0ul, (long)(1ul << 63));
	EXPECT("123456789abcdef0 7", "%lx %zu", 0x123456789abcdef0ul, (size_t)7);
	EXPECT("[   42] [42   ] [00042] [-0042]", "[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	EXPECT("[0x1f] [0] [0x00ff]", "[%#x] [%#x] [%#06x]", 0x1f, 0, 0xff);
	EXPECT("[  ab] [ab  ] [abc] [x]", "[%4s] [%-4s] [%.3s] [%.*s]", "ab", "ab", "abcdef", 1,
	       "xyz");
	EXPECT("0x00000000deadbeef", "%p", (void *)0xdeadbeef);
	EXPECT("c % (null)", "%c %% %s", 'c', null);
	EXPECT("[  7]", "[%*u]", 3, 7u);
	EXPECT("5 300", "%hhu %hu", 5, 300);

	/* Cut short, terminated, and the length the whole output would need. */
	CHECK(rt_snprintf(small, sizeof(small), "%s", "abcdefgh") == 8);
	CHECK(!strcmp(small, "abcde"));
	CHECK(rt_snprintf(NULL, 0, "%d", 12345) == 5);
	return check_report("test_format");
}
