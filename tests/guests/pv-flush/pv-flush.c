// SPDX-License-Identifier: GPL-2.0
/*
 * The stale-TLB detector. CPU 0 maps a virtual page X (4 KiB, in PML4 slot 1, which the runtime
 * leaves empty) to one of two physical pages holding different patterns; every CPU reads X so
 * its TLB holds the translation; CPU 0 remaps X to the other page, INVLPGs it, and has the
 * others flushed one way (mode=): pv (KESTREL_HC_FLUSH_TLB), ipi (IPI shootdown, busy-wait for
 * acks), flushbit (the same, but a preempted target gets the shared area's FLUSH bit instead of
 * an IPI). Then every CPU reads X again: the old page's pattern is a stale read.
 *
 * Two more modes are experiments on the platform itself: none (no flush at all: only a CPU that
 * kept the old translation cached reads stale) and exit (no flush, but every target makes a VM
 * exit, CPUID, between the two reads). With expect=stale a mode passes only if it saw stale
 * reads. What Bochs 2.7 does (measured with these modes, see tests/system/run.py): it keeps a
 * translation while the CPU stays in guest mode (mode=none reads stale), and drops its whole TLB
 * at every VM exit (mode=exit reads none: Bochs's TLB has no VPID tag). So the fault Kestrel
 * injects with inject=skip-flush is a flush that forgets its targets (no kick, no INVVPID): a
 * target alone on its pCPU stays in guest mode, keeps X's old translation, and this detector
 * reports the stale reads as a failure (the vm-pv-flush-skip-flush system test).
 *
 * mode=genwatch is the pv mode with targets that watch their shared area's tlb_gen instead of
 * waiting to be told: the moment tlb_gen changes they read X, as a guest's context switch does
 * when it trusts tlb_gen to say its TLB is clean. Kestrel must store tlb_gen only after that
 * target's flush is done; stored when the flush is posted, a target still in guest mode, not
 * yet kicked, sees the new generation and reads X through the old translation.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define X_VA		0x0000008000005000ull	/* PML4 slot 1, PDPT 0, PD 0, PT 5 */
#define PTE_P		(1ull << 0)	/* SDM Vol. 3A, 5.5, table 5-19 */
#define PTE_RW		(1ull << 1)
#define PAGE		4096ull
#define VEC_SHOOT	0x50
#define WAIT_MS		20000
#define MAX_MODES	8

static const u64 patterns[2] = { 0x1111111111111111ull, 0x2222222222222222ull };

static volatile u64 *pte;		/* the PTE of X */
static u64 page_phys[2];
static u32 n_cpus, rounds;
static u64 tlb_gen;		/* one VM-wide increasing sequence, as abi.h asks */

static volatile u32 go_round, check_round, stop;
static volatile u32 primed[RT_MAX_CPUS], checked[RT_MAX_CPUS];
static volatile u32 stale[RT_MAX_CPUS], wrong[RT_MAX_CPUS], prime_stale[RT_MAX_CPUS];
static bool exit_between;		/* mode=exit: a CPUID between the reads */
static bool gen_watch;			/* mode=genwatch: targets read X when tlb_gen changes */
static volatile u32 gen_timeout[RT_MAX_CPUS];

static struct kestrel_vcpu_area areas[RT_MAX_CPUS] RT_ALIGNED(64);
static struct kestrel_shootdown sd;
static u64 set_bits[KESTREL_VPSET_BANKS(RT_MAX_CPUS)];
static union {
	struct kestrel_vp_set set;
	u8 bytes[KESTREL_VP_SET_SIZE(KESTREL_VPSET_BANKS(RT_MAX_CPUS))];
} set_buf RT_ALIGNED(64);
static struct kestrel_flush_range x_range RT_ALIGNED(16) = { X_VA, 1 };
static struct kestrel_info info;

