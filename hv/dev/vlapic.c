// SPDX-License-Identifier: GPL-2.0
/* The virtual local APIC: registers by MSR and MMIO, priorities, IPIs, the timer in TSC time. */
#include "hv/dev/vlapic.h"
#include "arch/x86/lapic.h"
#include "lib/string.h"

/* Indices into lvt[], in register order from 0x320 (table 11-1). */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Bits software may set in each LVT entry, and the read-only status bits (figure 11-8). */
static const u32 lvt_writable[VLAPIC_NR_LVT] = {
	0x000700ff, /* timer: vector, mask, mode 18:17 */
	0x000107ff, /* thermal: vector, delivery mode, mask */
	0x000107ff, /* performance counters: the same */
	0x0001a7ff, /* LINT0: also polarity 13 and trigger mode 15 */
	0x0001a7ff, /* LINT1 */
	0x000100ff, /* error: vector, mask */
};
static const u32 lvt_status[VLAPIC_NR_LVT] = {
	BIT(12), BIT(12), BIT(12), BIT(12) | BIT(14), BIT(12) | BIT(14), BIT(12),
};

#define TIMER_MODE(lvt) (((lvt) >> 17) & 3) /* 11.5.4: 0 one-shot, 1 periodic, 2 TSC-deadline */
#define TIMER_MODE_PERIODIC 1
#define TIMER_MODE_DEADLINE 2

/* ICR low bits that exist: vector, delivery and destination mode, level, trigger, shorthand. */
#define ICR_VALID 0x000ccfffu
#define ICR_LOGICAL BIT(11)

#define DFR_CLUSTER 0x0u /* DFR bits 31:28 (11.6.2.2); the flat model is 0xf */
#define DFR_FLAT 0xfu

static u64 sat_add(u64 a, u64 b)
{
	return a + b < a ? ~0ull : a + b;
}

static void vec_set(u32 reg[8], u8 vec)
{
	reg[vec / 32] |= 1u << (vec % 32);
}

/*
 * IRR and ISR also keep which of their words are not 0, so that the question asked before
 * every entry ("anything pending?") and at every EOI is one test, not a scan of eight words.
 */
static int highest_summarised(const u32 reg[8], u8 words)
{
	u32 w;

	if (!words)
		return -1;
	w = 31 - (u32)__builtin_clz(words);
	return (int)(w * 32 + 31 - (u32)__builtin_clz(reg[w]));
}

static void summarised_set(u32 reg[8], u8 *words, u8 vec)
{
	vec_set(reg, vec);
	*words |= (u8)(1u << (vec / 32));
}


static bool vec_test(const u32 reg[8], u8 vec)
{
	return reg[vec / 32] & (1u << (vec % 32));
}

