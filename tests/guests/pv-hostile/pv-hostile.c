// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile hypercalls: unknown numbers, addresses outside RAM, a misaligned shared area, huge
 * counts, banks and bits past the VM, reserved fields, bad vectors and flags, VMCALL from CPL 3;
 * each must get the status abi.h documents, have no effect, and the guest goes on. With
 * `pv=off` on the command line (a VM configured pv=off) it checks that the Kestrel leaves are
 * zeros and that every hypercall is -ENOSYS; with `debug=off` (a VM without debug=on) that
 * the debug calls are -ENOSYS.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>
#include "ring3.h"

#define VEC_TEST	0x70
#define OUTSIDE_FAR	(1ull << 40)
#define SETTLE_MS	20	/* after the expected ones: strays would have come by then */
#define WAIT_MS		5000	/* TSC time for 70 woken vCPUs on 2 pCPUs to take theirs */

static volatile u32 received[RT_MAX_CPUS];
static u32 expected[RT_MAX_CPUS];
static u32 n_cpus;
static u64 ram_end;

/* The VM's last bank, and the first vCPU past the VM as (bank, bit); bit 64: none in it. */
static u32 last_bank, past_bit;

static struct kestrel_vcpu_area area RT_ALIGNED(64);
static union {
	struct kestrel_vp_set set;
	u8 bytes[KESTREL_VP_SET_SIZE(4)];
} vps RT_ALIGNED(64);
static struct kestrel_flush_range ranges[KESTREL_FLUSH_MAX_RANGES + 1] RT_ALIGNED(64);

static void count_irq(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&received[rt_cpu_index()]);
}

static u64 gpa(const void *p)
{
	return (u64)(uintptr_t)p;
}

/* One call with its arguments as given, and the status abi.h says it must get. */
static void expect(const char *what, s64 want, u64 nr, u64 rdi, u64 rsi, u64 rdx, u64 r10,
		   u64 r8, u64 r9)
{
	s64 got = kestrel_hypercall(nr, rdi, rsi, rdx, r10, r8, r9);

	rt_check(got == want, "%s: returned %ld, expected %ld", what, got, want);
}

static void set_vps(u32 nr, u32 reserved)
{
	vps.set.nr_banks = nr;
	vps.set.reserved = reserved;
	for (u32 i = 0; i < 4; i++)
		vps.set.banks[i] = (struct kestrel_vp_bank){ 0, 0, 1 };
}

/* KVM's signature one leaf slot above Kestrel's: the VM answers KVM's hypercall numbers too. */
static bool kvm_offered(void)
{
	struct rt_cpuid r = rt_cpuid(0x40000100, 0);

	return r.ebx == 0x4b4d564b && r.ecx == 0x564b4d56 && r.edx == 0x4d;
}

#define KVM_HC_MAX 0xffff
#define KVM_ENOSYS 1000

static void test_unknown(void)
{
	static const u64 numbers[] = { 0, 4, 0xff, 0x102, 0x1ff, 0x1000, 0xffff, 0x10000, 0x10005,
				       0x100ff, 0x10102, 0xffffffffull, 0x100000001ull, ~0ull };
	bool kvm = kvm_offered();

	rt_test_begin("pv-hostile-unknown-nr");
	for (u32 i = 0; i < RT_ARRAY_SIZE(numbers); i++) {
		char what[48];
		/* Below 0x10000 the numbers are KVM's, and KVM says -1000 for one it lacks. */
		s64 want = kvm && numbers[i] <= KVM_HC_MAX ? -KVM_ENOSYS : -KESTREL_ENOSYS;

		rt_snprintf(what, sizeof(what), "hypercall 0x%lx", numbers[i]);
		expect(what, want, numbers[i], 1, 2, 3, 4, 5, 6);
	}
	rt_test_end();
}

