// SPDX-License-Identifier: GPL-2.0
/* IPIs between every pair of CPUs in x2APIC and xAPIC mode, by every kind of destination. */
#include <kestrel-rt/rt.h>

#define VEC_BASE	0x40	/* sender s uses vector VEC_BASE + s: class 4 and up */
#define MAX_SENDERS	64
#define WAIT_US		200000	/* one IPI must arrive within this */
#define SETTLE_US	2000	/* then no extra one may come */
#define DEFAULT_COUNT	50

_Static_assert(VEC_BASE + MAX_SENDERS <= RT_VEC_WAKE, "test vectors below the runtime's");

enum kind { PHYS, LOGICAL, MULTICAST, ALL_BUT_SELF, ALL, SELF, SELF_MSR };

static const char *const kind_names[] = {
	[PHYS] = "phys", [LOGICAL] = "logical", [MULTICAST] = "logical-multicast",
	[ALL_BUT_SELF] = "all-but-self", [ALL] = "all", [SELF] = "self",
	[SELF_MSR] = "self-msr",
};

static u32 n_cpus, count_per_pair;
/* received[r][s]: IPIs CPU r took from sender s; only r writes its row. */
static volatile u32 received[RT_MAX_CPUS][MAX_SENDERS];
static volatile u32 nmis[RT_MAX_CPUS];
static u32 logical_ids[RT_MAX_CPUS], mode_ids[RT_MAX_CPUS];
static bool mode_ok[RT_MAX_CPUS];
static const char *skip_reason;		/* set: every test of this mode is a SKIP */

/* Begins a test; when the whole mode is skipped, reports the SKIP and returns false. */
static bool begin(const char *what, enum rt_apic_mode mode)
{
	rt_test_begin("ipi-%s-%s", what, rt_apic_mode_name(mode));
	if (!skip_reason)
		return true;
	rt_skip("%s", skip_reason);
	rt_test_end();
	return false;
}

static void on_ipi(struct rt_frame *f)
{
	u32 me = rt_cpu_index();

	received[me][f->vector - VEC_BASE]++;
}

static void on_nmi(struct rt_frame *f)
{
	(void)f;
	nmis[rt_cpu_index()]++;
}

/* Waits until *p reaches want; false after WAIT_US. */
static bool wait_for(volatile u32 *p, u32 want)
{
	u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAIT_US);

	while (rt_atomic_load(p) < want) {
		if (rt_rdtsc() - start > limit)
			return false;
		rt_pause();
	}
	return true;
}

static bool has_logical(u32 cpu)
{
	return logical_ids[cpu] != 0;	/* xAPIC flat model: CPUs 0-7 only */
}

static u32 cluster(u32 cpu)
{
	return logical_ids[cpu] >> 16;	/* x2APIC cluster; 0 for every xAPIC flat ID */
}

static bool multicast_target(u32 cpu, u32 me)
{
	return cpu != me && has_logical(cpu);
}

/* One logical IPI per cluster, naming every other CPU of that cluster at once. */
static void send_multicast(u32 me, u32 vec)
{
	for (u32 i = 0; i < n_cpus; i++) {
		bool sent = false;
		u32 dest = 0;

		if (!multicast_target(i, me))
			continue;
		for (u32 j = 0; j < i; j++)
			sent |= multicast_target(j, me) && cluster(j) == cluster(i);
		if (sent)
			continue;
		for (u32 j = i; j < n_cpus; j++) {
			if (multicast_target(j, me) && cluster(j) == cluster(i))
				dest |= logical_ids[j];
		}
		rt_apic_send_ipi(dest, RT_IPI_FIXED | RT_IPI_LOGICAL | vec);
	}
}

/* Sends one IPI of this kind to CPU r (or to everyone the kind reaches) and waits for it. */
static bool send_one(enum kind k, u32 me, u32 r)
{
	u32 vec = VEC_BASE + me, want[RT_MAX_CPUS];
	bool ok = true;

	for (u32 i = 0; i < n_cpus; i++)
		want[i] = received[i][me] + 1;
	switch (k) {
	case PHYS:
		rt_apic_send_ipi(rt_smp_apic_id(r), RT_IPI_FIXED | vec);
		return wait_for(&received[r][me], want[r]);
	case LOGICAL:
		rt_apic_send_ipi(logical_ids[r], RT_IPI_FIXED | RT_IPI_LOGICAL | vec);
		return wait_for(&received[r][me], want[r]);
	case SELF:
		rt_apic_send_ipi(0, RT_IPI_FIXED | RT_IPI_SELF | vec);
		return wait_for(&received[me][me], want[me]);
	case SELF_MSR:
		rt_apic_self_ipi_msr(vec);
		return wait_for(&received[me][me], want[me]);
	case ALL_BUT_SELF:
		rt_apic_send_ipi(0, RT_IPI_FIXED | RT_IPI_ALL_BUT_SELF | vec);
		break;
	case ALL:
		rt_apic_send_ipi(0, RT_IPI_FIXED | RT_IPI_ALL | vec);
		break;
	case MULTICAST:
		send_multicast(me, vec);
		break;
	}
	for (u32 i = 0; i < n_cpus; i++) {
		bool reached = k == ALL || (i != me && (k != MULTICAST || has_logical(i)));

		if (reached)
			ok = wait_for(&received[i][me], want[i]) && ok;
	}
	return ok;
}

