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
	int ret;

	if (mode > KESTREL_MEM_READ_WRITE || !size || !IS_ALIGNED(gpa | size, PAGE_SIZE) ||
	    gpa + size < gpa)
		return -EINVAL;
	/* Only the VM's own RAM, as it was created: [0, mem=). */
	if (gpa >= vm->mem.size || size > vm->mem.size - gpa)
		return -EFAULT;
	if (mode == KESTREL_MEM_READ_WRITE)
		ret = ept_gen_restore(&vm->ept, &vm->mem, gpa, size, REGION_RWX);
	else
		ret = ept_gen_protect(&vm->ept, gpa, size,
				      mode == KESTREL_MEM_READ_ONLY ? REGION_RX : 0);
	if (ret < 0)
		return ret;
	vm_mem_changed(v, ret);
	return 0;
}
