// SPDX-License-Identifier: GPL-2.0
/* EOI-induced exits (APICv): a level-triggered vector retired, its EOI goes on to the I/O APIC. */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/apic_bus.h"
#include "hv/dev/vlapic_page.h"
#include "hv/vcpu.h"

/*
 * The processor cleared the vector's ISR bit already (EOI virtualization, SDM Vol. 3C, 30.1.4)
 * and the run loop pulled the page; the exit is trap-like, RIP is past the WRMSR. The exit
 * qualification is the vector (29.2.1).
 */
enum exit_action exit_eoi_induced(struct vcpu *v)
{
	u8 vector = (u8)vmcs_readl(EXIT_QUALIFICATION);
	struct vlapic_ipi none;

	apic_bus_result(v, vlapic_page_eoi_exit(&v->lapic, vector), &none);
	return EXIT_RESUME;
}
