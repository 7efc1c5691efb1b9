// SPDX-License-Identifier: GPL-2.0
/* Creating VMs from their module lines, and stopping them: one VM's end never stops another. */
#include "hv/vm.h"
#include "lib/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/rtc.h"
#include "arch/x86/timer.h"
#include "hv/dev/acpi_tables.h"
#include "hv/apic_bus.h"
#include "hv/arch.h"
#include "lib/console.h"
#include "hv/loader.h"
#include "hv/loader_linux.h"
#include "hv/sched/sched.h"
#include "hv/stats.h"
#include "hv/vcpu.h"
#include "hv/vmconfig.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/mm.h"

struct vm *vms[MAX_VMS];
u32 nr_vms;
static volatile u32 vms_running;
static const struct boot_info *boot_info;
static struct vm_config configs[VMCONFIG_MAX];

static int alloc_memory(struct vm *vm, u64 size)
{
	struct guest_mem *gm = &vm->mem;

	gm->size = size;
	gm->nr_chunks = size / GMEM_CHUNK_SIZE;
	gm->chunks = heap_zalloc(gm->nr_chunks * sizeof(u64));
	gm->state = heap_zalloc(gm->nr_chunks);
	if (!gm->chunks || !gm->state)
		return -ENOMEM;
	for (u64 i = 0; i < gm->nr_chunks; i++) {
		/* Zeroed: a guest must never see what another VM or Kestrel left there. */
		gm->chunks[i] = frame_alloc_range(&mm_frames, GMEM_CHUNK_SIZE / PAGE_SIZE,
						  GMEM_CHUNK_SIZE, 0);
		if (!gm->chunks[i])
			return -ENOMEM;
		memset(phys_to_virt(gm->chunks[i]), 0, GMEM_CHUNK_SIZE);
	}
	return 0;
}

static void free_memory(struct vm *vm)
{
	for (u64 i = 0; vm->mem.chunks && i < vm->mem.nr_chunks; i++)
		if (vm->mem.chunks[i])
			frames_free(vm->mem.chunks[i], GMEM_CHUNK_SIZE / PAGE_SIZE);
	heap_free(vm->mem.chunks);
	heap_free((void *)vm->mem.state);
	vm->mem.chunks = NULL;
	vm->mem.state = NULL;
}

/* The multiboot modules (or a Linux kernel's initrds): the VM's extra module lines. */
static void extra_modules(const struct boot_info *bi, const struct vm_config *c,
			  struct loader_module *mods)
{
	for (u32 i = 0; i < c->nr_extra; i++) {
		const struct mb2_module *m = &bi->modules[c->extra[i]];

		mods[i] = (struct loader_module){ phys_to_virt(m->start), m->end - m->start,
						  m->cmdline, strlen(m->cmdline) };
	}
}

/* The Linux boot protocol's 32-bit entry: ESI the zero page, __BOOT_CS and __BOOT_DS. */
static int load_linux(struct vm *vm, const struct mb2_module *k, const struct vm_config *c,
		      const struct loader_module *initrds, u64 rsdp, char *why, size_t len)
{
	struct loader_linux_args args = {
		.image = phys_to_virt(k->start),
		.image_len = k->end - k->start,
		.cmdline = c->cmdline,
		.cmdline_len = c->cmdline_len,
		.initrds = initrds,
		.nr_initrds = c->nr_extra,
		.rsdp_gpa = rsdp,
	};
	struct loader_linux_result res;
	int err = loader_linux_load(&vm->mem, &args, &res);

	if (err) {
		fmt_snprintf(why, len, "Linux kernel: %s", res.error);
		return err;
	}
	vm->boot = (struct vm_boot){ .entry = res.entry, .esi = res.boot_params,
				     .cs = LINUX_BOOT_CS, .ds = LINUX_BOOT_DS,
				     .gdt_base = res.gdt_base, .gdt_limit = res.gdt_limit };
	if (!vm->resets)
		pr_info("vm %s: Linux kernel (boot protocol %u.%02u) at %#lx-%#lx, entry %#x, "
			"initrd %#lx-%#lx", vm->name, res.version >> 8, res.version & 0xff,
			res.kernel_start, res.kernel_end, res.entry, res.initrd_start,
			res.initrd_end);
	return 0;
}

