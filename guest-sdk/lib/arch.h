/* SPDX-License-Identifier: MIT */
/* libkestrel's private x86-64 instruction helpers: CPUID, MSRs, fences, TLB control. */
#ifndef KESTREL_LIB_ARCH_H
#define KESTREL_LIB_ARCH_H

#include <kestrel/kestrel.h>

#define KESTREL_MSR_TSC_DEADLINE 0x6e0u /* IA32_TSC_DEADLINE, SDM Vol. 4, table 2-2 */
#define KESTREL_CR4_PGE (1ull << 7) /* SDM Vol. 3A, 2.5 */
#define KESTREL_PAGE_SIZE 4096ull
#define KESTREL_ICR_NMI (4u << 8) /* ICR delivery mode NMI, SDM Vol. 3A, 12.6.1 */

struct kestrel_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct kestrel_cpuid kestrel_arch_cpuid(uint32_t leaf)
{
	struct kestrel_cpuid r;

	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(0));
	return r;
}

static inline void kestrel_arch_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

/* A full fence: the store to deadline_pending is globally visible before armed is read. */
static inline void kestrel_arch_mfence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static inline void kestrel_arch_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void kestrel_arch_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* INVPCID types 2 and 3: every PCID, with or without globals (SDM Vol. 2A, INVPCID). */
#define KESTREL_INVPCID_ALL 2u
#define KESTREL_INVPCID_NONGLOBAL 3u

static inline void kestrel_arch_invpcid(uint64_t type)
{
	/* The descriptor (PCID, address) is ignored by the all-context types, but still read. */
	struct {
		uint64_t pcid, addr;
	} desc = { 0, 0 };

	__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(type) : "memory");
}

static inline uint64_t kestrel_arch_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void kestrel_arch_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t kestrel_arch_read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void kestrel_arch_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t kestrel_arch_save_flags_cli(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void kestrel_arch_restore_flags(uint64_t f)
{
	__asm__ volatile("push %0; popfq" : : "r"(f) : "memory", "cc");
}

static inline uint64_t kestrel_os_phys(const struct kestrel_os *os, const void *p)
{
	return os && os->virt_to_phys ? os->virt_to_phys(p) : (uint64_t)(uintptr_t)p;
}

#endif
