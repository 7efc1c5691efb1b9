// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/sched/policy.c: picking, preferring, deadlines, yielding, giving, balancing. */
#include "unit.h"
#include "hv/sched/policy.h"
#include "hv/vm.h"

#define NV 6

static struct vm vm;
static struct vcpu vcpus[NV];
static struct sched_cpu cpu; /* 128 KiB: static, not on the stack */

/* NV vCPUs on one pCPU, all runnable, no timers, allowed on every pCPU. */
static struct sched_cpu *setup(void)
{
	memset(&cpu, 0, sizeof(cpu));
	memset(vcpus, 0, sizeof(vcpus));
	memset(&vm, 0, sizeof(vm));
	cpuset_fill(&vm.cpus);
	sched_policy_init(&cpu);
	for (u32 i = 0; i < NV; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].state = VCPU_RUNNABLE;
		sched_policy_add(&cpu, &vcpus[i]);
	}
	cpu.deadline_dirty = true;
	return &cpu;
}

/* Round robin: each runnable vCPU in turn, the halted ones skipped, none when none is runnable. */
static void test_pick_round_robin(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	sched_policy_set_state(&cpu, &vcpus[2], VCPU_HALTED);
	sched_policy_set_state(&cpu, &vcpus[4], VCPU_WAIT_SIPI);
	for (u32 round = 0; round < 3; round++) {
		assert_ptr_equal(sched_policy_pick(s), &vcpus[0]);
		assert_ptr_equal(sched_policy_pick(s), &vcpus[1]);
		assert_ptr_equal(sched_policy_pick(s), &vcpus[3]);
		assert_ptr_equal(sched_policy_pick(s), &vcpus[5]);
	}
	/* What idle pCPUs read: the runnable ones that wait while one runs. */
	assert_int_equal(s->nr_waiting, 3);
	for (u32 i = 0; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	assert_null(sched_policy_pick(s));
	assert_int_equal(s->nr_waiting, 0);
}

/* A preferred vCPU runs next, once; a preferred vCPU that is no longer runnable is passed over. */
static void test_prefer(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	sched_policy_prefer(s, &vcpus[4], true);
	assert_ptr_equal(sched_policy_pick(s), &vcpus[4]);
	assert_ptr_equal(sched_policy_pick(s), &vcpus[0]); /* the round robin goes on */
	sched_policy_prefer(s, &vcpus[3], true);
	sched_policy_set_state(&cpu, &vcpus[3], VCPU_HALTED);
	assert_ptr_equal(sched_policy_pick(s), &vcpus[1]);
	assert_null(s->prefer);
}

/*
 * Preferring a vCPU that woke marks a wake-up for the runner; one that was already waiting
 * only goes next; preferring the runner itself does nothing: a vCPU that takes an interrupt
 * every slice (a guest's tick) must still take turns.
 */
static void test_prefer_marks_woken(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	s->current = &vcpus[0];
	sched_policy_prefer(s, &vcpus[0], true);
	assert_false(s->woken);
	/* Nor does the runner become "the next to run": it would keep its pCPU for ever. */
	assert_null(s->prefer);
	/* A vCPU that was waiting its turn goes next, but preempts nobody... */
	sched_policy_prefer(s, &vcpus[1], false);
	assert_ptr_equal(s->prefer, &vcpus[1]);
	assert_false(s->woken);
	/* ...one that was blocked and woke cuts the running vCPU short. */
	sched_policy_prefer(s, &vcpus[2], true);
	assert_ptr_equal(s->prefer, &vcpus[2]);
	assert_true(s->woken);
	s->woken = false;
	s->current = NULL; /* idle: nobody to preempt */
	sched_policy_prefer(s, &vcpus[1], true);
	assert_false(s->woken);
}

/*
 * Between runs (no vCPU current), the timer of the vCPU whose slice just ended may fall due:
 * it had its turn, so it is not "waiting to run" and must not go again before the others
 * (vm-fair-share, which with the host's LAPIC timer gave a ticking vCPU 2.7 runs to the
 * other's one). Woken from HLT, it is preferred as ever.
 */
static void test_prefer_not_the_last(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	assert_ptr_equal(sched_policy_pick(s), &vcpus[0]);
	s->current = NULL; /* vcpus[0]'s slice is over; the scheduler ticks the timers */
	sched_policy_prefer(s, &vcpus[0], false);
	assert_null(s->prefer);
	assert_ptr_equal(sched_policy_pick(s), &vcpus[1]);
	/* Once another ran, an interrupt for vcpus[0] makes it next as before. */
	sched_policy_prefer(s, &vcpus[0], false);
	assert_ptr_equal(s->prefer, &vcpus[0]);
	assert_ptr_equal(sched_policy_pick(s), &vcpus[0]);
	/* Halted and woken, the last vCPU is preferred too. */
	sched_policy_prefer(s, &vcpus[0], true);
	assert_ptr_equal(s->prefer, &vcpus[0]);
}

/* The earliest timer of any vCPU here that is not stopped, and the slice end if another waits. */
static void test_next_deadline(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	s->slice_end = 5000;
	/* Others runnable: the slice ends. */
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 5000);
	/* A timer before it, on a halted vCPU: that comes first. */
	sched_policy_set_state(&cpu, &vcpus[3], VCPU_HALTED);
	vcpus[3].lapic.timer_expiry = 4000;
	sched_policy_timer_changed(&cpu, &vcpus[3]);
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 4000);
	/* A stopped vCPU's timer counts for nothing. */
	sched_policy_set_state(&cpu, &vcpus[3], VCPU_STOPPED);
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 5000);
	/* Alone and no timer: never. */
	for (u32 i = 1; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	sched_policy_set_state(&cpu, &vcpus[3], VCPU_STOPPED);
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), UINT64_MAX);
	/* The running vCPU's own timer counts. */
	vcpus[0].lapic.timer_expiry = 9000;
	sched_policy_timer_changed(&cpu, &vcpus[0]);
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 9000);
	/* Cached until something changes... */
	vcpus[0].lapic.timer_expiry = 7000;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 9000);
	sched_policy_timer_changed(&cpu, &vcpus[0]);
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 7000);
	/* ...but a wake-up cuts the run at its minimum, whatever the cache says. */
	s->woken = true;
	s->min_run_end = 6000;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 6000);
	s->min_run_end = 8000;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 7000);
}

