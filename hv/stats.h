/* SPDX-License-Identifier: GPL-2.0 */
/* Exit statistics: per VM and per vCPU, exits by reason and the TSC ticks spent on them. */
#ifndef KESTREL_HV_STATS_H
#define KESTREL_HV_STATS_H

struct vm;

/* Prints vm's table (a consistent snapshot when the VM has stopped, approximate while it runs). */
void stats_print_vm(struct vm *vm);

#endif
