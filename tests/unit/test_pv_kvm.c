// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for pv/kvm.c, KVM's guest ABI as Kestrel offers it: the steal-time MSR's checks,
 * the area's exchange before an entry (version, nanoseconds, PREEMPTED and FLUSH_TLB), and
 * KVM_HC_SEND_IPI / KICK_CPU / SCHED_YIELD with hostile arguments. What it calls in the core is
 * stubbed and recorded.
 */
#include "unit.h"
#include "arch/x86/timer.h"
#include "hv/kvm_abi.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "pv/pv.h"

#define NR_VCPUS 200 /* more than the 128 bits one call names */
#define NR_CHUNKS 1
#define AREA_GPA 0x1000ull

struct timer_info timer_info;

static u8 ram[NR_CHUNKS][GMEM_CHUNK_SIZE] __aligned(GMEM_CHUNK_SIZE);
static u64 chunks[NR_CHUNKS];
static struct vm vm;
static struct vcpu vcpus[NR_VCPUS], *vcpu_ptrs[NR_VCPUS];

/* What the code under test asked for: per target, interrupts by vector, NMIs, unhalts. */
static u32 irqs[NR_VCPUS], last_vector[NR_VCPUS], nmis[NR_VCPUS], unhalts[NR_VCPUS];
static u32 flushes, yields;
static struct vcpu *yielded_to;

void vcpu_request(struct vcpu *v, u32 req)
{
	if (req & VCPU_REQ_NMI)
		nmis[v->id]++;
	if (req & VCPU_REQ_UNHALT)
		unhalts[v->id]++;
}

void vcpu_send_nmi(struct vcpu *v)
{
	nmis[v->id]++;
}

void vcpu_deliver_irq(struct vcpu *v, u8 vector)
{
	irqs[v->id]++;
	last_vector[v->id] = vector;
}

void sched_yield_to(struct vcpu *v, struct vcpu *t)
{
	(void)v;
	yields++;
	yielded_to = t;
}

/* The core's pin, without the lock: the host address of RAM the VM holds. */
void *vm_mem_pin(struct vm *vm, u64 gpa, u64 len, void **slot)
{
	u64 off;

	if (!gmem_offset(&vm->mem, gpa, len, &off)) {
		*slot = NULL;
		return NULL;
	}
	gmem_prepare(&vm->mem, off, len);
	*slot = (void *)(uintptr_t)gmem_hpa(&vm->mem, gpa);
	return *slot;
}

void pv_do_flush(struct vcpu *v)
{
	assert_true(v->pv.flush.kind & KESTREL_FLUSH_ALL);
	flushes++;
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	chunks[0] = (u64)(uintptr_t)ram[0];
	memset(&vm, 0, sizeof(vm));
	vm.mem = (struct guest_mem){ .size = GMEM_CHUNK_SIZE, .nr_chunks = NR_CHUNKS,
				     .chunks = chunks };
	vm.kvm = true;
	vm.nr_vcpus = NR_VCPUS;
	vm.vcpus = vcpu_ptrs;
	for (u32 i = 0; i < NR_VCPUS; i++) {
		memset(&vcpus[i], 0, sizeof(vcpus[i]));
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vlapic_init(&vcpus[i].lapic, i, 1);
		vcpu_ptrs[i] = &vcpus[i];
	}
	memset(irqs, 0, sizeof(irqs));
	memset(nmis, 0, sizeof(nmis));
	memset(unhalts, 0, sizeof(unhalts));
	flushes = yields = 0;
	yielded_to = NULL;
	timer_info.tsc_hz = 3000000000ull;
	return 0;
}

static bool steal_msr_write(struct vcpu *v, u64 val)
{
	bool fault = true;

	assert_true(pv_kvm_msr_write(v, MSR_KVM_STEAL_TIME, val, &fault));
	return !fault;
}

