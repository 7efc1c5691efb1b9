// SPDX-License-Identifier: GPL-2.0
/*
 * Task switches: every one exits (SDM Vol. 3C, 27.4.2, "Treatment of Task Switches") before any
 * of it is done, and Kestrel does it for the guest as the processor would (Vol. 3A, 7.3, "Task
 * Switching"), for 32-bit TSSs in protected mode: JMP, CALL, IRET with NT, task gates in the IDT.
 *
 * Every check is made before anything is written, so a fault leaves the old task as it was;
 * the processor raises faults found while loading the new task's segments in the new task
 * (7.3, step 12 onwards). What is not done is refused by stopping the VM with a message: 16-bit
 * TSSs, a new task in virtual-8086 mode, the T (debug trap) flag.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "lib/string.h"
#include "mm/guest_walk.h"
#include "mm/shadow.h"

/* Exit qualification for task switches, Vol. 3C, 29.2.1 (table 29-2): selector and source. */
#define TS_SELECTOR(q) ((u16)((q) & 0xffff))
#define TS_SOURCE(q) (((q) >> 30) & 3)
#define TS_CALL 0
#define TS_IRET 1
#define TS_JMP 2
#define TS_GATE 3

/* Exceptions a task switch raises, Vol. 3A, 7.3 (table 7-1). */
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13

#define EFLAGS_NT BIT(14)
#define EFLAGS_VM BIT(17)
#define EFLAGS_FIXED1 BIT(1)
#define CR0_TS BIT(3)
#define DESC_BUSY BIT(41) /* type bit 1 of a TSS descriptor, 3.5 */

/* The dynamic part of a 32-bit TSS, Vol. 3A, 7.2.1 (figure 7-2): 0x20 to 0x5f. */
struct tss32_dyn {
	u32 eip, eflags, gpr[8], seg[6]; /* EAX ECX EDX EBX ESP EBP ESI EDI; ES CS SS DS FS GS */
};

struct tss32 {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3;
	struct tss32_dyn dyn;
	u32 ldt;
	u16 trap, iomap;
};
_Static_assert(sizeof(struct tss32) == 104, "32-bit TSS layout");

/* A descriptor as VMX holds it: base, limit in bytes, access rights (Vol. 3C, 26.4.1). */
struct seg {
	u16 sel;
	u32 base, limit, ar;
};

#define SEG_UNUSABLE 0x10000

struct ts {
	struct vcpu *v;
	struct guest_walk_cpu cpu;
	u64 pdptes[4];
	u32 fault_vec, fault_err; /* the exception to raise instead, or fault_vec 0 */
	const char *unsupported;
};

static bool fail(struct ts *t, u32 vec, u16 sel)
{
	t->fault_vec = vec;
	t->fault_err = sel & 0xfffc;
	return false;
}

/*
 * Copies between the guest's linear addresses and buf, page by page, as the processor's own
 * supervisor accesses to the GDT and TSSs would go. False with the fault to raise.
 */
