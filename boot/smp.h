/* SPDX-License-Identifier: GPL-2.0 */
/* Starting the application processors (SDM Vol. 3A, 10.4: the MP initialization protocol). */
#ifndef KESTREL_BOOT_SMP_H
#define KESTREL_BOOT_SMP_H

#include "lib/types.h"

struct acpi_info;
struct percpu;

/* Loads the bootstrap CPU's tables (static ones: this runs first of all). */
struct percpu *smp_init_bsp(void);
/*
 * Starts every enabled CPU of the MADT (at most maxcpus in all, 0 = no limit),
 * one at a time; each runs ap_main(cpu). Returns how many answered.
 */
u32 smp_boot_aps(const struct acpi_info *acpi, u32 maxcpus, void (*ap_main)(struct percpu *));

#endif