/* Reserved bits #GP; an area outside RAM reads back but is never written; only with pv=on. */
static void test_steal_msr(void **state)
{
	struct vcpu *v = &vcpus[0];
	bool fault;
	u64 val;

	(void)state;
	assert_false(steal_msr_write(v, AREA_GPA | 2));
	assert_false(steal_msr_write(v, AREA_GPA | KVM_MSR_ENABLED | 0x20));
	assert_null(v->pv.kvm_steal);
	assert_true(steal_msr_write(v, GMEM_CHUNK_SIZE | KVM_MSR_ENABLED));
	assert_true(pv_kvm_msr_read(v, MSR_KVM_STEAL_TIME, &val));
	assert_int_equal(val, GMEM_CHUNK_SIZE | KVM_MSR_ENABLED);
	assert_null(v->pv.kvm_steal);
	/* The last 64 bytes of RAM are RAM; 32 bytes before the end are not a whole area. */
	assert_true(steal_msr_write(v, (GMEM_CHUNK_SIZE - 64) | KVM_MSR_ENABLED));
	assert_non_null(v->pv.kvm_steal);
	assert_true(steal_msr_write(v, AREA_GPA));
	assert_null(v->pv.kvm_steal);
	assert_true(steal_msr_write(v, AREA_GPA | KVM_MSR_ENABLED));
	assert_ptr_equal(v->pv.kvm_steal, (void *)&ram[0][AREA_GPA]);
	vm.kvm = false;
	assert_false(pv_kvm_msr_write(v, MSR_KVM_STEAL_TIME, 0, &fault));
	assert_false(pv_kvm_msr_read(v, MSR_KVM_STEAL_TIME, &val));
	vm.kvm = true;
	assert_false(pv_kvm_msr_write(v, MSR_KVM_STEAL_TIME + 1, 0, &fault));
}

/*
 * Before an entry: steal in nanoseconds added with the version even again; PREEMPTED set when
 * it was descheduled, cleared with FLUSH_TLB, and FLUSH_TLB turns into a full flush.
 */
static void test_schedule_in(void **state)
{
	struct vcpu *v = &vcpus[1];
	struct kvm_steal_time *st = (struct kvm_steal_time *)&ram[0][AREA_GPA];

	(void)state;
	assert_true(steal_msr_write(v, AREA_GPA | KVM_MSR_ENABLED));
	st->version = 6;
	pv_kvm_schedule_in(v, 3000); /* 1 us at 3 GHz */
	assert_int_equal(st->steal, 1000);
	assert_int_equal(st->version, 8);
	/* 100 s of steal at 3 GHz: 3 * 10^11 * 10^9 would overflow 64 bits. */
	pv_kvm_schedule_in(v, 300000000000ull);
	assert_int_equal(st->steal, 100000001000ull);
	assert_int_equal(st->version % 2, 0);
	pv_kvm_preempted(v);
	assert_int_equal(st->preempted, KVM_VCPU_PREEMPTED);
	pv_kvm_schedule_in(v, 0);
	assert_int_equal(st->preempted, 0);
	assert_int_equal(flushes, 0);
	/* The guest set FLUSH_TLB on a preempted vCPU: one flush of everything, bits cleared. */
	pv_kvm_preempted(v);
	st->preempted |= KVM_VCPU_FLUSH_TLB;
	pv_kvm_schedule_in(v, 0);
	assert_int_equal(st->preempted, 0);
	assert_int_equal(flushes, 1);
	assert_int_equal(v->pv_stats.flush_area_bit, 1);
	/* A guest scribbling over the version changes nothing Kestrel relies on. */
	st->version = 0xffffffffu;
	pv_kvm_schedule_in(v, 0);
	assert_int_equal(st->version % 2, 0);
	pv_kvm_reset(v);
	assert_null(v->pv.kvm_steal);
	pv_kvm_schedule_in(v, 3000); /* no area: nothing written */
	assert_int_equal(st->steal, 100000001000ull);
}

static s64 send_ipi(struct vcpu *v, u64 lo, u64 hi, u64 min, u64 icr)
{
	v->regs.gpr[GPR_RBX] = lo;
	v->regs.gpr[GPR_RCX] = hi;
	v->regs.gpr[GPR_RDX] = min;
	v->regs.gpr[GPR_RSI] = icr;
	return pv_kvm_hypercall(v, KVM_HC_SEND_IPI);
}

