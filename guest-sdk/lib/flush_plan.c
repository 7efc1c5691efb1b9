// SPDX-License-Identifier: MIT
/* The local flush's decisions (lib/flush_plan.h): pure, host-tested in tests/test_flush_plan.c. */
#include "flush_plan.h"

/* More pages than this in a range flush: flush everything non-global instead of page by page. */
#define FLUSH_LOCAL_MAX_PAGES 64u

#define KESTREL_CR4_PGE (1ull << 7) /* SDM Vol. 3A, 2.5 */
#define KESTREL_CR4_PCIDE (1ull << 17)

/* Every non-global translation, in every PCID. */
static uint32_t nonglobal(const struct kestrel_flush_cpu *cpu)
{
	if (cpu->invpcid)
		return KESTREL_PLAN_INVPCID_NONGLOBAL;
	/* A CR3 write reaches the current PCID only; a change of CR4.PGE reaches every one. */
	if ((cpu->cr4 & KESTREL_CR4_PCIDE) && ((cpu->cr4 & KESTREL_CR4_PGE) || cpu->pge))
		return KESTREL_PLAN_PGE_TOGGLE;
	return KESTREL_PLAN_CR3;
}

/*
 * What each step reaches, SDM Vol. 3A, 5.10.4.1 ("Operations that Invalidate TLBs and
 * Paging-Structure Caches"): a MOV to CR4 that changes PGE, every translation of every PCID,
 * global ones too; a MOV to CR3, the non-global ones of the current PCID only (all there are
 * while CR4.PCIDE is 0); INVLPG, the page's translations in the current PCID and its global
 * ones; INVPCID type 2 (all-context including globals) and 3 (all-context retaining globals),
 * every PCID (Vol. 2A, INVPCID).
 */
uint32_t kestrel_flush_plan(uint32_t flags, uint64_t pages, const struct kestrel_flush_cpu *cpu)
{
	if (flags & KESTREL_FLUSH_ALL) {
		if (cpu->invpcid)
			return KESTREL_PLAN_INVPCID_ALL;
		if ((cpu->cr4 & KESTREL_CR4_PGE) || ((cpu->cr4 & KESTREL_CR4_PCIDE) && cpu->pge))
			return KESTREL_PLAN_PGE_TOGGLE;
		/* No global translations (PGE clear) and one PCID (PCIDE clear): CR3 is all. */
		return KESTREL_PLAN_CR3;
	}
	if ((flags & KESTREL_FLUSH_RANGES) && pages <= FLUSH_LOCAL_MAX_PAGES)
		return KESTREL_PLAN_INVLPG |
		       (cpu->cr4 & KESTREL_CR4_PCIDE ? nonglobal(cpu) : 0);
	return nonglobal(cpu);
}
