// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's requests from other pCPUs (the state machine of VCPU_REQ_*), interrupt delivery,
 * and queued exceptions. Host-tested (tests/unit/test_vcpu_requests.c).
 */
#include "hv/vcpu.h"
#include "lib/atomic.h"
#include "arch/x86/cpu.h"
#include "hv/apic_bus.h"
#include "hv/arch.h"
#include "hv/sched/sched.h"
#include "hv/vm.h"

/* posted: the kick may be the architecture's notification (vectors in posted_irr). */
static inline void request(struct vcpu *v, u32 req, bool posted)
{
	atomic_or(&v->requests, req);
	if (v->pcpu != sched_this_cpu()) {
		if (posted)
			sched_kick_posted(v);
		else
			sched_kick(v);
	} else if (v != sched_current()) {
		vcpu_handle_requests(v); /* ours and not running: act now, so it can be picked */
	}
}

void vcpu_request(struct vcpu *v, u32 req)
{
	request(v, req, false);
}

/* A vector for v, which another pCPU runs. */
static __attribute__((noinline)) void post_remote(struct vcpu *v, u8 vector, bool level)
{
	/*
	 * 0-15 only set the receiver's ESR (11.5.3): never in posted_irr, from which the
	 * processor itself may take vectors (posted interrupts) and deliver them.
	 */
	if (vector < 16) {
		vcpu_request(v, VCPU_REQ_ILLEGAL_VECTOR);
		return;
	}
	if (level) {
		/* The trigger mode first: the owner reads it when it takes the IRR bit. */
		atomic_or(&v->posted_tmr[vector / 64], BIT(vector % 64));
		atomic_or(&v->posted_irr[vector / 64], BIT(vector % 64));
		vcpu_request(v, VCPU_REQ_IRR);
		return;
	}
	atomic_or(&v->posted_irr[vector / 64], BIT(vector % 64));
	request(v, VCPU_REQ_IRR, true);
}

bool vcpu_posted_notify_first(struct vcpu *v)
{
	return !(atomic_or_fetch_old(&v->posted_notified, VCPU_POSTED_NOTIFIED) &
		 VCPU_POSTED_NOTIFIED);
}

/* A vector for v if this pCPU runs it (the vLAPIC is touched by its own pCPU only). */
static inline bool deliver_here(struct vcpu *v, u8 vector, bool level)
{
	if (v->pcpu != sched_this_cpu())
		return false;
	vlapic_set_irr_trig(&v->lapic, vector, level);
	sched_interrupt_pending(v);
	return true;
}

void vcpu_deliver_irq(struct vcpu *v, u8 vector)
{
	if (!deliver_here(v, vector, false))
		post_remote(v, vector, false);
}

void vcpu_deliver_irq_trig(struct vcpu *v, u8 vector, bool level)
{
	if (!deliver_here(v, vector, level))
		post_remote(v, vector, level);
}

void vcpu_send_nmi(struct vcpu *v)
{
	/* Counted before the request is posted: whoever takes the request sees the count. */
	atomic_add(&v->nmis_posted, 1);
	vcpu_request(v, VCPU_REQ_NMI);
}

/*
 * Request bits keep no order, so a SIPI's vector waits in sipi_posted (VCPU_SIPI_POSTED | vector)
 * and an INIT empties it when it is sent: a SIPI sent before an INIT has nothing to start after
 * it, whatever v's state was (it ran, so the SIPI was to be ignored; or it waited, and the INIT
 * stops what the SIPI started), even when both requests reach v's pCPU in one batch.
 */
void vcpu_send_init(struct vcpu *v)
{
	atomic_xchg(&v->sipi_posted, 0);
	vcpu_request(v, VCPU_REQ_INIT);
}

/* Only the first SIPI since the last one taken keeps its vector: a later one is ignored. */
void vcpu_send_sipi(struct vcpu *v, u8 vector)
{
	atomic_cmpxchg(&v->sipi_posted, 0u, VCPU_SIPI_POSTED | vector);
	vcpu_request(v, VCPU_REQ_SIPI);
}

/* One NMI in service (the architecture's to track) and one pending at most: 7.7.1. */
#define NMI_PENDING_MAX 2

static void take_nmis(struct vcpu *v)
{
	u32 n = v->nmi_pending + atomic_xchg(&v->nmis_posted, 0);

	v->nmi_pending = (u8)MIN(n, NMI_PENDING_MAX);
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	v->exception_pending = true;
	v->exception_vector = vector;
	v->exception_has_error = has_error;
	v->exception_error = error;
}

bool vcpu_has_pending_event(struct vcpu *v)
{
	return v->nmi_pending || (!vlapic_irr_empty(&v->lapic) &&
				  arch_vcpu_interrupts_enabled(v) && vlapic_pending(&v->lapic) >= 0);
}

