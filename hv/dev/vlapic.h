/* SPDX-License-Identifier: GPL-2.0 */
/* The virtual local APIC of one vCPU: registers, priorities, IPI requests, the TSC-time timer. */
#ifndef KESTREL_HV_DEV_VLAPIC_H
#define KESTREL_HV_DEV_VLAPIC_H

#include "lib/types.h"

/*
 * Pure logic: no VMX, no hardware. The caller serialises the calls for one vCPU, passes the TSC
 * time `now` where time matters, and routes IPIs between vCPUs. All references: SDM Vol. 3A ch. 12.
 */

/* MSRs: IA32_APIC_BASE (11.4.4), IA32_TSC_DEADLINE (11.5.4.1), the x2APIC range (11.12.1.2). */
#define VLAPIC_MSR_APIC_BASE 0x1b
#define VLAPIC_MSR_TSC_DEADLINE 0x6e0
#define VLAPIC_MSR_X2APIC_FIRST 0x800
#define VLAPIC_MSR_X2APIC_LAST 0x8ff

/* IA32_APIC_BASE fields, figure 11-5 and 11.12.1. */
#define VLAPIC_BASE_BSP BIT(8)
#define VLAPIC_BASE_EXTD BIT(10)
#define VLAPIC_BASE_EN BIT(11)
#define VLAPIC_BASE_ADDR 0xfee00000ull

/* Version 0x14, max LVT entry 5: timer, thermal, perf, LINT0, LINT1, error (11.4.8). */
#define VLAPIC_VERSION 0x00050014u

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16 (tables 11-1, 11-6). */
#define VLAPIC_REG_ID 0x020
#define VLAPIC_REG_VERSION 0x030
#define VLAPIC_REG_TPR 0x080
#define VLAPIC_REG_APR 0x090
#define VLAPIC_REG_PPR 0x0a0
#define VLAPIC_REG_EOI 0x0b0
#define VLAPIC_REG_RRD 0x0c0
#define VLAPIC_REG_LDR 0x0d0
#define VLAPIC_REG_DFR 0x0e0
#define VLAPIC_REG_SVR 0x0f0
#define VLAPIC_REG_ISR 0x100 /* 8 registers, 16 bytes apart, vectors 32*i..32*i+31 */
#define VLAPIC_REG_TMR 0x180
#define VLAPIC_REG_IRR 0x200
#define VLAPIC_REG_ESR 0x280
#define VLAPIC_REG_ICR_LO 0x300 /* x2APIC: the whole 64-bit ICR at MSR 0x830 */
#define VLAPIC_REG_ICR_HI 0x310 /* xAPIC only */
#define VLAPIC_REG_LVT_TIMER 0x320
#define VLAPIC_REG_LVT_THERMAL 0x330
#define VLAPIC_REG_LVT_PERF 0x340
#define VLAPIC_REG_LVT_LINT0 0x350
#define VLAPIC_REG_LVT_LINT1 0x360
#define VLAPIC_REG_LVT_ERROR 0x370
#define VLAPIC_REG_TIMER_INITIAL 0x380
#define VLAPIC_REG_TIMER_CURRENT 0x390
#define VLAPIC_REG_TIMER_DIVIDE 0x3e0
#define VLAPIC_REG_SELF_IPI 0x3f0 /* x2APIC only, write-only (11.12.11) */

#define VLAPIC_NR_LVT 6

/* SVR (11.9), LVT (figure 11-8), ESR (11.5.3) bits. */
#define VLAPIC_SVR_ENABLE BIT(8)
#define VLAPIC_LVT_MASKED BIT(16)
#define VLAPIC_TIMER_ONESHOT (0u << 17)
#define VLAPIC_TIMER_PERIODIC (1u << 17)
#define VLAPIC_TIMER_TSC_DEADLINE (2u << 17)
#define VLAPIC_ESR_SEND_ILLEGAL BIT(5)
#define VLAPIC_ESR_RECV_ILLEGAL BIT(6)
#define VLAPIC_ESR_ILLEGAL_REG BIT(7)

