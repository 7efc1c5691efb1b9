// SPDX-License-Identifier: MIT
/* Starting APs with INIT-SIPI(-SIPI) through a trampoline below 1 MiB (SDM Vol. 3A, 10.4.4). */
#include "internal.h"

#define CPU_STACK_SIZE		16384
#define BOOT_STACK_SIZE		4096	/* trampoline.asm */
#define NO_INDEX		0xffffffffu
#define DEFAULT_WAIT_MS		2000
#define QUIET_MS		100	/* without cpus=: all in when none came for this long */
#define SPARE_SLOTS		64	/* boot stacks beyond cpus= (all of them without it) */
/* SDM Vol. 3A, 10.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI, 200 us. */
#define INIT_DELAY_US		10000
#define SIPI_DELAY_US		200

/* trampoline.asm */
extern u8 rt_trampoline_start[], rt_trampoline_end[], rt_tramp_gdt[], rt_tramp_gdt_base[];
extern u8 rt_tramp_pm32[], rt_tramp_pm32_code[], rt_tramp_lm64[], rt_tramp_lm64_code[];
extern u8 rt_tramp_cr3[], rt_tramp_entry[], rt_ap_long_entry[];

/*
 * Used by rt_ap_long_entry before C: each AP of a start takes the next boot-stack slot; one that
 * finds none left halts at once (counted in rt_ap_boot_overflow). Stacks come from
 * rt_alloc_pages(), so a guest pays for the CPUs it starts, not for RT_MAX_CPUS.
 */
volatile u32 rt_ap_boot_seq;
u64 rt_ap_boot_stack_base;
u32 rt_ap_boot_slots;
volatile u32 rt_ap_boot_overflow;

static u8 *cpu_stacks[RT_MAX_CPUS];
/* Per-CPU data of an AP that does not know its number yet (one per boot-stack slot). */
static struct rt_percpu slot_percpu[RT_MAX_CPUS];

static u64 trampoline;			/* physical page, 0 until placed */
static u32 n_cpus = 1;
static u32 cpu_apic_ids[RT_MAX_CPUS];	/* initial APIC IDs, by CPU number */
static volatile bool found;		/* the first rt_smp_start() numbered the APs */

/* Check-ins of the current start. While !found, APs register their APIC IDs first. */
static volatile u32 checkins;
static volatile u32 n_registered;
/* An AP counts itself in n_registered, then writes its ID: NO_ID until it has. */
#define NO_ID			0xffffffffu	/* never an APIC ID: x2APIC's broadcast */
static volatile u32 registered_ids[RT_MAX_CPUS] = { [0 ... RT_MAX_CPUS - 1] = NO_ID };
static volatile u32 numbered;		/* set when cpu_apic_ids[] is final */
static volatile u32 strays;
static u32 scratch_ids[RT_MAX_CPUS];	/* CPU 0 only: too big for its stack */

void __attribute__((weak)) ap_main(u32 cpu_index)
{
	(void)cpu_index;
}

u32 rt_cpu_index(void)
{
	return rt_this_cpu()->index;
}

u32 rt_smp_cpus(void)
{
	return n_cpus;
}

u32 rt_smp_cpus_wanted(void)
{
	return (u32)rt_cmdline_u64("cpus", 0);
}

u32 rt_smp_apic_id(u32 cpu)
{
	return cpu < n_cpus ? cpu_apic_ids[cpu] : NO_INDEX;
}

u32 rt_smp_starts(u32 cpu)
{
	return cpu < RT_MAX_CPUS ? rt_atomic_load(&rt_percpu[cpu].starts) : 0;
}

/*
 * The initial APIC ID: from CPUID leaf 0Bh when the CPU has x2APIC (an AP wakes up in xAPIC mode,
 * whose ID register holds 8 bits only, SDM Vol. 3A, 12.4.6 and 12.12.8), else as the mode the AP
 * woke up in reports it.
 */
static u32 raw_apic_id(void)
{
	if (rt_cpu_features()->x2apic && rt_cpu_features()->max_leaf >= 0xb)
		return rt_cpuid(0xb, 0).edx;
	if (rt_rdmsr(RT_MSR_IA32_APIC_BASE) & RT_APIC_BASE_X2APIC)
		return (u32)rt_rdmsr(0x800 + RT_APIC_ID / 16);
	return ((volatile u32 *)(uintptr_t)RT_APIC_MMIO_BASE)[RT_APIC_ID / 4] >> 24;
}

