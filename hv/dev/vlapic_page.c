// SPDX-License-Identifier: GPL-2.0
/* A vLAPIC's registers copied to and from a virtual-APIC page (SDM Vol. 3C, chapter 30). */
#include "hv/dev/vlapic_page.h"

static int highest(const u32 reg[8], u8 words)
{
	u32 w;

	if (!words)
		return -1;
	w = 31 - (u32)__builtin_clz(words);
	return (int)(w * 32 + 31 - (u32)__builtin_clz(reg[w]));
}

/* Takes `offered` (a vector, or -1) out of v's IRR: the page says whether it is still there. */
static void drop_offered(struct vlapic *v, int offered)
{
	if (offered >= 16)
		vlapic_summarised_clear(v->irr, &v->irr_words, (u8)offered);
}

/* The IRR (and ISR) word bit of a vector, 0 for none. */
static u8 word_bit(int vector)
{
	return vector >= 16 ? (u8)(1u << ((u32)vector / 32)) : 0;
}

void vlapic_page_pull(struct vlapic *v, const u32 *page, int offered, u8 page_words)
{
	u8 isr_words = 0;

	drop_offered(v, offered);
	for (u8 left = page_words; left; left &= (u8)(left - 1)) {
		u32 i = (u32)__builtin_ctz(left);
		u32 irr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + i * 4];
		u32 isr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_ISR) + i * 4];

		if (i == 0)
			irr &= ~0xffffu;
		/* Merged: the vLAPIC's other requests were never in the page. */
		v->irr[i] |= irr;
		v->irr_words |= (u8)((v->irr[i] != 0) << i);
		v->isr[i] = isr;
		isr_words |= (u8)((isr != 0) << i);
	}
	v->isr_words = isr_words;
	v->tpr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] & 0xff;
}

void vlapic_page_pull_empty(struct vlapic *v, const u32 *page, int offered)
{
	drop_offered(v, offered);
	if (v->isr_words) {
		for (u32 i = 0; i < 8; i++)
			v->isr[i] = 0;
		v->isr_words = 0;
	}
	v->tpr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] & 0xff;
}

int vlapic_page_offer(const struct vlapic *v)
{
	int irrv = highest(v->irr, v->irr_words), isrv = highest(v->isr, v->isr_words);

	/* Above the class in service (11.8.3.1); TPR is left to TPR virtualization (30.1.2). */
	if (irrv < 16 || (isrv >= 0 && ((u32)irrv & 0xf0) <= ((u32)isrv & 0xf0)))
		return -1;
	return irrv;
}

void vlapic_page_push_tpr(const struct vlapic *v, u32 *page)
{
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] = v->tpr;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_PPR)] = v->tpr; /* nothing in service (11.8.3.1) */
}

/* 11.8.3.1: the TPR if its class is at least that of the highest in-service vector, else that. */
static u32 ppr(const struct vlapic *v)
{
	int isrv = highest(v->isr, v->isr_words);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (v->tpr & 0xf0) >= isr_class ? v->tpr : isr_class;
}

void vlapic_page_push_vectors(const struct vlapic *v, u32 *page, int offer, u8 *page_words)
{
	u8 now = v->isr_words | word_bit(offer);

	for (u8 left = *page_words | now; left; left &= (u8)(left - 1)) {
		u32 i = (u32)__builtin_ctz(left);

		page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + i * 4] =
			word_bit(offer) == 1u << i ? 1u << (offer % 32) : 0;
		page[VLAPIC_PAGE_WORD(VLAPIC_REG_ISR) + i * 4] = v->isr[i];
	}
	*page_words = now;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] = v->tpr;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_PPR)] = ppr(v);
}

bool vlapic_page_push_lone(const struct vlapic *v, u32 *page, int offer, u8 *page_words)
{
	u32 w, bit;

	if (offer < 16 || *page_words || v->isr_words || v->tmr_words)
		return false;
	w = (u32)offer / 32;
	bit = 1u << (offer % 32);
	if (v->irr_words != 1u << w || v->irr[w] != bit)
		return false;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + w * 4] = bit;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] = v->tpr;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_PPR)] = v->tpr; /* nothing in service (11.8.3.1) */
	*page_words = (u8)(1u << w);
	return true;
}

