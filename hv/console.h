/* SPDX-License-Identifier: GPL-2.0 */
/* The hypervisor console: leveled log lines on the serial port, whole lines at a time. */
#ifndef KESTREL_HV_CONSOLE_H
#define KESTREL_HV_CONSOLE_H

#include <stdarg.h>
#include "hv/cmdline.h"

void console_init(enum console_port port);
void console_set_level(enum log_level level);
enum log_level console_level(void);

/* Prints one message at level; a message may hold several lines. */
void log_printf(enum log_level level, const char *fmt, ...) __printf(2, 3);
void log_vprintf(enum log_level level, const char *fmt, va_list ap);
/* Raw text, no prefix, no level (for panic dumps and tables). */
void console_write(const char *s, size_t n);
void console_printf(const char *fmt, ...) __printf(1, 2);

#define pr_err(...) log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* For the panic path: take the console even if its holder died. */
void console_force_unlock(void);

#endif
