// SPDX-License-Identifier: GPL-2.0
/* Kestrel's boot sequence: from GRUB's hand-off to every CPU in VMX root mode. */
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "mm/ept.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/pic.h"
#include "arch/x86/rtc.h"
#include "boot/smp.h"
#include "arch/x86/timer.h"
#include "arch/x86/vmx/deadline.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "lib/calendar.h"
#include "lib/multiboot2.h"
#include "hv/cmdline.h"
#include "hv/console_input.h"
#include "hv/console_sinks.h"
#include "lib/panic.h"
#include "hv/sched/sched.h"
#include "hv/stats.h"
#include "hv/vm.h"
#include "pv/pv.h"
#include "mm/mm.h"

#define KESTREL_VERSION "0.1"

static struct boot_info boot_info;
static struct acpi_info acpi;
static struct hv_config config;

static const void *acpi_map(u64 phys, size_t len)
{
	/* Everything below paging_top() is identity-mapped. */
	if (phys + len < phys || phys + len > paging_top())
		return NULL;
	return phys_to_virt(phys);
}

/*
 * The screen: the framebuffer GRUB describes (EGA text or RGB pixels). Without that tag, the
 * VGA text buffer every PC-compatible with a VGA has at 0xb8000 (80x25), but only after a
 * legacy BIOS boot: under UEFI there may be no VGA, and nothing decodes that address.
 */
static const struct mb2_framebuffer *screen_fb(const struct boot_info *bi)
{
	static const struct mb2_framebuffer vga_text = {
		.addr = 0xb8000, .pitch = 160, .width = 80, .height = 25, .bpp = 16,
		.type = MB2_FB_EGA_TEXT,
	};

	if (bi->have_fb)
		return &bi->fb;
	return bi->efi ? NULL : &vga_text;
}

/* The bits of the physical addresses this CPU can reach (CPUID 80000008H:EAX[7:0]). */
static u64 phys_limit(void)
{
	u32 bits = 36;

	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		bits = cpuid(0x80000008, 0).eax & 0xff;
	return 1ULL << MIN(bits, 52u);
}

static void print_screen(const struct mb2_framebuffer *fb, enum screen_error err)
{
	char line[120];

	if (!fb) {
		pr_info("screen: %s", config.console & CONSOLE_SCREEN ? "none (no framebuffer from "
			"the UEFI boot)" : "off (not in console=)");
	} else if (err) {
		pr_warn("screen: framebuffer type %u %ux%u %u bpp pitch %u at %#lx not used: %s",
			fb->type, fb->width, fb->height, fb->bpp, fb->pitch, fb->addr,
			err == SCREEN_E_UNMAPPED ? "beyond this CPU's physical addresses" :
			screen_strerror(err));
	} else {
		console_sinks_describe_screen(line, sizeof(line));
		pr_info("screen: %s", line);
	}
}

static void print_boot_info(const struct boot_info *bi)
{
	pr_info("loader: %s", bi->loader_name ? bi->loader_name : "(unnamed)");
	pr_info("command line: %s", bi->cmdline ? bi->cmdline : "");
	pr_info("memory map: %u entries", bi->nr_mmap);
	for (u32 i = 0; i < bi->nr_mmap; i++)
		pr_debug("  %016lx-%016lx %s", bi->mmap[i].base,
			 bi->mmap[i].base + bi->mmap[i].length - 1,
			 mb2_mem_type_name(bi->mmap[i].type));
	pr_info("modules: %u", bi->nr_modules);
	for (u32 i = 0; i < bi->nr_modules; i++)
		pr_info("  module %u: %#lx-%#lx (%lu KiB) %s", i, bi->modules[i].start,
			bi->modules[i].end, (bi->modules[i].end - bi->modules[i].start) / KiB,
			bi->modules[i].cmdline);
}

/* What every CPU checks for itself once its tables are loaded: its timer, then VMXON. */
static void cpu_boot_checks(struct percpu *cpu)
{
	s64 late = 0;
	int err;

	err = timer_selftest(1000, &late);
	if (err)
		pr_err("cpu %u: timer: the one-shot interrupt never came", cpu->index);
	else
		pr_info("cpu %u: timer: %s one-shot fired %ld TSC ticks after its deadline%s",
			cpu->index, timer_info.tsc_deadline ? "TSC-deadline" : "APIC", late,
			late < 0 ? " (EARLY)" : "");

	err = vmx_enable_cpu(cpu);
	if (err)
		pr_info("cpu %u: not in VMX root: %s", cpu->index, cpu->vmx.error);
	else
		pr_info("cpu %u: in VMX root (APIC ID %u)", cpu->index, cpu->apic_id);
	WRITE_ONCE(cpu->state, CPU_READY);
}

