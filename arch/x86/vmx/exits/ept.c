// SPDX-License-Identifier: GPL-2.0
/*
 * EPT violation and misconfiguration exits. The EPT is built on demand: RAM is mapped at its
 * first touch (mm/ept_gen.c picks the page size), a claimed MMIO range goes to its handler
 * (exits/mmio.c), and memory that no region backs, or RAM whose rights refuse the access, is
 * what a PC has there: reads all ones, writes dropped, a note on the console (hv/vm.c), or
 * the VM stopped when its configuration says strict_mmio=on.
 */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/vm.h"
#include "lib/console.h"

static const char *access_name(u8 access)
{
	return access & REGION_X ? "instruction fetch" : access & REGION_W ? "write" : "read";
}

/* Unbacked guest-physical memory: all ones at every size, writes go nowhere. */
static int unbacked_mmio(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write,
			 u64 *value)
{
	(void)v, (void)opaque, (void)offset, (void)size;
	if (!write)
		*value = ~0ull;
	return REGION_MMIO_DONE;
}

/* Read-only RAM: reads see the RAM (an RMW instruction reads first), writes are dropped. */
static int read_only_mmio(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write,
			  u64 *value)
{
	const struct region *r = opaque;

	*value = write ? *value : 0;
	if (!write && gmem_read(&v->vm->mem, r->start + offset, value, size))
		*value = ~0ull;
	return REGION_MMIO_DONE;
}

/*
 * Nothing to map: a hole, or rights the region does not give. Emulated as on a PC unless the
 * VM is strict, the access is a fetch, or it is not the instruction's own access (walk: a guest
 * page-table walk; or an event's delivery through the IDT or onto the stack), which stop it.
 */
enum exit_action exit_unbacked(struct vcpu *v, u64 gpa, u8 access, bool walk, struct region *r)
{
	struct vm *vm = v->vm;
	u64 rip = vmcs_readl(GUEST_RIP);
	const char *why = r ? "read-only" : "outside its memory";
	bool delivery = vmcs_read32(IDT_VECTORING_INFO) & INTR_INFO_VALID;
	const char *what = access_name(access);

	if (walk || delivery) {
		vm_stop(vm, -1, "vcpu %u: %s of guest-physical %#lx at rip %#lx (%s): %s", v->id,
			what, gpa, rip, walk ? "a page-table walk" : "an event's delivery", why);
		return EXIT_STOP_VM;
	}
	if (vm->strict_mmio || (access & REGION_X)) {
		if (!r && gmem_range_ok(&vm->mem, gpa, 1))
			vm_stop(vm, -1, "vcpu %u: %s of guest-physical %#lx at rip %#lx: RAM the guest "
				"gave back", v->id, what, gpa, rip);
		else if (!r)
			vm_stop(vm, -1, "vcpu %u: %s of guest-physical %#lx at rip %#lx: outside its "
				"%lu MiB of memory", v->id, what, gpa, rip, vm->mem.size / MiB);
		else
			vm_stop(vm, -1, "vcpu %u: %s of guest-physical %#lx at rip %#lx: %s RAM",
				v->id, what, gpa, rip, r->perm & REGION_W ?
				"non-executable" : "read-only");
		return EXIT_STOP_VM;
	}
	vm_note_unbacked(v, gpa, access & REGION_W, rip, r != NULL);
	if (r) {
		r->mmio = read_only_mmio;
		r->opaque = r;
		return exit_mmio(v, r, gpa, "read-only guest-physical");
	}
	struct region hole = { .start = gpa, .size = 1, .mmio = unbacked_mmio };
	return exit_mmio(v, &hole, gpa, "unbacked guest-physical");
}

enum exit_action exit_ept_violation(struct vcpu *v)
{
	u64 gpa = vmcs_read64(GUEST_PHYS_ADDR), q = vmcs_readl(EXIT_QUALIFICATION);
	u8 access = (q & EPT_Q_READ ? REGION_R : 0) | (q & EPT_Q_WRITE ? REGION_W : 0) |
		    (q & EPT_Q_FETCH ? REGION_X : 0);
	bool walk = (q & EPT_Q_GLA_VALID) && !(q & EPT_Q_GLA_TRANSLATION);
	struct vm *vm = v->vm;
	struct region r;

	switch (ept_gen_fault(&vm->ept, &vm->mem, gpa, access ? access : REGION_R, &r)) {
	case EPT_FAULT_MAPPED:
	case EPT_FAULT_RETRY:
		return EXIT_RESUME;
	case EPT_FAULT_FULL:
		/* The tree reached its bound: a new empty one, everyone reloads; then it refaults. */
		vm_invalidate_ept(vm, false);
		return EXIT_RESUME;
	case EPT_FAULT_MMIO:
		if (q & EPT_Q_FETCH) {
			vm_stop(vm, -1, "vcpu %u: instruction fetch from %s at guest-physical %#lx",
				v->id, r.name, gpa);
			return EXIT_STOP_VM;
		}
		return exit_mmio(v, &r, gpa, r.name);
	case EPT_FAULT_DENIED:
		return exit_unbacked(v, gpa, access, walk, &r);
	case EPT_FAULT_UNBACKED:
	default:
		return exit_unbacked(v, gpa, access, walk, NULL);
	}
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
	console_printf("kestrel: vm %s vcpu %u: EPT misconfiguration at guest-physical %#lx\n",
		       v->vm->name, v->id, vmcs_read64(GUEST_PHYS_ADDR));
	vmcs_dump();
	vm_stop(v->vm, -1, "vcpu %u: EPT misconfiguration (a Kestrel bug)", v->id);
	return EXIT_STOP_VM;
}
