// SPDX-License-Identifier: GPL-2.0
/* Bounds-checked copies in and out of guest RAM, chunk by chunk; pure logic, unit-tested. */
#include "mm/guest_mem.h"
#include "lib/atomic.h"
#include "lib/string.h"

/* Host chunks are reached through the identity map (in host tests: plain pointers). */
static u8 *chunk_ptr(const struct guest_mem *gm, u64 off)
{
	return (u8 *)(uintptr_t)(gm->chunks[off >> GMEM_CHUNK_SHIFT] +
				 (off & (GMEM_CHUNK_SIZE - 1)));
}

/*
 * The first user of a stale chunk zeroes it; a second one waits (at most one 2 MiB memset).
 * The release store of READY orders the zeroes before any later use of the chunk.
 */
static void chunk_ready(const struct guest_mem *gm, u64 i)
{
	u8 *p;

	if (!gm->state || !gm->chunks[i] || atomic_read(&gm->state[i]) == GMEM_CHUNK_READY)
		return;
	if (!atomic_cmpxchg(&gm->state[i], GMEM_CHUNK_STALE, GMEM_CHUNK_ZEROING)) {
		while (atomic_read(&gm->state[i]) != GMEM_CHUNK_READY)
			__builtin_ia32_pause();
		return;
	}
	p = (u8 *)(uintptr_t)gm->chunks[i];
	memset(p, 0, GMEM_CHUNK_SIZE);
	atomic_add((volatile u64 *)&gm->zeroed, 1);
	atomic_set(&gm->state[i], GMEM_CHUNK_READY);
}

void gmem_mark_stale(const struct guest_mem *gm)
{
	for (u64 i = 0; gm->state && i < gm->nr_chunks; i++)
		atomic_set(&gm->state[i], GMEM_CHUNK_STALE);
}

void gmem_prepare(const struct guest_mem *gm, u64 off, u64 len)
{
	u64 end;

	if (!len || off >= gm->size)
		return;
	end = MIN(gm->size - off, len) + off;
	for (u64 i = off >> GMEM_CHUNK_SHIFT; i <= (end - 1) >> GMEM_CHUNK_SHIFT; i++)
		chunk_ready(gm, i);
}

bool gmem_ready(const struct guest_mem *gm, u64 off, u64 len)
{
	for (u64 i = off >> GMEM_CHUNK_SHIFT; gm->state && i <= (off + len - 1) >> GMEM_CHUNK_SHIFT;
	     i++)
		if (atomic_read(&gm->state[i]) != GMEM_CHUNK_READY)
			return false;
	return true;
}

bool gmem_contiguous(const struct guest_mem *gm, u64 off, u64 len)
{
	u64 first = off >> GMEM_CHUNK_SHIFT, base = gm->chunks[first];

	if (!IS_ALIGNED(base, len))
		return false;
	for (u64 i = 1; i < len >> GMEM_CHUNK_SHIFT; i++)
		if (gm->chunks[first + i] != base + (i << GMEM_CHUNK_SHIFT))
			return false;
	return true;
}

bool gmem_range_ok(const struct guest_mem *gm, u64 gpa, u64 len)
{
	u64 off;

	return gmem_offset(gm, gpa, len, &off);
}

/* Walks [gpa, gpa+len) one chunk piece at a time: op 0 write, 1 read, 2 zero. */
static int copy(const struct guest_mem *gm, u64 gpa_in, void *buf, u64 len, int op)
{
	u8 *b = buf;
	u64 gpa; /* from here on the backing offset */

	if (!gmem_offset(gm, gpa_in, len, &gpa))
		return -EFAULT;
	for (u64 i = gpa >> GMEM_CHUNK_SHIFT; len && i <= (gpa + len - 1) >> GMEM_CHUNK_SHIFT; i++)
		if (!gm->chunks[i])
			return -EFAULT;
	while (len) {
		u64 n = MIN(len, GMEM_CHUNK_SIZE - (gpa & (GMEM_CHUNK_SIZE - 1)));
		u8 *p = chunk_ptr(gm, gpa);

		if (op == 2 && gm->state &&
		    atomic_read(&gm->state[gpa >> GMEM_CHUNK_SHIFT]) == GMEM_CHUNK_STALE) {
			gpa += n;
			len -= n;
			continue;
		}
		chunk_ready(gm, gpa >> GMEM_CHUNK_SHIFT);

		if (op == 0)
			memcpy(p, b, n);
		else if (op == 1)
			memcpy(b, p, n);
		else
			memset(p, 0, n);
		gpa += n;
		len -= n;
		if (b)
			b += n;
	}
	return 0;
}

int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len)
{
	return copy(gm, gpa, (void *)(uintptr_t)src, len, 0);
}

int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len)
{
	return copy(gm, gpa, dst, len, 1);
}

int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len)
{
	return copy(gm, gpa, NULL, len, 2);
}
