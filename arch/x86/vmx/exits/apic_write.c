// SPDX-License-Identifier: GPL-2.0
/* APIC-write exits (APICv): a write the processor put in the virtual-APIC page, for the vLAPIC. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/apic_bus.h"
#include "hv/dev/vlapic_page.h"
#include "hv/vcpu.h"

/*
 * With "virtualize x2APIC mode" only the SELF IPI write can end here: one the processor does
 * not virtualize itself (a vector below 16, for one) is written to offset 3F0H of the page and
 * exits (SDM Vol. 3C, 30.4.3.2, 30.5). The exit is trap-like, RIP past the WRMSR (30.4.3.3),
 * and the exit qualification is the page offset. The vLAPIC does the rest as for an exiting
 * WRMSR, an illegal vector's error included; a #GP it would answer cannot be raised any more
 * after the instruction completed, and the processor has refused the reserved bits before.
 */
enum exit_action exit_apic_write(struct vcpu *v)
{
	u32 offset = (u32)vmcs_readl(EXIT_QUALIFICATION) & 0xff0;
	u32 val = to_vmx(v)->apic_page[VLAPIC_PAGE_WORD(offset)];
	struct vlapic_ipi ipi;
	u32 r;

	r = vlapic_msr_write(&v->lapic, VLAPIC_MSR_X2APIC_FIRST + offset / 16, val, rdtsc(), &ipi);
	apic_bus_result(v, r & ~VLAPIC_R_GP, &ipi);
	return EXIT_RESUME;
}
