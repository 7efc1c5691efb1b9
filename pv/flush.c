// SPDX-License-Identifier: GPL-2.0
/*
 * KESTREL_HC_FLUSH_TLB: flush the TLBs of a VP set in one exit. The caller's own TLB is flushed
 * on the spot; a target running on another pCPU is kicked and waited for; a target that is not
 * running gets the flush posted and done before it next runs, and nobody waits for it.
 */
#include "arch/x86/cpu.h"
#include "lib/atomic.h"
#include "arch/x86/percpu.h"
#include "lib/console.h"
#include "hv/arch.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "pv/pv.h"
#include "pv/vpset.h"

#define FLUSH_KINDS (KESTREL_FLUSH_ALL | KESTREL_FLUSH_NONGLOBAL | KESTREL_FLUSH_RANGES)
#define FLUSH_FLAGS (FLUSH_KINDS | KESTREL_FLUSH_SET_GEN | KESTREL_VPSET_INLINE)

bool pv_inject_skip_flush;

/*
 * Running targets the caller waits for, kicked in batches of at most this many: the list lives
 * on the hypervisor stack, and a pCPU can run only one target at a time anyway.
 */
#define FLUSH_WAIT_BATCH 64

struct flush_wait {
	struct vcpu *v;
	u64 seq;
};

struct flush_call {
	struct vcpu *caller;
	u32 kind;
	bool set_gen;
	u64 gen;
	const struct flush_ranges *ranges;
	u32 nr_wait;
	struct flush_wait wait[FLUSH_WAIT_BATCH];
};

/*
 * tlb_gen never goes down: a value is stored only when it is larger than what the area holds
 * (unsigned). Callers on several vCPUs can reach Kestrel out of the order in which they took
 * their numbers from one VM-wide sequence; any flush that carries the larger number was asked
 * after the smaller one was taken, so it covers what the smaller one promised. Only the pCPU
 * that owns v runs this, so no other writer races with the read and the store.
 */
static void store_tlb_gen(struct vcpu *v, u64 gen)
{
	struct kestrel_vcpu_area *a = v->pv.area;

	if (a && gen > atomic_read_relaxed(&a->tlb_gen))
		atomic_set(&a->tlb_gen, gen);
}

/* On v's own pCPU, before v next runs: everything posted to it so far. */
void pv_do_flush(struct vcpu *v)
{
	struct pv_flush_request *f = &v->pv.flush;
	struct flush_ranges fr;
	bool set_gen;
	u32 kind;
	u64 seq, gen;

	spin_lock(&f->lock);
	kind = f->kind;
	seq = f->requested;
	set_gen = f->set_gen;
	gen = f->gen;
	if (kind & KESTREL_FLUSH_RANGES)
		fr = f->ranges;
	f->kind = 0;
	f->set_gen = false;
	f->ranges.nr = 0;
	spin_unlock(&f->lock);
	if (kind)
		arch_vcpu_flush_tlb(v, kind, &fr);
	/*
	 * tlb_gen only after the flush: a vCPU that reads the new value (a guest's context switch
	 * does, to skip a flush) must find its TLB already clean.
	 */
	if (set_gen)
		store_tlb_gen(v, gen);
	/* Only now may a waiting caller go on. */
	atomic_set(&f->done, seq);
}

/* Posts the flush to t; returns the sequence number that says it is done. */
static u64 post(struct vcpu *t, const struct flush_call *c)
{
	struct pv_flush_request *f = &t->pv.flush;
	u64 seq;

	spin_lock(&f->lock);
	if (c->kind & KESTREL_FLUSH_RANGES) {
		if (!(f->kind & ~KESTREL_FLUSH_RANGES) && !flush_ranges_merge(&f->ranges, c->ranges))
			f->kind |= KESTREL_FLUSH_ALL; /* too many to keep: widen */
		f->kind |= KESTREL_FLUSH_RANGES;
	} else {
		f->kind |= c->kind;
	}
	/* Merged requests keep the largest generation; it is stored when the flush is done. */
	if (c->set_gen && (!f->set_gen || c->gen > f->gen)) {
		f->set_gen = true;
		f->gen = c->gen;
	}
	seq = ++f->requested;
	spin_unlock(&f->lock);
	return seq;
}

/* Waits until every running target posted so far has flushed. */
static void drain(struct flush_call *c)
{
	for (u32 i = 0; i < c->nr_wait; i++)
		while (atomic_read(&c->wait[i].v->pv.flush.done) <
		       c->wait[i].seq)
			cpu_relax();
	c->nr_wait = 0;
}

static int flush_one(void *ctx, u32 idx)
{
	struct flush_call *c = ctx;
	struct vcpu *t = c->caller->vm->vcpus[idx];
	u64 seq;

	c->caller->pv_stats.flush_targets++;
	/* Fault injection: the other targets are forgotten, neither interrupted nor flushed. */
	if (pv_inject_skip_flush && t != c->caller)
		return 0;
	seq = post(t, c);
	if (t == c->caller) {
		pv_do_flush(t); /* the caller's own TLB, here and now */
		return 0;
	}
	atomic_or(&t->requests, VCPU_REQ_FLUSH);
	/* Read after the request is visible: pairs with the entry path's check (vmx/run.c). */
	if (atomic_read_seq(&t->pv.in_guest)) {
		/* A full batch is drained before the next kick. */
		if (c->nr_wait == FLUSH_WAIT_BATCH)
			drain(c);
		c->wait[c->nr_wait++] = (struct flush_wait){ t, seq };
		sched_kick(t);
		c->caller->pv_stats.flush_waited++;
	} else {
		if (t->pcpu == this_cpu()->index)
			vcpu_handle_requests(t); /* ours and not running: do it now */
		c->caller->pv_stats.flush_deferred++;
	}
	return 0;
}

s64 hc_flush_tlb(struct vcpu *v)
{
	u64 rdi = v->regs.gpr[GPR_RDI];
	u32 flags = (u32)rdi, nr = (u32)(rdi >> 32), kinds = flags & FLUSH_KINDS;
	struct flush_ranges ranges; /* about 1 KiB of the 16 KiB stack */
	struct flush_ranges *fr = &ranges;
	struct flush_call c = { .caller = v };
	int err;

	if ((flags & ~FLUSH_FLAGS) || !kinds || (kinds & (kinds - 1)))
		return -EINVAL; /* exactly one kind */
	if (kinds == KESTREL_FLUSH_RANGES) {
		err = flush_ranges_read(&v->vm->mem, v->regs.gpr[GPR_R8], nr, fr);
		if (err)
			return err;
	} else if (nr) {
		return -EINVAL;
	}
	c.kind = kinds;
	c.ranges = fr;
	c.set_gen = flags & KESTREL_FLUSH_SET_GEN;
	c.gen = v->regs.gpr[GPR_R9];
	v->pv_stats.flush_calls++;
	err = vpset_for_each(&v->vm->mem, v->vm->nr_vcpus, flags, v->regs.gpr[GPR_RSI],
			     v->regs.gpr[GPR_RDX], v->regs.gpr[GPR_R10], flush_one, &c);
	/* A malformed set was refused before anything was posted, so no wait is owed. */
	drain(&c);
	return err;
}