static void test_shared_area(void)
{
	u64 a = gpa(&area);

	rt_test_begin("pv-hostile-shared-area");
	expect("area +8", -KESTREL_EINVAL, KESTREL_HC_SET_SHARED_AREA, a + 8, 0, 0, 0, 0, 0);
	expect("area +32", -KESTREL_EINVAL, KESTREL_HC_SET_SHARED_AREA, a + 32, 0, 0, 0, 0, 0);
	expect("area +1", -KESTREL_EINVAL, KESTREL_HC_SET_SHARED_AREA, a + 1, 0, 0, 0, 0, 0);
	expect("area at the end of RAM", -KESTREL_EFAULT, KESTREL_HC_SET_SHARED_AREA, ram_end, 0,
	       0, 0, 0, 0);
	expect("area at 0x7fff0000", -KESTREL_EFAULT, KESTREL_HC_SET_SHARED_AREA, 0x7fff0000, 0, 0,
	       0, 0, 0);
	expect("area at 1 TiB", -KESTREL_EFAULT, KESTREL_HC_SET_SHARED_AREA, OUTSIDE_FAR, 0, 0, 0,
	       0, 0);
	expect("area at 2^63", -KESTREL_EFAULT, KESTREL_HC_SET_SHARED_AREA, 1ull << 63, 0, 0, 0, 0,
	       0);
	/* The last 64 bytes of RAM are RAM; then unregister; then the real one, twice. */
	expect("area in the last 64 bytes", 0, KESTREL_HC_SET_SHARED_AREA, ram_end - 64, 0, 0, 0,
	       0, 0);
	expect("unregister", 0, KESTREL_HC_SET_SHARED_AREA, 0, 0, 0, 0, 0, 0);
	rt_check(kestrel_area_register(NULL, &area) == 0, "a good area refused");
	rt_check(kestrel_area_register(NULL, (void *)((u8 *)&area + 16)) == -KESTREL_EINVAL,
		 "the library let a misaligned area through");
	rt_test_end();
}

/* Every malformed VP set, for one call (IPI or flush); flags carry the call's own bits. */
static void bad_sets(const char *call, u64 nr, u64 flags)
{
	u64 in = flags | KESTREL_VPSET_INLINE, m = gpa(&vps);
	char what[96];

#define BAD(want, desc, rdi, rsi, rdx, r10)                                                   \
	do {                                                                                   \
		rt_snprintf(what, sizeof(what), "%s: %s", call, desc);                         \
		expect(what, want, nr, rdi, rsi, rdx, r10, 0, 0);                               \
	} while (0)

	BAD(-KESTREL_EINVAL, "inline bank past the VM", in, last_bank + 1, 1, 0);
	BAD(-KESTREL_EINVAL, "inline bank B past the VM", in, 0 | (0xffffffffull << 32), 1, 1);
	if (past_bit < 64) {
		BAD(-KESTREL_EINVAL, "inline bit for a vCPU that does not exist", in, last_bank,
		    1ull << past_bit, 0);
		BAD(-KESTREL_EINVAL, "inline bit 63 of the last bank", in,
		    (u64)last_bank << 32, 1, 1ull << 63);
	}
	set_vps(0xffffffffu, 0);
	BAD(-KESTREL_EINVAL, "nr_banks 2^32-1", flags, m, 0, 0);
	set_vps(KESTREL_VPSET_MAX_BANKS + 1, 0);
	BAD(-KESTREL_EINVAL, "nr_banks MAX+1", flags, m, 0, 0);
	set_vps(1, 1);
	BAD(-KESTREL_EINVAL, "set reserved 1", flags, m, 0, 0);
	set_vps(1, 0);
	vps.set.banks[0].reserved = 0x80000000u;
	BAD(-KESTREL_EINVAL, "bank reserved set", flags, m, 0, 0);
	set_vps(1, 0);
	vps.set.banks[0].index = last_bank + 1;
	BAD(-KESTREL_EINVAL, "memory bank past the VM", flags, m, 0, 0);
	if (past_bit < 64) {
		set_vps(1, 0);
		vps.set.banks[0] = (struct kestrel_vp_bank){ last_bank, 0, 1ull << past_bit };
		BAD(-KESTREL_EINVAL, "memory bit for a vCPU that does not exist", flags, m, 0, 0);
	}
	set_vps(2, 0);
	vps.set.banks[1].reserved = 1;
	BAD(-KESTREL_EINVAL, "second bank reserved set", flags, m, 0, 0);
	set_vps(1, 0);
	BAD(-KESTREL_EINVAL, "memory form with RDX set", flags, m, 1, 0);
	BAD(-KESTREL_EINVAL, "memory form with R10 set", flags, m, 0, 1);
	BAD(-KESTREL_EFAULT, "set outside RAM", flags, OUTSIDE_FAR, 0, 0);
	BAD(-KESTREL_EFAULT, "set at the end of RAM", flags, ram_end, 0, 0);
	/* A header in RAM whose banks run past its end: nothing is read past RAM. */
	*(struct kestrel_vp_set *)(uintptr_t)(ram_end - 8) = (struct kestrel_vp_set){ 1, 0 };
	BAD(-KESTREL_EFAULT, "banks past the end of RAM", flags, ram_end - 8, 0, 0);
	/* Not malformed: an inline bank with no bits is ignored, its index unchecked (abi.h). */
	BAD(0, "inline empty bank with a wild index", in, 0xfffffffeull, 0, 0);
#undef BAD
}

