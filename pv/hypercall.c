// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall tables: KVM's numbers (pv/kvm.c) in a VM that offers KVM's ABI, Kestrel's own
 * above them. An unknown number gets -ENOSYS (KVM's -1000 in KVM's range, as KVM answers), a VM
 * with pv=off gets -ENOSYS for all,
 * and the debug calls exist only in a VM configured with debug=on (elsewhere they are unknown:
 * printing tables on demand and invalidating EPT trees are work a guest should not command).
 */
#include "pv/hypercall.h"
#include "guest-sdk/include/kestrel/abi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "hv/kvm_abi.h"
#include "hv/stats.h"
#include "hv/vm.h"
#include "lib/atomic.h"
#include "pv/pv.h"

struct hypercall {
	u64 nr;
	s64 (*fn)(struct vcpu *v);
	bool debug; /* only with debug=on */
};

static const struct hypercall hypercalls[] = {
	{ KESTREL_HC_SET_SHARED_AREA, hc_set_shared_area, false },
	{ KESTREL_HC_FLUSH_TLB, hc_flush_tlb, false },
	{ KESTREL_HC_SEND_IPI, hc_send_ipi, false },
	{ KESTREL_HC_MEM_PROTECT, hc_mem_protect, false },
	{ KESTREL_HC_DEBUG_STATS, hc_debug_stats, true },
	{ KESTREL_HC_DEBUG_EPT_INVALIDATE, hc_debug_ept_invalidate, true },
};

s64 hypercall_dispatch(struct vcpu *v, u64 nr)
{
	/* KVM's numbers are all at or below KVM_HC_MAX, Kestrel's above: no number means both. */
	if (nr <= KVM_HC_MAX)
		return v->vm->kvm ? pv_kvm_hypercall(v, nr) : -ENOSYS;
	if (!v->vm->pv)
		return -ENOSYS;
	for (u32 i = 0; i < ARRAY_SIZE(hypercalls); i++)
		if (hypercalls[i].nr == nr)
			return hypercalls[i].debug && !v->vm->debug ? -ENOSYS : hypercalls[i].fn(v);
	return -ENOSYS;
}

/*
 * At most one table per KESTREL_DEBUG_STATS_INTERVAL_US per VM, counted from the end of the
 * last one printed: printing it on demand is work the guest commands. The exit only records
 * the request and ends the caller's run; its pCPU's scheduler prints the table before it runs
 * anything else (stats_print_if_asked), so nothing is formatted or printed inside the exit and
 * the caller's next instruction still comes after its table.
 */
s64 hc_debug_stats(struct vcpu *v)
{
	struct vm *vm = v->vm;

	spin_lock(&vm->lock);
	if ((s64)(rdtsc() - vm->stats_next) < 0) {
		spin_unlock(&vm->lock);
		return -EBUSY;
	}
	vm->stats_next = UINT64_MAX / 2 + rdtsc(); /* a second caller meanwhile waits too */
	vm->stats_interval = timer_us_to_tsc(KESTREL_DEBUG_STATS_INTERVAL_US);
	spin_unlock(&vm->lock);
	atomic_set_seq(&vm->stats_asked, 1);
	v->leave_run = true;
	return 0;
}

s64 hc_debug_ept_invalidate(struct vcpu *v)
{
	u64 mode = v->regs.gpr[GPR_RDI];
	u64 ticks;

	if (mode > (KESTREL_DEBUG_EPT_WALK | KESTREL_DEBUG_EPT_LOCKED))
		return -EINVAL;
	ticks = vm_invalidate_ept(v->vm, mode & KESTREL_DEBUG_EPT_WALK);
	/* The critical section alone: what another vCPU's fault or change may wait for. */
	if (!(mode & KESTREL_DEBUG_EPT_LOCKED))
		return (s64)ticks;
	return (s64)(v->vm->shadow ? vm_shadow_locked_ticks(v->vm) :
		     READ_ONCE(v->vm->ept.last_locked_ticks));
}
