// SPDX-License-Identifier: GPL-2.0
/*
 * The #PF and INVLPG exits of a VM on shadow page tables: a fault the shadow can fix is fixed
 * (mm/shadow.c), one the guest's own tables make goes back to it with its error code and CR2,
 * and accesses to MMIO, unbacked or read-only memory and to guest page tables are emulated.
 */
#include "arch/x86/exception.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vcpu.h"
#include "lib/console.h"

#define RFLAGS_AC BIT(18)

/* A write to a guest page table (or with CR0.WP=0 and SMAP), done in guest RAM for the decoder. */
struct pt_write {
	struct vm *vm;
	u64 gpa;
};

static int pt_write_mmio(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write,
			 u64 *value)
{
	struct pt_write *w = opaque;
	u64 gpa = w->gpa + offset;

	(void)v;
	if (!write) {
		*value = 0;
		if (gmem_read(&w->vm->mem, gpa, value, size))
			*value = ~0ull;
		return REGION_MMIO_DONE;
	}
	if (!gmem_write(&w->vm->mem, gpa, value, size))
		shadow_guest_pte_written(w->vm->shadow, gpa, size);
	return REGION_MMIO_DONE;
}

/*
 * REP STOS to a guest table (Linux clears its loaded root that way early in boot): the
 * iterations that fall in the faulting page are done here, as one write the shadow is told of,
 * in protected or 64-bit mode with 32- or 64-bit addresses. A REP string instruction may stop
 * with RCX and RDI part way (SDM Vol. 2B, REP): it runs again from there, or is done (RIP past
 * it) when RCX reaches 0. False: not such an instruction, or none of its stores can be done
 * here (one across the page's end); the caller goes on.
 */
static bool rep_stos(struct vcpu *v, u64 gpa)
{
	u64 rflags = vmcs_readl(GUEST_RFLAGS);
	u64 la = vmcs_readl(GUEST_CS_BASE) + vmcs_readl(GUEST_RIP);
	bool wide = (vmcs_guest_efer() & EFER_LMA) && (vmcs_read32(GUEST_CS_AR) & SEG_AR_L);
	bool rep = false;
	u64 pdptes[4], rcx, rdi, page = gpa & ~(PAGE_SIZE - 1);
	struct guest_walk_cpu cpu;
	struct guest_walk_fault pf;
	u32 size = 4, len = 0;
	u8 b[4];

	vmx_guest_paging(v, &cpu, pdptes);
	if (!wide)
		la = (u32)la;
	if (guest_walk_read(&v->vm->mem, &cpu, la, GUEST_WALK_FETCH, b, sizeof(b), &pf))
		return false;
	if (b[len] == 0xf3) {
		rep = true;
		len++;
	}
	if (wide && (b[len] & 0xf0) == 0x40) {
		if (b[len] & 8)
			size = 8;
		len++;
	}
	if (!rep || (b[len] != 0xaa && b[len] != 0xab) ||
	    (!(vmcs_read32(GUEST_CS_AR) & SEG_AR_D) && !wide))
		return false;
	if (b[len++] == 0xaa)
		size = 1;
	rcx = wide ? v->regs.gpr[GPR_RCX] : (u32)v->regs.gpr[GPR_RCX];
	rdi = wide ? v->regs.gpr[GPR_RDI] : (u32)v->regs.gpr[GPR_RDI];
	if (rcx) {
		bool down = rflags & BIT(10); /* DF */
		u64 lin = wide ? rdi : (u32)(vmcs_readl(GUEST_ES_BASE) + rdi), val = v->regs.gpr[GPR_RAX];
		u64 dst, off, n, lo;

		/*
		 * One walk and one report to the shadow for all the iterations in this page: the
		 * same linear page is the same frame. (A walk and a report per iteration made a REP
		 * STOSQ over a whole table 512 of each in one exit.)
		 */
		if (guest_walk_translate(&v->vm->mem, &cpu, lin, GUEST_WALK_WRITE, &dst, &pf) ||
		    (dst & ~(PAGE_SIZE - 1)) != page)
			return false; /* not the faulting page after all */
		off = dst & (PAGE_SIZE - 1);
		/* A store across the page's end: the caller unprotects, the CPU writes it. */
		if (off + size > PAGE_SIZE)
			return false;
		n = MIN(rcx, down ? off / size + 1 : (PAGE_SIZE - off) / size);
		lo = down ? dst - (n - 1) * size : dst;
		if (!(val & (size == 8 ? ~0ull : (1ull << (size * 8)) - 1))) {
			if (gmem_zero(&v->vm->mem, lo, n * size))
				return false;
		} else {
			for (u64 k = 0; k < n; k++) {
				if (gmem_write(&v->vm->mem, lo + k * size, &val, size))
					return false;
			}
		}
		shadow_guest_pte_written(v->vm->shadow, lo, n * size);
		rdi = down ? rdi - n * size : rdi + n * size;
		rcx -= n;
	}
	v->regs.gpr[GPR_RCX] = wide ? rcx : (u32)rcx;
	v->regs.gpr[GPR_RDI] = wide ? rdi : (u32)rdi;
	if (!rcx)
		exit_advance_rip(v, len);
	return true;
}

