/* SPDX-License-Identifier: MIT */
/* A minimal check macro for the runtime's host tests (built with the host's libc). */
#ifndef KESTREL_RT_TESTS_CHECK_H
#define KESTREL_RT_TESTS_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                              \
		}                                                                      \
	} while (0)

static inline int check_report(const char *name)
{
	printf("%s: %s\n", name, check_failures ? "FAIL" : "PASS");
	return check_failures ? 1 : 0;
}

#endif