struct phase {
	enum kind kind;
	volatile u32 failures;
};

/* Every CPU runs this at once: count_per_pair rounds of its IPIs, one in flight at a time. */
static void send_phase(u32 me, void *arg)
{
	struct phase *ph = arg;

	for (u32 k = 0; k < count_per_pair; k++) {
		bool ok = true;

		if (ph->kind == PHYS || ph->kind == LOGICAL) {
			for (u32 d = 1; d < n_cpus && ok; d++) {
				u32 r = (me + d) % n_cpus;	/* spread the senders out */

				if (ph->kind == LOGICAL && (!has_logical(r) || !has_logical(me)))
					continue;
				ok = send_one(ph->kind, me, r);
			}
		} else if (ph->kind != MULTICAST || has_logical(me)) {
			ok = send_one(ph->kind, me, me);
		}
		if (!ok) {
			rt_check(false, "cpu %u: an IPI (%s) did not arrive within %u us", me,
				 kind_names[ph->kind], WAIT_US);
			rt_atomic_inc(&ph->failures);
			return;
		}
	}
}

/* How many IPIs CPU r should have from s after a phase of this kind. */
static u32 expected(enum kind k, u32 r, u32 s)
{
	bool self = r == s;

	switch (k) {
	case PHYS:
	case ALL_BUT_SELF:
		return self ? 0 : count_per_pair;
	case LOGICAL:
	case MULTICAST:
		return self || !has_logical(r) || !has_logical(s) ? 0 : count_per_pair;
	case ALL:
		return count_per_pair;
	case SELF:
	case SELF_MSR:
		return self ? count_per_pair : 0;
	}
	return 0;
}

static void run_phase(enum kind k, enum rt_apic_mode mode)
{
	struct phase ph = { .kind = k };
	u64 t0;

	if (!begin(kind_names[k], mode))
		return;
	if (k == SELF_MSR && mode != RT_APIC_X2APIC) {
		rt_skip("the SELF IPI register exists in x2APIC mode only");
		rt_test_end();
		return;
	}
	if ((k == LOGICAL || k == MULTICAST) && n_cpus < 2) {
		rt_skip("one CPU");
		rt_test_end();
		return;
	}
	for (u32 r = 0; r < n_cpus; r++) {
		for (u32 s = 0; s < n_cpus; s++)
			received[r][s] = 0;
	}
	t0 = rt_rdtsc();
	rt_smp_call_all(send_phase, &ph);
	rt_udelay(SETTLE_US);
	for (u32 r = 0; r < n_cpus && !ph.failures; r++) {
		for (u32 s = 0; s < n_cpus; s++) {
			u32 want = expected(k, r, s), got = received[r][s];

			rt_check(got == want, "cpu %u got %u IPIs from cpu %u, expected %u", r, got,
				 s, want);
		}
	}
	rt_printf("ipi: %s %s: %u cpus, %u rounds, %lu us\n", kind_names[k],
		  rt_apic_mode_name(mode), n_cpus, count_per_pair, rt_tsc_to_us(rt_rdtsc() - t0));
	rt_test_end();
}

/* NMIs, one sender at a time: a second NMI to a CPU still in its handler would merge. */
static void send_nmis(u32 me, void *arg)
{
	volatile u32 *failures = arg;

	for (u32 d = 1; d < n_cpus; d++) {
		u32 r = (me + d) % n_cpus;

		for (u32 k = 0; k < count_per_pair; k++) {
			u32 want = nmis[r] + 1;

			rt_apic_send_ipi(rt_smp_apic_id(r), RT_IPI_NMI);
			if (!wait_for(&nmis[r], want)) {
				rt_check(false, "cpu %u: NMI to cpu %u did not arrive", me, r);
				rt_atomic_inc(failures);
				return;
			}
		}
	}
}

static void run_nmi(enum rt_apic_mode mode)
{
	volatile u32 failures = 0;

	if (!begin("nmi", mode))
		return;
	for (u32 i = 0; i < n_cpus; i++)
		nmis[i] = 0;
	for (u32 s = 0; s < n_cpus && !failures; s++) {
		rt_smp_call(s, send_nmis, (void *)&failures);
		rt_smp_wait(s);
	}
	rt_udelay(SETTLE_US);
	for (u32 r = 0; r < n_cpus && !failures; r++) {
		u32 want = (n_cpus - 1) * count_per_pair;

		rt_check(nmis[r] == want, "cpu %u got %u NMIs, expected %u", r, nmis[r], want);
	}
	rt_test_end();
}

