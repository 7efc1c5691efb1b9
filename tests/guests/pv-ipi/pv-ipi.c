// SPDX-License-Identifier: GPL-2.0
/*
 * PV IPIs (KESTREL_HC_SEND_IPI) to every set shape that matters, against one ICR write per
 * target: exact per-vector counts on every receiver, nothing for vCPUs outside the set.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define VEC_BASE	0x40	/* one vector per shape */
#define MAX_SHAPES	16
#define NMI_SHAPE	(MAX_SHAPES - 1)	/* counted in nmis[], not by vector */
#define WAIT_MS		60000	/* per round, in TSC time: 512 vCPUs per pCPU are slow */
#define SETTLE_MS	5	/* after a round: strays to non-members would land by then */

_Static_assert(VEC_BASE + MAX_SHAPES <= RT_VEC_WAKE, "test vectors below the runtime's");

static volatile u32 hits[RT_MAX_CPUS][MAX_SHAPES];
static u32 expected[RT_MAX_CPUS][MAX_SHAPES];

static u64 set_bits[KESTREL_VPSET_BANKS(RT_MAX_CPUS)];
static union {
	struct kestrel_vp_set set;
	u8 bytes[KESTREL_VP_SET_SIZE(KESTREL_VPSET_BANKS(RT_MAX_CPUS))];
} set_buf RT_ALIGNED(64);

static struct kestrel_info info;
static u32 n_cpus, rounds;
static struct kestrel_vcpu_area cpu0_area RT_ALIGNED(64);	/* CPU 0's steal time */

/* One shape sent one way: filled during a phase, printed after it (printing exits too). */
struct result {
	u64 calls, targets, tsc, steal;
	u32 n, banks;
	char failure[96];
};

static struct result results[2][MAX_SHAPES];

static void send_ipi(u32 apic_id, u32 icr_lo)
{
	rt_apic_send_ipi(apic_id, icr_lo);
}

static u32 apic_id_of(u32 vcpu)
{
	return rt_smp_apic_id(vcpu);
}

static const struct kestrel_os os = {
	.send_ipi = send_ipi,
	.apic_id = apic_id_of,
};

static void count_irq(struct rt_frame *f)
{
	rt_atomic_inc(&hits[rt_cpu_index()][f->vector - VEC_BASE]);
}

static void count_nmi(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&hits[rt_cpu_index()][NMI_SHAPE]);
}

struct shape {
	const char *name;
	void (*build)(struct kestrel_vpset *s);
	bool nmi;
};

static void build_one(struct kestrel_vpset *s)
{
	kestrel_vpset_add(s, n_cpus / 2 + 3 < n_cpus ? n_cpus / 2 + 3 : n_cpus - 1);
}

static void build_self(struct kestrel_vpset *s)
{
	kestrel_vpset_add(s, rt_cpu_index());
}

static void build_all(struct kestrel_vpset *s)
{
	kestrel_vpset_fill(s);
}

static void build_all_but_self(struct kestrel_vpset *s)
{
	kestrel_vpset_fill(s);
	kestrel_vpset_remove(s, rt_cpu_index());
}

/* Every 37th vCPU: a few bits in almost every bank (the memory form once past two banks). */
static void build_sparse(struct kestrel_vpset *s)
{
	for (u32 v = 1; v < n_cpus; v += 37)
		kestrel_vpset_add(s, v);
}

/* Two banks as far apart as the VM allows: inline, bank A low, bank B the last. */
static void build_two_banks(struct kestrel_vpset *s)
{
	kestrel_vpset_add(s, 2);
	kestrel_vpset_add(s, 40);
	kestrel_vpset_add(s, n_cpus - 1);
	kestrel_vpset_add(s, n_cpus - 2);
}

/* One vCPU in every bank, a different bit each time: the memory form with every bank. */
static void build_many_banks(struct kestrel_vpset *s)
{
	for (u32 b = 0; b * 64 < n_cpus; b++) {
		u32 v = b * 64 + (b * 7 + 1) % 64;

		kestrel_vpset_add(s, v < n_cpus ? v : n_cpus - 1);
	}
}

static const struct shape shapes[] = {
	{ "one", build_one, false },
	{ "self", build_self, false },
	{ "all", build_all, false },
	{ "all-but-self", build_all_but_self, false },
	{ "sparse-37", build_sparse, false },
	{ "two-banks", build_two_banks, false },
	{ "many-banks", build_many_banks, false },
	{ "nmi-sparse", build_sparse, true },
};

