// SPDX-License-Identifier: GPL-2.0
/*
 * Running a vCPU under VMX: the entry loop, event injection and re-injection, arming the
 * deadline timer (deadline.c), exit accounting, and the state VMX does not switch (hv/arch.h's
 * run hooks).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "lib/atomic.h"
#include "mm/ept_gen.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/deadline.h"
#include "arch/x86/vmx/apicv.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/spec.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/arch.h"
#include "hv/console_input.h"
#include "hv/sched/sched.h"
#include "hv/stats.h"
#include "hv/vcpu.h"
#include "lib/console.h"

#define RFLAGS_IF BIT(9)

/*
 * The x87/SSE state at power-on, as an FXSAVE image (SDM Vol. 3A, "Processor Management and
 * Initialization", register states after power-up; Vol. 1, FXSAVE layout): FCW 0x0040, every
 * other x87 field 0 (abridged tag 0: all empty), MXCSR 0x1F80 at byte 24, ST0-7 and XMM0-15
 * zero. A vCPU's first run and a VM reset load it: FNINIT alone leaves XMM0-15 and MXCSR as the
 * last vCPU on the pCPU had them, another VM's included.
 */
static const u8 fpu_power_on[512] __aligned(16) = {
	[0] = 0x40, [24] = 0x80, [25] = 0x1f,
};

void arch_vcpu_power_on(struct vcpu *v)
{
	to_vmx(v)->fpu_reset = true;
	to_vmx(v)->msr_reset = true;
}

bool arch_vcpu_interrupts_enabled(struct vcpu *v)
{
	(void)v; /* the current VMCS is v's */
	return vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF;
}

/* Re-delivers an event whose delivery a VM exit interrupted, SDM Vol. 3C, 29.2 (IDT vectoring). */
static bool reinject_vectoring(struct vmx_vcpu *x, s16 offered)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO);
	u32 type = info & (7u << 8);

	if (!(info & INTR_INFO_VALID))
		return false;
	info = apicv_vectoring_info(x, info, offered);
	vmcs_write32(ENTRY_INTR_INFO, info & ~(u32)BIT(12));
	x->entry_intr_valid = true;
	if (info & INTR_INFO_ERROR)
		vmcs_write32(ENTRY_EXCEPTION_ERROR, vmcs_read32(IDT_VECTORING_ERROR));
	if (type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_SW_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(ENTRY_INSTR_LEN, vmcs_read32(EXIT_INSTR_LEN));
	return true;
}

/* The processor-based controls are cached in the vCPU: no VMREAD on the entry path. */
static void set_proc_bit(struct vmx_vcpu *x, u32 bit, bool on)
{
	u32 want = on ? x->proc_ctls | bit : x->proc_ctls & ~bit;

	if (want != x->proc_ctls) {
		vmcs_write32(PROC_BASED_CTLS, want);
		x->proc_ctls = want;
	}
}

/*
 * Injects the exception an exit handler queued. VM entry pushes RFLAGS as the guest-state area
 * has it, RF included, whatever the event (SDM Vol. 3C, 28.5.1.1), and an instruction's exit saved
 * RF as 0 (29.3.3): for a fault, the processor would have pushed RF set (Vol. 3B, 18.3.1.1), so
 * it is set here. Real mode pushes FLAGS without RF: there it is left alone.
 */
static void inject_exception(struct vcpu *v)
{
	/* Real mode pushes no error code; VM entry refuses one there (28.2.1.3). */
	bool pe = vmcs_readl(GUEST_CR0) & CR0_PE;
	bool error = v->exception_has_error && pe;

	v->exception_pending = false;
	if (pe && exception_is_fault(v->exception_vector))
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) | RFLAGS_RF);
	vmcs_write32(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
				      v->exception_vector | (error ? INTR_INFO_ERROR : 0));
	if (error)
		vmcs_write32(ENTRY_EXCEPTION_ERROR, v->exception_error);
}

/*
 * Chooses what to inject at this entry, or asks for a window exit when the guest can't take it.
 * True in the common case alone: nothing to deliver or re-deliver, no window asked for.
 */
