// SPDX-License-Identifier: GPL-2.0
/*
 * Control-register exits: guest writes to the CR0/CR4 bits VMX pins, kept in the read shadows;
 * and every MOV to or from CR8, which is the virtual APIC's task priority, never the pCPU's.
 */
#include "arch/x86/vmx/vmx_bits.h"
#include "arch/x86/cpu.h"
#include "arch/x86/cr_rules.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "mm/guest_mem.h"

/* Exit qualification for CR access, SDM Vol. 3C, 29.2.1, table 29-3. */
#define CR_NUM(q) ((q) & 0xf)
#define CR_TYPE(q) (((q) >> 4) & 3)
#define CR_GPR(q) (((q) >> 8) & 0xf)
#define CR_MOV_TO 0
#define CR_MOV_FROM 1


/* What the guest sees: the VMCS value, and the read shadow for the bits the mask gives Kestrel. */
static void guest_cr_state(struct cr_state *s)
{
	u64 m4 = CR4_VMXE | CR4_GUEST_HIDDEN;

	s->cr0 = (vmcs_readl(GUEST_CR0) & ~(u64)CR0_NE) | (vmcs_readl(CR0_READ_SHADOW) & CR0_NE);
	s->cr3 = vmcs_readl(GUEST_CR3);
	s->cr4 = (vmcs_readl(GUEST_CR4) & ~m4) | (vmcs_readl(CR4_READ_SHADOW) & m4);
	s->efer = vmcs_guest_efer();
	s->cs_l = vmcs_read32(GUEST_CS_AR) & BIT(13); /* 26.4.1: access rights, L at bit 13 */
}

/*
 * PAE paging starts or changes: the processor would load the four PDPTEs from CR3 now, and
 * with EPT, VM entry loads them from the VMCS (Vol. 3C, 28.3.2.4), so Kestrel reads them.
 * False for a PDPTE with a reserved bit set (or outside RAM): #GP, Vol. 3A 4.4.1.
 */
bool exit_load_pdptes(struct vcpu *v, u64 cr3)
{
	u32 maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	u64 pdpte[4];

	if (gmem_read(&v->vm->mem, cr3 & 0xffffffe0ULL, pdpte, sizeof(pdpte)))
		return false;
	for (u32 i = 0; i < 4; i++)
		if (cr_rules_pdpte_bad(pdpte[i], maxphyaddr))
			return false;
	vmcs_write64(GUEST_PDPTE0, pdpte[0]);
	vmcs_write64(GUEST_PDPTE1, pdpte[1]);
	vmcs_write64(GUEST_PDPTE2, pdpte[2]);
	vmcs_write64(GUEST_PDPTE3, pdpte[3]);
	return true;
}

/*
 * Only writes that change a bit of the CR0 mask (NE) exit; the processor checks the others
 * itself. An exiting one must be checked here the same way: a value the processor would
 * refuse with #GP otherwise fails the next VM entry (28.3.1.1) and stops the VM.
 */
static bool guest_write_cr0(struct vcpu *v, u64 val)
{
	struct cr_state s;
	u32 r;

	guest_cr_state(&s);
	r = cr_rules_cr0(&s, val);
	if (r & CR_RULES_GP)
		return false;
	if ((r & CR_RULES_LOAD_PDPTES) && !exit_load_pdptes(v, s.cr3))
		return false;
	/* Paging turned on or off with EFER.LME set starts or ends IA-32e mode, 10.8.5. */
	if (r & CR_RULES_IA32E_ON) {
		vmcs_set_guest_efer(s.efer | EFER_LMA);
		vmcs_write32(ENTRY_CTLS, vmcs_read32(ENTRY_CTLS) | ENTRY_IA32E_GUEST);
	} else if (r & CR_RULES_IA32E_OFF) {
		vmcs_set_guest_efer(s.efer & ~EFER_LMA);
		vmcs_write32(ENTRY_CTLS, vmcs_read32(ENTRY_CTLS) & ~ENTRY_IA32E_GUEST);
	}
	vmcs_writel(CR0_READ_SHADOW, val);
	vmcs_writel(GUEST_CR0, val | CR0_NE);
	vmx_flush_vpid(to_vmx(v)->vpid); /* what MOV to CR0/CR4 would flush */
	return true;
}

static bool guest_write_cr4(struct vcpu *v, u64 val)
{
	u64 allowed = rdmsr(MSR_IA32_VMX_CR4_FIXED1) & ~(u64)CR4_GUEST_HIDDEN;
	struct cr_state s;
	u32 r;

	/* A bit this CPU or Kestrel does not offer (CR4_GUEST_HIDDEN); VMXE: no nested VMX. */
	guest_cr_state(&s);
	r = cr_rules_cr4(&s, val, ~allowed | CR4_VMXE);
	if (r & CR_RULES_GP)
		return false;
	if ((r & CR_RULES_LOAD_PDPTES) && !exit_load_pdptes(v, s.cr3))
		return false;
	vmcs_writel(CR4_READ_SHADOW, val);
	vmcs_writel(GUEST_CR4, val | CR4_VMXE);
	vmx_flush_vpid(to_vmx(v)->vpid); /* what MOV to CR0/CR4 would flush */
	return true;
}

/* CR8 (64-bit mode only): TPR[7:4] of the vCPU's virtual local APIC (SDM Vol. 3A, 12.8.6.1). */
static enum exit_action cr8_access(struct vcpu *v, u64 q, u32 reg, u64 val)
{
	if (CR_TYPE(q) == CR_MOV_FROM) {
		if (reg == GPR_RSP)
			vmcs_writel(GUEST_RSP, vlapic_cr8_read(&v->lapic));
		else
			v->regs.gpr[reg] = vlapic_cr8_read(&v->lapic);
		exit_skip_instruction(v);
		return EXIT_RESUME;
	}
	if (val >> 4) {
		vcpu_inject_gp(v); /* bits 63:4 are reserved (Vol. 2B, MOV to CR8) */
		return EXIT_RESUME;
	}
	vlapic_cr8_write(&v->lapic, val);
	/* A lower priority may let a pending interrupt in at the next entry. */
	if (vlapic_pending(&v->lapic) >= 0)
		sched_interrupt_pending(v);
	exit_skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	u32 reg = CR_GPR(q);
	u64 val = reg == GPR_RSP ? vmcs_readl(GUEST_RSP) : v->regs.gpr[reg];
	bool ok;

	if (CR_NUM(q) == 8 && (CR_TYPE(q) == CR_MOV_TO || CR_TYPE(q) == CR_MOV_FROM))
		return cr8_access(v, q, reg, val);
	if (vmx_shadow_on(v) && (CR_TYPE(q) == CR_MOV_TO || CR_TYPE(q) == CR_MOV_FROM) &&
	    (CR_NUM(q) == 0 || CR_NUM(q) == 3 || CR_NUM(q) == 4))
		return exit_shadow_cr(v, CR_NUM(q), CR_TYPE(q) == CR_MOV_TO, reg, val);
	if (CR_TYPE(q) != CR_MOV_TO || (CR_NUM(q) != 0 && CR_NUM(q) != 4)) {
		vm_stop(v->vm, -1, "vcpu %u: unexpected control-register exit (qualification %#lx)",
			v->id, q);
		return EXIT_STOP_VM;
	}
	ok = CR_NUM(q) == 0 ? guest_write_cr0(v, val) : guest_write_cr4(v, val);
	if (!ok) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