/*
 * The running vCPU's timer changes leave the heap alone (sched_policy_timer_deferred) and still
 * bound its run: moved earlier or later, the next deadline follows at once; the heap takes the
 * new place at the flush, and only then.
 */
static void test_timer_deferred(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	for (u32 i = 1; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	vcpus[1].lapic.timer_expiry = 8000;
	sched_policy_timer_changed(&cpu, &vcpus[1]);
	s->current = &vcpus[0];
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 8000);
	/* Earlier than every timer of the heap: it comes first, the heap unchanged. */
	vcpus[0].lapic.timer_expiry = 3000;
	sched_policy_timer_deferred(s, &vcpus[0]);
	assert_int_equal(timer_heap_min_key(&s->timers), 8000);
	assert_false(s->deadline_dirty);
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 3000);
	/* Moved later again and again, as a kernel's timer wheel does: the last one counts. */
	for (u64 t = 4000; t <= 7000; t += 1000) {
		vcpus[0].lapic.timer_expiry = t;
		sched_policy_timer_deferred(s, &vcpus[0]);
		assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), t);
	}
	assert_int_equal(timer_heap_min_key(&s->timers), 8000);
	/* Flushed (a timer exit, the end of its run): in the heap, and own_timer counts no more. */
	sched_policy_timer_flush(s, &vcpus[0]);
	assert_false(vcpus[0].timer_deferred);
	assert_int_equal(vcpus[0].own_timer, UINT64_MAX);
	assert_int_equal(timer_heap_min_key(&s->timers), 7000);
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 7000);
	/* Cancelled while running: the heap's older place may only make it exit early, never late. */
	vcpus[0].lapic.timer_expiry = 0;
	sched_policy_timer_deferred(s, &vcpus[0]);
	assert_int_equal(vcpus[0].own_timer, UINT64_MAX);
	assert_true(sched_policy_next_deadline(s, &vcpus[0]) <= 8000);
	sched_policy_timer_flush(s, &vcpus[0]);
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 8000);
}