void vcpu_handle_requests(struct vcpu *v)
{
	u32 req;

	/* A plain load first: the locked exchange only when something was posted. */
	if (!READ_ONCE(v->requests))
		return;
	req = atomic_xchg(&v->requests, 0);
	if (!req)
		return;
	/* These change what runs here, or a vLAPIC timer (INIT and resets clear it). */
	if (req & (VCPU_REQ_INIT | VCPU_REQ_SIPI | VCPU_REQ_STOP | VCPU_REQ_RESET |
		   VCPU_REQ_POWER_ON | VCPU_REQ_TIMERS))
		sched_timers_changed(v);
	/* First, whatever else happens: a flush caller may be waiting for it. */
	if (req & VCPU_REQ_FLUSH)
		pv_do_flush(v);
	/* Only noted: the poster may hold the shadow MMU's lock, the run loop loads the root. */
	if (req & VCPU_REQ_SHADOW_RELOAD)
		v->shadow_reload = true;
	/* Shadow entries were dropped or made stricter: what this pCPU cached of them goes. */
	if (req & VCPU_REQ_SHADOW_FLUSH)
		arch_vcpu_flush_tlb(v, KESTREL_FLUSH_ALL, NULL);
	if (req & VCPU_REQ_EPT_RELOAD) {
		u64 gen, eptp;

		/*
		 * A walk keeps the root, so what this pCPU cached from it goes now. Other pCPUs
		 * that ran an old root drop it before it is freed (vm_ept_housekeeping).
		 */
		u64 seq = READ_ONCE(v->vm->ept.seq); /* before: what is loaded is at least as new */

		ept_gen_current(&v->vm->ept, &gen, &eptp);
		arch_flush_ept(v->eptp);
		v->eptp = eptp;
		v->eptp_changed = true;
		WRITE_ONCE(v->ept_gen, gen);
		atomic_set(&v->ept_seq, seq); /* a caller of vm_mem_changed may be waiting */
	}
	if (req & VCPU_REQ_STOP) {
		if (v->state != VCPU_STOPPED) {
			sched_set_state(v, VCPU_STOPPED); /* it leaves its pCPU's lists */
			vm_vcpu_stopped(v);
		}
		return;
	}
	if (v->state == VCPU_STOPPED)
		return;
	if (req & VCPU_REQ_RESET) {
		/*
		 * Parked: nothing posted before the reset survives it (POWER_ON clears the rest).
		 * Its shared area and timer go now, not at POWER_ON: the VM's RAM is zeroed and
		 * loaded again while it waits, and a deadline of the old run expiring meanwhile
		 * would write "armed" into the new image.
		 */
		pv_reset(v);
		vlapic_reset(&v->lapic);
		apic_bus_mode_changed(v);
		v->nmis_posted = 0;
		sched_set_state(v, VCPU_PARKED);
		vm_vcpu_parked(v);
		return;
	}
	if (req & VCPU_REQ_POWER_ON) {
		for (u32 w = 0; w < 4; w++)
			v->posted_irr[w] = v->posted_tmr[w] = 0;
		v->posted_notified = 0;
		v->nmis_posted = 0;
		vlapic_reset(&v->lapic);
		apic_bus_mode_changed(v);
		pv_reset(v);
		v->nmi_pending = 0;
		v->exception_pending = v->needs_sipi_reset = false;
		atomic_xchg(&v->sipi_posted, 0); /* one sent while it was parked started nothing */
		v->tsc_offset = 0; /* the architecture loads it with the power-on MSRs */
		/* The old run's translations are this pCPU's to drop. */
		arch_vcpu_flush_tlb(v, KESTREL_FLUSH_ALL, NULL);
		arch_vcpu_power_on(v);
		sched_set_state(v, v->id == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI);
		v->needs_boot_reset = v->id == 0;
		v->runnable_since = rdtsc();
		return;
	}
	if (v->state == VCPU_PARKED)
		return;
	/*
	 * Before INIT: an NMI posted in the same batch is taken to have come first, and an INIT
	 * clears pending events (SDM Vol. 3C, 27.2, "INIT signals", on what it does outside VMX
	 * operation), so it never reaches the real-mode code the SIPI starts.
	 */
	if (req & VCPU_REQ_NMI)
		take_nmis(v);
	if (req & VCPU_REQ_INIT) {
		/* INIT: the vCPU waits for a SIPI again, its APIC reset, 9.4. */
		vlapic_reset_init(&v->lapic);
		v->pv.deadline_armed = 0; /* the timer went with the INIT: the next write must exit */
		if (v->pv.area)
			WRITE_ONCE(v->pv.area->deadline_armed, 0);
		v->nmi_pending = 0;
		v->exception_pending = false;
		v->needs_sipi_reset = false; /* a SIPI taken before it starts nothing now */
		sched_set_state(v, VCPU_WAIT_SIPI);
	}
	if (req & VCPU_REQ_SIPI) {
		/* Taken whatever the state: a SIPI that finds v running is dropped (10.4.2). */
		u32 sipi = atomic_xchg(&v->sipi_posted, 0);

		if (sipi && v->state == VCPU_WAIT_SIPI) {
			v->sipi_vector = (u8)sipi; /* the vector the reset uses: the owner's copy */
			v->needs_sipi_reset = true;
			sched_make_runnable(v);
		}
	}
	if (req & VCPU_REQ_UNHALT) {
		/* A PV spin-lock waiter halts even with interrupts off: only the kick wakes it. */
		if (v->state == VCPU_HALTED)
			sched_make_runnable(v);
		else
			v->pv_unhalted = true;
	}
	if (req & VCPU_REQ_ILLEGAL_VECTOR)
		vlapic_set_irr_trig(&v->lapic, 0, false); /* logged, as any vector 0-15 (11.5.3) */
	if (req & VCPU_REQ_IRR) {
		/* Cleared first: a vector posted after the reads below notifies anew. */
		if (v->posted_direct)
			atomic_and(&v->posted_notified, ~(u64)VCPU_POSTED_NOTIFIED);
		for (u32 w = 0; w < 4; w++) {
			u64 bits = atomic_xchg(&v->posted_irr[w], 0), level;

			level = bits ? atomic_xchg(&v->posted_tmr[w], 0) : 0;
			while (bits) {
				u32 b = (u32)__builtin_ctzll(bits);

				bits &= bits - 1;
				vlapic_set_irr_trig(&v->lapic, (u8)(w * 64 + b), level & BIT(b));
			}
		}
	}
	if (v->nmi_pending || vlapic_pending(&v->lapic) >= 0)
		sched_interrupt_pending(v);
}
