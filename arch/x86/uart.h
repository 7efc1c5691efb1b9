/* SPDX-License-Identifier: GPL-2.0 */
/* The 16550 UART that carries the hypervisor console. */
#ifndef KESTREL_ARCH_X86_UART_H
#define KESTREL_ARCH_X86_UART_H

#include "lib/types.h"

/* Returns false when no UART answers at port (the scratch register test fails). */
bool uart_init(u16 port);
void uart_putc(u16 port, char c);

#endif
