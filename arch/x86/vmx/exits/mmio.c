// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO emulation for an EPT violation or a shadow #PF: the instruction at the guest's RIP is
 * fetched through its own page tables, decoded (arch/x86/mmio_decode.c) and carried out against
 * a region's handler, one decoded access at a time (the xAPIC page, a device's claimed range,
 * unbacked memory, a guest page table under shadow paging).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/mmio_decode.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/shadow.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/vm.h"
#include "mm/guest_walk.h"

/* Reads the instruction at the guest's RIP through its own page tables. */
static int fetch(struct vcpu *v, u8 *bytes, u32 *n)
{
	u64 pdptes[4];
	struct guest_walk_cpu cpu;
	struct guest_walk_fault pf;
	u64 la = vmcs_readl(GUEST_CS_BASE) + vmcs_readl(GUEST_RIP);

	/* The exit does not give the length for EPT violations: read what fits in the page. */
	u32 len = MMIO_INSN_MAX;

	vmx_guest_paging(v, &cpu, pdptes); /* its own paging, also on shadow page tables */
	if (!(cpu.efer & EFER_LMA))
		la = (u32)la;
	while (len && guest_walk_read(&v->vm->mem, &cpu, la, GUEST_WALK_FETCH, bytes, len, &pf))
		len--;
	*n = len;
	return len ? 0 : -EFAULT;
}

/* Fetches and decodes the instruction at the guest's RIP; 0 or an error. */
static int decode(struct vcpu *v, u8 bytes[MMIO_INSN_MAX], struct mmio_insn *insn)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR), n;
	bool lma = vmcs_guest_efer() & EFER_LMA;

	v->regs.gpr[GPR_RSP] = vmcs_readl(GUEST_RSP);
	if (fetch(v, bytes, &n))
		return -EFAULT;
	return mmio_decode(bytes, n, mmio_mode_of(lma, cs_ar & SEG_AR_L, cs_ar & SEG_AR_D),
			   v->regs.gpr, insn);
}

bool exit_mmio_decodable(struct vcpu *v, u64 *linear, u32 *size)
{
	u8 bytes[MMIO_INSN_MAX] = { 0 };
	struct mmio_insn insn;
	bool wide = (vmcs_guest_efer() & EFER_LMA) && (vmcs_read32(GUEST_CS_AR) & SEG_AR_L);
	u64 la;

	if (decode(v, bytes, &insn))
		return false;
	/* In 64-bit mode only FS and GS have a base (SDM Vol. 3A, 3.4.4). */
	switch (insn.seg) {
	case MMIO_SEG_FS:
		la = vmcs_readl(GUEST_FS_BASE);
		break;
	case MMIO_SEG_GS:
		la = vmcs_readl(GUEST_GS_BASE);
		break;
	case MMIO_SEG_ES:
		la = wide ? 0 : vmcs_readl(GUEST_ES_BASE);
		break;
	case MMIO_SEG_CS:
		la = wide ? 0 : vmcs_readl(GUEST_CS_BASE);
		break;
	case MMIO_SEG_SS:
		la = wide ? 0 : vmcs_readl(GUEST_SS_BASE);
		break;
	default:
		la = wide ? 0 : vmcs_readl(GUEST_DS_BASE);
		break;
	}
	la += insn.ea;
	if (insn.rip_relative)
		la += vmcs_readl(GUEST_RIP) + insn.len;
	*linear = wide ? la : (u32)la;
	*size = insn.size;
	return true;
}

/*
 * One part of an access that crosses a region's end, to what is at gpa now: a device's handler,
 * RAM (a write only where the rights allow), or nothing (all ones, the write dropped).
 */
static int access_part(struct vcpu *v, u64 gpa, u32 size, bool write, u64 *value)
{
	struct region r;

	if (!ept_gen_region_at(&v->vm->ept, gpa, &r)) {
		if (!write)
			*value = ~0ull;
		return REGION_MMIO_DONE;
	}
	if (r.kind == REGION_MMIO)
		return r.mmio(v, r.opaque, gpa - r.start, size, write, value);
	if (!write && gmem_read(&v->vm->mem, gpa, value, size))
		*value = ~0ull;
	else if (write && (r.perm & REGION_W))
		gmem_write(&v->vm->mem, gpa, value, size);
	return REGION_MMIO_DONE;
}

/*
 * An access of size bytes at gpa that does not end in the region it starts in: split where
 * regions end, each part in pieces of 8, 4, 2 or 1 bytes (what handlers take), little-endian.
 */
static int access_split(struct vcpu *v, u64 gpa, u32 size, bool write, u64 *value)
{
	u64 done = 0, result = 0;

	while (done < size) {
		struct region r;
		u64 at = gpa + done, part = write ? *value >> (8 * done) : 0;
		u64 room = ept_gen_region_at(&v->vm->ept, at, &r) ? r.start + r.size - at :
			   r.size;
		u32 n = 8;

		while (n > size - done || n > room)
			n >>= 1;
		if (access_part(v, at, n, write, &part) != REGION_MMIO_DONE)
			return REGION_MMIO_ABANDON;
		if (n < 8)
			part &= BIT(8 * n) - 1;
		result |= part << (8 * done);
		done += n;
	}
	if (!write)
		*value = result;
	return REGION_MMIO_DONE;
}

/* The access of the instruction: to r's handler, or split where it leaves r. */
static int access(struct vcpu *v, const struct region *r, u64 gpa, u32 size, bool write,
		  u64 *value)
{
	u64 off = gpa - r->start;

	if (off + size <= r->size)
		return r->mmio(v, r->opaque, off, size, write, value);
	return access_split(v, gpa, size, write, value);
}

enum exit_action exit_mmio(struct vcpu *v, const struct region *r, u64 gpa, const char *what)
{
	u64 value = 0;
	struct mmio_insn insn;
	u8 bytes[MMIO_INSN_MAX] = { 0 };

	if (decode(v, bytes, &insn)) {
		vm_stop(v->vm, -1, "vcpu %u: cannot emulate the instruction at rip %#lx that "
			"touched %s %#lx (%02x %02x %02x %02x)", v->id, vmcs_readl(GUEST_RIP), what,
			gpa, bytes[0], bytes[1], bytes[2], bytes[3]);
		return EXIT_STOP_VM;
	}
	if (insn.dir != MMIO_WRITE &&
	    access(v, r, gpa, insn.size, false, &value) != REGION_MMIO_DONE)
		return EXIT_RESUME; /* the instruction is not completed: it runs again */
	if (insn.dir == MMIO_READ) {
		mmio_complete_read(&insn, v->regs.gpr, value);
	} else {
		u64 rflags = vmcs_readl(GUEST_RFLAGS);

		if (insn.dir == MMIO_RMW) {
			value = mmio_complete_rmw(&insn, v->regs.gpr, value, &rflags);
			vmcs_writel(GUEST_RFLAGS, rflags);
		} else {
			value = insn.value;
		}
		if (access(v, r, gpa, insn.size, true, &value) != REGION_MMIO_DONE)
			return EXIT_RESUME;
	}
	vmcs_writel(GUEST_RSP, v->regs.gpr[GPR_RSP]);
	exit_advance_rip(v, insn.len); /* which also ends STI/MOV SS blocking */
	return EXIT_RESUME;
}
