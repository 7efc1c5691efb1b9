// SPDX-License-Identifier: MIT
/* Local APIC access in x2APIC (MSRs) or xAPIC (MMIO) mode, per CPU; IPIs (SDM Vol. 3A, ch. 12). */
#include "internal.h"

#define X2APIC_MSR(reg)		(0x800 + (reg) / 16)	/* SDM Vol. 3A, 12.12.1.2 */
#define SVR_ENABLE		(1u << 8)
#define LVT_MASKED		(1u << 16)
#define DIVIDE_BY_1		0xb		/* SDM Vol. 3A, 12.5.4, figure 12-10 */
#define DFR_FLAT		0xffffffffu	/* SDM Vol. 3A, 12.6.2.2 */
#define XAPIC_FLAT_CPUS		8

static enum rt_apic_mode boot_mode;

static volatile u32 *xapic_regs(void)
{
	return (volatile u32 *)(uintptr_t)RT_APIC_MMIO_BASE;
}

u32 rt_apic_read(u32 reg)
{
	if (rt_this_cpu()->x2apic)
		return (u32)rt_rdmsr(X2APIC_MSR(reg));
	return xapic_regs()[reg / 4];
}

void rt_apic_write(u32 reg, u32 value)
{
	if (rt_this_cpu()->x2apic)
		rt_wrmsr(X2APIC_MSR(reg), value);
	else
		xapic_regs()[reg / 4] = value;
}

void rt_apic_eoi(void)
{
	rt_apic_write(RT_APIC_EOI, 0);
}

bool rt_apic_x2apic_supported(void)
{
	return rt_cpu_features()->x2apic;
}

enum rt_apic_mode rt_apic_mode(void)
{
	return rt_this_cpu()->x2apic ? RT_APIC_X2APIC : RT_APIC_XAPIC;
}

enum rt_apic_mode rt_apic_boot_mode(void)
{
	return boot_mode;
}

void rt_apic_set_boot_mode(enum rt_apic_mode mode)
{
	boot_mode = mode;
}

const char *rt_apic_mode_name(enum rt_apic_mode mode)
{
	return mode == RT_APIC_X2APIC ? "x2apic" : "xapic";
}

u32 rt_apic_id(void)
{
	u32 id = rt_apic_read(RT_APIC_ID);

	return rt_this_cpu()->x2apic ? id : id >> 24;
}

u32 rt_apic_logical_id(void)
{
	u32 ldr = rt_apic_read(RT_APIC_LDR);

	return rt_this_cpu()->x2apic ? ldr : ldr >> 24;
}

void rt_apic_set_tpr(u32 tpr)
{
	rt_apic_write(RT_APIC_TPR, tpr);
}

u32 rt_apic_tpr(void)
{
	return rt_apic_read(RT_APIC_TPR);
}

static bool xapic_wait_idle(void)
{
	for (u32 i = 0; i < 1000000; i++) {
		if (!(xapic_regs()[RT_APIC_ICR_LO / 4] & RT_IPI_PENDING))
			return true;
		rt_pause();
	}
	return false;
}

bool rt_apic_send_ipi(u32 dest, u32 icr_lo)
{
	u64 flags;
	bool ok;

	if (rt_this_cpu()->x2apic) {
		/* One 64-bit write; x2APIC has no delivery status (SDM Vol. 3A, 12.12.9). */
		rt_wrmsr(X2APIC_MSR(RT_APIC_ICR_LO), ((u64)dest << 32) | icr_lo);
		return true;
	}
	/* Interrupts off: a handler's IPI between the two writes would change ICR_HI. */
	flags = rt_save_flags_cli();
	ok = xapic_wait_idle();
	xapic_regs()[RT_APIC_ICR_HI / 4] = dest << 24;
	xapic_regs()[RT_APIC_ICR_LO / 4] = icr_lo;	/* this write sends it (11.6.1) */
	ok = xapic_wait_idle() && ok;
	rt_restore_flags(flags);
	return ok;
}

void rt_apic_self_ipi_msr(u8 vector)
{
	rt_wrmsr(X2APIC_MSR(RT_APIC_SELF_IPI), vector);
}

static void apic_error(struct rt_frame *frame)
{
	u32 esr;

	(void)frame;
	/* Latch the errors, then read (SDM Vol. 3A, 12.5.3). */
	rt_apic_write(RT_APIC_ESR, 0);
	esr = rt_apic_read(RT_APIC_ESR);
	rt_check(false, "APIC error interrupt on cpu %u: ESR 0x%x", rt_cpu_index(), esr);
}

