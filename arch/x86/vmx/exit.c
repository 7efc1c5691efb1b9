// SPDX-License-Identifier: GPL-2.0
/* The one exit-dispatch table; an exit without a handler dumps the VMCS and stops that VM. */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "lib/console.h"
#include "hv/vm.h"

const exit_handler_t exit_handlers[NR_EXIT_REASONS] = {
	[EXIT_EXCEPTION_NMI] = exit_exception_nmi,
	[EXIT_EXTERNAL_INTERRUPT] = exit_external_interrupt,
	[EXIT_TRIPLE_FAULT] = exit_triple_fault,
	[EXIT_TASK_SWITCH] = exit_task_switch,
	[EXIT_INIT] = exit_init_signal,
	[EXIT_SIPI] = exit_sipi,
	[EXIT_INTERRUPT_WINDOW] = exit_interrupt_window,
	[EXIT_NMI_WINDOW] = exit_nmi_window,
	[EXIT_CPUID] = exit_cpuid,
	[EXIT_GETSEC] = exit_getsec,
	[EXIT_INVD] = exit_nop_instruction,
	[EXIT_WBINVD] = exit_nop_instruction,
	[EXIT_MONITOR] = exit_nop_instruction,
	[EXIT_MWAIT] = exit_nop_instruction,
	[EXIT_RDPMC] = exit_rdpmc,
	[EXIT_HLT] = exit_hlt,
	[EXIT_VMCALL] = exit_vmcall,
	[EXIT_VMCLEAR] = exit_vmx_instruction,
	[EXIT_VMLAUNCH] = exit_vmx_instruction,
	[EXIT_VMPTRLD] = exit_vmx_instruction,
	[EXIT_VMPTRST] = exit_vmx_instruction,
	[EXIT_VMREAD] = exit_vmx_instruction,
	[EXIT_VMRESUME] = exit_vmx_instruction,
	[EXIT_VMWRITE] = exit_vmx_instruction,
	[EXIT_VMXOFF] = exit_vmx_instruction,
	[EXIT_VMXON] = exit_vmx_instruction,
	[EXIT_INVEPT] = exit_vmx_instruction,
	[EXIT_INVVPID] = exit_vmx_instruction,
	[EXIT_CR_ACCESS] = exit_cr_access,
	[EXIT_IO] = exit_io,
	[EXIT_RDMSR] = exit_rdmsr,
	[EXIT_WRMSR] = exit_wrmsr,
	[EXIT_EPT_VIOLATION] = exit_ept_violation,
	[EXIT_EPT_MISCONFIG] = exit_ept_misconfig,
	[EXIT_PREEMPTION_TIMER] = exit_preemption_timer,
	[EXIT_XSETBV] = exit_xsetbv,
};

static const char *const exit_names[NR_EXIT_REASONS] = {
	[EXIT_EXCEPTION_NMI] = "exception/NMI",
	[EXIT_EXTERNAL_INTERRUPT] = "external interrupt",
	[EXIT_TRIPLE_FAULT] = "triple fault",
	[EXIT_INIT] = "INIT signal",
	[EXIT_SIPI] = "SIPI",
	[EXIT_INTERRUPT_WINDOW] = "interrupt window",
	[EXIT_NMI_WINDOW] = "NMI window",
	[EXIT_TASK_SWITCH] = "task switch",
	[EXIT_CPUID] = "CPUID",
	[EXIT_GETSEC] = "GETSEC",
	[EXIT_HLT] = "HLT",
	[EXIT_INVD] = "INVD",
	[EXIT_INVLPG] = "INVLPG",
	[EXIT_RDPMC] = "RDPMC",
	[EXIT_RDTSC] = "RDTSC",
	[EXIT_VMCALL] = "VMCALL",
	[EXIT_VMCLEAR] = "VMCLEAR",
	[EXIT_VMLAUNCH] = "VMLAUNCH",
	[EXIT_VMPTRLD] = "VMPTRLD",
	[EXIT_VMPTRST] = "VMPTRST",
	[EXIT_VMREAD] = "VMREAD",
	[EXIT_VMRESUME] = "VMRESUME",
	[EXIT_VMWRITE] = "VMWRITE",
	[EXIT_VMXOFF] = "VMXOFF",
	[EXIT_VMXON] = "VMXON",
	[EXIT_CR_ACCESS] = "CR access",
	[EXIT_DR_ACCESS] = "DR access",
	[EXIT_IO] = "I/O",
	[EXIT_RDMSR] = "RDMSR",
	[EXIT_WRMSR] = "WRMSR",
	[EXIT_INVALID_GUEST_STATE] = "invalid guest state",
	[EXIT_MSR_LOADING] = "MSR loading",
	[EXIT_MWAIT] = "MWAIT",
	[EXIT_MTF] = "monitor trap flag",
	[EXIT_MONITOR] = "MONITOR",
	[EXIT_PAUSE] = "PAUSE",
	[EXIT_MACHINE_CHECK] = "machine check",
	[EXIT_TPR_BELOW_THRESHOLD] = "TPR below threshold",
	[EXIT_APIC_ACCESS] = "APIC access",
	[EXIT_GDTR_IDTR] = "GDTR/IDTR access",
	[EXIT_LDTR_TR] = "LDTR/TR access",
	[EXIT_EPT_VIOLATION] = "EPT violation",
	[EXIT_EPT_MISCONFIG] = "EPT misconfiguration",
	[EXIT_INVEPT] = "INVEPT",
	[EXIT_RDTSCP] = "RDTSCP",
	[EXIT_PREEMPTION_TIMER] = "preemption timer",
	[EXIT_INVVPID] = "INVVPID",
	[EXIT_WBINVD] = "WBINVD",
	[EXIT_XSETBV] = "XSETBV",
	[EXIT_RDRAND] = "RDRAND",
	[EXIT_INVPCID] = "INVPCID",
	[EXIT_VMFUNC] = "VMFUNC",
	[EXIT_RDSEED] = "RDSEED",
	[EXIT_XSAVES] = "XSAVES",
	[EXIT_XRSTORS] = "XRSTORS",
};

const char *exit_reason_name(u32 reason)
{
	if (reason < NR_EXIT_REASONS && exit_names[reason])
		return exit_names[reason];
	return "unknown";
}

enum exit_action exit_unhandled(struct vcpu *v, u32 reason)
{
	console_printf("kestrel: vm %s vcpu %u: unhandled VM exit %u (%s)\n", v->vm->name, v->id,
		       reason, exit_reason_name(reason));
	vmcs_dump();
	vm_stop(v->vm, -1, "vcpu %u: unhandled VM exit %u (%s)", v->id, reason,
		exit_reason_name(reason));
	return EXIT_STOP_VM;
}
