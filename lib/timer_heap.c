// SPDX-License-Identifier: GPL-2.0
/* The deadline min-heap (lib/timer_heap.h): pure logic, host-tested (tests/unit/test_timer_heap.c). */
#include "lib/timer_heap.h"

void timer_heap_init(struct timer_heap *h, struct timer_heap_node **slots, u32 cap)
{
	h->nr = 0;
	h->cap = cap;
	h->slots = slots;
}

static void put(struct timer_heap *h, u32 i, struct timer_heap_node *n)
{
	h->slots[i] = n;
	n->pos = i + 1;
}

static void sift_up(struct timer_heap *h, u32 i)
{
	struct timer_heap_node *n = h->slots[i];

	while (i) {
		u32 parent = (i - 1) / 2;

		if (h->slots[parent]->key <= n->key)
			break;
		put(h, i, h->slots[parent]);
		i = parent;
	}
	put(h, i, n);
}

static void sift_down(struct timer_heap *h, u32 i)
{
	struct timer_heap_node *n = h->slots[i];

	for (;;) {
		u32 c = 2 * i + 1;

		if (c >= h->nr)
			break;
		if (c + 1 < h->nr && h->slots[c + 1]->key < h->slots[c]->key)
			c++;
		if (n->key <= h->slots[c]->key)
			break;
		put(h, i, h->slots[c]);
		i = c;
	}
	put(h, i, n);
}

void timer_heap_cancel(struct timer_heap *h, struct timer_heap_node *n)
{
	struct timer_heap_node *last;
	u32 i = n->pos - 1;

	if (!n->pos)
		return;
	n->pos = 0;
	n->key = 0;
	last = h->slots[--h->nr];
	if (last == n)
		return;
	/* The last one fills the hole, then goes up or down to where its key belongs. */
	put(h, i, last);
	sift_up(h, i);
	sift_down(h, last->pos - 1);
}

bool timer_heap_set(struct timer_heap *h, struct timer_heap_node *n, u64 key)
{
	u64 old = n->key;

	if (!key) {
		timer_heap_cancel(h, n);
		return true;
	}
	if (!n->pos) {
		if (h->nr == h->cap)
			return false;
		n->key = key;
		put(h, h->nr++, n);
		sift_up(h, h->nr - 1);
		return true;
	}
	n->key = key;
	if (key < old)
		sift_up(h, n->pos - 1);
	else if (key > old)
		sift_down(h, n->pos - 1);
	return true;
}
