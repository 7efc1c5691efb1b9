// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy TSC deadline under a re-arm storm. Every CPU at once re-arms its timer `rearms` times,
 * each deadline later than the last (a network stack pushing its timeout out), now and then an
 * earlier one, a cancel (deadline 0), or one it waits for; then a masked-LVT case. Every timer
 * interrupt is checked: never before the deadline in force, never lost. mode=lazy uses
 * kestrel_deadline_set() (an MSR write, an exit, only when Kestrel's armed deadline is 0 or
 * later), mode=plain writes IA32_TSC_DEADLINE every time; both print their MSR writes.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define VEC_TIMER	0x60
#define LVT_MASKED	(1u << 16)		/* SDM Vol. 3A, 12.5.1, figure 12-8 */
#define LVT_TSC_DEADLINE (2u << 17)
#define AHEAD_US	2000			/* how far out the storm pushes its deadline */
#define WORK_US		20			/* between two re-arms */
#define EARLIER_EVERY	101			/* an earlier deadline (must exit) */
#define CANCEL_EVERY	997			/* deadline 0 */
#define WAIT_EVERY	500			/* let it fire, and check that it did */
#define FIRE_WAIT_MS	200			/* TSC time a due deadline may take to fire */

struct cpu_state {
	volatile u64 deadline;		/* in force: 0 when none (fired or cancelled) */
	/*
	 * A deadline that had already passed when a new one replaced it: its interrupt may still
	 * come (pending while interrupts were off, or not yet injected), once, and is not early.
	 */
	volatile u64 overtaken;
	volatile u32 fired, early, extra, late_overtaken;
	volatile u64 first_early_by;	/* how early the first early interrupt was */
	volatile u32 step, first_early_step;	/* re-arm count, and at the first early one */
	u32 lost, writes, rearms;
} RT_ALIGNED(64);

static struct cpu_state st[RT_MAX_CPUS];
static struct kestrel_vcpu_area areas[RT_MAX_CPUS] RT_ALIGNED(64);
static struct kestrel_info info;
static u32 rearms;
static bool lazy;

static void timer_irq(struct rt_frame *f)
{
	struct cpu_state *s = &st[rt_cpu_index()];
	u64 now = rt_rdtsc(), d = s->deadline;

	(void)f;
	if (d && now < d && s->overtaken && now >= s->overtaken) {
		s->late_overtaken++;	/* the replaced deadline's interrupt: d stays in force */
		s->overtaken = 0;
		return;
	}
	if (!d) {
		/* Cancelled or fired already: allowed (one in flight at a cancel, or the extra
		 * one abi.h's protocol may give), but counted. */
		s->extra++;
		return;
	}
	if (now < d && !s->early++) {
		s->first_early_by = d - now;
		s->first_early_step = s->step;
	}
	s->fired++;
	s->deadline = 0;
	s->overtaken = 0;
}

/* Sets deadline d (0 cancels) with interrupts off, so the handler sees it whole. */
static void arm(u32 cpu, u64 d)
{
	u64 flags = rt_save_flags_cli(), prev = st[cpu].deadline;

	st[cpu].deadline = d;
	st[cpu].writes += kestrel_deadline_set(lazy ? &areas[cpu] : NULL, d);
	/*
	 * Read after the write: if prev's interrupt was raised before the write replaced it, it
	 * was at a time >= prev, so now >= prev too; if now < prev, it cannot have been raised.
	 */
	if (prev && rt_rdtsc() >= prev)
		st[cpu].overtaken = prev;
	st[cpu].rearms++;
	st[cpu].step++;
	rt_restore_flags(flags);
}

/* The deadline d was left alone: it must fire, at or after d. */
static void wait_fire(u32 cpu, u64 d)
{
	u64 limit = d + rt_tsc_from_us(FIRE_WAIT_MS * 1000ull);

	while (st[cpu].deadline == d && rt_rdtsc() < limit)
		rt_pause();
	if (st[cpu].deadline == d) {
		st[cpu].lost++;
		arm(cpu, 0);
	}
}

static void storm(u32 cpu)
{
	u64 ahead = rt_tsc_from_us(AHEAD_US), work = rt_tsc_from_us(WORK_US);

	for (u32 i = 1; i <= rearms; i++) {
		u64 now = rt_rdtsc();

		if (i % CANCEL_EVERY == 0)
			arm(cpu, 0);
		else if (i % EARLIER_EVERY == 0)
			arm(cpu, now + ahead / 4);
		else
			arm(cpu, now + ahead);
		if (i % WAIT_EVERY == 0 && st[cpu].deadline)
			wait_fire(cpu, st[cpu].deadline);
		else
			while (rt_rdtsc() - now < work)
				rt_pause();
	}
	/* The final deadline always fires. */
	arm(cpu, rt_rdtsc() + ahead);
	wait_fire(cpu, st[cpu].deadline);
}

