// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy TSC deadline (seed 003), host side: keeps deadline_armed in the shared area equal to
 * the deadline the vLAPIC is set for, and at expiry re-arms for a later deadline_pending
 * instead of interrupting. Decisions come from pv/lazy_deadline.c; this file applies them.
 */
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

void pv_deadline_written(struct vcpu *v, u64 value, u64 now)
{
	v->pv_stats.deadline_writes++;
	if (lazy(v))
		v->pv.area->deadline_armed = lazy_deadline_on_write(value, now, lvt_ok(&v->lapic));
}

void pv_deadline_sync(struct vcpu *v)
{
	/* Masked, mode changed, disabled, reset: nothing armed, so the next write must exit. */
	if (lazy(v) && (!lvt_ok(&v->lapic) || !vlapic_timer_next(&v->lapic)))
		v->pv.area->deadline_armed = lazy_deadline_clear();
}

bool pv_deadline_expired(struct vcpu *v, u64 now)
{
	struct kestrel_vcpu_area *a = v->pv.area;
	struct vlapic_ipi unused;
	u64 armed, rearm_at = 0;
	enum lazy_action act;

	if (!lazy(v) || !a->deadline_armed)
		return false;
	act = lazy_deadline_on_expiry(a->deadline_armed, READ_ONCE(a->deadline_pending), now,
				      lvt_ok(&v->lapic), &armed, &rearm_at);
	a->deadline_armed = armed;
	if (act != LAZY_REARM)
		return false; /* the vLAPIC fires (or, masked, expires silently) as usual */
	v->pv_stats.deadline_rearms++;
	vlapic_msr_write(&v->lapic, VLAPIC_MSR_TSC_DEADLINE, rearm_at, now, &unused);
	return true;
}