enum vlapic_mode vlapic_mode(const struct vlapic *v)
{
	if (!(v->apic_base & VLAPIC_BASE_EN))
		return VLAPIC_MODE_DISABLED;
	return v->apic_base & VLAPIC_BASE_EXTD ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

/* The logical x2APIC ID: cluster id >> 4 in 31:16, bit id & 15 in 15:0 (11.12.10.2). */
static u32 x2apic_ldr(u32 id)
{
	return (id >> 4) << 16 | 1u << (id & 15);
}

/* 11.8.3.1: the TPR if its class is at least that of the highest in-service vector, else that. */
static u32 ppr(const struct vlapic *v)
{
	int isrv = highest_summarised(v->isr, v->isr_words);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (v->tpr & 0xf0) >= isr_class ? v->tpr : isr_class;
}

/* Records an error (11.5.3) and raises the error interrupt when its LVT entry lets it through. */
static u32 error(struct vlapic *v, u32 bits)
{
	u32 lvt = v->lvt[LVT_ERROR];

	v->esr_pending |= bits;
	if (lvt & VLAPIC_LVT_MASKED)
		return 0;
	if ((lvt & 0xff) < 16) {
		/* An illegal error vector is itself an error; recording it is all that is left. */
		v->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
		return 0;
	}
	summarised_set(v->irr, &v->irr_words, lvt & 0xff);
	return VLAPIC_R_IRQ;
}

bool vlapic_set_irr(struct vlapic *v, u8 vector)
{
	return vlapic_set_irr_trig(v, vector, false);
}

bool vlapic_set_irr_trig(struct vlapic *v, u8 vector, bool level)
{
	/* Software-disabled: fixed interrupts are not accepted (11.4.7.2). */
	if (vlapic_mode(v) == VLAPIC_MODE_DISABLED || !(v->svr & VLAPIC_SVR_ENABLE))
		return false;
	/* Vectors 0-15 are never set in IRR, only logged (11.5.3, bit 6). */
	if (vector < 16)
		return error(v, VLAPIC_ESR_RECV_ILLEGAL) != 0;
	summarised_set(v->irr, &v->irr_words, vector);
	/* TMR: set for level-triggered, cleared for edge-triggered on acceptance (12.8.4). */
	if (level)
		summarised_set(v->tmr, &v->tmr_words, vector);
	else if (v->tmr_words)
		vlapic_summarised_clear(v->tmr, &v->tmr_words, vector);
	return true;
}

bool vlapic_accepts_nmi(const struct vlapic *v)
{
	return vlapic_mode(v) != VLAPIC_MODE_DISABLED;
}

int vlapic_pending(const struct vlapic *v)
{
	int irrv = highest_summarised(v->irr, v->irr_words);

	if (irrv < 0 || vlapic_mode(v) == VLAPIC_MODE_DISABLED)
		return -1;
	/* Dispatched only when its priority class is above the processor's (11.8.4). */
	return ((u32)irrv & 0xf0) > (ppr(v) & 0xf0) ? irrv : -1;
}

void vlapic_accept(struct vlapic *v, u8 vector)
{
	if (!vec_test(v->irr, vector))
		return;
	vlapic_summarised_clear(v->irr, &v->irr_words, vector);
	summarised_set(v->isr, &v->isr_words, vector);
}

u32 vlapic_eoi(struct vlapic *v)
{
	int isrv = highest_summarised(v->isr, v->isr_words);

	if (isrv < 0)
		return 0;
	vlapic_summarised_clear(v->isr, &v->isr_words, (u8)isrv);
	if (vec_test(v->tmr, (u8)isrv)) {
		/* The EOI goes on to the I/O APICs (12.8.5); no directed-EOI support to stop it. */
		vlapic_summarised_clear(v->tmr, &v->tmr_words, (u8)isrv);
		v->level_eoi_vector = (u8)isrv;
		return VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ;
	}
	return VLAPIC_R_EOI | VLAPIC_R_IRQ;
}

/* TSC ticks per count at the current divide configuration (11.5.4, figure 11-10). */
static u64 timer_unit(const struct vlapic *v)
{
	u32 code = (v->timer_divide & 3) | ((v->timer_divide >> 1) & 4);

	return (u64)v->tsc_per_tick << (code == 7 ? 0 : code + 1);
}

/* The time a countdown of the initial count takes; a periodic one no less than min_period. */
static u64 timer_period(const struct vlapic *v)
{
	u64 p = v->timer_initial * v->timer_unit;

	if (TIMER_MODE(v->lvt[LVT_TIMER]) == TIMER_MODE_PERIODIC && p < v->min_period)
		p = v->min_period;
	return p;
}

/* Writing the initial count (re)starts the countdown; 0 stops it (11.5.4). */
static void timer_start(struct vlapic *v, u64 now)
{
	u32 mode = TIMER_MODE(v->lvt[LVT_TIMER]);

	v->timer_unit = timer_unit(v);
	v->timer_expiry = 0;
	/* Mode 3 is reserved: such a timer never runs. */
	if (v->timer_initial && mode != 3)
		v->timer_expiry = sat_add(now, timer_period(v));
}

/*
 * The divide configuration divides the clock the count runs on (11.5.4, figure 11-10): a new
 * one applies at once to a count under way, which goes on from where it is at the new rate
 * (the fraction of a count already elapsed kept in proportion). Expiries already due are taken
 * first, under the old rate.
 */
static u32 timer_divide_write(struct vlapic *v, u32 divide, u64 now)
{
	u64 old_unit, new_unit, left, counts;
	u32 flags = 0;

	if (v->timer_expiry && now >= v->timer_expiry &&
	    TIMER_MODE(v->lvt[LVT_TIMER]) < TIMER_MODE_DEADLINE)
		flags = vlapic_timer_tick(v, now);
	old_unit = v->timer_unit;
	v->timer_divide = divide;
	new_unit = timer_unit(v);
	if (!v->timer_expiry || TIMER_MODE(v->lvt[LVT_TIMER]) >= TIMER_MODE_DEADLINE ||
	    new_unit == old_unit) {
		v->timer_unit = new_unit;
		return flags;
	}
	/* A count left is below 2^32 and a unit at most 2^31: neither product passes 2^63. */
	left = v->timer_expiry - now;
	counts = left / old_unit;
	v->timer_expiry = sat_add(now, counts * new_unit + left % old_unit * new_unit / old_unit);
	v->timer_unit = new_unit;
	return flags | VLAPIC_R_TIMER;
}

static u32 timer_current(const struct vlapic *v, u64 now)
{
	u32 mode = TIMER_MODE(v->lvt[LVT_TIMER]);
	u64 left, period;

	/* TSC-deadline mode: the current count always reads 0 (11.5.4.1). */
	if (!v->timer_expiry || mode == TIMER_MODE_DEADLINE)
		return 0;
	if (now < v->timer_expiry) {
		left = v->timer_expiry - now;
	} else if (mode == TIMER_MODE_PERIODIC) {
		/* Expired, not yet ticked: the periodic count reloaded meanwhile. */
		period = timer_period(v);
		left = period - (now - v->timer_expiry) % period;
	} else {
		return 0;
	}
	return (u32)((left + v->timer_unit - 1) / v->timer_unit);
}

u64 vlapic_cr8_read(const struct vlapic *v)
{
	return v->tpr >> 4;
}

u32 vlapic_cr8_write(struct vlapic *v, u64 cr8)
{
	v->tpr = (u32)(cr8 & 0xf) << 4; /* TPR[3:0] become 0 (12.8.6.1) */
	return VLAPIC_R_IRQ;
}

void vlapic_set_min_period(struct vlapic *v, u64 tsc)
{
	v->min_period = tsc;
}

/*
 * A timer that expired while masked delivered nothing (11.5.1); unmasked, it must not fire for
 * that expiry now: a one-shot is over, a periodic one moves on to its next period.
 */
static void timer_catch_up(struct vlapic *v, u64 now)
{
	u64 period;

	if (!v->timer_expiry || now < v->timer_expiry)
		return;
	if (TIMER_MODE(v->lvt[LVT_TIMER]) != TIMER_MODE_PERIODIC) {
		v->timer_expiry = 0;
		return;
	}
	period = timer_period(v);
	v->timer_expiry = sat_add(v->timer_expiry, ((now - v->timer_expiry) / period + 1) * period);
}

u32 vlapic_timer_tick(struct vlapic *v, u64 now)
{
	u32 lvt = v->lvt[LVT_TIMER];
	u64 period, next;

	if (!v->timer_expiry || now < v->timer_expiry)
		return 0;
	if (TIMER_MODE(lvt) == TIMER_MODE_PERIODIC) {
		/* From the last expiry, not from now: no drift; missed periods merge. */
		v->timer_unit = timer_unit(v);
		period = timer_period(v);
		next = sat_add(v->timer_expiry, period);
		if (next <= now)
			next = sat_add(next, ((now - next) / period + 1) * period);
		v->timer_expiry = next;
	} else {
		/* One-shot stops; a deadline disarms and IA32_TSC_DEADLINE reads 0 (11.5.4.1). */
		v->timer_expiry = 0;
	}
	/* A masked timer still counts and expires, silently (11.5.1). */
	if (lvt & VLAPIC_LVT_MASKED)
		return VLAPIC_R_TIMER;
	return VLAPIC_R_TIMER | (vlapic_set_irr(v, lvt & 0xff) ? VLAPIC_R_IRQ : 0);
}

/* Power-up values of every register but the ID (11.4.7.1); also what INIT does (11.4.7.3). */
static void regs_reset(struct vlapic *v)
{
	v->tpr = 0;
	v->ldr = vlapic_mode(v) == VLAPIC_MODE_X2APIC ? x2apic_ldr(v->id) : 0;
	v->dfr = 0xffffffff;
	v->svr = 0xff;
	v->esr = 0;
	v->esr_pending = 0;
	memset(v->isr, 0, sizeof(v->isr));
	memset(v->tmr, 0, sizeof(v->tmr));
	memset(v->irr, 0, sizeof(v->irr));
	v->isr_words = v->irr_words = v->tmr_words = 0;
	v->icr = 0;
	for (u32 i = 0; i < VLAPIC_NR_LVT; i++)
		v->lvt[i] = VLAPIC_LVT_MASKED;
	v->timer_initial = 0;
	v->timer_divide = 0;
	v->timer_unit = timer_unit(v);
	v->timer_expiry = 0;
}

int vlapic_init(struct vlapic *v, u32 vcpu_index, u32 tsc_per_tick)
{
	if (!tsc_per_tick || tsc_per_tick > VLAPIC_MAX_TSC_PER_TICK)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->id = vcpu_index;
	v->tsc_per_tick = tsc_per_tick;
	vlapic_reset(v);
	return 0;
}

void vlapic_reset(struct vlapic *v)
{
	/* RESET leaves the APIC enabled in xAPIC mode at the default base (11.12.5.1). */
	v->apic_base = VLAPIC_BASE_ADDR | VLAPIC_BASE_EN | (v->id == 0 ? VLAPIC_BASE_BSP : 0);
	regs_reset(v);
}

void vlapic_reset_init(struct vlapic *v)
{
	regs_reset(v);
}

u32 vlapic_apic_base_write(struct vlapic *v, u64 val)
{
	const u64 mode_bits = VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;
	enum vlapic_mode from = vlapic_mode(v), to;

	/*
	 * Bits 7:0, 9 and those above MAXPHYADDR are reserved (figure 11-5). Moving the page is
	 * not supported: any other base is refused with #GP as well. BSP is read-only here.
	 */
	if ((val & ~(mode_bits | VLAPIC_BASE_BSP)) != VLAPIC_BASE_ADDR)
		return VLAPIC_R_GP;
	if ((val & mode_bits) == VLAPIC_BASE_EXTD)
		return VLAPIC_R_GP; /* EN=0 EXTD=1 is the invalid state (11.12.5) */
	to = !(val & VLAPIC_BASE_EN) ? VLAPIC_MODE_DISABLED :
	     val & VLAPIC_BASE_EXTD ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
	/* x2APIC -> xAPIC and disabled -> x2APIC are illegal transitions (11.12.5.1). */
	if ((from == VLAPIC_MODE_X2APIC && to == VLAPIC_MODE_XAPIC) ||
	    (from == VLAPIC_MODE_DISABLED && to == VLAPIC_MODE_X2APIC))
		return VLAPIC_R_GP;
	if (from == to)
		return 0;
	v->apic_base = (v->apic_base & ~mode_bits) | (val & mode_bits);
	if (to == VLAPIC_MODE_DISABLED) {
		/* Disabling may lose all state (11.4.3); Kestrel always does, the ID aside. */
		regs_reset(v);
		return VLAPIC_R_MODE | VLAPIC_R_TIMER | VLAPIC_R_IRQ;
	}
	if (to == VLAPIC_MODE_X2APIC)
		v->ldr = x2apic_ldr(v->id); /* set by hardware on the transition (11.12.5.1) */
	return VLAPIC_R_MODE;
}

/* One register by its xAPIC offset; false when there is none to read there in this mode. */
static bool reg_read(const struct vlapic *v, u32 off, u64 now, bool x2, u64 *val)
{
	*val = 0;
	if (off >= VLAPIC_REG_ISR && off < VLAPIC_REG_ESR) {
		const u32 *reg = off < VLAPIC_REG_TMR ? v->isr :
				 off < VLAPIC_REG_IRR ? v->tmr : v->irr;

		*val = reg[(off >> 4) & 7];
		return true;
	}
	if (off >= VLAPIC_REG_LVT_TIMER && off <= VLAPIC_REG_LVT_ERROR) {
		*val = v->lvt[(off - VLAPIC_REG_LVT_TIMER) >> 4];
		return true;
	}
	switch (off) {
	case VLAPIC_REG_ID:
		*val = x2 ? v->id : v->id << 24; /* 11.4.6, 11.12.5.1 */
		return true;
	case VLAPIC_REG_VERSION:
		*val = VLAPIC_VERSION;
		return true;
	case VLAPIC_REG_TPR:
		*val = v->tpr;
		return true;
	case VLAPIC_REG_PPR:
		*val = ppr(v);
		return true;
	case VLAPIC_REG_APR: /* no bus to arbitrate: reads 0; gone in x2APIC (table 11-6) */
	case VLAPIC_REG_RRD:
	case VLAPIC_REG_EOI: /* write-only: reads 0 in xAPIC, #GP in x2APIC */
		return !x2;
	case VLAPIC_REG_LDR:
		*val = v->ldr;
		return true;
	case VLAPIC_REG_DFR:
		*val = v->dfr;
		return !x2;
	case VLAPIC_REG_SVR:
		*val = v->svr;
		return true;
	case VLAPIC_REG_ESR:
		*val = v->esr;
		return true;
	case VLAPIC_REG_ICR_LO: /* delivery status (bit 12) is always idle: IPIs leave at once */
		*val = x2 ? v->icr : (u32)v->icr;
		return true;
	case VLAPIC_REG_ICR_HI:
		*val = v->icr >> 32;
		return !x2;
	case VLAPIC_REG_TIMER_INITIAL:
		*val = v->timer_initial;
		return true;
	case VLAPIC_REG_TIMER_CURRENT:
		*val = timer_current(v, now);
		return true;
	case VLAPIC_REG_TIMER_DIVIDE:
		*val = v->timer_divide;
		return true;
	}
	return false;
}

/* Decodes the ICR just written into an IPI request (11.6.1, 11.12.9). */
static u32 icr_send(struct vlapic *v, bool x2, struct vlapic_ipi *ipi)
{
	u32 lo = (u32)v->icr, dm = (lo >> 8) & 7, sh = (lo >> 18) & 3;
	u8 vec = lo & 0xff;
	u32 flags = 0;

	/* INIT level de-assert only re-synchronised arbitration IDs on old APIC buses: no-op. */
	if (dm == VLAPIC_DM_INIT && !(lo & ICR_LEVEL_ASSERT) && (lo & ICR_TRIGGER_LEVEL))
		return 0;
	/* SMI is ignored; 3 and 7 (ExtINT) are reserved for IPIs. */
	if (dm != VLAPIC_DM_FIXED && dm != VLAPIC_DM_LOWEST && dm != VLAPIC_DM_NMI &&
	    dm != VLAPIC_DM_INIT && dm != VLAPIC_DM_STARTUP)
		return 0;
	/* "Self" and "all including self" only carry fixed interrupts (table 11-3). */
	if ((sh == VLAPIC_SH_SELF || sh == VLAPIC_SH_ALL) && dm != VLAPIC_DM_FIXED)
		return 0;
	/* Sent all the same: each receiver drops it and logs its own error (11.5.3). */
	if ((dm == VLAPIC_DM_FIXED || dm == VLAPIC_DM_LOWEST) && vec < 16)
		flags |= error(v, VLAPIC_ESR_SEND_ILLEGAL);
	ipi->mode = (enum vlapic_dm)dm;
	ipi->shorthand = (enum vlapic_shorthand)sh;
	ipi->vector = vec;
	ipi->logical = lo & ICR_LOGICAL;
	ipi->x2apic = x2;
	ipi->dest = x2 ? (u32)(v->icr >> 32) : (u32)(v->icr >> 56);
	return flags | VLAPIC_R_IPI;
}

static u32 svr_write(struct vlapic *v, u32 val)
{
	v->svr = val;
	/* Software-disabled: every LVT entry is masked (11.4.7.2). */
	if (!(val & VLAPIC_SVR_ENABLE))
		for (u32 i = 0; i < VLAPIC_NR_LVT; i++)
			v->lvt[i] |= VLAPIC_LVT_MASKED;
	return 0;
}

static u32 lvt_write(struct vlapic *v, u32 i, u64 val, u64 now, bool x2)
{
	u32 old = v->lvt[i], flags = 0;

	if (x2 && (val & ~(u64)(lvt_writable[i] | lvt_status[i])))
		return VLAPIC_R_GP;
	val &= lvt_writable[i];
	/* While software-disabled the mask bits cannot be cleared (11.4.7.2). */
	if (!(v->svr & VLAPIC_SVR_ENABLE))
		val |= VLAPIC_LVT_MASKED;
	/* An expiry already due happened under the old entry: take it first (masked: silently). */
	if (i == LVT_TIMER && v->timer_expiry && now >= v->timer_expiry &&
	    TIMER_MODE(old) != TIMER_MODE_DEADLINE)
		flags = vlapic_timer_tick(v, now);
	v->lvt[i] = (u32)val;
	/*
	 * "Transitioning between TSC-deadline mode and other timer modes also disarms the timer"
	 * (11.5.4.1): the count registers read 0 in and after TSC-deadline mode until a new
	 * initial count, and a deadline does not survive the way out. Between one-shot and
	 * periodic, changing the mode "does not start the timer" (11.5.4): a count under way goes
	 * on, and the initial count stays; at 0 the new mode decides whether it reloads. This is
	 * what processors do (and KVM), where the disarming sentence, read alone, would stop
	 * every mode change. The reserved mode 3 runs no timer: treated as TSC-deadline's way.
	 */
	if (i == LVT_TIMER && TIMER_MODE(old) != TIMER_MODE(val) &&
	    (TIMER_MODE(old) >= TIMER_MODE_DEADLINE || TIMER_MODE(val) >= TIMER_MODE_DEADLINE)) {
		v->timer_initial = 0;
		v->timer_expiry = 0;
		return flags | VLAPIC_R_TIMER;
	}
	if (i == LVT_TIMER && TIMER_MODE(old) != TIMER_MODE(val))
		return flags | VLAPIC_R_TIMER;
	/* Masking or unmasking the timer changes when its vCPU must next be woken. */
	if (i == LVT_TIMER && ((old ^ (u32)val) & VLAPIC_LVT_MASKED)) {
		if (!(val & VLAPIC_LVT_MASKED))
			timer_catch_up(v, now);
		return flags | VLAPIC_R_TIMER;
	}
	return flags;
}

/* One register by its xAPIC offset; x2 applies the x2APIC rules (11.12.1.2, 11.12.1.3). */
static u32 reg_write(struct vlapic *v, u32 off, u64 val, u64 now, bool x2, struct vlapic_ipi *ipi)
{
	u64 ignored;

	/* x2APIC: a set reserved bit is #GP; only the ICR is 64 bits wide. */
	if (x2 && off != VLAPIC_REG_ICR_LO && (val >> 32))
		return VLAPIC_R_GP;
	if (off >= VLAPIC_REG_LVT_TIMER && off <= VLAPIC_REG_LVT_ERROR)
		return lvt_write(v, (off - VLAPIC_REG_LVT_TIMER) >> 4, val, now, x2);
	switch (off) {
	case VLAPIC_REG_TPR:
		if (x2 && (val & ~0xffull))
			return VLAPIC_R_GP;
		v->tpr = val & 0xff;
		return VLAPIC_R_IRQ;
	case VLAPIC_REG_EOI:
		if (x2 && val)
			return VLAPIC_R_GP; /* table 11-6: a non-zero EOI write */
		return vlapic_eoi(v);
	case VLAPIC_REG_LDR:
		if (x2)
			return VLAPIC_R_GP; /* read-only, derived from the ID (11.12.10.2) */
		v->ldr = val & 0xff000000;
		return 0;
	case VLAPIC_REG_DFR:
		if (x2)
			return VLAPIC_R_GP;
		v->dfr = (u32)val | 0x0fffffff; /* bits 27:0 read as 1s (figure 11-14) */
		return 0;
	case VLAPIC_REG_SVR:
		if (x2 && (val & ~0x3ffull))
			return VLAPIC_R_GP;
		return svr_write(v, val & 0x3ff);
	case VLAPIC_REG_ESR:
		if (x2 && val)
			return VLAPIC_R_GP; /* 11.12.1.3 */
		/* A write latches the errors seen since the previous one (11.5.3). */
		v->esr = v->esr_pending;
		v->esr_pending = 0;
		return 0;
	case VLAPIC_REG_ICR_LO:
		if (x2) {
			if ((u32)val & ~ICR_VALID)
				return VLAPIC_R_GP;
			v->icr = val;
		} else {
			v->icr = (v->icr & ~0xffffffffull) | (val & ICR_VALID);
		}
		return icr_send(v, x2, ipi);
	case VLAPIC_REG_ICR_HI:
		if (x2)
			return VLAPIC_R_GP;
		v->icr = (u32)v->icr | (val & 0xff000000) << 32;
		return 0;
	case VLAPIC_REG_TIMER_INITIAL:
		/* Ignored in TSC-deadline mode (11.5.4.1). */
		if (TIMER_MODE(v->lvt[LVT_TIMER]) == TIMER_MODE_DEADLINE)
			return 0;
		v->timer_initial = (u32)val;
		timer_start(v, now);
		return VLAPIC_R_TIMER;
	case VLAPIC_REG_TIMER_DIVIDE:
		if (x2 && (val & ~0xbull))
			return VLAPIC_R_GP;
		return timer_divide_write(v, (u32)val & 0xb, now);
	case VLAPIC_REG_SELF_IPI:
		if (!x2)
			break;
		if (val & ~0xffull)
			return VLAPIC_R_GP;
		/* A fixed, edge interrupt to this APIC (11.12.11). */
		return (val < 16 ? error(v, VLAPIC_ESR_SEND_ILLEGAL) : 0) |
		       (vlapic_set_irr(v, (u8)val) ? VLAPIC_R_IRQ : 0);
	}
	/* A read-only register, or none at all. */
	if (x2)
		return VLAPIC_R_GP;
	return reg_read(v, off, now, false, &ignored) ? 0 : error(v, VLAPIC_ESR_ILLEGAL_REG);
}

bool vlapic_msr_owned(u32 msr)
{
	return msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
	       (msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST);
}

u32 vlapic_msr_read(const struct vlapic *v, u32 msr, u64 now, u64 *val)
{
	*val = 0;
	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = v->apic_base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		/* Reads 0 outside TSC-deadline mode and once the deadline fired. */
		if (TIMER_MODE(v->lvt[LVT_TIMER]) == TIMER_MODE_DEADLINE)
			*val = v->timer_expiry;
		return 0;
	}
	/* The x2APIC MSRs exist only in x2APIC mode (11.12.1.2). */
	if (vlapic_mode(v) != VLAPIC_MODE_X2APIC || msr < VLAPIC_MSR_X2APIC_FIRST ||
	    msr > VLAPIC_MSR_X2APIC_LAST)
		return VLAPIC_R_GP;
	return reg_read(v, (msr - VLAPIC_MSR_X2APIC_FIRST) << 4, now, true, val) ? 0 : VLAPIC_R_GP;
}

