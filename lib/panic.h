/* SPDX-License-Identifier: GPL-2.0 */
/* Stopping the hypervisor when it cannot go on: the reason, the CPU, and every other CPU halted. */
#ifndef KESTREL_LIB_PANIC_H
#define KESTREL_LIB_PANIC_H

#include "lib/types.h"

struct trap_frame;

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
__noreturn void panic_frame(const struct trap_frame *f, const char *fmt, ...) __printf(2, 3);
bool panic_in_progress(void);

#define BUG_ON(cond)                                                               \
	do {                                                                       \
		if (cond)                                                          \
			panic("BUG: %s at %s:%d", #cond, __FILE__, __LINE__);      \
	} while (0)

/* @pre lines: the condition a function relies on, checked. */
#define ASSERT(cond) BUG_ON(!(cond))

#endif
