// SPDX-License-Identifier: GPL-2.0
/* The scheduler's policy (hv/sched/policy.h): pure logic on a pCPU's vCPU list, host-tested. */
#include "hv/sched/policy.h"
#include "hv/vm.h"

void sched_policy_init(struct sched_cpu *s)
{
	timer_heap_init(&s->timers, s->timer_slots, SCHED_MAX_VCPUS_PER_CPU);
}

static void rq_append(struct sched_cpu *s, struct vcpu *v)
{
	if (v->on_rq)
		return;
	v->on_rq = true;
	v->rq_next = NULL;
	v->rq_prev = s->rq_tail;
	if (s->rq_tail)
		s->rq_tail->rq_next = v;
	else
		s->rq_head = v;
	s->rq_tail = v;
	s->nr_rq++;
}

static void rq_unlink(struct sched_cpu *s, struct vcpu *v)
{
	if (!v->on_rq)
		return;
	v->on_rq = false;
	if (v->rq_prev)
		v->rq_prev->rq_next = v->rq_next;
	else
		s->rq_head = v->rq_next;
	if (v->rq_next)
		v->rq_next->rq_prev = v->rq_prev;
	else
		s->rq_tail = v->rq_prev;
	v->rq_next = v->rq_prev = NULL;
	s->nr_rq--;
}

void sched_policy_timer_changed(struct sched_cpu *s, struct vcpu *v)
{
	/* A stopped vCPU's timers fire nothing: it stays out of the heap. */
	timer_heap_set(&s->timers, &v->timer, v->state == VCPU_STOPPED ? 0 : vcpu_timer_next(v));
	v->own_timer = UINT64_MAX;
	v->timer_deferred = false;
	s->deadline_dirty = true;
}

void sched_policy_timer_deferred(struct sched_cpu *s, struct vcpu *v)
{
	u64 t = vcpu_timer_next(v);

	(void)s;
	v->own_timer = t ? t : UINT64_MAX;
	v->timer_deferred = true;
}

void sched_policy_timer_flush(struct sched_cpu *s, struct vcpu *v)
{
	if (v->timer_deferred)
		sched_policy_timer_changed(s, v);
}

void sched_policy_add(struct sched_cpu *s, struct vcpu *v)
{
	v->sched_idx = s->nr;
	s->vcpus[s->nr++] = v;
	if (v->state == VCPU_RUNNABLE)
		rq_append(s, v);
	sched_policy_timer_changed(s, v);
}

void sched_policy_remove(struct sched_cpu *s, struct vcpu *v)
{
	u32 i = v->sched_idx;

	if (i >= s->nr || s->vcpus[i] != v)
		return; /* not listed here */
	s->vcpus[i] = s->vcpus[--s->nr];
	s->vcpus[i]->sched_idx = i;
	v->sched_idx = UINT32_MAX;
	rq_unlink(s, v);
	timer_heap_cancel(&s->timers, &v->timer);
	if (s->prefer == v)
		s->prefer = NULL;
	s->deadline_dirty = true;
}

void sched_policy_set_state(struct sched_cpu *s, struct vcpu *v, u32 state)
{
	u32 old = v->state;

	v->state = state;
	if (state == VCPU_RUNNABLE)
		rq_append(s, v);
	else
		rq_unlink(s, v);
	if ((old == VCPU_STOPPED) != (state == VCPU_STOPPED))
		sched_policy_timer_changed(s, v);
	s->deadline_dirty = true;
}

struct vcpu *sched_policy_pick(struct sched_cpu *s)
{
	struct vcpu *p = s->prefer;
	u32 runnable = sched_policy_runnable(s);

	/* Published for idle pCPUs looking for work: those that wait while this one runs. */
	WRITE_ONCE(s->nr_waiting, runnable ? runnable - 1 : 0);
	WRITE_ONCE(s->nr_runnable, runnable); /* and for periodic balancing */
	s->prefer = NULL;
	if (!p || p->state != VCPU_RUNNABLE || !p->on_rq)
		p = s->rq_head;
	if (!p)
		return NULL;
	/* It runs now: the others go before it next time round (it may be last already). */
	if (p != s->rq_tail) {
		rq_unlink(s, p);
		rq_append(s, p);
	}
	return s->last = p;
}

