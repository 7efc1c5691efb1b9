// SPDX-License-Identifier: MIT
/* Host test of runtime/cmdline.c: finding words and parsing numbers. */
#include <stdarg.h>
#include <string.h>
#include <kestrel-rt/boot.h>
#include <kestrel-rt/console.h>
#include "check.h"

static const char *line;

/* What cmdline.c needs from the rest of the runtime. */
const char *rt_cmdline(void)
{
	return line;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int main(void)
{
	char buf[16];

	line = "demo.elf cpus=4  seed=0x1F mem=64M big=2G  flag cpusx=9 bad=12q tsc_khz=";
	CHECK(rt_cmdline_u64("cpus", 1) == 4);
	CHECK(rt_cmdline_u64("seed", 0) == 0x1f);
	CHECK(rt_cmdline_u64("mem", 0) == 64ull << 20);
	CHECK(rt_cmdline_u64("big", 0) == 2ull << 30);
	CHECK(rt_cmdline_u64("cpusx", 0) == 9);
	CHECK(rt_cmdline_u64("absent", 77) == 77);
	CHECK(rt_cmdline_u64("bad", 5) == 5);		/* says so, keeps the default */
	CHECK(rt_cmdline_u64("tsc_khz", 3) == 3);	/* empty value */
	CHECK(rt_cmdline_u64("flag", 6) == 6);
	CHECK(rt_cmdline_has("flag"));
	CHECK(rt_cmdline_has("demo.elf"));
	CHECK(!rt_cmdline_has("cpu"));			/* a prefix is not the word */
	CHECK(!rt_cmdline_has("fla"));
	CHECK(rt_cmdline_str("mem", buf, sizeof(buf)) && !strcmp(buf, "64M"));
	CHECK(rt_cmdline_str("flag", buf, sizeof(buf)) && !strcmp(buf, ""));
	CHECK(rt_cmdline_str("seed", buf, 3) && !strcmp(buf, "0x"));
	CHECK(!rt_cmdline_str("nope", buf, sizeof(buf)));

	line = "n=18446744073709551615 o=18446744073709551616 k=17179869184G";
	CHECK(rt_cmdline_u64("n", 0) == ~0ull);
	CHECK(rt_cmdline_u64("o", 1) == 1);		/* overflow */
	CHECK(rt_cmdline_u64("k", 2) == 2);		/* overflow through the suffix */

	line = "";
	CHECK(!rt_cmdline_has("cpus"));
	return check_report("test_cmdline");
}
