// SPDX-License-Identifier: GPL-2.0
/* Probes VMX and enters VMX root operation on each CPU (SDM Vol. 3C, 25.7 and 25.8; appendix A). */
#include "arch/x86/vmx/spec.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/tlb_caps.h"
#include "arch/x86/vmx/apicv.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vectors.h"
#include "arch/x86/percpu.h"
#include "lib/console.h"
#include "mm/mm.h"

/* Control bits Kestrel checks for, SDM Vol. 3C, 26.6.1, 26.6.2 and table 26-7. */

struct vmx_caps vmx_caps;

static bool allowed1(u64 ctl_msr, u64 bit)
{
	return (ctl_msr >> 32) & bit;
}

void vmx_probe(void)
{
	struct vmx_caps *c = &vmx_caps;
	u64 basic, fc;

	struct cpuid_regs v = cpuid(0, 0);

	c->vmx = cpuid(1, 0).ecx & CPUID1_ECX_VMX;
	if (!c->vmx) {
		/* "AuthenticAMD" in EBX, EDX, ECX order. */
		if (v.ebx == 0x68747541 && v.edx == 0x69746e65 && v.ecx == 0x444d4163)
			c->missing = "the CPU does not report VMX (CPUID.1:ECX bit 5 is 0): it is an "
				     "AMD CPU, and Kestrel does not support AMD SVM";
		else
			c->missing = "the CPU does not report VMX (CPUID.1:ECX bit 5 is 0)";
		return;
	}
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		c->missing = "firmware locked VMX off (IA32_FEATURE_CONTROL); enable "
			     "Intel VT-x in the firmware setup";
		return;
	}
	basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->revision = (u32)basic & 0x7fffffff;
	c->vmcs_size = (u32)(basic >> 32) & 0x1fff;
	c->true_ctls = basic & BIT(55);
	c->pinbased = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
					   MSR_IA32_VMX_PINBASED_CTLS);
	c->procbased = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					    MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit_ctls = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	c->entry_ctls = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
					     MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->secondary = allowed1(c->procbased, PROC_SECONDARY);
	if (c->secondary)
		c->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	c->preemption_timer = allowed1(c->pinbased, PIN_PREEMPTION_TIMER);
	c->preemption_timer_shift = (u32)c->misc & 0x1f; /* A.6 */
	c->posted_intr = allowed1(c->pinbased, PIN_POSTED_INTR);
	c->ack_intr = allowed1(c->exit_ctls, EXIT_ACK_INTR);
	c->virtual_nmi = allowed1(c->pinbased, BIT(5));
	c->intr_window = allowed1(c->procbased, BIT(2));
	c->pause_exiting = allowed1(c->procbased, PROC_PAUSE);
	c->rdtscp = allowed1(c->procbased2, BIT(3)) &&
		    (cpuid(0x80000001, 0).edx & BIT(27)); /* "enable RDTSCP", 25.6.2 */
	c->tsc_offset = allowed1(c->procbased, PROC_TSC_OFFSET);
	c->nmi_window = c->virtual_nmi && allowed1(c->procbased, BIT(22)); /* 25.6.2 */
	/* All or none: else one pair of MSR lists switches the MSR both ways (vmcs.c). */
	c->efer_ctls = allowed1(c->exit_ctls, EXIT_SAVE_EFER) &&
		       allowed1(c->exit_ctls, EXIT_LOAD_EFER) &&
		       allowed1(c->entry_ctls, ENTRY_LOAD_EFER);
	c->pat_ctls = allowed1(c->exit_ctls, EXIT_SAVE_PAT) && allowed1(c->exit_ctls, EXIT_LOAD_PAT) &&
		      allowed1(c->entry_ctls, ENTRY_LOAD_PAT);
	c->io_bitmaps = allowed1(c->procbased, PROC_IO_BITMAPS);
	c->msr_bitmaps = allowed1(c->procbased, PROC_MSR_BITMAPS);
	c->ept = allowed1(c->procbased2, PROC2_EPT);
	c->vpid = allowed1(c->procbased2, PROC2_VPID);
	c->unrestricted = allowed1(c->procbased2, PROC2_UNRESTRICTED);
	c->apic_reg_virt = allowed1(c->procbased2, PROC2_APIC_REG_VIRT);
	c->virt_intr_delivery = allowed1(c->procbased2, PROC2_VIRT_INTR_DELIVERY);
	apicv_probe(c);
	/* IA32_VMX_EPT_VPID_CAP exists only if EPT or VPID can be enabled, A.10. */
	if (c->ept || c->vpid) {
		u64 e = c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		struct tlb_caps t;

		/* Each only with the invalidation that keeps it correct (tlb_caps.c). */
		tlb_caps_decide(&t, c->ept, c->vpid, e);
		c->ept = t.ept;
		c->vpid = t.vpid;
		c->no_ept = t.no_ept;
		c->no_vpid = t.no_vpid;

		c->ept_4level = e & BIT(6);
		c->ept_wb = e & BIT(14);
		c->ept_2m = e & BIT(16);
		c->ept_1g = e & BIT(17);
		c->invept = e & BIT(20);
		c->ept_ad = e & BIT(21);
		c->invept_single = e & BIT(25);
		c->invept_all = e & BIT(26);
		c->invvpid = e & BIT(32);
		c->invvpid_single = e & BIT(41);
		c->invvpid_all = e & BIT(42);
		c->invvpid_addr = e & BIT(40);
		c->invvpid_single_keep_global = e & BIT(43);
	}
	if (c->vmcs_size == 0 || c->vmcs_size > PAGE_SIZE) {
		c->missing = "IA32_VMX_BASIC reports an unusable VMCS size";
		return;
	}
	c->usable = true;
	vmx_spec_probe();
}

