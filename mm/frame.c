// SPDX-License-Identifier: GPL-2.0
/* Bitmap frame allocator; pure logic (the caller maps the bitmap), unit-tested on the host. */
#include "mm/frame.h"
#include "lib/string.h"

static bool test_bit(const u64 *bm, u64 i)
{
	return bm[i / 64] & BIT(i % 64);
}

static void set_bits(u64 *bm, u64 i, u64 n, bool v)
{
	for (; n; i++, n--) {
		if (v)
			bm[i / 64] |= BIT(i % 64);
		else
			bm[i / 64] &= ~BIT(i % 64);
	}
}

size_t frame_bitmap_bytes(const struct memmap *m)
{
	u64 frames;

	if (!m->nr)
		return 0;
	frames = (m->r[m->nr - 1].end - m->r[0].start) >> PAGE_SHIFT;
	return (size_t)(ALIGN_UP(frames, 64) / 8);
}

int frame_pool_init(struct frame_pool *p, const struct memmap *m, u64 *bitmap, size_t bytes)
{
	memset(p, 0, sizeof(*p));
	if (!m->nr || bytes < frame_bitmap_bytes(m))
		return -EINVAL;
	p->base = m->r[0].start;
	p->nr_frames = (m->r[m->nr - 1].end - p->base) >> PAGE_SHIFT;
	p->bitmap = bitmap;
	memset(bitmap, 0xff, frame_bitmap_bytes(m));
	for (u32 i = 0; i < m->nr; i++) {
		u64 n = (m->r[i].end - m->r[i].start) >> PAGE_SHIFT;

		set_bits(bitmap, (m->r[i].start - p->base) >> PAGE_SHIFT, n, false);
		p->nr_free += n;
	}
	p->nr_usable = p->nr_free;
	p->usable = m;
	return 0;
}

/* The first run of count free frames in [i, top) whose first address is aligned to step frames. */
static u64 search(struct frame_pool *p, u64 i, u64 top, u64 count, u64 step)
{
	u64 pfn0 = p->base >> PAGE_SHIFT;

	i = ALIGN_UP(pfn0 + i, step) - pfn0;
	while (i < top && count <= top - i) { /* i + count <= top, without wrapping */
		u64 k;

		/* Skip a whole word of used frames at a time when the run starts in one. */
		if (step == 1 && p->bitmap[i / 64] == UINT64_MAX) {
			i = ALIGN_DOWN(i, 64) + 64;
			continue;
		}
		for (k = 0; k < count && !test_bit(p->bitmap, i + k); k++)
			;
		if (k == count)
			return i;
		/* The run failed at i+k: the next aligned start past it (alignment is of addresses). */
		i = ALIGN_UP(pfn0 + i + k + 1, step) - pfn0;
	}
	return UINT64_MAX;
}

u64 frame_alloc_range(struct frame_pool *p, u64 count, u64 align, u64 limit)
{
	u64 top, i, found = 0;

	if (!count || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	top = p->nr_frames;
	if (limit) {
		if (limit <= p->base)
			return 0;
		top = MIN(top, (limit - p->base) >> PAGE_SHIFT);
	}
	spin_lock(&p->lock);
	/*
	 * Next fit: from where the last allocation ended, then from the start. A run of
	 * allocations does not rescan the frames it already took, so taking a page costs the
	 * same in a full pool as in an empty one.
	 */
	i = p->hint < top ? search(p, p->hint, top, count, align >> PAGE_SHIFT) : UINT64_MAX;
	if (i == UINT64_MAX)
		i = search(p, 0, top, count, align >> PAGE_SHIFT);
	if (i != UINT64_MAX) {
		set_bits(p->bitmap, i, count, true);
		p->nr_free -= count;
		p->hint = i + count;
		found = p->base + (i << PAGE_SHIFT);
	}
	spin_unlock(&p->lock);
	return found;
}

int frame_free_range(struct frame_pool *p, u64 phys, u64 count)
{
	u64 i, k;
	int err = 0;

	if (phys < p->base || !IS_ALIGNED(phys, PAGE_SIZE))
		return -EINVAL;
	i = (phys - p->base) >> PAGE_SHIFT;
	if (i + count > p->nr_frames || i + count < i)
		return -EINVAL;
	/* A hole inside the pool (reserved, the image) reads as "in use": never free it. */
	for (k = 0; k < p->usable->nr; k++)
		if (phys >= p->usable->r[k].start &&
		    phys + count * PAGE_SIZE <= p->usable->r[k].end)
			break;
	if (k == p->usable->nr)
		return -EINVAL;
	spin_lock(&p->lock);
	for (k = 0; k < count; k++) {
		if (!test_bit(p->bitmap, i + k)) {
			err = -EINVAL;
			break;
		}
	}
	if (!err) {
		set_bits(p->bitmap, i, count, false);
		p->nr_free += count;
	}
	spin_unlock(&p->lock);
	return err;
}
