// SPDX-License-Identifier: GPL-2.0
/*
 * Real mode without unrestricted guest, as KVM ran it before that control: virtual-8086 mode
 * on the identity shadow. VMX without unrestricted guest keeps CR0.PE and PG at 1 (SDM Vol. 3D,
 * A.7), so a vCPU a SIPI starts in real mode (Vol. 3A, 10.4.4) runs with RFLAGS.VM=1 instead:
 * the same 16-bit code, segments as base = selector << 4 and limit 64 KiB (Vol. 3C, 28.3.1.2
 * checks exactly that). Privileged instructions raise #GP at CPL 3 there; every exception exits
 * (exception bitmap all ones) and the few a start-up trampoline uses are emulated here: LGDT,
 * LIDT, MOV to and from CR0/CR2/CR3/CR4, RDMSR/WRMSR, HLT, WBINVD/INVD. The MOV that sets
 * CR0.PE leaves virtual-8086 mode: the segment caches stay as the processor keeps them (Vol.
 * 3A, 10.9.1), with protected-mode access rights, until the far jump that follows loads CS.
 *
 * Events are delivered here in software, through the guest's real-mode vector table (VM entry
 * would take the IDTR as a protected-mode IDT).
 */
#include "arch/x86/exception.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vcpu.h"
#include "lib/console.h"

#define RFLAGS_IF BIT(9)
#define RFLAGS_IOPL (3u << 12)
#define RFLAGS_VM BIT(17)
#define AR_VM86 0xf3     /* present, DPL 3, read/write accessed data: 28.3.1.2 for VM=1 */
#define AR_CODE16 0x9b   /* present, DPL 0, execute/read accessed code, 16-bit */
#define AR_DATA16 0x93   /* present, DPL 0, read/write accessed data, 16-bit */
#define INSN_MAX 15
#define EXC_BP 3
#define EXC_OF 4

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE };

static u64 seg_base(int s)
{
	switch (s) {
	case SEG_ES: return vmcs_readl(GUEST_ES_BASE);
	case SEG_CS: return vmcs_readl(GUEST_CS_BASE);
	case SEG_SS: return vmcs_readl(GUEST_SS_BASE);
	case SEG_FS: return vmcs_readl(GUEST_FS_BASE);
	case SEG_GS: return vmcs_readl(GUEST_GS_BASE);
	default: return vmcs_readl(GUEST_DS_BASE);
	}
}