/*
 * What RDMSR may read from the page (30.5) and only an exit changes; not TMR and ICR (apicv.c).
 * Copied from the fields, as x2APIC reads return them (the unit test holds them equal).
 */
void vlapic_page_push_regs(const struct vlapic *v, u32 *page)
{
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_ID)] = v->id;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_VERSION)] = VLAPIC_VERSION;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_LDR)] = v->ldr;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_SVR)] = v->svr;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_ESR)] = v->esr;
	for (u32 i = 0; i < VLAPIC_NR_LVT; i++)
		page[VLAPIC_PAGE_WORD(VLAPIC_REG_LVT_TIMER) + i * 4] = v->lvt[i];
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TIMER_INITIAL)] = v->timer_initial;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TIMER_DIVIDE)] = v->timer_divide;
}

u16 vlapic_page_intr_status(const struct vlapic *v, int offer)
{
	int svi = highest(v->isr, v->isr_words);

	return (u16)((offer < 16 ? 0 : offer) | (svi < 0 ? 0 : svi) << 8);
}

u32 vlapic_page_eoi_exit(struct vlapic *v, u8 vector)
{
	u32 bit = 1u << (vector % 32);

	if (!(v->tmr[vector / 32] & bit))
		return 0;
	/* The EOI goes on to the I/O APICs (12.8.5), as vlapic_eoi's does. */
	vlapic_summarised_clear(v->tmr, &v->tmr_words, vector);
	v->level_eoi_vector = vector;
	return VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ;
}

static inline void tmr_bitmap(const struct vlapic *v, u64 bitmap[4])
{
	/* Level-triggered vectors are rare: most entries find TMR empty from its summary. */
	if (!v->tmr_words)
		bitmap[0] = bitmap[1] = bitmap[2] = bitmap[3] = 0;
	else
		for (u32 i = 0; i < 4; i++)
			bitmap[i] = v->tmr[2 * i] | (u64)v->tmr[2 * i + 1] << 32;
}

void vlapic_page_tmr_bitmap(const struct vlapic *v, u64 bitmap[4])
{
	tmr_bitmap(v, bitmap);
}

void vlapic_page_eoi_exit_bitmap(const struct vlapic *v, int offer, u64 bitmap[4])
{
	u8 ow = word_bit(offer);

	tmr_bitmap(v, bitmap);
	/* Requests besides the offer: any EOI may let the next through, so every EOI exits. */
	if (!(v->irr_words & ~ow) && !(ow && (v->irr[(u32)offer / 32] & ~(1u << (offer % 32)))))
		return;
	for (u8 left = v->isr_words; left; left &= (u8)(left - 1)) {
		u32 w = (u32)__builtin_ctz(left);

		bitmap[w / 2] |= (u64)v->isr[w] << (w % 2 * 32);
	}
	if (ow)
		bitmap[offer / 64] |= 1ull << (offer % 64);
}

void vlapic_page_push_all(const struct vlapic *v, u32 *page)
{
	for (u32 i = 0; i < 8; i++) {
		page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + i * 4] = v->irr[i];
		page[VLAPIC_PAGE_WORD(VLAPIC_REG_ISR) + i * 4] = v->isr[i];
	}
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] = v->tpr;
	page[VLAPIC_PAGE_WORD(VLAPIC_REG_PPR)] = ppr(v);
}

u16 vlapic_page_intr_status_all(const struct vlapic *v)
{
	int rvi = highest(v->irr, v->irr_words);

	return vlapic_page_intr_status(v, rvi);
}

void vlapic_page_pull_all(struct vlapic *v, const u32 *page)
{
	u8 irr_words = 0, isr_words = 0;

	for (u32 i = 0; i < 8; i++) {
		u32 irr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_IRR) + i * 4];
		u32 isr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_ISR) + i * 4];

		if (i == 0)
			irr &= ~0xffffu; /* 0-15 never enter IRR (11.5.3) */
		v->irr[i] = irr;
		v->isr[i] = isr;
		irr_words |= (u8)((irr != 0) << i);
		isr_words |= (u8)((isr != 0) << i);
	}
	v->irr_words = irr_words;
	v->isr_words = isr_words;
	v->tpr = page[VLAPIC_PAGE_WORD(VLAPIC_REG_TPR)] & 0xff;
}
