// SPDX-License-Identifier: GPL-2.0
/* VMCLEAR, VMPTRLD, failure reports and the VMCS dump for unknown exits (SDM Vol. 3C, 32.4). */
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/msr.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/mm.h"

/* VM-instruction error numbers, SDM Vol. 3C, table 32-1 (the ones worth a name). */
static const char *insn_error(u32 e)
{
	switch (e) {
	case 2: return "VMCLEAR with invalid physical address";
	case 4: return "VMLAUNCH with non-clear VMCS";
	case 5: return "VMRESUME with non-launched VMCS";
	case 7: return "VM entry with invalid control field(s)";
	case 8: return "VM entry with invalid host-state field(s)";
	case 9: return "VMPTRLD with invalid physical address";
	case 11: return "VMPTRLD with incorrect VMCS revision identifier";
	case 12: return "VMREAD/VMWRITE from/to unsupported VMCS component";
	case 13: return "VMWRITE to read-only VMCS component";
	case 26: return "VM entry with events blocked by MOV SS";
	default: return "see SDM Vol. 3C, table 32-1";
	}
}

void vmcs_failed(const char *insn, u32 field, const char *caller)
{
	u64 err = 0;
	u8 fail;

	/* The error number is valid only when a current VMCS exists (VMfailValid). */
	asm volatile("vmread %2, %1; setna %0"
		     : "=q"(fail), "=r"(err)
		     : "r"((u64)VM_INSTRUCTION_ERROR)
		     : "cc");
	if (fail)
		pr_err("%s of field %#x failed in %s: no current VMCS (VMfailInvalid)", insn, field,
		       caller);
	else
		pr_err("%s of field %#x failed in %s: VM-instruction error %lu (%s)", insn, field,
		       caller, err, insn_error((u32)err));
	this_cpu()->vmx.failed = true;
}

bool vmcs_clear(u64 phys)
{
	u8 fail;

	asm volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(phys) : "cc", "memory");
	if (fail)
		vmcs_failed("VMCLEAR", 0, __func__);
	return !fail;
}

bool vmcs_load(u64 phys)
{
	u8 fail;

	asm volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(phys) : "cc", "memory");
	if (fail)
		vmcs_failed("VMPTRLD", 0, __func__);
	return !fail;
}

/* msr's entry in the current VMCS's VM-entry MSR-load list, or in the VM-exit one (host). */
static struct vmx_msr_entry *list_entry(u32 msr, bool host)
{
	struct vmx_msr_entry *l = phys_to_virt(vmcs_read64(ENTRY_MSR_LOAD_ADDR));
	u32 n = vmcs_read32(ENTRY_MSR_LOAD_COUNT);

	if (host)
		l += VMX_HOST_MSR_LIST;
	for (u32 i = 0; i < n; i++)
		if (l[i].index == msr)
			return &l[i];
	panic("vmx: MSR %#x not in the %s MSR-load list", msr, host ? "VM-exit" : "VM-entry");
}

u64 vmcs_guest_efer(void)
{
	if (vmx_caps.efer_ctls)
		return vmcs_read64(GUEST_IA32_EFER);
	return list_entry(MSR_IA32_EFER, false)->value;
}

/*
 * Without "load IA32_EFER", VM entry sets EFER.LMA from "IA-32e mode guest", and LME with it
 * when CR0.PG is 1 (SDM Vol. 3C, 27.3.2.1), then loads the list (27.4): the value written here
 * must agree with that control (the callers keep them together), or WRMSR's own rules (LME may
 * not change with paging on) fail the entry. The guest's EFER is never saved at exit (no "save
 * IA32_EFER"): only shadow page tables run here, where every change of it exits (shadow.c).
 */
void vmcs_set_guest_efer(u64 efer)
{
	if (vmx_caps.efer_ctls)
		vmcs_write64(GUEST_IA32_EFER, efer);
	else
		list_entry(MSR_IA32_EFER, false)->value = efer;
}

/* VM exit sets LMA and LME from "host address-space size" (28.5.1), the list the rest (28.6). */
void vmcs_set_host_efer(u64 efer)
{
	if (vmx_caps.efer_ctls)
		vmcs_write64(HOST_IA32_EFER, efer);
	else
		list_entry(MSR_IA32_EFER, true)->value = efer;
}

/*
 * Without "save IA32_PAT" the VM-exit MSR-store list is the VM-entry MSR-load list (28.4): the
 * guest's PAT, which it writes without an exit, is stored at exit where the next entry loads it.
 */
void vmcs_set_guest_pat(u64 pat)
{
	if (vmx_caps.pat_ctls)
		vmcs_write64(GUEST_IA32_PAT, pat);
	else
		list_entry(MSR_IA32_PAT, false)->value = pat;
}

void vmcs_set_host_pat(u64 pat)
{
	if (vmx_caps.pat_ctls)
		vmcs_write64(HOST_IA32_PAT, pat);
	else
		list_entry(MSR_IA32_PAT, true)->value = pat;
}

void vmcs_dump(void)
{
	console_printf("  exit reason %#x qual %#lx  intr info %#x  idt vectoring %#x  instr len %u\n",
		       vmcs_read32(EXIT_REASON), vmcs_readl(EXIT_QUALIFICATION),
		       vmcs_read32(EXIT_INTR_INFO), vmcs_read32(IDT_VECTORING_INFO),
		       vmcs_read32(EXIT_INSTR_LEN));
	console_printf("  rip %#lx rsp %#lx rflags %#lx  cr0 %#lx cr3 %#lx cr4 %#lx efer %#lx\n",
		       vmcs_readl(GUEST_RIP), vmcs_readl(GUEST_RSP), vmcs_readl(GUEST_RFLAGS),
		       vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_CR3), vmcs_readl(GUEST_CR4),
		       vmcs_guest_efer());
	console_printf("  cs %#x base %#lx limit %#x ar %#x  ss %#x ar %#x  tr %#x ar %#x\n",
		       vmcs_read16(GUEST_CS_SEL), vmcs_readl(GUEST_CS_BASE),
		       vmcs_read32(GUEST_CS_LIMIT), vmcs_read32(GUEST_CS_AR),
		       vmcs_read16(GUEST_SS_SEL), vmcs_read32(GUEST_SS_AR),
		       vmcs_read16(GUEST_TR_SEL), vmcs_read32(GUEST_TR_AR));
	console_printf("  guest-physical %#lx  linear %#lx  activity %u  interruptibility %#x\n",
		       vmx_caps.ept ? vmcs_read64(GUEST_PHYS_ADDR) : 0, vmcs_readl(GUEST_LINEAR_ADDR),
		       vmcs_read32(GUEST_ACTIVITY_STATE), vmcs_read32(GUEST_INTERRUPTIBILITY));
	console_printf("  controls pin %#x proc %#x proc2 %#x exit %#x entry %#x\n",
		       vmcs_read32(PIN_BASED_CTLS), vmcs_read32(PROC_BASED_CTLS),
		       vmx_caps.secondary ? vmcs_read32(PROC_BASED_CTLS2) : 0, vmcs_read32(EXIT_CTLS),
		       vmcs_read32(ENTRY_CTLS));
}
