// SPDX-License-Identifier: MIT
/* The hypercalls: VMCALL with the number in RAX and arguments in RDI, RSI, RDX, R10, R8, R9. */
#include "arch.h"

int64_t kestrel_hypercall(uint64_t nr, uint64_t rdi, uint64_t rsi, uint64_t rdx, uint64_t r10,
			  uint64_t r8, uint64_t r9)
{
	register uint64_t a3 __asm__("r10") = r10;
	register uint64_t a4 __asm__("r8") = r8;
	register uint64_t a5 __asm__("r9") = r9;
	uint64_t ret = nr;

	/* abi.h: only RAX changes; "memory" because Kestrel reads and writes guest memory. */
	__asm__ volatile("vmcall"
			 : "+a"(ret)
			 : "D"(rdi), "S"(rsi), "d"(rdx), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return (int64_t)ret;
}

int kestrel_hc_set_shared_area(uint64_t gpa)
{
	return (int)kestrel_hypercall(KESTREL_HC_SET_SHARED_AREA, gpa, 0, 0, 0, 0, 0);
}

int kestrel_hc_flush_tlb(uint32_t flags, const struct kestrel_vpset_regs *set,
			 uint64_t ranges_gpa, uint32_t nr_ranges, uint64_t gen)
{
	uint64_t rdi = (uint64_t)(flags | set->flags) | ((uint64_t)nr_ranges << 32);

	return (int)kestrel_hypercall(KESTREL_HC_FLUSH_TLB, rdi, set->rsi, set->rdx, set->r10,
				      ranges_gpa, gen);
}

int kestrel_hc_send_ipi(uint32_t vector_flags, const struct kestrel_vpset_regs *set)
{
	return (int)kestrel_hypercall(KESTREL_HC_SEND_IPI, vector_flags | set->flags, set->rsi,
				      set->rdx, set->r10, 0, 0);
}

int kestrel_hc_debug_stats(void)
{
	return (int)kestrel_hypercall(KESTREL_HC_DEBUG_STATS, 0, 0, 0, 0, 0, 0);
}

int64_t kestrel_hc_debug_ept_invalidate(bool walk)
{
	return kestrel_hypercall(KESTREL_HC_DEBUG_EPT_INVALIDATE, walk, 0, 0, 0, 0, 0);
}

int kestrel_send_ipi(const struct kestrel_os *os, const struct kestrel_vpset *s,
		     uint32_t vector_flags, struct kestrel_vp_set *buf, uint32_t max_banks)
{
	struct kestrel_vpset_regs regs;
	int err = kestrel_vpset_encode(s, buf, max_banks, buf ? kestrel_os_phys(os, buf) : 0,
				       &regs);

	return err ? err : kestrel_hc_send_ipi(vector_flags, &regs);
}

int kestrel_flush_tlb(const struct kestrel_os *os, const struct kestrel_vpset *s, uint32_t flags,
		      const struct kestrel_flush_range *ranges, uint32_t nr_ranges, uint64_t gen,
		      struct kestrel_vp_set *buf, uint32_t max_banks)
{
	struct kestrel_vpset_regs regs;
	int err;

	if (nr_ranges > KESTREL_FLUSH_MAX_RANGES)
		return -KESTREL_E2BIG;
	if (nr_ranges && !ranges)
		return -KESTREL_EINVAL;	/* else Kestrel would read ranges at guest-physical 0 */
	err = kestrel_vpset_encode(s, buf, max_banks, buf ? kestrel_os_phys(os, buf) : 0, &regs);
	if (err)
		return err;
	return kestrel_hc_flush_tlb(flags, &regs, ranges ? kestrel_os_phys(os, ranges) : 0,
				    nr_ranges, gen);
}
