// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions a guest may not use (VMX, XSETBV, GETSEC, RDPMC), and those that would reach
 * past the VM on the hardware (INVD, WBINVD, MONITOR, MWAIT), done as no-ops.
 */
#include "arch/x86/vmx/exit.h"
#include "hv/vcpu.h"

enum exit_action exit_vmx_instruction(struct vcpu *v)
{
	vcpu_inject_ud(v); /* CPUID reports no VMX, so the instruction is undefined here */
	return EXIT_RESUME;
}

enum exit_action exit_xsetbv(struct vcpu *v)
{
	vcpu_inject_ud(v); /* CR4.OSXSAVE cannot be set, so XSETBV is #UD (SDM Vol. 2C, XSETBV) */
	return EXIT_RESUME;
}

enum exit_action exit_getsec(struct vcpu *v)
{
	vcpu_inject_ud(v); /* CPUID hides SMX: GETSEC is #UD (SDM Vol. 2D, GETSEC) */
	return EXIT_RESUME;
}

enum exit_action exit_rdpmc(struct vcpu *v)
{
	vcpu_inject_gp(v); /* no PMU is offered (CPUID leaf 0AH is zero): no counter is valid */
	return EXIT_RESUME;
}

/*
 * INVD and WBINVD: a VM's memory is write-back and coherent, and it has no device that reads
 * memory behind the caches, so neither has anything to do. Done on the hardware, INVD would
 * drop other VMs' unwritten data and WBINVD would empty the caches every VM shares.
 */
enum exit_action exit_invd(struct vcpu *v)
{
	exit_skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action exit_wbinvd(struct vcpu *v)
{
	exit_skip_instruction(v);
	return EXIT_RESUME;
}

/*
 * MONITOR and MWAIT: CPUID offers neither. One that runs anyway is a no-op: MWAIT may return
 * at any time (SDM Vol. 2B, MWAIT), and a C-state hint on the hardware could stop the
 * VMX-preemption timer, Kestrel's hold on the pCPU.
 */
enum exit_action exit_monitor(struct vcpu *v)
{
	exit_skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action exit_mwait(struct vcpu *v)
{
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