/*
 * The IPIs of one shootdown, with each target's steal time when it was sent: a target whose
 * steal time grew before the shootdown ended was descheduled between the IPI and its ack.
 */
static u32 ipi_to[RT_MAX_CPUS], nr_ipi_to;
static u64 ipi_steal[RT_MAX_CPUS];

static void send_ipi(u32 apic_id, u32 icr_lo)
{
	for (u32 c = 0; c < n_cpus && nr_ipi_to < RT_MAX_CPUS; c++) {
		if (rt_smp_apic_id(c) != apic_id)
			continue;
		ipi_to[nr_ipi_to] = c;
		ipi_steal[nr_ipi_to++] = rt_atomic_load64(&areas[c].steal_tsc);
		break;
	}
	rt_apic_send_ipi(apic_id, icr_lo);
}

/* How many targets of the last shootdown were descheduled after their IPI was sent. */
static u32 ipi_targets_descheduled(void)
{
	u32 n = 0;

	for (u32 i = 0; i < nr_ipi_to; i++)
		n += rt_atomic_load64(&areas[ipi_to[i]].steal_tsc) != ipi_steal[i];
	return n;
}

static struct kestrel_vcpu_area *area_of(u32 vcpu)
{
	return &areas[vcpu];
}

static const struct kestrel_os os = {
	.send_ipi = send_ipi,
	.apic_id = rt_smp_apic_id,
	.vcpu_area = area_of,
};

static void shoot_irq(struct rt_frame *f)
{
	(void)f;
	kestrel_shootdown_handle(&sd);
}

static u64 *table(u64 entry)
{
	return (u64 *)(uintptr_t)(entry & 0x000ffffffffff000ull);
}

/* A zeroed page from the runtime's allocator (identity-mapped: virtual = physical). */
static u64 *new_page(void)
{
	u64 *p = rt_alloc_pages(PAGE);

	if (p)
		memset(p, 0, PAGE);
	return p;
}

/* PML4[1] -> PDPT -> PD -> PT with one PTE for X; both pages filled with their pattern. */
static bool map_setup(void)
{
	u64 cr3, *pml4, *pdpt = new_page(), *pd = new_page(), *pt = new_page();

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = table(cr3);
	if (!pdpt || !pd || !pt || pml4[1])
		return false;
	for (u32 i = 0; i < 2; i++) {
		u64 *p = new_page();

		if (!p)
			return false;
		for (u32 w = 0; w < PAGE / 8; w++)
			p[w] = patterns[i];
		page_phys[i] = (u64)(uintptr_t)p;
	}
	pd[0] = (u64)(uintptr_t)pt | PTE_P | PTE_RW;
	pdpt[0] = (u64)(uintptr_t)pd | PTE_P | PTE_RW;
	pte = &pt[(X_VA >> 12) & 511];
	*pte = page_phys[0] | PTE_P | PTE_RW;
	pml4[1] = (u64)(uintptr_t)pdpt | PTE_P | PTE_RW;
	return true;
}

static u64 read_x(void)
{
	return *(volatile u64 *)(uintptr_t)X_VA;
}

static void register_area(void)
{
	rt_check(kestrel_area_register(&os, &areas[rt_cpu_index()]) == 0,
		 "cpu %u: shared area refused", rt_cpu_index());
}

