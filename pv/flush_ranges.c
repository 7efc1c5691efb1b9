// SPDX-License-Identifier: GPL-2.0
/* Flush range lists: the checks on a guest's list, the page count, merging pending lists. */
#include "pv/flush_ranges.h"

/* Bits 63:47 of a canonical 48-bit address (SDM Vol. 1, 3.3.7.1): 0 or all ones. */
#define FLUSH_RANGES_HALF(va) ((va) >> 47)
#define FLUSH_RANGES_HIGH_HALF 0x1ffffull

static bool flush_ranges_canonical(u64 va)
{
	return FLUSH_RANGES_HALF(va) == 0 || FLUSH_RANGES_HALF(va) == FLUSH_RANGES_HIGH_HALF;
}

/* The address of the range's last page; its pages are 1 .. pages from addr to 2^64. */
static u64 flush_ranges_last(const struct kestrel_flush_range *r)
{
	return r->addr + (r->pages - 1) * PAGE_SIZE;
}

static bool flush_ranges_ok(const struct kestrel_flush_range *r)
{
	if (!IS_ALIGNED(r->addr, PAGE_SIZE) || !flush_ranges_canonical(r->addr) || !r->pages)
		return false;
	/* Pages from addr to 2^64: exact, as addr's low 12 bits are 0. */
	if (r->pages > (~r->addr >> PAGE_SHIFT) + 1)
		return false;
	/* Not across the non-canonical hole: every page address stays canonical. */
	return FLUSH_RANGES_HALF(flush_ranges_last(r)) == FLUSH_RANGES_HALF(r->addr);
}

static u64 flush_ranges_sat_add(u64 a, u64 b)
{
	return a + b < a ? ~0ull : a + b;
}

static u64 flush_ranges_sum(const struct flush_ranges *fr)
{
	u64 total = 0;

	for (u32 i = 0; i < fr->nr; i++)
		total = flush_ranges_sat_add(total, fr->r[i].pages);
	return total;
}

int flush_ranges_read(const struct guest_mem *gm, u64 gpa, u32 nr, struct flush_ranges *out)
{
	out->nr = 0;
	out->total_pages = 0;
	if (nr > KESTREL_FLUSH_MAX_RANGES)
		return -E2BIG;
	if (!nr)
		return -EINVAL;
	/* One read into Kestrel's copy: what is checked is what is used. */
	if (gmem_read(gm, gpa, out->r, nr * sizeof(out->r[0])))
		return -EFAULT;
	for (u32 i = 0; i < nr; i++)
		if (!flush_ranges_ok(&out->r[i]))
			return -EINVAL;
	out->nr = nr;
	out->total_pages = flush_ranges_sum(out);
	return 0;
}

bool flush_ranges_prefer_full(const struct flush_ranges *fr)
{
	return fr->total_pages > FLUSH_RANGES_FULL_THRESHOLD;
}

/*
 * Grows d to cover s when they overlap or touch; false otherwise. Both are valid ranges, so
 * touching ones are in the same canonical half and so is their union.
 */
static bool flush_ranges_absorb(struct kestrel_flush_range *d, const struct kestrel_flush_range *s)
{
	u64 d_last = flush_ranges_last(d), s_last = flush_ranges_last(s);
	u64 first, last;

	/* s starts after the page following d, or d after the one following s (none past 2^64). */
	if (s->addr > d_last && s->addr - d_last > PAGE_SIZE)
		return false;
	if (d->addr > s_last && d->addr - s_last > PAGE_SIZE)
		return false;
	first = MIN(d->addr, s->addr);
	last = MAX(d_last, s_last);
	d->addr = first;
	d->pages = ((last - first) >> PAGE_SHIFT) + 1;
	return true;
}

bool flush_ranges_merge(struct flush_ranges *dst, const struct flush_ranges *src)
{
	bool ok = true;

	for (u32 i = 0; i < src->nr && ok; i++) {
		u32 j;

		for (j = 0; j < dst->nr; j++)
			if (flush_ranges_absorb(&dst->r[j], &src->r[i]))
				break;
		if (j < dst->nr)
			continue;
		if (dst->nr == KESTREL_FLUSH_MAX_RANGES)
			ok = false;
		else
			dst->r[dst->nr++] = src->r[i];
	}
	dst->total_pages = flush_ranges_sum(dst);
	return ok;
}