/* A wake-up makes the runner yield only after its minimum run, and only once. */
static void test_should_yield(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	s->min_run_end = 1000;
	assert_false(sched_policy_should_yield(s, 2000)); /* nobody woke */
	s->woken = true;
	assert_false(sched_policy_should_yield(s, 999));
	assert_true(s->woken);
	assert_true(sched_policy_should_yield(s, 1000));
	assert_false(s->woken);
	assert_false(sched_policy_should_yield(s, 1001));
	/* TSC comparisons survive a wrap: the minimum run ends just past 2^64. */
	s->woken = true;
	s->min_run_end = 5;
	assert_false(sched_policy_should_yield(s, UINT64_MAX - 5));
	assert_true(sched_policy_should_yield(s, 6));
}

/*
 * A preemption-timer exit ends the slice only when another vCPU here is runnable; alone, the
 * vCPU gets a new slice and goes on (the exit was the once-a-slice backstop for requests).
 */
static void test_slice_over(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	s->slice_end = 1000;
	assert_false(sched_policy_slice_over(s, 999, 500));
	assert_true(sched_policy_slice_over(s, 1000, 500));
	assert_int_equal(s->slice_end, 1000);
	for (u32 i = 1; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	s->deadline_dirty = false;
	assert_false(sched_policy_slice_over(s, 1200, 500));
	assert_int_equal(s->slice_end, 1700);
	/*
	 * The cached deadline may hold the old slice end (from when another vCPU waited): it is
	 * computed again, or every entry would exit at once on a deadline already past (the
	 * fuzzer's AP made 200,000 preemption-timer exits in a row at one RIP so).
	 */
	assert_true(s->deadline_dirty);
	assert_false(sched_policy_slice_over(s, 1699, 500));
	sched_policy_set_state(&cpu, &vcpus[3], VCPU_RUNNABLE); /* someone woke: the renewed slice ends for it */
	assert_true(sched_policy_slice_over(s, 1700, 500));
}

/*
 * A wake-up is the state change, the waiter's arrival and the preference in one: from every
 * start (another vCPU running with its slice end past or not, or none running), the pCPU's
 * state after sched_policy_wake is the three calls'.
 */
static void test_wake(void **state)
{
	/* Static: a sched_cpu is 256 KiB. */
	static struct sched_cpu want, three;
	static struct vcpu want_v[NV], three_v[NV];

	(void)state;
	for (u32 run = 0; run < 3; run++)
	for (u32 who = 1; who < NV; who++) {
		struct sched_cpu *s = setup();

		for (u32 i = 1; i < NV; i++)
			sched_policy_set_state(s, &vcpus[i], i % 2 ? VCPU_HALTED : VCPU_WAIT_SIPI);
		if (run)
			sched_policy_run_begin(s, &vcpus[0], 1000, 500);
		s->deadline_dirty = false;
		/* run 1: its slice end (1500) past at the wake-up; run 2: not yet. */
		memcpy(want_v, vcpus, sizeof(vcpus));
		want = *s;
		sched_policy_set_state(s, &vcpus[who], VCPU_RUNNABLE);
		if (&vcpus[who] != s->current)
			sched_policy_waiter_arrived(s, run == 2 ? 1200 : 1600);
		sched_policy_prefer(s, &vcpus[who], true);
		/* The three calls' result, kept; then the same start again with the one call. */
		three = *s;
		memcpy(three_v, vcpus, sizeof(vcpus));
		*s = want;
		memcpy(vcpus, want_v, sizeof(vcpus));
		sched_policy_wake(s, &vcpus[who], run == 2 ? 1200 : 1600);
		assert_memory_equal(s, &three, sizeof(three));
		assert_memory_equal(vcpus, three_v, sizeof(three_v));
		assert_int_equal(vcpus[who].state, VCPU_RUNNABLE);
		assert_ptr_equal(s->prefer, &vcpus[who]);
		assert_int_equal(s->woken, run != 0);
		if (run == 1)
			assert_int_equal(s->slice_end, 1600);
	}
}

/*
 * A run past its slice end while others wait is owed: the vCPU's next slices are shorter by as
 * much, never below an eighth of a slice, and the debt is bounded. Alone, nothing is owed. The
 * hostile fuzzer's memory hypercalls (RAM taken back is zeroed in the exit) ran up to 2.9
 * million TSC ticks past a 20,000-tick slice, and its victim got less than half its pCPU.
 */
static void test_slice_debt(void **state)
{
	struct sched_cpu *s = setup();
	struct vcpu *v = &vcpus[0];

	(void)state;
	sched_policy_run_begin(s, v, 1000, 800);
	assert_ptr_equal(s->current, v);
	assert_int_equal(s->slice_end, 1800);
	assert_int_equal(s->min_run_end, 1200);
	sched_policy_run_end(s, v, 1700, 800); /* before its end: nothing owed */
	assert_null(s->current);
	assert_int_equal(v->slice_debt, 0);
	sched_policy_run_begin(s, v, 2000, 800);
	sched_policy_run_end(s, v, 3100, 800); /* 300 past */
	assert_int_equal(v->slice_debt, 300);
	assert_int_equal(v->stats.overrun_tsc, 300);
	sched_policy_run_begin(s, v, 4000, 800);
	assert_int_equal(s->slice_end, 4500);
	assert_int_equal(v->slice_debt, 0);
	/* A long exit: paid back over several slices, each at least 800 / 8. */
	sched_policy_run_end(s, v, 4500 + 1500, 800);
	assert_int_equal(v->slice_debt, 1500);
	assert_int_equal(v->stats.overrun_max, 1500);
	sched_policy_run_begin(s, v, 7000, 800);
	assert_int_equal(s->slice_end, 7100);
	assert_int_equal(v->slice_debt, 800);
	sched_policy_run_end(s, v, 7100, 800);
	sched_policy_run_begin(s, v, 8000, 800);
	assert_int_equal(s->slice_end, 8100);
	sched_policy_run_end(s, v, 8100, 800);
	sched_policy_run_begin(s, v, 9000, 800);
	assert_int_equal(s->slice_end, 9700);
	assert_int_equal(v->slice_debt, 0);
	/* Bounded: at most SCHED_MAX_DEBT_SLICES slices owed. */
	sched_policy_run_end(s, v, 9700 + 10000000, 800);
	assert_int_equal(v->slice_debt, SCHED_MAX_DEBT_SLICES * 800);
	/* Alone (no other vCPU runnable here): a run past its end owes nobody. */
	v->slice_debt = 0;
	for (u32 i = 1; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	sched_policy_run_begin(s, v, 20000000, 800);
	sched_policy_run_end(s, v, 30000000, 800);
	assert_int_equal(v->slice_debt, 0);
	/*
	 * Alone past its slice end (no timer exit renewed it), then another wakes: only what it
	 * runs from then on is owed, not the 10,000 ticks it ran alone (the PV flush guest's
	 * vCPU 0 owed 440,000 ticks so, and its shortened slices made its flushes 7 times slower).
	 */
	sched_policy_set_state(&cpu, &vcpus[1], VCPU_HALTED);
	sched_policy_run_begin(s, v, 30000000, 800);
	sched_policy_waiter_arrived(s, 30010800);
	assert_int_equal(s->slice_end, 30010800);
	assert_true(s->deadline_dirty);
	sched_policy_set_state(&cpu, &vcpus[1], VCPU_RUNNABLE);
	sched_policy_run_end(s, v, 30011000, 800);
	assert_int_equal(v->slice_debt, 200);
	/* A slice end still ahead stays. */
	v->slice_debt = 0;
	sched_policy_run_begin(s, v, 31000000, 800);
	sched_policy_waiter_arrived(s, 31000100);
	assert_int_equal(s->slice_end, 31000800);
	sched_policy_run_end(s, v, 31000700, 800);
	assert_int_equal(v->slice_debt, 0);
	/* Blocked at its end with others waiting: still owed (it took their time). */
	sched_policy_set_state(&cpu, &vcpus[1], VCPU_RUNNABLE);
	sched_policy_run_begin(s, v, 40000000, 800);
	sched_policy_set_state(&cpu, v, VCPU_HALTED);
	sched_policy_run_end(s, v, 40000000 + 900, 800);
	assert_int_equal(v->slice_debt, 100);
}

/* Giving a vCPU away: a runnable one, not the preferred one, allowed there, one kept here. */
static void test_to_give(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	for (u32 i = 2; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	s->prefer = &vcpus[0];
	assert_int_equal(sched_policy_to_give(s, 1), 1);
	/* One runnable left: keep it. */
	sched_policy_set_state(&cpu, &vcpus[1], VCPU_HALTED);
	assert_int_equal(sched_policy_to_give(s, 1), -1);
	/* Two runnable, but the other may not run on pCPU 1. */
	sched_policy_set_state(&cpu, &vcpus[1], VCPU_RUNNABLE);
	s->prefer = NULL;
	cpuset_clear(&vm.cpus);
	cpuset_add(&vm.cpus, 0);
	assert_int_equal(sched_policy_to_give(s, 1), -1);
	cpuset_add(&vm.cpus, 900);
	assert_int_equal(sched_policy_to_give(s, 900), 0);
	assert_int_equal(sched_policy_to_give(s, 5000), -1); /* no such pCPU */
}

static struct sched_cpu other, third; /* the other pCPUs periodic balancing looks at */

/* pCPU 0 (setup()'s, r of its vCPUs runnable) and pCPUs 1 and 2, active, with loads l1 and l2. */
static struct sched_cpu *setup_balance(u32 r, u32 l1, u32 l2)
{
	struct sched_cpu *s = setup();

	for (u32 i = r; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	memset(&other, 0, sizeof(other));
	memset(&third, 0, sizeof(third));
	s->active = other.active = third.active = true;
	other.nr_runnable = l1;
	third.nr_runnable = l2;
	return s;
}

#define SLICE 1000

/*
 * The rule: a pCPU with SCHED_BALANCE_GAP (2) more runnable vCPUs than another hands it one,
 * to the least loaded; a gap of 1 moves nothing (it would only move the imbalance over there).
 */
static void test_balance_gap(void **state)
{
	struct sched_cpu *s = setup_balance(3, 1, 2), *all[] = { &cpu, &other, &third };
	u32 to = 99;

	(void)state;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), 0);
	assert_int_equal(to, 1);
	/* 3 here, 2 and 2 there: balanced enough. */
	s = setup_balance(3, 2, 2);
	to = 99;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), -1);
	assert_int_equal(to, 99);
	/* 2 here, an idle pCPU there (its own asking handles it too): one goes. */
	s = setup_balance(2, 2, 0);
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), 0);
	assert_int_equal(to, 2);
	/* 1 here: never, whatever the others have. */
	s = setup_balance(1, 0, 0);
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), -1);
	/* What is in a pCPU's inbox is on its way there: it counts. */
	s = setup_balance(3, 1, 5);
	other.nr_inbox = 1;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), -1);
}

