/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's PCI configuration space: mechanism #1 (0xcf8-0xcff) and ECAM; a host bridge at 00:00.0. */
#ifndef KESTREL_HV_DEV_VPCI_H
#define KESTREL_HV_DEV_VPCI_H

#include "lib/types.h"

#define VPCI_PORT_ADDRESS 0xcf8 /* CONFIG_ADDRESS: dword accesses only */
#define VPCI_PORT_DATA 0xcfc /* CONFIG_DATA: 0xcfc-0xcff, any width at any offset */
#define VPCI_PORT_END 0xd00
#define VPCI_ENABLE 0x80000000u /* CONFIG_ADDRESS bit 31 */

/*
 * The ECAM window of bus 0 (PCI Express Base 6.0, 7.2.2: 32 devices of 8 functions of 4 KiB),
 * named by the MCFG (PCI Firmware 3.2, 4.1.2). Below the I/O APIC, above the RAM of any VM of
 * up to 4064 MiB; a VM whose RAM reaches it has no MCFG and configures PCI by ports alone.
 */
#define VPCI_ECAM_BASE 0xfe000000ull
#define VPCI_ECAM_SIZE 0x100000u

/*
 * The host bridge's IDs: Red Hat's 1b36:0008, the generic host bridge QEMU gives its virtual
 * machines. It is a bridge with no chipset behind it to program, so Linux has no quirk and no
 * driver for it (drivers/pci/quirks.c names no Red Hat device), where a real chipset's IDs
 * (Intel's 440FX 8086:1237, say) would bring quirks written for hardware Kestrel does not have.
 */
#define VPCI_HOST_VENDOR 0x1b36
#define VPCI_HOST_DEVICE 0x0008
#define VPCI_CLASS_HOST_BRIDGE 0x060000 /* base class 06 bridge, subclass 00 host, prog-if 00 */

/*
 * No lock: every value is masked where it is used, so vCPUs racing on the address register
 * (which Linux serialises with a lock of its own) get one of the answers hardware could give.
 */
struct vpci {
	u32 address; /* CONFIG_ADDRESS as written, reserved bits clear */
	u8 host_bridge[256]; /* 00:00.0's configuration space */
	u64 accesses; /* statistics: INs and OUTs at 0xcf8-0xcff, and ECAM accesses */
	u64 ecam_base; /* where the ECAM window is, 0 for none (set when the VM is created) */
};

/* Power-on state; ecam_base is kept (p zeroed at first). */
void vpci_init(struct vpci *p);
/* An IN or OUT of size bytes at port, within 0xcf8-0xcff; other ports' bytes read all ones. */
u32 vpci_read(struct vpci *p, u16 port, u32 size);
void vpci_write(struct vpci *p, u16 port, u32 size, u32 val);
/*
 * A load or store of size bytes (1, 2, 4 or 8; another size reads all ones and writes nothing)
 * at offset in the ECAM window. A byte of no function, or past a PCI function's 256, reads all
 * ones and is not written.
 */
u64 vpci_ecam_read(struct vpci *p, u32 offset, u32 size);
void vpci_ecam_write(struct vpci *p, u32 offset, u32 size, u64 val);

#endif