_Static_assert(RT_ARRAY_SIZE(shapes) < NMI_SHAPE, "shape vectors below the NMI slot");

/* Waits until every member of s counted want hits on slot k. */
static bool wait_members(const struct kestrel_vpset *s, u32 k, u32 want, struct result *res)
{
	u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAIT_MS * 1000ull);

	kestrel_vpset_for_each(s, v) {
		while (rt_atomic_load(&hits[v][k]) < want) {
			if (rt_rdtsc() - start > limit) {
				rt_snprintf(res->failure, sizeof(res->failure),
					    "cpu %ld got %u of %u interrupts", (long)v,
					    rt_atomic_load(&hits[v][k]), want);
				return false;
			}
			rt_pause();
		}
	}
	rt_udelay(SETTLE_MS * 1000);
	return true;
}

/*
 * rounds sends of one shape one way. The TSC counts only the sending, less the steal time of
 * CPU 0 meanwhile (with 512 vCPUs per pCPU a woken target often runs before CPU 0 again).
 */
static void run_way(const struct shape *sh, u32 k, const struct kestrel_vpset *s, bool pv,
		    struct result *res)
{
	u32 vf = sh->nmi ? KESTREL_IPI_NMI : VEC_BASE + k, n = kestrel_vpset_count(s);
	u32 slot = sh->nmi ? NMI_SHAPE : k;
	u32 first = (u32)kestrel_vpset_next(s, 0);

	res->n = n;
	res->banks = kestrel_vpset_nonempty_banks(s);
	for (u32 r = 0; r < rounds; r++) {
		u32 base = rt_atomic_load(&hits[first][slot]);
		u64 s0 = kestrel_steal_time(&cpu0_area), t0 = rt_rdtsc_ordered(), t1, s1;
		int err = 0;

		if (pv)
			err = kestrel_send_ipi(&os, s, vf, &set_buf.set, RT_ARRAY_SIZE(set_bits));
		else
			kestrel_ipi_plain(&os, s, vf);
		t1 = rt_rdtsc_ordered();
		s1 = kestrel_steal_time(&cpu0_area);
		res->tsc += t1 - t0 - (s1 - s0);
		res->steal += s1 - s0;
		res->calls += pv ? 1 : n;
		res->targets += n;
		if (err) {
			rt_snprintf(res->failure, sizeof(res->failure),
				    "kestrel_send_ipi returned %d", err);
			return;
		}
		kestrel_vpset_for_each(s, v)
			expected[v][slot]++;
		if (!wait_members(s, slot, base + 1, res))
			return;
	}
}

/* Every vCPU's count of every slot is exactly what was sent to it. */
static void check_counts(const char *what)
{
	u32 bad = 0;

	for (u32 c = 0; c < n_cpus; c++) {
		for (u32 k = 0; k < MAX_SHAPES; k++) {
			u32 got = rt_atomic_load(&hits[c][k]);

			if (got != expected[c][k] && bad++ < 8)
				rt_check(false, "%s: cpu %u slot %u: %u interrupts, expected %u",
					 what, c, k, got, expected[c][k]);
		}
	}
	rt_check(!bad, "%s: %u (cpu, vector) counts wrong", what, bad);
}

/* Every shape one way between two exit-statistics tables, silently: the system test reads
 * CPU 0's exits from them, and each printed character would be two more. */
static void run_phase(bool pv)
{
	struct kestrel_vpset s;

	kestrel_hc_debug_stats();
	for (u32 k = 0; k < RT_ARRAY_SIZE(shapes); k++) {
		kestrel_vpset_init(&s, set_bits, RT_ARRAY_SIZE(set_bits), n_cpus);
		shapes[k].build(&s);
		run_way(&shapes[k], k, &s, pv, &results[pv][k]);
	}
	kestrel_hc_debug_stats();
}

