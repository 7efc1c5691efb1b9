/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's 16550 UART at 0x3f8. Output is kept, a line at a time prefixed with the VM's name, in
 * a bounded buffer of the VM's own; the pCPUs print it later, outside the exit (hv/vm.c).
 */
#ifndef KESTREL_HV_DEV_VUART_H
#define KESTREL_HV_DEV_VUART_H

#include "lib/spinlock.h"
#include "lib/types.h"

#define VUART_BASE 0x3f8
#define VUART_LINE_MAX 200
#define VUART_BUF_SIZE 16384 /* a VM's output not yet printed */
#define VUART_RX_FIFO 16 /* the 16550's receive FIFO */
#define VUART_IRQ 4 /* COM1's ISA IRQ */

/*
 * The buffer holds records (a u16 length, then text ready for the console), each contiguous:
 * one that does not fit before the end starts again at 0 and the buffer ends at wrap_at.
 * While it has no room for a whole line LSR.THRE reads 0, so a driver that waits for THRE
 * (as a 16550's must) loses nothing; a byte written anyway is dropped, counted, and the next
 * line that fits is preceded by "[N bytes dropped]".
 */
struct vuart {
	struct spinlock lock;
	const char *owner; /* the VM's name */
	u8 ier, lcr, mcr, scr, dll, dlm;
	bool fifo; /* FCR bit 0: FIFOs on (IIR[7:6] say so) */
	bool thre_pending; /* the THRE interrupt is pending (cleared by reading IIR, writing THR) */
	bool thre_blocked; /* ... would be, but the buffer has no room: pending once it has */
	bool irq_fell; /* the line went low during an access and may be high again */
	u8 rx[VUART_RX_FIFO];
	u32 rx_head, rx_count;
	u32 len;
	char line[VUART_LINE_MAX + 1]; /* and the '\n' */
	u32 head, tail, wrap_at; /* next write, next record to print, end of the data if wrapped */
	bool wrapped;
	bool printing; /* the record at tail is being printed: it stays until vuart_drain_done */
	bool stalled; /* the last LSR read said "busy": the guest is waiting for room */
	u64 dropped; /* bytes dropped since the last marker */
	u64 lines, dropped_total; /* statistics */
	char buf[VUART_BUF_SIZE];
};

void vuart_init(struct vuart *u, const char *owner);
/*
 * The interrupt output (INTR, gated by MCR.OUT2 as on a PC): its level now, and in *fell whether
 * it dropped since the last call (a THR write clears THRE and THRE comes back at once: for an
 * edge-triggered input, that is a new edge). The caller passes both on to ISA IRQ 4.
 */
bool vuart_irq(struct vuart *u, bool *fell);
/* A byte from the console for the guest to read; false when the receive FIFO is full. */
bool vuart_receive(struct vuart *u, u8 byte);
/* offset: 0-7 from VUART_BASE. */
u8 vuart_read(struct vuart *u, u32 offset);
void vuart_write(struct vuart *u, u32 offset, u8 v);
/* Ends the line in progress, if any, as if the guest had written '\n'. */
void vuart_end_line(struct vuart *u);
/*
 * The oldest record, for printing: false when there is none or another pCPU is printing one.
 * The record stays in the buffer (nothing overwrites it) until vuart_drain_done.
 */
bool vuart_drain_begin(struct vuart *u, const char **s, u32 *n);
/* Returns true when the printed record made room for a THRE interrupt: see vuart_irq. */
bool vuart_drain_done(struct vuart *u);
/* Gives the record back unprinted (the console was busy): it stays the oldest. */
void vuart_drain_abort(struct vuart *u);
/* Whether records wait to be printed. */
bool vuart_pending(struct vuart *u);

/* Without the lock, for the paths that run at every exit: false means nothing was waiting. */
static inline bool vuart_maybe_pending(const struct vuart *u)
{
	return READ_ONCE(u->head) || READ_ONCE(u->wrapped); /* empty is head 0, not wrapped */
}

#endif
