/* SPDX-License-Identifier: GPL-2.0 */
/* Hypercall dispatch: one table of {number, handler}, numbered as in the public ABI. */
#ifndef KESTREL_PV_HYPERCALL_H
#define KESTREL_PV_HYPERCALL_H

#include "lib/types.h"

struct vcpu;

/* Runs hypercall nr for v (arguments in its registers); returns 0 or -errno for RAX. */
s64 hypercall_dispatch(struct vcpu *v, u64 nr);

s64 hc_debug_stats(struct vcpu *v);
s64 hc_debug_ept_invalidate(struct vcpu *v);

#endif
