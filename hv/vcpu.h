/* SPDX-License-Identifier: GPL-2.0 */
/* A vCPU's requests from other pCPUs, interrupt delivery and queued exceptions (the core side). */
#ifndef KESTREL_HV_VCPU_H
#define KESTREL_HV_VCPU_H

#include "hv/vm.h"

/* Acts on the requests other CPUs posted (on v's own pCPU). */
void vcpu_handle_requests(struct vcpu *v);
/* Posts a request and kicks v's pCPU. */
void vcpu_request(struct vcpu *v, u32 req);
/* Delivers a fixed interrupt to v from any pCPU (directly if v is ours, posted otherwise). */
void vcpu_deliver_irq(struct vcpu *v, u8 vector);
/* Sends v an NMI from any pCPU (VCPU_REQ_NMI, counted: two back to back are two NMIs). */
void vcpu_send_nmi(struct vcpu *v);
/* An INIT IPI to v (SDM Vol. 3A, 10.4.2): v waits for a SIPI from its next request pass on. */
void vcpu_send_init(struct vcpu *v);
/* A SIPI with vector to v: it starts v at vector << 12 if v waits for one, else it is dropped. */
void vcpu_send_sipi(struct vcpu *v, u8 vector);
/* The same, edge- or level-triggered (an I/O APIC's level interrupt sets the vLAPIC's TMR). */
void vcpu_deliver_irq_trig(struct vcpu *v, u8 vector, bool level);
/*
 * For the architecture's notification of vectors posted to v (arch_vcpu_notify_posted): sets
 * VCPU_POSTED_NOTIFIED and returns whether it was clear, i.e. whether this sender notifies.
 * While it is set, a notification is under way and finds every vector posted before it was
 * seen set: the taker (VCPU_REQ_IRR, or the processor) clears it before it reads posted_irr.
 */
bool vcpu_posted_notify_first(struct vcpu *v);
/* Queues an exception for the next entry. */
void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
#define vcpu_inject_gp(v) vcpu_inject_exception(v, 13, true, 0)
#define vcpu_inject_ud(v) vcpu_inject_exception(v, 6, false, 0)
/* True when v has an interrupt or NMI it could take now (for HLT). */
bool vcpu_has_pending_event(struct vcpu *v);

#endif
