// SPDX-License-Identifier: MIT
/* The plain ways, for a guest without PV (or to compare): IPIs one by one, IPI shootdowns. */
#include "arch.h"

/* More pages than this in a range flush: reload CR3 instead of INVLPG per page. */
#define FLUSH_LOCAL_MAX_PAGES 64u

static uint32_t apic_id_of(const struct kestrel_os *os, uint32_t vcpu)
{
	return os->apic_id ? os->apic_id(vcpu) : vcpu;
}

static uint32_t icr_of(uint32_t vector_flags)
{
	return vector_flags & KESTREL_IPI_NMI ? KESTREL_ICR_NMI : (vector_flags & 0xff);
}

void kestrel_ipi_plain(const struct kestrel_os *os, const struct kestrel_vpset *s,
		       uint32_t vector_flags)
{
	uint32_t icr = icr_of(vector_flags);

	kestrel_vpset_for_each(s, v)
		os->send_ipi(apic_id_of(os, (uint32_t)v), icr);
}

static uint64_t range_pages(const struct kestrel_flush_range *ranges, uint32_t nr)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < nr; i++)
		n += ranges[i].pages;
	return n;
}

void kestrel_flush_local(uint32_t flags, const struct kestrel_flush_range *ranges,
			 uint32_t nr_ranges)
{
	uint64_t f, cr4;

	if (flags & KESTREL_FLUSH_ALL) {
		/* Toggling CR4.PGE drops global entries too (SDM Vol. 3A, 5.10.4.1). */
		f = kestrel_arch_save_flags_cli();
		cr4 = kestrel_arch_read_cr4();

		if (cr4 & KESTREL_CR4_PGE) {
			kestrel_arch_write_cr4(cr4 & ~KESTREL_CR4_PGE);
			kestrel_arch_write_cr4(cr4);
		} else {
			kestrel_arch_write_cr3(kestrel_arch_read_cr3());
		}
		kestrel_arch_restore_flags(f);
		return;
	}
	if ((flags & KESTREL_FLUSH_RANGES) &&
	    range_pages(ranges, nr_ranges) <= FLUSH_LOCAL_MAX_PAGES) {
		for (uint32_t i = 0; i < nr_ranges; i++)
			for (uint64_t p = 0; p < ranges[i].pages; p++)
				kestrel_arch_invlpg(ranges[i].addr + p * KESTREL_PAGE_SIZE);
		return;
	}
	/* A CR3 write drops the non-global entries (SDM Vol. 3A, 5.10.4.1). */
	kestrel_arch_write_cr3(kestrel_arch_read_cr3());
}

void kestrel_shootdown_handle(struct kestrel_shootdown *sd)
{
	kestrel_flush_local(sd->flags, sd->ranges, sd->nr_ranges);
	__atomic_fetch_add(&sd->acks, 1, __ATOMIC_RELEASE);
}

uint32_t kestrel_shootdown(const struct kestrel_os *os, struct kestrel_shootdown *sd,
			   const struct kestrel_vpset *s, uint32_t self, uint8_t vector,
			   bool use_flush_bit)
{
	uint32_t sent = 0, flagged = 0;

	__atomic_store_n(&sd->acks, 0, __ATOMIC_RELEASE);
	kestrel_vpset_for_each(s, v) {
		struct kestrel_vcpu_area *a;

		if ((uint32_t)v == self)
			continue;
		a = use_flush_bit && os->vcpu_area ? os->vcpu_area((uint32_t)v) : NULL;
		if (a && kestrel_vcpu_flush_if_preempted(a)) {
			flagged++;
			continue;
		}
		os->send_ipi(apic_id_of(os, (uint32_t)v), vector);
		sent++;
	}
	if (kestrel_vpset_test(s, self))
		kestrel_flush_local(sd->flags, sd->ranges, sd->nr_ranges);
	while (__atomic_load_n(&sd->acks, __ATOMIC_ACQUIRE) < sent)
		kestrel_arch_pause();
	sd->sent = sent;
	sd->flagged = flagged;
	return sent;
}
