/* SPDX-License-Identifier: GPL-2.0 */
/* A vCPU's VMX state: its VMCS, controls, host state, and the guest state at power-on and SIPI. */
#ifndef KESTREL_ARCH_X86_VMX_VMX_VCPU_H
#define KESTREL_ARCH_X86_VMX_VMX_VCPU_H

#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/cpuid_policy.h"

/*
 * A vCPU's CPUID answers by (leaf, subleaf), direct-mapped: the policy's answer is a function
 * of the host's answer and of cpuid_env, and the cache is dropped whole where the inputs the
 * guest changes are written: IA32_APIC_BASE and IA32_MISC_ENABLE (exits/msr.c), and the
 * power-on of a VM reset (exit_cpuid_inputs_changed).
 */
#define CPUID_CACHE_SIZE 16
struct cpuid_cache {
	struct {
		u32 leaf, sub;
		bool valid;
		struct cpuid_regs r;
	} e[CPUID_CACHE_SIZE];
};
#include "hv/vm.h"
#include "lib/types.h"

/*
 * The architecture's vCPU: the core's struct vcpu first, then what only VMX code touches
 * (KVM's struct vcpu_vmx). Only the pCPU that runs the vCPU uses these fields.
 */
struct vmx_vcpu {
	struct vcpu vcpu;
	u64 vmcs_phys;
	u64 msr_lists_phys; /* without "load IA32_EFER" or PAT: its MSR lists (vmcs.c) */
	u32 msr_list_count; /* entries in each: PAT, EFER as the CPU lacks their controls */
	u16 vpid;
	bool launched;
	bool vmcs_initialised;
	bool check_vectoring; /* an exit happened: re-deliver what it interrupted, 29.2 */
	bool vectoring_done; /* the exit's handler delivered that event itself (task gates) */
	bool entry_intr_valid; /* ENTRY_INTR_INFO holds an event to inject (Kestrel wrote it) */
	bool needs_host_state; /* moved pCPU: the VMCS's host state is the old pCPU's */
	bool needs_tlb_flush; /* moved pCPU: drop what this one cached from an earlier visit */
	bool fpu_saved; /* fxsave holds its FPU state */
	bool fpu_reset; /* at its next run: FPU/SSE as at power-on, not what the pCPU holds */
	bool msr_reset; /* at its next run: the MSRs INIT leaves alone as at power-on */
	u32 proc_ctls; /* the VMCS's processor-based controls, as last written */
	u32 proc2_ctls; /* the secondary ones, as last written (APICv changes them) */
	bool apicv_on; /* APIC virtualization is on in the VMCS (apicv.c) */
	bool posted_on; /* "process posted interrupts" is on with it (posted.c) */
	bool apicv_regs_stale; /* the page's registers but IRR, ISR, TPR: to be written again */
	bool apicv_no_page; /* no memory for a virtual-APIC page: the emulated path for good */
	bool apicv_page_clear; /* the page's IRR and ISR are 0, and RVI and SVI in the VMCS */
	bool apicv_in_sync; /* pulled at the last exit with RVI 0: the page is the vLAPIC's */
	s16 apicv_offer; /* the vector inject_events offers at this entry (vlapic_page.h), or -1 */
	s16 apicv_pushed; /* the vector the page's VIRR got at the last entry, or -1 */
	u64 apicv_offer_rip, apicv_offer_rsp; /* the guest's at the entry that offered one */
	u8 apicv_page_words; /* the page's IRR and ISR words that may not be 0 (vlapic_page.h) */
	u64 apic_page_phys; /* the virtual-APIC page, 0 until APICv is first on */
	u32 *apic_page; /* the same, mapped */
	u64 eoi_exit[4]; /* the EOI-exit bitmap as last written */
	u64 host_rsp; /* what the VMCS's HOST_RSP holds, 0: unknown (vmenter.asm) */
	u32 timed_reason; /* stats=timing: the exit whose round trip is open, else NR_EXIT_REASONS */
	u64 exited_at; /* stats=timing: the TSC at that exit */
	bool cpuid_env_ready; /* cpuid_env holds what the CPUID policy needs of this vCPU */
	struct cpuid_policy_env cpuid_env;
	struct cpuid_cache cpuid_cache; /* the guest's answers already computed (exits/cpuid.c) */
	/* MSRs VMX does not switch, kept per vCPU and swapped when another vCPU runs. */
	u64 kernel_gs_base, star, lstar, cstar, sfmask, tsc_aux;
	u64 dr[4], dr6; /* the debug registers VMX does not switch */
	u64 cr2; /* nor CR2: MOV to and from CR2 never exit */
	struct shadow_vcpu shadow; /* shadow page tables: the guest's paging and its root */
	u32 shadow_left_root; /* the root it gave up when it stopped running (shadow.c) */
	u64 shadow_left_gen;  /* ... and that page's generation */
	bool vm86; /* shadow paging: real mode run as virtual-8086 mode (real_mode.c) */
	u64 rm_idt_base; /* ... the guest's IDTR meanwhile (the VMCS's has limit 0) */
	u32 rm_idt_limit;
	u64 exits[NR_EXIT_REASONS];
	u64 exit_tsc[NR_EXIT_REASONS]; /* stats=timing: root-mode TSC ticks of each reason's exits */
	u8 fxsave[512] __aligned(16);
};

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return (struct vmx_vcpu *)((char *)v - __builtin_offsetof(struct vmx_vcpu, vcpu));
}

/* MSR and I/O bitmaps shared by every VM; returns 0 or -ENOMEM. Call once on the BSP. */
int vmx_bitmaps_init(void);
/* The MSR bitmap of vCPUs without APICv: every x2APIC MSR exits. */
u64 vmx_shared_msr_bitmap(const struct vcpu *v);
/* Makes v's VMCS current on this CPU, initialising it the first time. False on failure. */
bool vmx_vcpu_load(struct vmx_vcpu *x);
/* Guest state as a multiboot loader leaves it: 32-bit protected mode, paging off. */
void vmx_vcpu_reset_protected(struct vmx_vcpu *x, const struct vm_boot *b);
/* Guest state after a SIPI: real mode at vector:0000 (SDM Vol. 3A, 10.4.4). */
void vmx_vcpu_reset_real(struct vmx_vcpu *x, u8 vector);
/* The MSRs INIT leaves alone, as at power-on, in x and in this pCPU (x's are live here). */
void vmx_vcpu_power_on_msrs(struct vmx_vcpu *x);
/* Saves the MSRs, FPU and debug registers VMX leaves alone (x stops running here). */
void vmx_vcpu_save_state(struct vmx_vcpu *x);

#endif
