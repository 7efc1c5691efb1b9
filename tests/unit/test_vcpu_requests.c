// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for hv/vcpu.c: the request state machine (VCPU_REQ_*) a vCPU's own pCPU runs
 * before each entry. What it calls in the scheduler, the PV layer, the architecture and the
 * VM is stubbed here and recorded, so each test checks what happened and in which order.
 */
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "unit.h"
#include "hv/arch.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"

/* The calls the state machine made, in order, as letters. */
static char calls[64];
static u32 nr_calls;

/* This pCPU as the code under test sees it: GS points at a per-CPU area of the test's own. */
static struct percpu fake_cpu;
static struct sched_cpu fake_sched;
#define this_cpu_index fake_cpu.index
#define running fake_sched.current

static void called(char c)
{
	if (nr_calls < sizeof(calls) - 1)
		calls[nr_calls++] = c;
	calls[nr_calls] = '\0';
}

/* Stubs: F flush, P parked, S stopped, R pv reset, T timers changed, I interrupt pending,
 * M made runnable, K kick, N kick for posted vectors, E EPT flush, V VPID flush, O FPU to its
 * power-on state. */
void pv_do_flush(struct vcpu *v) { (void)v; called('F'); }
void pv_reset(struct vcpu *v) { (void)v; called('R'); }
void vm_vcpu_parked(struct vcpu *v) { (void)v; called('P'); }
void vm_vcpu_stopped(struct vcpu *v) { (void)v; called('S'); }
void sched_timers_changed_other(struct vcpu *v) { (void)v; called('T'); }
void sched_policy_timer_deferred(struct sched_cpu *s, struct vcpu *v) { (void)s, (void)v; called('T'); }
void sched_set_state(struct vcpu *v, u32 state) { v->state = state; }
void apic_bus_mode_changed(struct vcpu *v) { (void)v; }
void sched_interrupt_pending(struct vcpu *v) { (void)v; called('I'); }
void sched_kick(struct vcpu *v) { (void)v; called('K'); }
void sched_kick_posted(struct vcpu *v) { (void)v; called('N'); }
void arch_flush_ept(u64 eptp) { (void)eptp; called('E'); }
void arch_vcpu_flush_tlb(struct vcpu *v, u32 kind, const struct flush_ranges *fr)
{
	(void)v, (void)kind, (void)fr;
	called('V');
}
bool arch_vcpu_interrupts_enabled(struct vcpu *v) { (void)v; return true; }
void arch_vcpu_power_on(struct vcpu *v) { (void)v; called('O'); }

void sched_make_runnable(struct vcpu *v)
{
	v->state = VCPU_RUNNABLE;
	called('M');
}

void ept_gen_current(struct vm_ept *e, u64 *generation, u64 *eptp)
{
	(void)e;
	*generation = 7;
	*eptp = 0x5000;
}

static struct vm vm;
static struct vcpu vcpu;

static struct vcpu *setup(u32 id, enum vcpu_state st)
{
	fake_cpu.self = &fake_cpu;
	fake_cpu.sched = &fake_sched;
	assert_int_equal(syscall(SYS_arch_prctl, ARCH_SET_GS, &fake_cpu), 0);
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vm = &vm;
	vcpu.id = id;
	vcpu.state = st;
	assert_int_equal(vlapic_init(&vcpu.lapic, id, 1), 0);
	assert_int_equal(vlapic_mmio_write(&vcpu.lapic, VLAPIC_REG_SVR, 0x1ff, 0, NULL), 0);
	nr_calls = 0;
	calls[0] = '\0';
	this_cpu_index = 0;
	running = NULL;
	return &vcpu;
}

/* Posts req as a sender on another pCPU would; a SIPI's vector (0x10) travels beside it. */
static void post(struct vcpu *v, u32 req)
{
	if ((req & VCPU_REQ_SIPI) && !v->sipi_posted)
		v->sipi_posted = VCPU_SIPI_POSTED | 0x10;
	v->requests |= req;
}

/* Nothing posted: nothing happens. */
static void test_nothing(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	vcpu_handle_requests(v);
	assert_string_equal(calls, "");
	assert_int_equal(v->state, VCPU_RUNNABLE);
}

/* A flush is done first, whatever else came with it: a caller may be waiting for it. */
static void test_flush_first(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	post(v, VCPU_REQ_FLUSH | VCPU_REQ_STOP);
	vcpu_handle_requests(v);
	assert_string_equal(calls, "TFS");
	assert_int_equal(v->state, VCPU_STOPPED);
	assert_int_equal(v->requests, 0);
}

