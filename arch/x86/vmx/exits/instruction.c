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
 * INVD, WBINVD, MONITOR and MWAIT do nothing here. A VM's memory is write-back and coherent,
 * and it has no device that reads memory behind the caches: on the hardware, INVD would drop
 * other VMs' unwritten data and WBINVD would empty the caches every VM shares. CPUID offers no
 * MONITOR/MWAIT; one that runs anyway returns at once, as MWAIT may (SDM Vol. 2B, MWAIT), and
 * no C-state hint reaches the hardware, where it could stop the VMX-preemption timer.
 */
enum exit_action exit_nop_instruction(struct vcpu *v)
{
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