static bool inject_events(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;
	s16 offered = x->apicv_offer; /* at the last entry: its delivery may be under way */
	u32 block;
	int vector;

	/*
	 * Still queued from a pass that did not enter (VM exits clear the valid bit, 29.2.2):
	 * Kestrel wrote the field, so it knows without a VMREAD.
	 */
	x->apicv_offer = -1;
	if (x->entry_intr_valid)
		return false;
	/* The common case in one test: nothing to deliver, no window asked for, no mode to mind. */
	if (!(x->proc_ctls & (PROC_INTR_WINDOW | PROC_NMI_WINDOW)) && !x->vm86 &&
	    !x->check_vectoring && !v->exception_pending && !v->nmi_pending &&
	    vlapic_irr_empty(&v->lapic))
		return true;
	set_proc_bit(x, PROC_INTR_WINDOW, false);
	set_proc_bit(x, PROC_NMI_WINDOW, false);
	/* Virtual-8086 mode for real mode (real_mode.c): delivered there, never by VM entry. */
	if (x->vm86) {
		x->check_vectoring = false;
		if (vmx_real_mode_events(x))
			set_proc_bit(x, PROC_INTR_WINDOW, true);
		return false;
	}
	/* Once per exit, even if the vCPU was descheduled since: the VMCS keeps the info. */
	if (x->check_vectoring) {
		x->check_vectoring = false;
		if (reinject_vectoring(x, offered))
			return false;
	}
	if (v->exception_pending) {
		inject_exception(v);
		x->entry_intr_valid = true;
		/* An interrupt or NMI behind it (a #DB from HLT is): taken at the window exit. */
		if (v->nmi_pending && vmx_caps.nmi_window)
			set_proc_bit(x, PROC_NMI_WINDOW, true);
		/* With posted interrupts the processor has every request in the page (apicv.c). */
		if (!x->posted_on && (x->apicv_on ? vlapic_page_offer(&v->lapic) >= 0 :
						    vlapic_pending(&v->lapic) >= 0))
			set_proc_bit(x, PROC_INTR_WINDOW, true);
		return false;
	}
	/* With APICv, what the processor is to deliver (TPR is its business: 30.1.2). */
	if (vlapic_irr_empty(&v->lapic))
		vector = -1;
	else
		vector = x->apicv_on ? vlapic_page_offer(&v->lapic) : vlapic_pending(&v->lapic);
	if (!v->nmi_pending && vector < 0)
		return false; /* the common case: nothing to deliver, no more VMCS reads */
	block = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if (v->nmi_pending) {
		/* One in service (blocking by NMI until its IRET): one more pending at most, 7.7.1. */
		if (block & INTR_BLOCK_NMI)
			v->nmi_pending = 1;
		if (!(block & (INTR_BLOCK_NMI | INTR_BLOCK_MOV_SS | INTR_BLOCK_STI))) {
			v->nmi_pending--;
			vmcs_write32(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | 2);
			x->entry_intr_valid = true;
			v->stats.injected++;
			return false;
		}
		if (vmx_caps.nmi_window)
			set_proc_bit(x, PROC_NMI_WINDOW, true);
	}
	if (vector < 0)
		return false;
	if ((vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(block & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))) {
		/*
		 * With APICv the processor delivers them from the entry on (RVI, SDM Vol. 3C,
		 * 30.2): offered only now that the guest can take one, never left pending while it
		 * cannot (vlapic_page.h, docs/design.md "APIC virtualization").
		 */
		if (x->apicv_on) {
			x->apicv_offer = (s16)vector;
			return false;
		}
		vlapic_accept(&v->lapic, (u8)vector);
		vmcs_write32(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (u32)vector);
		x->entry_intr_valid = true;
		v->stats.injected++;
	} else if (!x->posted_on) {
		/*
		 * With APICv too for a request TPR holds back: the guest may lower TPR without an
		 * exit before it turns interrupts on, and then takes it at once (vm-apicv). With
		 * posted interrupts the page holds every request and the processor delivers each
		 * when the guest can take it (apicv.c): no window.
		 */
		set_proc_bit(x, PROC_INTR_WINDOW, true);
	}
	return false;
}