/* The bitmap names APIC IDs min..min+127; IDs past the VM, or wrapping past 2^64, are nobody. */
static void test_send_ipi(void **state)
{
	struct vcpu *v = &vcpus[0];

	(void)state;
	assert_int_equal(send_ipi(v, 0x5, 1ull << 63, 0, 0x40), 3);
	assert_int_equal(irqs[0], 1);
	assert_int_equal(irqs[2], 1);
	assert_int_equal(irqs[127], 1);
	assert_int_equal(last_vector[127], 0x40);
	assert_int_equal(irqs[1], 0);
	/* From 150: IDs 150..277, the VM has 200. */
	assert_int_equal(send_ipi(v, ~0ull, ~0ull, 150, 0x41), NR_VCPUS - 150);
	for (u32 i = 150; i < NR_VCPUS; i++)
		assert_int_equal(irqs[i], 1);
	/* A minimum near 2^64 wraps: nobody, not vCPU 0. */
	assert_int_equal(send_ipi(v, ~0ull, ~0ull, ~0ull - 10, 0x42), 0);
	assert_int_equal(irqs[0], 1);
	/* Vectors 0-15 and delivery modes other than fixed and NMI are refused, nothing sent. */
	assert_int_equal(send_ipi(v, 1, 0, 0, 0x0f), -KVM_EINVAL);
	assert_int_equal(send_ipi(v, 1, 0, 0, 0x500 | 0x40), -KVM_EINVAL); /* INIT */
	assert_int_equal(send_ipi(v, 1, 0, 0, 0x600 | 0x40), -KVM_EINVAL); /* SIPI */
	assert_int_equal(irqs[0], 1);
	/* NMI: any vector; none to a vCPU whose APIC is globally disabled. */
	assert_int_equal(send_ipi(v, 0x3, 0, 10, 0x400), 2);
	assert_int_equal(nmis[10] + nmis[11], 2);
	/* IA32_APIC_BASE[11] = 0, the base kept (VLAPIC_BASE_ADDR). */
	assert_false(vlapic_apic_base_write(&vcpus[12].lapic, VLAPIC_BASE_ADDR) & VLAPIC_R_GP);
	assert_false(vlapic_accepts_nmi(&vcpus[12].lapic));
	assert_int_equal(send_ipi(v, 0x1, 0, 12, 0x400), 0);
	assert_int_equal(nmis[12], 0);
	assert_int_equal(v->pv_stats.ipi_calls, 5);
}

/* Kicks and yields name any APIC ID: past the VM they do nothing; a yield needs a waiter. */
static void test_kick_and_yield(void **state)
{
	struct vcpu *v = &vcpus[3];

	(void)state;
	v->regs.gpr[GPR_RCX] = 7;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_KICK_CPU), 0);
	assert_int_equal(unhalts[7], 1);
	v->regs.gpr[GPR_RCX] = NR_VCPUS;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_KICK_CPU), 0);
	v->regs.gpr[GPR_RCX] = ~0ull;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_KICK_CPU), 0);

	vcpus[5].state = VCPU_RUNNABLE;
	vcpus[5].pcpu = v->pcpu = 1;
	v->regs.gpr[GPR_RBX] = 5;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_SCHED_YIELD), 0);
	assert_int_equal(yields, 1);
	assert_ptr_equal(yielded_to, &vcpus[5]);
	/* Not to itself, not to one that is not waiting, not across pCPUs, not past the VM. */
	v->regs.gpr[GPR_RBX] = 3;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_SCHED_YIELD), 0);
	vcpus[5].state = VCPU_HALTED;
	v->regs.gpr[GPR_RBX] = 5;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_SCHED_YIELD), 0);
	vcpus[5].state = VCPU_RUNNABLE;
	vcpus[5].pcpu = 0;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_SCHED_YIELD), 0);
	v->regs.gpr[GPR_RBX] = 1ull << 40;
	assert_int_equal(pv_kvm_hypercall(v, KVM_HC_SCHED_YIELD), 0);
	assert_int_equal(yields, 1);
	assert_int_equal(pv_kvm_hypercall(v, 12345), -KVM_ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_steal_msr, setup),
		cmocka_unit_test_setup(test_schedule_in, setup),
		cmocka_unit_test_setup(test_send_ipi, setup),
		cmocka_unit_test_setup(test_kick_and_yield, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
