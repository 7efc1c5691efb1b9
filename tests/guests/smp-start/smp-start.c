// SPDX-License-Identifier: GPL-2.0
/* Starts the APs with every INIT/SIPI variant real OSes use, stopping them with INIT in between. */
#include <kestrel-rt/rt.h>

#define SETTLE_MS	20	/* a second start from a stray SIPI would show within this */
#define HEARTBEAT_MS	10	/* a running AP beats many times in this */
#define WAKE_MS		1000	/* an AP given work starts it within this */

struct variant {
	const char *name;
	u32 how;
};

/* The first one also finds the APs (a shorthand start needs no APIC IDs). */
static const struct variant variants[] = {
	{ "shorthand-two-sipis", RT_SMP_SHORTHAND | RT_SMP_TWO_SIPIS },
	{ "shorthand-one-sipi", RT_SMP_SHORTHAND },
	{ "shorthand-deassert-two-sipis", RT_SMP_SHORTHAND | RT_SMP_DEASSERT | RT_SMP_TWO_SIPIS },
	{ "shorthand-deassert-one-sipi", RT_SMP_SHORTHAND | RT_SMP_DEASSERT },
	{ "dest-two-sipis", RT_SMP_TWO_SIPIS },
	{ "dest-one-sipi", 0 },
	{ "dest-deassert-two-sipis", RT_SMP_DEASSERT | RT_SMP_TWO_SIPIS },
	{ "dest-deassert-one-sipi", RT_SMP_DEASSERT },
};

static volatile u32 ap_main_runs[RT_MAX_CPUS];
static volatile u32 heartbeat[RT_MAX_CPUS];

void ap_main(u32 cpu)
{
	rt_atomic_inc(&ap_main_runs[cpu]);
}

/* Runs on an AP until INIT stops it; holds no lock. */
static void beat(u32 cpu, void *arg)
{
	(void)arg;
	for (;;) {
		rt_atomic_inc(&heartbeat[cpu]);
		rt_pause();
	}
}

static void snapshot(u32 *out, volatile u32 *from, u32 n)
{
	for (u32 i = 0; i < n; i++)
		out[i] = rt_atomic_load(&from[i]);
}

/* Sets every AP spinning, INITs them the variant's way, checks they all stopped. */
static void stop_aps(const struct variant *v, u32 n)
{
	u32 before[RT_MAX_CPUS], after[RT_MAX_CPUS];

	rt_test_begin("smp-init-%s", v->how & RT_SMP_SHORTHAND ? "shorthand" : "dest");
	snapshot(before, heartbeat, n);
	for (u32 i = 1; i < n; i++)
		rt_smp_call(i, beat, NULL);
	for (u32 i = 1; i < n; i++) {
		u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAKE_MS * 1000);

		while (heartbeat[i] == before[i] && rt_rdtsc() - start < limit)
			rt_pause();
		rt_check(heartbeat[i] != before[i], "cpu %u is not running before the INIT", i);
	}

	rt_smp_reset(v->how);
	snapshot(before, heartbeat, n);
	rt_mdelay(HEARTBEAT_MS);
	snapshot(after, heartbeat, n);
	for (u32 i = 1; i < n; i++)
		rt_check(after[i] == before[i], "cpu %u still runs after INIT (%u -> %u)", i,
			 before[i], after[i]);
	rt_test_end();
}

static void run_variant(const struct variant *v, u32 wanted)
{
	u32 starts[RT_MAX_CPUS], runs[RT_MAX_CPUS], n, up;

	for (u32 i = 0; i < RT_MAX_CPUS; i++)
		starts[i] = rt_smp_starts(i);
	snapshot(runs, ap_main_runs, RT_MAX_CPUS);

	rt_test_begin("smp-start-%s", v->name);
	up = rt_smp_start(v->how);
	rt_mdelay(SETTLE_MS);
	n = rt_smp_cpus();
	rt_printf("smp-start: %s: %u of %u cpus up\n", v->name, up, n);
	rt_check(up == wanted, "%u cpus up, expected %u", up, wanted);
	rt_check(n == wanted, "%u cpus found, expected %u", n, wanted);
	for (u32 i = 1; i < n; i++) {
		u32 s = rt_smp_starts(i) - starts[i];

		rt_smp_wait(i);
		rt_check(s == 1, "cpu %u (apic id %u) started %u times", i, rt_smp_apic_id(i), s);
		rt_check(ap_main_runs[i] - runs[i] == 1, "cpu %u ran ap_main %u times", i,
			 ap_main_runs[i] - runs[i]);
		rt_check(rt_smp_is_idle(i), "cpu %u is not idle after ap_main", i);
	}
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	u32 wanted = rt_smp_cpus_wanted();

	(void)boot;
	if (!wanted)
		rt_printf("smp-start: no cpus= given: each start must find what the first found\n");
	for (u32 i = 0; i < RT_ARRAY_SIZE(variants); i++) {
		if (i)
			stop_aps(&variants[i], rt_smp_cpus());
		run_variant(&variants[i], wanted ? wanted : rt_smp_cpus() > 1 ? rt_smp_cpus() : 0);
	}
}