/* A memory set of two banks not in strictly increasing order: -EINVAL (abi.h), no effect. */
static void odd_set(const char *call, const char *desc, u64 nr, u64 flags,
		    struct kestrel_vp_bank a, struct kestrel_vp_bank b)
{
	char what[96];

	set_vps(2, 0);
	vps.set.banks[0] = a;
	vps.set.banks[1] = b;
	rt_snprintf(what, sizeof(what), "%s: %s", call, desc);
	expect(what, -KESTREL_EINVAL, nr, flags, gpa(&vps), 0, 0, 0, 0);
}

static void odd_order(const char *call, u64 nr, u64 flags)
{
	if (last_bank >= 1)
		odd_set(call, "banks 1 then 0", nr, flags, (struct kestrel_vp_bank){ 1, 0, 1 },
			(struct kestrel_vp_bank){ 0, 0, 2 });
	/* Bank 0 twice, each naming a different vCPU. */
	odd_set(call, "bank 0 twice", nr, flags, (struct kestrel_vp_bank){ 0, 0, 4 },
		(struct kestrel_vp_bank){ 0, 0, 8 });
}

/* Every vCPU got what expected[] says, once the IPIs had time to land. */
static void check_received(const char *when)
{
	u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAIT_MS * 1000ull);

	for (u32 c = 0; c < n_cpus; c++)
		while (rt_atomic_load(&received[c]) < expected[c] && rt_rdtsc() - start < limit)
			rt_pause();
	rt_mdelay(SETTLE_MS);
	for (u32 c = 0; c < n_cpus; c++)
		rt_check(rt_atomic_load(&received[c]) == expected[c],
			 "%s: cpu %u got %u interrupts, expected %u", when, c,
			 rt_atomic_load(&received[c]), expected[c]);
}