static int load_kernel(struct vm *vm, const struct boot_info *bi, const struct vm_config *c,
		       char *why, size_t len)
{
	static struct loader_module mods[LOADER_MAX_MODULES];
	const struct mb2_module *k = &bi->modules[c->kernel];
	struct loader_args args = {
		.image = phys_to_virt(k->start),
		.image_len = k->end - k->start,
		.cmdline = c->cmdline,
		.cmdline_len = c->cmdline_len,
		.modules = mods,
		.nr_modules = c->nr_extra,
		.loader_name = "Kestrel",
	};
	struct loader_result res;
	s64 acpi;
	int err;

	/* The tables first: the loader keeps out of their reserved region. */
	gmem_prepare(&vm->mem, ACPI_TABLES_GPA, ACPI_TABLES_SIZE);
	acpi = acpi_tables_build((u8 *)(uintptr_t)gmem_hpa(&vm->mem, ACPI_TABLES_GPA),
				 ACPI_TABLES_SIZE, vm->nr_vcpus ? vm->nr_vcpus : c->vcpus,
				 vm->pci.ecam_base);
	if (acpi > 0) {
		args.rsdp = (const void *)(uintptr_t)gmem_hpa(&vm->mem, ACPI_TABLES_GPA);
		args.rsdp_len = ACPI_RSDP_LEN;
	} else if (!vm->resets) {
		pr_warn("vm %s: no ACPI tables (more than %u vCPUs)", vm->name,
			ACPI_TABLES_MAX_VCPUS);
	}
	extra_modules(bi, c, mods);
	if (loader_linux_detect(args.image, args.image_len))
		return load_linux(vm, k, c, mods, acpi > 0 ? ACPI_TABLES_GPA : 0, why, len);
	err = loader_load(&vm->mem, &args, &res);
	if (err) {
		fmt_snprintf(why, len, "%s", res.error);
		return err;
	}
	/* Multiboot 3.2: any flat selectors; the guest loads its own GDT before it needs one. */
	vm->boot = (struct vm_boot){ .entry = res.entry, .eax = res.magic, .ebx = res.info,
				     .cs = 0x08, .ds = 0x10, .gdt_limit = 0xffff };
	pr_info("vm %s: multiboot%u kernel at %#lx-%#lx, entry %#x, %u module(s)", vm->name,
		res.version, res.kernel_start, res.kernel_end, res.entry, c->nr_extra);
	return 0;
}

