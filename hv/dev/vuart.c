// SPDX-License-Identifier: GPL-2.0
/* Emulates the transmit side of a 16550 (PC16550D data sheet): enough for polled output. */
#include "hv/dev/vuart.h"
#include "lib/console.h"
#include "lib/string.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS_DSR_DCD 0xb0
#define IIR_NO_INTERRUPT 0x01

void vuart_init(struct vuart *u, const char *owner)
{
	memset(u, 0, sizeof(*u));
	u->owner = owner;
	u->lcr = 0x03;
}

static void emit(struct vuart *u)
{
	console_printf("%s: %.*s\n", u->owner, (int)u->len, u->line);
	u->len = 0;
}

static void put(struct vuart *u, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		emit(u);
		return;
	}
	/* Keep the console readable: control characters become '.'. */
	u->line[u->len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '.';
	if (u->len == VUART_LINE_MAX)
		emit(u);
}

u8 vuart_read(struct vuart *u, u32 offset)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (offset) {
	case RBR_THR:
		return dlab ? u->dll : 0; /* no input */
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		return IIR_NO_INTERRUPT;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_THRE | LSR_TEMT; /* always ready to send */
	case MSR:
		return MSR_CTS_DSR_DCD;
	default:
		return u->scr;
	}
}

void vuart_write(struct vuart *u, u32 offset, u8 v)
{
	bool dlab = u->lcr & LCR_DLAB;

	spin_lock(&u->lock);
	switch (offset) {
	case RBR_THR:
		if (dlab)
			u->dll = v;
		else
			put(u, (char)v);
		break;
	case IER:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		break;
	case SCR:
		u->scr = v;
		break;
	default:
		break; /* FCR, LSR, MSR: nothing to keep */
	}
	spin_unlock(&u->lock);
}

void vuart_flush(struct vuart *u)
{
	spin_lock(&u->lock);
	if (u->len)
		emit(u);
	spin_unlock(&u->lock);
}
