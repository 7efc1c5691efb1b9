// SPDX-License-Identifier: MIT
/* Masks the legacy 8259 PICs, which a BIOS leaves sending IRQ 0 on vector 8 (#DF's). */
#include "internal.h"

#define PIC_MASTER_DATA	0x21
#define PIC_SLAVE_DATA	0xa1

/*
 * Masking LINT0 in the local APIC is not enough everywhere (Bochs delivers the 8259's INTR
 * past it), so the interrupt mask registers (OCW1, 8259A data sheet) get all ones. A VM
 * without 8259s ignores the two writes.
 */
void rt_pic_mask_all(void)
{
	rt_outb(PIC_MASTER_DATA, 0xff);
	rt_outb(PIC_SLAVE_DATA, 0xff);
}
