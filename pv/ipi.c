// SPDX-License-Identifier: GPL-2.0
/* KESTREL_HC_SEND_IPI: a fixed vector or an NMI to a whole VP set, in one exit. */
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "pv/pv.h"
#include "pv/vpset.h"

struct ipi_call {
	struct vcpu *caller;
	u8 vector;
	bool nmi;
};

static int ipi_one(void *ctx, u32 idx)
{
	struct ipi_call *c = ctx;
	struct vcpu *t = c->caller->vm->vcpus[idx];

	c->caller->pv_stats.ipi_targets++;
	/* What an ICR NMI would do (apic_bus.c): a globally disabled APIC takes none. */
	if (c->nmi) {
		if (vlapic_accepts_nmi(&t->lapic))
			vcpu_send_nmi(t);
	}
	else
		vcpu_deliver_irq(t, c->vector);
	return 0;
}

s64 hc_send_ipi(struct vcpu *v)
{
	u64 rdi = v->regs.gpr[GPR_RDI];
	struct ipi_call c = { .caller = v, .vector = (u8)rdi, .nmi = rdi & KESTREL_IPI_NMI };

	if (rdi & ~(u64)(0xff | KESTREL_IPI_NMI | KESTREL_VPSET_INLINE))
		return -EINVAL;
	if (!c.nmi && c.vector < 16)
		return -EINVAL; /* vectors 0-15 are illegal for fixed delivery, SDM Vol. 3A, 12.5.2 */
	v->pv_stats.ipi_calls++;
	return vpset_for_each(&v->vm->mem, v->vm->nr_vcpus, (u32)rdi, v->regs.gpr[GPR_RSI],
			      v->regs.gpr[GPR_RDX], v->regs.gpr[GPR_R10], ipi_one, &c);
}
