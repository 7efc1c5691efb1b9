// SPDX-License-Identifier: GPL-2.0
/* Instructions a guest may not use: VMX (no nested virtualization) and XSETBV (XSAVE is hidden). */
#include "arch/x86/exit.h"
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
