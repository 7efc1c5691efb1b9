/* SPDX-License-Identifier: GPL-2.0 */
/* Kestrel's side of the lazy TSC deadline (KESTREL_FEATURE_LAZY_DEADLINE) as pure decisions. */
#ifndef KESTREL_PV_LAZY_DEADLINE_H
#define KESTREL_PV_LAZY_DEADLINE_H

#include "lib/types.h"

/*
 * The protocol (public ABI, struct kestrel_vcpu_area): the guest stores its next deadline in
 * deadline_pending, fences, reads deadline_armed, and writes IA32_TSC_DEADLINE (an exit) only
 * when armed is 0 or later than the new deadline. So a deadline stored without an exit is a
 * deferred MSR write that Kestrel performs when the armed deadline expires (LAZY_REARM), or at
 * a CLEAR (lazy_deadline_deferred). Invariants the hypervisor keeps:
 *  - armed lives in Kestrel's own per-vCPU state and is copied to the area after every change;
 *    the area's copy is never read back (the guest can scribble on it);
 *  - armed != 0 only while the vLAPIC's TSC deadline is exactly armed, in TSC-deadline mode,
 *    unmasked, APIC enabled; so the vLAPIC's expiry of armed is the only way armed expires;
 *  - deadline_pending is read only from the vCPU's own pCPU while the vCPU is not in guest
 *    mode (at an exit, or descheduled / halted). Only that vCPU writes it and it is not
 *    running, so nothing changes it during a decision: no lock, no race. A guest that is
 *    interrupted (an exit) between storing pending and reading armed reads the armed that
 *    decision left, so the store is never missed; its worst case is one extra (late, never
 *    early) timer interrupt, when it stored a deadline earlier than armed and armed expired
 *    in that window: injected once at the expiry, once more by the MSR write that follows.
 *
 * A CLEAR makes armed 0 so the guest's next write exits. The cases:
 *  - the armed deadline fired (lazy_deadline_on_expiry -> LAZY_INJECT), or the guest wrote a
 *    deadline already past or 0 (lazy_deadline_on_write returns 0);
 *  - LVT timer masked, APIC software-disabled (SVR, which masks the LVT): the vLAPIC timer
 *    keeps running silently (SDM Vol. 3A, 12.5.1), so first write the deferred deadline into
 *    the vLAPIC (the guest "wrote" it), then CLEAR; after an unmask it fires when the guest
 *    asked, neither at the older armed deadline (early) nor never (lost);
 *  - timer mode changed (the vLAPIC disarms, 11.5.4.1), APIC globally disabled through
 *    IA32_APIC_BASE, APIC reset, vCPU INIT, VM reset: the deadline is gone; CLEAR;
 *  - the shared area registered anew or unregistered: CLEAR (and write 0 into a new area).
 *    With no area, armed stays 0 and every write exits.
 *  - the guest moved its TSC (a write to IA32_TSC or IA32_TSC_ADJUST): the deferred deadline
 *    is written into the vLAPIC first, then CLEAR, and the vLAPIC's deadline is moved with the
 *    TSC (arch/x86/vmx/exits/msr.c). These decisions take every value in one time base (the
 *    host's TSC); pv/deadline.c converts the shared area's guest-TSC values.
 */

enum lazy_action {
	LAZY_NONE, /* nothing to do */
	LAZY_INJECT, /* raise the timer interrupt now */
	LAZY_REARM, /* set the vLAPIC deadline to *rearm_at, no interrupt */
};

/* The guest wrote IA32_TSC_DEADLINE = value (it exits only when its deadline is earlier than
 * the armed one, or nothing is armed). Returns what deadline_armed must become: value when the
 * write arms a timer, 0 when value is 0 (disarm) or already past (now >= value: the vLAPIC fires
 * at once), or when !lvt_ok (the write goes to the vLAPIC as ever, but laziness is off, so every
 * write exits). lvt_ok: the LVT timer is in TSC-deadline mode and unmasked and the APIC is
 * enabled. The vLAPIC takes the write itself, whatever this returns. */
u64 lazy_deadline_on_write(u64 value, u64 now, bool lvt_ok);

/*
 * The vLAPIC deadline `armed` expired (now >= armed): from the vCPU's pCPU, the vCPU not
 * running (an exit, or a host timer while it is descheduled or halted). pending is the guest's
 * deadline_pending as read now. Decides, before the vLAPIC timer is ticked:
 *  - pending later than armed and still in the future (now < pending): LAZY_REARM: the caller
 *    sets the vLAPIC deadline to *rearm_at = pending, with no interrupt; new armed = pending,
 *    or 0 when !lvt_ok (a masked timer keeps the deadline but laziness stops);
 *  - otherwise (pending == armed, earlier, already past, 0): LAZY_INJECT when lvt_ok, new armed
 *    0: the caller lets the vLAPIC timer fire (now >= armed, so it does) and injects. Never
 *    early: now >= armed and now >= pending when pending > armed. Never lost: a pending
 *    deadline that has passed by now is injected, not dropped;
 *  - the same but !lvt_ok (a CLEAR was missed): LAZY_NONE, new armed 0; the vLAPIC expires
 *    as the LVT says (silently when masked).
 * Called when not expired (now < armed, a host timer early) or with armed 0: LAZY_NONE and
 * *new_armed = armed, nothing changes. *rearm_at is written only with LAZY_REARM.
 */
enum lazy_action lazy_deadline_on_expiry(u64 armed, u64 pending, u64 now, bool lvt_ok,
					  u64 *new_armed, u64 *rearm_at);

/* The deadline the guest stored without an exit that the vLAPIC does not have yet, or 0: at a
 * CLEAR, the caller writes it into the vLAPIC (as an IA32_TSC_DEADLINE write) before the
 * change, then sets armed = lazy_deadline_clear(). */
u64 lazy_deadline_deferred(u64 armed, u64 pending);

/* The CLEAR cases that are not expiries (LVT masked, timer mode changed, APIC disabled or reset,
 * vCPU INIT): deadline_armed must become 0. A one-liner, but named, so every caller is visible. */
u64 lazy_deadline_clear(void);

#endif
