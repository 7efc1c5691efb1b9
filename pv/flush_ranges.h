/* SPDX-License-Identifier: GPL-2.0 */
/* The range list of KESTREL_HC_FLUSH_TLB: read and checked once, merged into pending flushes. */
#ifndef KESTREL_PV_FLUSH_RANGES_H
#define KESTREL_PV_FLUSH_RANGES_H

#include "lib/types.h"
#include "mm/guest_mem.h"
#include "guest-sdk/include/kestrel/abi.h"
#include "hv/pv_state.h" /* struct flush_ranges */

#define FLUSH_RANGES_FULL_THRESHOLD 64 /* more pages than this: flush the whole address space */

/*
 * Reads and validates nr ranges at guest-physical gpa. Checked in this order: -E2BIG (nr >
 * KESTREL_FLUSH_MAX_RANGES), -EINVAL (nr == 0), -EFAULT (not in RAM), -EINVAL (an address not
 * page-aligned or non-canonical (bits 63:47 not all equal), pages == 0, a range that wraps past
 * 2^64 or whose last page is not in the canonical half its first page is in). On error out is
 * empty (nr 0).
 */
int flush_ranges_read(const struct guest_mem *gm, u64 gpa, u32 nr, struct flush_ranges *out);

/* True when invalidating page by page would cost more than a whole flush. */
bool flush_ranges_prefer_full(const struct flush_ranges *fr);

/*
 * Merges src into dst (a vCPU's pending ranges; nr == 0 is empty, total_pages is recomputed):
 * a range that overlaps or touches one of dst's grows that one, others take a new slot. Returns
 * false when dst would overflow, in which case the caller escalates to a full flush (dst then
 * holds valid ranges but not all of src, and is for the caller to empty). After a merge, ask
 * flush_ranges_prefer_full(dst) again: the sum may have passed the threshold.
 */
bool flush_ranges_merge(struct flush_ranges *dst, const struct flush_ranges *src);

#endif
