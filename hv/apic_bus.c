// SPDX-License-Identifier: GPL-2.0
/* Routes fixed, NMI, INIT and SIPI IPIs between a VM's vCPUs (SDM Vol. 3A, 12.6). */
#include "hv/apic_bus.h"
#include "arch/x86/cpu.h"
#include "lib/atomic.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "hv/vm.h"

static void deliver(struct vcpu *to, const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		vcpu_deliver_irq(to, ipi->vector);
		break;
	case VLAPIC_DM_NMI:
		if (vlapic_accepts_nmi(&to->lapic)) /* the same test as a PV NMI's (pv/ipi.c) */
			vcpu_send_nmi(to);
		break;
	case VLAPIC_DM_INIT:
		vcpu_send_init(to);
		break;
	case VLAPIC_DM_STARTUP:
		/* A SIPI is ignored unless the target waits for one (9.4.4); its pCPU decides. */
		vcpu_send_sipi(to, ipi->vector);
		break;
	}
}

void apic_bus_mode_changed(struct vcpu *v)
{
	u8 mode = (u8)vlapic_mode(&v->lapic);

	if (mode == v->apic_bus_mode)
		return;
	if (v->apic_bus_mode == VLAPIC_MODE_XAPIC)
		atomic_sub(&v->vm->apic_xapic, 1);
	if (mode == VLAPIC_MODE_XAPIC)
		atomic_add(&v->vm->apic_xapic, 1);
	v->apic_bus_mode = mode;
}

/*
 * An x2APIC logical destination, every vLAPIC of the VM in x2APIC mode: its logical ID is
 * derived from its APIC ID, cluster (ID >> 4) in 31:16 and bit 1 << (ID & 15) in 15:0 (SDM
 * Vol. 3A, 12.12.10.2), so the cluster and bits name the only vCPUs that can match: O(targets).
 * Lowest priority goes to the first match in ID order, as the walk would.
 */
static void send_x2apic_cluster(struct vcpu *sender, const struct vlapic_ipi *ipi)
{
	u32 cluster = ipi->dest >> 16, bits = ipi->dest & 0xffff;

	while (bits) {
		struct vcpu *to = vm_vcpu_by_apic_id(sender->vm, cluster << 4 | __builtin_ctz(bits));

		bits &= bits - 1;
		if (!to || !vlapic_ipi_hits(&to->lapic, &sender->lapic, ipi))
			continue;
		deliver(to, ipi);
		if (ipi->mode == VLAPIC_DM_LOWEST)
			break;
	}
}

void apic_bus_send_fixed(struct vcpu *sender, u32 dest, u8 vector)
{
	struct vcpu *to = vm_vcpu_by_apic_id(sender->vm, dest);

	sender->stats.ipis_sent++;
	/* vlapic_ipi_hits's physical test: the target's own ID (its low 8 bits in xAPIC mode). */
	if (to && vlapic_match_physical(&to->lapic, dest))
		vcpu_deliver_irq(to, vector);
}

void apic_bus_send(struct vcpu *sender, const struct vlapic_ipi *ipi)
{
	struct vm *vm = sender->vm;
	u32 broadcast = ipi->x2apic ? 0xffffffffu : 0xffu;

	sender->stats.ipis_sent++;
	/* To itself: nobody else to ask (SDM Vol. 3A, 12.6.1, destination shorthand 01b). */
	if (ipi->shorthand == VLAPIC_SH_SELF) {
		deliver(sender, ipi);
		return;
	}
	/* Physical, one destination: the APIC ID is the vCPU index, no need to ask everyone. */
	if (ipi->shorthand == VLAPIC_SH_NONE && !ipi->logical && ipi->dest != broadcast) {
		struct vcpu *to = vm_vcpu_by_apic_id(vm, ipi->dest);

		if (to && vlapic_ipi_hits(&to->lapic, &sender->lapic, ipi))
			deliver(to, ipi);
		return;
	}
	if (ipi->shorthand == VLAPIC_SH_NONE && ipi->logical && ipi->x2apic &&
	    ipi->dest != broadcast && !atomic_read_seq(&vm->apic_xapic)) {
		send_x2apic_cluster(sender, ipi);
		return;
	}
	/* Lowest priority goes to the first match: a valid choice, 11.6.2.4 leaves it open. */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *to = vm->vcpus[i];

		if (!vlapic_ipi_hits(&to->lapic, &sender->lapic, ipi))
			continue;
		deliver(to, ipi);
		if (ipi->mode == VLAPIC_DM_LOWEST)
			break;
	}
}

bool apic_bus_send_message(struct vm *vm, const struct vioapic_msg *m)
{
	bool taken = false;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *to = vm->vcpus[i];

		if (!vlapic_match_dest(&to->lapic, m->dest, m->logical, m->x2apic))
			continue;
		switch (m->mode) {
		case VIOAPIC_DM_FIXED:
		case VIOAPIC_DM_LOWEST:
			/* A software-disabled APIC does not take it (SDM Vol. 3A, 12.4.7.2). */
			if (vlapic_mode(&to->lapic) == VLAPIC_MODE_DISABLED ||
			    !(to->lapic.svr & VLAPIC_SVR_ENABLE))
				continue;
			vcpu_deliver_irq_trig(to, m->vector, m->level);
			break;
		case VIOAPIC_DM_NMI:
			if (!vlapic_accepts_nmi(&to->lapic))
				continue;
			vcpu_request(to, VCPU_REQ_NMI);
			break;
		default:
			vcpu_request(to, VCPU_REQ_INIT);
			break;
		}
		taken = true;
		if (m->mode == VIOAPIC_DM_LOWEST)
			break;
	}
	return taken;
}

bool apic_bus_act(struct vcpu *v, u32 result, const struct vlapic_ipi *ipi)
{
	if (result & VLAPIC_R_GP) {
		vcpu_inject_gp(v);
		return false;
	}
	if (result & VLAPIC_R_IPI)
		apic_bus_send(v, ipi);
	/* The EOI of a level-triggered vector goes on to the I/O APIC (12.8.5). */
	if (result & VLAPIC_R_EOI_LEVEL)
		platform_eoi(v->vm, v->lapic.level_eoi_vector);
	return true;
}
