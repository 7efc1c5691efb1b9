// SPDX-License-Identifier: MIT
/* Console output on COM1 (16550 at 0x3f8), one lock for all CPUs so lines stay whole. */
#include "internal.h"

#define COM1		0x3f8
#define COM1_IER	(COM1 + 1)
#define COM1_LCR	(COM1 + 3)
#define COM1_LSR	(COM1 + 5)
#define LCR_8N1		0x03
/* Line status bits (PC16550D data sheet). */
#define LSR_THRE	0x20		/* transmit holding register empty */
#define LSR_TEMT	0x40		/* transmitter empty: the last byte left */
#define NO_OWNER	0xffffffffu

/*
 * 8 data bits, no parity, 1 stop bit and no UART interrupts; the baud rate stays what the
 * firmware or loader chose (GRUB: `serial --speed=115200`). The divisor latch is not
 * touched, so a virtual UART that does not model DLAB never prints a divisor byte.
 * Bochs's BIOS leaves 5-bit words (LCR 0), hence the LCR write.
 */
static struct rt_spinlock console_lock = RT_SPINLOCK_INIT;
static volatile u32 console_owner = NO_OWNER;

static void uart_putc(char c)
{
	/* Bounded: a UART whose LSR never says empty must not hang the guest. */
	for (u32 i = 0; i < 100000 && !(rt_inb(COM1_LSR) & LSR_THRE); i++)
		rt_pause();
	rt_outb(COM1, (u8)c);
}

void rt_console_init(void)
{
	rt_outb(COM1_IER, 0);
	rt_outb(COM1_LCR, LCR_8N1);
}

void rt_console_flush(void)
{
	for (u32 i = 0; i < 1000000 && !(rt_inb(COM1_LSR) & LSR_TEMT); i++)
		rt_pause();
}

static void console_write(const char *s, size_t len)
{
	u32 me = rt_this_cpu()->index;
	bool nested = console_owner == me;	/* an exception in the middle of a line */
	u64 flags = rt_save_flags_cli();

	if (!nested) {
		rt_spin_lock(&console_lock);
		console_owner = me;
	}
	while (len--)
		uart_putc(*s++);
	if (!nested) {
		console_owner = NO_OWNER;
		rt_spin_unlock(&console_lock);
	}
	rt_restore_flags(flags);
}

void rt_console_panic_begin(void)
{
	u32 me = rt_this_cpu()->index;

	if (console_owner == me)
		return;
	/* Wait a while for whoever prints; then write anyway, the run is over. */
	for (u32 i = 0; i < 10000000; i++) {
		if (rt_spin_trylock(&console_lock))
			break;
		rt_pause();
	}
	console_owner = me;
}

void rt_puts(const char *s)
{
	console_write(s, strlen(s));
}

int rt_vprintf(const char *fmt, va_list ap)
{
	char buf[RT_PRINTF_MAX];
	int n = rt_vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf, strlen(buf));
	return n;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vprintf(fmt, ap);
	va_end(ap);
	return n;
}
