// SPDX-License-Identifier: GPL-2.0
/* Console output: log levels, the "kestrel:" prefix, and a lock so CPUs do not interleave lines. */
#include "hv/console.h"
#include "arch/x86/uart.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/x86/cpu.h"

static const u16 com_ports[] = { 0, 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static u16 console_port;
static enum log_level console_lvl = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;

void console_init(enum console_port port)
{
	u16 p = com_ports[port < ARRAY_SIZE(com_ports) ? port : 0];

	console_port = (p && uart_init(p)) ? p : 0;
}

void console_set_level(enum log_level level)
{
	console_lvl = level;
}

enum log_level console_level(void)
{
	return console_lvl;
}

static void write_locked(const char *s, size_t n)
{
	if (!console_port)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(console_port, '\r');
		uart_putc(console_port, s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	u64 flags = irq_save();

	spin_lock(&console_lock);
	write_locked(s, n);
	spin_unlock(&console_lock);
	irq_restore(flags);
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
