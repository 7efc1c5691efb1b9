/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's record of the I/O ports and MSRs it touched that Kestrel does not model. */
#ifndef KESTREL_HV_UNMODELLED_H
#define KESTREL_HV_UNMODELLED_H

#include "lib/spinlock.h"
#include "lib/types.h"

#define UNMODELLED_MAX 32 /* distinct (kind, number) pairs kept; the rest only counted */

enum unmodelled_kind { UNMODELLED_IN, UNMODELLED_OUT, UNMODELLED_RDMSR, UNMODELLED_WRMSR };

/*
 * Each access got the architectural "nothing there" answer (a port reads all ones and drops
 * writes, an MSR raises #GP); this says which, for the statistics table at the VM's end. A
 * guest can touch any number of ports and MSRs: past UNMODELLED_MAX distinct ones, an access
 * to a new one is counted in others, never kept.
 */
struct unmodelled {
	struct spinlock lock;
	u32 nr;
	u64 others;
	struct {
		u32 number; /* the port or MSR */
		u32 kind; /* enum unmodelled_kind */
		u64 count;
	} e[UNMODELLED_MAX];
};

/* Counts one access of kind to number; safe from any vCPU of the VM. */
void unmodelled_note(struct unmodelled *u, enum unmodelled_kind kind, u32 number);
/*
 * Writes entries [*from, ...) as "in 0x2e9 x3, rdmsr 0x4e x1", as many as fit in size (and
 * at least one when size allows), moving *from past them; returns how many were written.
 * Entries come in the order first touched.
 */
u32 unmodelled_format(struct unmodelled *u, u32 *from, char *buf, size_t size);

#endif
