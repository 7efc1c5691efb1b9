// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow paging under VMX: the CPU runs the guest on mm/shadow.c's tables with CR0.PE/PG/WP,
 * CR4.PAE and EFER.NXE set whatever the guest chose, the guest sees its own CR0, CR4 (read
 * shadows) and CR3 and EFER (their accesses exit); the root is loaded before each entry.
 */
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/exception.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "hv/vm.h"
#include "lib/console.h"

void vmx_guest_paging(struct vcpu *v, struct guest_walk_cpu *cpu, u64 pdptes[4])
{
	if (vmx_shadow_on(v)) {
		const struct shadow_vcpu *sv = &to_vmx(v)->shadow;

		*cpu = sv->cpu;
		for (int i = 0; i < 4; i++)
			pdptes[i] = sv->pdptes[i];
	} else {
		*cpu = (struct guest_walk_cpu){
			.cr0 = vmcs_readl(GUEST_CR0), .cr3 = vmcs_readl(GUEST_CR3),
			.cr4 = vmcs_readl(GUEST_CR4), .efer = vmcs_guest_efer(),
		};
		pdptes[0] = vmcs_read64(GUEST_PDPTE0);
		pdptes[1] = vmcs_read64(GUEST_PDPTE1);
		pdptes[2] = vmcs_read64(GUEST_PDPTE2);
		pdptes[3] = vmcs_read64(GUEST_PDPTE3);
	}
	cpu->pdptes = pdptes;
}

/*
 * What the CPU runs with: PAE-format shadows below long mode and 4-level ones in it, so CR4.PAE
 * is always 1 and CR4.PSE means nothing (SDM Vol. 3A, 5.1.1); CR4.PCIDE stays 0 (the shadow's
 * roots carry no PCID); EFER.NXE is 1 for the shadow's XD bits, and EFER.LME follows LMA, since
 * VM entry needs LME = LMA when CR0.PG is 1 (Vol. 3C, 28.3.1.1), and PG is always 1 here.
 */
void vmx_shadow_set_paging(struct vmx_vcpu *x, u64 cr0, u64 cr4, u64 efer)
{
	struct shadow_vcpu *sv = &x->shadow;
	bool lma = efer & EFER_LMA;
	u32 entry = vmcs_read32(ENTRY_CTLS);

	sv->cpu.cr0 = cr0;
	sv->cpu.cr4 = cr4;
	sv->cpu.efer = efer;
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, cr0 | SHADOW_CR0_FORCED);
	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, (cr4 & ~(u64)(SHADOW_CR4_PSE | SHADOW_CR4_PCIDE)) | CR4_PAE | CR4_VMXE);
	vmcs_set_guest_efer((efer & ~(u64)(EFER_LME | EFER_LMA)) | EFER_NXE |
			    (lma ? EFER_LME | EFER_LMA : 0));
	entry = lma ? entry | ENTRY_IA32E_GUEST : entry & ~ENTRY_IA32E_GUEST;
	vmcs_write32(ENTRY_CTLS, entry);
	x->vcpu.shadow_reload = true;
	/*
	 * MOV to CR0 or CR4 changing the paging bits (they are the ones that exit) drops every
	 * translation, global ones included (Vol. 3A, 4.10.4.1): CR4.PGE's change may keep the
	 * root, so this is not left to the reload. On this pCPU, which the vCPU runs on (it flushes
	 * all again on arriving at another, run.c); with VPID off the entry does it (30.4.3.1).
	 */
	vmx_flush_vpid(x->vpid);
}

void vmx_shadow_reset(struct vmx_vcpu *x, u64 cr0)
{
	x->vm86 = false;
	vmcs_write32(EXCEPTION_BITMAP, BIT(EXC_PF));
	x->shadow.cpu.cr3 = 0;
	for (int i = 0; i < 4; i++)
		x->shadow.pdptes[i] = 0;
	vmx_shadow_set_paging(x, cr0, 0, 0);
}

bool vmx_shadow_before_entry(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;
	struct shadow_mmu *m = v->vm->shadow;
	int r;

	if (READ_ONCE(m->nr_obsolete))
		shadow_zap_obsolete(m, 64); /* -EBUSY while a vCPU still runs on an old root */
	if (!v->shadow_reload)
		return true;
	r = shadow_vcpu_load(m, &x->shadow);
	if (r == -EAGAIN)
		return false; /* obsolete pages wait for other vCPUs: let them run */
	if (r < 0) {
		vm_stop(v->vm, -1, "vcpu %u: no shadow root for its paging (%s)", v->id,
			r == -ENOTSUP ? "5-level paging" : "out of shadow pages");
		return false;
	}
	v->shadow_reload = false;
	vmcs_writel(GUEST_CR3, x->shadow.root_hpa);
	/*
	 * Another root (new paging modes, a generation bump, a CR3 loaded in the meantime):
	 * nothing cached from the old one may be used, global translations included. The root
	 * the vCPU gave up when it last stopped running (vmx_shadow_leave) needs nothing: what was
	 * cached of it is still right, every change of the shadow having flushed it meanwhile
	 * (VCPU_REQ_SHADOW_FLUSH, or arriving on another pCPU). The generation tells that page
	 * from one made later in the same slot: a slot is freed while valid only with a flush, and
	 * a page made after the obsolete one in the slot was freed is of a newer generation.
	 * Without VPID the entry flushes anyway (Vol. 3C, 30.4.3.1).
	 */
	if (r == SHADOW_ROOT_NEW &&
	    (x->shadow.root != x->shadow_left_root ||
	     shadow_page(m, x->shadow.root)->generation != x->shadow_left_gen))
		vmx_flush_vpid(x->vpid);
	x->shadow_left_root = 0;
	return true;
}

void vmx_shadow_leave(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;

	if (!vmx_shadow_on(v) || !x->shadow.root)
		return;
	x->shadow_left_root = x->shadow.root;
	x->shadow_left_gen = shadow_page(v->vm->shadow, x->shadow.root)->generation;
	shadow_vcpu_unload(v->vm->shadow, &x->shadow);
	v->shadow_reload = true;
}
