// SPDX-License-Identifier: GPL-2.0
/* A vLAPIC's registers copied to and from a virtual-APIC page (SDM Vol. 3C, chapter 30). */
#include "hv/dev/vlapic_page.h"

/* x2APIC MSR number of a register at xAPIC offset off (table 11-6). */
#define MSR_OF(off) (VLAPIC_MSR_X2APIC_FIRST + (off) / 16)

static int highest(const u32 reg[8], u8 words)
{
	u32 w;

	if (!words)
		return -1;
	w = 31 - (u32)__builtin_clz(words);
	return (int)(w * 32 + 31 - (u32)__builtin_clz(reg[w]));
}

void vlapic_page_pull(struct vlapic *v, const u32 *page)
{
	u8 irr_words = 0, isr_words = 0;

	for (u32 i = 0; i < 8; i++) {
		u32 irr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + i * 4];
		u32 isr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_ISR) + i * 4];

		if (i == 0)
			irr &= ~0xffffu;
		v->irr[i] = irr;
		v->isr[i] = isr;
		irr_words |= (u8)((irr != 0) << i);
		isr_words |= (u8)((isr != 0) << i);
	}
	v->irr_words = irr_words;
	v->isr_words = isr_words;
	v->tpr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] & 0xff;
}

void vlapic_page_push_vectors(const struct vlapic *v, u32 *page)
{
	u64 ppr = 0;

	for (u32 i = 0; i < 8; i++) {
		page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + i * 4] = v->irr[i];
		page[VLAPIC_PAGE_WORD(VLAPIC_REG_ISR) + i * 4] = v->isr[i];
	}
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] = v->tpr;
	vlapic_msr_read(v, MSR_OF(VLAPIC_REG_PPR), 0, &ppr);
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_PPR)] = (u32)ppr;
}

/* What RDMSR may read from the page (30.5) and only an exit changes; not TMR and ICR (apicv.c). */
static const u16 page_regs[] = {
	VLAPIC_REG_ID, VLAPIC_REG_VERSION, VLAPIC_REG_LDR, VLAPIC_REG_SVR, VLAPIC_REG_ESR,
	VLAPIC_REG_LVT_TIMER, VLAPIC_REG_LVT_THERMAL, VLAPIC_REG_LVT_PERF, VLAPIC_REG_LVT_LINT0,
	VLAPIC_REG_LVT_LINT1, VLAPIC_REG_LVT_ERROR, VLAPIC_REG_TIMER_INITIAL,
	VLAPIC_REG_TIMER_DIVIDE,
};

void vlapic_page_push_regs(const struct vlapic *v, u32 *page)
{
	u64 val;

	for (u32 i = 0; i < ARRAY_SIZE(page_regs); i++) {
		vlapic_msr_read(v, MSR_OF(page_regs[i]), 0, &val);
		page[VLAPIC_PAGE_WORD(page_regs[i])] = (u32)val;
	}
}

u16 vlapic_page_intr_status(const struct vlapic *v)
{
	int rvi = highest(v->irr, v->irr_words), svi = highest(v->isr, v->isr_words);

	return (u16)((rvi < 0 ? 0 : rvi) | (svi < 0 ? 0 : svi) << 8);
}

u32 vlapic_page_eoi_exit(struct vlapic *v, u8 vector)
{
	u32 bit = 1u << (vector % 32);

	if (!(v->tmr[vector / 32] & bit))
		return 0;
	/* The EOI goes on to the I/O APICs (12.8.5), as vlapic_eoi's does. */
	v->tmr[vector / 32] &= ~bit;
	v->level_eoi_vector = vector;
	return VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ;
}

void vlapic_page_eoi_exit_bitmap(const struct vlapic *v, u64 bitmap[4])
{
	for (u32 i = 0; i < 4; i++)
		bitmap[i] = v->tmr[2 * i] | (u64)v->tmr[2 * i + 1] << 32;
}
