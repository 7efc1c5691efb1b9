// SPDX-License-Identifier: GPL-2.0
/*
 * Whether to use EPT and VPID, from the capability MSRs alone (host-tested in
 * tests/unit/test_tlb_caps.c). A VPID or EPT tag is only safe when Kestrel can drop what is
 * cached under it: when a vCPU moves between pCPUs, an EPT root is freed, or a guest asks
 * for a flush. Without INVVPID a VPID's translations could never be flushed, so VPID is left
 * off (every entry and exit then flushes VPID 0, SDM Vol. 3C, 30.4.3.1); without INVEPT
 * no EPT root could be freed or replaced, and Kestrel has no shadow paging: EPT is refused.
 * KVM makes the same choice (it needs an INVVPID and INVEPT type it can use).
 */
#include "arch/x86/vmx/tlb_caps.h"

void tlb_caps_decide(struct tlb_caps *out, bool ept_ctl, bool vpid_ctl, u64 cap)
{
	/* Kestrel flushes with single-context where there is one, all-context otherwise. */
	bool invept = (cap & EPT_VPID_CAP_INVEPT) &&
		      (cap & (EPT_VPID_CAP_INVEPT_SINGLE | EPT_VPID_CAP_INVEPT_ALL));
	bool invvpid = (cap & EPT_VPID_CAP_INVVPID) &&
		       (cap & (EPT_VPID_CAP_INVVPID_SINGLE | EPT_VPID_CAP_INVVPID_ALL));

	out->ept = ept_ctl && invept;
	out->vpid = vpid_ctl && invvpid;
	out->no_ept = ept_ctl && !invept ?
		"EPT without INVEPT of a single-context or all-context type "
		"(IA32_VMX_EPT_VPID_CAP bits 20, 25, 26)" : NULL;
	out->no_vpid = vpid_ctl && !invvpid ?
		"VPID without INVVPID of a single-context or all-context type "
		"(IA32_VMX_EPT_VPID_CAP bits 32, 41, 42)" : NULL;
}
