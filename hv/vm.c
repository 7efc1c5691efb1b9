// SPDX-License-Identifier: GPL-2.0
/* Creating VMs from their module lines, and stopping them: one VM's end never stops another. */
#include "hv/vm.h"
#include "lib/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "hv/dev/acpi_tables.h"
#include "hv/arch.h"
#include "lib/console.h"
#include "hv/loader.h"
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
	if (!gm->chunks)
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
	vm->mem.chunks = NULL;
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
	acpi = acpi_tables_build((u8 *)(uintptr_t)gmem_hpa(&vm->mem, ACPI_TABLES_GPA),
				 ACPI_TABLES_SIZE, vm->nr_vcpus ? vm->nr_vcpus : c->vcpus);
	if (acpi > 0) {
		args.rsdp = (const void *)(uintptr_t)gmem_hpa(&vm->mem, ACPI_TABLES_GPA);
		args.rsdp_len = ACPI_RSDP_LEN;
	} else if (!vm->resets) {
		pr_warn("vm %s: no ACPI tables (more than %u vCPUs)", vm->name,
			ACPI_TABLES_MAX_VCPUS);
	}
	for (u32 i = 0; i < c->nr_extra; i++) {
		const struct mb2_module *m = &bi->modules[c->extra[i]];

		mods[i] = (struct loader_module){ phys_to_virt(m->start), m->end - m->start,
						  m->cmdline, strlen(m->cmdline) };
	}
	err = loader_load(&vm->mem, &args, &res);
	if (err) {
		fmt_snprintf(why, len, "%s", res.error);
		return err;
	}
	vm->boot_entry = res.entry;
	vm->boot_eax = res.magic;
	vm->boot_ebx = res.info;
	pr_info("vm %s: multiboot%u kernel at %#lx-%#lx, entry %#x, %u module(s)", vm->name,
		res.version, res.kernel_start, res.kernel_end, res.entry, c->nr_extra);
	return 0;
}

static int create_vcpus(struct vm *vm, const struct vm_config *c, char *why, size_t len)
{
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
		vlapic_set_min_period(&v->lapic, timer_us_to_tsc(VLAPIC_MIN_PERIOD_US));
		if (i == 0) {
			v->state = VCPU_RUNNABLE;
			v->needs_boot_reset = true;
			v->runnable_since = rdtsc();
		}
		if (!sched_place(v, &c->cpus)) {
			fmt_snprintf(why, len, "no online pCPU in VMX root among its cpus= list");
			return -ENODEV;
		}
	}
	return 0;
}

static struct vm *vm_create(const struct boot_info *bi, const struct vm_config *c)
{
	struct vm *vm;
	char why[128] = "";
	const char *missing = arch_vm_unsupported();

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
	vm->debug = c->debug;
	vm->cpus = c->cpus;
	vuart_init(&vm->uart, vm->name);
	if (c->mem / PAGE_SIZE > mm_frames.nr_free || alloc_memory(vm, c->mem)) {
		pr_err("vm %s: not started: no room for %lu MiB of RAM (%lu MiB free)", c->name,
		       c->mem / MiB, mm_frames.nr_free * PAGE_SIZE / MiB);
		goto fail;
	}
	if (ept_gen_init(&vm->ept, &vm->mem)) {
		pr_err("vm %s: not started: out of memory for its EPT", c->name);
		goto fail;
	}
	if (load_kernel(vm, bi, c, why, sizeof(why))) {
		pr_err("vm %s: not started: module %u: %s", c->name, c->kernel, why);
		goto fail;
	}
	if (create_vcpus(vm, c, why, sizeof(why))) {
		pr_err("vm %s: not started: %s", c->name, why);
		goto fail;
	}
	vm->state = VM_RUNNING;
	vms[nr_vms++] = vm;
	atomic_add(&vms_running, 1);
	pr_info("vm %s: %u vCPUs, %lu MiB, EPT %lu tables, pv %s", vm->name, vm->nr_vcpus,
		vm->mem.size / MiB, vm->ept.cur.nr_tables, vm->pv ? "on" : "off");
	return vm;
fail:
	/* vCPUs already placed stay listed but never run: a VM is created whole or not at all. */
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i]->state = VCPU_STOPPED;
	while (!ept_tree_free_some(&vm->ept.cur, &(u32){ 1u << 30 }))
		;
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
	vuart_flush(&vm->uart);
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
	vuart_flush(&vm->uart);
	pr_info("vm %s: reset: %s", vm->name, why);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_RESET);
}

/* Every vCPU is parked: RAM as at power-on (zeroed, kernel and modules loaded again). */
static void reload(struct vm *vm)
{
	char why[128] = "";

	for (u64 i = 0; i < vm->mem.nr_chunks; i++)
		memset(phys_to_virt(vm->mem.chunks[i]), 0, GMEM_CHUNK_SIZE);
	if (load_kernel(vm, boot_info, vm->config, why, sizeof(why))) {
		vm->resetting = 0;
		vm_stop(vm, -1, "reset: the kernel could not be loaded again: %s", why);
		return;
	}
	vm->resets++;
	vm->vcpus_parked = 0;
	/* A reset is a new machine: no mapping of the old run may survive it. */
	vm_invalidate_ept(vm, false);
	WRITE_ONCE(vm->resetting, 0);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_POWER_ON);
}

u64 vm_invalidate_ept(struct vm *vm, bool walk)
{
	u64 t0 = rdtsc();

	if (walk)
		ept_gen_zap_walk(&vm->ept);
	else if (ept_gen_invalidate(&vm->ept))
		ept_gen_zap_walk(&vm->ept); /* too many trees still being freed: do it the slow way */
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_EPT_RELOAD);
	return rdtsc() - t0;
}

void vm_ept_housekeeping(struct vm *vm)
{
	u64 min = UINT64_MAX;

	if (!READ_ONCE(vm->ept.nr_obsolete))
		return;
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		min = MIN(min, READ_ONCE(vm->vcpus[i]->ept_gen));
	ept_gen_reclaim(&vm->ept, min);
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
	stats_print_vm(vm);
	if (atomic_sub(&vms_running, 1) == 0) {
		pr_info("all VMs stopped");
		pr_info("free frames %lu with every VM stopped", READ_ONCE(mm_frames.nr_free));
		pr_info("halting");
	}
}

struct vcpu *vm_vcpu_by_apic_id(struct vm *vm, u32 apic_id)
{
	return apic_id < vm->nr_vcpus ? vm->vcpus[apic_id] : NULL;
}
