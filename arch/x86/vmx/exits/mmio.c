// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO emulation: an access to a device page is an EPT violation; the instruction is fetched
 * through the guest's own page tables, decoded (arch/x86/mmio_decode.c) and carried out against
 * the device: the xAPIC page (xapic.c), the I/O APIC (hv/platform.c).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/mmio_decode.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/platform.h"
#include "hv/vcpu.h"
#include "mm/guest_walk.h"

/* Reads the instruction at the guest's RIP through its own page tables. */
static int fetch(struct vcpu *v, u8 *bytes, u32 *n)
{
	u64 pdptes[4] = { vmcs_read64(GUEST_PDPTE0), vmcs_read64(GUEST_PDPTE1),
			  vmcs_read64(GUEST_PDPTE2), vmcs_read64(GUEST_PDPTE3) };
	struct guest_walk_cpu cpu = {
		.cr0 = vmcs_readl(GUEST_CR0), .cr3 = vmcs_readl(GUEST_CR3),
		.cr4 = vmcs_readl(GUEST_CR4), .efer = vmcs_read64(GUEST_IA32_EFER),
		.pdptes = pdptes,
	};
	struct guest_walk_fault pf;
	u64 la = vmcs_readl(GUEST_CS_BASE) + vmcs_readl(GUEST_RIP);

	/* The exit does not give the length for EPT violations: read what fits in the page. */
	u32 len = MMIO_INSN_MAX;
	if (!(cpu.efer & EFER_LMA))
		la = (u32)la;
	while (len && guest_walk_read(&v->vm->mem, &cpu, la, GUEST_WALK_FETCH, bytes, len, &pf))
		len--;
	*n = len;
	return len ? 0 : -EFAULT;
}

int exit_mmio_decode(struct vcpu *v, struct mmio_insn *insn)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR), n;
	bool lma = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
	u8 bytes[MMIO_INSN_MAX] = { 0 };

	v->regs.gpr[GPR_RSP] = vmcs_readl(GUEST_RSP);
	if (fetch(v, bytes, &n) ||
	    mmio_decode(bytes, n, mmio_mode_of(lma, cs_ar & SEG_AR_L, cs_ar & SEG_AR_D),
			v->regs.gpr, insn)) {
		vm_stop(v->vm, -1, "vcpu %u: cannot emulate the instruction at rip %#lx that "
			"touched an emulated device page (%02x %02x %02x %02x)", v->id,
			vmcs_readl(GUEST_RIP), bytes[0], bytes[1], bytes[2], bytes[3]);
		return -EINVAL;
	}
	return 0;
}

enum exit_action exit_device_mmio(struct vcpu *v, u64 gpa)
{
	struct mmio_insn insn;
	u64 old = 0;

	if (exit_mmio_decode(v, &insn))
		return EXIT_STOP_VM;
	if (insn.dir != MMIO_WRITE)
		old = platform_mmio_read(v->vm, gpa, insn.size);
	if (insn.dir == MMIO_READ) {
		mmio_complete_read(&insn, v->regs.gpr, old);
	} else {
		u64 rflags = vmcs_readl(GUEST_RFLAGS);
		u64 val = insn.dir == MMIO_RMW ? mmio_complete_rmw(&insn, v->regs.gpr, old, &rflags) :
						  insn.value;

		if (insn.dir == MMIO_RMW)
			vmcs_writel(GUEST_RFLAGS, rflags);
		platform_mmio_write(v->vm, gpa, insn.size, val);
	}
	vmcs_writel(GUEST_RSP, v->regs.gpr[GPR_RSP]);
	exit_advance_rip(v, insn.len);
	return EXIT_RESUME;
}