/* STOP is final: a second one reports nothing, and nothing else is acted on after it. */
static void test_stop_is_final(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	post(v, VCPU_REQ_STOP);
	vcpu_handle_requests(v);
	post(v, VCPU_REQ_STOP | VCPU_REQ_SIPI | VCPU_REQ_NMI | VCPU_REQ_POWER_ON);
	vcpu_handle_requests(v);
	assert_string_equal(calls, "TST");
	assert_int_equal(v->state, VCPU_STOPPED);
	assert_false(v->nmi_pending);
}

/* INIT then SIPI in one batch: the vCPU waits for SIPI, then starts in real mode at the vector. */
static void test_init_sipi(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	v->nmi_pending = v->exception_pending = true;
	v->pv.deadline_armed = 123;
	post(v, VCPU_REQ_INIT | VCPU_REQ_SIPI);
	vcpu_handle_requests(v);
	assert_string_equal(calls, "TM");
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_true(v->needs_sipi_reset);
	assert_false(v->nmi_pending);
	assert_false(v->exception_pending);
	assert_int_equal(v->pv.deadline_armed, 0);
}

/*
 * An NMI posted in the same batch as an INIT is gone with the INIT: outside VMX operation an
 * INIT clears pending events (SDM Vol. 3C, 27.2, "INIT signals"), so the real-mode code the
 * SIPI starts must never take it.
 */
static void test_init_drops_nmi(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	post(v, VCPU_REQ_NMI | VCPU_REQ_INIT);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_WAIT_SIPI);
	assert_false(v->nmi_pending);
	post(v, VCPU_REQ_SIPI);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_false(v->nmi_pending);
	/* One batch of all three: the same. */
	v->state = VCPU_RUNNABLE;
	post(v, VCPU_REQ_NMI | VCPU_REQ_INIT | VCPU_REQ_SIPI);
	vcpu_handle_requests(v);
	assert_true(v->needs_sipi_reset);
	assert_false(v->nmi_pending);
}

/* A SIPI to a vCPU that is not waiting for one is dropped (SDM Vol. 3A, 11.4.4 on SIPI). */
static void test_sipi_ignored_when_running(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	post(v, VCPU_REQ_SIPI);
	vcpu_handle_requests(v);
	assert_false(v->needs_sipi_reset);
	assert_string_equal(calls, "T");
}

/*
 * A SIPI sent while the target runs is dropped even when its request is still posted when an
 * INIT comes: the SIPI came first, when the vCPU was not waiting for one (SDM Vol. 3A, 10.4.2,
 * "INIT-SIPI-SIPI": an AP not in wait-for-SIPI ignores a SIPI), so the INIT must not let it
 * start the vCPU. Taken in one batch, INIT then SIPI, it used to start the vCPU at the stale
 * SIPI's vector (the hostile fuzzer's AP at 0x38000, where it triple-faulted).
 */
static void test_sipi_before_init_dropped(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	v->pcpu = 1; /* another pCPU's: sends post and kick, its owner takes them in one batch */
	vcpu_send_sipi(v, 0x38);
	vcpu_send_init(v);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_WAIT_SIPI);
	assert_false(v->needs_sipi_reset);
	/* The SIPI after the INIT starts it, at its vector, and a second one changes nothing. */
	vcpu_send_sipi(v, 0x08);
	vcpu_send_sipi(v, 0x38);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_true(v->needs_sipi_reset);
	assert_int_equal(v->sipi_vector, 0x08);
	/* Started (its reset not yet applied), a SIPI does not change where it starts. */
	vcpu_send_sipi(v, 0x38);
	vcpu_handle_requests(v);
	assert_int_equal(v->sipi_vector, 0x08);
	/* INIT, SIPI in one batch: started at that SIPI's vector. */
	vcpu_send_init(v);
	vcpu_send_sipi(v, 0x09);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_int_equal(v->sipi_vector, 0x09);
}

/*
 * RESET parks the vCPU; a parked vCPU ignores INIT, SIPI and NMI until POWER_ON. It parks
 * without its shared area (R) and without a timer: while it waits the VM's RAM is zeroed and
 * loaded again, and an old deadline firing then would write into the new image.
 */
static void test_reset_parks(void **state)
{
	struct vcpu *v = setup(2, VCPU_RUNNABLE);

	(void)state;
	vlapic_mmio_write(&v->lapic, VLAPIC_REG_LVT_TIMER, 0x40, 0, NULL);
	vlapic_mmio_write(&v->lapic, VLAPIC_REG_TIMER_INITIAL, 1000000, 0, NULL);
	assert_true(vlapic_timer_next(&v->lapic) != 0);
	post(v, VCPU_REQ_RESET | VCPU_REQ_NMI);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_PARKED);
	assert_string_equal(calls, "TRP");
	assert_int_equal(vlapic_timer_next(&v->lapic), 0);
	post(v, VCPU_REQ_INIT | VCPU_REQ_SIPI | VCPU_REQ_NMI);
	vcpu_handle_requests(v);
	assert_int_equal(v->state, VCPU_PARKED);
	assert_false(v->nmi_pending);
}