/* stats=timing: the open exit's round trip in root mode ends at now (an entry, or leaving). */
static void close_round_trip(struct vmx_vcpu *x, u64 now)
{
	if (x->timed_reason < NR_EXIT_REASONS)
		x->exit_tsc[x->timed_reason] += now - x->exited_at;
	x->timed_reason = NR_EXIT_REASONS;
}

static void entry_failed(struct vcpu *v, u32 reason)
{
	console_printf("kestrel: vm %s vcpu %u: VM entry failed (exit reason %#x)\n", v->vm->name,
		       v->id, reason);
	vmcs_dump();
	vm_stop(v->vm, -1, "vcpu %u: VM entry failed (reason %u, %s)", v->id, reason & 0xffff,
		exit_reason_name(reason & 0xffff));
}

/*
 * Power-on, multiboot entry and SIPI states asked for since the last entry: applied before the
 * next one, also when the request came in the middle of a run (a vCPU 0 that parks last for a
 * VM reset is powered on by its own run loop). Its registers are live on this pCPU.
 */
static void apply_resets(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;

	if (x->fpu_reset) {
		/* Its own state is live now (arch_vcpu_switch ran): replace it with power-on's. */
		x->fpu_reset = false;
		asm volatile("fxrstor64 %0" ::"m"(fpu_power_on));
	}
	if (x->msr_reset) {
		x->msr_reset = false;
		vmx_vcpu_power_on_msrs(x);
		apicv_regs_changed(x);
	}
	if (v->needs_boot_reset) {
		v->needs_boot_reset = false;
		vmx_vcpu_reset_protected(x, &v->vm->boot);
		apicv_regs_changed(x);
	}
	if (v->needs_sipi_reset) {
		v->needs_sipi_reset = false;
		vmx_vcpu_reset_real(x, v->sipi_vector);
		apicv_regs_changed(x);
	}
}

/* Whether apply_resets has anything to do (inline: most runs and entries have nothing). */
static inline bool resets_pending(const struct vmx_vcpu *x)
{
	return x->fpu_reset || x->msr_reset || x->vcpu.needs_boot_reset || x->vcpu.needs_sipi_reset;
}

/* Whether the last exit cut an event's delivery short (the next entry must finish it). */
static bool delivery_cut_short(struct vmx_vcpu *x)
{
	return x->check_vectoring && (vmcs_read32(IDT_VECTORING_INFO) & INTR_INFO_VALID);
}

/* What happens before the first entry of a run: load, arrive, reset state, steal time. */
static bool run_begin(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;
	u64 steal;

	if (!vmx_vcpu_load(x)) {
		vm_stop(v->vm, -1, "vcpu %u: its VMCS could not be loaded", v->id);
		return false;
	}
	/* Another VM ran here last: its branch predictions must not steer this one (IBPB). */
	vmx_spec_vm_switch(v->vm->id);
	if (x->needs_tlb_flush) {
		/* Just arrived from another pCPU: nothing cached here from its last visit may stay. */
		x->needs_tlb_flush = false;
		vmx_flush_vpid(x->vpid); /* shadow VMs too: the shadow may have changed since */
		if (vmx_caps.ept && !vmx_shadow_on(v))
			vmx_invept(v->eptp);
	}
	if (resets_pending(x))
		apply_resets(x);
	steal = rdtsc() - v->runnable_since;
	v->stats.steal_tsc += steal;
	x->timed_reason = NR_EXIT_REASONS;
	v->preempted = false;
	pv_schedule_in(v, steal);
	return true;
}

