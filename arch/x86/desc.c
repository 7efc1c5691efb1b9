// SPDX-License-Identifier: GPL-2.0
/* Builds and loads each CPU's GDT, TSS and IDT, and sets its GS base to its struct percpu. */
#include "arch/x86/desc.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/vectors.h"
#include "lib/string.h"

struct __packed desc_ptr {
	u16 limit;
	u64 base;
};

/* A 64-bit TSS descriptor spans two GDT slots, SDM Vol. 3A, 9.2.3, figure 9-4. */
static void set_tss_desc(u64 *gdt, const struct tss64 *tss)
{
	u64 base = (u64)(uintptr_t)tss, limit = sizeof(*tss) - 1;

	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
			   (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;
}

static void set_gate(struct idt_gate *g, u64 handler, u8 ist)
{
	g->offset_lo = (u16)handler;
	g->selector = SEL_CODE;
	g->ist = ist;
	g->type_attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	g->offset_mid = (u16)(handler >> 16);
	g->offset_hi = (u32)(handler >> 32);
	g->reserved = 0;
}

void desc_load(struct percpu *cpu)
{
	struct desc_cpu *d = &cpu->desc;
	struct desc_ptr gdtr = { sizeof(d->gdt) - 1, (u64)(uintptr_t)d->gdt };
	struct desc_ptr idtr = { sizeof(d->idt) - 1, (u64)(uintptr_t)d->idt };

	memset(d, 0, sizeof(*d));
	d->gdt[SEL_CODE / 8] = 0x00af9a000000ffffULL;
	d->gdt[SEL_DATA / 8] = 0x00cf92000000ffffULL;
	for (int i = 0; i < IST_COUNT; i++)
		d->tss.ist[i] = cpu->ist_top[i];
	d->tss.iomap_base = sizeof(d->tss); /* no I/O bitmap */
	set_tss_desc(d->gdt, &d->tss);

	for (int v = 0; v < 256; v++) {
		u8 ist = v == VEC_DF ? IST_DOUBLE_FAULT : v == VEC_NMI ? IST_NMI :
				       v == VEC_MC ? IST_MACHINE_CHECK : 0;

		set_gate(&d->idt[v], trap_stubs[v], ist);
	}

	asm volatile("lgdt %0" ::"m"(gdtr));
	/* Reload CS with a far return, then the data segments and the task register. */
	asm volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
		     ::"i"(SEL_CODE) : "rax", "memory");
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" ::"r"((u32)SEL_DATA));
	asm volatile("mov %0, %%fs; mov %0, %%gs" ::"r"(0));
	asm volatile("ltr %w0" ::"r"((u16)SEL_TSS));
	asm volatile("lidt %0" ::"m"(idtr));
	cpu->self = cpu;
	wrmsr(MSR_IA32_GS_BASE, (u64)(uintptr_t)cpu);
}
