// SPDX-License-Identifier: GPL-2.0
/* The scheduler's policy (hv/sched/policy.h): pure logic on a pCPU's vCPU list, host-tested. */
#include "hv/sched/policy.h"
#include "hv/vm.h"

u32 sched_policy_runnable(const struct sched_cpu *s)
{
	u32 n = 0;

	for (u32 i = 0; i < s->nr; i++)
		n += s->vcpus[i]->state == VCPU_RUNNABLE;
	return n;
}

struct vcpu *sched_policy_pick(struct sched_cpu *s)
{
	struct vcpu *p = s->prefer;
	u32 runnable = sched_policy_runnable(s);

	/* Published for idle pCPUs looking for work: those that wait while this one runs. */
	WRITE_ONCE(s->nr_waiting, runnable ? runnable - 1 : 0);
	WRITE_ONCE(s->nr_runnable, runnable); /* and for periodic balancing */
	s->prefer = NULL;
	if (p && p->state == VCPU_RUNNABLE)
		return s->last = p;
	for (u32 k = 0; k < s->nr; k++) {
		struct vcpu *v = s->vcpus[(s->next + k) % s->nr];

		if (v->state == VCPU_RUNNABLE) {
			s->next = (s->next + k + 1) % s->nr;
			return s->last = v;
		}
	}
	return NULL;
}

u64 sched_policy_next_deadline(struct sched_cpu *s, const struct vcpu *running)
{
	u64 d = s->deadline_cache;

	/* Recomputed only when a timer or a vCPU's state here changed: most exits change neither. */
	if (s->deadline_dirty) {
		s->deadline_dirty = false;
		d = UINT64_MAX;
		for (u32 i = 0; i < s->nr; i++) {
			struct vcpu *o = s->vcpus[i];
			u64 t = vcpu_timer_next(o);

			if (t && o->state != VCPU_STOPPED && t < d)
				d = t;
			if (o != running && o->state == VCPU_RUNNABLE && s->slice_end < d)
				d = s->slice_end;
		}
		s->deadline_cache = d;
	}
	/* Someone woke: the running vCPU makes way once it has had its minimum run. */
	if (s->woken && s->min_run_end < d)
		d = s->min_run_end;
	return d;
}

bool sched_policy_slice_over(struct sched_cpu *s, u64 now, u64 slice)
{
	if ((s64)(now - s->slice_end) < 0)
		return false;
	if (sched_policy_runnable(s) > 1)
		return true;
	s->slice_end = now + slice;
	s->deadline_dirty = true; /* the cache may hold the old slice end, already past */
	return false;
}

bool sched_policy_should_yield(struct sched_cpu *s, u64 now)
{
	if (!s->woken || (s64)(now - s->min_run_end) < 0)
		return false;
	s->woken = false;
	return true;
}

int sched_policy_to_give(const struct sched_cpu *s, u32 to)
{
	/* Keep one runnable vCPU here: move only what would otherwise wait. */
	if (sched_policy_runnable(s) < 2)
		return -1;
	for (u32 i = 0; i < s->nr; i++) {
		const struct vcpu *v = s->vcpus[i];

		if (v->state == VCPU_RUNNABLE && v != s->prefer && cpuset_has(&v->vm->cpus, to))
			return (int)i;
	}
	return -1;
}

/* Whether another runnable vCPU of v's VM is on s. */
static bool has_sibling(const struct sched_cpu *s, const struct vcpu *v)
{
	for (u32 i = 0; i < s->nr; i++) {
		const struct vcpu *o = s->vcpus[i];

		if (o != v && o->vm == v->vm && o->state == VCPU_RUNNABLE)
			return true;
	}
	return false;
}

int sched_policy_to_push(const struct sched_cpu *s, u32 to)
{
	int first = -1;
	u32 seen = 0;

	for (u32 i = 0; i < s->nr && seen < SCHED_BALANCE_CANDIDATES; i++) {
		const struct vcpu *v = s->vcpus[i];

		if (v->state != VCPU_RUNNABLE || v == s->prefer || !cpuset_has(&v->vm->cpus, to))
			continue;
		/*
		 * Two VMs of two vCPUs on two pCPUs, three of them on one: moving the VM alone
		 * there would leave its vCPUs sharing the other pCPU, half a pCPU each, where
		 * moving one of the pair gives every vCPU half a pCPU and each VM one.
		 */
		if (has_sibling(s, v))
			return (int)i;
		if (first < 0)
			first = (int)i;
		seen++;
	}
	return first;
}

int sched_policy_balance(struct sched_cpu *s, struct sched_cpu *const *all, u32 n, u32 me,
			 u64 now, u64 slice, u32 *to)
{
	u32 mine, best_load = UINT32_MAX;
	int best = -1;

	if ((s64)(now - s->balance_next) < 0)
		return -1;
	s->balance_next = now + slice;
	mine = sched_policy_runnable(s);
	if (mine < SCHED_BALANCE_GAP)
		return -1;
	for (u32 c = 0; c < n; c++) {
		const struct sched_cpu *o = all[c];
		u32 load;
		int i;

		if (c == me || !o || !READ_ONCE(o->active))
			continue;
		load = READ_ONCE(o->nr_runnable) + READ_ONCE(o->nr_inbox);
		if (load + SCHED_BALANCE_GAP > mine || load >= best_load)
			continue;
		i = sched_policy_to_push(s, c);
		if (i < 0)
			continue;
		best = i;
		best_load = load;
		*to = c;
	}
	if (best >= 0)
		s->balance_next = now + SCHED_BALANCE_SLICES * slice;
	return best;
}

bool sched_policy_has_room(const struct sched_cpu *s)
{
	return READ_ONCE(s->nr) + s->nr_inbox < SCHED_MAX_VCPUS_PER_CPU;
}

u32 sched_policy_adopt(struct sched_cpu *s)
{
	u32 first = s->nr, moved = 0;

	while (moved < s->nr_inbox && s->nr < SCHED_MAX_VCPUS_PER_CPU)
		s->vcpus[s->nr++] = s->inbox[moved++];
	/* What does not fit waits in the inbox: a vCPU is never dropped. */
	for (u32 i = moved; i < s->nr_inbox; i++)
		s->inbox[i - moved] = s->inbox[i];
	s->nr_inbox -= moved;
	return first;
}
