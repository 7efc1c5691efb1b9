// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural conformance: what CPUID promises exists, IA32_MISC_ENABLE, the machine-check
 * banks, disabling the local APIC, the APIC timer's count registers (`mode=` picks which,
 * comma-separated; all by default).
 */
#include "conformance.h"

bool msr_read_gp(u32 msr, u64 *val)
{
	return !rt_rdmsr_safe(msr, val);
}

bool msr_write_gp(u32 msr, u64 val)
{
	return !rt_wrmsr_safe(msr, val);
}

bool cpuid_bit(u32 leaf, u32 sub, char reg, u32 b)
{
	u32 max = rt_cpuid(leaf & 0x80000000u, 0).eax;
	struct rt_cpuid r;
	u32 w;

	if (leaf > max)
		return false;
	r = rt_cpuid(leaf, sub);
	w = reg == 'a' ? r.eax : reg == 'b' ? r.ebx : reg == 'c' ? r.ecx : r.edx;
	return (w >> b) & 1;
}

static bool wanted(const char *modes, const char *name)
{
	size_t n = strlen(name);

	if (!modes[0])
		return true;
	for (const char *p = modes; *p;) {
		const char *end = p;

		while (*end && *end != ',')
			end++;
		if ((size_t)(end - p) == n && !strncmp(p, name, n))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

void kmain(const struct rt_boot *boot)
{
	char modes[128] = "";

	(void)boot;
	rt_cmdline_str("mode", modes, sizeof(modes));
	if (rt_smp_cpus_wanted() > 1)
		rt_smp_start(RT_SMP_DEFAULT);
	if (wanted(modes, "msr"))
		test_msrs_promised();
	if (wanted(modes, "misc-enable"))
		test_misc_enable();
	if (wanted(modes, "mca"))
		test_mca();
	if (wanted(modes, "apic-timer"))
		test_apic_timer();
	if (wanted(modes, "apic-disable"))
		test_apic_disable();
}