/* Puts this CPU's APIC in a known state for the current mode. */
static void apic_setup(void)
{
	struct rt_percpu *me = rt_this_cpu();

	rt_apic_write(RT_APIC_SVR, SVR_ENABLE | RT_VEC_SPURIOUS);
	rt_apic_write(RT_APIC_TPR, 0);
	rt_apic_write(RT_APIC_LVT_TIMER, LVT_MASKED);
	rt_apic_write(RT_APIC_LVT_LINT0, LVT_MASKED);	/* no 8259 interrupts (virtual wire) */
	rt_apic_write(RT_APIC_LVT_LINT1, LVT_MASKED);
	rt_apic_write(RT_APIC_LVT_ERROR, RT_VEC_APIC_ERROR);
	rt_apic_write(RT_APIC_TIMER_DIV, DIVIDE_BY_1);
	rt_apic_write(RT_APIC_ESR, 0);
	rt_apic_write(RT_APIC_ESR, 0);
	if (!me->x2apic) {
		/* Flat logical model: CPU i (i < 8) answers logical destination bit i. */
		rt_apic_write(RT_APIC_DFR, DFR_FLAT);
		rt_apic_write(RT_APIC_LDR, me->index < XAPIC_FLAT_CPUS ?
				  (1u << me->index) << 24 : 0);
	}
	me->apic_id = rt_apic_id();
}

bool rt_apic_set_mode(enum rt_apic_mode mode)
{
	u64 base = rt_rdmsr(RT_MSR_IA32_APIC_BASE), want, flags;
	bool ok;

	if (mode == RT_APIC_X2APIC && !rt_apic_x2apic_supported())
		return false;
	flags = rt_save_flags_cli();
	/* x2APIC -> xAPIC only through disabled (SDM Vol. 3A, 12.12.5, figure 12-27). */
	if (mode == RT_APIC_XAPIC && (base & RT_APIC_BASE_X2APIC)) {
		base &= ~(u64)(RT_APIC_BASE_X2APIC | RT_APIC_BASE_ENABLE);
		rt_wrmsr(RT_MSR_IA32_APIC_BASE, base);
	}
	/* Disabled -> xAPIC; and xAPIC -> x2APIC from there. */
	if (!(base & RT_APIC_BASE_ENABLE)) {
		base |= RT_APIC_BASE_ENABLE;
		rt_wrmsr(RT_MSR_IA32_APIC_BASE, base);
	}
	if (mode == RT_APIC_X2APIC && !(base & RT_APIC_BASE_X2APIC)) {
		base |= RT_APIC_BASE_X2APIC;
		rt_wrmsr(RT_MSR_IA32_APIC_BASE, base);
		/*
		 * The same value again: architecturally nothing, but Bochs 2.7 computes the
		 * x2APIC LDR only on an APIC-base write made in x2APIC mode.
		 */
		rt_wrmsr(RT_MSR_IA32_APIC_BASE, base);
	}
	/* A CPU that cannot leave the disabled state without a reset (P6, Bochs) says so here. */
	want = RT_APIC_BASE_ENABLE | (mode == RT_APIC_X2APIC ? RT_APIC_BASE_X2APIC : 0);
	base = rt_rdmsr(RT_MSR_IA32_APIC_BASE);
	ok = (base & (RT_APIC_BASE_ENABLE | RT_APIC_BASE_X2APIC)) == want;
	if (ok) {
		rt_this_cpu()->x2apic = mode == RT_APIC_X2APIC;
		apic_setup();
	}
	rt_restore_flags(flags);
	return ok;
}

void rt_apic_boot_init(void)
{
	char word[16] = "";

	boot_mode = rt_apic_x2apic_supported() ? RT_APIC_X2APIC : RT_APIC_XAPIC;
	if (rt_cmdline_str("apic", word, sizeof(word))) {
		if (!strcmp(word, "xapic"))
			boot_mode = RT_APIC_XAPIC;
		else if (strcmp(word, "x2apic"))
			rt_printf("kestrel-rt: command line: apic= takes xapic or x2apic\n");
		else if (!rt_apic_x2apic_supported())
			rt_printf("kestrel-rt: apic=x2apic, but CPUID.1:ECX[21] says no x2APIC\n");
	}
	rt_irq_install(RT_VEC_APIC_ERROR, apic_error);
}

void rt_apic_cpu_init(void)
{
	rt_apic_set_mode(boot_mode);
}