/* Which region is at gpa (under the regions' lock): its copy, or false for none. */
static bool region_at(struct vm *vm, u64 gpa, struct region *out)
{
	const struct region *r;

	spin_lock(&vm->ept.lock);
	r = regions_find(&vm->ept.regions, gpa);
	if (r)
		*out = *r;
	spin_unlock(&vm->ept.lock);
	return r != NULL;
}

/* The guest's own #PF: CR2 is the pCPU's (MOV to CR2 does not exit), the error code its MMU's. */
static void inject_guest_pf(struct vcpu *v, const struct guest_walk_fault *pf)
{
	u32 vect = vmcs_read32(IDT_VECTORING_INFO);

	asm volatile("mov %0, %%cr2" ::"r"(pf->addr));
	/*
	 * A fault while delivering a #PF is a double fault (SDM Vol. 3A, 7.15, table 7-5). The
	 * event being delivered is not re-delivered (it would fault again, for ever): an interrupt
	 * or NMI whose delivery the guest's own tables refuse is lost.
	 */
	if (vect & INTR_INFO_VALID) {
		to_vmx(v)->vectoring_done = true;
		if ((vect & (7u << 8)) == INTR_TYPE_HW_EXCEPTION && (vect & 0xff) == EXC_PF) {
			vcpu_inject_exception(v, EXC_DF, true, 0);
			return;
		}
	}
	vcpu_inject_exception(v, EXC_PF, true, pf->error_code);
}

static enum exit_action not_ram(struct vcpu *v, u64 gpa, u32 ec)
{
	u8 access = ec & PF_ERR_FETCH ? REGION_X : ec & PF_ERR_WRITE ? REGION_W : REGION_R;
	struct region r;

	if (!region_at(v->vm, gpa, &r))
		return exit_unbacked(v, gpa, access, false, NULL);
	if (r.kind == REGION_RAM)
		return exit_unbacked(v, gpa, access, false, &r);
	if (access & REGION_X) {
		vm_stop(v->vm, -1, "vcpu %u: instruction fetch from %s at guest-physical %#lx",
			v->id, r.name, gpa);
		return EXIT_STOP_VM;
	}
	return exit_mmio(v, &r, gpa, r.name);
}

enum exit_action exit_page_fault(struct vcpu *v, u32 info)
{
	struct vmx_vcpu *x = to_vmx(v);
	u64 gva = vmcs_readl(EXIT_QUALIFICATION);
	u32 ec = info & INTR_INFO_ERROR ? vmcs_read32(EXIT_INTR_ERROR) : 0;
	struct shadow_fault_result res;

