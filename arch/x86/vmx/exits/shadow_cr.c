// SPDX-License-Identifier: GPL-2.0
/*
 * Control registers and IA32_EFER of a VM on shadow page tables: MOV to and from CR3 and the
 * writes of CR0, CR4 and EFER that change paging exit; each is checked as the processor would
 * check it, kept as the guest's value, and switches the vCPU to the root of its new paging.
 */
#include "arch/x86/cr_rules.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vcpu.h"
#include "lib/console.h"

/* SDM Vol. 3A, 2.2.1 and table 2-1: SCE, LME, LMA (read-only), NXE; the rest reserved. */
#define EFER_SCE BIT(0)
#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
/* MOV to CR3 with CR4.PCIDE: bit 63 asks not to flush, and is never stored (Vol. 3A, 5.10.4.1). */
#define CR3_NOFLUSH BIT(63)

static u8 guest_maxphyaddr(void)
{
	u8 m = (u8)cpuid(0x80000008, 0).eax;

	return m ? m : 36;
}

static void guest_cr_state(struct vcpu *v, struct cr_state *s)
{
	const struct shadow_vcpu *sv = &to_vmx(v)->shadow;

	/* The bits the guest owns are live in the VMCS (CLTS, for one, does not exit). */
	s->cr0 = (vmcs_readl(GUEST_CR0) & ~(u64)SHADOW_CR0_MASK) | (sv->cpu.cr0 & SHADOW_CR0_MASK);
	s->cr4 = (vmcs_readl(GUEST_CR4) & ~(u64)SHADOW_CR4_MASK) | (sv->cpu.cr4 & SHADOW_CR4_MASK);
	s->cr3 = sv->cpu.cr3;
	s->efer = sv->cpu.efer;
	s->cs_l = vmcs_read32(GUEST_CS_AR) & SEG_AR_L;
}

/*
 * The new paging takes effect: with PAE paging (re)started the PDPTEs are loaded from CR3 as
 * the processor would (shadow_new_cr3; a bad one is #GP and nothing changes), else the root is
 * loaded before the next entry. Returns false for #GP.
 */
static bool apply(struct vcpu *v, const struct cr_state *old, u64 cr0, u64 cr4, u64 efer,
		  bool load_pdptes)
{
	struct vmx_vcpu *x = to_vmx(v);
	int r;

	vmx_shadow_set_paging(x, cr0, cr4, efer);
	if (!load_pdptes)
		return true;
	r = shadow_new_cr3(v->vm->shadow, &x->shadow, x->shadow.cpu.cr3);
	if (r == -EINVAL || r == -EFAULT) {
		vmx_shadow_set_paging(x, old->cr0, old->cr4, old->efer);
		return false;
	}
	return true; /* loaded, or (-EAGAIN, -ENOMEM) tried again before the entry */
}

static bool guest_write_cr0(struct vcpu *v, u64 val)
{
	struct cr_state s;
	u64 efer;
	u32 r;

	guest_cr_state(v, &s);
	r = cr_rules_cr0(&s, val);
	if (r & CR_RULES_GP)
		return false;
	/* Paging turned on or off with EFER.LME set starts or ends IA-32e mode, 10.8.5. */
	efer = r & CR_RULES_IA32E_ON ? s.efer | EFER_LMA :
	       r & CR_RULES_IA32E_OFF ? s.efer & ~EFER_LMA : s.efer;
	return apply(v, &s, val, s.cr4, efer, r & CR_RULES_LOAD_PDPTES);
}

static bool guest_write_cr4(struct vcpu *v, u64 val)
{
	u64 allowed = rdmsr(MSR_IA32_VMX_CR4_FIXED1) & ~(u64)CR4_GUEST_HIDDEN;
	struct cr_state s;
	u32 r;

	guest_cr_state(v, &s);
	/* PCIDE too: the shadow's roots carry no PCID, and CPUID offers none to such a guest. */
	r = cr_rules_cr4(&s, val, ~allowed | CR4_VMXE | SHADOW_CR4_PCIDE);
	if (r & CR_RULES_GP)
		return false;
	return apply(v, &s, s.cr0, val, s.efer, r & CR_RULES_LOAD_PDPTES);
}

