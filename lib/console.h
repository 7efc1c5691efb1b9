/* SPDX-License-Identifier: GPL-2.0 */
/* The hypervisor console: leveled log lines, whole messages at a time, to the sinks set. */
#ifndef KESTREL_LIB_CONSOLE_H
#define KESTREL_LIB_CONSOLE_H

#include <stdarg.h>
#include "lib/types.h"

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/*
 * Where the text goes: a serial port, the screen. Called with the console locked: write takes
 * all of s (waiting for the device if it must); try_write, where the device can say it is busy,
 * takes only what it can without waiting and returns how many bytes of s it took.
 */
struct console_sink {
	void (*write)(void *ctx, const char *s, size_t n);
	size_t (*try_write)(void *ctx, const char *s, size_t n);
	void *ctx;
};

#define CONSOLE_MAX_SINKS 8

/* Replaces the sinks (at most CONSOLE_MAX_SINKS; the list is copied). */
void console_set_sinks(const struct console_sink *sinks, u32 n);
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

/*
 * A background record (a VM's console output): s goes to the sinks without try_write now and to
 * the others a little at a time, by console_pump, so no one waits for a slow device. s must
 * stay unchanged until done(ctx) is called (under the console lock) when every sink has it all.
 * Anything console_write prints meanwhile first finishes the record, so output stays in order
 * and whole. Returns false (nothing taken) while another record is in progress.
 */
bool console_start(const char *s, size_t n, void (*done)(void *ctx), void *ctx);
/* Moves the record in progress on, without waiting. True while one is still in progress. */
bool console_pump(void);
extern volatile bool console_rec_active;
/* Whether a record is in progress, without a call: the question every VM exit asks. */
static inline bool console_recording(void)
{
	return console_rec_active;
}
/* Finishes the record in progress, waiting for the devices. */
void console_finish(void);

/* For the panic path: take the console even if its holder died. */
void console_force_unlock(void);

#endif
