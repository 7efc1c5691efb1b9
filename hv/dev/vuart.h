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
void vuart_drain_done(struct vuart *u);
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