static void test_ipi(void)
{
	u64 rsi = (u64)last_bank << 32, bank_a = last_bank ? ~0ull : 0, bank_b;

	/* Every vCPU inline: bank 0 whole (when there is a bank 1), the last bank up to n_cpus. */
	bank_b = n_cpus % 64 ? (1ull << (n_cpus % 64)) - 1 : ~0ull;
	rt_test_begin("pv-hostile-ipi");
	for (u32 v = 0; v < 16; v++) {
		char what[48];

		rt_snprintf(what, sizeof(what), "IPI vector %u", v);
		expect(what, -KESTREL_EINVAL, KESTREL_HC_SEND_IPI, v | KESTREL_VPSET_INLINE, rsi,
		       bank_a, bank_b, 0, 0);
	}
	expect("IPI flag bit 9", -KESTREL_EINVAL, KESTREL_HC_SEND_IPI,
	       VEC_TEST | (1u << 9) | KESTREL_VPSET_INLINE, rsi, bank_a, bank_b, 0, 0);
	expect("IPI flag bit 40", -KESTREL_EINVAL, KESTREL_HC_SEND_IPI,
	       VEC_TEST | (1ull << 40) | KESTREL_VPSET_INLINE, rsi, bank_a, bank_b, 0, 0);
	bad_sets("IPI", KESTREL_HC_SEND_IPI, VEC_TEST);
	check_received("after refused IPIs");
	odd_order("IPI", KESTREL_HC_SEND_IPI, VEC_TEST);
	check_received("after odd bank orders");
	/* The guest goes on: a good IPI to every vCPU still arrives, exactly once each. */
	expect("a good IPI after all that", 0, KESTREL_HC_SEND_IPI,
	       VEC_TEST | KESTREL_VPSET_INLINE, rsi, bank_a, bank_b, 0, 0);
	for (u32 c = 0; c < n_cpus; c++)
		expected[c]++;
	check_received("after a good IPI");
	rt_test_end();
}

static volatile u32 nmis[RT_MAX_CPUS];
static volatile u32 nmi_phase, nmis_while_off;

static void count_nmi(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&nmis[rt_cpu_index()]);
}

/* Waits, in TSC time, until nmi_phase reaches phase; false when it never does. */
static bool nmi_wait_phase(u32 phase)
{
	u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAIT_MS * 1000ull);

	while (rt_atomic_load(&nmi_phase) < phase)
		if (rt_rdtsc() - start > limit)
			return false;
	return true;
}

#define SVR_ENABLE (1u << 8)

/*
 * CPU 1's side: its APIC globally disabled through IA32_APIC_BASE (no APIC: no NMI message
 * reaches it, SDM Vol. 3A, 12.4.3), then enabled but software-disabled through the SVR (NMI
 * messages are taken as usual, 12.4.7.2), while CPU 0 sends it NMIs every way each time.
 */
static void nmi_target(u32 cpu, void *arg)
{
	u64 base = rt_rdmsr(RT_MSR_IA32_APIC_BASE);

	(void)arg;
	rt_wrmsr(RT_MSR_IA32_APIC_BASE, base & ~(u64)(RT_APIC_BASE_X2APIC | RT_APIC_BASE_ENABLE));
	rt_atomic_store(&nmi_phase, 1);
	nmi_wait_phase(2);
	/* An exit: anything posted to this vCPU is injected at the entry after it. */
	rt_cpuid(0, 0);
	rt_atomic_store(&nmis_while_off, nmis[cpu]);
	rt_apic_set_mode(rt_apic_boot_mode());
	rt_apic_write(RT_APIC_SVR, rt_apic_read(RT_APIC_SVR) & ~SVR_ENABLE);
	rt_atomic_store(&nmi_phase, 3);
	nmi_wait_phase(4);
	rt_apic_write(RT_APIC_SVR, rt_apic_read(RT_APIC_SVR) | SVR_ENABLE);
}

/* Waits, in TSC time, until CPU 1 took n NMIs in all. */
static void nmi_wait_count(u32 n)
{
	u64 start = rt_rdtsc(), limit = rt_tsc_from_us(WAIT_MS * 1000ull);

	while (rt_atomic_load(&nmis[1]) < n && rt_rdtsc() - start < limit)
		rt_pause();
}

#define KVM_HC_SEND_IPI	10	/* RBX, RCX: APIC ID bitmap from RDX; RSI: the ICR */

/* KVM's PV IPI: an NMI to APIC ID id, in KVM's registers (its VMCALL convention). */
static s64 kvm_nmi(u32 id)
{
	s64 ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"((u64)KVM_HC_SEND_IPI), "b"(1ull), "c"(0ull),
			 "d"((u64)id), "S"((u64)RT_IPI_NMI) : "memory");
	return ret;
}

/*
 * One NMI to CPU 1 through KESTREL_HC_SEND_IPI, one through the ICR, and (when the VM offers
 * KVM's interface) one through KVM_HC_SEND_IPI; with wait, each waits to be taken (or never)
 * first: Kestrel, like a CPU, keeps at most one NMI pending. Returns how many were sent.
 */