static void run_loop(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct percpu *cpu = this_cpu();
	u32 last_reason = NR_EXIT_REASONS;
	bool requests = true; /* requests may wait: looked at before the next entry */
	/*
	 * The short way to the entry (EXIT_REENTER): possible on EPT with the preemption timer
	 * (shadow paging and the host timer have entry work of their own), when the last full pass
	 * found nothing pending (reenter_ok), and the handler queued nothing.
	 */
	const bool reenter_mode = vmx_deadline_preemption_timer && !vmx_shadow_on(v);
	bool reenter_ok = false, console_ok = false;

	cpu->vmx.failed = false;
	if (!run_begin(x))
		return;
	vmx_deadline_run_begin();
	for (;;) {
		enum exit_action act;
		u64 t0 = 0;
		u32 reason;

		/*
		 * Only when the check before the last entry found some, or before the first: one
		 * posted since is found by that check (Dekker, below), and the handlers' own are
		 * posted there too, so an exit that posts none pays nothing here.
		 */
		if (requests) {
			requests = false;
			if (sched_requests_pending())
				sched_handle_requests();
			if (READ_ONCE(v->requests)) {
				vcpu_handle_requests(v);
				apicv_regs_changed(x); /* an INIT or a reset may have changed them */
			}
		}
		if (v->state != VCPU_RUNNABLE)
			return;
		/*
		 * Powered on, or started by a SIPI, in this loop (an INIT and a SIPI taken together
		 * while it ran leave it runnable): it must start at the entry or the SIPI's vector
		 * now, not go on where the INIT or the reset stopped it.
		 */
		if (resets_pending(x))
			apply_resets(x);
		/* Console output goes on between exits too: a FIFO's worth, never waited for. */
		reenter_ok = console_ok = vm_console_step(v->vm) && reenter_mode;
		/*
		 * On the host timer, a deadline that passed while the last exit was handled is acted
		 * on here as at its own exit (vmx_deadline_passed says why). The handler is done: the
		 * vCPU is at an instruction boundary unless an event's delivery was cut short, which
		 * the next entry finishes first. Only a delivery really cut short defers it: exits
		 * that merely may record one (EPT violations, #PF on shadow paging) are a guest's
		 * every exit when it loops on emulated accesses, faster than the host timer's lead,
		 * and that guest kept its pCPU for good (vm-bad-memory-loop: the other VM's vCPU
		 * waited 10,915,244 TSC ticks).
		 */
		if (vmx_deadline_passed(v) && !delivery_cut_short(x)) {
			last_reason = EXIT_PREEMPTION_TIMER;
			if (exit_deadline_reached(v) == EXIT_YIELD) {
				sched_preempted(v);
				return;
			}
		}
		/*
		 * Only after a timer, interrupt or PAUSE exit (the PAUSE done: exit_pause) is this
		 * vCPU at an instruction boundary, where it may be marked preempted (docs/abi.md,
		 * 5.3): the scheduler decides. Console input too, on the pCPU that reads it, when
		 * due: a vCPU alone on pCPU 0 may never go back to the scheduler's loop (a guest that
		 * polls its UART, for one). Only after a timer or interrupt exit, which comes at
		 * least once a slice: the other exits (the hot ones) pay no TSC read for it.
		 */
		if (last_reason == EXIT_PREEMPTION_TIMER || last_reason == EXIT_EXTERNAL_INTERRUPT ||
		    last_reason == EXIT_PAUSE) {
			if (cpu->index == 0 && last_reason != EXIT_PAUSE)
				console_input_step();
			if (sched_should_yield(v)) {
				sched_preempted(v);
				return;
			}
		}
		if (vmx_shadow_on(v)) {
			v->eptp_changed = false;
			if (!vmx_shadow_before_entry(x))
				return;
		} else if (v->eptp_changed) {
			/* From this entry on, this pCPU may cache the tree's translations. */
			if (vmx_caps.ept) { /* the field is there only with EPT (appendix B) */
				ept_gen_loaded(&v->vm->ept, v->eptp, cpu->index);
				vmcs_write64(EPT_POINTER, v->eptp);
			}
			v->eptp_changed = false;
		}
events:
		apicv_before_events(x);
		/*
		 * Nothing to deliver and nothing in service: the guest, running, can change none of
		 * it (an event sent meanwhile comes as a request), so an EXIT_REENTER handler that
		 * queues nothing leaves the next full pass nothing to do.
		 */
		reenter_ok &= inject_events(x);
		reenter_ok &= apicv_before_entry(x);
deadline:
		vmx_deadline_arm(v);
		/*
		 * Bochs 2.7 masks host interrupts for a whole run entered with RFLAGS.IF 0, though
		 * external-interrupt exiting must exit whatever IF is (SDM Vol. 3C, 26.2): with the
		 * host timer, such a run's PAUSEs exit instead (exit_pause). The preemption timer
		 * needs none of this. Entered with IF 1, the guest's CLI is handled right.
		 */
		if (!vmx_deadline_preemption_timer && vmx_caps.pause_exiting)
			set_proc_bit(x, PROC_PAUSE, !(vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF));
		if (cpu->vmx.failed) {
			vm_stop(v->vm, -1, "vcpu %u: a VMX instruction failed while preparing entry",
				v->id);
			return;
		}
		/*
		 * In guest from here: a flush caller that posts after this store sees it and waits
		 * for the exit; one that posted before is seen by the check below (Dekker).
		 */
		atomic_set_seq(&v->pv.in_guest, 1);
		if (atomic_read_seq(&v->requests) || sched_requests_pending()) {
			v->pv.in_guest = 0;
			requests = true;
			continue;
		}
		vmx_spec_before_entry(&cpu->spec);
		if (stats_timing) {
			t0 = rdtsc();
			close_round_trip(x, t0);
		}
		/* Out of Kestrel's code for it: no host pointer into its RAM held (vm_mem_release). */
		atomic_add(&v->root_epoch, 1);
		if (vmx_enter(&v->regs, x->launched, &x->host_rsp)) {
			atomic_add(&v->root_epoch, 1);
			v->pv.in_guest = 0;
			entry_failed(v, 0);
			return;
		}
		/* Back in: a full barrier, so a chunk that left the VM meanwhile is seen gone. */
		atomic_add(&v->root_epoch, 1);
		if (stats_timing) {
			x->exited_at = rdtsc();
			v->stats.guest_tsc += x->exited_at - t0;
		}
		atomic_set(&v->pv.in_guest, 0);
		x->launched = true;
		x->entry_intr_valid = false; /* every VM exit clears its valid bit (29.2.2) */
		v->stats.entries++;
		reason = vmcs_read32(EXIT_REASON);
		if (reason & EXIT_REASON_ENTRY_FAILED) {
			entry_failed(v, reason);
			return;
		}
		reason &= 0xffff;
		apicv_after_exit(x); /* the vLAPIC is the truth again from here */
		last_reason = reason;
		if (reason < NR_EXIT_REASONS) {
			x->exits[reason]++;
			x->timed_reason = reason;
		}
		act = exit_dispatch(v, reason);
		if (cpu->vmx.failed && act != EXIT_STOP_VM) {
			vm_stop(v->vm, -1, "vcpu %u: a VMX instruction failed handling exit %s",
				v->id, exit_reason_name(reason));
			act = EXIT_STOP_VM;
		}
		/*
		 * The re-entry: after an exit whose handler changed only what EXIT_REENTER allows,
		 * when the last full pass found nothing pending and the handler queued no exception
		 * and no IRR bit, the full pass up to the deadline would find nothing to do. Work
		 * posted from elsewhere meanwhile is a request, which the Dekker check sees as on
		 * every entry; console output that starts meanwhile waits for the next full pass, a
		 * slice at most. check_vectoring is false at every entry (inject_events took it),
		 * and these exits record no IDT vectoring: it stays false.
		 */
		if (act == EXIT_REENTER) {
			if (reenter_ok && !v->exception_pending && vlapic_irr_empty(&v->lapic))
				goto deadline;
			/*
			 * Something to deliver, or the last full pass's offer (taken since, or not):
			 * of that pass only the events and the APIC page are done again. The rest
			 * looks at what these handlers leave alone or post as requests.
			 */
			if (console_ok) {
				reenter_ok = true;
				goto events;
			}
			continue;
		}
		x->check_vectoring = !x->vectoring_done && exit_records_vectoring(reason);
		x->vectoring_done = false;
		if (act == EXIT_RESUME)
			continue;
		if (act == EXIT_YIELD && v->state == VCPU_RUNNABLE &&
		    (reason == EXIT_PREEMPTION_TIMER || reason == EXIT_EXTERNAL_INTERRUPT ||
		     reason == EXIT_PAUSE))
			sched_preempted(v); /* slice over at an instruction boundary */
		return;
	}
}

