// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's guest-physical memory while it runs: device models claim MMIO ranges, a change of the
 * regions reaches every vCPU before the caller goes on, and accesses nothing backs are noted.
 */
#include "hv/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "hv/vcpu.h"
#include "lib/atomic.h"
#include "lib/console.h"
#include "mm/mm.h"

int vm_mmio_claim(struct vm *vm, u64 start, u64 size, region_mmio_fn fn, void *opaque,
		  const char *name)
{
	int ret = ept_gen_claim_mmio(&vm->ept, start, size, fn, opaque, name);

	if (ret > REGION_ZAP_NONE)
		vm_ept_mark_pending(vm); /* the old tree, if one went obsolete, is freed later */
	return ret < 0 ? ret : 0;
}

void vm_mem_changed(struct vcpu *caller, int zap)
{
	struct vm *vm = caller->vm;
	u64 seq = READ_ONCE(vm->ept.seq);

	if (zap <= REGION_ZAP_NONE)
		return;
	vm_ept_mark_pending(vm); /* an invalidation may have left an obsolete tree */
	/* Shadow leaves were built from the old regions: all go, by generation. */
	vm_shadow_invalidate(vm);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(vm->vcpus[i], VCPU_REQ_EPT_RELOAD);
	/* Holding no host pointer while it waits: another caller's vm_mem_release need not wait. */
	atomic_add(&caller->root_epoch, 1);
	/*
	 * vcpu_request's atomic OR is ordered before the reads of in_guest below, and the entry
	 * path stores in_guest before it checks requests (arch/x86/vmx/run.c, Dekker): a vCPU is
	 * either seen in guest mode here, and kicked out, or sees the request before it enters.
	 * The caller's own vCPU is in root mode: it reloads before its next entry.
	 */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];

		while (t != caller && atomic_read_seq(&t->pv.in_guest) &&
		       atomic_read(&t->ept_seq) < seq && READ_ONCE(vm->state) == VM_RUNNING)
			cpu_relax();
	}
	atomic_add(&caller->root_epoch, 1);
}

static u64 chunk_alloc(void)
{
	return frame_alloc_range(&mm_frames, GMEM_CHUNK_SIZE / PAGE_SIZE, GMEM_CHUNK_SIZE, 0);
}

static void chunk_free(u64 hpa)
{
	frames_free(hpa, GMEM_CHUNK_SIZE / PAGE_SIZE);
}

/* Whether Kestrel writes into the chunk at hpa through a host pointer. @pre EPT lock held */
static bool chunk_pinned(void *ctx, u64 hpa)
{
	struct vm *vm = ctx;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		u64 a = (u64)(uintptr_t)v->pv.area, k = (u64)(uintptr_t)v->pv.kvm_steal;

		if ((a && virt_to_phys((void *)a) - hpa < GMEM_CHUNK_SIZE) ||
		    (k && virt_to_phys((void *)k) - hpa < GMEM_CHUNK_SIZE))
			return true;
	}
	return false;
}

bool vm_mem_chunks_init(struct vm *vm, struct ept_gen_chunks *ch, u64 size)
{
	/* The range's chunks, and those of up to every region's backing at its ends. */
	u64 max = MIN(vm->mem.nr_chunks, (size >> GMEM_CHUNK_SHIFT) + 2 * REGIONS_MAX + 2);

	*ch = (struct ept_gen_chunks){ .max = (u32)max, .pinned = chunk_pinned, .ctx = vm,
				       .alloc = chunk_alloc };
	ch->hpa = heap_alloc(max * sizeof(u64));
	return ch->hpa != NULL;
}

void vm_mem_release(struct vcpu *caller, struct ept_gen_chunks *ch)
{
	struct vm *vm = caller->vm;
	u64 before = READ_ONCE(mm_frames.nr_free);

	if (ch->nr) {
		/*
		 * The chunks left the VM under the EPT lock: seen before any epoch read below. The
		 * caller holds no host pointer into guest RAM while it waits, and says so (even
		 * epoch): two vCPUs giving chunks back at once each waited for the other's odd
		 * epoch for ever (the hostile fuzzer with KESTREL_HC_MEM_PROTECT hung both pCPUs).
		 */
		atomic_add(&caller->root_epoch, 1);
		smp_mb();
		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *t = vm->vcpus[i];
			u64 e = atomic_read_seq(&t->root_epoch);

			/* In an exit handler since before: wait until it has left it. */
			while (t != caller && (e & 1) && atomic_read_seq(&t->root_epoch) == e)
				cpu_relax();
		}
		atomic_add(&caller->root_epoch, 1);
		for (u32 i = 0; i < ch->nr; i++)
			chunk_free(ch->hpa[i]);
		if (vm->debug)
			pr_info("vm %s: %u chunks (%lu MiB) given back to the host: free frames %lu "
				"-> %lu", vm->name, ch->nr, (u64)ch->nr * GMEM_CHUNK_SIZE / MiB,
				before, READ_ONCE(mm_frames.nr_free));
	}
	heap_free(ch->hpa);
	ch->hpa = NULL;
}

void *vm_mem_pin(struct vm *vm, u64 gpa, u64 len, void **slot)
{
	u64 hpa, off;

	if (!gmem_offset(&vm->mem, gpa, len, &off)) {
		*slot = NULL;
		return NULL;
	}
	gmem_prepare(&vm->mem, off, len); /* zeroed now if a reset left it stale */
	spin_lock(&vm->ept.lock);
	hpa = gmem_hpa(&vm->mem, gpa);
	*slot = hpa ? phys_to_virt(hpa) : NULL;
	spin_unlock(&vm->ept.lock);
	return *slot;
}

void vm_note_unbacked(struct vcpu *v, u64 gpa, bool write, u64 rip, bool read_only)
{
	struct vm *vm = v->vm;
	u64 now = rdtsc(), quiet;
	bool note;

	spin_lock(&vm->lock);
	if (write)
		vm->unbacked_writes++;
	else
		vm->unbacked_reads++;
	note = (s64)(now - vm->unbacked_next_note) >= 0;
	quiet = vm->unbacked_quiet;
	if (note) {
		vm->unbacked_next_note = now + timer_us_to_tsc(VM_UNBACKED_NOTE_US);
		vm->unbacked_quiet = 0;
	} else {
		vm->unbacked_quiet++;
	}
	spin_unlock(&vm->lock);
	if (note)
		pr_info("vm %s: vcpu %u: %s of %s guest-physical %#lx at rip %#lx: %s (%lu more not "
			"shown; strict_mmio=on stops the VM instead)", vm->name, v->id,
			write ? "write" : "read", read_only ? "read-only" : "unbacked", gpa, rip,
			write ? "dropped" : "all ones", quiet);
}