static int create_vcpus(struct vm *vm, const struct vm_config *c, char *why, size_t len)
{
	int err;

	vm->vcpus = heap_zalloc(c->vcpus * sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (u32 i = 0; i < c->vcpus; i++) {
		struct vcpu *v = arch_vcpu_create();

		if (!v) {
			fmt_snprintf(why, len, "out of memory for vcpu %u", i);
			return -ENOMEM;
		}
		vm->vcpus[i] = v;
		vm->nr_vcpus = i + 1;
		v->vm = vm;
		v->id = i;
		v->eptp = vm->ept.cur.eptp;
		v->ept_gen = vm->ept.generation;
		/* The vLAPIC timer counts in TSC ticks (CPUID leaf 0x40000010 says so). */
		vlapic_init(&v->lapic, i, 1);
		apic_bus_mode_changed(v);
		vlapic_set_min_period(&v->lapic, timer_us_to_tsc(VLAPIC_MIN_PERIOD_US));
		if (i == 0) {
			v->state = VCPU_RUNNABLE;
			v->needs_boot_reset = true;
			v->runnable_since = rdtsc();
		}
		err = sched_place(v, &c->cpus);
		if (err == -ENOSPC) {
			fmt_snprintf(why, len, "vcpu %u: every pCPU of its cpus= list has %u vCPUs",
				     i, SCHED_MAX_VCPUS_PER_CPU);
			return err;
		}
		if (err) {
			fmt_snprintf(why, len, "no online pCPU in VMX root among its cpus= list");
			return err;
		}
	}
	return 0;
}

static struct vm *vm_create(const struct boot_info *bi, const struct vm_config *c)
{
	struct vm *vm;
	char why[128] = "";
	bool shadow = c->ept_off;
	const char *missing = arch_vm_unsupported(&shadow);

	if (missing) {
		pr_err("vm %s: not started: this CPU lacks %s", c->name, missing);
		return NULL;
	}
	if (nr_vms == MAX_VMS) {
		pr_err("vm %s: not started: at most %u VMs", c->name, MAX_VMS);
		return NULL;
	}
	vm = heap_zalloc(sizeof(*vm));
	if (!vm) {
		pr_err("vm %s: not started: out of memory", c->name);
		return NULL;
	}
	str_copy(vm->name, c->name, sizeof(vm->name));
	vm->id = nr_vms;
	vm->config = c;
	vm->pv = c->pv;
	vm->kvm = c->kvm;
	vm->apicv = c->apicv;
	vm->debug = c->debug;
	vm->strict_mmio = c->strict_mmio;
	vm->cpus = c->cpus;
	vuart_init(&vm->uart, vm->name);
	vrtc_init(&vm->rtc, rtc_boot_time.unix_seconds, rtc_boot_time.tsc, timer_info.tsc_hz);
	vpci_init(&vm->pci);
	if (c->mem / PAGE_SIZE > mm_frames.nr_free || alloc_memory(vm, c->mem)) {
		pr_err("vm %s: not started: no room for %lu MiB of RAM (%lu MiB free)", c->name,
		       c->mem / MiB, mm_frames.nr_free * PAGE_SIZE / MiB);
		goto fail;
	}
	if (ept_gen_init(&vm->ept, &vm->mem)) {
		pr_err("vm %s: not started: out of memory for its EPT", c->name);
		goto fail;
	}
	if (shadow && vm_shadow_init(vm)) {
		pr_err("vm %s: not started: out of memory for its shadow page tables", c->name);
		goto fail;
	}
	arch_vm_create(vm);
	platform_claim_mmio(vm);
	if (load_kernel(vm, bi, c, why, sizeof(why))) {
		pr_err("vm %s: not started: module %u: %s", c->name, c->kernel, why);
		goto fail;
	}
	platform_init(vm); /* before its vCPUs: vCPU 0's pCPU reads the PIT's deadline */
	if (create_vcpus(vm, c, why, sizeof(why))) {
		pr_err("vm %s: not started: %s", c->name, why);
		goto fail;
	}
	vm->state = VM_RUNNING;
	vms[nr_vms++] = vm;
	atomic_add(&vms_running, 1);
	if (vm->shadow)
		pr_info("vm %s: %u vCPUs, %lu MiB, shadow page tables (at most %u pages), pv %s",
			vm->name, vm->nr_vcpus, vm->mem.size / MiB, vm->shadow->max_pages,
			vm->pv ? "on" : "off");
	else
		pr_info("vm %s: %u vCPUs, %lu MiB, EPT built on demand (at most %lu tables), pv %s, "
			"apicv %s", vm->name, vm->nr_vcpus, vm->mem.size / MiB, vm->ept.max_tables,
			vm->pv ? "on" : "off", vm->apicv ? "on" : "off");
	return vm;
fail:
	/* vCPUs already placed stay listed but never run: a VM is created whole or not at all. */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		sched_unplace(vm->vcpus[i]);
		arch_vcpu_release(vm->vcpus[i]);
	}
	while (!ept_tree_free_some(&vm->ept.cur, &(u32){ 1u << 30 }))
		;
	if (vm->shadow)
		shadow_destroy(vm->shadow);
	free_memory(vm);
	return NULL;
}

