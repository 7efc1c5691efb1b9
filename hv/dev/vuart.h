/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's 16550 UART at 0x3f8: output goes to the console a line at a time, prefixed with the VM. */
#ifndef KESTREL_HV_DEV_VUART_H
#define KESTREL_HV_DEV_VUART_H

#include "lib/spinlock.h"
#include "lib/types.h"

#define VUART_BASE 0x3f8
#define VUART_LINE_MAX 200

struct vuart {
	struct spinlock lock;
	const char *owner; /* the VM's name */
	u8 ier, lcr, mcr, scr, dll, dlm;
	u32 len;
	char line[VUART_LINE_MAX];
};

void vuart_init(struct vuart *u, const char *owner);
/* offset: 0-7 from VUART_BASE. */
u8 vuart_read(struct vuart *u, u32 offset);
void vuart_write(struct vuart *u, u32 offset, u8 v);
/* Prints what is left of a line (when the VM stops). */
void vuart_flush(struct vuart *u);

#endif