static u32 nmi_all_ways(bool wait)
{
	u64 bank0 = 1ull << 1;
	u32 n = 0;

	expect("PV NMI to cpu 1", 0, KESTREL_HC_SEND_IPI, KESTREL_IPI_NMI | KESTREL_VPSET_INLINE,
	       0, bank0, 0, 0, 0);
	if (wait)
		nmi_wait_count(++n);
	rt_apic_send_ipi(rt_smp_apic_id(1), RT_IPI_NMI);
	if (wait)
		nmi_wait_count(++n);
	if (kvm_offered()) {
		kvm_nmi(rt_smp_apic_id(1));
		if (wait)
			nmi_wait_count(++n);
	}
	return n;
}

/* A PV NMI (either interface) reaches a vCPU exactly when an ICR NMI does. */
static void test_nmi_apic_state(void)
{
	u32 sent = 0;

	rt_test_begin("pv-hostile-nmi-apic");
	if (n_cpus < 2) {
		rt_skip("needs 2 CPUs");
		return;
	}
	rt_irq_install(RT_VEC_NMI, count_nmi);
	rt_atomic_store(&nmi_phase, 0);
	rt_smp_call(1, nmi_target, NULL);
	if (rt_check(nmi_wait_phase(1), "cpu 1 did not disable its APIC")) {
		nmi_all_ways(false);
		rt_atomic_store(&nmi_phase, 2);
	}
	if (rt_check(nmi_wait_phase(3), "cpu 1 did not enable its APIC again")) {
		sent = nmi_all_ways(true);
		rt_atomic_store(&nmi_phase, 4);
	}
	rt_smp_wait(1);
	rt_check(rt_atomic_load(&nmis_while_off) == 0,
		 "%u NMI(s) reached cpu 1 with its APIC disabled in IA32_APIC_BASE",
		 rt_atomic_load(&nmis_while_off));
	rt_check(rt_atomic_load(&nmis[1]) == sent,
		 "cpu 1 took %u NMIs software-disabled (SVR), expected %u (PV, ICR, KVM's PV)",
		 rt_atomic_load(&nmis[1]), sent);
	rt_test_end();
}

static void test_flush(void)
{
	u64 in = KESTREL_VPSET_INLINE, r = gpa(ranges), one = 1ull << 32;

	rt_test_begin("pv-hostile-flush");
	for (u32 i = 0; i < RT_ARRAY_SIZE(ranges); i++)
		ranges[i] = (struct kestrel_flush_range){ 0x200000 + i * 0x1000ull, 1 };
	expect("flush no kind", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB, in, 0, 1, 0, 0, 0);
	expect("flush two kinds", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_ALL | KESTREL_FLUSH_NONGLOBAL, 0, 1, 0, 0, 0);
	expect("flush flag bit 4", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_ALL | (1u << 4), 0, 1, 0, 0, 0);
	expect("flush flag bit 30", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_ALL | (1u << 30), 0, 1, 0, 0, 0);
	expect("flush ALL with a range count", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_ALL | one, 0, 1, 0, r, 0);
	expect("flush 0 ranges", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB, in | KESTREL_FLUSH_RANGES,
	       0, 1, 0, r, 0);
	expect("flush MAX+1 ranges", -KESTREL_E2BIG, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | ((u64)(KESTREL_FLUSH_MAX_RANGES + 1) << 32), 0, 1, 0, r,
	       0);
	expect("flush 2^32-1 ranges", -KESTREL_E2BIG, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | (0xffffffffull << 32), 0, 1, 0, r, 0);
	expect("flush ranges outside RAM", -KESTREL_EFAULT, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | one, 0, 1, 0, OUTSIDE_FAR, 0);
	ranges[0].pages = 0;
	expect("flush a range of 0 pages", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | one, 0, 1, 0, r, 0);
	ranges[0] = (struct kestrel_flush_range){ 0x200010, 1 };
	expect("flush a range not page-aligned", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | one, 0, 1, 0, r, 0);
	ranges[0] = (struct kestrel_flush_range){ 0x0000800000000000ull, 1 };
	expect("flush a non-canonical range", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | one, 0, 1, 0, r, 0);
	ranges[0] = (struct kestrel_flush_range){ 0xfffffffffffff000ull, 2 };
	expect("flush a range past 2^64", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | one, 0, 1, 0, r, 0);
	ranges[0] = (struct kestrel_flush_range){ 0x00007ffffffff000ull, 2 };
	expect("flush a range across the canonical hole", -KESTREL_EINVAL, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | one, 0, 1, 0, r, 0);
	ranges[0] = (struct kestrel_flush_range){ 0x200000, 1 };
	bad_sets("flush", KESTREL_HC_FLUSH_TLB, KESTREL_FLUSH_ALL);
	odd_order("flush", KESTREL_HC_FLUSH_TLB, KESTREL_FLUSH_ALL);
	expect("a good flush after all that", 0, KESTREL_HC_FLUSH_TLB,
	       in | KESTREL_FLUSH_RANGES | KESTREL_FLUSH_SET_GEN |
	       (u64)KESTREL_FLUSH_MAX_RANGES << 32, 0, 1, 0, r, 77);
	rt_check(area.tlb_gen == 77, "tlb_gen %lu after a good SET_GEN flush of cpu 0, expected 77",
		 area.tlb_gen);
	rt_test_end();
}