/* Only active pCPUs (in their loop), never itself, only where the vCPU may run. */
static void test_balance_where(void **state)
{
	struct sched_cpu *s = setup_balance(4, 0, 1), *all[] = { &cpu, &other, &third };
	struct sched_cpu *holes[] = { &cpu, NULL, &third };
	u32 to = 99;

	(void)state;
	other.active = false;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), 0);
	assert_int_equal(to, 2);
	s = setup_balance(4, 0, 1);
	assert_int_equal(sched_policy_balance(s, holes, 3, 0, 0, SLICE, &to), 0);
	assert_int_equal(to, 2);
	/* The least loaded pCPU is not allowed to the VM: the next one is taken. */
	s = setup_balance(4, 0, 1);
	cpuset_clear(&vm.cpus);
	cpuset_add(&vm.cpus, 0);
	cpuset_add(&vm.cpus, 2);
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), 0);
	assert_int_equal(to, 2);
	/* Its own published load is not another pCPU's. */
	s = setup_balance(4, 4, 4);
	s->nr_runnable = 0;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 0, SLICE, &to), -1);
}

/*
 * The pace: one look a slice, and after a move none for SCHED_BALANCE_SLICES slices, so loads
 * that flicker (vCPUs halting and waking) do not bounce vCPUs between pCPUs every slice.
 */