static bool irr_has(u32 vector)
{
	return rt_apic_read(RT_APIC_IRR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

/* A self IPI below the TPR's priority class waits in the IRR until the TPR drops (11.8.3). */
static void run_tpr(enum rt_apic_mode mode)
{
	u32 vec = VEC_BASE, before = received[0][0];

	if (!begin("tpr", mode))
		return;
	rt_apic_set_tpr(vec & 0xf0);
	rt_check(rt_apic_tpr() == (vec & 0xf0), "TPR reads 0x%x, wrote 0x%x", rt_apic_tpr(),
		 vec & 0xf0);
	rt_apic_send_ipi(0, RT_IPI_FIXED | RT_IPI_SELF | vec);
	rt_udelay(SETTLE_US);
	rt_check(received[0][0] == before, "vector 0x%x delivered with TPR 0x%x", vec, vec & 0xf0);
	rt_check(irr_has(vec), "vector 0x%x not pending in the IRR", vec);
	rt_apic_set_tpr(0);
	rt_check(wait_for(&received[0][0], before + 1), "vector 0x%x not delivered at TPR 0", vec);
	rt_check(!irr_has(vec), "vector 0x%x still pending after delivery", vec);
	rt_test_end();
}

static void set_mode(u32 cpu, void *arg)
{
	enum rt_apic_mode mode = *(enum rt_apic_mode *)arg;

	mode_ok[cpu] = rt_apic_set_mode(mode);
	if (!mode_ok[cpu])
		return;		/* the APIC is unusable now: do not touch it */
	mode_ids[cpu] = rt_apic_id();
	logical_ids[cpu] = rt_apic_logical_id();
}

/* Every CPU to this mode; no IPI is in flight while they change (apic.h). */
static bool switch_mode(enum rt_apic_mode mode)
{
	bool ok = true;

	if (!begin("mode", mode))
		return true;
	rt_smp_call_all(set_mode, &mode);
	rt_apic_set_boot_mode(mode);
	for (u32 i = 0; i < n_cpus; i++) {
		u32 id = mode_ids[i];

		if (!rt_check(mode_ok[i], "cpu %u: IA32_APIC_BASE not in %s mode after switching",
			      i, rt_apic_mode_name(mode))) {
			ok = false;
			continue;
		}
		ok = rt_check(id == rt_smp_apic_id(i), "cpu %u: APIC ID %u, was %u", i, id,
			      rt_smp_apic_id(i)) && ok;
		/* x2APIC LDR: cluster id[19:4] in 31:16, bit id[3:0] (SDM Vol. 3A, 12.12.10.2). */
		if (mode == RT_APIC_X2APIC)
			ok = rt_check(logical_ids[i] == (((id >> 4) << 16) | (1u << (id & 15))),
				      "cpu %u: x2APIC LDR 0x%x for ID %u", i, logical_ids[i], id) &&
			     ok;
		else if (i < 8)
			ok = rt_check(logical_ids[i] == 1u << i, "cpu %u: xAPIC LDR 0x%x", i,
				      logical_ids[i]) && ok;
	}
	rt_test_end();
	return ok;
}

static void run_mode(enum rt_apic_mode mode)
{
	static const enum kind kinds[] = { PHYS, LOGICAL, MULTICAST, ALL_BUT_SELF, ALL, SELF,
					   SELF_MSR };

	if (!switch_mode(mode))
		skip_reason = "the switch of every CPU to this mode failed (see ipi-mode)";
	for (u32 i = 0; i < RT_ARRAY_SIZE(kinds); i++)
		run_phase(kinds[i], mode);
	run_nmi(mode);
	run_tpr(mode);
}

void kmain(const struct rt_boot *boot)
{
	u32 wanted = rt_smp_cpus_wanted();
	enum rt_apic_mode first, second;

	(void)boot;
	count_per_pair = (u32)rt_cmdline_u64("count", DEFAULT_COUNT);
	rt_test_begin("ipi-smp");
	n_cpus = rt_smp_start(RT_SMP_DEFAULT);
	if (wanted)
		rt_check(n_cpus == wanted, "%u cpus up, cpus=%u", n_cpus, wanted);
	if (n_cpus > MAX_SENDERS)
		n_cpus = MAX_SENDERS;
	rt_test_end();
	for (u32 i = 0; i < n_cpus; i++)
		rt_irq_install(VEC_BASE + i, on_ipi);
	rt_irq_install(RT_VEC_NMI, on_nmi);

	/*
	 * The mode the runtime booted in first, then the other: x2APIC -> xAPIC goes through
	 * disabled, which Bochs cannot leave (run it there with apic=xapic).
	 */
	first = rt_apic_boot_mode();
	second = first == RT_APIC_X2APIC ? RT_APIC_XAPIC : RT_APIC_X2APIC;
	for (int i = 0; i < 2; i++) {
		enum rt_apic_mode mode = i ? second : first;

		skip_reason = mode == RT_APIC_X2APIC && !rt_apic_x2apic_supported() ?
			      "no x2APIC (CPUID.1:ECX[21] is 0)" : NULL;
		run_mode(mode);
	}
}
