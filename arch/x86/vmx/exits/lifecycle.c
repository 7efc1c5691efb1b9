// SPDX-License-Identifier: GPL-2.0
/* Exits that end or restart a vCPU: triple fault, INIT and SIPI signals, invalid guest state. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vm.h"

enum exit_action exit_triple_fault(struct vcpu *v)
{
	/* CS with RIP: in real mode the same RIP is code at any of 64K places. */
	vm_stop(v->vm, -1, "vcpu %u triple-faulted at rip %#lx (cs %#x base %#lx, cr0 %#lx cr3 "
		"%#lx)", v->id, vmcs_readl(GUEST_RIP), vmcs_read16(GUEST_CS_SEL),
		vmcs_readl(GUEST_CS_BASE), (vmcs_readl(GUEST_CR0) & ~(u64)CR0_NE) |
		(vmcs_readl(CR0_READ_SHADOW) & CR0_NE), vmcs_readl(GUEST_CR3));
	return EXIT_STOP_VM;
}

/* Kestrel never sends physical INIT or SIPI to a pCPU running a guest: these are bugs. */
enum exit_action exit_init_signal(struct vcpu *v)
{
	vm_stop(v->vm, -1, "vcpu %u: its pCPU received an INIT signal", v->id);
	return EXIT_STOP_VM;
}

enum exit_action exit_sipi(struct vcpu *v)
{
	vm_stop(v->vm, -1, "vcpu %u: unexpected SIPI exit", v->id);
	return EXIT_STOP_VM;
}