u32 vlapic_msr_write(struct vlapic *v, u32 msr, u64 val, u64 now, struct vlapic_ipi *ipi)
{
	if (msr == VLAPIC_MSR_APIC_BASE)
		return vlapic_apic_base_write(v, val);
	if (msr == VLAPIC_MSR_TSC_DEADLINE)
		return vlapic_tsc_deadline_write(v, val);
	if (vlapic_mode(v) != VLAPIC_MODE_X2APIC || msr < VLAPIC_MSR_X2APIC_FIRST ||
	    msr > VLAPIC_MSR_X2APIC_LAST)
		return VLAPIC_R_GP;
	return reg_write(v, (msr - VLAPIC_MSR_X2APIC_FIRST) << 4, val, now, true, ipi);
}

u32 vlapic_mmio_read(struct vlapic *v, u32 offset, u64 now, u32 *val)
{
	u64 x;

	*val = 0;
	if (vlapic_mode(v) != VLAPIC_MODE_XAPIC)
		return VLAPIC_R_NOT_APIC;
	offset &= PAGE_SIZE - 1;
	/* Registers sit at 16-byte boundaries (11.4.1); anything else reads 0. */
	if (offset & 0xf)
		return 0;
	if (!reg_read(v, offset, now, false, &x))
		return error(v, VLAPIC_ESR_ILLEGAL_REG);
	*val = (u32)x;
	return 0;
}

