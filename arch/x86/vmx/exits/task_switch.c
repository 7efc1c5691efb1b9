// SPDX-License-Identifier: GPL-2.0
/*
 * Task switches: every one exits (SDM Vol. 3C, 27.4.2, "Treatment of Task Switches") before any
 * of it is done. Kestrel does not emulate hardware task switching (Vol. 3A, 7.3) yet, and no
 * fault of the architecture stands for "not done", so the VM is stopped with a message that
 * says what the guest tried.
 */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vm.h"

/* Exit qualification for task switches, Vol. 3C, 29.2.1 (table 29-2): selector and source. */
#define TS_SELECTOR(q) ((u32)(q) & 0xffff)
#define TS_SOURCE(q) (((q) >> 30) & 3)

enum exit_action exit_task_switch(struct vcpu *v)
{
	static const char *const source[4] = { "CALL", "IRET", "JMP", "a task gate in the IDT" };
	u64 q = vmcs_readl(EXIT_QUALIFICATION);

	vm_stop(v->vm, -1, "vcpu %u: task switch (%s to TSS selector %#x at rip %#lx): hardware "
		"task switching is not supported", v->id, source[TS_SOURCE(q)], TS_SELECTOR(q),
		vmcs_readl(GUEST_RIP));
	return EXIT_STOP_VM;
}
