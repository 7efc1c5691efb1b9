/* SPDX-License-Identifier: GPL-2.0 */
/* printf-style formatting into a bounded buffer (no floating point). */
#ifndef KESTREL_LIB_FORMAT_H
#define KESTREL_LIB_FORMAT_H

#include <stdarg.h>
#include "lib/types.h"

/*
 * Supports %d %i %u %x %X %o %c %s %p %% with flags '-', '0', '#' (0x), a width (or *),
 * a precision for strings (or .*), and the length modifiers hh h l ll z.
 * Returns the length the whole output would have, like vsnprintf.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
