// SPDX-License-Identifier: GPL-2.0
/*
 * The xAPIC page (0xfee00000): an access to it is an EPT violation; the instruction is fetched
 * through the guest's own page tables, decoded (arch/x86/mmio_decode.c), and carried out
 * against the vCPU's virtual local APIC (hv/dev/vlapic.c).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/mmio_decode.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/apic_bus.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "lib/console.h"
#include "mm/guest_walk.h"
#include "pv/pv.h"

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

enum exit_action exit_xapic_access(struct vcpu *v, u64 gpa)
{
	u32 off = (u32)(gpa & 0xfff), cs_ar = vmcs_read32(GUEST_CS_AR), n, r, val32 = 0;
	bool lma = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
	struct mmio_insn insn;
	struct vlapic_ipi ipi;
	u64 old = 0, now = rdtsc();
	u8 bytes[MMIO_INSN_MAX];

	v->regs.gpr[GPR_RSP] = vmcs_readl(GUEST_RSP);
	if (fetch(v, bytes, &n) ||
	    mmio_decode(bytes, n, mmio_mode_of(lma, cs_ar & SEG_AR_L, cs_ar & SEG_AR_D),
			v->regs.gpr, &insn)) {
		vm_stop(v->vm, -1, "vcpu %u: cannot emulate the instruction at rip %#lx that "
			"touched the local APIC page (%02x %02x %02x %02x)", v->id,
			vmcs_readl(GUEST_RIP), bytes[0], bytes[1], bytes[2], bytes[3]);
		return EXIT_STOP_VM;
	}
	/*
	 * Not in xAPIC mode, the page is no APIC. Globally disabled, "the processor is functionally
	 * equivalent to an IA-32 processor without an on-chip APIC" (SDM Vol. 3A, 12.4.3), and in
	 * x2APIC mode an access to the page behaves as with a globally disabled xAPIC (12.12.1.2):
	 * the access goes to the platform, where nothing answers at the APIC's address, so it
	 * reads as a PC's unbacked physical memory does, all ones at every size, and a write goes
	 * nowhere.
	 */
	if (vlapic_mode(&v->lapic) != VLAPIC_MODE_XAPIC) {
		old = ~0ull;
	} else if (insn.dir != MMIO_WRITE) {
		/* The APIC answers aligned 32-bit accesses; others read 0 (11.4.1). */
		r = insn.size == 4 && !(off & 0xf) ?
			    vlapic_mmio_read(&v->lapic, off, now, &val32) : 0;
		old = val32;
		if (!apic_bus_result(v, r, &ipi))
			return EXIT_RESUME;
	}
	if (insn.dir == MMIO_READ) {
		mmio_complete_read(&insn, v->regs.gpr, old);
	} else {
		u64 rflags = vmcs_readl(GUEST_RFLAGS);
		u64 val = insn.dir == MMIO_RMW ? mmio_complete_rmw(&insn, v->regs.gpr, old, &rflags) :
						  insn.value;

		if (insn.dir == MMIO_RMW)
			vmcs_writel(GUEST_RFLAGS, rflags);
		if (insn.size == 4 && !(off & 0xf) && vlapic_mode(&v->lapic) == VLAPIC_MODE_XAPIC) {
			r = vlapic_mmio_write(&v->lapic, off, (u32)val, now, &ipi);
			if (!apic_bus_result(v, r, &ipi))
				return EXIT_RESUME;
			pv_deadline_sync(v);
			if (r & VLAPIC_R_TIMER)
				sched_timers_changed();
		}
	}
	vmcs_writel(GUEST_RSP, v->regs.gpr[GPR_RSP]);
	exit_advance_rip(v, insn.len); /* which also ends STI/MOV SS blocking */
	return EXIT_RESUME;
}
