// SPDX-License-Identifier: GPL-2.0
/* I/O instruction exits: the devices' ports, the debug-exit port, ACPI power-off, reset. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "lib/console.h"
#include "hv/dev/acpi_tables.h"
#include "hv/platform.h"
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

/*
 * The device models' ports: an access whose first port is in [first, last] goes to the range's
 * handlers whole (size 1, 2 or 4; a byte-wide device splits it). A new device adds a line.
 */
struct port_range {
	u16 first, last;
	u32 (*in)(struct vcpu *v, u16 port, u32 size);
	void (*out)(struct vcpu *v, u16 port, u32 size, u32 val);
};

static const struct port_range port_ranges[] = {
	{ VPIC_MASTER_CMD, VPIC_MASTER_DATA, platform_pic_in, platform_pic_out },
	{ VPIC_SLAVE_CMD, VPIC_SLAVE_DATA, platform_pic_in, platform_pic_out },
	{ VPIC_ELCR_MASTER, VPIC_ELCR_SLAVE, platform_pic_in, platform_pic_out },
	{ VPIT_PORT_FIRST, VPIT_PORT_CONTROL, platform_pit_in, platform_pit_out },
	{ VPIT_PORT_B, VPIT_PORT_B, platform_pit_in, platform_pit_out },
	{ VUART_BASE, VUART_BASE + 7, platform_uart_in, platform_uart_out },
};

static const struct port_range *port_range_of(u16 port)
{
	for (u32 i = 0; i < ARRAY_SIZE(port_ranges); i++)
		if (port >= port_ranges[i].first && port <= port_ranges[i].last)
			return &port_ranges[i];
	return NULL;
}

/* The part of a wider access that falls inside the range: the rest of the bytes float high. */
static u32 range_size(const struct port_range *r, u16 port, u32 size)
{
	return MIN(size, (u32)(r->last - port + 1));
}

static enum exit_action port_out(struct vcpu *v, u16 port, u32 size, u32 val)
{
	const struct port_range *r = port_range_of(port);
	struct vm *vm = v->vm;

	if (r) {
		r->out(v, port, range_size(r, port, size), val);
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
	unmodelled_note(&vm->unmodelled, UNMODELLED_OUT, port);
	return EXIT_RESUME;
}

static u32 port_in(struct vcpu *v, u16 port, u32 size)
{
	const struct port_range *r = port_range_of(port);
	u32 ones = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1, n;

	if (PORT_IN(port, size, VRTC_PORT_INDEX, VRTC_PORT_DATA + 1))
		return vrtc_read(&v->vm->rtc, port, size, rdtsc());
	if (PORT_IN(port, size, VPCI_PORT_ADDRESS, VPCI_PORT_END))
		return vpci_read(&v->vm->pci, port, size);
	/* Nothing there: the bus floats high, as on a PC. */
	if (!r) {
		unmodelled_note(&v->vm->unmodelled, UNMODELLED_IN, port);
		return ones;
	}
	n = range_size(r, port, size);
	return (r->in(v, port, n) | (n == 4 ? 0 : ~((1u << (n * 8)) - 1))) & ones;
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
