// SPDX-License-Identifier: GPL-2.0
/*
 * The consistency rules of MOV to CR0 and MOV to CR4 (SDM Vol. 2B, "MOV—Move to/from Control
 * Registers", its exception lists; Vol. 3A 2.5 and 4.1.1), for the writes VMX hands to
 * Kestrel. Pure: host-tested in tests/unit/test_cr_rules.c.
 */
#include "arch/x86/cr_rules.h"

static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	/* PAE paging, not IA-32e paging: Vol. 3A, 4.1.1 (table 4-1). */
	return (cr0 & CR0_PG_BIT) && (cr4 & CR4_PAE_BIT) && !(efer & EFER_LMA_BIT);
}

u32 cr_rules_cr0(const struct cr_state *s, u64 val)
{
	bool pg_on = (val & CR0_PG_BIT) && !(s->cr0 & CR0_PG_BIT);
	bool pg_off = !(val & CR0_PG_BIT) && (s->cr0 & CR0_PG_BIT);
	u64 efer = s->efer;
	u32 out = 0;

	/* Bits 63:32 are reserved (Vol. 3A 2.5); PG needs PE; NW needs CD (Vol. 2B, MOV CR). */
	if ((val >> 32) || ((val & CR0_PG_BIT) && !(val & CR0_PE_BIT)) ||
	    ((val & CR0_NW_BIT) && !(val & CR0_CD_BIT)))
		return CR_RULES_GP;
	if (pg_on && (efer & EFER_LME_BIT)) {
		/* IA-32e mode needs PAE: Vol. 3A 4.1.1 and 10.8.5, #GP otherwise. */
		if (!(s->cr4 & CR4_PAE_BIT))
			return CR_RULES_GP;
		efer |= EFER_LMA_BIT;
		out |= CR_RULES_IA32E_ON;
	}
	if (pg_off) {
		/* Not from 64-bit mode, nor with PCIDE set (Vol. 2B, MOV CR, 64-bit mode #GP). */
		if (((efer & EFER_LMA_BIT) && s->cs_l) || (s->cr4 & CR4_PCIDE_BIT))
			return CR_RULES_GP;
		if (efer & EFER_LMA_BIT)
			out |= CR_RULES_IA32E_OFF;
		efer &= ~EFER_LMA_BIT;
	}
	/* PDPTEs load when PAE paging starts or CD, NW or PG change under it, Vol. 3A 4.4.1. */
	if (pae_paging(val, s->cr4, efer) &&
	    (pg_on || ((val ^ s->cr0) & (CR0_CD_BIT | CR0_NW_BIT))))
		out |= CR_RULES_LOAD_PDPTES;
	return out;
}

u32 cr_rules_cr4(const struct cr_state *s, u64 val, u64 reserved)
{
	bool lma = s->efer & EFER_LMA_BIT;
	u64 changed = val ^ s->cr4;

	if (val & reserved)
		return CR_RULES_GP;
	/* PAE stays set in IA-32e mode; LA57 changes only outside it (Vol. 2B, MOV CR; 4.1.1). */
	if (lma && (!(val & CR4_PAE_BIT) || (changed & CR4_LA57_BIT)))
		return CR_RULES_GP;
	/* PCIDE goes 0 to 1 only in IA-32e mode and with CR3[11:0] = 0 (Vol. 3A, 4.10.1). */
	if ((val & CR4_PCIDE_BIT) && !(s->cr4 & CR4_PCIDE_BIT) && (!lma || (s->cr3 & 0xfff)))
		return CR_RULES_GP;
	/* Under PAE paging, a change of PAE, PSE, PGE or SMEP loads the PDPTEs, 4.4.1. */
	if (pae_paging(s->cr0, val, s->efer) &&
	    (changed & (CR4_PAE_BIT | CR4_PSE_BIT | CR4_PGE_BIT | CR4_SMEP_BIT)))
		return CR_RULES_LOAD_PDPTES;
	return 0;
}

bool cr_rules_pdpte_bad(u64 pdpte, u32 maxphyaddr)
{
	/* A present PDPTE has bits 2:1, 8:5 and MAXPHYADDR-63 reserved (Vol. 3A, table 4-8). */
	u64 reserved = 0x1e6ULL | (maxphyaddr < 64 ? ~0ULL << maxphyaddr : 0);

	return (pdpte & 1) && (pdpte & reserved);
}
