// SPDX-License-Identifier: GPL-2.0
/*
 * Which speculation mitigations Kestrel applies between VMs on this CPU, and why: pure logic over
 * CPUID.(EAX=07H,ECX=0):EDX (SDM Vol. 2A, CPUID) and IA32_ARCH_CAPABILITIES (Vol. 4, table 2-2).
 */
#include "arch/x86/spec.h"

/*
 * IBPB: branch predictions one VM trained must not steer another's indirect branches on the
 * same pCPU (IBPB, CPUID.7.0:EDX[26]). Once per switch between VMs, not per entry: within a
 * VM its vCPUs share a trust domain.
 *
 * L1D flush (L1TF): a CPU that does not say RDCL_NO may speculatively read L1D contents through
 * a not-present guest page-table entry, whatever EPT says; unless it also says it needs no
 * flush on VM entry (SKIP_L1DFL_VMENTRY, which nested hypervisors report for their guests) the
 * L1D is written back and invalidated with IA32_FLUSH_CMD before every entry. Every entry, not
 * only after a switch between VMs: a scheduling pass touches every vCPU of the pCPU (another
 * VM's included) and an exit handler may copy another vCPU's data, so Kestrel cannot tell which
 * entries follow a load of something another VM owns.
 *
 * VERW (MDS): unless the CPU says MDS_NO, the store, fill and load-port buffers may hold what
 * the host or another VM last moved through them; with MD_CLEAR, VERW with a memory operand
 * overwrites them (Intel's MDS guidance), so it runs just before every entry. TAA is the same
 * sampling through TSX aborts: VERW covers it where MD_CLEAR is reported, and TSX is not offered
 * to guests.
 *
 * Without an ARCH_CAPABILITIES MSR the CPU claims no immunity: every "_NO" bit counts as 0.
 */
void spec_decide(const struct spec_cpu *cpu, struct spec_policy *p)
{
	u32 edx = cpu->intel ? cpu->cpuid7_edx : 0;
	u64 caps = (edx & CPUID7_EDX_ARCH_CAPS) ? cpu->arch_caps : 0;
	bool l1tf = !(caps & ARCH_CAP_RDCL_NO), mds = !(caps & ARCH_CAP_MDS_NO);

	*p = (struct spec_policy){ 0 };
	p->ibpb_on_vm_switch = edx & CPUID7_EDX_IBRS_IBPB;
	p->ibpb_why = !cpu->intel ? "not an Intel CPU" :
		      p->ibpb_on_vm_switch ? "IBPB offered (CPUID.7.0:EDX[26])" :
					     "not offered (CPUID.7.0:EDX[26] clear)";

	if (!cpu->intel)
		p->l1d_why = "not an Intel CPU";
	else if (!l1tf)
		p->l1d_why = "not needed (ARCH_CAPABILITIES.RDCL_NO)";
	else if (caps & ARCH_CAP_SKIP_L1DFL_VMENTRY)
		p->l1d_why = "not needed (ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY)";
	else if (!(edx & CPUID7_EDX_L1D_FLUSH))
		p->l1d_why = "NEEDED but not offered (CPUID.7.0:EDX[28] clear): L1TF not mitigated";
	else
		p->l1d_why = "L1TF: CPU not RDCL_NO";
	p->l1d_flush_on_entry = cpu->intel && l1tf && !(caps & ARCH_CAP_SKIP_L1DFL_VMENTRY) &&
				(edx & CPUID7_EDX_L1D_FLUSH);

	if (!cpu->intel)
		p->verw_why = "not an Intel CPU";
	else if (!mds)
		p->verw_why = "not needed (ARCH_CAPABILITIES.MDS_NO)";
	else if (!(edx & CPUID7_EDX_MD_CLEAR))
		p->verw_why = "NEEDED but VERW clears nothing (CPUID.7.0:EDX[10] clear): MDS not "
			      "mitigated";
	else
		p->verw_why = "MDS: CPU not MDS_NO, MD_CLEAR offered";
	p->verw_on_entry = cpu->intel && mds && (edx & CPUID7_EDX_MD_CLEAR);
}