	/* SMAP applies to a supervisor data access with EFLAGS.AC 0 (Vol. 3A, 5.6). */
	if ((x->shadow.cpu.cr4 & SHADOW_CR4_SMAP) && !(ec & PF_ERR_USER) &&
	    !(vmcs_readl(GUEST_RFLAGS) & RFLAGS_AC))
		ec |= SHADOW_PF_SMAP;
	shadow_fault(v->vm->shadow, &x->shadow, gva, ec, &res);
	ec &= ~SHADOW_PF_SMAP;
	switch (res.kind) {
	case SHADOW_FIXED:
		/*
		 * The leaf may have been present with fewer rights (a clean page made writable as
		 * its D bit is set, a frame no longer a table). A page fault drops the TLB's
		 * entries for its address (Vol. 3A, 4.10.4.1), but the SDM does not say so of
		 * one that causes a VM exit instead of being delivered: with VPID, that address
		 * is dropped here.
		 */
		vmx_shadow_flush_gva(x, gva);
		return EXIT_RESUME;
	case SHADOW_RETRY:
		v->shadow_reload = true; /* an obsolete root, or no room: load and fault again */
		return EXIT_RESUME;
	case SHADOW_INJECT:
		inject_guest_pf(v, &res.pf);
		return EXIT_RESUME;
	case SHADOW_GP:
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	case SHADOW_EMULATE: {
		struct pt_write w = { v->vm, res.gpa };
		/*
		 * The rest of the table's page: a write of a whole entry must reach pt_write_mmio
		 * (and the shadow), not be split off to RAM as past the region's end (exit_mmio).
		 */
		struct region r = { .start = res.gpa, .size = PAGE_SIZE - (res.gpa & (PAGE_SIZE - 1)),
				    .kind = REGION_MMIO, .mmio = pt_write_mmio, .opaque = &w };
		u64 la;
		u32 size;

		/*
		 * An instruction the decoder does not do (a REP STOS clearing a table the guest
		 * reuses as data): the page stops being a table of the shadow and the instruction
		 * runs again, writing it directly (KVM's "unprotect and retry").
		 */
		if (!exit_mmio_decodable(v, &la, &size))
			return rep_stos(v, res.gpa) ||
			       shadow_unprotect(v->vm->shadow, res.gpa >> PAGE_SHIFT) ?
			       EXIT_RESUME : exit_mmio(v, &r, res.gpa, "a guest page table");
		/*
		 * A write across a page's end, which faulted on this table: CR2 is where the table's
		 * page begins when the write began in the page before. Emulated from CR2 it would
		 * land in the wrong place, and its other part would go to the next guest-physical
		 * page, not through the guest's own translation. The table is unprotected instead
		 * and the processor does the write; a loaded root cannot be, and the VM stops. A
		 * write within one page that the decoder places elsewhere than CR2 (its bytes
		 * changed since the fault) is emulated from CR2, as the fault says.
		 */
		if ((la >> PAGE_SHIFT) != ((la + size - 1) >> PAGE_SHIFT)) {
			if (shadow_unprotect(v->vm->shadow, res.gpa >> PAGE_SHIFT))
				return EXIT_RESUME;
			vm_stop(v->vm, -1, "vcpu %u: a write to its loaded page-table root at %#lx "
				"not emulated: %u bytes at linear %#lx (rip %#lx) across a page's end",
				v->id, res.gpa, size, la, vmcs_readl(GUEST_RIP));
			return EXIT_STOP_VM;
		}
		return exit_mmio(v, &r, res.gpa, "a guest page table");
	}
	case SHADOW_MMIO:
	case SHADOW_READ_ONLY:
		return not_ram(v, res.gpa, ec);
	case SHADOW_BAD_TABLE:
	default:
		vm_stop(v->vm, -1, "vcpu %u: page tables outside its memory (guest-physical %#lx, "
			"linear %#lx, rip %#lx)", v->id, res.gpa, gva, vmcs_readl(GUEST_RIP));
		return EXIT_STOP_VM;
	}
}

/*
 * INVLPG: the shadow's leaf for the address goes, then the CPU's translations of it (with VPID:
 * an INVVPID of the address; without, the VM entry flushes, SDM Vol. 3C, 30.4.3.1).
 */
enum exit_action exit_invlpg(struct vcpu *v)
{
	u64 gva = vmcs_readl(EXIT_QUALIFICATION);

	if (!vmx_shadow_on(v)) {
		vm_stop(v->vm, -1, "vcpu %u: INVLPG exit without shadow paging", v->id);
		return EXIT_STOP_VM;
	}
	shadow_invlpg(v->vm->shadow, &to_vmx(v)->shadow, gva);
	vmx_shadow_flush_gva(to_vmx(v), gva);
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
