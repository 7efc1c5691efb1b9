// SPDX-License-Identifier: GPL-2.0
/* Unit tests for pv/lazy_deadline.c: its decisions, then a guest, Kestrel and a vLAPIC at work. */
#include "unit.h"
#include "pv/lazy_deadline.h"

#define UNSET 0xdeadbeefull
#define STORM 10000

static void test_on_write(void **state)
{
	(void)state;
	assert_int_equal(lazy_deadline_on_write(1000, 10, true), 1000);
	assert_int_equal(lazy_deadline_on_write(~0ull, 0, true), ~0ull);
	assert_int_equal(lazy_deadline_on_write(11, 10, true), 11);
	/* Disarm, and deadlines already due: the vLAPIC fires at once, nothing stays armed. */
	assert_int_equal(lazy_deadline_on_write(0, 10, true), 0);
	assert_int_equal(lazy_deadline_on_write(10, 10, true), 0);
	assert_int_equal(lazy_deadline_on_write(9, 10, true), 0);
	assert_int_equal(lazy_deadline_on_write(1, ~0ull, true), 0);
	/* Masked, another mode, APIC disabled: no laziness, every write exits. */
	assert_int_equal(lazy_deadline_on_write(1000, 10, false), 0);
}

static void test_on_expiry(void **state)
{
	static const struct {
		u64 armed, pending, now;
		bool lvt_ok;
		enum lazy_action action;
		u64 new_armed, rearm_at;
	} cases[] = {
		/* The guest kept its deadline: due, inject. */
		{ 100, 100, 100, true, LAZY_INJECT, 0, UNSET },
		{ 100, 100, 150, true, LAZY_INJECT, 0, UNSET },
		/* Moved later, still ahead: re-arm, no interrupt. */
		{ 100, 200, 150, true, LAZY_REARM, 200, 200 },
		{ 100, 101, 100, true, LAZY_REARM, 101, 101 },
		/* Moved later but that is due too by now (noticed late): inject, not drop. */
		{ 100, 200, 200, true, LAZY_INJECT, 0, UNSET },
		{ 100, 200, 1000000, true, LAZY_INJECT, 0, UNSET },
		/* Earlier (its MSR write is coming) or 0 (a disarm is coming): armed is due. */
		{ 100, 50, 100, true, LAZY_INJECT, 0, UNSET },
		{ 100, 0, 100, true, LAZY_INJECT, 0, UNSET },
		/* A CLEAR was missed (masked): the deferred deadline is kept, silently. */
		{ 100, 200, 150, false, LAZY_REARM, 0, 200 },
		{ 100, 100, 150, false, LAZY_NONE, 0, UNSET },
		{ 100, 250, 300, false, LAZY_NONE, 0, UNSET },
		{ 100, 0, 300, false, LAZY_NONE, 0, UNSET },
		/* Not expired (a host timer early) or nothing armed: nothing changes. */
		{ 100, 200, 99, true, LAZY_NONE, 100, UNSET },
		{ 100, 100, 0, true, LAZY_NONE, 100, UNSET },
		{ 0, 200, 300, true, LAZY_NONE, 0, UNSET },
		{ 0, 0, 0, false, LAZY_NONE, 0, UNSET },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 new_armed = UNSET, rearm_at = UNSET;
		enum lazy_action a = lazy_deadline_on_expiry(cases[i].armed, cases[i].pending,
							     cases[i].now, cases[i].lvt_ok,
							     &new_armed, &rearm_at);

		assert_int_equal(a, cases[i].action);
		assert_int_equal(new_armed, cases[i].new_armed);
		assert_int_equal(rearm_at, cases[i].rearm_at);
	}
}

static void test_deferred_and_clear(void **state)
{
	(void)state;
	assert_int_equal(lazy_deadline_clear(), 0);
	/* Only a later deadline stored without an exit is deferred. */
	assert_int_equal(lazy_deadline_deferred(100, 500), 500);
	assert_int_equal(lazy_deadline_deferred(100, 100), 0);
	assert_int_equal(lazy_deadline_deferred(100, 50), 0);
	assert_int_equal(lazy_deadline_deferred(100, 0), 0);
	assert_int_equal(lazy_deadline_deferred(0, 500), 0);
}

