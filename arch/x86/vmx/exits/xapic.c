// SPDX-License-Identifier: GPL-2.0
/*
 * The xAPIC page (0xfee00000): an access to it is an EPT violation; the instruction is fetched
 * and decoded (exits/mmio.c), and carried out against the vCPU's virtual local APIC
 * (hv/dev/vlapic.c).
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

enum exit_action exit_xapic_access(struct vcpu *v, u64 gpa)
{
	u32 off = (u32)(gpa & 0xfff), r, val32 = 0;
	struct mmio_insn insn;
	struct vlapic_ipi ipi;
	u64 old = 0, now = rdtsc();

	if (exit_mmio_decode(v, &insn))
		return EXIT_STOP_VM;
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
