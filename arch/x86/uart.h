/* SPDX-License-Identifier: GPL-2.0 */
/* The 16550 UART that carries the hypervisor console. */
#ifndef KESTREL_ARCH_X86_UART_H
#define KESTREL_ARCH_X86_UART_H

#include "lib/types.h"

/* Returns false when no UART answers at port (the scratch register test fails). */
bool uart_init(u16 port);
/* Waits (boundedly) until the UART takes c. */
void uart_putc(u16 port, char c);
/* How many bytes the transmitter holds once empty: 16 with working FIFOs, else 1. */
u32 uart_fifo_depth(u16 port);
/* How many bytes may be written now without waiting (depth from uart_fifo_depth). */
u32 uart_tx_room(u16 port, u32 depth);
/* Writes c, unchecked: only after uart_tx_room said there is room. */
void uart_tx(u16 port, char c);
/* A byte received, if one waits (never waits itself): false when none. */
bool uart_rx(u16 port, u8 *byte);

#endif
