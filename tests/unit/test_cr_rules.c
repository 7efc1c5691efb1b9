// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/cr_rules.c: which MOV to CR0/CR4 values are #GP, what else they do. */
#include "unit.h"
#include "arch/x86/cr_rules.h"

#define PE CR0_PE_BIT
#define PG CR0_PG_BIT
#define ET BIT(4)
#define NE BIT(5)

/* MOV to CR0 from real mode, 32-bit protected mode and 64-bit mode. */
static void test_cr0(void **state)
{
	struct cr_state real = { .cr0 = ET }, pm_lme = { .cr0 = ET | PE, .efer = EFER_LME_BIT };
	struct cr_state pm_pae = { .cr0 = ET | PE, .cr4 = CR4_PAE_BIT, .efer = EFER_LME_BIT };
	struct cr_state lm = { .cr0 = ET | PE | PG, .cr4 = CR4_PAE_BIT,
			       .efer = EFER_LME_BIT | EFER_LMA_BIT, .cs_l = true };
	struct cr_state compat = lm;

	(void)state;
	compat.cs_l = false;
	assert_int_equal(cr_rules_cr0(&real, ET | NE), 0);
	assert_int_equal(cr_rules_cr0(&real, ET | PG), CR_RULES_GP); /* PG without PE */
	assert_int_equal(cr_rules_cr0(&real, ET | CR0_NW_BIT), CR_RULES_GP); /* NW without CD */
	assert_int_equal(cr_rules_cr0(&real, ET | CR0_NW_BIT | CR0_CD_BIT), 0);
	assert_int_equal(cr_rules_cr0(&real, 1ULL << 32 | ET), CR_RULES_GP); /* reserved */
	/* IA-32e mode without PAE: #GP; with it, LMA comes on. */
	assert_int_equal(cr_rules_cr0(&pm_lme, ET | PE | PG | NE), CR_RULES_GP);
	assert_int_equal(cr_rules_cr0(&pm_pae, ET | PE | PG), CR_RULES_IA32E_ON);
	/* Paging off: never from 64-bit mode; from compatibility mode it ends IA-32e mode. */
	assert_int_equal(cr_rules_cr0(&lm, ET | PE), CR_RULES_GP);
	assert_int_equal(cr_rules_cr0(&compat, ET | PE), CR_RULES_IA32E_OFF);
	compat.cr4 |= CR4_PCIDE_BIT;
	assert_int_equal(cr_rules_cr0(&compat, ET | PE), CR_RULES_GP);
	/* PAE paging (LME clear) loads the PDPTEs when it starts, and on a CD/NW change. */
	pm_pae.efer = 0;
	assert_int_equal(cr_rules_cr0(&pm_pae, ET | PE | PG), CR_RULES_LOAD_PDPTES);
	pm_pae.cr0 |= PG;
	assert_int_equal(cr_rules_cr0(&pm_pae, ET | PE | PG | NE), 0);
	assert_int_equal(cr_rules_cr0(&pm_pae, ET | PE | PG | CR0_CD_BIT), CR_RULES_LOAD_PDPTES);
}

static void test_cr4(void **state)
{
	struct cr_state lm = { .cr0 = ET | PE | PG, .cr4 = CR4_PAE_BIT,
			       .efer = EFER_LME_BIT | EFER_LMA_BIT, .cs_l = true };
	struct cr_state pm = { .cr0 = ET | PE | PG };

	(void)state;
	assert_int_equal(cr_rules_cr4(&lm, CR4_PAE_BIT | CR4_PGE_BIT, 0), 0);
	assert_int_equal(cr_rules_cr4(&lm, CR4_PAE_BIT | BIT(13), BIT(13)), CR_RULES_GP);
	assert_int_equal(cr_rules_cr4(&lm, 0, 0), CR_RULES_GP); /* PAE cleared in IA-32e mode */
	assert_int_equal(cr_rules_cr4(&lm, CR4_PAE_BIT | CR4_LA57_BIT, 0), CR_RULES_GP);
	assert_int_equal(cr_rules_cr4(&lm, CR4_PAE_BIT | CR4_PCIDE_BIT, 0), 0);
	lm.cr3 = 0x1001;
	assert_int_equal(cr_rules_cr4(&lm, CR4_PAE_BIT | CR4_PCIDE_BIT, 0), CR_RULES_GP);
	assert_int_equal(cr_rules_cr4(&pm, CR4_PCIDE_BIT, 0), CR_RULES_GP); /* not IA-32e */
	/* 32-bit paging to PAE paging loads the PDPTEs; so does PGE under PAE paging. */
	assert_int_equal(cr_rules_cr4(&pm, CR4_PAE_BIT, 0), CR_RULES_LOAD_PDPTES);
	pm.cr4 = CR4_PAE_BIT;
	assert_int_equal(cr_rules_cr4(&pm, CR4_PAE_BIT | CR4_PGE_BIT, 0), CR_RULES_LOAD_PDPTES);
	assert_int_equal(cr_rules_cr4(&pm, 0, 0), 0); /* back to 32-bit paging */
}

static void test_pdpte(void **state)
{
	(void)state;
	assert_false(cr_rules_pdpte_bad(0, 36));
	assert_false(cr_rules_pdpte_bad(0x12345001, 36));
	assert_false(cr_rules_pdpte_bad(0xfffffffffffffffeULL, 36)); /* not present */
	assert_true(cr_rules_pdpte_bad(0x12345003, 36)); /* bit 1 */
	assert_true(cr_rules_pdpte_bad(0x12345081, 36)); /* bit 7 */
	assert_true(cr_rules_pdpte_bad(1ULL << 36 | 1, 36)); /* past MAXPHYADDR */
	assert_false(cr_rules_pdpte_bad(1ULL << 36 | 1, 52));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0),
		cmocka_unit_test(test_cr4),
		cmocka_unit_test(test_pdpte),
	};

	return unit_run(tests);
}
