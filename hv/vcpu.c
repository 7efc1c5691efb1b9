// SPDX-License-Identifier: GPL-2.0
/* The vCPU entry loop: requests, event injection, the preemption timer, and exit accounting. */
#include "hv/vcpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "lib/console.h"
#include "hv/sched.h"
#include "hv/vm.h"

#define RFLAGS_IF BIT(9)

void vcpu_request(struct vcpu *v, u32 req)
{
	struct percpu *cpu = this_cpu();

	__atomic_or_fetch(&v->requests, req, __ATOMIC_SEQ_CST);
	if (v->pcpu != cpu->index)
		sched_kick(v);
	else if (v != cpu->sched.current)
		vcpu_handle_requests(v); /* ours and not running: act now, so it can be picked */
}

void vcpu_deliver_irq(struct vcpu *v, u8 vector)
{
	if (v->pcpu == this_cpu()->index) {
		/* Ours: the vLAPIC is touched by this pCPU only. */
		vlapic_set_irr(&v->lapic, vector);
		sched_interrupt_pending(v);
		return;
	}
	__atomic_or_fetch(&v->posted_irr[vector / 64], BIT(vector % 64), __ATOMIC_SEQ_CST);
	vcpu_request(v, VCPU_REQ_IRR);
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	v->exception_pending = true;
	v->exception_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector |
			    (has_error ? INTR_INFO_ERROR : 0);
	v->exception_error = error;
}

bool vcpu_has_pending_event(struct vcpu *v)
{
	u64 rflags = vmcs_readl(GUEST_RFLAGS);

	return v->nmi_pending || ((rflags & RFLAGS_IF) && vlapic_pending(&v->lapic) >= 0);
}

void vcpu_handle_requests(struct vcpu *v)
{
	u32 req;

	/* A plain load first: the locked exchange only when something was posted. */
	if (!READ_ONCE(v->requests))
		return;
	req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_SEQ_CST);
	if (!req)
		return;
	/* These change what runs here, or a vLAPIC timer (INIT and resets clear it). */
	if (req & (VCPU_REQ_INIT | VCPU_REQ_SIPI | VCPU_REQ_STOP | VCPU_REQ_RESET |
		   VCPU_REQ_POWER_ON))
		sched_timers_changed();
	/* First, whatever else happens: a flush caller may be waiting for it. */
	if (req & VCPU_REQ_FLUSH)
		pv_do_flush(v);
	if (req & VCPU_REQ_EPT_RELOAD) {
		u64 gen, eptp;

		/* Drop what this pCPU cached from the old root before it can be freed. */
		ept_gen_current(&v->vm->ept, &gen, &eptp);
		ept_invalidate(v->eptp);
		v->eptp = eptp;
		v->needs_eptp_write = true;
		WRITE_ONCE(v->ept_gen, gen);
	}
	if (req & VCPU_REQ_STOP) {
		if (v->state != VCPU_STOPPED) {
			v->state = VCPU_STOPPED;
			vm_vcpu_stopped(v);
		}
		return;
	}
	if (v->state == VCPU_STOPPED)
		return;
	if (req & VCPU_REQ_RESET) {
		/* Parked: nothing posted before the reset survives it (POWER_ON clears the rest). */
		v->state = VCPU_PARKED;
		vm_vcpu_parked(v);
		return;
	}
	if (req & VCPU_REQ_POWER_ON) {
		for (u32 w = 0; w < 4; w++)
			v->posted_irr[w] = 0;
		vlapic_reset(&v->lapic);
		pv_reset(v);
		v->nmi_pending = v->exception_pending = v->needs_sipi_reset = false;
		vmx_flush_vpid(v->vpid); /* the old run's translations are this pCPU's to drop */
		v->state = v->id == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
		v->needs_boot_reset = v->id == 0;
		v->runnable_since = rdtsc();
		return;
	}
	if (v->state == VCPU_PARKED)
		return;
	if (req & VCPU_REQ_INIT) {
		/* INIT: the vCPU waits for a SIPI again, its APIC reset, 9.4. */
		vlapic_reset_init(&v->lapic);
		v->pv.deadline_armed = 0; /* the timer went with the INIT: the next write must exit */
		if (v->pv.area)
			WRITE_ONCE(v->pv.area->deadline_armed, 0);
		v->nmi_pending = v->exception_pending = false;
		v->state = VCPU_WAIT_SIPI;
	}
	if ((req & VCPU_REQ_SIPI) && v->state == VCPU_WAIT_SIPI) {
		v->needs_sipi_reset = true;
		sched_make_runnable(v);
	}
	if (req & VCPU_REQ_NMI)
		v->nmi_pending = true;
	if (req & VCPU_REQ_IRR) {
		for (u32 w = 0; w < 4; w++) {
			u64 bits = __atomic_exchange_n(&v->posted_irr[w], 0, __ATOMIC_SEQ_CST);

			while (bits) {
				u32 b = (u32)__builtin_ctzll(bits);

				bits &= bits - 1;
				vlapic_set_irr(&v->lapic, (u8)(w * 64 + b));
			}
		}
	}
	if (v->nmi_pending || vlapic_pending(&v->lapic) >= 0)
		sched_interrupt_pending(v);
}

