// SPDX-License-Identifier: GPL-2.0
/*
 * Exception classes (SDM Vol. 3A, 7.3, table 7-1; 7.15, tables 7-4 and 7-5), for events the
 * hypervisor injects itself. Pure: host-tested in tests/unit/test_exception.c.
 */
#include "arch/x86/exception.h"

/* Table 7-1's "type" column: traps (#BP, #OF; #DB as Kestrel raises it), aborts (#DF, #MC). */
#define NOT_FAULTS (BIT(EXC_DB) | BIT(EXC_NMI) | BIT(3) | BIT(4) | BIT(EXC_DF) | BIT(18))

/* Table 7-4: #DE, #TS, #NP, #SS, #GP, #CP are contributory; #PF and #VE are page faults. */
#define CONTRIBUTORY (BIT(0) | BIT(10) | BIT(11) | BIT(12) | BIT(EXC_GP) | BIT(21))
#define PAGE_FAULTS (BIT(EXC_PF) | BIT(20))

bool exception_is_fault(u8 vector)
{
	return vector < 32 && !(NOT_FAULTS & BIT(vector));
}

int exception_combine(u8 first, u8 second)
{
	u32 f = first < 32 ? BIT(first) : 0, s = second < 32 ? BIT(second) : 0;

	if (first == EXC_DF && ((s & CONTRIBUTORY) || (s & PAGE_FAULTS)))
		return EXCEPTION_TRIPLE_FAULT; /* "any" during #DF delivery but the benign ones */
	/* Table 7-5: contributory then contributory, page fault then either: #DF. */
	if ((f & CONTRIBUTORY) && (s & CONTRIBUTORY))
		return EXC_DF;
	if ((f & PAGE_FAULTS) && (s & (CONTRIBUTORY | PAGE_FAULTS)))
		return EXC_DF;
	return second; /* handled serially: the first is lost, the second delivered */
}
