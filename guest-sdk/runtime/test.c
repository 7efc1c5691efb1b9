// SPDX-License-Identifier: MIT
/* PASS/FAIL/SKIP lines for the system-test harness, and the final RESULT line. */
#include "internal.h"

#define NAME_MAX	64
#define REASON_MAX	160

static struct rt_spinlock test_lock = RT_SPINLOCK_INIT;
static bool test_open;
static bool test_failed, test_skipped, loose_failed;
static char test_name[NAME_MAX];
static char fail_reason[REASON_MAX];
static char skip_reason[REASON_MAX];
static volatile u32 n_failed;

void rt_test_begin(const char *name_fmt, ...)
{
	va_list ap;
	u64 flags;

	rt_test_end();
	flags = rt_spin_lock_irqsave(&test_lock);
	va_start(ap, name_fmt);
	rt_vsnprintf(test_name, sizeof(test_name), name_fmt, ap);
	va_end(ap);
	test_open = true;
	test_failed = false;
	test_skipped = false;
	rt_spin_unlock_irqrestore(&test_lock, flags);
}

bool rt_check(bool cond, const char *fmt, ...)
{
	char msg[REASON_MAX];
	va_list ap;
	u64 flags;

	if (cond)
		return true;
	va_start(ap, fmt);
	rt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flags = rt_spin_lock_irqsave(&test_lock);
	if (!test_open) {
		/* A check outside any test counts as one failed test named "runtime". */
		if (!loose_failed) {
			loose_failed = true;
			n_failed++;
			rt_printf("TEST runtime: FAIL %s\n", msg);
		} else {
			rt_printf("  check failed: %s\n", msg);
		}
	} else {
		if (!test_failed) {
			test_failed = true;
			rt_strlcpy(fail_reason, msg, sizeof(fail_reason));
		}
		rt_printf("  check failed: %s\n", msg);
	}
	rt_spin_unlock_irqrestore(&test_lock, flags);
	return false;
}

void rt_skip(const char *fmt, ...)
{
	va_list ap;
	u64 flags = rt_spin_lock_irqsave(&test_lock);

	if (test_open && !test_skipped) {
		test_skipped = true;
		va_start(ap, fmt);
		rt_vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
		va_end(ap);
	}
	rt_spin_unlock_irqrestore(&test_lock, flags);
}

void rt_test_end(void)
{
	u64 flags = rt_spin_lock_irqsave(&test_lock);

	if (test_open) {
		if (test_failed) {
			n_failed++;
			rt_printf("TEST %s: FAIL %s\n", test_name, fail_reason);
		} else if (test_skipped) {
			rt_printf("TEST %s: SKIP %s\n", test_name, skip_reason);
		} else {
			rt_printf("TEST %s: PASS\n", test_name);
		}
		test_open = false;
	}
	rt_spin_unlock_irqrestore(&test_lock, flags);
}

const char *rt_test_current(void)
{
	return test_open ? test_name : NULL;
}

u32 rt_tests_failed(void)
{
	return n_failed;
}

static RT_NORETURN void print_result_and_exit(void)
{
	if (n_failed)
		rt_printf("RESULT: FAIL (%u failed)\n", n_failed);
	else
		rt_printf("RESULT: PASS\n");
	rt_exit(n_failed ? 1 : 0);
}

RT_NORETURN void rt_finish(void)
{
	rt_test_end();
	print_result_and_exit();
}

RT_NORETURN void rt_test_abort(const char *why)
{
	/* From an exception: the lock may be ours already; do not wait for it forever. */
	for (u32 i = 0; i < 10000000 && !rt_spin_trylock(&test_lock); i++)
		rt_pause();
	rt_printf("TEST %s: FAIL %s\n", test_open ? test_name : "runtime", why);
	n_failed++;
	test_open = false;
	print_result_and_exit();
}

RT_NORETURN void rt_exit(u32 status)
{
	static const char bochs_shutdown[] = "Shutdown";

	rt_console_flush();		/* Bochs ends before its UART sent the last bytes */
	rt_outl(0xf4, status);		/* QEMU isa-debug-exit, Kestrel: the VM ends here */
	for (const char *c = bochs_shutdown; *c; c++)
		rt_outb(0x8900, (u8)*c);	/* Bochs ends on this (exit status always 1) */
	for (;;) {
		rt_cli();
		rt_hlt();
	}
}
