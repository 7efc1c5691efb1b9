/* SPDX-License-Identifier: MIT */
/* Console output on the 16550 UART at 0x3f8, and a small printf. */
#ifndef KESTREL_RT_CONSOLE_H
#define KESTREL_RT_CONSOLE_H

#include <kestrel-rt/types.h>

/*
 * Each call writes its whole output under one lock shared by all CPUs, with interrupts
 * off, so lines from different CPUs never mix: print one whole line per call.
 * Output longer than RT_PRINTF_MAX bytes is cut short. Do not print from an NMI handler
 * (the interrupted code may hold the lock).
 *
 * Formats: %d %i %u %x %X %c %s %p %%, flags '-', '0' and '#' (0x before hex), a width
 * (or *), a precision for %s (or .*), the length modifiers l, ll, z (and h, hh, ignored);
 * %p prints 0x and 16 hex digits.
 */
#define RT_PRINTF_MAX 512

int rt_printf(const char *fmt, ...) RT_PRINTF(1, 2);
int rt_vprintf(const char *fmt, va_list ap);
void rt_puts(const char *s);	/* s as it is, no newline added */

/* Waits until the UART has sent everything (before doing something that may end the VM). */
void rt_console_flush(void);

/* Formats into buf (always NUL-terminated); returns the length the whole output needs. */
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) RT_PRINTF(3, 4);
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
