/* SPDX-License-Identifier: GPL-2.0 */
/* Shadow pages inside mm/: making, finding, linking, write-protecting and zapping them. */
#ifndef KESTREL_MM_SHADOW_PAGE_H
#define KESTREL_MM_SHADOW_PAGE_H

#include "arch/x86/pte.h"
#include "mm/shadow.h"

#define SHADOW_ENTRIES 512
#define SHADOW_ADDR_MASK 0x000ffffffffff000ULL
#define SHADOW_A BIT(5) /* accessed, SDM Vol. 3A, 5.8 */
#define SHADOW_D BIT(6) /* dirty */
#define SHADOW_G BIT(8) /* global, with CR4.PGE */

/* An entry reference: the page's index and the entry's. */
static inline u32 shadow_ref(u32 page, u32 entry)
{
	return page << 9 | entry;
}

static inline u32 shadow_hash(const struct shadow_mmu *m, u64 gfn)
{
	return (u32)((gfn * 0x9e3779b97f4a7c15ULL) >> 32) & m->hash_mask;
}

static inline u64 *shadow_table(const struct shadow_page *sp)
{
	return (u64 *)(uintptr_t)sp->hpa; /* identity-mapped, as mm/mm.h's phys_to_virt */
}

static inline bool shadow_obsolete(const struct shadow_mmu *m, const struct shadow_page *sp)
{
	return sp->generation != m->generation;
}

/*
 * The current page for (gfn, role) and, for PAE roots, the CR3 and PDPTEs; made when there is
 * none (no obsolete page is ever used again). Making a page that shadows a guest table
 * write-protects every leaf that maps that table; *flush is set when one was writable. Returns
 * its index, or 0 when there is no room or no memory.
 */
u32 shadow_page_get(struct shadow_mmu *m, u64 gfn, union shadow_role role, u64 pae_cr3,
		    const u64 *pdptes, bool *flush);
/* Frees pages until need more fit under the limit (see shadow_page.c). False: not now. */
bool shadow_make_room(struct shadow_mmu *m, u32 need);
/* Whether a page (of any generation, until it is zapped) shadows the guest table at gfn. */
bool shadow_gfn_is_table(struct shadow_mmu *m, u64 gfn);
/* Clears entry i of page p, unlinking it from its frame's reverse map or its child. */
void shadow_drop_entry(struct shadow_mmu *m, u32 p, u32 i);
/* Points upper-level entry i of page p at page child. */
void shadow_link_child(struct shadow_mmu *m, u32 p, u32 i, u32 child, u64 flags);
/* shadow_unprotect with m's lock held. */
bool shadow_unprotect_locked(struct shadow_mmu *m, u64 gfn);
/* Sets leaf entry i of page p to map gfn with spte (frame and rights). */
void shadow_set_leaf(struct shadow_mmu *m, u32 p, u32 i, u64 gfn, u64 spte);

#endif
