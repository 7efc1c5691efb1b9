// SPDX-License-Identifier: GPL-2.0
/* HLT exits: the vCPU blocks until an interrupt is pending for it, freeing its pCPU. */
#include "arch/x86/vmx/exit.h"
#include "hv/vcpu.h"

enum exit_action exit_hlt(struct vcpu *v)
{
	exit_skip_instruction(v);
	if (vcpu_has_pending_event(v))
		return EXIT_RESUME; /* the interrupt is injected at this entry instead */
	v->state = VCPU_HALTED;
	return EXIT_YIELD;
}
