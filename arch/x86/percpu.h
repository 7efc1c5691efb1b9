/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU data: one page-aligned struct per CPU, reached through GS; subsystems own slices. */
#ifndef KESTREL_ARCH_X86_PERCPU_H
#define KESTREL_ARCH_X86_PERCPU_H

#include "arch/x86/desc.h"
#include "lib/cpuset.h"
#include "lib/types.h"

#define MAX_CPUS CPUSET_MAX /* at least 1024: lab machines with 2-8 sockets have 200-900 */
#define CPU_STACK_SIZE (16 * 1024)

enum cpu_state {
	CPU_ABSENT = 0, /* never started, or did not answer */
	CPU_STARTING, /* INIT-SIPI-SIPI sent */
	CPU_ONLINE, /* running C code on its own stack and tables */
	CPU_READY, /* finished its boot checks (timer, VMX); waiting for work */
};

struct timer_cpu {
	volatile u64 fired_tsc; /* TSC read in the timer interrupt, 0 before */
	u64 armed_for; /* the deadline (TSC) last armed, 0 when cancelled */
	bool stale; /* armed in an earlier vCPU run: rewritten at the next entry (vmx/deadline.c) */
};

struct vmx_cpu {
	bool root; /* in VMX root operation */
	bool failed; /* a VMX instruction failed since the run loop last looked */
	u64 current_vmcs; /* what VMPTRLD last loaded here */
	u64 vmxon_phys;
	const char *error; /* why VMXON did not happen, or NULL */
};

/* Speculation mitigations done on this CPU (arch/x86/vmx/spec.c), for the statistics. */
struct spec_stats {
	u32 last_vm; /* 1 + the id of the VM last run here, 0 before the first */
	u64 vm_switches, ibpb, l1d_flushes, verw;
};

struct sched_cpu; /* the scheduler's, hv/sched/policy.h: this layer only keeps the pointer */

struct percpu {
	struct percpu *self; /* at gs:0, so this_cpu() is one load */
	u32 index; /* 0 = the bootstrap CPU */
	u32 apic_id;
	volatile u32 state; /* enum cpu_state */
	u32 pad;
	u64 stack_top;
	u64 ist_top[IST_COUNT];
	struct timer_cpu timer;
	struct vmx_cpu vmx;
	struct spec_stats spec;
	struct desc_cpu desc;
	struct sched_cpu *sched; /* set by sched_cpu_init(); only hv/sched/ looks inside */
} __aligned(4096);

_Static_assert(__builtin_offsetof(struct percpu, self) == 0, "this_cpu() reads gs:0");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

extern struct percpu *cpus[MAX_CPUS];
extern u32 nr_cpus; /* entries in cpus[], online or not */

#endif
