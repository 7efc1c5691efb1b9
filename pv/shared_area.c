// SPDX-License-Identifier: GPL-2.0
/*
 * The per-vCPU shared area: registration, steal time, and the preempted/flush-pending word,
 * which Kestrel exchanges with 0 before each run so a flush asked through it is never lost
 * (the lesson of CVE-2019-3016).
 */
#include "hv/vm.h"
#include "lib/atomic.h"
#include "mm/guest_mem.h"
#include "pv/pv.h"

s64 hc_set_shared_area(struct vcpu *v)
{
	u64 gpa = v->regs.gpr[GPR_RDI];

	if (!gpa) {
		pv_deadline_clear(v); /* a deferred deadline goes to the vLAPIC first */
		v->pv.area = NULL;
		v->pv.area_gpa = 0;
		return 0;
	}
	if (gpa % sizeof(struct kestrel_vcpu_area))
		return -EINVAL;
	if (!gmem_range_ok(&v->vm->mem, gpa, sizeof(struct kestrel_vcpu_area)))
		return -EFAULT;
	pv_deadline_clear(v);
	/*
	 * 64-byte aligned, so it cannot straddle two 2 MiB chunks: one host pointer serves. Stored
	 * under the EPT lock: a give-back then keeps its chunk the VM's (vm_mem_pin).
	 */
	if (!vm_mem_pin(v->vm, gpa, sizeof(struct kestrel_vcpu_area), (void **)&v->pv.area))
		return -EFAULT; /* given back to the host */
	v->pv.area_gpa = gpa;
	v->pv.area->deadline_armed = 0;
	/* Even, whatever the guest left there: odd means "being updated" to readers. */
	v->pv.area->version = (v->pv.area->version + 1) & ~1u;
	atomic_set_seq(&v->pv.area->flags, 0);
	return 0;
}

void pv_schedule_in(struct vcpu *v, u64 steal)
{
	struct kestrel_vcpu_area *a = v->pv.area;
	u32 flags;

	if (v->pv.kvm_steal) /* KVM's steal time, if the guest turned it on */
		pv_kvm_schedule_in(v, steal);
	if (!a)
		return;
	/* Only this pCPU writes steal_tsc, and the vCPU is not running: version guards readers. */
	atomic_set(&a->version, a->version + 1);
	asm volatile("" ::: "memory"); /* the odd version is stored before steal_tsc changes */
	a->steal_tsc += steal;
	atomic_set(&a->version, a->version + 1);
	flags = atomic_xchg(&a->flags, 0);
	if (flags & KESTREL_VCPU_FLUSH) {
		v->pv_stats.flush_area_bit++;
		spin_lock(&v->pv.flush.lock);
		v->pv.flush.kind |= KESTREL_FLUSH_ALL;
		spin_unlock(&v->pv.flush.lock);
		pv_do_flush(v);
	}
}

void pv_preempted(struct vcpu *v)
{
	pv_kvm_preempted(v);
	if (v->pv.area)
		atomic_or(&v->pv.area->flags, KESTREL_VCPU_PREEMPTED);
}

void pv_reset(struct vcpu *v)
{
	v->pv.deadline_armed = 0;
	v->pv.area = NULL;
	v->pv.area_gpa = 0;
	pv_kvm_reset(v);
	spin_lock(&v->pv.flush.lock);
	v->pv.flush.kind = 0;
	v->pv.flush.set_gen = false;
	v->pv.flush.ranges.nr = 0;
	spin_unlock(&v->pv.flush.lock);
}