/* The timer rate limits tsc_per_tick so that a full count at divide-by-128 fits in 63 bits. */
#define VLAPIC_MAX_TSC_PER_TICK (1u << 24)

/* What an access asks of the caller: flags, 0 when nothing. */
#define VLAPIC_R_GP (1u << 0) /* inject #GP(0); the access changed nothing */
#define VLAPIC_R_NOT_APIC (1u << 1) /* MMIO while not in xAPIC mode: not an APIC access */
#define VLAPIC_R_IPI (1u << 2) /* *ipi is filled in: route it */
#define VLAPIC_R_TIMER (1u << 3) /* the timer was armed, re-armed or disarmed: see timer_next */
#define VLAPIC_R_EOI (1u << 4) /* the highest in-service vector was retired */
#define VLAPIC_R_IRQ (1u << 5) /* vlapic_pending() may answer differently now */
#define VLAPIC_R_MODE (1u << 6) /* disabled/xAPIC/x2APIC changed: redo MMIO and MSR intercepts */
/* The retired vector was level-triggered (TMR set): tell the I/O APIC, level_eoi_vector. */
#define VLAPIC_R_EOI_LEVEL (1u << 7)

enum vlapic_mode {
	VLAPIC_MODE_DISABLED,
	VLAPIC_MODE_XAPIC,
	VLAPIC_MODE_X2APIC,
};

/* ICR delivery modes as encoded in bits 10:8 (11.6.1); SMI and the reserved ones never get here. */
enum vlapic_dm {
	VLAPIC_DM_FIXED = 0,
	VLAPIC_DM_LOWEST = 1,
	VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5,
	VLAPIC_DM_STARTUP = 6,
};

/* ICR destination shorthand, bits 19:18 (11.6.1). */
enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL = 2,
	VLAPIC_SH_OTHERS = 3,
};

/* An IPI the guest sent by writing its ICR, for the hypervisor to route. */
struct vlapic_ipi {
	enum vlapic_dm mode;
	enum vlapic_shorthand shorthand;
	u8 vector; /* FIXED, LOWEST: the vector; STARTUP: start page (CS:IP = vector << 8 : 0) */
	bool logical; /* destination mode bit 11 */
	bool x2apic; /* sent in x2APIC mode: dest is 32 bits, else 8 */
	u32 dest; /* meaningful with VLAPIC_SH_NONE */
};

struct vlapic {
	u32 id; /* the x2APIC ID; the xAPIC ID is its low 8 bits */
	u32 tsc_per_tick; /* TSC ticks per timer count at divide-by-1 */
	u64 apic_base;
	u32 tpr, ldr, dfr, svr;
	u32 esr; /* what reads return: the errors latched by the last ESR write */
	u32 esr_pending; /* errors since that write */
	u32 isr[8], tmr[8], irr[8];
	u8 isr_words, irr_words, tmr_words; /* bit i: isr[i] / irr[i] / tmr[i] is not 0 */
	u64 icr; /* xAPIC: low register in 31:0, high in 63:32 */
	u32 lvt[VLAPIC_NR_LVT]; /* in register order, timer first */
	u32 timer_initial, timer_divide;
	u64 timer_unit; /* TSC ticks per count of the countdown under way */
	u64 min_period; /* a periodic timer's shortest period in TSC ticks (vlapic_set_min_period) */
	u64 timer_expiry; /* TSC time of the next expiry, or the armed deadline; 0: not armed */
	u8 level_eoi_vector; /* the last level-triggered vector an EOI retired */
};

/* Clears vector vec in one of the 256-bit registers and its word's bit in the summary words. */
static inline void vlapic_summarised_clear(u32 reg[8], u8 *words, u8 vec)
{
	reg[vec / 32] &= ~(1u << (vec % 32));
	if (!reg[vec / 32])
		*words &= (u8)~(1u << (vec / 32));
}


