// SPDX-License-Identifier: MIT
/* Finding Kestrel: the signature, ABI version, features and vCPU count from CPUID. */
#include "arch.h"

bool kestrel_detect(struct kestrel_info *info)
{
	struct kestrel_cpuid r = kestrel_arch_cpuid(KESTREL_CPUID_BASE);

	*info = (struct kestrel_info){ 0 };
	/* Leaves from 0x40000000 answer on any CPU; without a hypervisor they repeat others. */
	if (r.ebx != KESTREL_SIGNATURE_EBX || r.ecx != KESTREL_SIGNATURE_ECX ||
	    r.edx != KESTREL_SIGNATURE_EDX || r.eax < KESTREL_CPUID_FEATURES)
		return false;
	info->present = true;
	info->max_leaf = r.eax;
	r = kestrel_arch_cpuid(KESTREL_CPUID_FEATURES);
	info->abi_version = r.eax;
	info->features = r.ebx;
	info->nr_vcpus = r.ecx;
	info->resets = r.edx;
	if (info->max_leaf >= KESTREL_CPUID_TIMING) {
		r = kestrel_arch_cpuid(KESTREL_CPUID_TIMING);
		info->tsc_khz = r.eax;
		info->apic_timer_khz = r.ebx;
	}
	return info->abi_version == KESTREL_ABI_VERSION;
}

bool kestrel_has(const struct kestrel_info *info, uint32_t feature)
{
	return info->present && info->abi_version == KESTREL_ABI_VERSION &&
	       (info->features & feature) == feature;
}
