/* SPDX-License-Identifier: GPL-2.0 */
/* The wire between a VM's virtual local APICs: IPIs from one vCPU to others. */
#ifndef KESTREL_HV_APIC_BUS_H
#define KESTREL_HV_APIC_BUS_H

#include "hv/dev/vioapic.h"
#include "hv/dev/vlapic.h"

struct vcpu;
struct vm;

/* Delivers an IPI the sender's vLAPIC produced to every vCPU it names. */
void apic_bus_send(struct vcpu *sender, const struct vlapic_ipi *ipi);
/*
 * The same for the fixed IPI of one x2APIC ICR write that vlapic_x2apic_icr_fixed took: to the
 * vCPU whose APIC ID is dest (the sender's own for "self"), if there is one that takes it.
 */
void apic_bus_send_fixed(struct vcpu *sender, u32 dest, u8 vector);
/*
 * Delivers an I/O APIC's message to the vCPUs of vm it names (a destination no vCPU has reaches
 * nobody); true when one took it. Lowest priority goes to the first match.
 */
bool apic_bus_send_message(struct vm *vm, const struct vioapic_msg *m);
/*
 * v's vLAPIC may have changed mode (created, reset, IA32_APIC_BASE written): keeps the VM's
 * count of xAPIC-mode vLAPICs, which decides whether an x2APIC logical IPI may go straight to
 * the IDs its cluster and bits name. On v's pCPU.
 */
void apic_bus_mode_changed(struct vcpu *v);
/* Acts on the result bits of a vLAPIC register access: #GP, IPIs. Returns false on #GP. */
bool apic_bus_act(struct vcpu *v, u32 result, const struct vlapic_ipi *ipi);
/* The same, inline for the common case (a timer write, an EOI of an edge vector): nothing. */
static inline bool apic_bus_result(struct vcpu *v, u32 result, const struct vlapic_ipi *ipi)
{
	if (!(result & (VLAPIC_R_GP | VLAPIC_R_IPI | VLAPIC_R_EOI_LEVEL)))
		return true;
	return apic_bus_act(v, result, ipi);
}

#endif
