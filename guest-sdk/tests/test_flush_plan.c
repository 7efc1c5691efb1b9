// SPDX-License-Identifier: MIT
/*
 * Host test of lib/plain.c's local-flush decisions (kestrel_flush_plan): every kind must cover
 * every PCID, as the ABI's flush kinds do (docs/abi.md, 3.2): INVPCID all-context types where
 * the CPU has INVPCID, else a CR4.PGE toggle whenever CR4.PCIDE is set (a CR3 write and INVLPG
 * reach only the current PCID, SDM Vol. 3A, 5.10.4.1).
 */
#include <stdbool.h>
#include <stdint.h>
#include "../lib/flush_plan.h"
#include "check.h"

#define PGE (1ull << 7)
#define PCIDE (1ull << 17)

static uint32_t plan(uint32_t flags, uint64_t pages, uint64_t cr4, bool invpcid, bool pge)
{
	struct kestrel_flush_cpu cpu = { cr4, invpcid, pge };

	return kestrel_flush_plan(flags, pages, &cpu);
}

int main(void)
{
	/* INVPCID: all-context, with or without globals, whatever CR4 says. */
	for (int pcide = 0; pcide < 2; pcide++) {
		uint64_t cr4 = PGE | (pcide ? PCIDE : 0);

		CHECK(plan(KESTREL_FLUSH_ALL, 0, cr4, true, true) == KESTREL_PLAN_INVPCID_ALL);
		CHECK(plan(KESTREL_FLUSH_NONGLOBAL, 0, cr4, true, true) ==
		      KESTREL_PLAN_INVPCID_NONGLOBAL);
		CHECK(plan(KESTREL_FLUSH_RANGES, 1000, cr4, true, true) ==
		      KESTREL_PLAN_INVPCID_NONGLOBAL);
	}
	/* A few pages: INVLPG; with PCIDs, the other PCIDs' entries too. */
	CHECK(plan(KESTREL_FLUSH_RANGES, 3, PGE, true, true) == KESTREL_PLAN_INVLPG);
	CHECK(plan(KESTREL_FLUSH_RANGES, 3, PGE, false, true) == KESTREL_PLAN_INVLPG);
	CHECK(plan(KESTREL_FLUSH_RANGES, 3, PGE | PCIDE, true, true) ==
	      (KESTREL_PLAN_INVLPG | KESTREL_PLAN_INVPCID_NONGLOBAL));
	CHECK(plan(KESTREL_FLUSH_RANGES, 3, PGE | PCIDE, false, true) ==
	      (KESTREL_PLAN_INVLPG | KESTREL_PLAN_PGE_TOGGLE));
	/* No INVPCID, no PCIDs: CR4.PGE toggled for everything, CR3 for the non-global. */
	CHECK(plan(KESTREL_FLUSH_ALL, 0, PGE, false, true) == KESTREL_PLAN_PGE_TOGGLE);
	CHECK(plan(KESTREL_FLUSH_ALL, 0, 0, false, true) == KESTREL_PLAN_CR3);
	CHECK(plan(KESTREL_FLUSH_NONGLOBAL, 0, PGE, false, true) == KESTREL_PLAN_CR3);
	CHECK(plan(KESTREL_FLUSH_RANGES, 65, PGE, false, true) == KESTREL_PLAN_CR3);
	/* No INVPCID but PCIDs: the CR4.PGE toggle (from 0 too) is what reaches every PCID. */
	CHECK(plan(KESTREL_FLUSH_ALL, 0, PCIDE, false, true) == KESTREL_PLAN_PGE_TOGGLE);
	CHECK(plan(KESTREL_FLUSH_NONGLOBAL, 0, PGE | PCIDE, false, true) ==
	      KESTREL_PLAN_PGE_TOGGLE);
	CHECK(plan(KESTREL_FLUSH_RANGES, 65, PCIDE, false, true) == KESTREL_PLAN_PGE_TOGGLE);
	/* A CPU without PGE: CR4.PGE cannot be set; CR3 is all there is. */
	CHECK(plan(KESTREL_FLUSH_ALL, 0, PCIDE, false, false) == KESTREL_PLAN_CR3);
	return check_report("test_flush_plan");
}