static void test_balance_pace(void **state)
{
	struct sched_cpu *s = setup_balance(2, 2, 2), *all[] = { &cpu, &other, &third };
	u64 t = 5000;
	u32 to;

	(void)state;
	s->balance_next = t;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, t - 1, SLICE, &to), -1); /* not due */
	assert_int_equal(sched_policy_balance(s, all, 3, 0, t, SLICE, &to), -1); /* balanced */
	other.nr_runnable = 0;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, t + SLICE - 1, SLICE, &to), -1);
	assert_int_equal(sched_policy_balance(s, all, 3, 0, t + SLICE, SLICE, &to), 0);
	t += SLICE;
	for (u32 k = 1; k < SCHED_BALANCE_SLICES; k++)
		assert_int_equal(sched_policy_balance(s, all, 3, 0, t + k * SLICE, SLICE, &to), -1);
	assert_int_equal(sched_policy_balance(s, all, 3, 0, t + SCHED_BALANCE_SLICES * SLICE,
					      SLICE, &to), 0);
	/* TSC comparisons survive a wrap. */
	s->balance_next = 5;
	assert_int_equal(sched_policy_balance(s, all, 3, 0, UINT64_MAX - 5, SLICE, &to), -1);
	assert_int_equal(sched_policy_balance(s, all, 3, 0, 5, SLICE, &to), 0);
}

