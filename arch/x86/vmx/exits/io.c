// SPDX-License-Identifier: GPL-2.0
/* I/O instruction exits: UART, RTC, PCI config, debug exit, ACPI power-off, reset; rest absent. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "lib/console.h"
#include "hv/dev/acpi_tables.h"
#include "hv/vcpu.h"

/* Exit qualification for I/O, SDM Vol. 3C, 29.2.1, table 29-5. */
#define IO_SIZE(q) (((q) & 7) + 1)
#define IO_IN(q) ((q) & BIT(3))
#define IO_STRING(q) ((q) & BIT(4))
#define IO_PORT(q) ((u16)((q) >> 16))

#define PORT_DEBUG_EXIT 0xf4 /* as QEMU's isa-debug-exit */
#define PORT_RESET_CONTROL 0xcf9 /* bit 2: reset (PIIX/ICH reset control register) */
#define PORT_KBC_COMMAND 0x64 /* command 0xfe pulses the reset line */
#define PORT_IN(port, size, first, end) ((port) < (end) && (port) + (size) > (first))

static enum exit_action port_out(struct vcpu *v, u16 port, u32 size, u32 val)
{
	struct vm *vm = v->vm;

	if (port >= VUART_BASE && port < VUART_BASE + 8) {
		vuart_write(&vm->uart, port - VUART_BASE, (u8)val);
		return EXIT_RESUME;
	}
	if (port == PORT_DEBUG_EXIT) {
		vm_stop(vm, (s32)val, "vcpu %u wrote %#x to the debug-exit port", v->id, val);
		return EXIT_STOP_VM;
	}
	if (port == ACPI_SLEEP_CONTROL_PORT && size == 1 && (val & ACPI_SLEEP_ENABLE) &&
	    ACPI_SLEEP_TYPE(val) == ACPI_S5_TYPE) {
		/* S5, soft off (ACPI 6.5, 7.4.2): the guest asked to power off. */
		vm_stop(vm, 0, "vcpu %u powered the VM off (ACPI S5)", v->id);
		return EXIT_STOP_VM;
	}
	if ((port == PORT_RESET_CONTROL && size == 1 && (val & 4)) ||
	    (port == PORT_KBC_COMMAND && size == 1 && (val & 0xff) == 0xfe)) {
		vm_reset(vm, "vcpu %u wrote %#x to port %#x", v->id, val, port);
		return EXIT_YIELD;
	}
	if (PORT_IN(port, size, VRTC_PORT_INDEX, VRTC_PORT_DATA + 1)) {
		vrtc_write(&vm->rtc, port, size, val, rdtsc());
		return EXIT_RESUME;
	}
	if (PORT_IN(port, size, VPCI_PORT_ADDRESS, VPCI_PORT_END)) {
		vpci_write(&vm->pci, port, size, val);
		return EXIT_RESUME;
	}
	pr_debug("vm %s vcpu %u: out %#x to unemulated port %#x ignored", vm->name, v->id, val,
		 port);
	return EXIT_RESUME;
}

static u32 port_in(struct vcpu *v, u16 port, u32 size)
{
	if (port >= VUART_BASE && port < VUART_BASE + 8)
		return vuart_read(&v->vm->uart, port - VUART_BASE);
	if (PORT_IN(port, size, VRTC_PORT_INDEX, VRTC_PORT_DATA + 1))
		return vrtc_read(&v->vm->rtc, port, size, rdtsc());
	if (PORT_IN(port, size, VPCI_PORT_ADDRESS, VPCI_PORT_END))
		return vpci_read(&v->vm->pci, port, size);
	/* Nothing there: the bus floats high, as on a PC. */
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

enum exit_action exit_io(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	u32 size = IO_SIZE(q);
	u16 port = IO_PORT(q);
	enum exit_action act = EXIT_RESUME;

	if (IO_STRING(q)) {
		vm_stop(v->vm, -1, "vcpu %u: string I/O (INS/OUTS) on port %#x is not emulated",
			v->id, port);
		return EXIT_STOP_VM;
	}
	if (IO_IN(q)) {
		u32 val = port_in(v, port, size);
		u64 *rax = &v->regs.gpr[GPR_RAX];

		/* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends, SDM Vol. 2A, IN. */
		if (size == 4)
			*rax = val;
		else
			*rax = (*rax & ~((1ULL << (size * 8)) - 1)) | val;

	} else {
		u32 mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

		act = port_out(v, port, size, (u32)v->regs.gpr[GPR_RAX] & mask);
	}
	if (act == EXIT_RESUME)
		exit_skip_instruction(v);
	return act;
}
