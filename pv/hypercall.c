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

typedef s64 (*hypercall_fn)(struct vcpu *v);

/* Kestrel's numbers run on from the first, and the debug calls' from theirs: tables by number. */
#define HC_FIRST KESTREL_HC_SET_SHARED_AREA
#define HC_DEBUG_FIRST KESTREL_HC_DEBUG_STATS

static const hypercall_fn hypercalls[] = {
	[KESTREL_HC_SET_SHARED_AREA - HC_FIRST] = hc_set_shared_area,
	[KESTREL_HC_FLUSH_TLB - HC_FIRST] = hc_flush_tlb,
	[KESTREL_HC_SEND_IPI - HC_FIRST] = hc_send_ipi,
	[KESTREL_HC_MEM_PROTECT - HC_FIRST] = hc_mem_protect,
};

/* Only with debug=on. */
static const hypercall_fn debug_hypercalls[] = {
	[KESTREL_HC_DEBUG_STATS - HC_DEBUG_FIRST] = hc_debug_stats,
	[KESTREL_HC_DEBUG_EPT_INVALIDATE - HC_DEBUG_FIRST] = hc_debug_ept_invalidate,
};

s64 hypercall_dispatch(struct vcpu *v, u64 nr)
{
	hypercall_fn fn = NULL;

	/* KVM's numbers are all at or below KVM_HC_MAX, Kestrel's above: no number means both. */
	if (nr <= KVM_HC_MAX)
		return v->vm->kvm ? pv_kvm_hypercall(v, nr) : -ENOSYS;
	if (!v->vm->pv)
		return -ENOSYS;
	/* Unsigned: a number below a table's first wraps far above its size. A hole is NULL. */
	if (nr - HC_FIRST < ARRAY_SIZE(hypercalls))
		fn = hypercalls[nr - HC_FIRST];
	else if (nr - HC_DEBUG_FIRST < ARRAY_SIZE(debug_hypercalls) && v->vm->debug)
		fn = debug_hypercalls[nr - HC_DEBUG_FIRST];
	return fn ? fn(v) : -ENOSYS;
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
