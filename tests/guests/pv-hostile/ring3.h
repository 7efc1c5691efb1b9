/* SPDX-License-Identifier: GPL-2.0 */
/* Running one VMCALL at CPL 3 on CPU 0: a user code segment, a TSS, and a way back (int 0x81). */
#ifndef PV_HOSTILE_RING3_H
#define PV_HOSTILE_RING3_H

#include <kestrel-rt/types.h>

/* Loads a GDT with user segments and a TSS on this CPU, makes the first 4 MiB user-accessible
 * and gate 0x81 callable from CPL 3. False when the image does not fit in those 4 MiB. */
bool ring3_setup(void);

/* VMCALL with RAX = nr, RDI = rdi at CPL 3; returns RAX as the hypercall left it. */
s64 ring3_vmcall(u64 nr, u64 rdi);

/* How many times ring 3 came back through gate 0x81. */
u32 ring3_calls(void);

#endif