/*
 * Which vCPU moves: runnable, not the preferred one, allowed there; of two VMs, one whose VM
 * has another runnable vCPU here, so each VM ends with a vCPU on each pCPU (the hostile fuzzer
 * and its victim: vm-hostile-fuzz).
 */
static void test_to_push(void **state)
{
	struct sched_cpu *s = setup();
	static struct vm lone;

	(void)state;
	memset(&lone, 0, sizeof(lone));
	cpuset_fill(&lone.cpus);
	for (u32 i = 3; i < NV; i++)
		sched_policy_set_state(&cpu, &vcpus[i], VCPU_HALTED);
	vcpus[0].vm = &lone; /* first in the list, its VM's only runnable vCPU here */
	assert_int_equal(sched_policy_to_push(s, 1), 1);
	s->prefer = &vcpus[1];
	assert_int_equal(sched_policy_to_push(s, 1), 2);
	/* Its sibling halted: no VM has two here, the first allowed one goes. */
	sched_policy_set_state(&cpu, &vcpus[2], VCPU_HALTED);
	assert_int_equal(sched_policy_to_push(s, 1), 0);
	cpuset_clear(&lone.cpus);
	assert_int_equal(sched_policy_to_push(s, 1), -1); /* vCPU 1 preferred, vCPU 0 not there */
	s->prefer = NULL;
	assert_int_equal(sched_policy_to_push(s, 1), 1);
}

/*
 * A full pCPU never loses a vCPU handed to it: what does not fit stays in the inbox, in order,
 * and a pCPU whose list and inbox together are full takes nothing more.
 */