/* Each AP: prime, wait for the remap, read again; until CPU 0 says stop. */
static void target_loop(u32 cpu, void *arg)
{
	(void)arg;
	for (u32 r = 1;; r++) {
		u64 old = patterns[(r - 1) % 2], new = patterns[r % 2], v;

		while (rt_atomic_load(&go_round) < r && !rt_atomic_load(&stop))
			rt_pause();
		if (rt_atomic_load(&stop))
			return;
		v = read_x();		/* caches X -> old page */
		if (v != old)
			rt_atomic_inc(v == new ? &prime_stale[cpu] : &wrong[cpu]);
		if (gen_watch) {
			u64 g0 = rt_atomic_load64(&areas[cpu].tlb_gen), start = rt_rdtsc();
			u64 limit = rt_tsc_from_us(WAIT_MS * 1000ull);

			rt_atomic_store(&primed[cpu], r);
			/* No exit here: X's old translation stays cached until Kestrel flushes. */
			while (rt_atomic_load64(&areas[cpu].tlb_gen) == g0) {
				if (rt_rdtsc() - start > limit) {
					rt_atomic_inc(&gen_timeout[cpu]);
					break;
				}
				rt_pause();
			}
		} else {
			rt_atomic_store(&primed[cpu], r);
			while (rt_atomic_load(&check_round) < r)
				rt_pause();
		}
		if (exit_between)
			rt_cpuid(0, 0);	/* a VM exit, no flush */
		v = read_x();
		if (v == old)
			rt_atomic_inc(&stale[cpu]);
		else if (v != new)
			rt_atomic_inc(&wrong[cpu]);
		rt_atomic_store(&checked[cpu], r);
	}
}

static bool wait_all(volatile u32 *what, u32 r, const char *name)
{
	u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAIT_MS * 1000ull);

	for (u32 c = 1; c < n_cpus; c++) {
		while (rt_atomic_load(&what[c]) < r) {
			if (rt_rdtsc() - start > limit)
				return rt_check(false, "round %u: cpu %u never %s", r, c, name);
			rt_pause();
		}
	}
	return true;
}

enum mode { MODE_PV, MODE_IPI, MODE_FLUSHBIT, MODE_NONE, MODE_EXIT, MODE_GENWATCH };

static const char *const mode_names[] = { "pv", "ipi", "flushbit", "none", "exit", "genwatch" };

static const u32 pv_kinds[] = { KESTREL_FLUSH_RANGES, KESTREL_FLUSH_NONGLOBAL, KESTREL_FLUSH_ALL };

struct stats {
	u64 tsc, max_tsc, sent, flagged, gen_wrong;
	u64 late_rounds, late_tsc; /* rounds in which an IPI'd target was descheduled */
};

/* Has the other CPUs flushed X as mode says; returns the TSC ticks it took CPU 0. */
static u64 flush_others(enum mode m, u32 r, struct stats *st)
{
	struct kestrel_vpset s;
	u64 t0, t1;
	int err = 0;

	kestrel_vpset_init(&s, set_bits, RT_ARRAY_SIZE(set_bits), n_cpus);
	kestrel_vpset_fill(&s);
	/* pv: every other round includes the caller (Kestrel flushes it too). */
	if ((m != MODE_PV && m != MODE_GENWATCH) || r % 2)
		kestrel_vpset_remove(&s, 0);
	t0 = rt_rdtsc_ordered();
	switch (m) {
	case MODE_PV:
	case MODE_GENWATCH:
		err = kestrel_flush_tlb(&os, &s, pv_kinds[r % 3] | KESTREL_FLUSH_SET_GEN,
					pv_kinds[r % 3] == KESTREL_FLUSH_RANGES ? &x_range : NULL,
					pv_kinds[r % 3] == KESTREL_FLUSH_RANGES, ++tlb_gen,
					&set_buf.set, RT_ARRAY_SIZE(set_bits));
		break;
	case MODE_IPI:
	case MODE_FLUSHBIT:
		nr_ipi_to = 0;
		sd.flags = KESTREL_FLUSH_RANGES;
		sd.ranges = &x_range;
		sd.nr_ranges = 1;
		kestrel_shootdown(&os, &sd, &s, 0, VEC_SHOOT, m == MODE_FLUSHBIT);
		st->sent += sd.sent;
		st->flagged += sd.flagged;
		break;
	default:
		break;
	}
	t1 = rt_rdtsc_ordered();
	rt_check(err == 0, "round %u: KESTREL_HC_FLUSH_TLB returned %d", r, err);
	if ((m == MODE_IPI || m == MODE_FLUSHBIT) && ipi_targets_descheduled()) {
		st->late_rounds++;
		st->late_tsc += t1 - t0;
	}
	return t1 - t0;
}

