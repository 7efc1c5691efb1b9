// SPDX-License-Identifier: MIT
/* The plain ways, for a guest without PV (or to compare): IPIs one by one, IPI shootdowns. */
#include "arch.h"
#include "flush_plan.h"

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

/* CPUID bits the local flush needs, probed once (the answer never changes): an exit in a VM. */
#define PROBED (1u << 0)
#define HAS_INVPCID (1u << 1)
#define HAS_PGE (1u << 2)
static uint32_t cpu_bits;

static uint32_t probe(void)
{
	uint32_t bits = __atomic_load_n(&cpu_bits, __ATOMIC_RELAXED);

	if (bits)
		return bits;
	bits = PROBED;
	/* CPUID.01H:EDX[13] PGE; CPUID.(EAX=07H,ECX=0):EBX[10] INVPCID (SDM Vol. 2A, CPUID). */
	if (kestrel_arch_cpuid(1).edx & (1u << 13))
		bits |= HAS_PGE;
	if (kestrel_arch_cpuid(0).eax >= 7 && (kestrel_arch_cpuid(7).ebx & (1u << 10)))
		bits |= HAS_INVPCID;
	__atomic_store_n(&cpu_bits, bits, __ATOMIC_RELAXED);
	return bits;
}

void kestrel_flush_local(uint32_t flags, const struct kestrel_flush_range *ranges,
			 uint32_t nr_ranges)
{
	uint32_t bits = probe(), plan;
	struct kestrel_flush_cpu cpu;
	uint64_t f;

	/* CR4 read with interrupts off: nothing changes it between the plan and the toggle. */
	f = kestrel_arch_save_flags_cli();
	cpu = (struct kestrel_flush_cpu){ kestrel_arch_read_cr4(), bits & HAS_INVPCID,
					  bits & HAS_PGE };
	plan = kestrel_flush_plan(flags, range_pages(ranges, nr_ranges), &cpu);
	if (plan & KESTREL_PLAN_INVLPG)
		for (uint32_t i = 0; i < nr_ranges; i++)
			for (uint64_t p = 0; p < ranges[i].pages; p++)
				kestrel_arch_invlpg(ranges[i].addr + p * KESTREL_PAGE_SIZE);
	if (plan & KESTREL_PLAN_INVPCID_ALL)
		kestrel_arch_invpcid(KESTREL_INVPCID_ALL);
	if (plan & KESTREL_PLAN_INVPCID_NONGLOBAL)
		kestrel_arch_invpcid(KESTREL_INVPCID_NONGLOBAL);
	if (plan & KESTREL_PLAN_PGE_TOGGLE) {
		kestrel_arch_write_cr4(cpu.cr4 ^ KESTREL_CR4_PGE);
		kestrel_arch_write_cr4(cpu.cr4);
	}
	if (plan & KESTREL_PLAN_CR3)
		kestrel_arch_write_cr3(kestrel_arch_read_cr3());
	kestrel_arch_restore_flags(f);
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
