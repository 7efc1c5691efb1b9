/* SPDX-License-Identifier: MIT */
/* Test results on the console, and ending the VM with a status through port 0xf4. */
#ifndef KESTREL_RT_TEST_H
#define KESTREL_RT_TEST_H

#include <kestrel-rt/types.h>

/*
 * One line per test, then one for the run, exactly:
 *   TEST <name>: PASS
 *   TEST <name>: FAIL <first failed check's message>
 *   TEST <name>: SKIP <reason>
 *   RESULT: PASS
 *   RESULT: FAIL (<n> failed)
 * A failed check also prints "  check failed: <message>" at once. Checks may come from any
 * CPU. A test with a failed check fails even if it was also skipped.
 */
void rt_test_begin(const char *name_fmt, ...) RT_PRINTF(1, 2);
bool rt_check(bool cond, const char *fmt, ...) RT_PRINTF(2, 3);
void rt_skip(const char *fmt, ...) RT_PRINTF(1, 2);
void rt_test_end(void);

/* Name of the open test, or NULL. */
const char *rt_test_current(void);
u32 rt_tests_failed(void);

/*
 * Ends the open test, prints the RESULT line and exits: status 0 when nothing failed,
 * 1 otherwise (QEMU's isa-debug-exit then exits with 1 or 3).
 */
RT_NORETURN void rt_finish(void);

/* Ends the VM: port 0xf4 (isa-debug-exit, Kestrel), then Bochs's port 0x8900, then halts. */
RT_NORETURN void rt_exit(u32 status);

#endif
