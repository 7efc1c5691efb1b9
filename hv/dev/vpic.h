/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's pair of 8259A interrupt controllers (ports 0x20/0x21, 0xa0/0xa1) and the ELCR. */
#ifndef KESTREL_HV_DEV_VPIC_H
#define KESTREL_HV_DEV_VPIC_H

#include "lib/types.h"

/*
 * Pure logic after the Intel 8259A Programmable Interrupt Controller data sheet: the
 * initialization sequence (ICW1-4), the mask (OCW1), EOIs and rotation (OCW2), reading IRR or
 * ISR and polling (OCW3), the slave on the master's IR2; and the edge/level control registers
 * (ELCR) of PC chipsets at 0x4d0/0x4d1. In a VM the I/O APIC takes the interrupts: the pair's
 * output is computed (vpic_output, vpic_intack) but nothing consumes it.
 */
#define VPIC_MASTER_CMD 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD 0xa0
#define VPIC_SLAVE_DATA 0xa1
#define VPIC_ELCR_MASTER 0x4d0
#define VPIC_ELCR_SLAVE 0x4d1
#define VPIC_CASCADE_IRQ 2

struct vpic_chip {
	u8 irr, isr, imr;
	u8 lines; /* input levels */
	u8 elcr; /* 1: level-triggered */
	u8 elcr_writable; /* IRQ 0, 1, 2, 8 and 13 are edge-only on a PC */
	u8 vector_base; /* ICW2[7:3] */
	u8 icw3;
	u8 init_step; /* 0: ready; 2, 3, 4: the ICW the next data write is */
	u8 lowest; /* the IR with the lowest priority (rotation) */
	bool need_icw4, single, auto_eoi, rotate_on_aeoi, read_isr, poll, special_mask;
};

struct vpic {
	struct vpic_chip chip[2]; /* master, slave */
};

void vpic_init(struct vpic *p);
/* Whether port is one of the six the pair answers. */
bool vpic_owns_port(u16 port);
/* Byte accesses to the ports above; others read 0xff. */
u8 vpic_read(struct vpic *p, u16 port);
void vpic_write(struct vpic *p, u16 port, u8 val);
/* ISA IRQ irq (0-15) goes to level; 2 is the cascade and is not an input. */
void vpic_set_irq(struct vpic *p, u32 irq, bool level);
/* Whether the master's INT output is asserted. */
bool vpic_output(const struct vpic *p);
/* An interrupt acknowledge cycle: the vector the pair gives (IRR -> ISR), or IRQ 7's (spurious). */
u8 vpic_intack(struct vpic *p);

#endif
