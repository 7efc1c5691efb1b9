// SPDX-License-Identifier: MIT
/* Arming the TSC-deadline timer: the lazy way through the shared area, and the plain WRMSR. */
#include "arch.h"

void kestrel_deadline_set_plain(uint64_t tsc)
{
	kestrel_arch_wrmsr(KESTREL_MSR_TSC_DEADLINE, tsc); /* 0 disarms, SDM Vol. 3A, 12.5.4.1 */
}

bool kestrel_deadline_set(struct kestrel_vcpu_area *area, uint64_t tsc)
{
	uint64_t armed;

	if (!area) {
		kestrel_deadline_set_plain(tsc);
		return true;
	}
	__atomic_store_n(&area->deadline_pending, tsc, __ATOMIC_RELAXED);
	/* The store must be visible to Kestrel before armed is read (abi.h): a full fence. */
	kestrel_arch_mfence();
	armed = __atomic_load_n(&area->deadline_armed, __ATOMIC_RELAXED);
	/* Armed earlier than (or at) tsc: Kestrel re-arms for pending when armed expires. */
	if (armed && tsc >= armed)
		return false;
	kestrel_deadline_set_plain(tsc);
	return true;
}