/* What vCPU switches need to save the FPU: FXSAVE with the XMM registers (SDM Vol. 2A, FXSAVE). */
static void cpu_init_fpu(void)
{
	write_cr0((read_cr0() & ~(u64)BIT(2) /* EM */) | CR0_MP);
	write_cr4(read_cr4() | BIT(9) /* OSFXSR */ | BIT(10) /* OSXMMEXCPT */);
}

static __noreturn void ap_main(struct percpu *cpu)
{
	desc_load(cpu);
	cpu_init_fpu();
	lapic_init_cpu();
	timer_init_cpu();
	WRITE_ONCE(cpu->state, CPU_ONLINE);
	cpu_boot_checks(cpu);
	sched_ap_wait();
}

static void wait_aps_ready(void)
{
	u64 give_up = rdtsc() + timer_us_to_tsc(2000000);

	for (u32 i = 1; i < nr_cpus; i++) {
		while (READ_ONCE(cpus[i]->state) == CPU_ONLINE && (s64)(rdtsc() - give_up) < 0)
			cpu_relax();
	}
}

/* The host's time of day, which every VM's CMOS RTC starts from (hv/dev/vrtc.c). */
static void print_rtc(const struct acpi_info *acpi)
{
	struct cal_date d;
	s64 s;

	if (acpi && acpi->no_cmos_rtc)
		pr_info("rtc: the FADT says there is no CMOS RTC");
	else if (rtc_read_boot_time(acpi ? acpi->rtc_century : 0))
		pr_warn("rtc: no CMOS RTC answered");
	s = rtc_boot_time.unix_seconds;
	cal_date_from_days(s / 86400, &d);
	pr_info("rtc: VMs' clocks start at %04u-%02u-%02u %02lu:%02lu:%02lu UTC%s", d.year, d.mon,
		d.mday, s % 86400 / 3600, s % 3600 / 60, s % 60,
		rtc_boot_time.valid ? " (the host's RTC)" : "");
}

static void print_summary(u32 found)
{
	u32 up = 0, root = 0;

	for (u32 i = 0; i < nr_cpus; i++) {
		if (cpus[i]->state == CPU_READY)
			up++;
		if (cpus[i]->state == CPU_READY && cpus[i]->vmx.root)
			root++;
	}
	if (vmx_caps.usable) {
		vmx_print_caps();
		vmx_deadline_print();
	}
	pr_info("summary: cpus found %u, up %u, in VMX root %u", found, up, root);
	if (!vmx_caps.usable) {
		pr_err("no VMX: %s.", vmx_caps.missing);
		pr_err("Kestrel needs Intel VT-x. To try it without VT-x hardware, run it in "
		       "Bochs ('make run'); on a Linux host with KVM, use QEMU with "
		       "'-enable-kvm -cpu host,+vmx' (nested VMX).");
	}
}

/* Creates the VMs the module lines describe and becomes a scheduler, like every other pCPU. */
static __noreturn void run_vms(void)
{
	if (!vmx_caps.usable || !cpus[0]->vmx.root) {
		pr_info("halting");
		cpu_halt_forever();
	}
	if (!boot_info.nr_modules) {
		pr_info("no VMs configured (add module2 lines to the GRUB entry: see README.md)");
		pr_info("halting");
		cpu_halt_forever();
	}
	if (vmx_bitmaps_init())
		panic("out of memory for the VMX bitmaps");
	for (u32 i = 0; i < nr_cpus; i++)
		if (sched_cpu_init(i))
			panic("out of memory for cpu %u's scheduler", i);
	sched_slice_tsc = timer_us_to_tsc(config.slice_us);
	pv_inject_skip_flush = config.inject_skip_flush;
	ept_large_pages = !config.ept_4k && vmx_caps.ept_2m;
	ept_huge_pages = ept_large_pages && vmx_caps.ept_1g;
	sched_balance = !config.no_balance;
	mm_poison = config.poison;
	stats_timing = config.stats_timing;
	if (pv_inject_skip_flush)
		pr_warn("fault injection: PV TLB flushes skip every target but the caller");
	if (!vm_create_all(&boot_info)) {
		pr_info("no VM could be started");
		pr_info("halting");
		cpu_halt_forever();
	}
	/* Waiting time starts now, not when the VM was built. */
	for (u32 i = 0; i < nr_vms; i++)
		for (u32 k = 0; k < vms[i]->nr_vcpus; k++)
			vms[i]->vcpus[k]->runnable_since = rdtsc();
	console_input_init();
	sched_start_all();
	sched_loop();
}

