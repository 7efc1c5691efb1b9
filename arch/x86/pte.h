/* SPDX-License-Identifier: GPL-2.0 */
/* x86 4-level paging-structure entry bits, SDM Vol. 3A, 5.5 (4-level paging), table 5-15 on. */
#ifndef KESTREL_ARCH_X86_PTE_H
#define KESTREL_ARCH_X86_PTE_H

#include "lib/types.h"

#define PTE_P BIT(0) /* present */
#define PTE_RW BIT(1) /* writable */
#define PTE_US BIT(2) /* user */
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4) /* cache disabled */
#define PTE_PS BIT(7) /* a large page, in a PDPTE or PDE */
#define PTE_XD BIT(63) /* execute-disable, with EFER.NXE */

#endif
