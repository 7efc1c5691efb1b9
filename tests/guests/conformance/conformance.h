/* SPDX-License-Identifier: GPL-2.0 */
/* The conformance guest's shared helpers: #GP-catching MSR access, CPUID bits, its tests. */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <kestrel-rt/rt.h>

/*
 * RDMSR and WRMSR that take a #GP instead of failing the run: true when the access faulted
 * (then *val is 0 for a read). The #GP gate points at a stub of the guest's own only for the
 * instruction's duration.
 */
bool msr_read_gp(u32 msr, u64 *val);
bool msr_write_gp(u32 msr, u64 val);

/* Bit b of a CPUID register, 0 when the leaf is past the processor's maximum. */
bool cpuid_bit(u32 leaf, u32 sub, char reg, u32 b);

/* The tests, one per `mode=` word. */
void test_msrs_promised(void);
void test_misc_enable(void);
void test_mca(void);
void test_apic_disable(void);
void test_apic_timer(void);

#endif
