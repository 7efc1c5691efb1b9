/* SPDX-License-Identifier: GPL-2.0 */
/* What MOV to CR0 and CR4 allow: the architecture's consistency rules, a pure function. */
#ifndef KESTREL_ARCH_X86_CR_RULES_H
#define KESTREL_ARCH_X86_CR_RULES_H

#include "lib/types.h"

#define CR0_PE_BIT BIT(0)
#define CR0_NW_BIT BIT(29)
#define CR0_CD_BIT BIT(30)
#define CR0_PG_BIT BIT(31)
#define CR4_PSE_BIT BIT(4)
#define CR4_PAE_BIT BIT(5)
#define CR4_PGE_BIT BIT(7)
#define CR4_LA57_BIT BIT(12)
#define CR4_PCIDE_BIT BIT(17)
#define CR4_SMEP_BIT BIT(20)
#define EFER_LME_BIT BIT(8)
#define EFER_LMA_BIT BIT(10)

/* The state a MOV to CR0 or CR4 is judged against: what the guest sees, not what VMX runs. */
struct cr_state {
	u64 cr0, cr3, cr4, efer;
	bool cs_l; /* CS.L: 64-bit mode when EFER.LMA is set too */
};

/* What the write does besides storing the value. */
#define CR_RULES_GP BIT(0) /* #GP(0): the instruction does nothing else */
#define CR_RULES_LOAD_PDPTES BIT(1) /* PAE paging (not IA-32e) is on after it: load the PDPTEs */
#define CR_RULES_IA32E_ON BIT(2) /* paging turned on with EFER.LME: EFER.LMA becomes 1 */
#define CR_RULES_IA32E_OFF BIT(3) /* paging turned off in IA-32e mode: EFER.LMA becomes 0 */

u32 cr_rules_cr0(const struct cr_state *s, u64 val);
/* reserved: the CR4 bits this CPU or the hypervisor does not offer (writing one is #GP). */
u32 cr_rules_cr4(const struct cr_state *s, u64 val, u64 reserved);
/* Whether a PAE-paging PDPTE is one the processor refuses to load (#GP, Vol. 3A 4.4.1). */
bool cr_rules_pdpte_bad(u64 pdpte, u32 maxphyaddr);

#endif
