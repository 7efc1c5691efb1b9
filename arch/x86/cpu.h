/* SPDX-License-Identifier: GPL-2.0 */
/* x86 instructions as C inlines: CPUID, control registers, MSRs, port I/O, TSC. */
/*
 * Every "SDM" citation in the tree is to one edition of the Intel 64 and IA-32 Architectures
 * Software Developer's Manual: combined volumes, order number 325462-080US, June 2023
 * (docs/design.md, "Sources"). Older editions number chapters differently.
 */
#ifndef KESTREL_ARCH_X86_CPU_H
#define KESTREL_ARCH_X86_CPU_H

#include "lib/types.h"

/* Control-register bits, SDM Vol. 3A, 2.5. */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_PGE BIT(7)
#define CR4_VMXE BIT(13)

/* CPUID feature bits, SDM Vol. 2A, CPUID, the feature-information tables of leaf 01H. */
#define CPUID1_ECX_VMX BIT(5)
#define CPUID1_ECX_X2APIC BIT(21)
#define CPUID1_ECX_TSC_DEADLINE BIT(24)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID1_EDX_APIC BIT(9)
#define CPUID80000001_EDX_PAGE1GB BIT(26)
#define CPUID80000007_EDX_INVARIANT_TSC BIT(8)

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                   \
	static inline u64 read_cr##n(void)                              \
	{                                                               \
		u64 v;                                                  \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));           \
		return v;                                               \
	}                                                               \
	static inline void write_cr##n(u64 v)                           \
	{                                                               \
		asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory");    \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

static inline u64 irq_save(void)
{
	u64 flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	return flags;
}

static inline void irq_restore(u64 flags)
{
	asm volatile("pushq %0; popfq" ::"r"(flags) : "memory", "cc");
}

/* sti; hlt back to back: the sti shadow means no interrupt slips in between. */
static inline void cpu_wait_for_interrupt(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}

static inline __noreturn void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
