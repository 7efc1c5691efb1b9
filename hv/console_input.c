// SPDX-License-Identifier: GPL-2.0
/*
 * Console input: bytes typed at Kestrel's serial console go to one VM's UART, the focus
 * (hv/console_focus.c), which Ctrl-A three times moves on to the next VM, then to Kestrel.
 */
#include "hv/console_input.h"
#include "arch/x86/timer.h"
#include "hv/console_focus.h"
#include "hv/console_sinks.h"
#include "hv/platform.h"
#include "hv/vmconfig.h"
#include "hv/vm.h"
#include "lib/console.h"

/* Bytes taken in one call: a 16550's FIFO, so a pCPU is never held long. */
#define CONSOLE_INPUT_BATCH 16

static struct console_focus focus; /* pCPU 0's alone */
u64 console_input_next;
static bool active; /* a VM and a serial port to read from */

static void say_focus(void)
{
	if (console_focus_is_kestrel(&focus))
		pr_info("console input goes to Kestrel (Ctrl-A three times: the next VM)");
	else
		pr_info("console input goes to vm %s (Ctrl-A three times: the next%s)",
			vms[focus.target]->name, focus.target + 1 < nr_vms ? " VM" : ", Kestrel");
}

void console_input_init(void)
{
	u32 first = 0;

	for (u32 i = 0; i < nr_vms; i++) {
		if (vms[i]->config->console) {
			first = i;
			break;
		}
	}
	console_focus_init(&focus, nr_vms, first);
	active = nr_vms && console_sinks_can_read();
	if (active)
		say_focus();
}

/* A byte for vm: into its receive FIFO and onto IRQ 4, or dropped and counted. */
static void deliver(struct vm *vm, u8 byte)
{
	if (READ_ONCE(vm->state) != VM_RUNNING || !vuart_receive(&vm->uart, byte)) {
		vm->console_in_dropped++;
		return;
	}
	vm->console_in++;
	platform_uart_sync(vm);
}

u64 console_input_poll(u64 now)
{
	u32 taken = 0;
	u8 byte;

	if (!active) {
		console_input_next = UINT64_MAX >> 1; /* never due for console_input_step */
		return 0;
	}
	if ((s64)(now - console_input_next) < 0)
		return console_input_next;
	while (taken < CONSOLE_INPUT_BATCH && console_sinks_read(&byte)) {
		u8 out[CONSOLE_FOCUS_OUT_MAX];
		u32 n;

		taken++;
		if (console_focus_feed(&focus, byte, out, &n))
			say_focus();
		/* Kestrel has no console commands yet: what it is given is ignored. */
		for (u32 i = 0; i < n && !console_focus_is_kestrel(&focus); i++)
			deliver(vms[focus.target], out[i]);
	}
	/* Typing comes in bursts (a line, a paste): after a byte, look again soon. */
	console_input_next = now + timer_us_to_tsc(taken ? CONSOLE_INPUT_BURST_US :
							     CONSOLE_INPUT_POLL_US);
	return console_input_next;
}
