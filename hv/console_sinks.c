// SPDX-License-Identifier: GPL-2.0
/* The console's sinks: the serial ports and the screen that console= names. */
#include "hv/console_sinks.h"
#include "arch/x86/uart.h"
#include "lib/format.h"

/* COM1-COM4 in the order of enum console_target's bits. */
static const u16 com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static u16 ports[ARRAY_SIZE(com_ports)];
static struct screen screen;
static u32 wanted; /* the sinks last asked for */

static void uart_sink(void *ctx, const char *s, size_t n)
{
	u16 port = *(const u16 *)ctx;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

static void screen_sink(void *ctx, const char *s, size_t n)
{
	screen_write(ctx, s, n);
}

/* The screen first: a harness that sees the last line on the serial port may grab the screen. */
static void apply(bool screen_ok)
{
	struct console_sink sinks[1 + ARRAY_SIZE(com_ports)];
	u32 n = 0;

	if (screen_ok && (wanted & CONSOLE_SCREEN) && screen.base)
		sinks[n++] = (struct console_sink){ screen_sink, &screen };
	for (u32 i = 0; i < ARRAY_SIZE(com_ports); i++)
		if (ports[i])
			sinks[n++] = (struct console_sink){ uart_sink, &ports[i] };
	console_set_sinks(sinks, n);
}

void console_sinks_set(u32 sinks)
{
	wanted = sinks;
	for (u32 i = 0; i < ARRAY_SIZE(com_ports); i++)
		ports[i] = (sinks & BIT(i)) && uart_init(com_ports[i]) ? com_ports[i] : 0;
	apply(true);
}

enum screen_error console_sinks_screen_init(const struct mb2_framebuffer *fb, u64 limit)
{
	enum screen_error err;

	apply(false); /* no line may be drawn while the screen changes */
	err = screen_init(&screen, fb, limit);
	apply(true);
	return err;
}

void console_sinks_describe_screen(char *buf, size_t size)
{
	const struct screen *s = &screen;

	if (!s->bytes)
		fmt_snprintf(buf, size, "VGA text at %#lx, %ux%u characters",
			     (u64)(uintptr_t)s->base, s->cols, s->rows);
	else
		fmt_snprintf(buf, size, "%ux%u framebuffer at %#lx, %u bytes per pixel, %ux%u "
			     "characters", s->width, s->height, (u64)(uintptr_t)s->base, s->bytes,
			     s->cols, s->rows);
}