/*
 * The simulation. The guest follows the ABI: store deadline_pending, read deadline_armed, write
 * IA32_TSC_DEADLINE (an exit) when that is 0 or later. Kestrel keeps its own armed, copies it
 * to the area, and owns a vLAPIC TSC deadline (vdl). Time moves only in advance(), after which
 * the host looks at the timer at once (tick) as its host timer or preemption timer would; a
 * long advance is a vCPU descheduled or halted over its deadline. The reference is the same
 * vLAPIC with no laziness: the guest's every deadline goes straight into it.
 * In exact mode the guest's steps are not interrupted and each tick must inject exactly when
 * the reference does. In racy mode a tick may fall between the guest's store and its read of
 * armed; then extra (late) interrupts are allowed, early or lost ones never.
 */
static struct {
	u64 now;
	u64 area_armed, pending; /* the shared area: Kestrel writes armed, the guest pending */
	u64 armed, vdl; /* Kestrel's own armed; the vLAPIC's deadline, 0: none */
	bool deadline_mode, masked; /* the LVT timer; masked also stands for APIC disabled */
	u64 ref_dl;
	u32 exits, rearms, injections, ref_injections;
	bool exact;
	u64 goal; /* racy mode: the guest's latest deadline, served or not */
	bool goal_served, in_race;
	u32 races, extras;
} s;

static bool lvt_ok(void)
{
	return s.deadline_mode && !s.masked;
}

/* Kestrel's invariants: the area mirrors armed; armed is the vLAPIC's own future deadline. */
static void check(void)
{
	assert_int_equal(s.area_armed, s.armed);
	if (s.armed) {
		assert_int_equal(s.vdl, s.armed);
		assert_true(lvt_ok());
		assert_true(s.armed > s.now);
	}
}

static void set_armed(u64 armed)
{
	s.armed = armed;
	s.area_armed = armed;
}

static void tick(void)
{
	bool lazy = false, ref = false;

	if (s.ref_dl && s.now >= s.ref_dl) {
		s.ref_dl = 0;
		ref = lvt_ok();
	}
	if (s.vdl && s.now >= s.vdl) {
		if (s.armed) {
			u64 new_armed = UNSET, at = UNSET;
			enum lazy_action a = lazy_deadline_on_expiry(s.armed, s.pending, s.now,
								     lvt_ok(), &new_armed, &at);

			set_armed(new_armed);
			if (a == LAZY_REARM) {
				assert_true(at > s.now);
				s.vdl = at;
				s.rearms++;
			} else {
				assert_int_equal(a, LAZY_INJECT);
				s.vdl = 0;
				lazy = true;
			}
		} else {
			/* Not lazy: the vLAPIC's own expiry, silent when masked (SDM Vol. 3A, 12.5.1). */
			s.vdl = 0;
			lazy = lvt_ok();
		}
	}
	check();
	s.ref_injections += ref;
	s.injections += lazy;
	if (s.exact) {
		assert_int_equal(lazy, ref);
		return;
	}
	if (lazy) {
		/* Never early: the guest's deadline is due, or it is disarming (mid-way). */
		if (s.goal)
			assert_true(s.now >= s.goal);
		else
			assert_true(s.in_race);
		if (s.goal_served || !s.goal)
			s.extras++;
		s.goal_served = true;
	}
	/* Never lost or late once the guest's step is over. */
	if (!s.in_race && s.goal && s.now >= s.goal)
		assert_true(s.goal_served);
}

static void advance(u64 dt)
{
	s.now += dt;
	tick();
}

/* The exit of a WRMSR to IA32_TSC_DEADLINE; before re-entry Kestrel runs the vLAPIC timer. */
static void k_wrmsr(u64 value)
{
	s.exits++;
	if (s.deadline_mode) /* ignored in other modes (11.5.4.1) */
		s.vdl = value;
	set_armed(lazy_deadline_on_write(value, s.now, lvt_ok()));
	check();
	tick();
}

/*
 * A CLEAR that is not an expiry, after the exit's change: the deferred deadline goes into the
 * vLAPIC (as a deadline write: ignored when no longer in TSC-deadline mode), then armed = 0.
 */
