/* SPDX-License-Identifier: GPL-2.0 */
/* VP sets (the vCPU sets of the PV hypercalls): validated once, then walked bank by bank. */
#ifndef KESTREL_PV_VPSET_H
#define KESTREL_PV_VPSET_H

#include "lib/types.h"
#include "mm/guest_mem.h"

/*
 * Pure logic over guest memory, in the public ABI's encoding (kestrel/abi.h, "VP sets").
 * Kestrel's rules on top of it:
 *  - inline form: a register bank whose mask is 0 is ignored, its index unchecked. When both
 *    banks have the same index their masks are ORed into one bank; when A > B, bank B is
 *    walked first. Either way each vCPU is visited once.
 *  - memory form: RDX and R10 must be 0. Bank indices must strictly increase (so no vCPU is
 *    named twice and no duplicate search is needed); a listed bank whose bits are 0 is allowed,
 *    but its index must still exist and keep the order.
 *  - memory-form errors, first found first: -EINVAL RDX or R10 not 0; -EFAULT header not in
 *    RAM; -EINVAL header reserved field, nr_banks past KESTREL_VPSET_MAX_BANKS; -EFAULT banks
 *    not all in RAM; -EINVAL a bank (reserved field, index, bits, order).
 *  - the guest may rewrite the set while it is walked (another vCPU, a DMA): the walk reads
 *    every bank again and acts only on banks that still pass the checks and still come after
 *    the last bank acted on; the others are skipped. The header is read once. So fn may see
 *    fewer vCPUs than were checked, never one that does not exist, never one twice.
 */

/* Called for each vCPU of the set, in increasing bank order (bits ascending within a bank); a
 * non-zero return stops the walk and is returned. */
typedef int (*vpset_fn)(void *ctx, u32 vcpu);

/*
 * Walks the VP set given by the hypercall's flags and its three set registers (rsi, rdx, r10),
 * inline (flags & KESTREL_VPSET_INLINE) or in guest memory (rsi = guest-physical address of a
 * struct kestrel_vp_set). nr_vcpus is the VM's vCPU count. The whole set is validated before
 * fn is called even once, so a malformed set has no effect: -EINVAL (bank past the VM's vCPUs,
 * a bit for a vCPU that does not exist, reserved fields not 0, nr_banks > KESTREL_VPSET_MAX_BANKS,
 * banks in memory not in strictly increasing index order), -EFAULT (the header or banks are not
 * all in guest RAM). Returns 0, or fn's non-zero return.
 * The work done is proportional to the number of banks and of set bits, never to nr_vcpus.
 * Stack: one batch of 16 banks (256 bytes). The caller's own vCPU is not treated specially.
 */
int vpset_for_each(const struct guest_mem *gm, u32 nr_vcpus, u32 flags, u64 rsi, u64 rdx,
		   u64 r10, vpset_fn fn, void *ctx);

/* How many vCPUs the set names (after the same validation), or a negative error. */
s64 vpset_count(const struct guest_mem *gm, u32 nr_vcpus, u32 flags, u64 rsi, u64 rdx, u64 r10);

#endif