int vmx_enable_cpu(struct percpu *cpu)
{
	u64 fc, cr0, cr4, phys;
	u8 fail;

	if (!vmx_caps.usable) {
		cpu->vmx.error = vmx_caps.missing;
		return -ENODEV;
	}
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
		cpu->vmx.error = "this CPU does not report VMX";
		return -ENODEV;
	}
	/* Firmware may leave IA32_FEATURE_CONTROL unlocked: enable VMX and lock it, 24.7. */
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCKED;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	} else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		cpu->vmx.error = "firmware locked VMX off on this CPU";
		return -ENODEV;
	}
	/* CR0 and CR4 must honour the fixed bits before VMXON, 24.8 and A.7, A.8. */
	cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	write_cr0(cr0);
	cr4 = (read_cr4() | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
	      rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr4(cr4);

	phys = cpu->vmx.vmxon_phys;
	if (!phys) {
		phys = frames_alloc(1, 0);
		if (!phys) {
			cpu->vmx.error = "no memory for the VMXON region";
			return -ENOMEM;
		}
		cpu->vmx.vmxon_phys = phys;
	}
	*(u32 *)phys_to_virt(phys) = vmx_caps.revision; /* 24.11.5 */
	/* VMXON sets CF on VMfailInvalid, ZF on VMfailValid (30.2). */
	asm volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(phys) : "cc", "memory");
	if (fail) {
		cpu->vmx.error = "VMXON failed";
		return -EIO;
	}
	cpu->vmx.root = true;
	return 0;
}

void vmx_print_caps(void)
{
	const struct vmx_caps *c = &vmx_caps;

	pr_info("vmx: revision %#x, VMCS %u bytes, %s controls", c->revision, c->vmcs_size,
		c->true_ctls ? "TRUE" : "default");
	pr_info("vmx: EPT %s (4-level %s, WB %s, 2M %s, 1G %s, A/D %s), VPID %s, "
		"unrestricted guest %s",
		c->ept ? "yes" : "no", c->ept_4level ? "yes" : "no", c->ept_wb ? "yes" : "no",
		c->ept_2m ? "yes" : "no", c->ept_1g ? "yes" : "no", c->ept_ad ? "yes" : "no",
		c->vpid ? "yes" : "no", c->unrestricted ? "yes" : "no");
	pr_info("vmx: INVEPT %s (single %s, all %s), INVVPID %s (single %s, all %s)",
		c->invept ? "yes" : "no", c->invept_single ? "yes" : "no",
		c->invept_all ? "yes" : "no", c->invvpid ? "yes" : "no",
		c->invvpid_single ? "yes" : "no", c->invvpid_all ? "yes" : "no");
	if (c->no_vpid)
		pr_warn("vmx: VPID off: %s; every VM entry and exit flushes the TLB", c->no_vpid);
	if (c->no_ept)
		pr_warn("vmx: EPT refused: %s", c->no_ept);
	if (c->preemption_timer)
		pr_info("vmx: preemption timer yes (rate TSC>>%u), MSR bitmaps %s, I/O bitmaps %s",
			c->preemption_timer_shift, c->msr_bitmaps ? "yes" : "no",
			c->io_bitmaps ? "yes" : "no");
	else
		pr_info("vmx: preemption timer no, MSR bitmaps %s, I/O bitmaps %s",
			c->msr_bitmaps ? "yes" : "no", c->io_bitmaps ? "yes" : "no");
	pr_info("vmx: secondary controls %s (WBINVD exiting %s, enable RDTSCP %s, enable INVPCID "
		"%s)", c->secondary ? "yes" : "no", allowed1(c->procbased2, PROC2_WBINVD) ? "yes" : "no",
		allowed1(c->procbased2, PROC2_RDTSCP) ? "yes" : "no",
		allowed1(c->procbased2, PROC2_INVPCID) ? "yes" : "no");
	pr_info("vmx: IA32_EFER switched by %s, IA32_PAT by %s",
		c->efer_ctls ? "the VM-entry/exit controls" : "the MSR-load lists",
		c->pat_ctls ? "the VM-entry/exit controls" : "the MSR-load and MSR-store lists");
	pr_info("vmx: APIC-register virtualization %s, virtual-interrupt delivery %s, posted "
		"interrupts %s",
		c->apic_reg_virt ? "yes" : "no", c->virt_intr_delivery ? "yes" : "no",
		c->posted_intr ? "yes" : "no");
	if (c->apicv)
		pr_info("vmx: APICv used for x2APIC guests (virtualize x2APIC mode, APIC-register "
			"virtualization, virtual-interrupt delivery)");
	else
		pr_info("vmx: APICv not used: %s; the local APIC is emulated", c->no_apicv);
	if (c->posted)
		pr_info("vmx: posted interrupts used with APICv (notification vector %#x)",
			VEC_POSTED_INTR);
	else
		pr_info("vmx: posted interrupts not used: %s; other pCPUs' interrupts kick",
			c->no_posted);
	pr_info("vmx: acknowledge interrupt on exit %s", c->ack_intr ? "used" : "no");
	vmx_spec_print();
}