/* Without debug=on in its VM line, a VM has no debug calls: they are unknown numbers. */
static void test_debug_off(void)
{
	rt_test_begin("pv-hostile-debug-off");
	expect("debug stats without debug=on", -KESTREL_ENOSYS, KESTREL_HC_DEBUG_STATS, 0, 0, 0, 0,
	       0, 0);
	expect("EPT invalidation without debug=on", -KESTREL_ENOSYS,
	       KESTREL_HC_DEBUG_EPT_INVALIDATE, 0, 0, 0, 0, 0, 0);
	expect("EPT invalidation by walking without debug=on", -KESTREL_ENOSYS,
	       KESTREL_HC_DEBUG_EPT_INVALIDATE, 1, 0, 0, 0, 0, 0);
	rt_test_end();
}

static void test_debug_stats(void)
{
	rt_test_begin("pv-hostile-debug-stats");
	expect("debug stats with junk arguments", 0, KESTREL_HC_DEBUG_STATS, ~0ull, ~0ull, ~0ull,
	       ~0ull, ~0ull, ~0ull);
	/* One table per KESTREL_DEBUG_STATS_INTERVAL_US at most: a guest cannot make Kestrel print. */
	expect("debug stats again at once", -KESTREL_EBUSY, KESTREL_HC_DEBUG_STATS, 0, 0, 0, 0, 0,
	       0);
	expect("EPT invalidation, mode 4", -KESTREL_EINVAL, KESTREL_HC_DEBUG_EPT_INVALIDATE, 4, 0,
	       0, 0, 0, 0);
	expect("EPT invalidation, mode 2^63", -KESTREL_EINVAL, KESTREL_HC_DEBUG_EPT_INVALIDATE,
	       1ull << 63, 0, 0, 0, 0, 0);
	rt_check(kestrel_hc_debug_ept_invalidate(0) >= 0, "EPT invalidation by generation refused");
	rt_test_end();
}

/* abi.h: "no other register changes": every GPR but RAX survives a VMCALL, good or bad. */
u64 hc_in[15], hc_out[15];	/* [14]: RAX */

