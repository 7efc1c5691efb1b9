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
	return v->vm->state == VM_RUNNING ? EXIT_RESUME : EXIT_STOP_VM;
}