/*
 * Runs v until it blocks, yields or its VM stops. With stats=timing, each exit's count of TSC
 * ticks is its whole round trip in root mode: from the VM exit to the next VM entry (requests,
 * injection and the timer included), or to leaving here.
 */
void arch_vcpu_run(struct vcpu *v)
{
	atomic_add(&v->root_epoch, 1);
	run_loop(v);
	if (vmx_shadow_on(v))
		vmx_shadow_leave(to_vmx(v)); /* its root no longer holds back freeing old pages */
	atomic_add(&v->root_epoch, 1);
	if (stats_timing)
		close_round_trip(to_vmx(v), rdtsc());
}

void vmx_vcpu_save_state(struct vmx_vcpu *x)
{
	x->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	x->star = rdmsr(MSR_IA32_STAR);
	x->lstar = rdmsr(MSR_IA32_LSTAR);
	x->cstar = rdmsr(MSR_IA32_CSTAR);
	x->sfmask = rdmsr(MSR_IA32_FMASK);
	asm volatile("fxsave64 %0" : "=m"(x->fxsave));
	/* DR7 is in the VMCS; DR0-DR3 and DR6 are not, and the guest writes them directly. */
	asm volatile("mov %%db0, %0" : "=r"(x->dr[0]));
	asm volatile("mov %%db1, %0" : "=r"(x->dr[1]));
	asm volatile("mov %%db2, %0" : "=r"(x->dr[2]));
	asm volatile("mov %%db3, %0" : "=r"(x->dr[3]));
	asm volatile("mov %%db6, %0" : "=r"(x->dr6));
	asm volatile("mov %%cr2, %0" : "=r"(x->cr2));
	x->fpu_saved = true;
}

