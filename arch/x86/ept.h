/* SPDX-License-Identifier: GPL-2.0 */
/* Extended page tables: a VM's guest-physical to host-physical map (SDM Vol. 3C, 29.3). */
#ifndef KESTREL_ARCH_X86_EPT_H
#define KESTREL_ARCH_X86_EPT_H

#include "mm/guest_mem.h"

struct ept {
	u64 root; /* host-physical PML4 */
	u64 eptp; /* the VMCS's EPT pointer */
	u64 nr_tables; /* pages of tables, for the boot log */
};

/* Maps all of gm's RAM, read/write/execute, write-back; 2 MiB pages where the CPU has them. */
int ept_build(struct ept *ept, const struct guest_mem *gm);
void ept_destroy(struct ept *ept);
/* INVEPT single-context for eptp (all-context where single is missing). */
void ept_invalidate(u64 eptp);

#endif