static u32 index_of(u32 apic_id)
{
	for (u32 i = 1; i < n_cpus; i++) {
		if (cpu_apic_ids[i] == apic_id)
			return i;
	}
	return NO_INDEX;
}

static RT_NORETURN void park(void)
{
	rt_atomic_inc(&strays);
	for (;;) {
		rt_cli();
		rt_hlt();
	}
}

static RT_NORETURN void ap_run(u32 index)
{
	struct rt_percpu *me;

	rt_percpu_init(index);
	me = rt_this_cpu();
	rt_apic_cpu_init();
	me->state = RT_CPU_BUSY;
	rt_atomic_inc(&me->starts);
	rt_atomic_inc(&checkins);
	rt_sti();
	ap_main(index);
	rt_smp_idle(me);
}

/* Called by rt_ap_long_entry on the slot's boot stack, with the runtime GDT loaded. */
RT_NORETURN void rt_smp_ap_entry(u32 slot)
{
	struct rt_percpu *tmp = &slot_percpu[slot];
	u32 id, index;
	u64 top;

	tmp->self = tmp;
	tmp->index = 0x8000 | slot;	/* only the console looks at it */
	rt_wrmsr(RT_MSR_IA32_GS_BASE, (u64)(uintptr_t)tmp);
	rt_irq_load();
	id = raw_apic_id();
	if (!found) {
		u32 n = rt_atomic_inc(&n_registered);

		if (n >= RT_MAX_CPUS - 1)
			park();
		registered_ids[n] = id;
		/*
		 * Halted, not spinning: under a hypervisor with more vCPUs than CPUs a spinning AP
		 * burns a whole time slice each turn. Its APIC is set up first so that CPU 0's
		 * wake-up IPI after the numbering is taken (and one sent before the HLT stays
		 * pending in the IRR while interrupts are off).
		 */
		rt_apic_cpu_init();
		for (;;) {
			rt_cli();
			if (rt_atomic_load(&numbered))
				break;
			rt_sti_hlt();
		}
	}
	index = index_of(id);
	if (index == NO_INDEX)
		park();		/* came too late to be numbered */
	top = (u64)(uintptr_t)(cpu_stacks[index] + CPU_STACK_SIZE);	/* set before numbered */
	/* Leave the boot stack: its slot is reused by later starts. */
	__asm__ volatile("mov %0, %%rsp; xor %%ebp, %%ebp; call *%1; ud2"
			 : : "r"(top), "r"(ap_run), "D"(index) : "memory");
	__builtin_unreachable();
}

static bool page_free(u64 page)
{
	return rt_boot_range_available(page, page + 0x1000) &&
	       !rt_boot_range_in_use(page, page + 0x1000);
}

static bool place_trampoline(void)
{
	u64 size = rt_trampoline_end - rt_trampoline_start;
	u8 *t;

	if (size > 0x1000)
		return false;
	/* 0x8000 (SIPI vector 8) if it is free, else the first free page below 1 MiB. */
	if (page_free(0x8000)) {
		trampoline = 0x8000;
	} else {
		for (u64 page = 0x1000; page < 0x100000 && !trampoline; page += 0x1000) {
			if (page_free(page))
				trampoline = page;
		}
		if (!trampoline)
			return false;
	}
	t = (u8 *)(uintptr_t)trampoline;
	memcpy(t, rt_trampoline_start, size);
#define TRAMP_FIELD(type, sym) (*(type *)(t + ((sym) - rt_trampoline_start)))
#define TRAMP_ADDR(sym) ((u32)(trampoline + ((sym) - rt_trampoline_start)))
	TRAMP_FIELD(u32, rt_tramp_gdt_base) = TRAMP_ADDR(rt_tramp_gdt);
	TRAMP_FIELD(u32, rt_tramp_pm32) = TRAMP_ADDR(rt_tramp_pm32_code);
	TRAMP_FIELD(u32, rt_tramp_lm64) = TRAMP_ADDR(rt_tramp_lm64_code);
	TRAMP_FIELD(u64, rt_tramp_cr3) = (u64)(uintptr_t)rt_boot_pml4;
	TRAMP_FIELD(u64, rt_tramp_entry) = (u64)(uintptr_t)rt_ap_long_entry;
#undef TRAMP_FIELD
#undef TRAMP_ADDR
	return true;
}

