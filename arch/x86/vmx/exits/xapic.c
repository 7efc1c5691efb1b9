// SPDX-License-Identifier: GPL-2.0
/*
 * The xAPIC page (0xfee00000): an MMIO region of every VM (claimed at its creation); each access
 * exits/mmio.c decodes is carried out against the vCPU's virtual local APIC (hv/dev/vlapic.c).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "hv/apic_bus.h"
#include "hv/arch.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "lib/console.h"
#include "pv/pv.h"

static int xapic_mmio(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write, u64 *value)
{
	u32 off = (u32)offset, r, val32 = 0;
	struct vlapic_ipi ipi;
	u64 now = rdtsc();

	(void)opaque;
	/*
	 * Not in xAPIC mode, the page is no APIC. Globally disabled, "the processor is functionally
	 * equivalent to an IA-32 processor without an on-chip APIC" (SDM Vol. 3A, 12.4.3), and in
	 * x2APIC mode an access to the page behaves as with a globally disabled xAPIC (12.12.1.2):
	 * the access goes to the platform, where nothing answers at the APIC's address, so it
	 * reads as a PC's unbacked physical memory does, all ones at every size, and a write goes
	 * nowhere.
	 */
	if (vlapic_mode(&v->lapic) != VLAPIC_MODE_XAPIC) {
		if (!write)
			*value = ~0ull;
		return REGION_MMIO_DONE;
	}
	/* The APIC answers aligned 32-bit accesses; other reads are 0, other writes go nowhere. */
	if (size != 4 || (off & 0xf)) {
		if (!write)
			*value = 0;
		return REGION_MMIO_DONE;
	}
	if (!write) {
		r = vlapic_mmio_read(&v->lapic, off, now, &val32);
		*value = val32;
		return apic_bus_result(v, r, &ipi) ? REGION_MMIO_DONE : REGION_MMIO_ABANDON;
	}
	r = vlapic_mmio_write(&v->lapic, off, (u32)*value, now, &ipi);
	if (!apic_bus_result(v, r, &ipi))
		return REGION_MMIO_ABANDON;
	pv_deadline_sync(v);
	if (r & VLAPIC_R_TIMER)
		sched_timers_changed(v);
	return REGION_MMIO_DONE;
}

void arch_vm_create(struct vm *vm)
{
	int err = vm_mmio_claim(vm, XAPIC_PAGE, PAGE_SIZE, xapic_mmio, NULL, "the local APIC page");

	/* In the PCI hole, where no RAM is (mm/guest_mem.h): a failure here is a bug. */
	if (err)
		pr_warn("vm %s: the xAPIC page at %#lx is not free (%d): no xAPIC MMIO there",
			vm->name, (u64)XAPIC_PAGE, err);
}
