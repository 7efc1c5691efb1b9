// SPDX-License-Identifier: GPL-2.0
/* Instructions a guest may not use (VMX, XSETBV, GETSEC, RDPMC), and INVD, done as WBINVD. */
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

enum exit_action exit_invd(struct vcpu *v)
{
	/* Dropping the caches unwritten would lose other VMs' data: write them back instead. */
	asm volatile("wbinvd" ::: "memory");
	exit_skip_instruction(v);
	return EXIT_RESUME;
}
