/* SPDX-License-Identifier: GPL-2.0 */
/* The local APIC, in x2APIC mode when the CPU has it and xAPIC otherwise (SDM Vol. 3A, ch. 12). */
#ifndef KESTREL_ARCH_X86_LAPIC_H
#define KESTREL_ARCH_X86_LAPIC_H

#include "lib/types.h"

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16 (11.12.1.2). */
#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

/* ICR fields, figure 11-12. */
#define ICR_FIXED (0u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING BIT(12)
#define ICR_LEVEL_ASSERT BIT(14)
#define ICR_TRIGGER_LEVEL BIT(15)
#define ICR_DEST_ALL_BUT_SELF (3u << 18)

#define LVT_MASKED BIT(16)
#define LVT_TIMER_ONESHOT (0u << 17)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

/* Chooses the mode once, on the bootstrap CPU; returns false when there is no local APIC. */
bool lapic_setup_bsp(void);
/* Enables this CPU's local APIC in the chosen mode. */
void lapic_init_cpu(void);
bool lapic_is_x2apic(void);
u32 lapic_id(void);
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
void lapic_eoi(void);
/* Sends an IPI and waits (bounded) until the APIC has taken it. Returns false on time-out. */
bool lapic_send_ipi(u32 apic_id, u32 icr_lo);
/* NMI to every other CPU (the panic path). */
void lapic_stop_others(void);

#endif