/*
 * MOV to CR3: bits above MAXPHYADDR are reserved in IA-32e mode (#GP, SDM Vol. 2B, MOV to
 * control registers); outside it only the low 32 bits exist. PAE paging loads the PDPTEs.
 */
static bool guest_write_cr3(struct vcpu *v, u64 val)
{
	struct vmx_vcpu *x = to_vmx(v);
	int r;

	if (x->shadow.cpu.efer & EFER_LMA) {
		val &= ~CR3_NOFLUSH;
		if (val >> guest_maxphyaddr())
			return false;
	} else {
		val = (u32)val;
	}
	r = shadow_new_cr3(v->vm->shadow, &x->shadow, val);
	if (r == -EINVAL || r == -EFAULT)
		return false;
	if (r < 0) {
		x->shadow.cpu.cr3 = val; /* the root is loaded (and all flushed) before the entry */
		v->shadow_reload = true;
	} else {
		vmcs_writel(GUEST_CR3, x->shadow.root_hpa);
		vmx_shadow_flush_cr3(x); /* the same root or another: what MOV to CR3 flushes */
	}
	return true;
}

bool vmx_shadow_write_cr(struct vcpu *v, u32 cr, u64 val)
{
	return cr == 0 ? guest_write_cr0(v, val) : cr == 3 ? guest_write_cr3(v, val) :
	       guest_write_cr4(v, val);
}

u64 vmx_shadow_read_cr(struct vcpu *v, u32 cr)
{
	struct cr_state s;

	guest_cr_state(v, &s);
	return cr == 0 ? s.cr0 : cr == 3 ? s.cr3 : s.cr4;
}

enum exit_action exit_shadow_cr(struct vcpu *v, u32 cr, bool to, u32 reg, u64 val)
{
	if (!to) {
		/* Only CR3 reads exit (CR3-store exiting): CR0 and CR4 come from the read shadows. */
		u64 cr3 = to_vmx(v)->shadow.cpu.cr3;

		if (cr != 3) {
			vm_stop(v->vm, -1, "vcpu %u: unexpected read of CR%u", v->id, cr);
			return EXIT_STOP_VM;
		}
		if (reg == GPR_RSP)
			vmcs_writel(GUEST_RSP, cr3);
		else
			v->regs.gpr[reg] = cr3;
		exit_skip_instruction(v);
		return EXIT_RESUME;
	}
	if (!vmx_shadow_write_cr(v, cr, val)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	exit_skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action exit_shadow_efer_read(struct vcpu *v)
{
	u64 efer = to_vmx(v)->shadow.cpu.efer;

	v->regs.gpr[GPR_RAX] = (u32)efer;
	v->regs.gpr[GPR_RDX] = efer >> 32;
	exit_skip_instruction(v);
	return EXIT_RESUME;
}

/*
 * WRMSR to IA32_EFER: reserved bits are #GP, LMA is read-only (kept), and LME may not change
 * while paging is on (SDM Vol. 3A, 10.8.5). NXE changes what the guest's XD bits mean.
 */
enum exit_action exit_shadow_efer_write(struct vcpu *v, u64 val)
{
	struct cr_state s;

	guest_cr_state(v, &s);
	if ((val & ~(u64)(EFER_WRITABLE | EFER_LMA)) ||
	    ((s.cr0 & CR0_PG) && ((val ^ s.efer) & EFER_LME))) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	val = (val & EFER_WRITABLE) | (s.efer & EFER_LMA);
	vmx_shadow_set_paging(to_vmx(v), s.cr0, s.cr4, val);
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
