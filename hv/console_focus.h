/* SPDX-License-Identifier: GPL-2.0 */
/* Who gets the bytes typed at Kestrel's console: one VM or Kestrel, switched by Ctrl-A x3. */
#ifndef KESTREL_HV_CONSOLE_FOCUS_H
#define KESTREL_HV_CONSOLE_FOCUS_H

#include "lib/types.h"

#define CONSOLE_FOCUS_SWITCH_KEY 0x01 /* Ctrl-A, as Xen's console switch */
#define CONSOLE_FOCUS_SWITCH_COUNT 3 /* pressed this many times in a row */
#define CONSOLE_FOCUS_OUT_MAX CONSOLE_FOCUS_SWITCH_COUNT /* bytes one call may hand on */

/*
 * Targets 0 to nr_vms - 1 are the VMs in the order they were created; nr_vms is Kestrel itself.
 * Ctrl-A bytes are held back while they may be the start of the switch sequence: a third one
 * switches (and none of them is delivered), any other byte first hands on the ones held.
 */
struct console_focus {
	u32 nr_vms;
	u32 target;
	u32 held; /* Ctrl-As seen in a row, not yet handed on */
};

/* Focus on target first (Kestrel's, nr_vms, when there is no VM or first is out of range). */
void console_focus_init(struct console_focus *f, u32 nr_vms, u32 first);
/*
 * Takes one byte typed at the console. Fills out[0..*n) with the bytes for the target that has
 * the focus (at most CONSOLE_FOCUS_OUT_MAX) and returns true when the byte switched the focus
 * to the next target (f->target; after the last VM comes Kestrel, then the first VM).
 */
bool console_focus_feed(struct console_focus *f, u8 byte, u8 *out, u32 *n);
/* Whether the focus is on Kestrel itself (its bytes then go to no VM). */
static inline bool console_focus_is_kestrel(const struct console_focus *f)
{
	return f->target == f->nr_vms;
}

#endif
