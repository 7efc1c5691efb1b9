// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural conformance: what CPUID promises exists, IA32_MISC_ENABLE, the machine-check
 * banks, disabling the local APIC, the APIC timer's count registers (`mode=` picks which,
 * comma-separated; all by default).
 */
#include "conformance.h"

/*
 * The #GP stub: drops the error code, steps over the 2-byte RDMSR or WRMSR and notes the fault
 * (SDM Vol. 3A, 7.14.1: the stack holds the error code, then RIP).
 */
static volatile u32 gp_hit;
void conformance_gp_stub(void);
__asm__(".globl conformance_gp_stub\n"
	"conformance_gp_stub:\n"
	"	addq $8, %rsp\n"
	"	addq $2, (%rsp)\n"
	"	movl $1, gp_hit(%rip)\n"
	"	iretq\n");

struct idt_gate {
	u16 off0, sel;
	u8 ist, attr;
	u16 off1;
	u32 off2, zero;
} __attribute__((packed));

static struct idt_gate *gp_gate(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	return (struct idt_gate *)(uintptr_t)idtr.base + 13;
}

/* Every CPU shares the runtime's IDT: probes are made with interrupts off, one CPU at a time. */
static bool msr_access(u32 msr, bool write, u64 *val)
{
	static volatile u32 probing;
	struct idt_gate *g = gp_gate(), saved;
	u64 stub = (u64)(uintptr_t)conformance_gp_stub, flags = rt_save_flags_cli();
	u32 lo = (u32)*val, hi = (u32)(*val >> 32);
	bool gp;
	u16 cs;

	while (__atomic_exchange_n(&probing, 1, __ATOMIC_ACQUIRE))
		rt_pause();
	saved = *g;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	*g = (struct idt_gate){ (u16)stub, cs, 0, 0x8e, (u16)(stub >> 16), (u32)(stub >> 32), 0 };
	gp_hit = 0;
	if (write)
		__asm__ volatile("wrmsr" ::"c"(msr), "a"(lo), "d"(hi) : "memory");
	else
		__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	gp = gp_hit;
	*g = saved;
	__atomic_store_n(&probing, 0, __ATOMIC_RELEASE);
	rt_restore_flags(flags);
	if (!write)
		*val = gp ? 0 : ((u64)hi << 32) | lo;
	return gp;
}

bool msr_read_gp(u32 msr, u64 *val)
{
	*val = 0;
	return msr_access(msr, false, val);
}

bool msr_write_gp(u32 msr, u64 val)
{
	return msr_access(msr, true, &val);
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
