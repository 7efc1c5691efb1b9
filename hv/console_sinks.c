// SPDX-License-Identifier: GPL-2.0
/* The console's sinks: the serial ports and the screen that console= names. */
#include "hv/console_sinks.h"
#include "arch/x86/uart.h"
#include "lib/format.h"

/* COM1-COM4 in the order of enum console_target's bits. */
static const u16 com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

/* A serial port in use: cr_sent when a '\n' has had its '\r' but not itself yet. */
struct com {
	u16 port;
	u32 fifo;
	bool cr_sent;
};

static struct com ports[ARRAY_SIZE(com_ports)];
static struct screen screen;
static u32 wanted; /* the sinks last asked for */

static void uart_sink(void *ctx, const char *s, size_t n)
{
	struct com *c = ctx;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && !c->cr_sent)
			uart_putc(c->port, '\r');
		c->cr_sent = false;
		uart_putc(c->port, s[i]);
	}
}

/* What the transmitter takes now; never waits (console_pump calls it between VM runs). */
static size_t uart_try_sink(void *ctx, const char *s, size_t n)
{
	struct com *c = ctx;
	u32 room = uart_tx_room(c->port, c->fifo);
	size_t i = 0;

	while (i < n && room) {
		if (s[i] == '\n' && !c->cr_sent) {
			uart_tx(c->port, '\r');
			c->cr_sent = true;
		} else {
			uart_tx(c->port, s[i++]);
			c->cr_sent = false;
		}
		room--;
	}
	return i;
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
		sinks[n++] = (struct console_sink){ screen_sink, NULL, &screen };
	for (u32 i = 0; i < ARRAY_SIZE(com_ports); i++)
		if (ports[i].port)
			sinks[n++] = (struct console_sink){ uart_sink, uart_try_sink, &ports[i] };
	console_set_sinks(sinks, n);
}

void console_sinks_set(u32 sinks)
{
	wanted = sinks;
	for (u32 i = 0; i < ARRAY_SIZE(com_ports); i++) {
		bool on = (sinks & BIT(i)) && uart_init(com_ports[i]);

		ports[i] = (struct com){ on ? com_ports[i] : 0, on ? uart_fifo_depth(com_ports[i]) : 0,
					 false };
	}
	apply(true);
}

bool console_sinks_can_read(void)
{
	for (u32 i = 0; i < ARRAY_SIZE(ports); i++)
		if (READ_ONCE(ports[i].port))
			return true;
	return false;
}

bool console_sinks_read(u8 *byte)
{
	for (u32 i = 0; i < ARRAY_SIZE(ports); i++)
		if (READ_ONCE(ports[i].port))
			return uart_rx(ports[i].port, byte);
	return false;
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
