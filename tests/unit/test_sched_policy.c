// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/sched/policy.c: picking, preferring, deadlines, yielding, giving away. */
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
	for (u32 i = 0; i < NV; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].state = VCPU_RUNNABLE;
		cpu.vcpus[cpu.nr++] = &vcpus[i];
	}
	cpu.deadline_dirty = true;
	return &cpu;
}

/* Round robin: each runnable vCPU in turn, the halted ones skipped, none when none is runnable. */
static void test_pick_round_robin(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	vcpus[2].state = VCPU_HALTED;
	vcpus[4].state = VCPU_WAIT_SIPI;
	for (u32 round = 0; round < 3; round++) {
		assert_ptr_equal(sched_policy_pick(s), &vcpus[0]);
		assert_ptr_equal(sched_policy_pick(s), &vcpus[1]);
		assert_ptr_equal(sched_policy_pick(s), &vcpus[3]);
		assert_ptr_equal(sched_policy_pick(s), &vcpus[5]);
	}
	/* What idle pCPUs read: the runnable ones that wait while one runs. */
	assert_int_equal(s->nr_waiting, 3);
	for (u32 i = 0; i < NV; i++)
		vcpus[i].state = VCPU_HALTED;
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
	vcpus[3].state = VCPU_HALTED;
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

/* The earliest timer of any vCPU here that is not stopped, and the slice end if another waits. */
static void test_next_deadline(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	s->slice_end = 5000;
	/* Others runnable: the slice ends. */
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 5000);
	/* A timer before it, on a halted vCPU: that comes first. */
	vcpus[3].state = VCPU_HALTED;
	vcpus[3].lapic.timer_expiry = 4000;
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 4000);
	/* A stopped vCPU's timer counts for nothing. */
	vcpus[3].state = VCPU_STOPPED;
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 5000);
	/* Alone and no timer: never. */
	for (u32 i = 1; i < NV; i++)
		vcpus[i].state = VCPU_HALTED;
	vcpus[3].state = VCPU_STOPPED;
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), UINT64_MAX);
	/* The running vCPU's own timer counts. */
	vcpus[0].lapic.timer_expiry = 9000;
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 9000);
	/* Cached until something changes... */
	vcpus[0].lapic.timer_expiry = 7000;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 9000);
	s->deadline_dirty = true;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 7000);
	/* ...but a wake-up cuts the run at its minimum, whatever the cache says. */
	s->woken = true;
	s->min_run_end = 6000;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 6000);
	s->min_run_end = 8000;
	assert_int_equal(sched_policy_next_deadline(s, &vcpus[0]), 7000);
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

/* Giving a vCPU away: a runnable one, not the preferred one, allowed there, one kept here. */
static void test_to_give(void **state)
{
	struct sched_cpu *s = setup();

	(void)state;
	for (u32 i = 2; i < NV; i++)
		vcpus[i].state = VCPU_HALTED;
	s->prefer = &vcpus[0];
	assert_int_equal(sched_policy_to_give(s, 1), 1);
	/* One runnable left: keep it. */
	vcpus[1].state = VCPU_HALTED;
	assert_int_equal(sched_policy_to_give(s, 1), -1);
	/* Two runnable, but the other may not run on pCPU 1. */
	vcpus[1].state = VCPU_RUNNABLE;
	s->prefer = NULL;
	cpuset_clear(&vm.cpus);
	cpuset_add(&vm.cpus, 0);
	assert_int_equal(sched_policy_to_give(s, 1), -1);
	cpuset_add(&vm.cpus, 900);
	assert_int_equal(sched_policy_to_give(s, 900), 0);
	assert_int_equal(sched_policy_to_give(s, 5000), -1); /* no such pCPU */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_round_robin),
		cmocka_unit_test(test_prefer),
		cmocka_unit_test(test_prefer_marks_woken),
		cmocka_unit_test(test_next_deadline),
		cmocka_unit_test(test_should_yield),
		cmocka_unit_test(test_to_give),
		cmocka_unit_test(test_adopt_never_drops),
	};

	return unit_run(tests);
}
