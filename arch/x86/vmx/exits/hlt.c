// SPDX-License-Identifier: GPL-2.0
/* HLT exits: the vCPU blocks until an interrupt or a PV kick is pending, freeing its pCPU. */
#include "arch/x86/vmx/exit.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"

enum exit_action exit_hlt(struct vcpu *v)
{
	exit_skip_instruction(v);
	return exit_halt(v);
}

enum exit_action exit_halt(struct vcpu *v)
{
	if (vcpu_has_pending_event(v))
		return EXIT_RESUME; /* the interrupt is injected at this entry instead */
	if (v->pv_unhalted) {
		v->pv_unhalted = false; /* kicked before it halted: the wait is over already */
		return EXIT_RESUME;
	}
	sched_set_state(v, VCPU_HALTED);
	return EXIT_YIELD;
}
