/* SPDX-License-Identifier: GPL-2.0 */
/* What Kestrel reads from ACPI: CPUs (MADT), PM timer and RTC (FADT). ACPI 6.5, ch. 5. */
#ifndef KESTREL_ARCH_X86_ACPI_H
#define KESTREL_ARCH_X86_ACPI_H

#include "lib/cpuset.h"
#include "lib/types.h"

#define ACPI_MAX_CPUS CPUSET_MAX /* every CPU Kestrel can start */

struct acpi_cpu {
	u32 apic_id;
	u32 uid;
	bool enabled; /* usable now; not merely "online capable" */
};

struct acpi_info {
	u8 rsdp_revision;
	char oem_id[7];
	bool have_madt;
	u64 lapic_phys;
	bool has_8259; /* MADT flags.PCAT_COMPAT */
	u32 nr_cpus; /* entries in cpu[], enabled or not */
	u32 nr_cpus_dropped; /* beyond ACPI_MAX_CPUS */
	struct acpi_cpu cpu[ACPI_MAX_CPUS];
	bool have_fadt;
	u16 pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	u8 rtc_century; /* the CMOS index of the RTC's century byte (0: none) */
	bool no_cmos_rtc; /* IAPC_BOOT_ARCH: no CMOS RTC at ports 0x70-0x71 */
};

/* Reads len bytes of physical memory at phys, or returns NULL if that cannot be done. */
typedef const void *(*acpi_map_fn)(u64 phys, size_t len);

enum acpi_error {
	ACPI_OK = 0,
	ACPI_E_NO_RSDP,
	ACPI_E_RSDP_SIGNATURE,
	ACPI_E_RSDP_CHECKSUM,
	ACPI_E_ROOT_UNMAPPED,
	ACPI_E_ROOT_SIGNATURE,
	ACPI_E_ROOT_LENGTH,
	ACPI_E_ROOT_CHECKSUM,
};

/*
 * Finds and parses the MADT and FADT from the RSDP (a copy of it, as the
 * multiboot2 ACPI tags carry, of rsdp_len bytes). Tables are reached with
 * map; a table whose length or checksum is wrong is skipped, not trusted.
 */
enum acpi_error acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
			   struct acpi_info *out);
const char *acpi_strerror(enum acpi_error e);

/* Parses one MADT (its whole bytes); exposed for the unit tests. Returns false if malformed. */
bool acpi_parse_madt(const u8 *madt, u32 len, struct acpi_info *out);

#endif
