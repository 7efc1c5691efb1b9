// SPDX-License-Identifier: GPL-2.0
/*
 * KESTREL_HC_MEM_PROTECT: the guest gives a range of its RAM back, makes it read-only, or takes
 * it back read-write. The regions change and the mappings go (mm/ept_gen.c) in one critical
 * section; the call returns once no vCPU can use a mapping of before (hv/vm_mem.c).
 */
#include "guest-sdk/include/kestrel/abi.h"
#include "hv/vm.h"
#include "pv/pv.h"

s64 hc_mem_protect(struct vcpu *v)
{
	u64 gpa = v->regs.gpr[GPR_RDI], size = v->regs.gpr[GPR_RSI], mode = v->regs.gpr[GPR_RDX];
	struct vm *vm = v->vm;
	struct ept_gen_chunks ch;
	int ret;

	if (mode > KESTREL_MEM_READ_WRITE || !size || !IS_ALIGNED(gpa | size, PAGE_SIZE) ||
	    gpa + size < gpa)
		return -EINVAL;
	/* Only the VM's own RAM as it was created: below the PCI hole, or above it. */
	if (!gmem_range_ok(&vm->mem, gpa, size))
		return -EFAULT;
	if (mode == KESTREL_MEM_READ_ONLY) {
		ret = ept_gen_protect(&vm->ept, gpa, size, REGION_RX);
		if (ret >= 0)
			vm_mem_changed(v, ret);
		return ret < 0 ? ret : 0;
	}
	/* Host chunks move with the change: a list for them (none: -ENOMEM, nothing changed). */
	if (!vm_mem_chunks_init(vm, &ch, size))
		return -ENOMEM;
	if (mode == KESTREL_MEM_READ_WRITE)
		ret = ept_gen_restore(&vm->ept, &vm->mem, gpa, size, REGION_RWX, &ch);
	else
		ret = ept_gen_give_back(&vm->ept, &vm->mem, gpa, size, &ch);
	if (ret >= 0)
		vm_mem_changed(v, ret);
	/* Taken back: the VM's now. A failed take-back's fresh chunks go as given back. */
	if (mode == KESTREL_MEM_READ_WRITE && ret >= 0)
		ch.nr = 0;
	vm_mem_release(v, &ch);
	return ret < 0 ? ret : 0;
}