static void run_mode(enum mode m, bool expect_stale)
{
	struct stats st = { 0 };
	u64 n_stale = 0, n_prime = 0, n_wrong = 0, n_gen_timeout = 0;

	rt_test_begin("pv-flush-%s", mode_names[m]);
	if ((m == MODE_PV || m == MODE_GENWATCH) &&
	    !kestrel_has(&info, KESTREL_FEATURE_FLUSH | KESTREL_FEATURE_SHARED_AREA)) {
		rt_skip("no KESTREL_FEATURE_FLUSH");
		rt_test_end();
		return;
	}
	if (m == MODE_FLUSHBIT && !kestrel_has(&info, KESTREL_FEATURE_PREEMPTED)) {
		rt_skip("no KESTREL_FEATURE_PREEMPTED");
		rt_test_end();
		return;
	}
	exit_between = m == MODE_EXIT;
	gen_watch = m == MODE_GENWATCH;
	go_round = check_round = stop = 0;
	for (u32 c = 0; c < n_cpus; c++) {
		primed[c] = checked[c] = stale[c] = wrong[c] = prime_stale[c] = 0;
		gen_timeout[c] = 0;
	}
	*pte = page_phys[0] | PTE_P | PTE_RW;
	kestrel_flush_local(KESTREL_FLUSH_RANGES, &x_range, 1);
	for (u32 c = 1; c < n_cpus; c++)
		rt_smp_call(c, target_loop, NULL);
	for (u32 r = 1; r <= rounds; r++) {
		rt_atomic_store(&go_round, r);
		if (!wait_all(primed, r, "primed"))
			break;
		*pte = page_phys[r % 2] | PTE_P | PTE_RW;
		kestrel_flush_local(KESTREL_FLUSH_RANGES, &x_range, 1);
		{
			u64 t = flush_others(m, r, &st);

			st.tsc += t;
			st.max_tsc = t > st.max_tsc ? t : st.max_tsc;
		}
		rt_atomic_store(&check_round, r);
		if (read_x() != patterns[r % 2])
			rt_atomic_inc(&stale[0]);
		if (!wait_all(checked, r, "checked"))
			break;
		for (u32 c = 1; (m == MODE_PV || m == MODE_GENWATCH) && c < n_cpus; c++)
			st.gen_wrong += rt_atomic_load64(&areas[c].tlb_gen) != tlb_gen;
	}
	rt_atomic_store(&stop, 1);
	rt_atomic_store(&check_round, rounds + 1);
	for (u32 c = 1; c < n_cpus; c++)
		rt_smp_wait(c);
	for (u32 c = 0; c < n_cpus; c++) {
		n_stale += stale[c];
		n_prime += prime_stale[c];
		n_wrong += wrong[c];
		n_gen_timeout += gen_timeout[c];
	}
	rt_printf("pv-flush: mode %-8s %u rounds, %u targets: %lu TSC/shootdown (slowest %lu), "
		  "stale reads %lu (before the remap %lu), IPIs %lu, FLUSH bits %lu\n", mode_names[m],
		  rounds, n_cpus - 1, st.tsc / rounds, st.max_tsc, n_stale, n_prime, st.sent,
		  st.flagged);
	if (m == MODE_IPI || m == MODE_FLUSHBIT)
		rt_printf("pv-flush: mode %-8s %lu rounds had an IPI'd target descheduled before it "
			  "acked; they took %lu of the %lu TSC ticks\n", mode_names[m],
			  st.late_rounds, st.late_tsc, st.tsc);
	rt_check(!n_wrong, "%lu reads of X saw neither pattern", n_wrong);
	rt_check(!st.gen_wrong, "%lu times a target's tlb_gen was not the round's", st.gen_wrong);
	rt_check(!n_gen_timeout, "%lu times a target's tlb_gen never changed", n_gen_timeout);
	if (expect_stale)
		rt_check(n_stale + n_prime, "expect=stale, but no read was stale");
	else
		rt_check(!n_stale && !n_prime, "%lu stale reads (%lu before the remap)",
			 n_stale + n_prime, n_prime);
	rt_test_end();
}