/*
 * A periodic timer repeats no faster than this: a guest asking for a shorter period (an
 * initial count of 1 is a 1-tick period) would otherwise make its pCPU exit for the timer
 * without end. KVM clamps to 200 us by default; Kestrel does the same.
 */
#define VLAPIC_MIN_PERIOD_US 200

/* Power-on: ID = vcpu_index, xAPIC mode, BSP for vCPU 0. -EINVAL: tsc_per_tick out of range. */
int vlapic_init(struct vlapic *v, u32 vcpu_index, u32 tsc_per_tick);
/* The shortest period of a periodic timer, in TSC ticks (0: none); kept across resets. */
void vlapic_set_min_period(struct vlapic *v, u64 tsc);
/* RESET: as power-on (11.4.7.1). */
void vlapic_reset(struct vlapic *v);
/* INIT: registers as at power-on but the ID; the mode is kept (11.4.7.3, 11.12.5.1). */
void vlapic_reset_init(struct vlapic *v);

enum vlapic_mode vlapic_mode(const struct vlapic *v);

/*
 * Whether a physical destination dest (not the broadcast ID) names the vLAPIC t: its ID, or
 * the ID's low 8 bits in xAPIC mode; never a disabled one (11.6.2.1, 11.12.9). Inline for the
 * ICR's one-test path (apic_bus_send_fixed); vlapic_match_dest asks the same.
 */
static inline bool vlapic_match_physical(const struct vlapic *t, u32 dest)
{
	/* vlapic_mode's bits: EN, and EXTD for x2APIC mode (12.12.1). */
	return (t->apic_base & VLAPIC_BASE_EN) &&
	       dest == (t->apic_base & VLAPIC_BASE_EXTD ? t->id : t->id & 0xff);
}

/*
 * Register access. Each returns VLAPIC_R_* flags; reads fill *val (0 on failure).
 * The MSR functions take IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff (see msr_owned).
 * The MMIO ones take an offset in the 4 KiB page, a 32-bit access at a 16-byte-aligned offset.
 */
bool vlapic_msr_owned(u32 msr);
u32 vlapic_msr_read(const struct vlapic *v, u32 msr, u64 now, u64 *val);
u32 vlapic_msr_write(struct vlapic *v, u32 msr, u64 val, u64 now, struct vlapic_ipi *ipi);
u32 vlapic_mmio_read(struct vlapic *v, u32 offset, u64 now, u32 *val);
u32 vlapic_mmio_write(struct vlapic *v, u32 offset, u32 val, u64 now, struct vlapic_ipi *ipi);
u32 vlapic_apic_base_write(struct vlapic *v, u64 val);
/*
 * IA32_TSC_DEADLINE written, val in host TSC (vlapic_msr_write's way for it, inline for the
 * exit that writes it): ignored unless the timer is in TSC-deadline mode, where 0 disarms
 * (11.5.4.1). VLAPIC_R_TIMER or 0; never #GP, never an IPI.
 */
static inline u32 vlapic_tsc_deadline_write(struct vlapic *v, u64 val)
{
	if ((v->lvt[0] & (3u << 17)) != VLAPIC_TIMER_TSC_DEADLINE) /* the timer LVT's mode */
		return 0;
	v->timer_expiry = val;
	return VLAPIC_R_TIMER;
}

