/* SPDX-License-Identifier: MIT */
/* The local APIC in x2APIC (MSR) or xAPIC (MMIO) mode: IDs, EOI, TPR, IPIs (SDM Vol. 3A, 12). */
#ifndef KESTREL_RT_APIC_H
#define KESTREL_RT_APIC_H

#include <kestrel-rt/types.h>

/* Register offsets in the xAPIC page; in x2APIC mode MSR 0x800 + offset / 16 (SDM Vol. 3A,
 * 12.4.1 table 12-1 and 12.12.1.2 table 12-6). */
#define RT_APIC_ID		0x020
#define RT_APIC_VERSION		0x030
#define RT_APIC_TPR		0x080
#define RT_APIC_PPR		0x0a0
#define RT_APIC_EOI		0x0b0
#define RT_APIC_LDR		0x0d0
#define RT_APIC_DFR		0x0e0	/* xAPIC only */
#define RT_APIC_SVR		0x0f0
#define RT_APIC_ISR		0x100	/* 8 registers, 0x10 apart */
#define RT_APIC_IRR		0x200	/* 8 registers, 0x10 apart */
#define RT_APIC_ESR		0x280
#define RT_APIC_ICR_LO		0x300
#define RT_APIC_ICR_HI		0x310	/* xAPIC only; x2APIC has one 64-bit ICR */
#define RT_APIC_LVT_TIMER	0x320
#define RT_APIC_LVT_LINT0	0x350
#define RT_APIC_LVT_LINT1	0x360
#define RT_APIC_LVT_ERROR	0x370
#define RT_APIC_TIMER_INIT	0x380
#define RT_APIC_TIMER_CUR	0x390
#define RT_APIC_TIMER_DIV	0x3e0
#define RT_APIC_SELF_IPI	0x3f0	/* x2APIC only (SDM Vol. 3A, 12.12.11) */

#define RT_APIC_MMIO_BASE	0xfee00000u
#define RT_APIC_BASE_BSP	(1u << 8)	/* IA32_APIC_BASE (SDM Vol. 3A, 12.4.4) */
#define RT_APIC_BASE_X2APIC	(1u << 10)
#define RT_APIC_BASE_ENABLE	(1u << 11)

/* ICR low word (SDM Vol. 3A, 12.6.1, figure 12-12). */
#define RT_IPI_FIXED		(0u << 8)
#define RT_IPI_NMI		(4u << 8)
#define RT_IPI_INIT		(5u << 8)
#define RT_IPI_SIPI		(6u << 8)
#define RT_IPI_LOGICAL		(1u << 11)
#define RT_IPI_PENDING		(1u << 12)	/* delivery status, xAPIC only */
#define RT_IPI_ASSERT		(1u << 14)
#define RT_IPI_LEVEL		(1u << 15)
#define RT_IPI_SELF		(1u << 18)
#define RT_IPI_ALL		(2u << 18)
#define RT_IPI_ALL_BUT_SELF	(3u << 18)

enum rt_apic_mode {
	RT_APIC_XAPIC,
	RT_APIC_X2APIC,
};

/* True when CPUID.1:ECX[21] says the CPU has x2APIC mode. */
bool rt_apic_x2apic_supported(void);

/*
 * The mode of this CPU's local APIC. At boot the runtime picks x2APIC when the CPU has it,
 * unless the command line says `apic=xapic`; APs started later follow rt_apic_boot_mode().
 * rt_apic_set_mode() changes this CPU only (x2APIC to xAPIC goes through disabled, SDM Vol. 3A,
 * 12.12.5) and sets it up again; it returns false when x2APIC is asked for but absent, or
 * when IA32_APIC_BASE does not read back the mode (a CPU that keeps the APIC disabled until
 * reset, as P6 and Bochs 2.7 do: then this CPU's APIC is off for good). A test
 * switching modes does it on every CPU (rt_smp_call_all) while no IPI is in flight, then
 * calls rt_apic_set_boot_mode() so APs started afterwards agree.
 */
enum rt_apic_mode rt_apic_mode(void);
enum rt_apic_mode rt_apic_boot_mode(void);
void rt_apic_set_boot_mode(enum rt_apic_mode mode);
bool rt_apic_set_mode(enum rt_apic_mode mode);
const char *rt_apic_mode_name(enum rt_apic_mode mode);

u32 rt_apic_read(u32 reg);
void rt_apic_write(u32 reg, u32 value);
void rt_apic_eoi(void);

/* This CPU's APIC ID: 32 bits in x2APIC mode, 8 in xAPIC mode. */
u32 rt_apic_id(void);

/*
 * The logical destination that reaches this CPU alone: in x2APIC mode the read-only LDR
 * (cluster << 16 | 1 << (id & 15), SDM Vol. 3A, 12.12.10.2); in xAPIC mode the flat-model
 * bit 1 << cpu index the runtime programs (only CPUs 0-7 have one; 0 otherwise).
 */
u32 rt_apic_logical_id(void);

void rt_apic_set_tpr(u32 tpr);
u32 rt_apic_tpr(void);

/*
 * Sends an IPI: icr_lo is a vector or'ed with RT_IPI_* bits, dest an APIC ID or logical
 * destination in this CPU's mode's format (ignored with a shorthand). In xAPIC mode it
 * waits for the previous IPI to leave; returns false when the delivery status stays busy.
 */
bool rt_apic_send_ipi(u32 dest, u32 icr_lo);

/* x2APIC only: the SELF IPI register (SDM Vol. 3A, 12.12.11). */
void rt_apic_self_ipi_msr(u8 vector);

#endif