/* One IPI of the start sequence, to every AP (shorthand or one by one). */
static void send_all(u32 how, const u32 *ids, u32 n_ids, u32 icr)
{
	if (how & RT_SMP_SHORTHAND) {
		rt_apic_send_ipi(0, icr | RT_IPI_ALL_BUT_SELF);
		return;
	}
	for (u32 i = 0; i < n_ids; i++)
		rt_apic_send_ipi(ids[i], icr);
}

static void send_init(u32 how, const u32 *ids, u32 n_ids)
{
	/* INIT is sent level-triggered, asserted (SDM Vol. 3A, 12.6.1); de-assert is level 0. */
	send_all(how, ids, n_ids, RT_IPI_INIT | RT_IPI_LEVEL | RT_IPI_ASSERT);
	if (how & RT_SMP_DEASSERT)
		send_all(how, ids, n_ids, RT_IPI_INIT | RT_IPI_LEVEL);
	rt_udelay(INIT_DELAY_US);
}

static void send_start_sequence(u32 how, const u32 *ids, u32 n_ids)
{
	u32 vector = (u32)(trampoline >> 12);

	send_init(how, ids, n_ids);
	send_all(how, ids, n_ids, RT_IPI_SIPI | vector);
	rt_udelay(SIPI_DELAY_US);
	if (how & RT_SMP_TWO_SIPIS) {
		send_all(how, ids, n_ids, RT_IPI_SIPI | vector);
		rt_udelay(SIPI_DELAY_US);
	}
}

/* The APs are about to get INIT: they are off, and nothing they were asked to run survives. */
static void mark_aps_off(void)
{
	for (u32 i = 1; i < n_cpus; i++) {
		struct rt_percpu *p = &rt_percpu[i];

		rt_atomic_store(&p->state, RT_CPU_OFF);
		rt_atomic_store(&p->done_seq, rt_atomic_load(&p->call_seq));
	}
}

static u32 known_ap_ids(u32 *ids)
{
	u32 n = 0;

	for (u32 i = 1; i < n_cpus; i++)
		ids[n++] = cpu_apic_ids[i];
	return n;
}

void rt_smp_reset(u32 how)
{
	u32 n_ids = known_ap_ids(scratch_ids);

	mark_aps_off();
	send_init(how, scratch_ids, n_ids);
}

static void sort_ids(u32 *ids, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u32 v = ids[i], j = i;

		for (; j && ids[j - 1] > v; j--)
			ids[j] = ids[j - 1];
		ids[j] = v;
	}
}

/* Stacks of CPUs 1..n, in one piece. */
static bool alloc_cpu_stacks(u32 n)
{
	u8 *p = rt_alloc_pages((u64)n * CPU_STACK_SIZE);

	if (!p) {
		rt_printf("kestrel-rt: smp: no memory for %u AP stacks\n", n);
		return false;
	}
	for (u32 i = 0; i < n; i++)
		cpu_stacks[i + 1] = p + (u64)i * CPU_STACK_SIZE;
	return true;
}

/* The boot stacks, once: one per AP cpus= says, and spares (a slot indexes slot_percpu[]). */
static bool alloc_boot_stacks(u32 wanted)
{
	u32 slots = wanted < RT_MAX_CPUS - SPARE_SLOTS ? wanted + SPARE_SLOTS : RT_MAX_CPUS;
	void *p;

	if (rt_ap_boot_slots)
		return true;
	p = rt_alloc_pages((u64)slots * BOOT_STACK_SIZE);
	if (!p) {
		rt_printf("kestrel-rt: smp: no memory for %u boot stacks\n", slots);
		return false;
	}
	rt_ap_boot_stack_base = (u64)(uintptr_t)p;
	rt_ap_boot_slots = slots;
	return true;
}