/* POWER_ON: vCPU 0 runs the kernel's entry again, the others wait for SIPI; nothing survives. */
static void test_power_on(void **state)
{
	for (u32 id = 0; id < 2; id++) {
		struct vcpu *v = setup(id, VCPU_PARKED);

		(void)state;
		v->posted_irr[1] = ~0ull;
		v->posted_notified = VCPU_POSTED_NOTIFIED;
		v->nmi_pending = v->exception_pending = v->needs_sipi_reset = true;
		vlapic_set_irr(&v->lapic, 0x40);
		post(v, VCPU_REQ_POWER_ON);
		vcpu_handle_requests(v);
		assert_string_equal(calls, "TRVO");
		assert_int_equal(v->state, id == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI);
		assert_int_equal(v->needs_boot_reset, id == 0);
		assert_false(v->needs_sipi_reset || v->nmi_pending || v->exception_pending);
		assert_int_equal(v->posted_irr[1], 0);
		/* Else every vector sent after the reset would wait for a notification never sent. */
		assert_int_equal(v->posted_notified, 0);
		assert_int_equal(vlapic_pending(&v->lapic), -1);
	}
}

/* Vectors posted from other pCPUs reach the vLAPIC, and the vCPU is told it has an interrupt. */
static void test_posted_vectors(void **state)
{
	struct vcpu *v = setup(1, VCPU_HALTED);

	(void)state;
	this_cpu_index = 1;
	v->pcpu = 0;
	vcpu_deliver_irq(v, 0x41); /* from another pCPU: posted, and its pCPU kicked */
	assert_string_equal(calls, "N");
	assert_true(v->requests & VCPU_REQ_IRR);
	this_cpu_index = 0;
	vcpu_handle_requests(v);
	assert_string_equal(calls, "NI");
	assert_int_equal(vlapic_pending(&v->lapic), 0x41);
	assert_int_equal(v->posted_irr[1], 0);
}

/*
 * Vectors from other pCPUs: an edge-triggered one goes by sched_kick_posted (the kick, or the
 * processor's notification for a vCPU in guest mode), a level-triggered one is a plain request
 * with its trigger mode beside it. The architecture's notification is sent once until the taker
 * clears VCPU_POSTED_NOTIFIED, before it reads the vectors, so the next sender notifies again.
 */
static void test_posted_notified_once(void **state)
{
	struct vcpu *v = setup(1, VCPU_HALTED);

	(void)state;
	this_cpu_index = 1;
	v->pcpu = 0;
	v->posted_direct = true; /* the architecture takes posted vectors in guest mode */
	vcpu_deliver_irq(v, 0x41);
	assert_true(vcpu_posted_notify_first(v));
	vcpu_deliver_irq(v, 0x42);
	assert_false(vcpu_posted_notify_first(v));
	vcpu_deliver_irq(v, 0xb0);
	assert_false(vcpu_posted_notify_first(v));
	assert_string_equal(calls, "NNN");
	assert_int_equal(v->posted_notified, VCPU_POSTED_NOTIFIED);
	assert_int_equal(v->posted_irr[1], BIT(1) | BIT(2));
	assert_int_equal(v->posted_irr[2], BIT(0x30));
	vcpu_deliver_irq_trig(v, 0x50, true);
	assert_string_equal(calls, "NNNK");
	this_cpu_index = 0;
	vcpu_handle_requests(v);
	assert_string_equal(calls, "NNNKI");
	assert_int_equal(v->posted_notified, 0);
	assert_int_equal(v->requests, 0);
	assert_int_equal(v->posted_irr[1] | v->posted_irr[2], 0);
	assert_int_equal(vlapic_pending(&v->lapic), 0xb0);
	assert_true(v->lapic.irr[0x41 / 32] & BIT(0x41 % 32));
	assert_true(v->lapic.irr[0x42 / 32] & BIT(0x42 % 32));
	assert_true(v->lapic.tmr[0x50 / 32] & BIT(0x50 % 32));
	assert_false(v->lapic.tmr[0x41 / 32] & BIT(0x41 % 32));
	this_cpu_index = 1;
	vcpu_deliver_irq(v, 0x43);
	assert_true(vcpu_posted_notify_first(v));
	assert_string_equal(calls, "NNNKIN");
	assert_true(v->requests & VCPU_REQ_IRR);
}

