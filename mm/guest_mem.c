// SPDX-License-Identifier: GPL-2.0
/* Bounds-checked copies in and out of guest RAM, chunk by chunk; pure logic, unit-tested. */
#include "mm/guest_mem.h"
#include "lib/atomic.h"
#include "lib/string.h"

/*
 * The first user of a stale chunk zeroes it; a second one waits (at most one 2 MiB memset).
 * The release store of READY orders the zeroes before any later use of the chunk. The chunk is
 * read again once claimed: a give-back and a take-back (gmem_set_stale, under the EPT lock) may
 * have put a fresh chunk there since the first read, and the old one's zeroes would leave the
 * fresh one's stale contents (another VM's data) to the guest. A chunk read here and given back
 * meanwhile is not freed until this exit handler is over (hv/vm_mem.c).
 */
static void chunk_ready(const struct guest_mem *gm, u64 i)
{
	u8 *p;

	if (!gm->state || !READ_ONCE(gm->chunks[i]))
		return;
	for (;;) {
		u8 s = atomic_read(&gm->state[i]);

		if (s == GMEM_CHUNK_READY)
			return;
		if (s == GMEM_CHUNK_ZEROING) {
			__builtin_ia32_pause();
			continue;
		}
		if (atomic_cmpxchg(&gm->state[i], GMEM_CHUNK_STALE, GMEM_CHUNK_ZEROING))
			break;
	}
	p = (u8 *)(uintptr_t)READ_ONCE(gm->chunks[i]);
	if (!p) {
		/* Given back meanwhile: whoever takes it back zeroes the fresh chunk. */
		atomic_set(&gm->state[i], GMEM_CHUNK_STALE);
		return;
	}
	memset(p, 0, GMEM_CHUNK_SIZE);
	atomic_add((volatile u64 *)&gm->zeroed, 1);
	atomic_set(&gm->state[i], GMEM_CHUNK_READY);
}

void gmem_set_stale(const struct guest_mem *gm, u64 i)
{
	u8 s;

	/*
	 * Not while a chunk is being zeroed (at most one 2 MiB memset, done outside any lock): that
	 * zeroer would mark the fresh chunk ready with the old one's zeroes.
	 */
	do {
		while ((s = atomic_read(&gm->state[i])) == GMEM_CHUNK_ZEROING)
			__builtin_ia32_pause();
	} while (!atomic_cmpxchg(&gm->state[i], s, GMEM_CHUNK_STALE));
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

/*
 * Walks [gpa, gpa+len) one chunk piece at a time: op 0 write, 1 read, 2 zero. Each chunk's
 * address is read once, where it is used: another vCPU may give the chunk back meanwhile (its
 * entry 0, under the EPT lock), and a second read would write through address 0 + offset into
 * the host's own low memory. A chunk read before it went back is not freed until this exit
 * handler is over (hv/vm_mem.c). Host chunks are reached through the identity map (in host
 * tests: plain pointers).
 */
static int copy(const struct guest_mem *gm, u64 gpa_in, void *buf, u64 len, int op)
{
	u8 *b = buf;
	u64 gpa; /* from here on the backing offset */

	if (!gmem_offset(gm, gpa_in, len, &gpa))
		return -EFAULT;
	for (u64 i = gpa >> GMEM_CHUNK_SHIFT; len && i <= (gpa + len - 1) >> GMEM_CHUNK_SHIFT; i++)
		if (!READ_ONCE(gm->chunks[i]))
			return -EFAULT;
	while (len) {
		u64 n = MIN(len, GMEM_CHUNK_SIZE - (gpa & (GMEM_CHUNK_SIZE - 1)));
		u64 ci = gpa >> GMEM_CHUNK_SHIFT;
		u8 *p;

		if (op == 2 && gm->state && atomic_read(&gm->state[ci]) == GMEM_CHUNK_STALE) {
			gpa += n;
			len -= n;
			continue;
		}
		chunk_ready(gm, ci);
		p = (u8 *)(uintptr_t)READ_ONCE(gm->chunks[ci]);
		if (!p)
			return -EFAULT; /* given back since the check above */
		p += gpa & (GMEM_CHUNK_SIZE - 1);
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