static void k_clear(void)
{
	u64 d = lazy_deadline_deferred(s.armed, s.pending);

	if (d && s.deadline_mode)
		s.vdl = d;
	set_armed(lazy_deadline_clear());
	check();
	tick();
}

static void g_store(u64 d)
{
	s.pending = d;
	if (s.deadline_mode)
		s.ref_dl = d;
	s.goal = d;
	s.goal_served = false;
}

static void g_finish(u64 d)
{
	if (!s.area_armed || d < s.area_armed)
		k_wrmsr(d);
}

/* The guest sets its next deadline (0: none). */
static void g_set(u64 d)
{
	g_store(d);
	g_finish(d);
}

/* The same with an exit (and dt of time) between the store and the read of armed. */
static void g_set_racy(u64 d, u64 dt)
{
	g_store(d);
	s.in_race = true;
	s.races++;
	advance(dt);
	s.in_race = false;
	g_finish(d);
}

/* LVT timer writes and the rest, each an exit that Kestrel sees. */
static void g_mask(void)
{
	s.masked = true;
	k_clear();
}

static void g_unmask(void)
{
	s.masked = false; /* not a CLEAR: armed is 0 already, the next write exits */
	check();
	tick();
}

static void g_mode(bool deadline)
{
	if (deadline != s.deadline_mode) {
		s.deadline_mode = deadline;
		s.vdl = 0; /* a mode change disarms (11.5.4.1) */
		s.ref_dl = 0;
	}
	k_clear();
}

/* INIT, APIC reset, APIC globally disabled: the timer is gone, the LVT masked, one-shot. */
static void g_reset(void)
{
	s.deadline_mode = false;
	s.masked = true;
	s.vdl = 0;
	s.ref_dl = 0;
	k_clear();
}

static int setup(void **state)
{
	(void)state;
	memset(&s, 0, sizeof(s));
	s.deadline_mode = true;
	s.exact = true;
	s.now = 1000;
	return 0;
}

/* The lazy tscdeadline RFC's storm: re-armed STORM times, each later, never due meanwhile. */
static void test_storm(void **state)
{
	u64 d = 0;

	(void)state;
	for (u32 i = 0; i < STORM; i++) {
		assert_true(s.now + 100 > d);
		d = s.now + 100;
		g_set(d);
		advance(10);
	}
	/* One MSR exit instead of STORM; about one timer exit per 90 ticks instead of none. */
	assert_int_equal(s.exits, 1);
	assert_int_equal(s.injections, 0);
	assert_true(s.rearms >= STORM * 10 / 100 && s.rearms <= STORM * 10 / 90 + 1);
	/* The last deadline: one interrupt at the first tick where it is due, not before. */
	while (!s.injections)
		advance(1);
	assert_int_equal(s.now, d);
	assert_int_equal(s.injections, 1);
	assert_int_equal(s.ref_injections, 1);
	assert_int_equal(s.armed, 0);
	advance(1000000);
	assert_int_equal(s.injections, 1);
}

/* A storm where deadlines sometimes come due before the next re-arm. */
static void test_storm_with_expiries(void **state)
{
	u64 rng = 0x5707, d = 0;

	(void)state;
	for (u32 i = 0; i < STORM; i++) {
		assert_true(s.now + 100 > d);
		d = s.now + 100;
		g_set(d);
		advance(unit_rand_range(&rng, 1, 200));
	}
	while (s.vdl)
		advance(1);
	assert_int_equal(s.injections, s.ref_injections);
	assert_true(s.injections > STORM / 4);
	/* An exit only for the first write and for the first one after each interrupt. */
	assert_true(s.exits <= s.injections + 1);
	assert_true(s.exits < STORM);
}

/* CLEAR: the deadline fired. The next write exits. */
static void test_clear_fired(void **state)
{
	(void)state;
	g_set(2000);
	assert_int_equal(s.exits, 1);
	advance(1000);
	assert_int_equal(s.injections, 1);
	assert_int_equal(s.area_armed, 0);
	g_set(5000);
	assert_int_equal(s.exits, 2);
	assert_int_equal(s.area_armed, 5000);
}