/* Re-delivers an event whose delivery a VM exit interrupted (SDM Vol. 3C, 29.2, IDT-vectoring). */
static bool reinject_vectoring(void)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO);
	u32 type = info & (7u << 8);

	if (!(info & INTR_INFO_VALID))
		return false;
	vmcs_write32(ENTRY_INTR_INFO, info & ~(u32)BIT(12));
	if (info & INTR_INFO_ERROR)
		vmcs_write32(ENTRY_EXCEPTION_ERROR, vmcs_read32(IDT_VECTORING_ERROR));
	if (type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_SW_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(ENTRY_INSTR_LEN, vmcs_read32(EXIT_INSTR_LEN));
	return true;
}

/* The processor-based controls are cached in the vCPU: no VMREAD on the entry path. */
static void set_proc_bit(struct vcpu *v, u32 bit, bool on)
{
	u32 want = on ? v->proc_ctls | bit : v->proc_ctls & ~bit;

	if (want != v->proc_ctls) {
		vmcs_write32(PROC_BASED_CTLS, want);
		v->proc_ctls = want;
	}
}

/* Chooses what to inject at this entry, or asks for a window exit when the guest can't take it. */
static void inject_events(struct vcpu *v)
{
	u32 block;
	int vector;

	/* Still queued from a pass that did not enter (VM exits clear the valid bit, 28.2.2). */
	if (vmcs_read32(ENTRY_INTR_INFO) & INTR_INFO_VALID)
		return;
	set_proc_bit(v, PROC_INTR_WINDOW, false);
	set_proc_bit(v, PROC_NMI_WINDOW, false);
	/* Once per exit, even if the vCPU was descheduled since: the VMCS keeps the info. */
	if (v->check_vectoring) {
		v->check_vectoring = false;
		if (reinject_vectoring())
			return;
	}
	if (v->exception_pending) {
		v->exception_pending = false;
		vmcs_write32(ENTRY_INTR_INFO, v->exception_info);
		if (v->exception_info & INTR_INFO_ERROR)
			vmcs_write32(ENTRY_EXCEPTION_ERROR, v->exception_error);
		return;
	}
	vector = vlapic_pending(&v->lapic);
	if (!v->nmi_pending && vector < 0)
		return; /* the common case: nothing to deliver, no more VMCS reads */
	block = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if (v->nmi_pending) {
		if (!(block & (INTR_BLOCK_NMI | INTR_BLOCK_MOV_SS | INTR_BLOCK_STI))) {
			v->nmi_pending = false;
			vmcs_write32(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | 2);
			v->stats.injected++;
			return;
		}
		if (vmx_caps.nmi_window)
			set_proc_bit(v, PROC_NMI_WINDOW, true);
	}
	if (vector < 0)
		return;
	if ((vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(block & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))) {
		vlapic_accept(&v->lapic, (u8)vector);
		vmcs_write32(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (u32)vector);
		v->stats.injected++;
	} else {
		set_proc_bit(v, PROC_INTR_WINDOW, true);
	}
}

/*
 * The earliest timer among this pCPU's vCPUs (the preemption timer must cover all of them),
 * and the end of the slice when another vCPU here is waiting to run.
 */
