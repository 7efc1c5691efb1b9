// SPDX-License-Identifier: GPL-2.0
/* A small heap: power-of-two size classes carved from frames; large blocks take whole frames. */
#include "mm/mm.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define MIN_SHIFT 4 /* 16 bytes */
#define MAX_SHIFT 11 /* 2 KiB; larger requests get frames */
#define NR_CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define HDR 16 /* keeps blocks 16-byte aligned */

struct block_hdr {
	u64 size_or_class; /* class index, or the frame count of a large block with LARGE set */
	u64 magic;
};

#define LARGE BIT(63)
#define HEAP_MAGIC 0x6b657374726c6870ULL

struct free_block {
	struct free_block *next;
};

static struct free_block *free_list[NR_CLASSES];
static struct spinlock heap_lock = SPINLOCK_INIT;
static u64 class_frames; /* frames carved into size classes: never given back */

static int class_of(size_t total)
{
	for (int c = 0; c < NR_CLASSES; c++)
		if (total <= (1u << (c + MIN_SHIFT)))
			return c;
	return -1;
}

#define BLOCK_POISON 0x5a

/* poison=on (mm_poison): a free block's bytes past its link; checked when it is handed out. */
static void poison_block(struct free_block *b, size_t sz)
{
	if (mm_poison)
		memset((u8 *)b + 8, BLOCK_POISON, sz - 8);
}

static void check_block(struct free_block *b, int c)
{
	size_t sz = 1u << (c + MIN_SHIFT);
	const u8 *p = (const u8 *)b;

	/* A block freed before poison was on holds no pattern: looked at only when it does. */
	if (!mm_poison || p[sz - 1] != BLOCK_POISON)
		return;
	for (size_t i = 8; i < sz; i++)
		if (p[i] != BLOCK_POISON)
			panic("heap block %p (class %d) written after it was freed: byte %lu is %#x",
			      (void *)b, c, (u64)i, p[i]);
}

static bool refill(int c)
{
	u64 page = frames_alloc(1, 0);
	size_t sz = 1u << (c + MIN_SHIFT);

	if (!page)
		return false;
	class_frames++;
	for (size_t off = 0; off + sz <= PAGE_SIZE; off += sz) {
		struct free_block *b = (struct free_block *)((u8 *)phys_to_virt(page) + off);

		b->next = free_list[c];
		poison_block(b, sz);
		free_list[c] = b;
	}
	return true;
}

void *heap_alloc(size_t size)
{
	size_t total = size + HDR;
	struct block_hdr *h;
	int c = class_of(total);

	if (size > (1ULL << 40))
		return NULL;
	if (c < 0) {
		u64 n = ALIGN_UP(total, PAGE_SIZE) >> PAGE_SHIFT;
		u64 p = frames_alloc(n, 0);

		if (!p)
			return NULL;
		h = phys_to_virt(p);
		h->size_or_class = n | LARGE;
	} else {
		spin_lock(&heap_lock);
		if (!free_list[c] && !refill(c)) {
			spin_unlock(&heap_lock);
			return NULL;
		}
		h = (struct block_hdr *)free_list[c];
		check_block(free_list[c], c);
		free_list[c] = free_list[c]->next;
		spin_unlock(&heap_lock);
		h->size_or_class = (u64)c;
	}
	h->magic = HEAP_MAGIC;
	return (u8 *)h + HDR;
}

void *heap_zalloc(size_t size)
{
	void *p = heap_alloc(size);

	/* A large block's frames come zeroed (frames_alloc) but for its header. */
	if (p && size + HDR <= (1u << MAX_SHIFT))
		memset(p, 0, size);
	return p;
}

void heap_free(void *p)
{
	struct block_hdr *h;

	if (!p)
		return;
	h = (struct block_hdr *)((u8 *)p - HDR);
	if (h->magic != HEAP_MAGIC)
		return; /* not ours, or freed twice: leak rather than corrupt */
	h->magic = 0;
	if (h->size_or_class & LARGE) {
		frames_free(virt_to_phys(h), h->size_or_class & ~LARGE);
		return;
	}
	poison_block((struct free_block *)h, 1u << (h->size_or_class + MIN_SHIFT));
	spin_lock(&heap_lock);
	((struct free_block *)h)->next = free_list[h->size_or_class];
	free_list[h->size_or_class] = (struct free_block *)h;
	spin_unlock(&heap_lock);
}

u64 heap_class_frames(void)
{
	return READ_ONCE(class_frames);
}