/* A fixed interrupt; true when IRR changed (dropped while software-disabled, and below 16). */
bool vlapic_set_irr(struct vlapic *v, u8 vector);
/* Nothing requested at all: vlapic_pending would say -1 (inline, asked before every entry). */
static inline bool vlapic_irr_empty(const struct vlapic *v)
{
	return !v->irr_words;
}
/* The same, edge- or level-triggered: TMR records which, for the EOI (12.8.4). */
bool vlapic_set_irr_trig(struct vlapic *v, u8 vector, bool level);
/*
 * The x2APIC ICR write that most IPIs are (Linux's IPI to one CPU, or to itself): fixed
 * delivery, no reserved bit, a vector of 16 or more, and either the "self" shorthand or a
 * physical destination other than the broadcast ID, in x2APIC mode (SDM Vol. 3A, 12.12.9,
 * figure 12-28). Then the write is stored as vlapic_msr_write would store it, *dest is the
 * APIC ID it goes to (this vLAPIC's own for "self"), and true: an IPI of val's vector to that
 * ID, with no error to log. Any other write: false, nothing done, and it goes to
 * vlapic_msr_write. The level and trigger bits do nothing for a fixed IPI.
 */
static inline bool vlapic_x2apic_icr_fixed(struct vlapic *v, u64 val, u32 *dest)
{
	/* The vector, level and trigger bits, and the shorthand's low bit: the rest are 0. */
	const u32 plain = 0x4c0ffu;

	if ((v->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) !=
		    (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD) ||
	    ((u32)val & ~plain) || (u8)val < 16)
		return false;
	if ((u32)val & BIT(18))
		*dest = v->id; /* "self" */
	else if ((*dest = (u32)(val >> 32)) == 0xffffffffu)
		return false;
	v->icr = val;
	return true;
}
/*
 * Whether an NMI message reaches the core: not with the APIC globally disabled in
 * IA32_APIC_BASE (as if there were no APIC, SDM Vol. 3A, 12.4.3), but software-disabled
 * through the SVR it takes NMIs as usual (12.4.7.2). The ICR and the PV IPI both ask this.
 */
bool vlapic_accepts_nmi(const struct vlapic *v);
/* The vector to inject next, or -1 (11.8.4). */
int vlapic_pending(const struct vlapic *v);
/* The hypervisor injected vector (from vlapic_pending): IRR -> ISR. */
void vlapic_accept(struct vlapic *v, u8 vector);
/*
 * Retires the highest in-service vector, as a write to EOI does (11.8.5); a level-triggered one
 * adds VLAPIC_R_EOI_LEVEL with the vector in level_eoi_vector (the EOI message to I/O APICs).
 */
u32 vlapic_eoi(struct vlapic *v);
/*
 * CR8 is TPR[7:4] in 64-bit mode (SDM Vol. 3A, 12.8.6.1, "Interaction of Task Priorities
 * between CR8 and APIC"): the value MOV from CR8 gives, and what MOV to CR8 stores (0-15).
 * Writing returns VLAPIC_R_IRQ: a lower priority may let a pending interrupt through.
 */
u64 vlapic_cr8_read(const struct vlapic *v);
u32 vlapic_cr8_write(struct vlapic *v, u64 cr8);

/* Whether target is one of the destinations of dest as sent in that mode (11.6.2, 11.12.10). */
bool vlapic_match_dest(const struct vlapic *target, u32 dest, bool logical, bool from_x2apic);
/* Whether an IPI from sender reaches target, shorthands included. */
bool vlapic_ipi_hits(const struct vlapic *target, const struct vlapic *sender,
		     const struct vlapic_ipi *ipi);

/*
 * TSC time of the next expiry that delivers an interrupt, 0 when none: a masked timer counts
 * (its current count reads right) but wakes nothing and needs no expiry. Inline: every timer
 * change and every timer exit asks.
 */
static inline u64 vlapic_timer_next(const struct vlapic *v)
{
	return v->lvt[0] & VLAPIC_LVT_MASKED ? 0 : v->timer_expiry; /* LVT 0: the timer's */
}
/* Fires the timer if now has reached the expiry; returns VLAPIC_R_TIMER | VLAPIC_R_IRQ or 0. */
u32 vlapic_timer_tick(struct vlapic *v, u64 now);

#endif