static u64 next_deadline(struct vcpu *running)
{
	struct sched_cpu *s = &this_cpu()->sched;
	u64 d = s->deadline_cache;

	/* Recomputed only when a timer or a vCPU's state here changed: most exits change neither. */
	if (s->deadline_dirty) {
		s->deadline_dirty = false;
		d = UINT64_MAX;
		for (u32 i = 0; i < s->nr; i++) {
			struct vcpu *o = s->vcpus[i];
			u64 t = vlapic_timer_next(&o->lapic);

			if (t && o->state != VCPU_STOPPED && t < d)
				d = t;
			if (o != running && o->state == VCPU_RUNNABLE && s->slice_end < d)
				d = s->slice_end;
		}
		s->deadline_cache = d;
	}
	/* Someone woke: the running vCPU makes way once it has had its minimum run. */
	if (s->woken && s->min_run_end < d)
		d = s->min_run_end;
	return d;
}

static void arm_preemption_timer(struct vcpu *v)
{
	u64 now = rdtsc(), d = next_deadline(v);
	u64 ticks = d > now ? (d - now) >> vmx_caps.preemption_timer_shift : 0;

	vmcs_write32(PREEMPTION_TIMER_VALUE, (u32)MIN(ticks, 0xffffffffULL));
}

static void entry_failed(struct vcpu *v, u32 reason)
{
	console_printf("kestrel: vm %s vcpu %u: VM entry failed (exit reason %#x)\n", v->vm->name,
		       v->id, reason);
	vmcs_dump();
	vm_stop(v->vm, -1, "vcpu %u: VM entry failed (reason %u, %s)", v->id, reason & 0xffff,
		exit_reason_name(reason & 0xffff));
}

void vcpu_run(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();
	u32 last_reason = NR_EXIT_REASONS;
	u64 steal;

	cpu->vmx.failed = false;
	if (!vmx_vcpu_load(v)) {
		vm_stop(v->vm, -1, "vcpu %u: its VMCS could not be loaded", v->id);
		return;
	}
	if (v->needs_tlb_flush) {
		/* Just arrived from another pCPU: nothing cached here from its last visit may stay. */
		v->needs_tlb_flush = false;
		vmx_flush_vpid(v->vpid);
		ept_invalidate(v->eptp);
	}
	if (v->needs_boot_reset) {
		v->needs_boot_reset = false;
		vmx_vcpu_reset_protected(v, v->vm->boot_entry, v->vm->boot_eax, v->vm->boot_ebx);
	}
	if (v->needs_sipi_reset) {
		v->needs_sipi_reset = false;
		vmx_vcpu_reset_real(v, v->sipi_vector);
	}
	sched_timers_changed(); /* a new slice, another running vCPU */
	steal = rdtsc() - v->runnable_since;
	v->stats.steal_tsc += steal;
	v->preempted = false;
	pv_schedule_in(v, steal);

	for (;;) {
		enum exit_action act;
		u64 t0, t1, t2;
		u32 reason;

		sched_handle_requests();
		vcpu_handle_requests(v);
		if (v->state != VCPU_RUNNABLE)
			return;
		/*
		 * A vCPU here woke (its timer, an IPI) while this one ran: let it run now rather
		 * than at the end of the slice, once this one has had a quarter slice (so a stream
		 * of wake-ups cannot starve it). Only after a timer or interrupt exit, so this vCPU
		 * is at an instruction boundary and may be marked preempted (docs/abi.md, 5.3).
		 */
		if (cpu->sched.woken && (last_reason == EXIT_PREEMPTION_TIMER ||
					 last_reason == EXIT_EXTERNAL_INTERRUPT) &&
		    (s64)(rdtsc() - cpu->sched.min_run_end) >= 0) {
			cpu->sched.woken = false;
			v->preempted = true;
			v->runnable_since = rdtsc();
			pv_preempted(v);
			return;
		}
		if (v->needs_eptp_write) {
			vmcs_write64(EPT_POINTER, v->eptp);
			v->needs_eptp_write = false;
		}
		inject_events(v);
		arm_preemption_timer(v);
		if (cpu->vmx.failed) {
			vm_stop(v->vm, -1, "vcpu %u: a VMX instruction failed while preparing entry",
				v->id);
			return;
		}
		/*
		 * In guest from here: a flush caller that posts after this store sees it and waits
		 * for the exit; one that posted before is seen by the check below (Dekker).
		 */
		__atomic_store_n(&v->pv.in_guest, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->requests, __ATOMIC_SEQ_CST) ||
		    READ_ONCE(cpu->sched.requests_pending)) {
			v->pv.in_guest = 0;
			continue;
		}
		t0 = rdtsc();
		if (vmx_enter(&v->regs, v->launched)) {
			v->pv.in_guest = 0;
			entry_failed(v, 0);
			return;
		}
		t1 = rdtsc();
		__atomic_store_n(&v->pv.in_guest, 0, __ATOMIC_RELEASE);
		v->launched = true;
		v->stats.entries++;
		v->stats.guest_tsc += t1 - t0;
		reason = vmcs_read32(EXIT_REASON);
		if (reason & EXIT_REASON_ENTRY_FAILED) {
			entry_failed(v, reason);
			return;
		}
		reason &= 0xffff;
		last_reason = reason;
		act = exit_dispatch(v, reason);
		t2 = rdtsc();
		if (reason < NR_EXIT_REASONS) {
			v->stats.exits[reason]++;
			v->stats.exit_tsc[reason] += t2 - t1;
		}
		v->check_vectoring = true;
		if (cpu->vmx.failed && act != EXIT_STOP_VM) {
			vm_stop(v->vm, -1, "vcpu %u: a VMX instruction failed handling exit %s",
				v->id, exit_reason_name(reason));
			act = EXIT_STOP_VM;
		}
		if (act == EXIT_RESUME)
			continue;
		if (act == EXIT_YIELD && v->state == VCPU_RUNNABLE &&
		    reason == EXIT_PREEMPTION_TIMER) {
			/* Slice over at an instruction boundary: this is when "preempted" is true. */
			v->preempted = true;
			v->runnable_since = rdtsc();
			pv_preempted(v);
		}
		return;
	}
}