u32 vm_create_all(const struct boot_info *bi)
{
	u32 n = vmconfig_parse(bi, configs, VMCONFIG_MAX), started = 0;

	boot_info = bi;
	for (u32 i = 0; i < n; i++) {
		const struct vm_config *c = &configs[i];

		if (!c->ok) {
			pr_err("%s; not started", c->error);
			continue;
		}
		started += vm_create(bi, c) != NULL;
	}
	/* Against the same line when the last VM stops: a run that leaks frames shows here. */
	pr_info("free frames %lu with every VM created", mm_frames.nr_free);
	pr_info("heap: %lu frames in its size classes", heap_class_frames());
	return started;
}

void vm_stop(struct vm *vm, s32 status, const char *fmt, ...)
{
	va_list ap;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	vm->state = VM_STOPPING;
	vm->exit_status = status;
	va_start(ap, fmt);
	fmt_vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	spin_unlock(&vm->lock);
	vm_console_flush(vm);
	pr_info("vm %s: stopped: %s (status %d)", vm->name, vm->stop_reason, status);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_STOP);
}

void vm_reset(struct vm *vm, const char *fmt, ...)
{
	char why[120];
	va_list ap;

	if (atomic_xchg(&vm->resetting, 1))
		return; /* already under way */
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vm_console_flush(vm);
	pr_info("vm %s: reset: %s", vm->name, why);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_RESET);
}

/*
 * Every vCPU is parked: RAM as at power-on (zeroed, kernel and modules loaded again). Zeroing
 * all of RAM here would bill whichever vCPU parked last for O(RAM) work; instead every chunk is
 * marked stale and zeroed on first use (mm/guest_mem.c): by the loader's writes now, by the
 * EPT fault of the vCPU that first touches it later, a 2 MiB memset charged to that VM.
 */
static void reload(struct vm *vm)
{
	char why[128] = "";
	u64 t0 = rdtsc(), zeroed = vm->mem.zeroed;

	/* Chunks given back to the host: the loader writes anywhere in RAM, so fresh ones first. */
	for (u64 i = 0; i < vm->mem.nr_chunks; i++) {
		if (vm->mem.chunks[i])
			continue;
		vm->mem.chunks[i] = frame_alloc_range(&mm_frames, GMEM_CHUNK_SIZE / PAGE_SIZE,
						      GMEM_CHUNK_SIZE, 0);
		if (!vm->mem.chunks[i]) {
			vm->resetting = 0;
			vm_stop(vm, -1, "reset: no host memory for the RAM it had given back");
			return;
		}
		vm->ept.chunks_taken++;
	}
	gmem_mark_stale(&vm->mem);
	vpci_init(&vm->pci);
	if (load_kernel(vm, boot_info, vm->config, why, sizeof(why))) {
		vm->resetting = 0;
		vm_stop(vm, -1, "reset: the kernel could not be loaded again: %s", why);
		return;
	}
	vm->resets++;
	vm->vcpus_parked = 0;
	platform_reset(vm);
	/* A reset is a new machine: no mapping of the old run may survive it. */
	vm_invalidate_ept(vm, false);
	pr_info("vm %s: reset %u ready in %lu TSC ticks (%lu of %lu chunks zeroed, the rest on "
		"first use)", vm->name, vm->resets, rdtsc() - t0, vm->mem.zeroed - zeroed,
		vm->mem.nr_chunks);
	WRITE_ONCE(vm->resetting, 0);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_POWER_ON);
}

/* Prints one record of vm's buffered output, waiting for the devices; false if none taken. */
static bool console_print_one(struct vm *vm)
{
	const char *s;
	u32 n;

	if (!vuart_drain_begin(&vm->uart, &s, &n))
		return false;
	console_write(s, n);
	if (vuart_drain_done(&vm->uart))
		platform_uart_sync(vm); /* room again: THRE's interrupt */
	return true;
}

/* The console has all of a record of this VM's: its room in the buffer may be used again. */
static void console_record_done(void *uart)
{
	if (vuart_drain_done(uart))
		platform_uart_sync((struct vm *)((char *)uart - __builtin_offsetof(struct vm, uart)));
}

