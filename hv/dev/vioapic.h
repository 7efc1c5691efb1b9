/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's I/O APIC at 0xfec00000: 24 pins, each routed by its redirection entry to local APICs. */
#ifndef KESTREL_HV_DEV_VIOAPIC_H
#define KESTREL_HV_DEV_VIOAPIC_H

#include "lib/types.h"

/*
 * Pure logic after the Intel 82093AA I/O APIC data sheet (its 3.x register descriptions); the
 * caller serialises the calls and routes what it delivers (vioapic.deliver) to local APICs.
 */
#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_SIZE 0x400 /* the window the EPT exit sends here: IOREGSEL, IOWIN and holes */
#define VIOAPIC_PINS 24
#define VIOAPIC_VERSION 0x11
#define VIOAPIC_ID 0 /* a VM's one I/O APIC: its ID register at power-on, and the MADT's */

/* Direct registers: offsets in the page (82093AA, 3.1). */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN 0x10

/* Indirect registers (82093AA, 3.2): ID, version, arbitration, then two per pin. */
#define VIOAPIC_REG_ID 0x00
#define VIOAPIC_REG_VER 0x01
#define VIOAPIC_REG_ARB 0x02
#define VIOAPIC_REG_RTE 0x10 /* pin n: low half at 0x10 + 2n, high half at 0x11 + 2n */

/* Redirection table entry (82093AA, 3.2.4). Bits 55:49 are KVM's extended destination ID. */
#define VIOAPIC_RTE_VECTOR 0xffull
#define VIOAPIC_RTE_DM(e) (((e) >> 8) & 7)
#define VIOAPIC_RTE_LOGICAL BIT(11)
#define VIOAPIC_RTE_DELIVS BIT(12) /* read-only: delivery pending; never, here */
#define VIOAPIC_RTE_LOW BIT(13)
#define VIOAPIC_RTE_REMOTE_IRR BIT(14) /* read-only: a level interrupt awaits its EOI */
#define VIOAPIC_RTE_LEVEL BIT(15)
#define VIOAPIC_RTE_MASKED BIT(16)
#define VIOAPIC_RTE_EXT_DEST(e) (((e) >> 49) & 0x7f)
#define VIOAPIC_RTE_DEST(e) ((u32)((e) >> 56))
#define VIOAPIC_RTE_RO (VIOAPIC_RTE_DELIVS | VIOAPIC_RTE_REMOTE_IRR)

/* Delivery modes of bits 10:8: 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT. */
#define VIOAPIC_DM_FIXED 0
#define VIOAPIC_DM_LOWEST 1
#define VIOAPIC_DM_NMI 4
#define VIOAPIC_DM_INIT 5
#define VIOAPIC_DM_EXTINT 7

/* An interrupt message for the local APICs dest names. */
struct vioapic_msg {
	u8 vector;
	u8 mode; /* VIOAPIC_DM_FIXED, _LOWEST, _NMI or _INIT */
	bool logical;
	bool level; /* level-triggered: the target sets TMR and its EOI comes back (vioapic_eoi) */
	bool x2apic; /* dest has more than 8 bits (the extended destination ID) */
	u32 dest;
};

struct vioapic {
	u32 id; /* bits 27:24 of the ID register */
	u32 regsel;
	u64 rte[VIOAPIC_PINS];
	u32 asserted; /* the input lines, one bit a pin: 1 asserted */
	u64 delivered; /* statistics: messages sent */
	/* Returns whether some local APIC took it: only then does a level pin wait for an EOI. */
	bool (*deliver)(void *ctx, const struct vioapic_msg *m);
	void *ctx;
};

/* Power-on: every pin masked, edge, vector 0 (82093AA, 3.2.4); deliver is called with ctx. */
void vioapic_init(struct vioapic *io, u32 id, bool (*deliver)(void *, const struct vioapic_msg *),
		  void *ctx);
/* RESET: as power-on, the wiring kept. */
void vioapic_reset(struct vioapic *io);
/*
 * A 32-bit access at offset (0 to VIOAPIC_SIZE - 1) of the page. Reads of anything but
 * IOREGSEL and IOWIN give 0, writes to them do nothing.
 */
u32 vioapic_mmio_read(struct vioapic *io, u32 offset);
void vioapic_mmio_write(struct vioapic *io, u32 offset, u32 val);
/*
 * Input pin `pin` goes to `level` (true: asserted). An edge-triggered pin sends on a rising
 * edge; a level-triggered one sends while asserted and its remote IRR is clear. Pins past 23
 * are no pins.
 */
void vioapic_set_irq(struct vioapic *io, u32 pin, bool level);
/* A local APIC retired level-triggered `vector` (the EOI broadcast): remote IRRs clear. */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
