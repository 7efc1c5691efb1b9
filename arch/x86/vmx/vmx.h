/* SPDX-License-Identifier: GPL-2.0 */
/* VMX capabilities and VMX root operation (SDM Vol. 3C, chapters 25 and 26, appendix A). */
#ifndef KESTREL_ARCH_X86_VMX_VMX_H
#define KESTREL_ARCH_X86_VMX_VMX_H

#include "lib/types.h"

struct percpu;

struct vmx_caps {
	bool vmx; /* CPUID.1:ECX.VMX */
	bool usable; /* and firmware lets us turn it on */
	const char *missing; /* why not, for the boot log */
	const char *no_ept, *no_vpid; /* why EPT / VPID stay off although the controls allow them */
	u32 revision;
	u32 vmcs_size;
	bool true_ctls; /* IA32_VMX_BASIC[55]: the TRUE_* control MSRs apply */
	u64 pinbased, procbased, procbased2, exit_ctls, entry_ctls; /* allowed-0 | allowed-1 << 32 */
	u64 misc, ept_vpid;
	bool secondary, ept, vpid, unrestricted, preemption_timer, msr_bitmaps, io_bitmaps;
	bool ept_4level, ept_wb, ept_2m, ept_1g, ept_ad, invept, invept_single, invept_all;
	bool invvpid, invvpid_single, invvpid_all, invvpid_addr, invvpid_single_keep_global;
	bool apic_reg_virt, virt_intr_delivery, posted_intr, tpr_shadow, virt_x2apic;
	bool apicv; /* all APICv needs (apicv.c); else every VM takes the emulated path */
	const char *no_apicv; /* the first control missing for it */
	/* "acknowledge interrupt on exit": used wherever allowed (exits/interrupt.c) */
	bool ack_intr;
	bool posted; /* posted interrupts used with APICv (posted.c); else no_posted says why not */
	const char *no_posted;
	bool virtual_nmi, nmi_window, intr_window, rdtscp, tsc_offset, pause_exiting;
	/* "save/load IA32_EFER" (PAT) on exit and entry: else the MSR lists switch it (vmcs.c). */
	bool efer_ctls, pat_ctls;
	u32 preemption_timer_shift; /* the timer counts down once per 2^shift TSC ticks */
};

extern struct vmx_caps vmx_caps;

/* Reads the capability MSRs on the bootstrap CPU; fills vmx_caps, including why VMX is unusable. */
void vmx_probe(void);
/* Turns VMX on for this CPU (IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, VMXON). 0 or -errno. */
int vmx_enable_cpu(struct percpu *cpu);
/* Prints what later parts rely on. */
void vmx_print_caps(void);
/* Drops this pCPU's translations tagged with vpid (all VPIDs where single-context is missing). */
void vmx_flush_vpid(u16 vpid);
/* INVEPT single-context for eptp (all-context where single is missing), on this pCPU. */
void vmx_invept(u64 eptp);

#endif
