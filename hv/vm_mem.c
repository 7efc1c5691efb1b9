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
