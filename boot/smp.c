// SPDX-License-Identifier: GPL-2.0
/* Brings up the APs with INIT-SIPI-SIPI through the trampoline, one at a time. */
#include "boot/smp.h"
#include "lib/atomic.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "lib/console.h"
#include "lib/string.h"
#include "mm/mm.h"

extern char trampoline_start[], trampoline_end[];
extern u64 tramp_cr3[], tramp_stack[], tramp_entry[], tramp_arg[];

struct percpu *cpus[MAX_CPUS];
u32 nr_cpus;

/* How long an AP may take to answer a SIPI before it is given up on (a failure path only). */
#define AP_ANSWER_US 200000

static struct percpu *alloc_cpu(u32 index, u32 apic_id)
{
	u64 pages = ALIGN_UP(sizeof(struct percpu), PAGE_SIZE) >> PAGE_SHIFT;
	u64 p = frames_alloc(pages, 0);
	u64 stack = frames_alloc(CPU_STACK_SIZE >> PAGE_SHIFT, 0);
	u64 ist = frames_alloc(IST_COUNT * (IST_STACK_SIZE >> PAGE_SHIFT), 0);
	struct percpu *cpu;

	if (!p || !stack || !ist)
		return NULL;
	cpu = phys_to_virt(p);
	cpu->index = index;
	cpu->apic_id = apic_id;
	cpu->stack_top = stack + CPU_STACK_SIZE;
	for (int i = 0; i < IST_COUNT; i++)
		cpu->ist_top[i] = ist + (u64)(i + 1) * IST_STACK_SIZE;
	return cpu;
}

/* The bootstrap CPU's data is static: its exceptions must be reported before there is a heap. */
static struct percpu bsp_percpu;
static u8 bsp_ist[IST_COUNT][IST_STACK_SIZE] __aligned(16);
extern char boot_stack_top[];

struct percpu *smp_init_bsp(void)
{
	struct percpu *bsp = &bsp_percpu;

	bsp->stack_top = (u64)(uintptr_t)boot_stack_top;
	for (int i = 0; i < IST_COUNT; i++)
		bsp->ist_top[i] = (u64)(uintptr_t)bsp_ist[i + 1];
	desc_load(bsp);
	bsp->state = CPU_ONLINE;
	cpus[0] = bsp;
	nr_cpus = 1;
	return bsp;
}

/* A field of the copied trampoline, found by its label's offset in the image. */
static u64 *tramp_field(u64 page, u64 *label)
{
	return phys_to_virt(page + ((u64)(uintptr_t)label - (u64)(uintptr_t)trampoline_start));
}

static bool wait_answer(struct percpu *cpu, u64 us)
{
	u64 end = rdtsc() + timer_us_to_tsc(us);

	while (READ_ONCE(cpu->state) == CPU_STARTING) {
		if ((s64)(rdtsc() - end) > 0)
			return false;
		cpu_relax();
	}
	return true;
}

static bool start_one(struct percpu *cpu, u64 page, void (*ap_main)(struct percpu *))
{
	u32 vector = (u32)(page >> PAGE_SHIFT);

	*tramp_field(page, tramp_cr3) = paging_root();
	*tramp_field(page, tramp_stack) = cpu->stack_top;
	*tramp_field(page, tramp_entry) = (u64)(uintptr_t)ap_main;
	*tramp_field(page, tramp_arg) = (u64)(uintptr_t)cpu;
	WRITE_ONCE(cpu->state, CPU_STARTING);
	smp_mb();

	/* SDM Vol. 3A, 10.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI. */
	lapic_send_ipi(cpu->apic_id, ICR_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	if (!lapic_is_x2apic()) /* the de-assert older xAPICs want; ignored by newer ones */
		lapic_send_ipi(cpu->apic_id, ICR_INIT | ICR_TRIGGER_LEVEL);
	timer_udelay(10000);
	for (int i = 0; i < 2; i++) {
		lapic_send_ipi(cpu->apic_id, ICR_STARTUP | vector);
		if (wait_answer(cpu, 200))
			return true;
	}
	return wait_answer(cpu, AP_ANSWER_US);
}

u32 smp_boot_aps(const struct acpi_info *acpi, u32 maxcpus, void (*ap_main)(struct percpu *))
{
	u64 len = (u64)(trampoline_end - trampoline_start);
	u32 bsp_id = cpus[0]->apic_id, started = 0;
	u64 page;

	/* The SIPI vector names a page below 1 MiB; take one the memory map says is free. */
	page = frames_alloc(1, 1 * MiB);
	if (!page) {
		pr_err("smp: no free page below 1 MiB in the memory map for the AP trampoline; "
		       "running on the bootstrap CPU only");
		return 0;
	}
	memcpy(phys_to_virt(page), trampoline_start, len);
	pr_debug("smp: trampoline at %#lx (%lu bytes)", page, len);

	for (u32 i = 0; i < acpi->nr_cpus; i++) {
		const struct acpi_cpu *a = &acpi->cpu[i];
		struct percpu *cpu;

		if (!a->enabled || a->apic_id == bsp_id)
			continue;
		if ((maxcpus && nr_cpus >= maxcpus) || nr_cpus == MAX_CPUS)
			break;
		if (!lapic_is_x2apic() && a->apic_id > 254) {
			pr_warn("smp: cpu with APIC ID %u needs x2APIC, which this CPU lacks",
				a->apic_id);
			continue;
		}
		cpu = alloc_cpu(nr_cpus, a->apic_id);
		if (!cpu) {
			pr_err("smp: out of memory for cpu %u", nr_cpus);
			break;
		}
		cpus[nr_cpus++] = cpu;
		if (start_one(cpu, page, ap_main)) {
			started++;
		} else {
			pr_err("smp: cpu %u (APIC ID %u) did not answer INIT-SIPI-SIPI", cpu->index,
			       cpu->apic_id);
			WRITE_ONCE(cpu->state, CPU_ABSENT);
			/* It may still wake and read the trampoline: give the next CPU a fresh one. */
			page = frames_alloc(1, 1 * MiB);
			if (!page)
				break;
			memcpy(phys_to_virt(page), trampoline_start, len);
		}
	}
	/* The pages stay allocated: an AP that answered late may still run from one. */
	return started;
}
