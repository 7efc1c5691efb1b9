// SPDX-License-Identifier: GPL-2.0
/*
 * Real mode without unrestricted guest, as KVM ran it before that control: virtual-8086 mode
 * on the identity shadow. VMX without unrestricted guest keeps CR0.PE and PG at 1 (SDM Vol. 3D,
 * A.7), so a vCPU a SIPI starts in real mode (Vol. 3A, 10.4.4) runs with RFLAGS.VM=1 instead:
 * the same 16-bit code, segments as base = selector << 4 and limit 64 KiB (Vol. 3C, 28.3.1.2
 * checks exactly that). Privileged instructions raise #GP at CPL 3 there; every exception exits
 * (exception bitmap all ones) and the few a start-up trampoline uses are emulated here: LGDT,
 * LIDT, MOV to and from CR0/CR3/CR4, WBINVD/INVD. The MOV that sets CR0.PE leaves virtual-8086
 * mode: the segment caches stay as the processor keeps them (Vol. 3A, 10.9.1), with protected-
 * mode access rights, until the far jump that follows loads CS.
 *
 * No event is injected meanwhile (the guest's IDTR holds a real-mode vector table, which VM
 * entry would deliver through as a protected-mode IDT); they wait until protected mode.
 */
#include "arch/x86/exception.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "hv/vcpu.h"
#include "lib/console.h"

#define RFLAGS_IOPL (3u << 12)
#define RFLAGS_VM BIT(17)
#define AR_VM86 0xf3     /* present, DPL 3, read/write accessed data: 28.3.1.2 for VM=1 */
#define AR_CODE16 0x9b   /* present, DPL 0, execute/read accessed code, 16-bit */
#define AR_DATA16 0x93   /* present, DPL 0, read/write accessed data, 16-bit */
#define INSN_MAX 15

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
	vmcs_write32(EXCEPTION_BITMAP, 0xffffffff);
	x->vm86 = true;
}

/*
 * CR0.PE set: protected mode from the next instruction, with the caches of the real-mode
 * segments. VM entry wants CS and SS DPL 0 with RPL 0 like CPL (28.3.1.2), data segments with
 * DPL >= RPL: the access rights are those, selectors and bases stay.
 */
static void leave_vm86(struct vmx_vcpu *x)
{
	u16 ss = vmcs_read16(GUEST_SS_SEL);

	vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) & ~(u64)(RFLAGS_VM | RFLAGS_IOPL));
	vmcs_write32(GUEST_CS_AR, AR_CODE16);
	vmcs_write16(GUEST_SS_SEL, ss & ~3);
	vmcs_write32(GUEST_SS_AR, AR_DATA16);
	vmcs_write32(GUEST_DS_AR, AR_DATA16 | (vmcs_read16(GUEST_DS_SEL) & 3u) << 5);
	vmcs_write32(GUEST_ES_AR, AR_DATA16 | (vmcs_read16(GUEST_ES_SEL) & 3u) << 5);
	vmcs_write32(GUEST_FS_AR, AR_DATA16 | (vmcs_read16(GUEST_FS_SEL) & 3u) << 5);
	vmcs_write32(GUEST_GS_AR, AR_DATA16 | (vmcs_read16(GUEST_GS_SEL) & 3u) << 5);
	vmcs_write32(EXCEPTION_BITMAP, BIT(EXC_PF));
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
	if (idt) {
		vmcs_writel(GUEST_IDTR_BASE, base);
		vmcs_write32(GUEST_IDTR_LIMIT, limit);
	} else {
		vmcs_writel(GUEST_GDTR_BASE, base);
		vmcs_write32(GUEST_GDTR_LIMIT, limit);
	}
	return true;
}

/* MOV CRn, r32 or MOV r32, CRn (the ModRM's mod is ignored, Vol. 2B, MOV control registers). */
static bool mov_cr(struct vcpu *v, u8 modrm, bool to)
{
	struct vmx_vcpu *x = to_vmx(v);
	u32 cr = (modrm >> 3) & 7, r = modrm & 7;
	u64 cr2;

	if (cr != 0 && cr != 2 && cr != 3 && cr != 4)
		return false;
	if (!to) {
		if (cr == 2) {
			asm volatile("mov %%cr2, %0" : "=r"(cr2));
			set_gpr32(v, r, cr2);
		} else {
			set_gpr32(v, r, vmx_shadow_read_cr(v, cr));
		}
		return true;
	}
	if (cr == 2) {
		asm volatile("mov %0, %%cr2" ::"r"((u64)(u32)gpr(v, r)));
		return true;
	}
	if (!vmx_shadow_write_cr(v, cr, (u32)gpr(v, r)))
		return false;
	if (cr == 0 && (x->shadow.cpu.cr0 & CR0_PE))
		leave_vm86(x);
	return true;
}

/* The #GP of a privileged instruction at CPL 3: emulated when it is one of the above. */
static bool emulate_gp(struct vcpu *v, u64 ip)
{
	struct rm_insn in = { .seg = SEG_NONE };
	u64 la = vmcs_readl(GUEST_CS_BASE) + (u16)ip;
	bool prefix = true, ok;
	u32 block;
	u8 op, modrm;

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
	if (in.i + 2 > in.n || in.b[in.i] != 0x0f)
		return false;
	op = in.b[in.i + 1];
	in.i += 2;
	if (op == 0x08 || op == 0x09) { /* INVD, WBINVD: no-ops, as exits/instruction.c says */
		ok = true;
	} else {
		if (in.i >= in.n)
			return false;
		modrm = in.b[in.i++];
		if (op == 0x01 && ((modrm >> 3) & 7) == 2)
			ok = load_table(v, &in, modrm, false);
		else if (op == 0x01 && ((modrm >> 3) & 7) == 3)
			ok = load_table(v, &in, modrm, true);
		else if (op == 0x20 || op == 0x22)
			ok = mov_cr(v, modrm, op == 0x22);
		else
			ok = false;
	}
	if (!ok)
		return false;
	vmcs_writel(GUEST_RIP, (u16)(ip + in.i));
	block = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if (block & 3)
		vmcs_write32(GUEST_INTERRUPTIBILITY, block & ~3u);
	return true;
}

enum exit_action exit_real_mode_exception(struct vcpu *v, u32 info)
{
	u32 vector = info & 0xff;
	u64 ip = vmcs_readl(GUEST_RIP);

	if (vector == EXC_PF)
		return exit_page_fault(v, info);
	if (vector == EXC_GP && emulate_gp(v, ip))
		return EXIT_RESUME;
	vm_stop(v->vm, -1, "vcpu %u: exception %u in real mode at %04lx:%04lx (virtual-8086 mode "
		"on shadow paging emulates only a start-up trampoline's instructions)", v->id,
		vector, vmcs_read16(GUEST_CS_SEL) + 0ul, ip);
	return EXIT_STOP_VM;
}
