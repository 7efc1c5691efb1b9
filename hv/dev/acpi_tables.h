/* SPDX-License-Identifier: GPL-2.0 */
/* The ACPI tables a VM sees: RSDP, XSDT, FADT, DSDT, MADT and MCFG (ACPI 6.5, PCI Firmware 3.2). */
#ifndef KESTREL_HV_DEV_ACPI_TABLES_H
#define KESTREL_HV_DEV_ACPI_TABLES_H

#include "lib/types.h"

/*
 * Where the guest finds them: the RSDP at the start of the BIOS area, 16-byte aligned, where an
 * OS without a boot-loader tag scans for it (ACPI 6.5, 5.2.5.1); the region is reserved in the
 * guest's memory map. It holds a MADT of up to ACPI_TABLES_MAX_VCPUS entries.
 */
#define ACPI_TABLES_GPA 0xe0000u
#define ACPI_TABLES_SIZE 0x20000u
#define ACPI_RSDP_LEN 36u
#define ACPI_TABLES_MAX_VCPUS 8000u

/*
 * A VM is a hardware-reduced ACPI platform (ACPI 6.5, 4.1): no SCI, no PM1 blocks, no PM timer,
 * no fixed buttons. The FADT names two I/O registers instead (4.8.3.7, 4.8.3.8): writing
 * SLP_EN with the sleep type of \_S5 to the sleep control register powers the VM off, which
 * ends it with status 0 as the debug-exit port does. Reset is the FADT's RESET_REG, port 0xcf9.
 */
#define ACPI_SLEEP_CONTROL_PORT 0x600
#define ACPI_SLEEP_STATUS_PORT 0x601
#define ACPI_SLEEP_TYPE(v) (((v) >> 2) & 7) /* SLP_TYPx, 4.8.3.7 */
#define ACPI_SLEEP_ENABLE 0x20 /* SLP_EN */
#define ACPI_S5_TYPE 5 /* the value of \_S5 in the DSDT */
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06

#define ACPI_ECAM_SIZE 0x100000u /* the MCFG's window: bus 0 alone */

/*
 * Builds the tables for nr_vcpus vCPUs (APIC IDs 0 to nr_vcpus - 1, all enabled) in buf, which
 * the guest sees at ACPI_TABLES_GPA; the RSDP comes first. With ecam_base (below 4 GiB, not 0),
 * an MCFG names the ECAM window of bus 0 there and the DSDT reserves it. Returns the bytes
 * used, or -ENOSPC when they do not fit in size.
 */
s64 acpi_tables_build(u8 *buf, size_t size, u32 nr_vcpus, u64 ecam_base);

#endif