/* tlb_gen never goes down: a flush that carries a smaller generation leaves the larger one. */
static void check_gen_order(void)
{
	struct kestrel_vpset s;
	u64 g = tlb_gen + 100, seen[3];
	const u64 asked[3] = { g, g - 50, g + 1 }, want[3] = { g, g, g + 1 };

	rt_test_begin("pv-flush-gen-never-lowers");
	if (!kestrel_has(&info, KESTREL_FEATURE_FLUSH | KESTREL_FEATURE_SHARED_AREA)) {
		rt_skip("no KESTREL_FEATURE_FLUSH");
		rt_test_end();
		return;
	}
	kestrel_vpset_init(&s, set_bits, RT_ARRAY_SIZE(set_bits), n_cpus);
	kestrel_vpset_add(&s, 0); /* the caller alone: flushed before the call returns */
	for (u32 i = 0; i < 3; i++) {
		int err = kestrel_flush_tlb(&os, &s, KESTREL_FLUSH_ALL | KESTREL_FLUSH_SET_GEN, NULL,
					    0, asked[i], &set_buf.set, RT_ARRAY_SIZE(set_bits));

		rt_check(err == 0, "flush %u returned %d", i, err);
		seen[i] = rt_atomic_load64(&areas[0].tlb_gen);
		rt_check(seen[i] == want[i], "after a flush with generation %lu, tlb_gen is %lu, "
			 "expected %lu", asked[i], seen[i], want[i]);
	}
	rt_test_end();
}

static void setup_cpu(u32 cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	if (kestrel_has(&info, KESTREL_FEATURE_SHARED_AREA))
		register_area();
}

/* mode=a,b,c: each named mode in turn. */
static void run_modes(const char *list, bool expect_stale)
{
	char name[16];

	while (*list) {
		u32 n = 0, m;

		while (*list && *list != ',' && n < sizeof(name) - 1)
			name[n++] = *list++;
		name[n] = '\0';
		if (*list == ',')
			list++;
		for (m = 0; m < RT_ARRAY_SIZE(mode_names); m++)
			if (!strcmp(name, mode_names[m]))
				break;
		if (m == RT_ARRAY_SIZE(mode_names)) {
			rt_test_begin("pv-flush-%s", name);
			rt_check(false, "mode=%s: not pv, ipi, flushbit, none, exit or genwatch", name);
			rt_test_end();
			continue;
		}
		run_mode((enum mode)m, expect_stale);
	}
}

void kmain(const struct rt_boot *boot)
{
	char modes[64] = "pv,ipi,flushbit", expect[16] = "";
	u32 up;

	(void)boot;
	rounds = (u32)rt_cmdline_u64("rounds", 20);
	rt_cmdline_str("mode", modes, sizeof(modes));
	rt_cmdline_str("expect", expect, sizeof(expect));
	kestrel_detect(&info);
	rt_test_begin("pv-flush-setup");
	up = rt_smp_start(RT_SMP_DEFAULT);
	n_cpus = up;
	rt_check(up >= 2 && up == rt_smp_cpus_wanted(), "%u CPUs up, cpus= says %u", up,
		 rt_smp_cpus_wanted());
	rt_check(map_setup(), "no memory, or PML4[1] in use");
	rt_irq_install(VEC_SHOOT, shoot_irq);
	rt_smp_call_all(setup_cpu, NULL);
	rt_test_end();
	if (rt_tests_failed())
		return;
	run_modes(modes, !strcmp(expect, "stale"));
	check_gen_order();
}