u32 vlapic_mmio_write(struct vlapic *v, u32 offset, u32 val, u64 now, struct vlapic_ipi *ipi)
{
	if (vlapic_mode(v) != VLAPIC_MODE_XAPIC)
		return VLAPIC_R_NOT_APIC;
	offset &= PAGE_SIZE - 1;
	if (offset & 0xf)
		return 0;
	return reg_write(v, offset, val, now, false, ipi);
}

bool vlapic_match_dest(const struct vlapic *target, u32 dest, bool logical, bool from_x2apic)
{
	bool x2 = vlapic_mode(target) == VLAPIC_MODE_X2APIC;
	u32 ldr, model;

	if (vlapic_mode(target) == VLAPIC_MODE_DISABLED)
		return false;
	/* All 1s is a broadcast in either destination mode (11.6.2.1, 11.6.2.2, 11.12.9). */
	if (dest == (from_x2apic ? 0xffffffffu : 0xffu))
		return true;
	if (!logical)
		return vlapic_match_physical(target, dest);
	/* x2APIC logical: the cluster in 31:16 equal, a common bit in 15:0 (11.12.10.1). */
	if (x2)
		return (dest >> 16) == (target->ldr >> 16) && (dest & target->ldr & 0xffff);
	ldr = target->ldr >> 24;
	dest &= 0xff;
	model = target->dfr >> 28;
	if (model == DFR_FLAT)
		return ldr & dest;
	/* Cluster model: the cluster in the high nibble, a common bit in the low one. */
	if (model == DFR_CLUSTER)
		return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
	return false;
}

bool vlapic_ipi_hits(const struct vlapic *target, const struct vlapic *sender,
		     const struct vlapic_ipi *ipi)
{
	bool enabled = vlapic_mode(target) != VLAPIC_MODE_DISABLED;

	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		return target == sender;
	case VLAPIC_SH_ALL:
		return enabled;
	case VLAPIC_SH_OTHERS:
		return enabled && target != sender;
	default:
		return vlapic_match_dest(target, ipi->dest, ipi->logical, ipi->x2apic);
	}
}