/*
 * A vector 0-15 from another pCPU is only logged in ESR (11.5.3): it never enters posted_irr,
 * where the processor could take it with posted interrupts, and never reaches IRR.
 */
static void test_posted_illegal_vector(void **state)
{
	struct vcpu *v = setup(1, VCPU_HALTED);

	(void)state;
	this_cpu_index = 1;
	v->pcpu = 0;
	vcpu_deliver_irq(v, 5);
	vcpu_deliver_irq_trig(v, 15, true);
	assert_string_equal(calls, "KK");
	assert_int_equal(v->posted_irr[0] | v->posted_tmr[0], 0);
	assert_int_equal(v->posted_notified, 0);
	this_cpu_index = 0;
	vcpu_handle_requests(v);
	assert_int_equal(v->lapic.esr_pending & VLAPIC_ESR_RECV_ILLEGAL, VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(vlapic_pending(&v->lapic), -1);
	assert_int_equal(v->requests, 0);
}

/* Taken while notified with nothing in posted_irr (the processor took the vectors): no-op. */
static void test_posted_taken_by_processor(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	v->posted_direct = true;
	v->posted_notified = VCPU_POSTED_NOTIFIED; /* the processor clears it too; it may not have */
	post(v, VCPU_REQ_IRR);
	vcpu_handle_requests(v);
	assert_string_equal(calls, "");
	assert_int_equal(v->posted_notified, 0);
	assert_int_equal(vlapic_pending(&v->lapic), -1);
}

/* An EPT reload drops the old root's cached translations and takes the current root. */
static void test_ept_reload(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	v->eptp = 0x1000;
	post(v, VCPU_REQ_EPT_RELOAD);
	vcpu_handle_requests(v);
	assert_string_equal(calls, "E");
	assert_int_equal(v->eptp, 0x5000);
	assert_true(v->eptp_changed);
	assert_int_equal(v->ept_gen, 7);
}

/* A request for a vCPU of this pCPU that is not running is acted on at once; else kicked. */
static void test_request_routing(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	vcpu_send_nmi(v);
	assert_int_equal(v->nmi_pending, 1);
	assert_int_equal(v->requests, 0);
	running = v;
	v->nmi_pending = 0;
	vcpu_send_nmi(v); /* running here: its run loop looks before entering */
	assert_int_equal(v->nmi_pending, 0);
	assert_int_equal(v->requests, VCPU_REQ_NMI);
}

/*
 * NMIs are counted, not merged into one request bit: two sent back to back before the vCPU looks
 * are two deliveries; more than two are two (one in service, one pending: SDM Vol. 3A, 7.7.1).
 */
static void test_nmis_counted(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	running = v; /* both posted before its run loop takes them */
	vcpu_send_nmi(v);
	vcpu_send_nmi(v);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmi_pending, 2);
	assert_int_equal(v->nmis_posted, 0);
	vcpu_send_nmi(v);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmi_pending, 2);
	/* One taken: a third sent now is pending again. */
	v->nmi_pending = 1;
	for (u32 i = 0; i < 5; i++)
		vcpu_send_nmi(v);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmi_pending, 2);
	/* INIT drops what is pending, counted or not. */
	vcpu_send_nmi(v);
	post(v, VCPU_REQ_INIT);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmi_pending, 0);
	assert_int_equal(v->nmis_posted, 0);
}

/* A reset drops NMIs posted before it, even ones whose request the reset's batch swallowed. */
static void test_reset_drops_posted_nmis(void **state)
{
	struct vcpu *v = setup(1, VCPU_RUNNABLE);

	(void)state;
	running = v;
	vcpu_send_nmi(v);
	post(v, VCPU_REQ_RESET);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmis_posted, 0);
	post(v, VCPU_REQ_POWER_ON);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmi_pending, 0);
	vcpu_send_nmi(v);
	vcpu_handle_requests(v);
	assert_int_equal(v->nmi_pending, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_flush_first),
		cmocka_unit_test(test_stop_is_final),
		cmocka_unit_test(test_init_sipi),
		cmocka_unit_test(test_init_drops_nmi),
		cmocka_unit_test(test_sipi_ignored_when_running),
		cmocka_unit_test(test_sipi_before_init_dropped),
		cmocka_unit_test(test_reset_parks),
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_posted_vectors),
		cmocka_unit_test(test_posted_notified_once),
		cmocka_unit_test(test_posted_taken_by_processor),
		cmocka_unit_test(test_posted_illegal_vector),
		cmocka_unit_test(test_ept_reload),
		cmocka_unit_test(test_request_routing),
		cmocka_unit_test(test_nmis_counted),
		cmocka_unit_test(test_reset_drops_posted_nmis),
	};

	return unit_run(tests);
}
