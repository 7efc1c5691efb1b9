/* SPDX-License-Identifier: MIT */
/* Single x86-64 instructions as inline functions: TSC, MSRs, port I/O, interrupts. */
#ifndef KESTREL_RT_CPU_H
#define KESTREL_RT_CPU_H

#include <kestrel-rt/types.h>

/* MSRs the runtime and the test guests use (SDM Vol. 4, table 2-2). */
#define RT_MSR_IA32_TSC			0x010
#define RT_MSR_IA32_APIC_BASE		0x01b
#define RT_MSR_IA32_TSC_DEADLINE	0x6e0
#define RT_MSR_IA32_EFER		0xc0000080
#define RT_MSR_IA32_GS_BASE		0xc0000101
#define RT_MSR_IA32_TSC_AUX		0xc0000103

struct rt_cpuid {
	u32 eax, ebx, ecx, edx;
};

/*
 * CPUID, counted: every CPUID the runtime and the guest execute through this goes into
 * rt_cpuid_executed(), so a test can compare it with the hypervisor's exit statistics.
 */
struct rt_cpuid rt_cpuid(u32 leaf, u32 subleaf);
u64 rt_cpuid_executed(void);

static inline u64 rt_rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* RDTSC that neither earlier nor later instructions pass (SDM Vol. 2B, RDTSC). */
static inline u64 rt_rdtsc_ordered(void)
{
	u32 lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

/* RDTSCP: the TSC and IA32_TSC_AUX in *aux. */
static inline u64 rt_rdtscp(u32 *aux)
{
	u32 lo, hi, c;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	*aux = c;
	return ((u64)hi << 32) | lo;
}

/* a * b / c without overflow in between; saturates when the result needs 65 bits. */
static inline u64 rt_muldiv(u64 a, u64 b, u64 c)
{
	u64 lo, hi, q, r;

	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
	if (hi >= c)
		return ~0ull;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c) : "cc");
	return q;
}

static inline void rt_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void rt_hlt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline void rt_cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void rt_sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* STI;HLT: the STI shadow means an interrupt cannot slip in between (SDM Vol. 2B, STI). */
static inline void rt_sti_hlt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static inline u64 rt_save_flags_cli(void)
{
	u64 flags;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void rt_restore_flags(u64 flags)
{
	__asm__ volatile("push %0; popfq" : : "r"(flags) : "memory", "cc");
}

static inline bool rt_irqs_enabled(void)
{
	u64 flags;

	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	return flags & (1 << 9); /* RFLAGS.IF */
}

static inline u64 rt_rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void rt_wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/*
 * RDMSR and WRMSR that survive a #GP: they return false where the instruction faulted (an MSR
 * the CPU does not have, a reserved bit set), and RDMSR then leaves 0 in *val. The runtime's
 * #GP path recognises these two instructions and steps over them (guest-sdk/runtime/irq.c),
 * so any CPU may probe at any time, with interrupts on or off.
 */
bool rt_rdmsr_safe(u32 msr, u64 *val);
bool rt_wrmsr_safe(u32 msr, u64 val);

static inline void rt_mfence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static inline u8 rt_inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void rt_outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void rt_outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 rt_inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rt_read_cr2(void)
{
	u64 v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Feature bits the runtime reads once at boot (SDM Vol. 2A, CPUID, feature tables). */
#define RT_CPUID1_ECX_VMX		(1u << 5)
#define RT_CPUID1_ECX_X2APIC		(1u << 21)
#define RT_CPUID1_ECX_TSC_DEADLINE	(1u << 24)
#define RT_CPUID1_ECX_HYPERVISOR	(1u << 31)
#define RT_CPUID1_EDX_APIC		(1u << 9)
#define RT_CPUID80000001_EDX_RDTSCP	(1u << 27)

struct rt_cpu_features {
	u32 max_leaf;		/* CPUID.0:EAX */
	u32 max_ext_leaf;	/* CPUID.80000000h:EAX */
	u32 leaf1_ecx, leaf1_edx;
	bool x2apic;
	bool tsc_deadline;
	bool rdtscp;
	bool hypervisor;
};

/* What the bootstrap CPU found at boot (CPUID is not executed again for these). */
const struct rt_cpu_features *rt_cpu_features(void);

#endif
