/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by every host unit test: cmocka's includes, a small PRNG and the common entry point. */
#ifndef KESTREL_TESTS_UNIT_H
#define KESTREL_TESTS_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/types.h"

/* xorshift64: the property tests are random but the same on every run. */
static inline u64 unit_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* A number in [lo, hi]. */
static inline u64 unit_rand_range(u64 *state, u64 lo, u64 hi)
{
	return lo + unit_rand(state) % (hi - lo + 1);
}

/*
 * Runs a group with stdout line-buffered, so the lines of the tests already run survive a
 * sanitizer abort. The exit status is the number of failed tests.
 */
#define unit_run(tests) \
	(setvbuf(stdout, NULL, _IOLBF, 0), cmocka_run_group_tests(tests, NULL, NULL))

#endif
