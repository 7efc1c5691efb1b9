/* SPDX-License-Identifier: GPL-2.0 */
/* The wire between a VM's virtual local APICs: IPIs from one vCPU to others. */
#ifndef KESTREL_HV_APIC_BUS_H
#define KESTREL_HV_APIC_BUS_H

#include "hv/dev/vlapic.h"

struct vcpu;

/* Delivers an IPI the sender's vLAPIC produced to every vCPU it names. */
void apic_bus_send(struct vcpu *sender, const struct vlapic_ipi *ipi);
/* Acts on the result bits of a vLAPIC register access: #GP, IPIs. Returns false on #GP. */
bool apic_bus_result(struct vcpu *v, u32 result, const struct vlapic_ipi *ipi);

#endif
