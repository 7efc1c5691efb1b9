/* SPDX-License-Identifier: GPL-2.0 */
/* The hypervisor console: leveled log lines on serial ports and the screen, a line at a time. */
#ifndef KESTREL_HV_CONSOLE_H
#define KESTREL_HV_CONSOLE_H

#include <stdarg.h>
#include "boot/multiboot2.h"
#include "hv/cmdline.h"
#include "hv/screen.h"

/* Sends the console to sinks (enum console_sink bits); the screen only once it is set up. */
void console_init(u32 sinks);
/*
 * Sets the screen up on fb (mapped below limit) and clears it; it shows the console from the
 * next console_init that names it. Returns why fb cannot be used, or SCREEN_OK.
 */
enum screen_error console_screen_init(const struct mb2_framebuffer *fb, u64 limit);
/* Describes the screen in a line: "VGA text at 0xb8000, 80x25 characters". */
void console_screen_describe(char *buf, size_t size);
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
