// SPDX-License-Identifier: GPL-2.0
/* Deadline exits: a vLAPIC or PV timer is due, or the vCPU's time slice is over. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/percpu.h"
#include "hv/sched/sched.h"
#include "hv/vm.h"

/* A deadline came: the preemption timer's, or the host timer's (deadline.c). */
enum exit_action exit_deadline_reached(struct vcpu *v)
{
	(void)v;
	sched_tick();
	if (sched_slice_over())
		return EXIT_YIELD;
	return EXIT_RESUME;
}

enum exit_action exit_preemption_timer(struct vcpu *v)
{
	return exit_deadline_reached(v);
}