u64 vm_console_drain_some(struct vm *vm)
{
	u64 now, burst, per_kib, poll;
	u32 records = 0;

	if (!vuart_maybe_pending(&vm->uart)) {
		console_pump(); /* another VM's record may be going out */
		return 0;
	}
	now = rdtsc();
	burst = timer_us_to_tsc(VM_CONSOLE_BURST_US);
	per_kib = timer_us_to_tsc(1000000) / VM_CONSOLE_KIB_PER_S;
	poll = now + timer_us_to_tsc(VM_CONSOLE_POLL_US);
	/* Whichever VM's record is in progress, the devices take what they can now. */
	if (console_pump())
		return vuart_pending(&vm->uart) ? poll : 0;
	/* A virtual clock: each byte started moves console_next on; it may lead now by a burst. */
	if ((s64)(vm->console_next - now) < 0)
		vm->console_next = now;
	while ((s64)(vm->console_next - now) <= (s64)burst) {
		const char *s;
		u32 n;

		if (!vuart_drain_begin(&vm->uart, &s, &n))
			return 0;
		if (!console_start(s, n, console_record_done, &vm->uart)) {
			vuart_drain_abort(&vm->uart); /* another pCPU's record: this one waits */
			return poll;
		}
		vm->console_next += n * per_kib / 1024;
		vm->console_printed += n;
		/* Still going out (a slow UART): the pumps go on with it. */
		if (READ_ONCE(vm->uart.printing) || ++records == VM_CONSOLE_RECORDS_PER_CALL)
			return poll;
	}
	return vuart_pending(&vm->uart) ? MAX(vm->console_next - burst, poll) : 0;
}

void vm_console_pump_step(struct vm *vm)
{
	if (!console_pump() && READ_ONCE(vm->uart.stalled))
		vm_console_drain(vm);
}

void vm_console_flush(struct vm *vm)
{
	vuart_end_line(&vm->uart);
	/* A record half printed comes out first; then the rest in order, waiting for the devices. */
	while (vuart_pending(&vm->uart)) {
		console_finish();
		if (!console_print_one(vm))
			cpu_relax();
	}
}

u64 vm_invalidate_ept(struct vm *vm, bool walk)
{
	u64 t0 = rdtsc();

	if (walk && vm->shadow) {
		vm_shadow_zap_walk(vm); /* its EPT maps nothing: the shadow's own walk */
		return rdtsc() - t0;
	}
	if (walk)
		ept_gen_zap_walk(&vm->ept);
	else if (ept_gen_invalidate(&vm->ept))
		ept_gen_zap_walk(&vm->ept); /* too many trees still being freed: do it the slow way */
	vm_ept_mark_pending(vm);
	vm_shadow_invalidate(vm); /* and every shadow page: roots reload by generation */
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_EPT_RELOAD);
	return rdtsc() - t0;
}

static volatile u32 vms_ept_pending; /* stopped VMs whose EPT trees are not all freed yet */
/* Frames allocated with stopped VMs' vCPUs and freed when they stopped (arch_vcpu_release). */
static volatile u64 vcpu_frames_freed;
static volatile u32 final_said;

/* The last lines of a run: every VM stopped, and its EPT freed. */
static void say_final(void)
{
	u64 roots = 0, freed = 0;

	if (atomic_xchg(&final_said, 1))
		return;
	/*
	 * Every tree of every VM is freed, roots included: the count is the one "with every VM
	 * created" plus the roots the VMs had then and the vCPUs' own frames freed at their
	 * stop (MSR-load lists where the CPU needs them), unless something leaked.
	 */
	for (u32 i = 0; i < nr_vms; i++) {
		roots++;
		freed += vms[i]->ept.tables_freed;
	}
	pr_info("free frames %lu with every VM stopped and its EPT freed (%lu EPT roots among "
		"them, %lu tables freed since creation, %lu vCPU frames freed)",
		READ_ONCE(mm_frames.nr_free), roots, freed, READ_ONCE(vcpu_frames_freed));
	pr_info("heap: %lu frames in its size classes", heap_class_frames());
	pr_info("halting");
}

