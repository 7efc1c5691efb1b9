/* SPDX-License-Identifier: GPL-2.0 */
/* The ACPI tables a VM sees: an RSDP, an XSDT and a MADT listing its vCPUs (ACPI 6.5, ch. 5). */
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
 * Builds the tables for nr_vcpus vCPUs (APIC IDs 0 to nr_vcpus - 1, all enabled) in buf, which
 * the guest sees at ACPI_TABLES_GPA; the RSDP comes first. Returns the bytes used, or -ENOSPC
 * when they do not fit in size.
 */
s64 acpi_tables_build(u8 *buf, size_t size, u32 nr_vcpus);

#endif
