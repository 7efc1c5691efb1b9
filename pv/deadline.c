// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy TSC deadline (KVM's lazy tscdeadline RFC, 2023), host side: keeps deadline_armed in
 * the shared area equal to the deadline the vLAPIC is set for, and at expiry re-arms for a
 * later deadline_pending instead of interrupting. Decisions come from pv/lazy_deadline.c; this
 * file applies them. Kestrel keeps its own copy of "armed": the guest can write the shared
 * one, never this one. Kestrel's copies are in host TSC, the shared area's in the vCPU's own
 * (vcpu_deadline_to_host/_to_guest: they differ once the guest moved its TSC).
 */
#include "arch/x86/cpu.h"
#include "hv/sched/sched.h"
#include "hv/vm.h"
#include "pv/lazy_deadline.h"
#include "pv/pv.h"

/* The vLAPIC will deliver a TSC-deadline interrupt: enabled, unmasked, in that mode. */
static bool lvt_ok(const struct vlapic *l)
{
	u32 lvt = l->lvt[0];

	return vlapic_mode(l) != VLAPIC_MODE_DISABLED && (l->svr & VLAPIC_SVR_ENABLE) &&
	       !(lvt & VLAPIC_LVT_MASKED) && (lvt & (3u << 17)) == VLAPIC_TIMER_TSC_DEADLINE;
}

static bool lazy(const struct vcpu *v)
{
	return v->pv.area && v->vm->pv;
}

static void set_armed(struct vcpu *v, u64 armed)
{
	v->pv.deadline_armed = armed;
	if (v->pv.area)
		WRITE_ONCE(v->pv.area->deadline_armed, vcpu_deadline_to_guest(v, armed));
}

/* The deadline the guest stored without exiting, in host TSC. */
static u64 pending(const struct vcpu *v)
{
	return vcpu_deadline_to_host(v, READ_ONCE(v->pv.area->deadline_pending));
}

void pv_deadline_clear(struct vcpu *v)
{
	struct vlapic_ipi unused;
	u64 d;

	if (!v->pv.deadline_armed)
		return;
	/*
	 * A later deadline the guest stored without exiting must reach the vLAPIC before the
	 * shortcut goes: else it would fire at the old deadline (early), or not at all.
	 */
	d = v->pv.area ? lazy_deadline_deferred(v->pv.deadline_armed, pending(v)) : 0;
	if (d) {
		vlapic_msr_write(&v->lapic, VLAPIC_MSR_TSC_DEADLINE, d, rdtsc(), &unused);
		sched_timers_changed(v);
	}
	set_armed(v, lazy_deadline_clear());
}

void pv_deadline_written(struct vcpu *v, u64 value, u64 now)
{
	v->pv_stats.deadline_writes++;
	if (lazy(v))
		set_armed(v, lazy_deadline_on_write(value, now, lvt_ok(&v->lapic)));
}

void pv_deadline_sync(struct vcpu *v)
{
	/* Masked, mode changed, disabled: nothing armed, so the guest's next write must exit. */
	if (lazy(v) && (!lvt_ok(&v->lapic) || !vlapic_timer_next(&v->lapic)))
		pv_deadline_clear(v);
}

bool pv_deadline_expired(struct vcpu *v, u64 now)
{
	struct vlapic_ipi unused;
	u64 armed = v->pv.deadline_armed, rearm_at = 0;
	enum lazy_action act;

	if (!lazy(v) || !armed)
		return false;
	act = lazy_deadline_on_expiry(armed, pending(v), now, lvt_ok(&v->lapic), &armed, &rearm_at);
	set_armed(v, armed);
	if (act != LAZY_REARM)
		return false; /* the vLAPIC fires (or, masked, expires silently) as usual */
	v->pv_stats.deadline_rearms++;
	vlapic_msr_write(&v->lapic, VLAPIC_MSR_TSC_DEADLINE, rearm_at, now, &unused);
	return true;
}