u64 sched_policy_next_deadline(struct sched_cpu *s, const struct vcpu *running)
{
	u64 d = s->deadline_cache;

	/* Recomputed only when a timer or a vCPU's state here changed: most exits change neither. */
	if (s->deadline_dirty) {
		u32 waiting = s->nr_rq - (running && running->on_rq);

		s->deadline_dirty = false;
		d = timer_heap_min_key(&s->timers);
		if (!d)
			d = UINT64_MAX;
		if (waiting && s->slice_end < d)
			d = s->slice_end;
		s->deadline_cache = d;
	}
	/* Someone woke: the running vCPU makes way once it has had its minimum run. */
	if (s->woken && s->min_run_end < d)
		d = s->min_run_end;
	/* Its own timer, while its place in the heap waits (sched_policy_timer_deferred). */
	if (running && running->own_timer < d)
		d = running->own_timer;
	return d;
}

void sched_policy_run_begin(struct sched_cpu *s, struct vcpu *v, u64 now, u64 slice)
{
	u64 pay = MIN(v->slice_debt, slice - slice / SCHED_MIN_SLICE_DIV);

	v->slice_debt -= pay;
	s->slice_end = now + slice - pay;
	s->min_run_end = now + slice / 4;
	s->current = v;
	s->woken = false;
	s->deadline_dirty = true; /* a new slice end, another running vCPU */
}

void sched_policy_run_end(struct sched_cpu *s, struct vcpu *v, u64 now, u64 slice)
{
	u64 over = now - s->slice_end;

	/* Owed to the vCPUs waiting here; alone, it owes nobody (its slice is renewed). */
	if ((s64)over > 0 && s->nr_rq > (u32)v->on_rq) {
		v->slice_debt = MIN(v->slice_debt + over, SCHED_MAX_DEBT_SLICES * slice);
		v->stats.overrun_tsc += over;
		v->stats.overrun_max = MAX(v->stats.overrun_max, over);
	}
	s->current = NULL;
}

void sched_policy_waiter_arrived(struct sched_cpu *s, u64 now)
{
	if (s->current && (s64)(now - s->slice_end) > 0) {
		s->slice_end = now;
		s->deadline_dirty = true;
	}
}

void sched_policy_wake(struct sched_cpu *s, struct vcpu *v, u64 now)
{
	sched_policy_set_state(s, v, VCPU_RUNNABLE);
	if (v != s->current)
		sched_policy_waiter_arrived(s, now);
	sched_policy_prefer(s, v, true);
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
	for (const struct vcpu *v = s->rq_head; v; v = v->rq_next)
		if (v != s->prefer && cpuset_has(&v->vm->cpus, to))
			return (int)v->sched_idx;
	return -1;
}

/* Whether another runnable vCPU of v's VM is on s. */
static bool has_sibling(const struct sched_cpu *s, const struct vcpu *v)
{
	for (const struct vcpu *o = s->rq_head; o; o = o->rq_next)
		if (o != v && o->vm == v->vm)
			return true;
	return false;
}

int sched_policy_to_push(const struct sched_cpu *s, u32 to)
{
	int first = -1;
	u32 seen = 0;

	for (const struct vcpu *v = s->rq_head; v && seen < SCHED_BALANCE_CANDIDATES;
	     v = v->rq_next) {
		if (v == s->prefer || !cpuset_has(&v->vm->cpus, to))
			continue;
		/*
		 * Two VMs of two vCPUs on two pCPUs, three of them on one: moving the VM alone
		 * there would leave its vCPUs sharing the other pCPU, half a pCPU each, where
		 * moving one of the pair gives every vCPU half a pCPU and each VM one.
		 */
		if (has_sibling(s, v))
			return (int)v->sched_idx;
		if (first < 0)
			first = (int)v->sched_idx;
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
		sched_policy_add(s, s->inbox[moved++]);
	/* What does not fit waits in the inbox: a vCPU is never dropped. */
	for (u32 i = moved; i < s->nr_inbox; i++)
		s->inbox[i - moved] = s->inbox[i];
	s->nr_inbox -= moved;
	return first;
}
