// SPDX-License-Identifier: GPL-2.0
/*
 * RDMSR/WRMSR exits: the local APIC's MSRs, the MSRs a vCPU keeps in memory (hv/vmsr.c), the
 * guest's TSC, harmless platform MSRs, #GP else.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/apicv.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/apic_bus.h"
#include "lib/console.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "pv/pv.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_TSC_ADJUST 0x3b /* SDM Vol. 3B, 18.17.3 */
#define MSR_IA32_BIOS_SIGN_ID 0x8b /* the microcode update signature, SDM Vol. 3A, 10.11.7.1 */

/*
 * IA32_TSC_ADJUST exists for the guest where CPUID shows it: the host's CPUID.(EAX=7,ECX=0):
 * EBX[1] (leaf 7 itself absent on a Core 2), kept only where VMX offsets the TSC
 * (hv/cpuid_policy.c).
 */
static bool tsc_adjust_shown(void)
{
	return vmx_caps.tsc_offset && cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & BIT(1));
}

static bool read_platform(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_TSC_AUX:
		*val = to_vmx(v)->tsc_aux;
		return vmx_caps.rdtscp; /* it exists when RDTSCP does (CPUID says which) */
	case MSR_IA32_TSC:
		*val = rdtsc() + v->tsc_offset; /* what RDTSC gives it (SDM Vol. 3C, 26.3) */
		return true;
	case MSR_IA32_TSC_ADJUST:
		*val = v->tsc_offset;
		return tsc_adjust_shown(); /* CPUID.7:EBX[1] says so exactly then */
	case MSR_IA32_FEATURE_CONTROL:
		*val = FEATURE_CONTROL_LOCKED; /* locked with VMX off: no nested VMX */
		return true;
	case MSR_IA32_BIOS_SIGN_ID:
		*val = 0; /* no update loaded: Linux writes 0, runs CPUID 1 and reads this */
		return true;
	default:
		return false;
	}
}

/*
 * The guest's TSC moves by off - tsc_offset (a write to IA32_TSC or IA32_TSC_ADJUST moves both
 * by the same amount, SDM Vol. 3B, 18.17.3). A TSC deadline is a TSC value: the vLAPIC's,
 * kept in host TSC, moves with the offset so that it still falls at the same guest TSC (an
 * earlier one if the TSC jumped past it: it fires at once, 11.5.4.1). A lazily deferred
 * deadline is first made the vLAPIC's, so the guest's next write exits and is converted anew.
 */
static void set_tsc_offset(struct vcpu *v, u64 off)
{
	struct vlapic_ipi none;
	u64 now = rdtsc(), d = 0;

	pv_deadline_clear(v);
	if (vlapic_msr_read(&v->lapic, VLAPIC_MSR_TSC_DEADLINE, now, &d))
		d = 0;
	d = vcpu_deadline_to_guest(v, d);
	v->tsc_offset = off;
	vmcs_write64(TSC_OFFSET, off);
	if (d) {
		vlapic_msr_write(&v->lapic, VLAPIC_MSR_TSC_DEADLINE, vcpu_deadline_to_host(v, d), now,
				 &none);
		sched_timers_changed(v);
	}
}

enum exit_action exit_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.gpr[GPR_RCX];
	u64 val = 0;
	enum vmsr_result kept;

	/* IA32_EFER exits only on shadow page tables: the guest's, not what the CPU runs with. */
	if (msr == MSR_IA32_EFER && vmx_shadow_on(v))
		return exit_shadow_efer_read(v);
	/* The APIC's MSRs first: EOIs and deadlines are the frequent ones. */
	if (vlapic_msr_owned(msr)) {
		struct vlapic_ipi none;
		u32 r = vlapic_msr_read(&v->lapic, msr, rdtsc(), &val);

		if (!apic_bus_result(v, r, &none))
			return EXIT_RESUME;
		if (msr == VLAPIC_MSR_TSC_DEADLINE)
			val = vcpu_deadline_to_guest(v, val);
	} else if ((kept = vmsr_read(&v->msr, msr, &val)) != VMSR_NONE) {
		/* IA32_MISC_ENABLE, an MTRR or a machine-check MSR: val is its value */
		if (kept == VMSR_GP) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
	} else if (!read_platform(v, msr, &val) && !pv_kvm_msr_read(v, msr, &val)) {
		pr_debug("vm %s vcpu %u: RDMSR %#x: #GP", v->vm->name, v->id, msr);
		unmodelled_note(&v->vm->unmodelled, UNMODELLED_RDMSR, msr);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	v->regs.gpr[GPR_RAX] = (u32)val;
	v->regs.gpr[GPR_RDX] = val >> 32;
	exit_skip_decoded(v);
	return EXIT_RESUME;
}

/* The x2APIC's EOI, ICR and SELF IPI (SDM Vol. 3A, 12.12.1.2, table 12-6): the hottest writes. */
#define MSR_X2APIC_EOI (VLAPIC_MSR_X2APIC_FIRST + VLAPIC_REG_EOI / 16)
#define MSR_X2APIC_ICR (VLAPIC_MSR_X2APIC_FIRST + VLAPIC_REG_ICR_LO / 16)
#define MSR_X2APIC_SELF_IPI (VLAPIC_MSR_X2APIC_FIRST + VLAPIC_REG_SELF_IPI / 16)

