/* SPDX-License-Identifier: GPL-2.0 */
/* Descriptor tables: each CPU's GDT, 64-bit TSS and IDT (SDM Vol. 3A, chapters 3, 9 and 7). */
#ifndef KESTREL_ARCH_X86_DESC_H
#define KESTREL_ARCH_X86_DESC_H

#include "lib/types.h"

#define GDT_NULL 0
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define GDT_ENTRIES 5 /* the TSS descriptor takes two */

/* Interrupt stack table slots (1-based in the IDT gate). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3
#define IST_STACK_SIZE 8192

/* 64-bit TSS, SDM Vol. 3A, 9.7, figure 9-11. */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM Vol. 3A, figure 9-11)");

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout (SDM Vol. 3A, figure 7-8)");

/* A CPU's own tables: its slice of struct percpu. */
struct desc_cpu {
	struct idt_gate idt[256];
	u64 gdt[GDT_ENTRIES];
	struct tss64 tss;
} __aligned(16);

struct percpu;

/* Builds and loads cpu's GDT, TSS and IDT, and points GS at cpu. */
void desc_load(struct percpu *cpu);

#endif