/* First start: wait for the APs to register, then number them by APIC ID. */
static void number_aps(u32 wanted, u64 wait)
{
	u64 start = rt_rdtsc(), last = start, quiet = rt_tsc_from_us(QUIET_MS * 1000);
	u32 seen = 0, n, got = 0;
	u32 *ids = scratch_ids;

	for (;;) {
		u64 now = rt_rdtsc();

		n = rt_atomic_load(&n_registered);
		if (n != seen) {
			seen = n;
			last = now;
		}
		if (wanted ? n + 1 >= wanted : now - last > quiet)
			break;
		if (now - start > wait)
			break;
		rt_pause();
	}
	if (n > RT_MAX_CPUS - 1)
		n = RT_MAX_CPUS - 1;
	/*
	 * An AP counted in n may not have written its ID yet: under a hypervisor it may wait for
	 * its CPU between the two (the numbering then took APIC ID 0, CPU 0's, for it, and it
	 * parked as "not numbered" while CPU 0 waited for a check-in that never came). Each slot
	 * is waited for, within the same bound; one still empty then is left out.
	 */
	for (u32 i = 0; i < n; i++) {
		u32 id;

		while ((id = rt_atomic_load(&registered_ids[i])) == NO_ID &&
		       rt_rdtsc() - start <= wait)
			rt_pause();
		if (id != NO_ID)
			ids[got++] = id;
	}
	n = got;
	sort_ids(ids, n);
	if (wanted && n > wanted - 1)
		n = wanted - 1;		/* more came than cpus= says: the lowest IDs win */
	if (n && !alloc_cpu_stacks(n))
		n = 0;
	for (u32 i = 0; i < n; i++)
		cpu_apic_ids[i + 1] = ids[i];
	n_cpus = n + 1;
	found = true;
	rt_atomic_store(&numbered, 1);
	rt_apic_send_ipi(0, RT_IPI_FIXED | RT_IPI_ALL_BUT_SELF | RT_VEC_WAKE);
}

u32 rt_smp_start(u32 how)
{
	u32 wanted = rt_smp_cpus_wanted();
	u64 wait = rt_tsc_from_us(rt_cmdline_u64("smp_wait_ms", DEFAULT_WAIT_MS) * 1000);
	u32 *ids = scratch_ids, n_ids = 0, expect, got;
	u64 start;

	if (!trampoline && !place_trampoline()) {
		rt_printf("kestrel-rt: smp: no free page below 1 MiB for the trampoline\n");
		return 1;
	}
	if (!alloc_boot_stacks(wanted))
		return 1;
	/* An AP must not be in the middle of something (holding a lock) when INIT hits it. */
	for (u32 i = 1; i < n_cpus; i++) {
		start = rt_rdtsc();
		while (rt_percpu[i].state != RT_CPU_OFF && !rt_smp_is_idle(i) &&
		       rt_rdtsc() - start < wait)
			rt_pause();
	}
	mark_aps_off();
	if (found) {
		n_ids = known_ap_ids(ids);
	} else if (!(how & RT_SMP_SHORTHAND)) {
		/* The runtime reads no MADT: by destination the first time means IDs 0..N-1. */
		for (u32 id = 0; id < wanted && n_ids < RT_MAX_CPUS - 1; id++) {
			if (id != rt_apic_id())
				ids[n_ids++] = id;
		}
	}
	cpu_apic_ids[0] = rt_apic_id();
	rt_atomic_store(&checkins, 0);
	rt_atomic_store(&rt_ap_boot_seq, 0);	/* every AP is off: the slots are free again */

	send_start_sequence(how, ids, n_ids);
	if (!found)
		number_aps(wanted, wait);

	expect = n_cpus - 1;
	start = rt_rdtsc();
	while ((got = rt_atomic_load(&checkins)) < expect && rt_rdtsc() - start < wait)
		rt_pause();
	if (rt_atomic_load(&strays))
		rt_printf("kestrel-rt: smp: %u AP(s) started but not numbered (late or too many)\n",
			  rt_atomic_load(&strays));
	if (rt_atomic_load(&rt_ap_boot_overflow))
		rt_printf("kestrel-rt: smp: %u AP(s) found no boot stack (more than cpus= + %u)\n",
			  rt_atomic_load(&rt_ap_boot_overflow), SPARE_SLOTS);
	return 1 + got;
}
