// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's guest ABI, the part an unmodified Linux uses for overcommitted SMP guests (hv/kvm_abi.h):
 * steal time with the PREEMPTED and FLUSH_TLB bits, PV IPIs, kicks for PV spin locks and
 * directed yield. The steal-time area is Kestrel's shared area in KVM's layout: the same
 * exchange before each entry, so a flush asked through it is never lost.
 */
#include "arch/x86/timer.h"
#include "hv/kvm_abi.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "lib/atomic.h"
#include "mm/guest_mem.h"
#include "pv/pv.h"

#define ICR_VECTOR(icr) ((u8)(icr))
#define ICR_DELIVERY(icr) (((icr) >> 8) & 7)
#define ICR_FIXED 0
#define ICR_NMI 4

bool pv_kvm_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (!v->vm->kvm || msr != MSR_KVM_STEAL_TIME)
		return false;
	*val = v->pv.kvm_steal_msr;
	return true;
}

bool pv_kvm_msr_write(struct vcpu *v, u32 msr, u64 val, bool *fault)
{
	u64 gpa = val & ~(u64)(sizeof(struct kvm_steal_time) - 1);

	if (!v->vm->kvm || msr != MSR_KVM_STEAL_TIME)
		return false;
	*fault = false;
	if (val & KVM_STEAL_RESERVED) {
		*fault = true; /* msr.rst: reserved bits must be 0 */
		return true;
	}
	v->pv.kvm_steal_msr = val;
	v->pv.kvm_steal = NULL;
	/* An address that is not RAM is kept (the MSR reads back) and simply not written. */
	if ((val & KVM_MSR_ENABLED) && gmem_range_ok(&v->vm->mem, gpa, sizeof(struct kvm_steal_time))) {
		/* Zeroed (vm_mem_pin) if a reset left it stale: never after Kestrel wrote it. */
		/* 64-byte aligned, so within one 2 MiB chunk: one host pointer serves (NULL if
		 * given back to the host), kept the VM's while stored (vm_mem_pin). */
		vm_mem_pin(v->vm, gpa, sizeof(struct kvm_steal_time), (void **)&v->pv.kvm_steal);
	}
	return true;
}

void pv_kvm_schedule_in(struct vcpu *v, u64 steal_tsc)
{
	struct kvm_steal_time *st = v->pv.kvm_steal;
	u64 hz = timer_info.tsc_hz, ns;
	u8 preempted;

	if (!st)
		return;
	/* In two parts: steal_tsc * 10^9 overflows 64 bits after 6 s of steal at 3 GHz. */
	ns = hz ? steal_tsc / hz * 1000000000ull + steal_tsc % hz * 1000000000ull / hz : 0;
	/* Only this pCPU writes it while the vCPU is out: the odd version guards readers. */
	atomic_set(&st->version, (st->version + 1) | 1);
	asm volatile("" ::: "memory");
	st->steal += ns;
	asm volatile("" ::: "memory");
	atomic_set(&st->version, st->version + 1);
	preempted = __atomic_exchange_n(&st->preempted, 0, __ATOMIC_SEQ_CST);
	if (preempted & KVM_VCPU_FLUSH_TLB) {
		v->pv_stats.flush_area_bit++;
		spin_lock(&v->pv.flush.lock);
		v->pv.flush.kind |= KESTREL_FLUSH_ALL;
		spin_unlock(&v->pv.flush.lock);
		pv_do_flush(v);
	}
}

void pv_kvm_preempted(struct vcpu *v)
{
	if (v->pv.kvm_steal)
		__atomic_or_fetch(&v->pv.kvm_steal->preempted, KVM_VCPU_PREEMPTED, __ATOMIC_SEQ_CST);
}

void pv_kvm_reset(struct vcpu *v)
{
	v->pv.kvm_steal = NULL;
	v->pv.kvm_steal_msr = 0;
	v->pv_unhalted = false;
}

/* The vCPU whose APIC ID is id (vCPU i has APIC ID i), or NULL. */
static struct vcpu *by_apic_id(struct vcpu *v, u64 id)
{
	return id < v->vm->nr_vcpus ? v->vm->vcpus[id] : NULL;
}

/* RBX, RCX: 128 bits of APIC IDs from RDX; RSI: the ICR (fixed or NMI). Returns how many. */
static s64 kvm_send_ipi(struct vcpu *v)
{
	u64 bits[2] = { v->regs.gpr[GPR_RBX], v->regs.gpr[GPR_RCX] };
	u64 min = v->regs.gpr[GPR_RDX], icr = v->regs.gpr[GPR_RSI];
	u32 mode = ICR_DELIVERY(icr);
	s64 count = 0;

	if ((mode != ICR_FIXED && mode != ICR_NMI) || (mode == ICR_FIXED && ICR_VECTOR(icr) < 16))
		return -KVM_EINVAL;
	v->pv_stats.ipi_calls++;
	for (u32 w = 0; w < 2; w++) {
		for (u64 b = bits[w]; b; b &= b - 1) {
			u64 id = min + w * 64 + (u64)__builtin_ctzll(b);
			struct vcpu *t;

			if (id < min || !(t = by_apic_id(v, id)))
				continue; /* past the VM (or wrapped): nobody there, as on KVM */
			/* As an ICR NMI (hv/apic_bus.c): none to a globally disabled APIC. */
			if (mode == ICR_NMI && !vlapic_accepts_nmi(&t->lapic))
				continue;
			v->pv_stats.ipi_targets++;
			if (mode == ICR_NMI)
				vcpu_send_nmi(t);
			else
				vcpu_deliver_irq(t, ICR_VECTOR(icr));
			count++;
		}
	}
	return count;
}

/* RBX flags (0), RCX the APIC ID: wake a vCPU that halted waiting for a lock. */
static s64 kvm_kick_cpu(struct vcpu *v)
{
	struct vcpu *t = by_apic_id(v, v->regs.gpr[GPR_RCX]);

	v->pv_stats.kicks++;
	if (t)
		vcpu_request(t, VCPU_REQ_UNHALT);
	return 0;
}

/* RBX the APIC ID of a vCPU holding a lock: give it our slice if it is waiting to run. */
static s64 kvm_sched_yield(struct vcpu *v)
{
	struct vcpu *t = by_apic_id(v, v->regs.gpr[GPR_RBX]);

	if (t && t != v && READ_ONCE(t->state) == VCPU_RUNNABLE && t->pcpu == v->pcpu) {
		v->pv_stats.yields++;
		sched_yield_to(v, t);
	}
	return 0;
}

s64 pv_kvm_hypercall(struct vcpu *v, u64 nr)
{
	switch (nr) {
	case KVM_HC_SEND_IPI:
		return kvm_send_ipi(v);
	case KVM_HC_KICK_CPU:
		return kvm_kick_cpu(v);
	case KVM_HC_SCHED_YIELD:
		return kvm_sched_yield(v);
	default:
		return -KVM_ENOSYS;
	}
}
