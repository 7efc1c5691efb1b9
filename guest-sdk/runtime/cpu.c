// SPDX-License-Identifier: MIT
/* Counted CPUID, the feature bits read once at boot, and each CPU's GS-based per-CPU data. */
#include "internal.h"

/* Incremented by crt0.asm as well (its two CPUIDs run before C). */
volatile u64 rt_cpuid_count;

struct rt_percpu rt_percpu[RT_MAX_CPUS];
static struct rt_cpu_features features;

struct rt_cpuid rt_cpuid(u32 leaf, u32 subleaf)
{
	struct rt_cpuid r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	rt_atomic_add64(&rt_cpuid_count, 1);
	return r;
}

u64 rt_cpuid_executed(void)
{
	return rt_atomic_load64(&rt_cpuid_count);
}

void rt_cpu_features_init(void)
{
	struct rt_cpuid r = rt_cpuid(0, 0);

	features.max_leaf = r.eax;
	r = rt_cpuid(1, 0);
	features.leaf1_ecx = r.ecx;
	features.leaf1_edx = r.edx;
	features.x2apic = r.ecx & RT_CPUID1_ECX_X2APIC;
	features.tsc_deadline = r.ecx & RT_CPUID1_ECX_TSC_DEADLINE;
	features.hypervisor = r.ecx & RT_CPUID1_ECX_HYPERVISOR;
	r = rt_cpuid(0x80000000, 0);
	features.max_ext_leaf = r.eax;
	if (features.max_ext_leaf >= 0x80000001)
		features.rdtscp = rt_cpuid(0x80000001, 0).edx & RT_CPUID80000001_EDX_RDTSCP;
}

const struct rt_cpu_features *rt_cpu_features(void)
{
	return &features;
}

void rt_percpu_init(u32 index)
{
	struct rt_percpu *p = &rt_percpu[index];

	p->self = p;
	p->index = index;
	rt_wrmsr(RT_MSR_IA32_GS_BASE, (u64)(uintptr_t)p);
}