/* CLEAR: a deadline already past, with something armed (earlier, so it exits) or not. */
static void test_clear_past(void **state)
{
	(void)state;
	g_set(1000); /* now == deadline: due */
	assert_int_equal(s.area_armed, 0);
	advance(0);
	assert_int_equal(s.injections, 1);
	g_set(5000);
	g_set(10); /* earlier than armed: exits; long past */
	assert_int_equal(s.exits, 3);
	assert_int_equal(s.area_armed, 0);
	advance(1);
	assert_int_equal(s.injections, 2);
	advance(100000); /* the 5000 deadline was replaced, architecturally too */
	assert_int_equal(s.injections, 2);
	g_set(200000);
	assert_int_equal(s.exits, 4);
}

/* CLEAR: the guest disarms (writes 0), which always exits. */
static void test_clear_disarm(void **state)
{
	(void)state;
	g_set(2000);
	g_set(3000); /* lazy */
	g_set(0);
	assert_int_equal(s.exits, 2);
	assert_int_equal(s.area_armed, 0);
	advance(100000);
	assert_int_equal(s.injections, 0);
	/* Disarmed with nothing armed: exits too. */
	g_set(0);
	assert_int_equal(s.exits, 3);
}

/*
 * CLEAR: LVT timer masked (also what an APIC software disable does). The masked timer runs on
 * silently; the deadline the guest stored lazily is what runs, so after an unmask it fires when
 * the guest asked: not at the older armed deadline, not never.
 */
static void test_clear_masked(void **state)
{
	(void)state;
	g_set(2000);
	g_set(3000); /* lazy: armed stays 2000 */
	assert_int_equal(s.area_armed, 2000);
	g_mask();
	assert_int_equal(s.area_armed, 0);
	assert_int_equal(s.vdl, 3000);
	g_unmask();
	advance(1000); /* 2000: nothing */
	assert_int_equal(s.injections, 0);
	advance(999);
	assert_int_equal(s.injections, 0);
	advance(1); /* 3000 */
	assert_int_equal(s.injections, 1);
	/* Masked through the deadline: silent; unmasked after: nothing owed. */
	g_set(5000);
	g_set(6000);
	g_mask();
	advance(4000);
	assert_int_equal(s.injections, 1);
	g_unmask();
	advance(1000);
	assert_int_equal(s.injections, 1);
	/* Writes while masked exit and are not lazy. */
	g_mask();
	s.exits = 0;
	g_set(s.now + 100);
	g_set(s.now + 200);
	assert_int_equal(s.exits, 2);
	assert_int_equal(s.area_armed, 0);
	g_unmask();
	g_set(s.now + 300); /* armed is 0: exits, and laziness resumes */
	assert_int_equal(s.exits, 3);
	assert_int_equal(s.area_armed, s.now + 300);
	assert_int_equal(s.ref_injections, s.injections);
}

/* CLEAR: the timer mode changed; the deadline is gone in both directions. */
static void test_clear_mode_change(void **state)
{
	(void)state;
	g_set(2000);
	g_set(3000);
	g_mode(false);
	assert_int_equal(s.area_armed, 0);
	assert_int_equal(s.vdl, 0);
	g_set(2500); /* ignored by a one-shot timer, and exits */
	assert_int_equal(s.exits, 2);
	advance(10000);
	assert_int_equal(s.injections, 0);
	g_mode(true);
	g_set(s.now + 50);
	assert_int_equal(s.exits, 3);
	assert_int_equal(s.area_armed, s.now + 50);
	advance(50);
	assert_int_equal(s.injections, 1);
}

/* CLEAR: vCPU INIT, APIC reset or globally disabled; the deferred deadline does not survive. */
static void test_clear_init(void **state)
{
	(void)state;
	g_set(2000);
	g_set(3000);
	g_reset();
	assert_int_equal(s.area_armed, 0);
	advance(10000);
	assert_int_equal(s.injections, 0);
	/* The guest starts over: its first write exits. */
	g_mode(true);
	g_unmask();
	g_set(s.now + 10);
	assert_int_equal(s.exits, 2);
	assert_int_equal(s.area_armed, s.now + 10);
	advance(10);
	assert_int_equal(s.injections, 1);
}

