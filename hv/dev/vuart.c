// SPDX-License-Identifier: GPL-2.0
/*
 * Emulates the transmit side of a 16550 (PC16550D data sheet): enough for polled output, kept
 * in the VM's buffer until a pCPU prints it.
 */
#include "hv/dev/vuart.h"
#include "lib/format.h"
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

#define REC_HDR 2
/* A line's record: a drop marker (under 60), the VM's name (15), ": ", the line, '\n'. */
#define REC_LINE_MAX (REC_HDR + 60 + 15 + 2 + VUART_LINE_MAX + 1)

/* Where a contiguous record of n bytes can go, or -1: the buffer is full for it. */
static s64 room(struct vuart *u, u32 n)
{
	if (u->wrapped)
		return u->tail - u->head > n ? (s64)u->head : -1;
	if (VUART_BUF_SIZE - u->head >= n)
		return (s64)u->head;
	return u->tail > n ? 0 : -1; /* wraps: head never catches up with tail */
}

static bool put_record(struct vuart *u, const char *a, u32 na, const char *b, u32 nb)
{
	u32 n = REC_HDR + na + nb;
	s64 at = room(u, n);
	char *p;

	if (at < 0 || na + nb > 0xffff)
		return false;
	if (at == 0 && !u->wrapped && u->head) {
		u->wrap_at = u->head;
		u->wrapped = true;
	}
	p = u->buf + at;
	p[0] = (char)((na + nb) & 0xff);
	p[1] = (char)((na + nb) >> 8);
	memcpy(p + REC_HDR, a, na);
	if (nb)
		memcpy(p + REC_HDR + na, b, nb);
	u->head = (u32)at + n;
	return true;
}

/* The line ends: one record, after the drop marker if bytes were dropped; or dropped itself. */
static void emit(struct vuart *u)
{
	char pre[80];
	int n = 0;

	if (u->dropped)
		n = fmt_snprintf(pre, sizeof(pre), "%s: [%lu bytes dropped]\n", u->owner, u->dropped);
	n += fmt_snprintf(pre + n, sizeof(pre) - (u32)n, "%s: ", u->owner);
	u->line[u->len] = '\n';
	if (put_record(u, pre, (u32)n, u->line, u->len + 1)) {
		u->lines++;
		u->dropped = 0;
	} else {
		u->dropped += u->len + 1;
		u->dropped_total += u->len + 1;
	}
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
	case LSR: {
		u8 lsr;

		/* Ready while a whole line (and a drop marker) fits: else the driver waits. */
		spin_lock(&u->lock);
		lsr = room(u, REC_LINE_MAX) >= 0 ? LSR_THRE | LSR_TEMT : 0;
		u->stalled = !lsr;
		spin_unlock(&u->lock);
		return lsr;
	}
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

void vuart_end_line(struct vuart *u)
{
	spin_lock(&u->lock);
	if (u->len)
		emit(u);
	spin_unlock(&u->lock);
}

/* With the lock held: the record at tail, after skipping the end of a wrapped buffer. */
static bool oldest(struct vuart *u)
{
	if (u->wrapped && u->tail == u->wrap_at) {
		u->tail = 0;
		u->wrapped = false;
	}
	return u->wrapped || u->tail != u->head;
}

bool vuart_pending(struct vuart *u)
{
	bool any;

	spin_lock(&u->lock);
	any = oldest(u);
	spin_unlock(&u->lock);
	return any;
}

bool vuart_drain_begin(struct vuart *u, const char **s, u32 *n)
{
	bool ok;

	spin_lock(&u->lock);
	ok = !u->printing && oldest(u);
	if (ok) {
		const u8 *p = (const u8 *)u->buf + u->tail;

		*n = p[0] | (u32)p[1] << 8;
		*s = (const char *)p + REC_HDR;
		u->printing = true;
	}
	spin_unlock(&u->lock);
	return ok;
}

void vuart_drain_abort(struct vuart *u)
{
	spin_lock(&u->lock);
	u->printing = false;
	spin_unlock(&u->lock);
}

void vuart_drain_done(struct vuart *u)
{
	const u8 *p;

	spin_lock(&u->lock);
	p = (const u8 *)u->buf + u->tail;
	u->tail += REC_HDR + (p[0] | (u32)p[1] << 8);
	if (!u->wrapped && u->tail == u->head)
		u->tail = u->head = 0; /* empty: start again at 0, the most room in one piece */
	u->printing = false;
	spin_unlock(&u->lock);
}
