// SPDX-License-Identifier: GPL-2.0
/*
 * A VM on shadow page tables (ept=off, or a CPU without EPT): what mm/shadow.c needs from the
 * VM (its RAM through the regions, reloading and flushing every vCPU) and invalidating it all.
 */
#include "hv/vm.h"
#include "arch/x86/cpu.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "lib/atomic.h"
#include "mm/mm.h"

/* Shadow pages per MiB of guest RAM, and the bounds: each page is a frame and 6 KiB of links. */
#define VM_SHADOW_PAGES_PER_MIB 8
#define VM_SHADOW_MIN_PAGES 512
#define VM_SHADOW_MAX_PAGES 8192

/* RAM the regions back at gfn, and whether they let the guest write it; false: not RAM. */
static bool vm_shadow_gfn_to_hpa(void *ctx, u64 gfn, u64 *hpa, bool *writable)
{
	struct vm *vm = ctx;
	const struct region *r;
	u64 gpa = gfn << PAGE_SHIFT, off = 0;
	bool ram = false;
	u8 perm = 0;

	spin_lock(&vm->ept.lock);
	r = regions_find(&vm->ept.regions, gpa);
	if (r && r->kind == REGION_RAM && (r->perm & REGION_R)) {
		ram = true;
		perm = r->perm;
		off = r->backing + (gpa - r->start);
	}
	spin_unlock(&vm->ept.lock);
	if (!ram || off >= vm->mem.size)
		return false;
	gmem_prepare(&vm->mem, off, PAGE_SIZE); /* a chunk a reset left stale is zeroed first */
	*hpa = gmem_hpa(&vm->mem, off);
	*writable = perm & REGION_W;
	return true;
}

/* Called with the MMU's lock held: the vCPUs only note it (VCPU_REQ_SHADOW_RELOAD). */
static void vm_shadow_reload_all(void *ctx)
{
	struct vm *vm = ctx;

	u32 me = sched_this_cpu();

	/* Never vcpu_request: it may act on the requests here and now, under this lock. */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		atomic_or(&vm->vcpus[i]->requests, VCPU_REQ_SHADOW_RELOAD);
		if (vm->vcpus[i]->pcpu != me)
			sched_kick(vm->vcpus[i]);
	}
}

/*
 * A remote TLB flush. Each vCPU is asked to flush before its next entry (VCPU_REQ_SHADOW_FLUSH:
 * an INVVPID of its VPID, arch_vcpu_flush_tlb; nothing without VPID, where every VM entry and
 * exit flushes, SDM Vol. 3C, 30.4.3.1), and one in guest mode is kicked out and waited for
 * until it has exited once: only then can it use no translation it cached, since it flushes
 * before it enters again. A vCPU in root mode sees the request before its entry (the run
 * loop's check after it marks itself in guest, paired with the read of in_guest after the
 * post here). The MMU's lock is held, which a vCPU takes only in root mode, after its exit.
 */
static void vm_shadow_flush_all(void *ctx)
{
	struct vm *vm = ctx;
	u32 me = sched_this_cpu();

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		u64 entries;

		/* Never vcpu_request: it may act on the requests here and now, under this lock. */
		atomic_or(&t->requests, VCPU_REQ_SHADOW_FLUSH);
		entries = READ_ONCE(t->stats.entries);
		if (t->pcpu == me || !atomic_read_seq(&t->pv.in_guest))
			continue;
		sched_kick(t);
		while (atomic_read_seq(&t->pv.in_guest) && READ_ONCE(t->stats.entries) == entries &&
		       READ_ONCE(vm->state) == VM_RUNNING)
			cpu_relax();
	}
}

static const struct shadow_ops vm_shadow_ops = {
	.gfn_to_hpa = vm_shadow_gfn_to_hpa,
	.reload_all = vm_shadow_reload_all,
	.flush_all = vm_shadow_flush_all,
};

int vm_shadow_init(struct vm *vm)
{
	u64 pages = vm->mem.size / MiB * VM_SHADOW_PAGES_PER_MIB;
	u8 maxphyaddr = (u8)cpuid(0x80000008, 0).eax;

	pages = MIN(MAX(pages, VM_SHADOW_MIN_PAGES), VM_SHADOW_MAX_PAGES);
	vm->shadow = heap_zalloc(sizeof(*vm->shadow));
	if (!vm->shadow)
		return -ENOMEM;
	if (shadow_init(vm->shadow, &vm->mem, &vm_shadow_ops, vm, (u32)pages, maxphyaddr)) {
		vm->shadow = NULL;
		return -ENOMEM;
	}
	return 0;
}

void vm_shadow_invalidate(struct vm *vm)
{
	if (vm->shadow)
		shadow_invalidate_all(vm->shadow);
}

void vm_shadow_zap_walk(struct vm *vm)
{
	shadow_zap_all_walk(vm->shadow);
}

u64 vm_shadow_locked_ticks(struct vm *vm)
{
	return READ_ONCE(vm->shadow->last_locked_ticks);
}

void vm_shadow_release(struct vm *vm)
{
	if (!vm->shadow)
		return;
	shadow_invalidate_all(vm->shadow);
	while (shadow_zap_obsolete(vm->shadow, 64) > 0)
		;
}