static u32 cpus_found(void)
{
	u32 n = 0;

	for (u32 i = 0; i < acpi.nr_cpus; i++)
		n += acpi.cpu[i].enabled;
	return n ? n : 1;
}

__noreturn void boot_main(u32 magic, u64 mbi_phys)
{
	const struct mb2_framebuffer *fb;
	enum screen_error screen_err = SCREEN_OK;
	struct mem_range fb_range = { 0, 0 };
	struct hv_config_errors errs;
	struct percpu *bsp;
	enum mb2_error mb_err;
	enum acpi_error acpi_err;
	int err;

	bsp = smp_init_bsp();
	cpu_init_fpu();
	console_sinks_set(CONSOLE_COM1); /* before the command line is known: errors must be seen */
	mb_err = mb2_parse(magic, phys_to_virt(mbi_phys), MB2_MAX_TOTAL_SIZE, &boot_info);
	if (mb_err)
		panic("boot information: %s", mb2_strerror(mb_err));
	hv_config_parse(boot_info.cmdline, &config, &errs);
	fb = (config.console & CONSOLE_SCREEN) ? screen_fb(&boot_info) : NULL;
	if (fb) {
		/* The boot page tables map the first 4 GiB; a framebuffer above waits for mm. */
		screen_err = console_sinks_screen_init(fb, 4 * GiB);
		if (screen_check(fb, phys_limit()) == SCREEN_OK)
			fb_range = (struct mem_range){ fb->addr, fb->addr + screen_fb_bytes(fb) };
	}
	console_sinks_set(config.console);
	console_set_level(config.loglevel);
	console_printf("\nKestrel %s hypervisor\n", KESTREL_VERSION);
	for (u32 i = 0; i < MIN(errs.nr, HV_CONFIG_MAX_ERRORS); i++)
		pr_warn("command line: %s (ignored)", errs.msg[i]);
	print_boot_info(&boot_info);

	err = mm_init(&boot_info, fb_range.end ? &fb_range : NULL);
	if (err)
		panic("memory setup failed (%d)", err);
	if (screen_err == SCREEN_E_UNMAPPED && fb_range.end) {
		screen_err = console_sinks_screen_init(fb, fb_range.end);
		console_sinks_set(config.console);
	}
	print_screen(fb, screen_err);
	if (!lapic_setup_bsp())
		panic("this CPU has no local APIC");
	lapic_init_cpu();
	bsp->apic_id = lapic_id();
	pr_info("apic: %s mode, bootstrap CPU APIC ID %u", lapic_is_x2apic() ? "x2APIC" : "xAPIC",
		bsp->apic_id);

	acpi_err = acpi_parse(boot_info.rsdp, boot_info.rsdp_len, acpi_map, &acpi);
	if (acpi_err)
		pr_warn("acpi: %s; only the bootstrap CPU will run", acpi_strerror(acpi_err));
	else
		pr_info("acpi: %s rev %u, MADT %s (%u CPUs%s), PM timer %s", acpi.oem_id,
			acpi.rsdp_revision, acpi.have_madt ? "found" : "missing", acpi.nr_cpus,
			acpi.nr_cpus_dropped ? ", more dropped" : "",
			acpi.pm_timer_port ? "yes" : "no");

	/* Any PC may have the 8259s, whatever the MADT says; silencing absent ones is harmless. */
	pic_disable();
	err = timer_calibrate(acpi_err ? NULL : &acpi);
	if (err)
		panic("no clock to calibrate the TSC against (no ACPI PM timer, no PIT)");
	pr_info("timer: TSC %lu kHz (measured against the %s), APIC timer %lu kHz, "
		"TSC-deadline %s, invariant TSC %s",
		timer_info.tsc_hz / 1000, timer_info.reference, timer_info.lapic_hz / 1000,
		timer_info.tsc_deadline ? "yes" : "no", timer_info.invariant_tsc ? "yes" : "no");
	timer_init_cpu();
	print_rtc(acpi_err ? NULL : &acpi);

	vmx_probe();
	vmx_deadline_choose(!config.no_preemption_timer);
	if (!acpi_err)
		smp_boot_aps(&acpi, config.maxcpus, ap_main);
	cpu_boot_checks(bsp);
	wait_aps_ready();
	print_summary(acpi_err ? 1 : cpus_found());
	if (config.selftest_exception) {
		pr_info("selftest: executing UD2 in the hypervisor");
		asm volatile("ud2");
	}
	run_vms();
}
