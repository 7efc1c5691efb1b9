// SPDX-License-Identifier: GPL-2.0
/* VMX-preemption timer exits: a vLAPIC timer is due, or the vCPU's time slice is over. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/percpu.h"
#include "hv/sched/sched.h"
#include "hv/vm.h"

enum exit_action exit_preemption_timer(struct vcpu *v)
{
	(void)v;
	sched_tick();
	if (sched_slice_over())
		return EXIT_YIELD;
	return EXIT_RESUME;
}
