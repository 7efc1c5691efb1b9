/* SPDX-License-Identifier: GPL-2.0 */
/* VPIDs: which virtual-processor identifiers are in use, handed out and given back. */
#ifndef KESTREL_ARCH_X86_VMX_VPID_H
#define KESTREL_ARCH_X86_VMX_VPID_H

#include "lib/types.h"

/*
 * A VPID no other vCPU holds, 1 to 65535 (0 is the host's, SDM Vol. 3C, 26.6.2, and VM entry
 * refuses it with "enable VPID" set, 28.2.1.1); 0 when every one is taken: the caller then runs
 * that vCPU with "enable VPID" clear, so that every VM entry and exit flushes (30.4.3.1).
 */
u16 vpid_alloc(void);
/* Gives vpid back (0 is ignored). Its owner must never enter with it again. */
void vpid_free(u16 vpid);

#endif