/*
 * Armed at d1 (an exit), pushed lazily to d2, LVT masked and unmasked before d1: the deadline in
 * force is d2 (masking does not change IA32_TSC_DEADLINE, SDM Vol. 3A, 12.5.4.1), so one
 * interrupt at d2, none at d1.
 */
static void masked(u32 cpu)
{
	u64 ahead = rt_tsc_from_us(AHEAD_US), d1 = rt_rdtsc() + ahead, d2 = d1 + ahead;

	arm(cpu, d1);
	arm(cpu, d2);
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_TSC_DEADLINE | LVT_MASKED | VEC_TIMER);
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
	rt_mfence();
	wait_fire(cpu, d2);
}

static void run_cpu(u32 cpu, void *arg)
{
	(void)arg;
	st[cpu] = (struct cpu_state){ 0 };
	if (lazy && kestrel_area_register(NULL, &areas[cpu])) {
		st[cpu].lost = ~0u;	/* reported as a refused area below */
		return;
	}
	rt_timer_deadline_mode(VEC_TIMER);	/* once: then only deadlines */
	storm(cpu);
	masked(cpu);
	arm(cpu, 0);
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_MASKED);
	if (lazy)
		kestrel_area_unregister();
}

/*
 * A statistics table at this point: the one before is at most KESTREL_DEBUG_STATS_INTERVAL_US
 * old (the last mode's checks and lines take about that long), so a call refused as too soon
 * is made again until one is taken; the test reads the exits between two tables.
 */
static void stats_table(void)
{
	while (kestrel_hc_debug_stats() == -KESTREL_EBUSY)
		rt_pause();
}

static void run_mode(bool want_lazy)
{
	u64 fired = 0, extra = 0, late = 0, writes = 0, n = 0, t0;
	u32 cpus = rt_smp_cpus();

	lazy = want_lazy;
	rt_test_begin("pv-deadline-%s", lazy ? "lazy" : "plain");
	if (lazy && !kestrel_has(&info, KESTREL_FEATURE_LAZY_DEADLINE)) {
		rt_skip("no KESTREL_FEATURE_LAZY_DEADLINE");
		rt_test_end();
		return;
	}
	stats_table();
	t0 = rt_rdtsc();
	rt_smp_call_all(run_cpu, NULL);
	t0 = rt_rdtsc() - t0;
	stats_table();
	for (u32 c = 0; c < cpus; c++) {
		const struct cpu_state *s = &st[c];

		rt_check(s->lost != ~0u, "cpu %u: shared area refused", c);
		if (s->lost == ~0u)
			continue;
		rt_check(!s->early, "cpu %u: %u interrupt(s) before the deadline (first by %lu, "
			 "at re-arm %u of %u)", c, s->early, s->first_early_by, s->first_early_step,
			 s->rearms);
		rt_check(!s->lost, "cpu %u: %u deadline(s) never fired", c, s->lost);
		fired += s->fired;
		extra += s->extra;
		late += s->late_overtaken;
		writes += s->writes;
		n += s->rearms;
	}
	rt_printf("pv-deadline: mode %-5s %u cpus: %lu re-arms, %lu TSC-deadline writes (exits), "
		  "%lu interrupts, %lu extra, %lu for overtaken deadlines, %lu ms TSC\n",
		  lazy ? "lazy" : "plain", cpus, n, writes, fired, extra, late,
		  rt_tsc_to_us(t0) / 1000);
	if (lazy)
		rt_check(writes * 10 < n, "lazy: %lu MSR writes for %lu re-arms", writes, n);
	rt_test_end();
}

/* True when the comma-separated list has word. */
static bool listed(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p; p++)
		if ((p == list || p[-1] == ',') && !strncmp(p, word, n) && (!p[n] || p[n] == ','))
			return true;
	return false;
}

void kmain(const struct rt_boot *boot)
{
	char mode[32] = "lazy,plain";
	u32 up;

	(void)boot;
	rearms = (u32)rt_cmdline_u64("rearms", 10000);
	rt_cmdline_str("mode", mode, sizeof(mode));
	kestrel_detect(&info);
	rt_test_begin("pv-deadline-setup");
	up = rt_smp_start(RT_SMP_DEFAULT);
	rt_check(up == rt_smp_cpus_wanted(), "%u CPUs up, cpus= says %u", up,
		 rt_smp_cpus_wanted());
	rt_check(rt_timer_deadline_supported(), "no TSC-deadline timer");
	rt_irq_install(VEC_TIMER, timer_irq);
	rt_test_end();
	if (rt_tests_failed())
		return;
	if (listed(mode, "lazy"))
		run_mode(true);
	if (listed(mode, "plain"))
		run_mode(false);
}
