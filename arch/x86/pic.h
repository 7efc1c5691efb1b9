/* SPDX-License-Identifier: GPL-2.0 */
/* The legacy 8259A interrupt controllers, which Kestrel only silences. */
#ifndef KESTREL_ARCH_X86_PIC_H
#define KESTREL_ARCH_X86_PIC_H

/* Moves the PICs' vectors off the exception range and masks every line. */
void pic_disable(void);

#endif