static void check_registers(const char *what, u64 nr, u64 rdi)
{
	for (u32 i = 0; i < 14; i++)
		hc_in[i] = 0x0101010101010101ull * (i + 1);
	hc_in[4] = rdi;
	hc_in[14] = nr;
	__asm__ volatile("push %%rbp\n\t"
			 "push %%rbx\n\t"
			 "push %%r12\n\t"
			 "push %%r13\n\t"
			 "push %%r14\n\t"
			 "push %%r15\n\t"
			 "mov hc_in+0(%%rip), %%rbx\n\t"
			 "mov hc_in+8(%%rip), %%rcx\n\t"
			 "mov hc_in+16(%%rip), %%rdx\n\t"
			 "mov hc_in+24(%%rip), %%rsi\n\t"
			 "mov hc_in+32(%%rip), %%rdi\n\t"
			 "mov hc_in+40(%%rip), %%r8\n\t"
			 "mov hc_in+48(%%rip), %%r9\n\t"
			 "mov hc_in+56(%%rip), %%r10\n\t"
			 "mov hc_in+64(%%rip), %%r11\n\t"
			 "mov hc_in+72(%%rip), %%r12\n\t"
			 "mov hc_in+80(%%rip), %%r13\n\t"
			 "mov hc_in+88(%%rip), %%r14\n\t"
			 "mov hc_in+96(%%rip), %%r15\n\t"
			 "mov hc_in+104(%%rip), %%rbp\n\t"
			 "mov hc_in+112(%%rip), %%rax\n\t"
			 "vmcall\n\t"
			 "mov %%rbx, hc_out+0(%%rip)\n\t"
			 "mov %%rcx, hc_out+8(%%rip)\n\t"
			 "mov %%rdx, hc_out+16(%%rip)\n\t"
			 "mov %%rsi, hc_out+24(%%rip)\n\t"
			 "mov %%rdi, hc_out+32(%%rip)\n\t"
			 "mov %%r8, hc_out+40(%%rip)\n\t"
			 "mov %%r9, hc_out+48(%%rip)\n\t"
			 "mov %%r10, hc_out+56(%%rip)\n\t"
			 "mov %%r11, hc_out+64(%%rip)\n\t"
			 "mov %%r12, hc_out+72(%%rip)\n\t"
			 "mov %%r13, hc_out+80(%%rip)\n\t"
			 "mov %%r14, hc_out+88(%%rip)\n\t"
			 "mov %%r15, hc_out+96(%%rip)\n\t"
			 "mov %%rbp, hc_out+104(%%rip)\n\t"
			 "mov %%rax, hc_out+112(%%rip)\n\t"
			 "pop %%r15\n\t"
			 "pop %%r14\n\t"
			 "pop %%r13\n\t"
			 "pop %%r12\n\t"
			 "pop %%rbx\n\t"
			 "pop %%rbp\n\t"
			 : : : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			   "memory", "cc");
	for (u32 i = 0; i < 14; i++)
		rt_check(hc_out[i] == hc_in[i], "%s: register %u changed: 0x%lx -> 0x%lx", what, i,
			 hc_in[i], hc_out[i]);
}

static void test_registers(void)
{
	rt_test_begin("pv-hostile-registers");
	check_registers("unknown hypercall", 0x4242, 0);
	check_registers("refused shared area", KESTREL_HC_SET_SHARED_AREA, gpa(&area) + 8);
	check_registers("debug stats", KESTREL_HC_DEBUG_STATS, 0);
	rt_test_end();
}

static void test_user_mode(bool pv)
{
	static const u64 numbers[] = { KESTREL_HC_SET_SHARED_AREA, KESTREL_HC_FLUSH_TLB,
				       KESTREL_HC_SEND_IPI, KESTREL_HC_DEBUG_STATS,
				       KESTREL_HC_DEBUG_EPT_INVALIDATE, 0x1234 };

	rt_test_begin("pv-hostile-cpl3");
	if (!ring3_setup()) {
		rt_skip("no ring 3: the image is above 4 MiB");
		rt_test_end();
		return;
	}
	for (u32 i = 0; i < RT_ARRAY_SIZE(numbers); i++) {
		s64 got = ring3_vmcall(numbers[i], gpa(&area));
		s64 want = pv ? -KESTREL_EPERM : -KESTREL_ENOSYS;

		/* pv=off: -ENOSYS or -EPERM, as long as nothing runs (abi.h orders neither). */
		rt_check(got == want || (!pv && got == -KESTREL_EPERM),
			 "hypercall 0x%lx from CPL 3: %ld, expected %ld", numbers[i], got, want);
	}
	rt_check(ring3_calls() == RT_ARRAY_SIZE(numbers), "came back from ring 3 %u times of %u",
		 ring3_calls(), (u32)RT_ARRAY_SIZE(numbers));
	rt_test_end();
}