static void test_adopt_never_drops(void **state)
{
	struct sched_cpu *s = setup();
	static struct vcpu filler;

	(void)state;
	assert_true(sched_policy_has_room(s));
	while (s->nr < SCHED_MAX_VCPUS_PER_CPU - 1)
		s->vcpus[s->nr++] = &filler;
	s->inbox[s->nr_inbox++] = &vcpus[0];
	s->inbox[s->nr_inbox++] = &vcpus[1];
	assert_false(sched_policy_has_room(s));
	assert_int_equal(sched_policy_adopt(s), SCHED_MAX_VCPUS_PER_CPU - 1);
	assert_int_equal(s->nr, SCHED_MAX_VCPUS_PER_CPU);
	assert_ptr_equal(s->vcpus[SCHED_MAX_VCPUS_PER_CPU - 1], &vcpus[0]);
	assert_int_equal(s->nr_inbox, 1);
	assert_ptr_equal(s->inbox[0], &vcpus[1]);
	/* Full: nothing moves, nothing is lost. */
	assert_int_equal(sched_policy_adopt(s), SCHED_MAX_VCPUS_PER_CPU);
	assert_int_equal(s->nr_inbox, 1);
	/* One leaves: the one waiting gets in. */
	s->nr--;
	assert_int_equal(sched_policy_adopt(s), SCHED_MAX_VCPUS_PER_CPU - 1);
	assert_ptr_equal(s->vcpus[SCHED_MAX_VCPUS_PER_CPU - 1], &vcpus[1]);
	assert_int_equal(s->nr_inbox, 0);
}

/*
 * The run queue's length is the runnable count and the heap's top the earliest timer, kept as
 * states and timers change; a vCPU removed (stopped for good) is in neither and leaves the list.
 */
static void test_queue_and_heap_follow(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	assert_int_equal(sched_policy_runnable(s), NV);
	sched_policy_set_state(s, &vcpus[1], VCPU_HALTED);
	sched_policy_set_state(s, &vcpus[1], VCPU_HALTED); /* twice: counted once */
	assert_int_equal(sched_policy_runnable(s), NV - 1);
	vcpus[4].lapic.timer_expiry = 300;
	sched_policy_timer_changed(s, &vcpus[4]);
	vcpus[5].lapic.timer_expiry = 200;
	sched_policy_timer_changed(s, &vcpus[5]);
	assert_int_equal(timer_heap_min_key(&s->timers), 200);
	sched_policy_set_state(s, &vcpus[5], VCPU_STOPPED);
	sched_policy_remove(s, &vcpus[5]);
	assert_int_equal(timer_heap_min_key(&s->timers), 300);
	assert_int_equal(s->nr, NV - 1);
	assert_int_equal(sched_policy_runnable(s), NV - 2);
	for (u32 i = 0; i < s->nr; i++) {
		assert_ptr_not_equal(s->vcpus[i], &vcpus[5]);
		assert_int_equal(s->vcpus[i]->sched_idx, i);
	}
	for (u32 k = 0; k < 2 * NV; k++)
		assert_ptr_not_equal(sched_policy_pick(s), &vcpus[5]);
	sched_policy_remove(s, &vcpus[5]); /* not listed any more: nothing happens */
	assert_int_equal(s->nr, NV - 1);
	/* Every vCPU halted: nothing runs, and the deadline is the earliest timer alone. */
	for (u32 i = 0; i < s->nr; i++)
		sched_policy_set_state(s, s->vcpus[i], VCPU_HALTED);
	assert_int_equal(sched_policy_runnable(s), 0);
	assert_null(sched_policy_pick(s));
	assert_int_equal(sched_policy_next_deadline(s, NULL), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_round_robin),
		cmocka_unit_test(test_queue_and_heap_follow),
		cmocka_unit_test(test_prefer),
		cmocka_unit_test(test_prefer_marks_woken),
		cmocka_unit_test(test_prefer_not_the_last),
		cmocka_unit_test(test_next_deadline),
		cmocka_unit_test(test_timer_deferred),
		cmocka_unit_test(test_should_yield),
		cmocka_unit_test(test_slice_over),
		cmocka_unit_test(test_slice_debt),
		cmocka_unit_test(test_to_give),
		cmocka_unit_test(test_adopt_never_drops),
		cmocka_unit_test(test_balance_gap),
		cmocka_unit_test(test_balance_where),
		cmocka_unit_test(test_balance_pace),
		cmocka_unit_test(test_to_push),
		cmocka_unit_test(test_wake),
	};

	return unit_run(tests);
}
