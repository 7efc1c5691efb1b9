// SPDX-License-Identifier: GPL-2.0
/* Console output: log levels, the "kestrel:" prefix, and a lock so CPUs do not interleave lines. */
#include "hv/console.h"
#include "arch/x86/uart.h"
#include "hv/screen.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/x86/cpu.h"

/* COM1-COM4 in the order of enum console_sink's bits. */
static const u16 com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static u16 console_ports[ARRAY_SIZE(com_ports)];
static u32 console_nr_ports;
static struct screen console_screen;
static bool console_screen_on;
static enum log_level console_lvl = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;

void console_init(u32 sinks)
{
	u64 flags = irq_save();
	u32 n = 0;

	spin_lock(&console_lock);
	for (u32 i = 0; i < ARRAY_SIZE(com_ports); i++)
		if ((sinks & BIT(i)) && uart_init(com_ports[i]))
			console_ports[n++] = com_ports[i];
	console_nr_ports = n;
	console_screen_on = (sinks & CONSOLE_SCREEN) && console_screen.base;
	spin_unlock(&console_lock);
	irq_restore(flags);
}

enum screen_error console_screen_init(const struct mb2_framebuffer *fb, u64 limit)
{
	u64 flags = irq_save();
	enum screen_error err;

	spin_lock(&console_lock);
	err = screen_init(&console_screen, fb, limit);
	spin_unlock(&console_lock);
	irq_restore(flags);
	return err;
}

void console_screen_describe(char *buf, size_t size)
{
	const struct screen *s = &console_screen;

	if (!s->bytes)
		fmt_snprintf(buf, size, "VGA text at %#lx, %ux%u characters",
			     (u64)(uintptr_t)s->base, s->cols, s->rows);
	else
		fmt_snprintf(buf, size, "%ux%u framebuffer at %#lx, %u bytes per pixel, %ux%u "
			     "characters", s->width, s->height, (u64)(uintptr_t)s->base, s->bytes,
			     s->cols, s->rows);
}

void console_set_level(enum log_level level)
{
	console_lvl = level;
}

enum log_level console_level(void)
{
	return console_lvl;
}

/* The screen first: a harness that sees the last line on the serial port may grab the screen. */
static void write_locked(const char *s, size_t n)
{
	if (console_screen_on)
		screen_write(&console_screen, s, n);
	for (u32 k = 0; k < console_nr_ports; k++) {
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\n')
				uart_putc(console_ports[k], '\r');
			uart_putc(console_ports[k], s[i]);
		}
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