static bool lin_copy(struct ts *t, u32 la, void *buf, u32 len, bool write)
{
	while (len) {
		u32 n = (u32)MIN(len, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		struct guest_walk_fault pf;
		u64 gpa;
		int r = guest_walk_translate(&t->v->vm->mem, &t->cpu, la,
					     write ? GUEST_WALK_WRITE : 0, &gpa, &pf);

		if (r == GUEST_WALK_PF) {
			t->fault_vec = 14;
			t->fault_err = pf.error_code;
			/* CR2 is not in the VMCS: the guest's is this pCPU's now. */
			asm volatile("mov %0, %%cr2" ::"r"(pf.addr));
			return false;
		}
		if (r || (write ? gmem_write(&t->v->vm->mem, gpa, buf, n) :
				  gmem_read(&t->v->vm->mem, gpa, buf, n))) {
			t->unsupported = "a descriptor table or TSS outside the VM's RAM";
			return false;
		}
		/* A TSS or GDT in a page the guest also uses as a page table: the shadow follows. */
		if (write && t->v->vm->shadow)
			shadow_guest_pte_written(t->v->vm->shadow, gpa, n);
		la += n;
		buf = (u8 *)buf + n;
		len -= n;
	}
	return true;
}

/* The descriptor sel names: GDT, or the LDT ldt (the new task's) when TI is set. */
static bool desc_addr(u16 sel, const struct seg *ldt, u32 *la)
{
	u32 base = (u32)vmcs_readl(GUEST_GDTR_BASE), limit = vmcs_read32(GUEST_GDTR_LIMIT);

	if (sel & 4) {
		if (!ldt || (ldt->ar & SEG_UNUSABLE))
			return false;
		base = ldt->base;
		limit = ldt->limit;
	}
	if ((u32)(sel & ~7) + 7 > limit)
		return false;
	*la = base + (sel & ~7);
	return true;
}

static struct seg desc_to_seg(u16 sel, u64 d)
{
	struct seg s = {
		.sel = sel,
		.base = (u32)(((d >> 16) & 0xffffff) | ((d >> 56) << 24)),
		.limit = (u32)((d & 0xffff) | (((d >> 48) & 0xf) << 16)),
		.ar = (u32)((d >> 40) & 0xf0ff),
	};

	if (s.ar & BIT(15))
		s.limit = (s.limit << 12) | 0xfff; /* G: 4-KiB units */
	return s;
}

static u32 seg_dpl(u32 ar)
{
	return (ar >> 5) & 3;
}

/*
 * A segment register of the new task, checked as the processor checks it (7.3, step 12; 3.4.5
 * and 5.5-5.8 for the type and privilege rules); cpl is the new CS's RPL.
 */
static bool load_seg(struct ts *t, int which, u16 sel, const struct seg *ldt, u32 cpl,
		     struct seg *out)
{
	u32 la, type, dpl;
	u64 d;

	if (!(sel & ~3)) {
		if (which == 1 || which == 2) /* CS, SS */
			return fail(t, VEC_TS, sel);
		*out = (struct seg){ .sel = sel, .ar = SEG_UNUSABLE };
		return true;
	}
	if (!desc_addr(sel, ldt, &la))
		return fail(t, VEC_TS, sel);
	if (!lin_copy(t, la, &d, 8, false))
		return false;
	*out = desc_to_seg(sel, d);
	type = out->ar & 0xf;
	dpl = seg_dpl(out->ar);
	if (!(out->ar & BIT(4)))
		return fail(t, VEC_TS, sel); /* a system descriptor */
	if (which == 1) { /* CS: code; non-conforming DPL = CPL, conforming DPL <= CPL */
		if (!(type & 8) || ((type & 4) ? dpl > cpl : dpl != cpl))
			return fail(t, VEC_TS, sel);
	} else if (which == 2) { /* SS: writable data, RPL = DPL = CPL */
		if ((type & 8) || !(type & 2) || dpl != cpl || (sel & 3) != cpl)
			return fail(t, VEC_TS, sel);
		if (!(out->ar & BIT(7)))
			return fail(t, VEC_SS, sel);
	} else { /* data or readable code; DPL >= CPL and RPL unless conforming code */
		if ((type & 0xa) == 8)
			return fail(t, VEC_TS, sel);
		if ((!(type & 8) || !(type & 4)) && (dpl < cpl || dpl < (sel & 3u)))
			return fail(t, VEC_TS, sel);
	}
	if (!(out->ar & BIT(7)))
		return fail(t, VEC_NP, sel);
	out->ar |= 1; /* accessed, as the processor marks it (VM entry wants it, 28.3.1.2) */
	if (which == 1)
		out->ar &= ~(u32)SEG_AR_L; /* no 64-bit code outside IA-32e mode */
	return true;
}

static void write_segs(const struct seg *s)
{
#define SET_SEG(S, i)                                          \
	do {                                                   \
		vmcs_write16(GUEST_##S##_SEL, s[i].sel);       \
		vmcs_writel(GUEST_##S##_BASE, s[i].base);      \
		vmcs_write32(GUEST_##S##_LIMIT, s[i].limit);   \
		vmcs_write32(GUEST_##S##_AR, s[i].ar);         \
	} while (0)
	SET_SEG(ES, 0);
	SET_SEG(CS, 1);
	SET_SEG(SS, 2);
	SET_SEG(DS, 3);
	SET_SEG(FS, 4);
	SET_SEG(GS, 5);
	SET_SEG(LDTR, 6);
	SET_SEG(TR, 7);
#undef SET_SEG
}

static u16 old_selector(int i)
{
	switch (i) {
	case 0: return vmcs_read16(GUEST_ES_SEL);
	case 1: return vmcs_read16(GUEST_CS_SEL);
	case 2: return vmcs_read16(GUEST_SS_SEL);
	case 3: return vmcs_read16(GUEST_DS_SEL);
	case 4: return vmcs_read16(GUEST_FS_SEL);
	default: return vmcs_read16(GUEST_GS_SEL);
	}
}

static bool set_busy(struct ts *t, u16 sel, bool busy)
{
	u32 la;
	u64 d;

	if (!desc_addr(sel, NULL, &la) || !lin_copy(t, la, &d, 8, false))
		return false;
	d = busy ? d | DESC_BUSY : d & ~DESC_BUSY;
	return lin_copy(t, la, &d, 8, true);
}

/* The switch itself; false with t->fault_vec or t->unsupported set. */
static bool task_switch(struct ts *t, u64 q)
{
	struct vcpu *v = t->v;
	u16 sel = TS_SELECTOR(q), old_sel = vmcs_read16(GUEST_TR_SEL);
	u32 src = TS_SOURCE(q), vect = vmcs_read32(IDT_VECTORING_INFO);
	u32 vtype = vect & (7u << 8), cpl = seg_dpl(vmcs_read32(GUEST_SS_AR));
	u32 old_base = (u32)vmcs_readl(GUEST_TR_BASE), la, new_cpl;
	bool gate_hw = src == TS_GATE && (vect & INTR_INFO_VALID) &&
		       vtype != INTR_TYPE_SW_INTERRUPT && vtype != INTR_TYPE_SW_EXCEPTION &&
		       vtype != INTR_TYPE_PRIV_SW_EXCEPTION;
	struct seg nt, segs[8];
	struct tss32 n;
	struct tss32_dyn o;
	u64 d, eflags = vmcs_readl(GUEST_RFLAGS);

	/* Steps 1-4: the new TSS descriptor (in the GDT), present, big enough, right busy bit. */
	if ((sel & 4) || !desc_addr(sel, NULL, &la))
		return fail(t, src == TS_IRET ? VEC_TS : VEC_GP, sel);
	if (!lin_copy(t, la, &d, 8, false))
		return false;
	nt = desc_to_seg(sel, d);
	if ((nt.ar & 0x1d) == 0x01) {
		t->unsupported = "a 16-bit TSS";
		return false;
	}
	if ((nt.ar & 0x1d) != 0x09 || ((nt.ar & 2) != 0) != (src == TS_IRET))
		return fail(t, src == TS_IRET ? VEC_TS : VEC_GP, sel);
	/* JMP and CALL to a TSS descriptor: its DPL must allow CPL and RPL (7.3, step 2). */
	if ((src == TS_JMP || src == TS_CALL) && (seg_dpl(nt.ar) < cpl ||
						   seg_dpl(nt.ar) < (sel & 3u)))
		return fail(t, VEC_GP, sel);
	if (!(nt.ar & BIT(7)))
		return fail(t, VEC_NP, sel);
	if (nt.limit < sizeof(struct tss32) - 1)
		return fail(t, VEC_TS, sel);
	if ((vmcs_read32(GUEST_TR_AR) & 0xf) != 0xb) {
		t->unsupported = "a 16-bit TSS";
		return false;
	}
	/* Step 5: the new task's state; and where the old task's goes (both must be there). */
	if (!lin_copy(t, nt.base, &n, sizeof(n), false) ||
	    !lin_copy(t, old_base + 0x20, &o, sizeof(o), false))
		return false;
	if (n.dyn.eflags & EFLAGS_VM) {
		t->unsupported = "a task in virtual-8086 mode";
		return false;
	}
	if (n.trap & 1) {
		t->unsupported = "the T (debug trap) flag of a TSS";
		return false;
	}
	/* Step 12's checks, done before anything is written: LDT, then the segments. */
	segs[6] = (struct seg){ .sel = (u16)n.ldt, .ar = SEG_UNUSABLE };
	if (n.ldt & ~3u) {
		if ((n.ldt & 4) || !desc_addr((u16)n.ldt, NULL, &la))
			return fail(t, VEC_TS, (u16)n.ldt);
		if (!lin_copy(t, la, &d, 8, false))
			return false;
		segs[6] = desc_to_seg((u16)n.ldt, d);
		if ((segs[6].ar & 0x1f) != 0x02)
			return fail(t, VEC_TS, (u16)n.ldt);
		if (!(segs[6].ar & BIT(7)))
			return fail(t, VEC_NP, (u16)n.ldt);
	}
	new_cpl = n.dyn.seg[1] & 3;
	for (int i = 0; i < 6; i++)
		if (!load_seg(t, i, (u16)n.dyn.seg[i], &segs[6], new_cpl, &segs[i]))
			return false;
	/* Steps 6-8: the old task's busy flag (JMP, IRET), NT in its image (IRET), its state. */
	if (src == TS_JMP || src == TS_IRET)
		if (!set_busy(t, old_sel, false))
			return false;
	if (src == TS_IRET)
		eflags &= ~EFLAGS_NT;
	/* The old task resumes after the instruction, or at an interrupted one (hardware events). */
	o.eip = (u32)(vmcs_readl(GUEST_RIP) + (gate_hw ? 0 : vmcs_read32(EXIT_INSTR_LEN)));
	o.eflags = (u32)eflags;
	for (int i = 0; i < 8; i++)
		o.gpr[i] = (u32)(i == GPR_RSP ? vmcs_readl(GUEST_RSP) : v->regs.gpr[i]);
	for (int i = 0; i < 6; i++)
		o.seg[i] = old_selector(i);
	if (!lin_copy(t, old_base + 0x20, &o, sizeof(o), true))
		return false;
	/* Steps 9-10: CALL and gates link back and set NT; all but IRET mark the new one busy. */
	if (src == TS_CALL || src == TS_GATE) {
		n.dyn.eflags |= EFLAGS_NT;
		if (!lin_copy(t, nt.base, &old_sel, 2, true))
			return false;
	}
	if (src != TS_IRET && !set_busy(t, sel, true))
		return false;
	/* Step 11: TR, and CR0.TS. Step 12: CR3 (with paging), LDTR, EFLAGS, EIP, registers. */
	nt.ar |= 2; /* busy */
	segs[7] = nt;
	vmcs_writel(GUEST_CR0, vmcs_readl(GUEST_CR0) | CR0_TS);
	if (vmx_shadow_on(v) && (t->cpu.cr0 & CR0_PG)) {
		int r = shadow_new_cr3(v->vm->shadow, &to_vmx(v)->shadow, n.cr3);

		if (r == -EINVAL || r == -EFAULT) {
			t->unsupported = "a new task whose PDPTEs cannot be loaded";
			return false;
		}
		if (r < 0) {
			v->shadow_reload = true; /* which flushes it all before the entry */
		} else {
			vmcs_writel(GUEST_CR3, to_vmx(v)->shadow.root_hpa);
			vmx_shadow_flush_cr3(to_vmx(v)); /* what loading CR3 would flush */
		}
	} else if (!vmx_shadow_on(v) && (vmcs_readl(GUEST_CR0) & CR0_PG)) {
		if ((vmcs_readl(GUEST_CR4) & CR4_PAE) && !exit_load_pdptes(v, n.cr3)) {
			t->unsupported = "a new task whose PDPTEs cannot be loaded";
			return false;
		}
		vmcs_writel(GUEST_CR3, n.cr3);
		vmx_flush_vpid(to_vmx(v)->vpid); /* what loading CR3 would flush */
	}
	write_segs(segs);
	vmcs_writel(GUEST_RFLAGS, (n.dyn.eflags & 0x3f7fd5) | EFLAGS_FIXED1);
	vmcs_writel(GUEST_RIP, n.dyn.eip);
	for (int i = 0; i < 8; i++)
		if (i == GPR_RSP)
			vmcs_writel(GUEST_RSP, n.dyn.gpr[i]);
		else
			v->regs.gpr[i] = n.dyn.gpr[i];
	/* Local breakpoint enables are cleared on a task switch (Vol. 3B, "Debug Control
	 * Register (DR7)"). */
	vmcs_writel(GUEST_DR7, vmcs_readl(GUEST_DR7) & ~0x55ULL);
	vmcs_write32(GUEST_INTERRUPTIBILITY, vmcs_read32(GUEST_INTERRUPTIBILITY) & ~3u);
	if (gate_hw && vtype == INTR_TYPE_NMI)
		vmcs_write32(GUEST_INTERRUPTIBILITY,
			     vmcs_read32(GUEST_INTERRUPTIBILITY) | INTR_BLOCK_NMI);
	/* An exception's error code goes on the new task's stack (Vol. 3A, "Interrupt Tasks"). */
	if (gate_hw && (vect & INTR_INFO_ERROR)) {
		u32 err = vmcs_read32(IDT_VECTORING_ERROR);
		u32 esp = (u32)vmcs_readl(GUEST_RSP) - 4;

		if (!lin_copy(t, segs[2].base + esp, &err, 4, true))
			return false;
		vmcs_writel(GUEST_RSP, esp);
	}
	return true;
}

enum exit_action exit_task_switch(struct vcpu *v)
{
	static const char *const source[4] = { "CALL", "IRET", "JMP", "a task gate in the IDT" };
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	struct ts t = { .v = v };

	vmx_guest_paging(v, &t.cpu, t.pdptes); /* the guest's own, also on shadow paging */
	/* The event that went through a task gate is delivered by the switch: never again. */
	to_vmx(v)->vectoring_done = true;
	if (task_switch(&t, q))
		return EXIT_RESUME;
	if (t.unsupported) {
		vm_stop(v->vm, -1, "vcpu %u: task switch (%s to TSS selector %#x at rip %#lx): %s "
			"is not supported", v->id, source[TS_SOURCE(q)], TS_SELECTOR(q),
			vmcs_readl(GUEST_RIP), t.unsupported);
		return EXIT_STOP_VM;
	}
	/* The old task, as it was, takes the fault (at the instruction, or in the delivery). */
	vcpu_inject_exception(v, (u8)t.fault_vec, true, t.fault_err);
	return EXIT_RESUME;
}
