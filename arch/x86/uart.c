// SPDX-License-Identifier: GPL-2.0
/* Polled 16550 UART at 115200 8N1 (PC16550D data sheet register map): output and input. */
#include "arch/x86/uart.h"
#include "arch/x86/cpu.h"

enum { RBR = 0, THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7 };
#define IIR FCR /* read: interrupt identification */
#define IIR_FIFOS_ON 0xc0 /* bits 7:6 set: a 16550A's FIFOs are enabled */
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define FIFO_DEPTH 16

bool uart_init(u16 port)
{
	outb(port + SCR, 0x5a);
	if (inb(port + SCR) != 0x5a)
		return false;
	outb(port + IER, 0x00);
	outb(port + LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(port + 0, 0x01);
	outb(port + 1, 0x00);
	outb(port + LCR, 0x03); /* 8N1 */
	outb(port + FCR, 0x07); /* FIFOs on and cleared */
	outb(port + MCR, 0x03); /* DTR, RTS */
	return true;
}

u32 uart_fifo_depth(u16 port)
{
	/* A 16450, or a 16550 with the FIFO bug, leaves them off: one byte at a time. */
	return (inb(port + IIR) & IIR_FIFOS_ON) == IIR_FIFOS_ON ? FIFO_DEPTH : 1;
}

u32 uart_tx_room(u16 port, u32 depth)
{
	/* In FIFO mode THRE says the whole transmit FIFO is empty (PC16550D, LSR bit 5). */
	return inb(port + LSR) & LSR_THRE ? depth : 0;
}

void uart_tx(u16 port, char c)
{
	outb(port + THR, (u8)c);
}

void uart_putc(u16 port, char c)
{
	/* Bounded wait: a UART that never drains must not hang the hypervisor. */
	for (u32 i = 0; i < 1000000 && !(inb(port + LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(port + THR, (u8)c);
}

bool uart_rx(u16 port, u8 *byte)
{
	/* LSR bit 0, data ready; reading LSR also clears its error bits (PC16550D, LSR). */
	if (!(inb(port + LSR) & LSR_DR))
		return false;
	*byte = inb(port + RBR);
	return true;
}
