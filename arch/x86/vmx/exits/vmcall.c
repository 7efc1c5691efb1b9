// SPDX-License-Identifier: GPL-2.0
/* VMCALL exits: the hypercall entry; checks the caller's privilege, then the hypercall table. */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vm.h"
#include "pv/hypercall.h"

/* SS.DPL is the CPL, SDM Vol. 3C, 26.4.1 (guest register state); in real mode it is 0. */
static u32 guest_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR) >> 5) & 3;
}

enum exit_action exit_vmcall(struct vcpu *v)
{
	s64 ret;

	if (guest_cpl() != 0)
		ret = -EPERM;
	else
		ret = hypercall_dispatch(v, v->regs.gpr[GPR_RAX]);
	v->regs.gpr[GPR_RAX] = (u64)ret;
	exit_skip_instruction(v);
	/*
	 * A call that stopped or reset the VM (or failed so that Kestrel stopped it) posted that
	 * request to every vCPU, this one included (vm_stop, vm_reset): the check before the
	 * entry sees it, and the vCPU goes no further.
	 */
	if (v->leave_run) {
		/* The call left work for the scheduler (a statistics table): a pass first. */
		v->leave_run = false;
		return EXIT_YIELD;
	}
	/*
	 * What a hypercall changes for the caller's next entry is an IRR bit or an exception
	 * (checked at the re-entry), its timers (the deadline is recomputed at every entry), or a
	 * request to itself (seen before the entry): no full pass needed for it.
	 */
	return EXIT_REENTER;
}
