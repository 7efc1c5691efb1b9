// SPDX-License-Identifier: GPL-2.0
/*
 * EPT violation and misconfiguration exits: an access to the xAPIC page goes to its emulation
 * (xapic.c), one to the I/O APIC to mmio.c; RAM whose mapping an invalidation removed is mapped again; any other access
 * outside the VM's RAM stops that VM with a message.
 */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_bits.h"
#include "hv/platform.h"
#include "hv/vm.h"
#include "lib/console.h"

static const char *access_name(u64 q)
{
	return q & EPT_Q_FETCH ? "instruction fetch" : q & EPT_Q_WRITE ? "write" : "read";
}

enum exit_action exit_ept_violation(struct vcpu *v)
{
	u64 gpa = vmcs_read64(GUEST_PHYS_ADDR), q = vmcs_readl(EXIT_QUALIFICATION);

	if ((gpa & ~0xfffULL) == XAPIC_PAGE && !(q & EPT_Q_FETCH))
		return exit_xapic_access(v, gpa);
	if (platform_mmio_owns(gpa) && !(q & EPT_Q_FETCH))
		return exit_device_mmio(v, gpa);
	/* RAM whose mapping an invalidation removed: map it again and retry the access. */
	if (ept_gen_fault(&v->vm->ept, &v->vm->mem, gpa))
		return EXIT_RESUME;
	vm_stop(v->vm, -1, "vcpu %u: %s of guest-physical %#lx at rip %#lx: outside its %lu MiB "
		"of memory", v->id, access_name(q), gpa, vmcs_readl(GUEST_RIP),
		v->vm->mem.size / MiB);
	return EXIT_STOP_VM;
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
	console_printf("kestrel: vm %s vcpu %u: EPT misconfiguration at guest-physical %#lx\n",
		       v->vm->name, v->id, vmcs_read64(GUEST_PHYS_ADDR));
	vmcs_dump();
	vm_stop(v->vm, -1, "vcpu %u: EPT misconfiguration (a Kestrel bug)", v->id);
	return EXIT_STOP_VM;
}
