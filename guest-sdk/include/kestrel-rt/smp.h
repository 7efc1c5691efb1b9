/* SPDX-License-Identifier: MIT */
/* Starting the other CPUs with INIT-SIPI(-SIPI), CPU numbering, running work on them. */
#ifndef KESTREL_RT_SMP_H
#define KESTREL_RT_SMP_H

#include <kestrel-rt/types.h>

/* CPUs the runtime numbers; their stacks come from rt_alloc_pages() as they are started. */
#define RT_MAX_CPUS 2048

/*
 * How rt_smp_start() starts the APs (SDM Vol. 3A, 10.4.4.1 gives INIT, 10 ms, SIPI, 200 us,
 * SIPI, 200 us). RT_SMP_SHORTHAND sends every IPI to all-but-self; without it one IPI goes
 * to each AP's APIC ID. RT_SMP_DEASSERT adds the INIT level de-assert after the INIT (old
 * MP-spec sequence; modern CPUs ignore it). RT_SMP_TWO_SIPIS sends the second SIPI.
 */
#define RT_SMP_SHORTHAND	(1u << 0)
#define RT_SMP_DEASSERT		(1u << 1)
#define RT_SMP_TWO_SIPIS	(1u << 2)
#define RT_SMP_DEFAULT		(RT_SMP_SHORTHAND | RT_SMP_TWO_SIPIS)

/*
 * Starts the APs, or restarts them (the INIT sends a running AP back to wait-for-SIPI) and
 * returns how many CPUs are up, this one included.
 *
 * The first call finds the APs: it expects `cpus=N` from the command line and waits until
 * N - 1 APs check in (at most `smp_wait_ms=`, default 2000); without `cpus=` it waits until
 * no new AP checked in for 100 ms. CPUs are numbered by APIC ID, the bootstrap CPU is 0.
 * A first call without RT_SMP_SHORTHAND needs `cpus=N` and assumes APIC IDs 0..N-1.
 * With more APs than cpus= says, the lowest APIC IDs are taken and the others stay off.
 * Later calls start the APs found the first time; an AP that misses the wait stays off.
 * Each AP calls ap_main(index) on every start, then idles serving rt_smp_call().
 * Call it from CPU 0 while every AP is idle (never while one may hold a lock).
 */
u32 rt_smp_start(u32 how);

/*
 * Sends INIT (and the de-assert with RT_SMP_DEASSERT) to the APs found by rt_smp_start(), by
 * shorthand or by destination as `how` says, and waits 10 ms: they go back to
 * wait-for-SIPI (SDM Vol. 3A, 10.4.4) and count as off; work given to them is dropped.
 * The caller makes sure none holds a lock (spinning in a loop of its own is fine).
 */
void rt_smp_reset(u32 how);

/* The guest's code for an AP; the runtime's default does nothing. */
void ap_main(u32 cpu_index);

u32 rt_cpu_index(void);		/* this CPU's number */
u32 rt_smp_cpus(void);		/* CPUs found: 1 before rt_smp_start() */
u32 rt_smp_cpus_wanted(void);	/* `cpus=` from the command line, 0 when absent */
u32 rt_smp_apic_id(u32 cpu);	/* APIC ID of CPU cpu */
u32 rt_smp_starts(u32 cpu);	/* times CPU cpu checked in since boot */
bool rt_smp_is_idle(u32 cpu);

/*
 * Runs fn(cpu, arg) on CPU cpu (an AP that is up, woken with a fixed IPI on RT_VEC_WAKE
 * when idle) with interrupts enabled; rt_smp_wait() waits until it returned and the AP is
 * idle again (also after ap_main()). rt_smp_call_all() runs it on every CPU that is up,
 * this one included, and waits for all of them. Only CPU 0 calls these (it does not
 * serve calls itself); a call to this CPU just runs fn.
 */
typedef void (*rt_smp_fn)(u32 cpu, void *arg);

void rt_smp_call(u32 cpu, rt_smp_fn fn, void *arg);
void rt_smp_wait(u32 cpu);
void rt_smp_call_all(rt_smp_fn fn, void *arg);

#endif
