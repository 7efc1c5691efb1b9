// SPDX-License-Identifier: GPL-2.0
/* Local APIC access in either mode, and sending IPIs (SDM Vol. 3A, 12.6 and 12.12). */
#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vectors.h"

static bool x2apic;
static volatile u32 *xapic_mmio;

bool lapic_is_x2apic(void)
{
	return x2apic;
}

bool lapic_setup_bsp(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	u64 base;

	if (!(r.edx & CPUID1_EDX_APIC))
		return false;
	base = rdmsr(MSR_IA32_APIC_BASE);
	/* Firmware may already have chosen x2APIC; it cannot be left again without a reset. */
	x2apic = (r.ecx & CPUID1_ECX_X2APIC) || (base & APIC_BASE_X2APIC);
	xapic_mmio = (volatile u32 *)(uintptr_t)(base & 0xffffff000ULL);
	return true;
}

u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + reg / 16);
	return xapic_mmio[reg / 4];
}

void lapic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + reg / 16, v);
	else
		xapic_mmio[reg / 4] = v;
}

u32 lapic_id(void)
{
	u32 id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

void lapic_init_cpu(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE;

	/* xAPIC -> x2APIC goes through enabled xAPIC, SDM Vol. 3A, 12.12.5, figure 12-27. */
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS); /* software enable */
	lapic_write(LAPIC_ESR, 0);
	lapic_eoi();
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(u32 apic_id, u32 icr_lo)
{
	if (x2apic) {
		/* One 64-bit write, and no delivery-status bit to poll (11.12.9). */
		wrmsr(0x800 + LAPIC_ICR_LO / 16, ((u64)apic_id << 32) | icr_lo);
		return true;
	}
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
	for (u32 i = 0; i < 1000000; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

void lapic_stop_others(void)
{
	if (xapic_mmio || x2apic)
		lapic_send_ipi(0, ICR_NMI | ICR_DEST_ALL_BUT_SELF);
}
