// SPDX-License-Identifier: GPL-2.0
/*
 * The one exit-dispatch table (an exit without a handler dumps the VMCS and stops that VM), and
 * how a handler completes the instruction it emulated.
 */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/exception.h"
#include "arch/x86/vmx/vmcs.h"
#include "lib/console.h"
#include "hv/vcpu.h"
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
	[EXIT_INVLPG] = exit_invlpg,
	[EXIT_IO] = exit_io,
	[EXIT_RDMSR] = exit_rdmsr,
	[EXIT_WRMSR] = exit_wrmsr,
	[EXIT_EPT_VIOLATION] = exit_ept_violation,
	[EXIT_EPT_MISCONFIG] = exit_ept_misconfig,
	[EXIT_PREEMPTION_TIMER] = exit_preemption_timer,
	[EXIT_PAUSE] = exit_pause,
	[EXIT_XSETBV] = exit_xsetbv,
	[EXIT_EOI_INDUCED] = exit_eoi_induced,
	[EXIT_APIC_WRITE] = exit_apic_write,
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
	[EXIT_EOI_INDUCED] = "EOI induced",
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
	[EXIT_APIC_WRITE] = "APIC write",
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

/*
 * The single-step trap of an instruction Kestrel completed for the guest (SDM Vol. 3B, 18.3.1.4),
 * queued as a #DB for the next entry. Event injection leaves DR6 and DR7 alone (Vol. 3C,
 * 28.5.1.1), so they are made what delivery of the trap would make them: DR6.BS set, with the
 * B0-B3 a MOV SS held back (the pending debug exceptions, 26.4.2), and DR7.GD clear (Vol. 3B,
 * 18.2.4). Queued, not left in the pending-debug-exceptions field: an entry that injects an event
 * delivers none of those (Vol. 3C, 28.6.3), and the trap comes before the interrupt that wakes a
 * HLT or that the instruction sent (Vol. 3A, 7.9); so the field is cleared.
 */
static void exit_single_step(struct vcpu *v)
{
	u64 pending = vmcs_readl(GUEST_PENDING_DBG), dr7 = vmcs_readl(GUEST_DR7), dr6;

	asm volatile("mov %%db6, %0" : "=r"(dr6)); /* the guest's: it runs on this pCPU */
	asm volatile("mov %0, %%db6" ::"r"(dr6 | DR6_BS | (pending & DR6_B0_B3)));
	if (pending)
		vmcs_writel(GUEST_PENDING_DBG, 0);
	if (dr7 & DR7_GD)
		vmcs_writel(GUEST_DR7, dr7 & ~DR7_GD);
	vcpu_inject_exception(v, EXC_DB, false, 0);
}

/*
 * The rest of completing an instruction when the guest's RFLAGS has TF or RF: RF goes, as the
 * processor clears it then (Vol. 3B, 18.3.1.1; an EPT violation's exit saved it 1, Vol. 3C,
 * 29.3.3), and TF traps unless IA32_DEBUGCTL asks for branches only.
 */
void exit_debug_after_instruction(struct vcpu *v, u64 rflags)
{
	if (rflags & RFLAGS_RF)
		vmcs_writel(GUEST_RFLAGS, rflags & ~RFLAGS_RF);
	if ((rflags & RFLAGS_TF) && !(vmcs_read64(GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF))
		exit_single_step(v);
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