/* Virtual-8086 segments from the selectors: what real mode's segment loads would give. */
void vmx_real_mode_start(struct vmx_vcpu *x, u8 vector)
{
#define VM86_SEG(S, sel)                                       \
	vmcs_write16(GUEST_##S##_SEL, (sel));                  \
	vmcs_writel(GUEST_##S##_BASE, (u64)(sel) << 4);        \
	vmcs_write32(GUEST_##S##_LIMIT, 0xffff);               \
	vmcs_write32(GUEST_##S##_AR, AR_VM86)
	VM86_SEG(CS, (u16)(vector << 8));
	VM86_SEG(DS, 0);
	VM86_SEG(ES, 0);
	VM86_SEG(FS, 0);
	VM86_SEG(GS, 0);
	VM86_SEG(SS, 0);
#undef VM86_SEG
	/* IOPL 3: CLI, STI, PUSHF and POPF work as in real mode, without #GP (Vol. 3A, 22.2.7). */
	vmcs_writel(GUEST_RFLAGS, 0x2 | RFLAGS_VM | RFLAGS_IOPL);
	/*
	 * INT n with IOPL 3 (and CR4.VME 0) goes through the IDT as in protected mode (Vol. 3A,
	 * 22.3.1.1), which would read the guest's vector table as 8-byte gates. With the IDT's
	 * limit 0 every INT n raises #GP(n * 8 + 2) instead (Vol. 3A, 7.10: the vector is
	 * beyond the limit), which exits and is delivered through the vector table here. The
	 * guest's IDTR is kept aside until it leaves virtual-8086 mode.
	 */
	x->rm_idt_base = vmcs_readl(GUEST_IDTR_BASE);
	x->rm_idt_limit = vmcs_read32(GUEST_IDTR_LIMIT);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);
	vmcs_write32(EXCEPTION_BITMAP, 0xffffffff);
	x->vm86 = true;
}

/*
 * CR0.PE set: protected mode from the next instruction, with the caches of the real-mode
 * segments. VM entry wants CS and SS DPL 0 with RPL 0 like CPL (28.3.1.2), data segments with
 * DPL >= RPL: the access rights are those, bases stay, CS and SS lose their RPL bits.
 */
static void leave_vm86(struct vmx_vcpu *x)
{
	u16 ss = vmcs_read16(GUEST_SS_SEL), cs = vmcs_read16(GUEST_CS_SEL);

	vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) & ~(u64)(RFLAGS_VM | RFLAGS_IOPL));
	vmcs_write16(GUEST_CS_SEL, cs & ~3); /* CPL 0: RPL 0 in CS and SS, as KVM does */
	vmcs_write32(GUEST_CS_AR, AR_CODE16);
	vmcs_write16(GUEST_SS_SEL, ss & ~3);
	vmcs_write32(GUEST_SS_AR, AR_DATA16);
	vmcs_write32(GUEST_DS_AR, AR_DATA16 | (vmcs_read16(GUEST_DS_SEL) & 3u) << 5);
	vmcs_write32(GUEST_ES_AR, AR_DATA16 | (vmcs_read16(GUEST_ES_SEL) & 3u) << 5);
	vmcs_write32(GUEST_FS_AR, AR_DATA16 | (vmcs_read16(GUEST_FS_SEL) & 3u) << 5);
	vmcs_write32(GUEST_GS_AR, AR_DATA16 | (vmcs_read16(GUEST_GS_SEL) & 3u) << 5);
	vmcs_write32(EXCEPTION_BITMAP, BIT(EXC_PF));
	vmcs_writel(GUEST_IDTR_BASE, x->rm_idt_base);
	vmcs_write32(GUEST_IDTR_LIMIT, x->rm_idt_limit);
	x->vm86 = false;
}

struct rm_insn {
	u8 b[INSN_MAX];
	u32 n, i;
	bool o32, a32;
	int seg;
};

static u64 gpr(struct vcpu *v, u32 r)
{
	return r == GPR_RSP ? vmcs_readl(GUEST_RSP) : v->regs.gpr[r];
}

static void set_gpr32(struct vcpu *v, u32 r, u64 val)
{
	if (r == GPR_RSP)
		vmcs_writel(GUEST_RSP, (u32)val);
	else
		v->regs.gpr[r] = (u32)val;
}

/* The offset a ModRM memory operand names (16- or 32-bit addressing, no SIB); false: bad. */
static bool effective_address(struct vcpu *v, struct rm_insn *in, u8 modrm, u32 *off)
{
	u32 mod = modrm >> 6, rm = modrm & 7, ea = 0;
	int def = SEG_DS;

	if (mod == 3)
		return false;
	if (in->a32) {
		if (rm == 4)
			return false; /* SIB: no trampoline needs it */
		if (mod == 0 && rm == 5) {
			if (in->i + 4 > in->n)
				return false;
			ea = in->b[in->i] | in->b[in->i + 1] << 8 | in->b[in->i + 2] << 16 |
			     (u32)in->b[in->i + 3] << 24;
			in->i += 4;
		} else {
			ea = (u32)gpr(v, rm);
			def = rm == GPR_RBP ? SEG_SS : SEG_DS;
		}
		if (mod == 1 && in->i < in->n)
			ea += (u32)(s8)in->b[in->i++];
		else if (mod == 2 && in->i + 4 <= in->n) {
			ea += in->b[in->i] | in->b[in->i + 1] << 8 | in->b[in->i + 2] << 16 |
			      (u32)in->b[in->i + 3] << 24;
			in->i += 4;
		}
	} else {
		static const u8 base1[8] = { GPR_RBX, GPR_RBX, GPR_RBP, GPR_RBP, GPR_RSI, GPR_RDI,
					     GPR_RBP, GPR_RBX };

		if (mod == 0 && rm == 6) {
			if (in->i + 2 > in->n)
				return false;
			ea = in->b[in->i] | in->b[in->i + 1] << 8;
			in->i += 2;
		} else {
			ea = (u16)gpr(v, base1[rm]);
			if (rm < 2)
				ea += (u16)gpr(v, rm == 0 ? GPR_RSI : GPR_RDI);
			else if (rm < 4)
				ea += (u16)gpr(v, rm == 2 ? GPR_RSI : GPR_RDI);
			def = rm == 2 || rm == 3 || rm == 6 ? SEG_SS : SEG_DS;
			if (mod == 1 && in->i < in->n) {
				ea += (u16)(s8)in->b[in->i++];
			} else if (mod == 2 && in->i + 2 <= in->n) {
				ea += in->b[in->i] | in->b[in->i + 1] << 8;
				in->i += 2;
			}
		}
		ea = (u16)ea;
	}
	if (in->seg == SEG_NONE)
		in->seg = def;
	*off = ea;
	return true;
}

/* LGDT/LIDT m16&32: the base's high byte is used only with a 32-bit operand (Vol. 2A, LGDT). */
static bool load_table(struct vcpu *v, struct rm_insn *in, u8 modrm, bool idt)
{
	u32 off;
	u16 limit;
	u32 base;
	u64 la;

	if (!effective_address(v, in, modrm, &off))
		return false;
	la = seg_base(in->seg) + off;
	if (gmem_read(&v->vm->mem, la, &limit, 2) || gmem_read(&v->vm->mem, la + 2, &base, 4))
		return false;
	if (!in->o32)
		base &= 0xffffff;
	if (idt) { /* aside until virtual-8086 mode ends: see vmx_real_mode_start */
		to_vmx(v)->rm_idt_base = base;
		to_vmx(v)->rm_idt_limit = limit;
	} else {
		vmcs_writel(GUEST_GDTR_BASE, base);
		vmcs_write32(GUEST_GDTR_LIMIT, limit);
	}
	return true;
}

/*
 * MOV CRn, r32 or MOV r32, CRn (the ModRM's mod is ignored, Vol. 2B, MOV control registers).
 * Returns 1 when done, 0 for an instruction this file does not do, -1 for #GP(0).
 */
static int mov_cr(struct vcpu *v, u8 modrm, bool to)
{
	struct vmx_vcpu *x = to_vmx(v);
	u32 cr = (modrm >> 3) & 7, r = modrm & 7;
	u64 cr2;

	if (cr != 0 && cr != 2 && cr != 3 && cr != 4)
		return 0;
	if (!to) {
		if (cr == 2) {
			asm volatile("mov %%cr2, %0" : "=r"(cr2));
			set_gpr32(v, r, cr2);
		} else {
			set_gpr32(v, r, vmx_shadow_read_cr(v, cr));
		}
		return 1;
	}
	if (cr == 2) {
		asm volatile("mov %0, %%cr2" ::"r"((u64)(u32)gpr(v, r)));
		return 1;
	}
	if (!vmx_shadow_write_cr(v, cr, (u32)gpr(v, r)))
		return -1;
	if (cr == 0 && (x->shadow.cpu.cr0 & CR0_PE))
		leave_vm86(x);
	return 1;
}

/*
 * The #GP of a privileged instruction at CPL 3: emulated when it is one of the above (HLT
 * too). Returns 1 when done, 0 for another instruction, -1 when it raised #GP (queued).
 */
static int emulate_gp(struct vcpu *v, u64 ip, bool *halt, enum exit_action *act)
{
	struct rm_insn in = { .seg = SEG_NONE };
	u64 la = vmcs_readl(GUEST_CS_BASE) + (u16)ip;
	bool prefix = true;
	u32 block;
	u8 op, modrm;
	int ok;

	for (in.n = INSN_MAX; in.n && gmem_read(&v->vm->mem, la, in.b, in.n); in.n--)
		;
	while (prefix && in.i < in.n) {
		switch (in.b[in.i]) {
		case 0x66: in.o32 = true; break;
		case 0x67: in.a32 = true; break;
		case 0x26: in.seg = SEG_ES; break;
		case 0x2e: in.seg = SEG_CS; break;
		case 0x36: in.seg = SEG_SS; break;
		case 0x3e: in.seg = SEG_DS; break;
		case 0x64: in.seg = SEG_FS; break;
		case 0x65: in.seg = SEG_GS; break;
		default: prefix = false; continue;
		}
		in.i++;
	}
	if (in.i + 2 <= in.n && in.b[in.i] == 0x0f && (in.b[in.i + 1] == 0x30 ||
						      in.b[in.i + 1] == 0x32)) {
		/* WRMSR, RDMSR: the exit handlers, with this length for the RIP they advance. */
		v->insn_len = (u8)(in.i + 2);
		*act = in.b[in.i + 1] == 0x30 ? exit_wrmsr(v) : exit_rdmsr(v);
		/* A #GP exit may record IDT vectoring: never the re-entry's (exit.h). */
		if (*act == EXIT_REENTER)
			*act = EXIT_RESUME;
		v->insn_len = 0;
		vmcs_writel(GUEST_RIP, (u16)vmcs_readl(GUEST_RIP));
		return 1;
	}
	if (in.i < in.n && in.b[in.i] == 0xf4) { /* HLT */
		in.i++;
		*halt = true;
		ok = 1;
	} else if (in.i + 2 > in.n || in.b[in.i] != 0x0f) {
		return 0;
	} else {
		op = in.b[in.i + 1];
		in.i += 2;
		if (op == 0x08 || op == 0x09) /* INVD, WBINVD: no-ops, as exits/instruction.c says */
			ok = 1;
		else if (in.i >= in.n)
			return 0;
		else if (modrm = in.b[in.i++], op == 0x01 && ((modrm >> 3) & 7) == 2)
			ok = load_table(v, &in, modrm, false);
		else if (op == 0x01 && ((modrm >> 3) & 7) == 3)
			ok = load_table(v, &in, modrm, true);
		else if (op == 0x20 || op == 0x22)
			ok = mov_cr(v, modrm, op == 0x22);
		else
			ok = 0;
	}
	if (ok < 0)
		vcpu_inject_gp(v); /* a fault: IP stays at the instruction */
	if (ok <= 0)
		return ok;
	vmcs_writel(GUEST_RIP, (u16)(ip + in.i));
	block = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if (block & 3)
		vmcs_write32(GUEST_INTERRUPTIBILITY, block & ~3u);
	return 1;
}

static bool deliver(struct vcpu *v, u8 vector);

/*
 * The #GP(n * 8 + 2) of an INT n (the IDT bit set, EXT clear, Vol. 3A, 7.13) at CS:IP, found by
 * its bytes (CD n, no prefix): delivered through the guest's vector table with IP past it, as
 * real mode does. Returns 1 when delivered, 0 for another #GP, -1 when the VM was stopped (its
 * vector table or stack outside RAM).
 */
static int soft_int(struct vcpu *v, u64 ip)
{
	u32 ec = vmcs_read32(EXIT_INTR_ERROR), idt = vmcs_read32(IDT_VECTORING_INFO);
	u8 b[2];

	/* The #GP is met delivering the INT: the IDT-vectoring information names it (27.2.4). */
	if ((ec & 3) != 2 || !(idt & INTR_INFO_VALID) ||
	    (idt & (7u << 8)) != INTR_TYPE_SW_INTERRUPT || (idt & 0xff) != (ec >> 3) ||
	    gmem_read(&v->vm->mem, vmcs_readl(GUEST_CS_BASE) + (u16)ip, b, 2) || b[0] != 0xcd ||
	    b[1] != (u8)(ec >> 3))
		return 0;
	to_vmx(v)->vectoring_done = true; /* delivered here: not injected again */
	vmcs_writel(GUEST_RIP, (u16)(ip + 2));
	if (deliver(v, b[1]))
		return 1;
	vm_stop(v->vm, -1, "vcpu %u: INT %#x in real mode: its vector table or stack is not in RAM",
		v->id, b[1]);
	return -1;
}

enum exit_action exit_real_mode_exception(struct vcpu *v, u32 info)
{
	u32 vector = info & 0xff;
	u64 ip = vmcs_readl(GUEST_RIP);
	enum exit_action act = EXIT_RESUME;
	bool halt = false;
	int r;

	if (vector == EXC_PF)
		return exit_page_fault(v, info);
	if (vector == EXC_GP && (r = soft_int(v, ip)))
		return r > 0 ? EXIT_RESUME : EXIT_STOP_VM;
	/*
	 * INT3 and INTO exit as software exceptions (Vol. 3C, 26.2) before any IDT is read:
	 * delivered through the vector table past the instruction, as real mode does.
	 */
	if ((vector == EXC_BP || vector == EXC_OF) &&
	    (info & (7u << 8)) == INTR_TYPE_SW_EXCEPTION &&
	    !(vmcs_read32(IDT_VECTORING_INFO) & INTR_INFO_VALID)) {
		vmcs_writel(GUEST_RIP, (u16)(ip + vmcs_read32(EXIT_INSTR_LEN)));
		if (deliver(v, (u8)vector))
			return EXIT_RESUME;
		vm_stop(v->vm, -1, "vcpu %u: INT%s in real mode: its vector table or stack is not in "
			"RAM", v->id, vector == EXC_BP ? "3" : "O");
		return EXIT_STOP_VM;
	}
	if (vector == EXC_GP && emulate_gp(v, ip, &halt, &act))
		return halt ? exit_halt(v) : act;
	/*
	 * The guest's own fault (a #DE, #UD, ...), not met while delivering an event: through its
	 * vector table, as real mode would. A #GP is a privileged instruction not emulated here.
	 */
	if (vector != EXC_GP && vector != EXC_DF && (info & (7u << 8)) == INTR_TYPE_HW_EXCEPTION &&
	    !(vmcs_read32(IDT_VECTORING_INFO) & INTR_INFO_VALID)) {
		vcpu_inject_exception(v, (u8)vector, false, 0);
		return EXIT_RESUME;
	}
	vm_stop(v->vm, -1, "vcpu %u: exception %u (error code %#x) in real mode at %04lx:%04lx "
		"(virtual-8086 mode on shadow paging emulates only a start-up trampoline's "
		"instructions)", v->id, vector,
		info & INTR_INFO_ERROR ? vmcs_read32(EXIT_INTR_ERROR) : 0,
		vmcs_read16(GUEST_CS_SEL) + 0ul, ip);
	return EXIT_STOP_VM;
}

/*
 * Delivers vector as real mode does (SDM Vol. 3A, 21.1.4): FLAGS, CS and IP pushed on SS:SP,
 * IF, TF and AC cleared, CS:IP from the vector table at the IDTR's base. Done here, not by VM
 * entry, which would deliver through the table as a protected-mode IDT. The FLAGS pushed show
 * the guest's IOPL (0), not the 3 virtual-8086 mode runs with. False: the table or the stack
 * is not in RAM.
 */
static bool deliver(struct vcpu *v, u8 vector)
{
	u64 rflags = vmcs_readl(GUEST_RFLAGS), ss = vmcs_readl(GUEST_SS_BASE);
	u16 sp = (u16)vmcs_readl(GUEST_RSP), frame[3];
	u32 entry;

	if (vector * 4u + 3 > to_vmx(v)->rm_idt_limit ||
	    gmem_read(&v->vm->mem, to_vmx(v)->rm_idt_base + vector * 4u, &entry, 4))
		return false;
	frame[0] = (u16)vmcs_readl(GUEST_RIP);
	frame[1] = vmcs_read16(GUEST_CS_SEL);
	frame[2] = (u16)(rflags & ~(u64)RFLAGS_IOPL);
	sp -= 6;
	if (gmem_write(&v->vm->mem, ss + sp, frame, sizeof(frame)))
		return false;
	shadow_guest_pte_written(v->vm->shadow, ss + sp, sizeof(frame)); /* as a guest write */
	vmcs_writel(GUEST_RSP, sp);
	vmcs_writel(GUEST_RFLAGS, rflags & ~(u64)(RFLAGS_IF | RFLAGS_TF | BIT(18) /* AC */));
	vmcs_write16(GUEST_CS_SEL, (u16)(entry >> 16));
	vmcs_writel(GUEST_CS_BASE, (u64)(entry >> 16) << 4);
	vmcs_writel(GUEST_RIP, (u16)entry);
	return true;
}

bool vmx_real_mode_events(struct vmx_vcpu *x)
{
	struct vcpu *v = &x->vcpu;
	u32 block = vmcs_read32(GUEST_INTERRUPTIBILITY);
	int vector;
	u8 deliver_vector;

	if (v->exception_pending) {
		v->exception_pending = false;
		deliver_vector = v->exception_vector;
	} else if (v->nmi_pending && !(block & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))) {
		v->nmi_pending--;
		deliver_vector = 2;
	} else {
		vector = vlapic_irr_empty(&v->lapic) ? -1 : vlapic_pending(&v->lapic);
		if (vector < 0)
			return false;
		if (!(vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF) ||
		    (block & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)))
			return true; /* an interrupt window exit when it can take it */
		vlapic_accept(&v->lapic, (u8)vector);
		v->stats.injected++;
		deliver_vector = (u8)vector;
	}
	if (!deliver(v, deliver_vector))
		vm_stop(v->vm, -1, "vcpu %u: vector %u in real mode: its vector table or stack is not "
			"in RAM", v->id, deliver_vector);
	return false;
}