bool vm_ept_housekeeping(struct vm *vm)
{
	u64 min = UINT64_MAX;
	struct cpuset ask;
	bool retired = READ_ONCE(vm->ept.retired);

	if (!READ_ONCE(vm->ept.nr_obsolete))
		return false;
	for (u32 i = 0; !retired && i < vm->nr_vcpus; i++)
		min = MIN(min, READ_ONCE(vm->vcpus[i]->ept_gen));
	cpuset_clear(&ask);
	/* A stopped VM's trees: no vCPU contends for the lock, so all that may go, now. */
	while (ept_gen_reclaim(&vm->ept, min, &ask) && retired)
		;
	/*
	 * pCPUs that ran the VM may hold translations of a tree none of its vCPUs uses (they
	 * moved on, elsewhere): the tree waits until each has flushed it, so that its root frame,
	 * handed out again, tags nothing cached anywhere.
	 */
	if (!cpuset_is_empty(&ask))
		sched_ask_ept_flush(&ask);
	if (!retired)
		return false;
	if (READ_ONCE(vm->ept.nr_obsolete))
		return true;
	if (!atomic_xchg(&vm->ept_freed, 1) && atomic_sub(&vms_ept_pending, 1) == 0 &&
	    !READ_ONCE(vms_running))
		say_final();
	return false;
}

/* VMs (bit: vm->id) that may have obsolete EPT trees: housekeeping looks at these alone. */
static volatile u32 ept_pending;

void vm_ept_mark_pending(struct vm *vm)
{
	atomic_or(&ept_pending, 1u << vm->id);
}

bool vm_ept_housekeeping_pending(void)
{
	u32 m = READ_ONCE(ept_pending);
	bool more = false;

	while (m) {
		u32 id = (u32)__builtin_ctz(m);
		struct vm *vm = vms[id];

		m &= m - 1;
		if (!vm) {
			/* Marked while it was created, and it failed to start. */
			atomic_and(&ept_pending, ~(1u << id));
			continue;
		}
		more |= vm_ept_housekeeping(vm);
		/*
		 * Unmarked first, then checked: an invalidation that adds a tree meanwhile marks
		 * it again after its count went up, so one of the two sees the other.
		 */
		atomic_and(&ept_pending, ~(1u << id));
		if (READ_ONCE(vm->ept.nr_obsolete))
			atomic_or(&ept_pending, 1u << id);
	}
	return more;
}

void vm_ept_flush_here(void)
{
	for (u32 i = 0; i < nr_vms; i++)
		ept_gen_flush_cpu(&vms[i]->ept, sched_this_cpu(), arch_flush_ept);
}

void vm_vcpu_parked(struct vcpu *v)
{
	if (atomic_add(&v->vm->vcpus_parked, 1) == v->vm->nr_vcpus)
		reload(v->vm);
}

void vm_vcpu_stopped(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (atomic_add(&vm->vcpus_stopped, 1) != vm->nr_vcpus)
		return;
	vm->state = VM_STOPPED;
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		atomic_add(&vcpu_frames_freed, arch_vcpu_release(vm->vcpus[i]));
	stats_print_vm(vm);
	vm_shadow_release(vm);
	/*
	 * No vCPU runs it again: every tree goes once each pCPU that entered with it has flushed
	 * it (vm_ept_housekeeping; a pCPU keeps what it cached after VMCLEAR, SDM Vol. 3C, 30.4).
	 * The RAM stays allocated: a stopped VM's memory is not reused.
	 */
	atomic_add(&vms_ept_pending, 1);
	ept_gen_retire(&vm->ept);
	vm_ept_mark_pending(vm);
	if (atomic_sub(&vms_running, 1) == 0) {
		pr_info("all VMs stopped");
		/* Another pCPU may have freed every tree before this count reached 0. */
		if (!atomic_read_seq(&vms_ept_pending))
			say_final();
	}
	vm_ept_housekeeping(vm);
}

struct vcpu *vm_vcpu_by_apic_id(struct vm *vm, u32 apic_id)
{
	return apic_id < vm->nr_vcpus ? vm->vcpus[apic_id] : NULL;
}
