// SPDX-License-Identifier: GPL-2.0
/* The console's input focus and its switch sequence (pure logic; hv/console_input.c uses it). */
#include "hv/console_focus.h"

void console_focus_init(struct console_focus *f, u32 nr_vms, u32 first)
{
	f->nr_vms = nr_vms;
	f->target = first < nr_vms ? first : nr_vms;
	f->held = 0;
}

bool console_focus_feed(struct console_focus *f, u8 byte, u8 *out, u32 *n)
{
	*n = 0;
	if (byte == CONSOLE_FOCUS_SWITCH_KEY) {
		if (++f->held < CONSOLE_FOCUS_SWITCH_COUNT)
			return false;
		f->held = 0;
		f->target = f->target == f->nr_vms ? 0 : f->target + 1;
		return true;
	}
	/* Not a switch after all: the Ctrl-As held belong to the target, before this byte. */
	while (f->held) {
		out[(*n)++] = CONSOLE_FOCUS_SWITCH_KEY;
		f->held--;
	}
	out[(*n)++] = byte;
	return false;
}