/*
 * An EOI, ICR or SELF IPI write changes no timer, no LVT and no register the virtual-APIC page
 * shows (a send error waits in esr_pending for the guest's ESR write): straight to the vLAPIC
 * and the bus, with nothing for the lazy deadline or the scheduler's timers to look at
 * afterwards. What one changes for this vCPU's next entry is its IRR (a self IPI, a level EOI's
 * I/O APIC) or what IRR may deliver (an EOI lowers PPR): with IRR empty there is nothing to
 * deliver, and the re-entry looks at IRR. The rest goes to other vCPUs, or to this one as
 * requests (an NMI or INIT to itself).
 */
static enum exit_action write_eoi_ipi(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic_ipi ipi;

	if (!apic_bus_result(v, vlapic_msr_write(&v->lapic, msr, val, rdtsc(), &ipi), &ipi))
		return EXIT_RESUME;
	exit_skip_decoded(v);
	return EXIT_REENTER;
}

/* IA32_TSC_DEADLINE: converted to host TSC, to the vLAPIC, then the lazy deadline's record. */
static enum exit_action write_tsc_deadline(struct vcpu *v, u64 val)
{
	u64 now = rdtsc(), host = vcpu_deadline_to_host(v, val);
	u32 r = vlapic_tsc_deadline_write(&v->lapic, host);

	pv_deadline_written(v, host, now);
	if (r & VLAPIC_R_TIMER)
		sched_timers_changed(v);
	exit_skip_decoded(v);
	/* Its own timer (the deadline is recomputed at every entry); one already due is in IRR. */
	return EXIT_REENTER;
}

enum exit_action exit_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.gpr[GPR_RCX];
	u64 val = (v->regs.gpr[GPR_RDX] << 32) | (u32)v->regs.gpr[GPR_RAX];
	enum vmsr_result kept;
	bool fault;
	u32 dest;

	/* The hottest writes first, each on a path of its own ahead of the generic code. */
	if (msr == MSR_X2APIC_EOI || msr == MSR_X2APIC_ICR || msr == MSR_X2APIC_SELF_IPI) {
		if (msr == MSR_X2APIC_ICR && vlapic_x2apic_icr_fixed(&v->lapic, val, &dest)) {
			apic_bus_send_fixed(v, dest, (u8)val); /* to one vCPU, in one test */
			exit_skip_decoded(v);
			return EXIT_REENTER; /* as write_eoi_ipi's */
		}
		return write_eoi_ipi(v, msr, val);
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE)
		return write_tsc_deadline(v, val);
	if (msr == MSR_IA32_EFER && vmx_shadow_on(v))
		return exit_shadow_efer_write(v, val);
	if (vlapic_msr_owned(msr)) {
		struct vlapic_ipi ipi;
		u64 now = rdtsc();
		u32 r;

		if (msr == VLAPIC_MSR_TSC_DEADLINE)
			val = vcpu_deadline_to_host(v, val);
		r = vlapic_msr_write(&v->lapic, msr, val, now, &ipi);
		/* An SVR, LVT, timer or mode write: RDMSR reads them from the page with APICv. */
		apicv_regs_changed(to_vmx(v));

		if (msr == VLAPIC_MSR_APIC_BASE) {
			apic_bus_mode_changed(v);
			exit_cpuid_inputs_changed(v); /* CPUID.1:EDX.APIC */
		}
		if (!apic_bus_result(v, r, &ipi))
			return EXIT_RESUME;
		if (msr == VLAPIC_MSR_TSC_DEADLINE)
			pv_deadline_written(v, val, now);
		else
			pv_deadline_sync(v);
		/* Only a timer change moves the preemption timer; an EOI or an ICR write does not. */
		if (r & VLAPIC_R_TIMER)
			sched_timers_changed(v);
	} else if ((kept = vmsr_write(&v->msr, msr, val)) != VMSR_NONE) {
		/* Kept for reads; IA32_MISC_ENABLE's effects are in CPUID (exits/cpuid.c). */
		if (kept == VMSR_GP) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
		if (msr == VMSR_MISC_ENABLE)
			exit_cpuid_inputs_changed(v); /* limit CPUID, XD disable */
	} else if (msr == MSR_IA32_TSC_AUX && vmx_caps.rdtscp) {
		if (val >> 32) {
			vcpu_inject_gp(v); /* bits 63:32 are reserved, SDM Vol. 4, table 2-2 */
			return EXIT_RESUME;
		}
		to_vmx(v)->tsc_aux = val;
		wrmsr(MSR_IA32_TSC_AUX, val); /* this vCPU is the one running here */
	} else if ((msr == MSR_IA32_TSC && vmx_caps.tsc_offset) ||
		   (msr == MSR_IA32_TSC_ADJUST && tsc_adjust_shown())) {
		set_tsc_offset(v, msr == MSR_IA32_TSC ? val - rdtsc() : val);
	} else if (pv_kvm_msr_write(v, msr, val, &fault)) {
		if (fault) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
	} else if (msr == MSR_IA32_TSC || msr == MSR_IA32_BIOS_SIGN_ID) {
		/*
		 * Accepted and ignored: the TSC stays the host's where VMX cannot offset it, and the
		 * update signature is only ever written with 0 before a CPUID (10.11.7.1).
		 */
	} else {
		pr_debug("vm %s vcpu %u: WRMSR %#x <- %#lx: #GP", v->vm->name, v->id, msr, val);
		unmodelled_note(&v->vm->unmodelled, UNMODELLED_WRMSR, msr);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	exit_skip_decoded(v);
	return EXIT_RESUME;
}