void vcpu_save_state(struct vcpu *v)
{
	v->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	v->star = rdmsr(MSR_IA32_STAR);
	v->lstar = rdmsr(MSR_IA32_LSTAR);
	v->cstar = rdmsr(MSR_IA32_CSTAR);
	v->sfmask = rdmsr(MSR_IA32_FMASK);
	asm volatile("fxsave64 %0" : "=m"(v->fxsave));
	/* DR7 is in the VMCS; DR0-DR3 and DR6 are not, and the guest writes them directly. */
	asm volatile("mov %%db0, %0" : "=r"(v->dr[0]));
	asm volatile("mov %%db1, %0" : "=r"(v->dr[1]));
	asm volatile("mov %%db2, %0" : "=r"(v->dr[2]));
	asm volatile("mov %%db3, %0" : "=r"(v->dr[3]));
	asm volatile("mov %%db6, %0" : "=r"(v->dr6));
	v->fpu_saved = true;
}

void vcpu_switch_state(struct vcpu *prev, struct vcpu *next)
{
	if (prev == next)
		return;
	if (prev)
		vcpu_save_state(prev);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, next->kernel_gs_base);
	wrmsr(MSR_IA32_STAR, next->star);
	wrmsr(MSR_IA32_LSTAR, next->lstar);
	wrmsr(MSR_IA32_CSTAR, next->cstar);
	wrmsr(MSR_IA32_FMASK, next->sfmask);
	if (vmx_caps.rdtscp)
		wrmsr(MSR_IA32_TSC_AUX, next->tsc_aux); /* what RDTSCP and RDPID read, unexiting */
	if (next->fpu_saved)
		asm volatile("fxrstor64 %0" ::"m"(next->fxsave));
	else
		asm volatile("fninit");
	asm volatile("mov %0, %%db0" ::"r"(next->dr[0]));
	asm volatile("mov %0, %%db1" ::"r"(next->dr[1]));
	asm volatile("mov %0, %%db2" ::"r"(next->dr[2]));
	asm volatile("mov %0, %%db3" ::"r"(next->dr[3]));
	asm volatile("mov %0, %%db6" ::"r"(next->dr6 ? next->dr6 : 0xffff0ff0ULL));
}
