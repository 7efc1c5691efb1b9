// SPDX-License-Identifier: GPL-2.0
/*
 * A VM of 16384 vCPUs (only vCPU 0 runs): Kestrel must create it, report its size in CPUID leaf
 * 0x40000001, and take VP sets that span all of it: sparse sets far apart, every vCPU (256
 * banks, in memory), flushes of all of them; a bank past the end is refused. The calls reach
 * vCPUs that have not been started, which keep the interrupt for when they are.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

#define NR_VCPUS 16384
#define VEC_TEST 0x60

static u64 set_bits[KESTREL_VPSET_BANKS(NR_VCPUS)];
static union {
	struct kestrel_vp_set set;
	u8 bytes[KESTREL_VP_SET_SIZE(KESTREL_VPSET_BANKS(NR_VCPUS))];
} set_buf RT_ALIGNED(64);
static volatile u32 self_hits;

static const struct kestrel_os os; /* the PV calls need no OS hook: identity-mapped runtime */

static void count(struct rt_frame *f)
{
	(void)f;
	rt_atomic_inc(&self_hits);
}

static int send(struct kestrel_vpset *s)
{
	return kestrel_send_ipi(&os, s, VEC_TEST, &set_buf.set, RT_ARRAY_SIZE(set_bits));
}

void kmain(const struct rt_boot *boot)
{
	struct kestrel_info info;
	struct kestrel_vpset s;
	u64 t0;
	int err;

	(void)boot;
	rt_test_begin("vcpus-16k-detect");
	if (!rt_check(kestrel_detect(&info), "not running on Kestrel"))
		return;
	rt_check(info.nr_vcpus == NR_VCPUS, "CPUID says %u vCPUs", info.nr_vcpus);
	rt_test_end();

	rt_irq_install(VEC_TEST, count);
	rt_sti();
	kestrel_vpset_init(&s, set_bits, RT_ARRAY_SIZE(set_bits), NR_VCPUS);

	rt_test_begin("vcpus-16k-sparse");
	kestrel_vpset_add(&s, 0);
	kestrel_vpset_add(&s, 5000);
	kestrel_vpset_add(&s, NR_VCPUS - 1);
	err = send(&s);
	rt_check(err == 0, "an IPI to vCPUs 0, 5000 and 16383 returned %d", err);
	rt_udelay(100);
	rt_check(rt_atomic_load(&self_hits) == 1, "vCPU 0 got %u IPIs, not 1", self_hits);
	rt_test_end();

	rt_test_begin("vcpus-16k-all");
	kestrel_vpset_fill(&s);
	t0 = rt_rdtsc();
	err = send(&s);
	rt_printf("vcpus-16k: one IPI to all %u vCPUs (%u banks in memory): %lu TSC ticks\n",
		  kestrel_vpset_count(&s), kestrel_vpset_nonempty_banks(&s), rt_rdtsc() - t0);
	rt_check(err == 0, "an IPI to every vCPU returned %d", err);
	t0 = rt_rdtsc();
	err = kestrel_flush_tlb(&os, &s, KESTREL_FLUSH_ALL, NULL, 0, 0, &set_buf.set,
				RT_ARRAY_SIZE(set_bits));
	rt_printf("vcpus-16k: one flush of all %u vCPUs: %lu TSC ticks\n", NR_VCPUS,
		  rt_rdtsc() - t0);
	rt_check(err == 0, "a flush of every vCPU returned %d", err);
	rt_udelay(100);
	rt_check(rt_atomic_load(&self_hits) == 2, "vCPU 0 got %u IPIs, not 2", self_hits);
	rt_test_end();

	rt_test_begin("vcpus-16k-past-the-end");
	{
		struct kestrel_vpset_regs r = { KESTREL_VPSET_INLINE, NR_VCPUS / 64, 1, 0 };

		err = kestrel_hc_send_ipi(VEC_TEST | r.flags, &r);
		rt_check(err == -KESTREL_EINVAL, "a bank past the VM returned %d", err);
	}
	rt_test_end();
}
