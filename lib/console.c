// SPDX-License-Identifier: GPL-2.0
/* Console output: log levels, the "kestrel:" prefix, and one lock so CPUs do not interleave. */
#include "lib/console.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static struct console_sink console_sinks[CONSOLE_MAX_SINKS];
static u32 console_nr_sinks;
static enum log_level console_lvl = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;

void console_set_sinks(const struct console_sink *sinks, u32 n)
{
	u64 flags = spin_lock_irqsave(&console_lock);

	console_nr_sinks = MIN(n, (u32)CONSOLE_MAX_SINKS);
	for (u32 i = 0; i < console_nr_sinks; i++)
		console_sinks[i] = sinks[i];
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_set_level(enum log_level level)
{
	console_lvl = level;
}

enum log_level console_level(void)
{
	return console_lvl;
}

void console_write(const char *s, size_t n)
{
	u64 flags = spin_lock_irqsave(&console_lock);

	for (u32 i = 0; i < console_nr_sinks; i++)
		console_sinks[i].write(console_sinks[i].ctx, s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[LOG_ERR] = "kestrel: error: ",
		[LOG_WARN] = "kestrel: warning: ",
		[LOG_INFO] = "kestrel: ",
		[LOG_DEBUG] = "kestrel: debug: ",
	};
	char buf[320];
	size_t n;
	int len;

	if (level > console_lvl)
		return;
	n = str_copy(buf, prefix[level], sizeof(buf));
	len = fmt_vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	n += (size_t)MIN(len, (int)(sizeof(buf) - n - 2));
	if (n && buf[n - 1] != '\n')
		buf[n++] = '\n';
	console_write(buf, n);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void console_force_unlock(void)
{
	console_lock.owner = console_lock.next;
}