static void report_phase(bool pv)
{
	const char *way = pv ? "pv" : "plain";
	struct result sum = { 0 };

	for (u32 k = 0; k < RT_ARRAY_SIZE(shapes); k++) {
		const struct result *r = &results[pv][k];

		rt_test_begin("pv-ipi-%s-%s", way, shapes[k].name);
		rt_check(!r->failure[0], "%s", r->failure);
		check_counts(shapes[k].name);
		rt_printf("pv-ipi: %-5s %-13s %4u targets in %2u bank(s): %lu exits/set, "
			  "%lu TSC/set, %lu TSC/target (steal %lu)\n", way, shapes[k].name, r->n,
			  r->banks, r->calls / rounds, r->tsc / rounds,
			  r->targets ? r->tsc / r->targets : 0, r->steal);
		sum.calls += r->calls;
		sum.targets += r->targets;
		sum.tsc += r->tsc;
		rt_test_end();
	}
	rt_printf("pv-ipi: phase %s: %lu sending exits (%s) for %lu targets, %lu TSC sending\n",
		  way, sum.calls, pv ? "VMCALLs" : "ICR writes", sum.targets, sum.tsc);
}

static void test_start(void)
{
	u64 t0 = rt_rdtsc();
	u32 up;

	rt_test_begin("pv-ipi-start");
	up = rt_smp_start(RT_SMP_DEFAULT);
	rt_printf("pv-ipi: %u CPUs up in %lu ms of TSC time\n", up, rt_tsc_to_us(rt_rdtsc() - t0) /
		  1000);
	rt_check(up == rt_smp_cpus_wanted(), "%u CPUs up, cpus= says %u", up,
		 rt_smp_cpus_wanted());
	for (u32 c = 0; c < up; c++)
		rt_check(rt_smp_apic_id(c) == c, "cpu %u has APIC ID %u: not the vCPU number", c,
			 rt_smp_apic_id(c));
	rt_test_end();
	n_cpus = up;
}

/*
 * A self IPI by hypercall, interrupts on: the ABI has it pending when the call returns, and
 * Kestrel injects a pending interrupt at the caller's next entry, so it is taken before the
 * instruction after the VMCALL. A loop of 1,000 passes that make no exit (a few thousand
 * instructions, less than a slice) must see it: a re-entry that skipped the check for an IRR
 * bit the hypercall set left it waiting for the slice's end.
 */
#define VEC_SELF	(VEC_BASE + NMI_SHAPE - 1)
#define SELF_SPINS	1000

_Static_assert(RT_ARRAY_SIZE(shapes) < NMI_SHAPE - 1, "shape vectors below the self test's");

static volatile u32 self_taken;

static void count_self(struct rt_frame *f)
{
	(void)f;
	self_taken++;
}

static void test_self_prompt(void)
{
	struct kestrel_vpset s;
	u32 spins = 0;
	int err;

	rt_test_begin("pv-ipi-self-prompt");
	rt_irq_install(VEC_SELF, count_self);
	kestrel_vpset_init(&s, set_bits, RT_ARRAY_SIZE(set_bits), n_cpus);
	kestrel_vpset_add(&s, rt_cpu_index());
	err = kestrel_send_ipi(&os, &s, VEC_SELF, &set_buf.set, RT_ARRAY_SIZE(set_bits));
	while (!self_taken && spins < SELF_SPINS) {
		spins++;
		__asm__ volatile("" ::: "memory");
	}
	rt_check(err == 0, "kestrel_send_ipi to itself returned %d", err);
	rt_check(self_taken == 1, "self IPI by hypercall: %u taken after %u loop passes", self_taken,
		 spins);
	if (self_taken)
		rt_printf("pv-ipi: self IPI by hypercall taken after %u loop passes\n", spins);
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	(void)boot;
	rounds = (u32)rt_cmdline_u64("rounds", 2);
	kestrel_detect(&info);
	rt_printf("pv-ipi: kestrel %s, ABI %u, features 0x%x, %u vCPUs\n",
		  info.present ? "present" : "absent", info.abi_version, info.features,
		  info.nr_vcpus);
	test_start();
	if (!kestrel_has(&info, KESTREL_FEATURE_IPI)) {
		rt_test_begin("pv-ipi");
		rt_skip("no KESTREL_FEATURE_IPI");
		return;
	}
	for (u32 k = 0; k < RT_ARRAY_SIZE(shapes); k++)
		rt_irq_install(VEC_BASE + k, count_irq);
	rt_irq_install(RT_VEC_NMI, count_nmi);
	test_self_prompt();
	rt_check(kestrel_area_register(&os, &cpu0_area) == 0, "shared area of cpu 0 refused");
	rt_printf("pv-ipi: phases: pv (KESTREL_HC_SEND_IPI), then plain (an ICR write each)\n");
	run_phase(true);
	report_phase(true);
	run_phase(false);
	report_phase(false);
}
