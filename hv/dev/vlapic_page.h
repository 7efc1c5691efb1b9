/* SPDX-License-Identifier: GPL-2.0 */
/* A vLAPIC's registers copied to and from a page laid out as the APIC's (APIC virtualization). */
#ifndef KESTREL_HV_DEV_VLAPIC_PAGE_H
#define KESTREL_HV_DEV_VLAPIC_PAGE_H

#include "hv/dev/vlapic.h"

/*
 * Pure logic. A virtual-APIC page has the layout of the xAPIC register page (SDM Vol. 3C, 30.1.1,
 * "Virtualized APIC Registers"): a 32-bit register at each 16-byte offset of table 11-1. The
 * processor reads and changes IRR, ISR and TPR there while the guest runs; the vLAPIC is the
 * truth in root mode. The VMX code copies in at every VM exit and out before every VM entry
 * (docs/design.md, "APIC virtualization"). `page` is the 4 KiB page as 1024 words.
 */

/* The words of the page a register at xAPIC offset `off` (table 11-1) occupies. */
#define VLAPIC_PAGE_WORD(off) ((off) / 4)

/*
 * Kestrel offers the processor one requested vector at a time (the page's VIRR holds it alone,
 * RVI names it), and only at an entry where the guest can take an interrupt (RFLAGS.IF 1, no
 * STI or MOV SS blocking, nothing injected); the other requests stay in the vLAPIC's IRR, and
 * every EOI exits while there are some (the EOI-exit bitmap), so the next is offered at the
 * next entry where the guest can take it. So no virtual interrupt is ever left pending
 * while the guest has interrupts off (docs/design.md, "APIC virtualization", says why).
 * `offer` / `offered`: the vector, or -1.
 */
/* The vector to offer: the highest requested, unless the class in service holds it back. */
int vlapic_page_offer(const struct vlapic *v);
/*
 * `page_words`: bit i set where the page's IRR or ISR word i may be other than 0 (0xff: all may
 * be). Kestrel writes the words the offer and ISR need and clears the ones it wrote before, and
 * the processor changes only those (delivery moves the offer to ISR, EOI clears ISR bits; it
 * sets other IRR bits only for a virtualized SELF IPI write, which Kestrel makes exit, or a
 * posted interrupt, whose vCPUs use the _all functions below): so neither function touches the
 * other words.
 */
/*
 * Takes ISR and TPR from the page into v, and IRR merged: `offered` leaves v's IRR (if the
 * page still has it, it comes back from there) and the page's VIRR bits are added. Vectors
 * 0-15 never enter IRR (11.5.3).
 */
void vlapic_page_pull(struct vlapic *v, const u32 *page, int offered, u8 page_words);
/*
 * The same when the guest interrupt status read 0 at the exit: RVI 0 means no vector of 16 or
 * more in VIRR and SVI 0 an empty VISR (30.1.1, 30.2: the processor keeps RVI the highest VIRR
 * bit and SVI the highest VISR bit, and 0 is never delivered), so the offered vector was taken
 * and retired, ISR is empty, and only TPR needs reading.
 */
void vlapic_page_pull_empty(struct vlapic *v, const u32 *page, int offered);
/*
 * Writes ISR, TPR and PPR of v to the page, and IRR as the offered vector alone; *page_words
 * is updated to the words that may now be other than 0.
 */
void vlapic_page_push_vectors(const struct vlapic *v, u32 *page, int offer, u8 *page_words);
/*
 * The common entry with an interrupt to deliver, as vlapic_page_push_vectors in fewer steps:
 * `offer` is v's one request, nothing is in service, no vector is level-triggered, and the
 * page's IRR and ISR are 0 (*page_words 0). Then writes the offer's IRR word, TPR and PPR,
 * sets *page_words, and returns true: RVI is the offer, SVI 0 and the EOI-exit bitmap 0.
 * Otherwise returns false having written nothing.
 */
bool vlapic_page_push_lone(const struct vlapic *v, u32 *page, int offer, u8 *page_words);
/*
 * Writes the registers RDMSR reads from the page under APIC-register virtualization and that
 * only a VM exit changes (ID, version, LDR, SVR, ESR, the LVT, initial count, divide):
 * after a WRMSR, a mode change, INIT or reset. @pre v is in x2APIC mode
 */
void vlapic_page_push_regs(const struct vlapic *v, u32 *page);
/* Writes TPR and PPR alone, for a vLAPIC and a page both without IRR and ISR bits. */
void vlapic_page_push_tpr(const struct vlapic *v, u32 *page);
/* The guest interrupt status (SDM Vol. 3C, 26.4.2): RVI (the offer, or 0) in 7:0, SVI in 15:8. */
u16 vlapic_page_intr_status(const struct vlapic *v, int offer);
/*
 * The processor retired `vector` from ISR (EOI virtualization) and exited for it because its
 * EOI-exit bit was set (30.1.4): what vlapic_eoi does beyond ISR. A level-triggered vector
 * returns VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL with the vector in level_eoi_vector; 0 else.
 */
u32 vlapic_page_eoi_exit(struct vlapic *v, u8 vector);
/*
 * The EOI-exit bitmap Kestrel needs, as 4 x 64 bits: the level-triggered vectors (TMR), and
 * while requests wait besides the offer, the offer and every vector in service.
 */
void vlapic_page_eoi_exit_bitmap(const struct vlapic *v, int offer, u64 bitmap[4]);

/*
 * With posted interrupts (arch/x86/vmx/posted.c) the processor ORs vectors into VIRR, in any
 * word, while the guest runs, and one offered vector at a time no longer holds: a vector both
 * in the vLAPIC's IRR and posted would be delivered twice, where an APIC merges the two. Such a
 * vCPU only runs on processors that follow the SDM (no Bochs model has posted interrupts), so
 * the page holds every request instead, and the processor delivers them by priority whenever
 * the guest can take them (30.2); each EOI needs an exit only for a level-triggered vector.
 */
/* Writes IRR (every request), ISR, TPR and PPR of v to the page, all eight words of each. */
void vlapic_page_push_all(const struct vlapic *v, u32 *page);
/* The guest interrupt status for it: RVI the highest request (0 for none), SVI in 15:8. */
u16 vlapic_page_intr_status_all(const struct vlapic *v);
/* Takes IRR, ISR and TPR from the page into v: the page is the truth after such an entry. */
void vlapic_page_pull_all(struct vlapic *v, const u32 *page);
/* The EOI-exit bitmap for it: the level-triggered vectors alone. */
void vlapic_page_tmr_bitmap(const struct vlapic *v, u64 bitmap[4]);

#endif
