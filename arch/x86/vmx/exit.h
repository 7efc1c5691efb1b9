/* SPDX-License-Identifier: GPL-2.0 */
/* VM exits: the basic reasons (SDM Vol. 3C, appendix C) and the one dispatch table's handlers. */
#ifndef KESTREL_ARCH_X86_VMX_EXIT_H
#define KESTREL_ARCH_X86_VMX_EXIT_H

#include "arch/x86/exception.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vcpu.h"
#include "arch/x86/mmio_decode.h"
#include "lib/types.h"

enum exit_reason {
	EXIT_EXCEPTION_NMI = 0,
	EXIT_EXTERNAL_INTERRUPT = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4,
	EXIT_INTERRUPT_WINDOW = 7,
	EXIT_NMI_WINDOW = 8,
	EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10,
	EXIT_GETSEC = 11,
	EXIT_HLT = 12,
	EXIT_INVD = 13,
	EXIT_INVLPG = 14,
	EXIT_RDPMC = 15,
	EXIT_RDTSC = 16,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20,
	EXIT_VMPTRLD = 21,
	EXIT_VMPTRST = 22,
	EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24,
	EXIT_VMWRITE = 25,
	EXIT_VMXOFF = 26,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_DR_ACCESS = 29,
	EXIT_IO = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_INVALID_GUEST_STATE = 33,
	EXIT_MSR_LOADING = 34,
	EXIT_MWAIT = 36,
	EXIT_MTF = 37,
	EXIT_MONITOR = 39,
	EXIT_PAUSE = 40,
	EXIT_MACHINE_CHECK = 41,
	EXIT_TPR_BELOW_THRESHOLD = 43,
	EXIT_APIC_ACCESS = 44,
	EXIT_EOI_INDUCED = 45,
	EXIT_GDTR_IDTR = 46,
	EXIT_LDTR_TR = 47,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_RDTSCP = 51,
	EXIT_PREEMPTION_TIMER = 52,
	EXIT_INVVPID = 53,
	EXIT_WBINVD = 54,
	EXIT_XSETBV = 55,
	EXIT_APIC_WRITE = 56,
	EXIT_RDRAND = 57,
	EXIT_INVPCID = 58,
	EXIT_VMFUNC = 59,
	EXIT_RDSEED = 61,
	EXIT_XSAVES = 63,
	EXIT_XRSTORS = 64,
	EXIT_PML_FULL = 62,
	EXIT_SPP = 66,
	EXIT_NOTIFY = 75,
	NR_EXIT_REASONS = 80,
};

/*
 * Whether an exit of this reason can have interrupted the delivery of an event through the IDT
 * and so record it in the IDT-vectoring information: a fault in delivery that the exception
 * bitmap makes exit, a task switch through a task gate, an APIC access, an EPT violation or
 * misconfiguration, a page-modification log-full event (SDM Vol. 3C, 29.2.4, "Information for
 * VM Exits That Occur During Event Delivery"); SPP-related events and notify exits, which later
 * editions list too, are included although Kestrel enables neither. Every other exit marks the
 * field invalid, so the run loop does not read it after them.
 */
static inline bool exit_records_vectoring(u32 reason)
{
	const u64 below_64 = BIT(EXIT_EXCEPTION_NMI) | BIT(EXIT_TASK_SWITCH) | BIT(EXIT_APIC_ACCESS) |
			     BIT(EXIT_EPT_VIOLATION) | BIT(EXIT_EPT_MISCONFIG) | BIT(EXIT_PML_FULL);

	if (reason < 64)
		return (below_64 >> reason) & 1;
	return reason == EXIT_SPP || reason == EXIT_NOTIFY;
}

#define EXIT_REASON_ENTRY_FAILED BIT(31)

struct vcpu;

/* What the run loop does after a handler. */
enum exit_action {
	EXIT_RESUME = 0, /* enter the guest again */
	EXIT_YIELD, /* back to the scheduler: halted, slice over, or waiting */
	EXIT_STOP_VM, /* the VM is stopping (vm_stop() was called with the reason) */
	/*
	 * Enter again; the handler changed nothing the full pass before an entry looks at but
	 * the guest's registers, RIP, timers and possibly a queued exception or IRR bit (which
	 * the run loop checks), and posted anything else as a request (which it sees): no reset,
	 * mode, paging, APIC-page or console work of its own. Only from exits that record no
	 * IDT-vectoring information (exit_records_vectoring). The run loop may then go straight
	 * to the deadline and the entry (run.c, "the re-entry").
	 */
	EXIT_REENTER,
};

typedef enum exit_action (*exit_handler_t)(struct vcpu *v);

/* The one exit table (exit.c), read inline by exit_dispatch. */
extern const exit_handler_t exit_handlers[NR_EXIT_REASONS];
/* An exit without a handler: dumps the VMCS and stops the VM. */
enum exit_action exit_unhandled(struct vcpu *v, u32 reason);

/* Inline in the run loop: one bounds check and one call, no call to a dispatcher first. */
static inline enum exit_action exit_dispatch(struct vcpu *v, u32 reason)
{
	if (reason < NR_EXIT_REASONS && exit_handlers[reason])
		return exit_handlers[reason](v);
	return exit_unhandled(v, reason);
}

const char *exit_reason_name(u32 reason);

/* The xAPIC page, an MMIO region of every VM, emulated in exits/xapic.c. */
#define XAPIC_PAGE 0xfee00000ULL

