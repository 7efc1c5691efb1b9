// SPDX-License-Identifier: MIT
/* The per-vCPU shared area: registration, steal time, the PREEMPTED hint and the FLUSH bit. */
#include "arch.h"

int kestrel_area_register(const struct kestrel_os *os, struct kestrel_vcpu_area *area)
{
	uint64_t gpa = kestrel_os_phys(os, area);

	if (!area || gpa % sizeof(*area))
		return -KESTREL_EINVAL;
	return kestrel_hc_set_shared_area(gpa);
}

int kestrel_area_unregister(void)
{
	return kestrel_hc_set_shared_area(0);
}

uint64_t kestrel_steal_time(const struct kestrel_vcpu_area *area)
{
	uint32_t v0, v1;
	uint64_t steal;

	/* Odd while Kestrel writes; a changed version means a torn read: again. */
	do {
		v0 = __atomic_load_n(&area->version, __ATOMIC_ACQUIRE);
		steal = __atomic_load_n(&area->steal_tsc, __ATOMIC_ACQUIRE);
		v1 = __atomic_load_n(&area->version, __ATOMIC_ACQUIRE);
	} while ((v0 & 1) || v0 != v1);
	return steal;
}

bool kestrel_vcpu_is_preempted(const struct kestrel_vcpu_area *area)
{
	return __atomic_load_n(&area->flags, __ATOMIC_ACQUIRE) & KESTREL_VCPU_PREEMPTED;
}

bool kestrel_vcpu_flush_if_preempted(struct kestrel_vcpu_area *area)
{
	uint32_t f = __atomic_load_n(&area->flags, __ATOMIC_ACQUIRE);

	/*
	 * Kestrel exchanges the word with 0 before the vCPU runs: if the swap succeeds the vCPU
	 * had not run yet and will see FLUSH; if it fails the word changed, so look again.
	 */
	while (f & KESTREL_VCPU_PREEMPTED) {
		if (__atomic_compare_exchange_n(&area->flags, &f, f | KESTREL_VCPU_FLUSH, false,
						__ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}
