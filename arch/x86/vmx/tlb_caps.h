/* SPDX-License-Identifier: GPL-2.0 */
/* Whether Kestrel uses EPT and VPID: only with the INVEPT and INVVPID that keep them correct. */
#ifndef KESTREL_ARCH_X86_VMX_TLB_CAPS_H
#define KESTREL_ARCH_X86_VMX_TLB_CAPS_H

#include "lib/types.h"

/* IA32_VMX_EPT_VPID_CAP bits, SDM Vol. 3D, A.10. */
#define EPT_VPID_CAP_INVEPT BIT(20)
#define EPT_VPID_CAP_INVEPT_SINGLE BIT(25)
#define EPT_VPID_CAP_INVEPT_ALL BIT(26)
#define EPT_VPID_CAP_INVVPID BIT(32)
#define EPT_VPID_CAP_INVVPID_ADDR BIT(40)
#define EPT_VPID_CAP_INVVPID_SINGLE BIT(41)
#define EPT_VPID_CAP_INVVPID_ALL BIT(42)

struct tlb_caps {
	bool ept, vpid; /* what Kestrel enables */
	const char *no_ept, *no_vpid; /* why one the controls allow stays off, or NULL */
};

/*
 * ept_ctl, vpid_ctl: the allowed-1 settings of "enable EPT" and "enable VPID"; cap: the
 * IA32_VMX_EPT_VPID_CAP MSR (read only when one of them is allowed). A pure function.
 */
void tlb_caps_decide(struct tlb_caps *out, bool ept_ctl, bool vpid_ctl, u64 cap);

#endif
