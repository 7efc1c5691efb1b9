/* SPDX-License-Identifier: GPL-2.0 */
/* What is typed at Kestrel's serial console: read without waiting, handed to the focused VM. */
#ifndef KESTREL_HV_CONSOLE_INPUT_H
#define KESTREL_HV_CONSOLE_INPUT_H

#include "arch/x86/cpu.h"
#include "lib/types.h"

/* How often an idle pCPU 0 looks at the serial port, and how soon again after a byte. */
#define CONSOLE_INPUT_POLL_US 10000
#define CONSOLE_INPUT_BURST_US 50

/*
 * With every VM created: the focus goes to the first VM whose line says console=on, else the
 * first VM (Kestrel's own when there is none), and a line says so. What is typed while Kestrel
 * has the focus is ignored: it has no console commands yet.
 */
void console_input_init(void);
/*
 * From pCPU 0's scheduler loop, between runs: when now is past the time it asked for, reads
 * what the serial port holds (a bounded number of bytes, never waiting) and delivers it to the
 * VM with the focus: into its UART's receive FIFO, raising IRQ 4 as the guest enabled it. A byte
 * for a full FIFO or a stopped VM is dropped and counted. Returns the TSC to look again, or 0
 * when there is nothing to look at (no VM, or no serial console).
 */
u64 console_input_poll(u64 now);

extern u64 console_input_next; /* the TSC console_input_poll asked to be called again at */

/* Between exits on pCPU 0: polls when due (a TSC read and a compare otherwise). */
static inline void console_input_step(void)
{
	u64 now = rdtsc();

	if ((s64)(now - READ_ONCE(console_input_next)) >= 0)
		console_input_poll(now);
}

#endif
