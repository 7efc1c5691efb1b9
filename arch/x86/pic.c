// SPDX-License-Identifier: GPL-2.0
/* Silences the 8259A pair: firmware leaves IRQ0 on vector 8, where it would look like a #DF. */
#include "arch/x86/pic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vectors.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	/* ICW1-ICW4 (8259A data sheet): edge, cascade, 8086 mode; vectors 0x20 and 0x28. */
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_FIRST_IRQ);
	outb(PIC2_DATA, VEC_FIRST_IRQ + 8);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
