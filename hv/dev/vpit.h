/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's 8254 interval timer (ports 0x40-0x43) and port 0x61's timer-2 gate and output. */
#ifndef KESTREL_HV_DEV_VPIT_H
#define KESTREL_HV_DEV_VPIT_H

#include "lib/types.h"

/*
 * Pure logic after the Intel 8254 Programmable Interval Timer data sheet, in TSC time: the
 * caller passes `now` in TSC ticks and the TSC rate at init. Counters run at 1.193182 MHz.
 * Modes 0-5 (1 and 5 start on a rising gate, which only channel 2 has), the counter latch,
 * the read-back command, byte access modes; BCD is recorded and reported but counts binary.
 * Channel 0's output is ISA IRQ 0: vpit_timer_next says when it next rises, vpit_timer_tick
 * fires it. It rises no more often than every min_period TSC ticks (a count of 1 would be a
 * 838 ns period), though the counter reads as the guest programmed it.
 */
#define VPIT_HZ 1193182u
#define VPIT_PORT_FIRST 0x40
#define VPIT_PORT_CONTROL 0x43
#define VPIT_PORT_B 0x61 /* system control port B: bit 0 gate 2, bit 1 speaker, bit 5 OUT2 */
#define VPIT_MAX_TSC_HZ (1ull << 40) /* keeps the time conversions inside 64 bits */

struct vpit_channel {
	u8 mode; /* 0-5 */
	u8 rw; /* access: 1 low byte, 2 high byte, 3 low then high */
	bool bcd;
	bool gate;
	bool counting; /* a count was loaded (and, for modes 1 and 5, a gate edge came) */
	bool null_count; /* a count was written and not yet loaded (status bit 6) */
	u32 count; /* the reload value, 1-65536 */
	u16 write_low; /* the low byte of a count being written in mode 3 */
	bool write_high_next, read_high_next;
	bool count_latched, status_latched;
	bool latched_high_next;
	u16 latched_count;
	u8 latched_status;
	u64 start; /* TSC when counting (re)started */
	u64 paused_ticks; /* counter ticks done before start (a gate-low pause of modes 0 and 4) */
};

struct vpit {
	u64 tsc_hz;
	u64 min_period; /* TSC ticks between two IRQ 0 edges at least */
	struct vpit_channel ch[3];
	u8 port_b; /* bits 3:0 as written */
	u64 irq_next; /* TSC of the next IRQ 0 rising edge, 0: none */
	u64 irq_last; /* TSC of the last one fired */
	u64 fired; /* statistics: IRQ 0 edges */
};

/* -EINVAL: tsc_hz 0 or above VPIT_MAX_TSC_HZ. */
int vpit_init(struct vpit *p, u64 tsc_hz, u64 min_period);
bool vpit_owns_port(u16 port);
/* Byte accesses; a write returns true when IRQ 0's next edge moved (see vpit_timer_next). */
u8 vpit_read(struct vpit *p, u16 port, u64 now);
bool vpit_write(struct vpit *p, u16 port, u8 val, u64 now);
/* TSC time of IRQ 0's next rising edge, 0 when none comes. */
u64 vpit_timer_next(const struct vpit *p);
/* True when IRQ 0 rose by now (missed edges merge into one); the next is then scheduled. */
bool vpit_timer_tick(struct vpit *p, u64 now);
/* A channel's output pin now (for tests and port 0x61). */
bool vpit_output(const struct vpit *p, u32 ch, u64 now);

#endif
