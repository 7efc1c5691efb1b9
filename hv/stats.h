/* SPDX-License-Identifier: GPL-2.0 */
/* Exit statistics: per VM and per vCPU, exits by reason and the TSC ticks spent on them. */
#ifndef KESTREL_HV_STATS_H
#define KESTREL_HV_STATS_H

#include "lib/types.h"

struct vm;

/*
 * stats=timing on Kestrel's command line: besides counting exits, time each one's whole round
 * trip in root mode (from the VM exit to the next VM entry or to leaving the run loop) and the
 * time in guest mode. Off by default: the TSC reads cost every exit, more on hardware.
 */
extern bool stats_timing;

/* Prints vm's table (a consistent snapshot when the VM has stopped, approximate while it runs). */
void stats_print_vm(struct vm *vm);
/*
 * From the scheduler, between runs: prints vm's table if a vCPU asked for it
 * (KESTREL_HC_DEBUG_STATS), after the VM's own output so far, and lets the next call in
 * vm->stats_interval after that.
 */
void stats_print_if_asked(struct vm *vm);

#endif