/* A VM with pv=off: no leaves, every hypercall -ENOSYS. */
static void test_pv_off(void)
{
	struct rt_cpuid r = rt_cpuid(KESTREL_CPUID_BASE, 0);
	struct kestrel_info info;
	static const u64 numbers[] = { KESTREL_HC_SET_SHARED_AREA, KESTREL_HC_FLUSH_TLB,
				       KESTREL_HC_SEND_IPI, KESTREL_HC_DEBUG_STATS,
				       KESTREL_HC_DEBUG_EPT_INVALIDATE, 0, 0x1234 };

	rt_test_begin("pv-hostile-pv-off");
	rt_check(!kestrel_detect(&info) && !info.present, "pv=off, but Kestrel is detected");
	rt_check(!r.eax && !r.ebx && !r.ecx && !r.edx,
		 "leaf 0x40000000: %x %x %x %x, expected zeros", r.eax, r.ebx, r.ecx, r.edx);
	r = rt_cpuid(KESTREL_CPUID_FEATURES, 0);
	rt_check(!r.eax && !r.ebx && !r.ecx && !r.edx,
		 "leaf 0x40000001: %x %x %x %x, expected zeros", r.eax, r.ebx, r.ecx, r.edx);
	for (u32 i = 0; i < RT_ARRAY_SIZE(numbers); i++) {
		char what[48];

		rt_snprintf(what, sizeof(what), "pv=off: hypercall 0x%lx", numbers[i]);
		expect(what, -KESTREL_ENOSYS, numbers[i], gpa(&area), 0, 1, 0, 0, 0);
	}
	rt_check(kestrel_area_register(NULL, &area) == -KESTREL_ENOSYS,
		 "pv=off: the library's register did not say -ENOSYS");
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	struct kestrel_info info;
	char pv[8] = "on", debug[8] = "on";
	bool pv_off;

	rt_cmdline_str("pv", pv, sizeof(pv));
	rt_cmdline_str("debug", debug, sizeof(debug));
	pv_off = !strcmp(pv, "off");
	ram_end = boot->mem_top;
	n_cpus = rt_smp_start(RT_SMP_DEFAULT);
	rt_irq_install(VEC_TEST, count_irq);
	rt_printf("pv-hostile: %u CPUs, RAM ends at 0x%lx, expecting pv=%s\n", n_cpus, ram_end,
		  pv_off ? "off" : "on");
	if (pv_off) {
		test_pv_off();
		test_user_mode(false);
		return;
	}
	last_bank = (n_cpus - 1) / 64;
	past_bit = n_cpus % 64 ? n_cpus % 64 : 64;
	rt_test_begin("pv-hostile-detect");
	if (!kestrel_detect(&info) && !info.present) {
		rt_skip("not a Kestrel VM (VMCALL would be #UD)");
		return;
	}
	rt_check(info.abi_version == KESTREL_ABI_VERSION, "ABI %u, this guest speaks %u",
		 info.abi_version, KESTREL_ABI_VERSION);
	rt_check(info.nr_vcpus == n_cpus, "CPUID says %u vCPUs, %u came up", info.nr_vcpus, n_cpus);
	rt_test_end();
	if (rt_tests_failed())
		return;
	if (!strcmp(debug, "off")) {
		test_debug_off(); /* the VM of this line has no debug calls: that is all it checks */
		return;
	}
	test_unknown();
	test_shared_area();
	test_ipi();
	test_nmi_apic_state();
	test_flush();
	test_debug_stats();
	test_registers();
	test_user_mode(true);
}