void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	struct vmx_vcpu *n = to_vmx(next);

	if (prev == next)
		return;
	if (prev)
		vmx_vcpu_save_state(to_vmx(prev));
	wrmsr(MSR_IA32_KERNEL_GS_BASE, n->kernel_gs_base);
	wrmsr(MSR_IA32_STAR, n->star);
	wrmsr(MSR_IA32_LSTAR, n->lstar);
	wrmsr(MSR_IA32_CSTAR, n->cstar);
	wrmsr(MSR_IA32_FMASK, n->sfmask);
	if (vmx_caps.rdtscp)
		wrmsr(MSR_IA32_TSC_AUX, n->tsc_aux); /* what RDTSCP and RDPID read, unexiting */
	/* A vCPU that never ran has fpu_reset set: run_begin loads the power-on state. */
	if (n->fpu_saved)
		asm volatile("fxrstor64 %0" ::"m"(n->fxsave));
	asm volatile("mov %0, %%db0" ::"r"(n->dr[0]));
	asm volatile("mov %0, %%db1" ::"r"(n->dr[1]));
	asm volatile("mov %0, %%db2" ::"r"(n->dr[2]));
	asm volatile("mov %0, %%db3" ::"r"(n->dr[3]));
	asm volatile("mov %0, %%db6" ::"r"(n->dr6 ? n->dr6 : 0xffff0ff0ULL));
	/* Never another vCPU's last page-fault address (a fresh vCPU's is 0). */
	asm volatile("mov %0, %%cr2" ::"r"(n->cr2));
}

u32 arch_exit_reasons(void)
{
	return NR_EXIT_REASONS;
}

const char *arch_exit_name(u32 reason)
{
	return exit_reason_name(reason);
}

void arch_vcpu_exit_stats(const struct vcpu *v, u32 reason, u64 *count, u64 *tsc)
{
	const struct vmx_vcpu *x = to_vmx((struct vcpu *)v);

	*count = reason < NR_EXIT_REASONS ? x->exits[reason] : 0;
	*tsc = reason < NR_EXIT_REASONS ? x->exit_tsc[reason] : 0;
}