struct region;
/*
 * Emulates the instruction at the guest's RIP, whose access at gpa fell in region r, against
 * r's handler (exits/mmio.c); an instruction it cannot decode stops the VM naming what (e.g.
 * "the local APIC page") and gpa.
 */
enum exit_action exit_mmio(struct vcpu *v, const struct region *r, u64 gpa, const char *what);
/*
 * Whether exit_mmio could decode the instruction at the guest's RIP; true with the linear
 * address its access starts at (its segment's base and effective address) and its size.
 */
bool exit_mmio_decodable(struct vcpu *v, u64 *linear, u32 *size);

/* RF cleared and TF's single-step #DB queued for an instruction Kestrel completed (exit.c). */
void exit_debug_after_instruction(struct vcpu *v, u64 rflags);

/*
 * Completes an instruction Kestrel decoded itself (an EPT violation gives no length) as the
 * processor would have: RIP past it, STI/MOV SS blocking and RF cleared, its single-step #DB
 * queued when TF is set.
 */
static inline void exit_advance_rip(struct vcpu *v, u32 len)
{
	u64 rflags;
	u32 block;

	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + len);
	/* Stepping over the instruction ends any STI/MOV SS blocking, SDM Vol. 3C, 26.4.2. */
	block = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if (block & 3)
		vmcs_write32(GUEST_INTERRUPTIBILITY, block & ~3u);
	/* Read last: nothing else is kept across the VMCS accesses above (their failure calls). */
	rflags = vmcs_readl(GUEST_RFLAGS);
	if (rflags & (RFLAGS_TF | RFLAGS_RF))
		exit_debug_after_instruction(v, rflags);
}

/*
 * The same for the instruction that exited (its length is in the VMCS, prefixes included). Not
 * in exit_rdmsr and exit_wrmsr, which real_mode.c also calls for an instruction it decoded
 * after a #GP: exit_skip_decoded there.
 */
static inline void exit_skip_instruction(struct vcpu *v)
{
	exit_advance_rip(v, vmcs_read32(EXIT_INSTR_LEN));
}
/* The instruction that exited, or the one real_mode.c decoded (v->insn_len, no VMCS length). */
static inline void exit_skip_decoded(struct vcpu *v)
{
	exit_advance_rip(v, v->insn_len ? v->insn_len : vmcs_read32(EXIT_INSTR_LEN));
}
/* Loads PAE paging's four PDPTEs from guest-physical cr3 into the VMCS; false: #GP. */
bool exit_load_pdptes(struct vcpu *v, u64 cr3);

/*
 * An access to guest-physical gpa that no RAM with the access's rights (REGION_R/W/X) backs: r
 * is the RAM region that refuses it, or NULL for a hole. Emulated as on a PC, or the VM stops
 * (strict_mmio=on, a fetch, walk: an access of a guest page-table walk, an event's delivery).
 */
enum exit_action exit_unbacked(struct vcpu *v, u64 gpa, u8 access, bool walk, struct region *r);

/* Handlers, one file each under arch/x86/vmx/exits/. */
enum exit_action exit_cpuid(struct vcpu *v);
/* IA32_APIC_BASE, IA32_MISC_ENABLE or the VM's reset count changed: CPUID answers anew. */
void exit_cpuid_inputs_changed(struct vcpu *v);
enum exit_action exit_rdmsr(struct vcpu *v);
enum exit_action exit_wrmsr(struct vcpu *v);
enum exit_action exit_io(struct vcpu *v);
enum exit_action exit_cr_access(struct vcpu *v);
enum exit_action exit_invlpg(struct vcpu *v); /* exits/page_fault.c: shadow page tables */
enum exit_action exit_hlt(struct vcpu *v);
/* HLT's effect once RIP is past it (also for an HLT emulated in real mode, real_mode.c). */
enum exit_action exit_halt(struct vcpu *v);
enum exit_action exit_external_interrupt(struct vcpu *v);
enum exit_action exit_exception_nmi(struct vcpu *v);
enum exit_action exit_interrupt_window(struct vcpu *v);
enum exit_action exit_nmi_window(struct vcpu *v);
enum exit_action exit_preemption_timer(struct vcpu *v);
enum exit_action exit_pause(struct vcpu *v);
/* What a preemption-timer exit or a host-timer interrupt exit does: tick, end the slice. */
enum exit_action exit_deadline_reached(struct vcpu *v);
enum exit_action exit_ept_violation(struct vcpu *v);
enum exit_action exit_ept_misconfig(struct vcpu *v);
enum exit_action exit_init_signal(struct vcpu *v);
enum exit_action exit_sipi(struct vcpu *v);
enum exit_action exit_triple_fault(struct vcpu *v);
enum exit_action exit_task_switch(struct vcpu *v);
enum exit_action exit_xsetbv(struct vcpu *v);
enum exit_action exit_vmcall(struct vcpu *v);
enum exit_action exit_vmx_instruction(struct vcpu *v);
enum exit_action exit_getsec(struct vcpu *v);
enum exit_action exit_rdpmc(struct vcpu *v);
enum exit_action exit_nop_instruction(struct vcpu *v); /* INVD, WBINVD, MONITOR, MWAIT */
enum exit_action exit_invalid_guest_state(struct vcpu *v);
enum exit_action exit_eoi_induced(struct vcpu *v);
enum exit_action exit_apic_write(struct vcpu *v);

#endif
