// SPDX-License-Identifier: GPL-2.0
/* A VM's PCI configuration mechanism #1 (ports 0xcf8-0xcff) with one host bridge at 00:00.0. */
#include "hv/dev/vpci.h"
#include "lib/atomic.h"
#include "lib/string.h"

/*
 * PCI Local Bus Specification 3.0, 3.2.2.3.2: CONFIG_ADDRESS is the dword at 0xcf8 (bit 31
 * enable, 23-16 bus, 15-11 device, 10-8 function, 7-2 register; 30-24 and 1-0 reserved, read as
 * 0); byte and word accesses to 0xcf8-0xcfb are not CONFIG_ADDRESS but ordinary I/O (here
 * nothing: all ones; 0xcf9 is the reset control register, which the I/O exit answers first).
 * CONFIG_DATA is 0xcfc-0xcff: with the enable bit set, an access of any width at any of those
 * offsets reaches the register's matching bytes of the addressed function; with it clear, it is
 * ordinary I/O too.
 */
#define ADDRESS_MASK 0x80fffffcu
#define ADDRESS_BUS(a) (((a) >> 16) & 0xff)
#define ADDRESS_DEVFN(a) (((a) >> 8) & 0xff)
#define ADDRESS_REGISTER(a) ((a) & 0xfc)

/* Type 0 header fields, PCI 3.0, 6.1 (figure 6-1) and 6.2. */
#define CFG_VENDOR 0x00
#define CFG_DEVICE 0x02
#define CFG_COMMAND 0x04
#define CFG_REVISION 0x08
#define CFG_CLASS 0x09 /* prog-if, subclass, base class */
#define CFG_CACHE_LINE 0x0c
#define CFG_LATENCY 0x0d
#define CFG_HEADER_TYPE 0x0e
#define CFG_INTERRUPT_LINE 0x3c
/*
 * The command bits software may set (6.2.2): I/O space, memory space, bus master, parity error
 * response, SERR# enable, interrupt disable. Nothing behind the bridge acts on them; they are
 * kept as a driver would expect. Everything else but the cache line size, the latency timer and
 * the interrupt line (a scratch byte for software, 6.2.4) is read-only: the status register
 * reports nothing (no capabilities, no errors), BARs are not implemented and read 0.
 */
#define COMMAND_WRITABLE 0x0547

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

void vpci_init(struct vpci *p)
{
	u8 *c = p->host_bridge;
	u64 ecam_base = p->ecam_base; /* the VM's layout: a reset keeps it */

	memset(p, 0, sizeof(*p));
	p->ecam_base = ecam_base;
	put16(c + CFG_VENDOR, VPCI_HOST_VENDOR);
	put16(c + CFG_DEVICE, VPCI_HOST_DEVICE);
	c[CFG_REVISION] = 0;
	c[CFG_CLASS] = (u8)VPCI_CLASS_HOST_BRIDGE;
	c[CFG_CLASS + 1] = (u8)(VPCI_CLASS_HOST_BRIDGE >> 8);
	c[CFG_CLASS + 2] = (u8)(VPCI_CLASS_HOST_BRIDGE >> 16);
	c[CFG_HEADER_TYPE] = 0; /* type 0, one function */
}

/* The bits of byte reg of the host bridge that software may write. */
static u8 writable(u32 reg)
{
	switch (reg) {
	case CFG_COMMAND:
		return (u8)COMMAND_WRITABLE;
	case CFG_COMMAND + 1:
		return (u8)(COMMAND_WRITABLE >> 8);
	case CFG_CACHE_LINE:
	case CFG_LATENCY:
	case CFG_INTERRUPT_LINE:
		return 0xff;
	default:
		return 0;
	}
}

/* The configuration byte at reg of the function CONFIG_ADDRESS names, or NULL if none. */
static u8 *function_byte(struct vpci *p, u32 address, u32 reg)
{
	if (ADDRESS_BUS(address) || ADDRESS_DEVFN(address))
		return NULL; /* no device: a master abort, all ones */
	return &p->host_bridge[ADDRESS_REGISTER(address) + reg];
}

static u8 read_byte(struct vpci *p, u32 address, u16 port)
{
	u8 *b;

	if (port < VPCI_PORT_DATA || port >= VPCI_PORT_END || !(address & VPCI_ENABLE))
		return 0xff;
	b = function_byte(p, address, port - VPCI_PORT_DATA);
	return b ? *b : 0xff;
}

static void write_byte(struct vpci *p, u32 address, u16 port, u8 v)
{
	u32 reg = ADDRESS_REGISTER(address) + (port - VPCI_PORT_DATA);
	u8 *b, m;

	if (port < VPCI_PORT_DATA || port >= VPCI_PORT_END || !(address & VPCI_ENABLE))
		return;
	b = function_byte(p, address, port - VPCI_PORT_DATA);
	if (!b)
		return;
	m = writable(reg);
	*b = (u8)((*b & ~m) | (v & m));
}

u32 vpci_read(struct vpci *p, u16 port, u32 size)
{
	u32 address = READ_ONCE(p->address), val = 0;

	atomic_add(&p->accesses, 1);
	if (port == VPCI_PORT_ADDRESS && size == 4)
		return address;
	for (u32 i = 0; i < size && i < 4; i++)
		val |= (u32)read_byte(p, address, (u16)(port + i)) << (8 * i);
	return val;
}

void vpci_write(struct vpci *p, u16 port, u32 size, u32 val)
{
	u32 address = READ_ONCE(p->address);

	atomic_add(&p->accesses, 1);
	if (port == VPCI_PORT_ADDRESS && size == 4) {
		WRITE_ONCE(p->address, val & ADDRESS_MASK);
		return;
	}
	for (u32 i = 0; i < size && i < 4; i++)
		write_byte(p, address, (u16)(port + i), (u8)(val >> (8 * i)));
}

/* ECAM offset bits 19:12 are the device and function, 11:0 the register (bus 0 alone). */
#define ECAM_DEVFN(off) (((off) >> 12) & 0xff)
#define ECAM_REG(off) ((off) & 0xfff)
#define PCI_FUNCTION_SPACE 256 /* a conventional PCI function's; the rest of 4 KiB is PCIe's */

static u8 *ecam_byte(struct vpci *p, u32 offset)
{
	if (offset >= VPCI_ECAM_SIZE || ECAM_DEVFN(offset) || ECAM_REG(offset) >= PCI_FUNCTION_SPACE)
		return NULL;
	return &p->host_bridge[ECAM_REG(offset)];
}

static bool ecam_width(u32 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

u64 vpci_ecam_read(struct vpci *p, u32 offset, u32 size)
{
	u64 val = 0;

	atomic_add(&p->accesses, 1);
	if (!ecam_width(size))
		return size < 8 ? (1ull << (8 * size)) - 1 : ~0ull;
	for (u32 i = 0; i < size; i++) {
		u8 *b = offset + i >= offset ? ecam_byte(p, offset + i) : NULL;

		val |= (u64)(b ? *b : 0xff) << (8 * i);
	}
	return val;
}

void vpci_ecam_write(struct vpci *p, u32 offset, u32 size, u64 val)
{
	atomic_add(&p->accesses, 1);
	if (!ecam_width(size))
		return;
	for (u32 i = 0; i < size; i++) {
		u8 *b = offset + i >= offset ? ecam_byte(p, offset + i) : NULL;
		u8 m;

		if (!b)
			continue;
		m = writable(ECAM_REG(offset + i));
		*b = (u8)((*b & ~m) | ((u8)(val >> (8 * i)) & m));
	}
}