/* CLEAR: the shared area registered anew; the vLAPIC keeps the deferred deadline. */
static void test_clear_new_area(void **state)
{
	(void)state;
	g_set(2000);
	g_set(3000);
	k_clear(); /* pending read from the old area, 0 written into the new one */
	s.pending = 0; /* the new area */
	assert_int_equal(s.area_armed, 0);
	advance(1000);
	assert_int_equal(s.injections, 0);
	advance(1000);
	assert_int_equal(s.injections, 1);
	g_set(s.now + 5);
	assert_int_equal(s.exits, 2);
}

/* A vCPU descheduled or halted over its deadlines: one on_expiry, whenever it comes. */
static void test_descheduled(void **state)
{
	(void)state;
	g_set(2000);
	g_set(5000);
	advance(100000); /* past both: one interrupt, not zero, not two */
	assert_int_equal(s.injections, 1);
	assert_int_equal(s.rearms, 0);
	g_set(s.now + 1000);
	g_set(s.now + 5000);
	advance(2000); /* past armed, pending still ahead: re-armed */
	assert_int_equal(s.rearms, 1);
	assert_int_equal(s.injections, 1);
	advance(100000);
	assert_int_equal(s.injections, 2);
	assert_int_equal(s.ref_injections, 2);
}

/* Every kind of step at random; the lazy vCPU must inject exactly when the reference does. */
static void test_random_exact(void **state)
{
	u64 rng = 0xc1ea2;

	(void)state;
	for (u32 i = 0; i < 50000; i++) {
		u64 r = unit_rand_range(&rng, 0, 99);

		if (r < 40)
			g_set(s.now + unit_rand_range(&rng, 1, 300)); /* usually later */
		else if (r < 48)
			g_set(s.now - unit_rand_range(&rng, 0, 100)); /* already due */
		else if (r < 52)
			g_set(0);
		else if (r < 58)
			g_mask();
		else if (r < 70)
			g_unmask();
		else if (r < 73)
			g_mode(false);
		else if (r < 80)
			g_mode(true);
		else if (r < 81)
			g_reset();
		else if (r < 82)
			k_clear(); /* a new area (same memory here) */
		else if (r < 84)
			advance(unit_rand_range(&rng, 300, 3000)); /* descheduled */
		else
			advance(unit_rand_range(&rng, 0, 60));
	}
	assert_int_equal(s.injections, s.ref_injections);
	assert_true(s.injections > 1000);
	assert_true(s.rearms > 100);
}

/* Ticks between the guest's store and its read of armed: late extras only, never early or lost. */
static void test_random_racy(void **state)
{
	u64 rng = 0x7ace;

	(void)state;
	s.exact = false;
	for (u32 i = 0; i < 50000; i++) {
		u64 r = unit_rand_range(&rng, 0, 99), d;

		if (r < 50)
			d = s.now + unit_rand_range(&rng, 1, 300);
		else if (r < 60)
			d = s.now - unit_rand_range(&rng, 0, 100);
		else if (r < 63)
			d = 0;
		else {
			advance(unit_rand_range(&rng, 0, r < 97 ? 60 : 3000));
			continue;
		}
		if (unit_rand(&rng) & 1)
			g_set_racy(d, unit_rand_range(&rng, 0, 200));
		else
			g_set(d);
	}
	assert_true(s.injections > 1000);
	assert_true(s.extras <= s.races);
	assert_true(s.extras > 0); /* the windows were hit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_write),
		cmocka_unit_test(test_on_expiry),
		cmocka_unit_test(test_deferred_and_clear),
		cmocka_unit_test_setup(test_storm, setup),
		cmocka_unit_test_setup(test_storm_with_expiries, setup),
		cmocka_unit_test_setup(test_clear_fired, setup),
		cmocka_unit_test_setup(test_clear_past, setup),
		cmocka_unit_test_setup(test_clear_disarm, setup),
		cmocka_unit_test_setup(test_clear_masked, setup),
		cmocka_unit_test_setup(test_clear_mode_change, setup),
		cmocka_unit_test_setup(test_clear_init, setup),
		cmocka_unit_test_setup(test_clear_new_area, setup),
		cmocka_unit_test_setup(test_descheduled, setup),
		cmocka_unit_test_setup(test_random_exact, setup),
		cmocka_unit_test_setup(test_random_racy, setup),
	};

	return unit_run(tests);
}
