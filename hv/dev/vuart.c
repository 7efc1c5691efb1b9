// SPDX-License-Identifier: GPL-2.0
/*
 * Emulates a 16550 (PC16550D data sheet): output kept in the VM's buffer until a pCPU prints
 * it, a receive FIFO, the FIFO bits of IIR and the RX-data and THRE interrupts.
 */
#include "hv/dev/vuart.h"
#include "lib/format.h"
#include "lib/string.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS_DSR_DCD 0xb0
#define IIR_NO_INTERRUPT 0x01
#define IIR_THRE 0x02
#define IIR_RX_DATA 0x04
#define IIR_FIFOS 0xc0
#define IER_RX_DATA 0x01
#define IER_THRE 0x02
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define MCR_OUT2 0x08 /* on a PC, the gate between INTR and the IRQ line */

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

/* The transmitter is "empty" while a whole line (and a drop marker) fits. */
static bool thr_empty(struct vuart *u)
{
	return room(u, REC_LINE_MAX) >= 0;
}

/* THR became empty: THRE is pending, or will be once there is room. */
static void thre_set(struct vuart *u)
{
	u->thre_pending = thr_empty(u);
	u->thre_blocked = !u->thre_pending;
}

/* The interrupt IIR reports, by priority (PC16550D, table 4); 0 when none. */
static u8 interrupt_id(const struct vuart *u)
{
	if ((u->ier & IER_RX_DATA) && u->rx_count)
		return IIR_RX_DATA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	return 0;
}

static u8 read_locked(struct vuart *u, u32 offset)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 v;

	switch (offset) {
	case RBR_THR:
		if (dlab)
			return u->dll;
		if (!u->rx_count)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
		u->rx_count--;
		return v;
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		v = interrupt_id(u);
		if (v == IIR_THRE)
			u->thre_pending = false; /* reading IIR with THRE the source clears it */
		return (u8)((u->fifo ? IIR_FIFOS : 0) | (v ? v : IIR_NO_INTERRUPT));
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		/* Ready while a whole line (and a drop marker) fits: else the driver waits. */
		v = thr_empty(u) ? LSR_THRE | LSR_TEMT : 0;
		u->stalled = !v;
		return (u8)(v | (u->rx_count ? LSR_DR : 0));
	case MSR:
		return MSR_CTS_DSR_DCD;
	default:
		return u->scr;
	}
}

u8 vuart_read(struct vuart *u, u32 offset)
{
	u8 v;

	spin_lock(&u->lock);
	v = read_locked(u, offset);
	spin_unlock(&u->lock);
	return v;
}

bool vuart_irq(struct vuart *u, bool *fell)
{
	bool level;

	spin_lock(&u->lock);
	level = (u->mcr & MCR_OUT2) && interrupt_id(u);
	*fell = u->irq_fell;
	u->irq_fell = false;
	spin_unlock(&u->lock);
	return level;
}

bool vuart_receive(struct vuart *u, u8 byte)
{
	bool ok;

	spin_lock(&u->lock);
	ok = u->rx_count < VUART_RX_FIFO;
	if (ok)
		u->rx[(u->rx_head + u->rx_count++) % VUART_RX_FIFO] = byte;
	spin_unlock(&u->lock);
	return ok;
}

void vuart_write(struct vuart *u, u32 offset, u8 v)
{
	bool dlab = u->lcr & LCR_DLAB;

	spin_lock(&u->lock);
	switch (offset) {
	case RBR_THR:
		if (dlab) {
			u->dll = v;
			break;
		}
		put(u, (char)v);
		/* Writing THR clears THRE; the byte leaves at once, so THR is empty again. */
		if (u->thre_pending)
			u->irq_fell = true;
		thre_set(u);
		break;
	case IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		u->ier = v & 0x0f;
		/* Enabled while the transmitter is idle, THRE is asserted (again). */
		if (u->ier & IER_THRE)
			thre_set(u);
		break;
	case IIR_FCR:
		if ((v & FCR_ENABLE) != u->fifo || (v & FCR_CLEAR_RX))
			u->rx_count = 0; /* a change of FIFO mode empties them too */
		u->fifo = v & FCR_ENABLE;
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
		break; /* LSR, MSR: nothing to keep */
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

bool vuart_drain_done(struct vuart *u)
{
	bool rose = false;
	const u8 *p;

	spin_lock(&u->lock);
	p = (const u8 *)u->buf + u->tail;
	u->tail += REC_HDR + (p[0] | (u32)p[1] << 8);
	if (!u->wrapped && u->tail == u->head)
		u->tail = u->head = 0; /* empty: start again at 0, the most room in one piece */
	u->printing = false;
	if (u->thre_blocked && thr_empty(u)) {
		u->thre_blocked = false;
		u->thre_pending = true;
		rose = (u->ier & IER_THRE) != 0;
	}
	spin_unlock(&u->lock);
	return rose;
}
