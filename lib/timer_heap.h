/* SPDX-License-Identifier: GPL-2.0 */
/* A binary min-heap of timers keyed by deadline: arm, move and cancel in O(log n), earliest O(1). */
#ifndef KESTREL_LIB_TIMER_HEAP_H
#define KESTREL_LIB_TIMER_HEAP_H

#include "lib/types.h"

/* Embedded in what owns the timer (a vCPU); pos is its slot + 1, 0 while it is not armed. */
struct timer_heap_node {
	u64 key; /* the deadline (any u64 but 0, which means "not armed") */
	u32 pos;
};

/* The heap; slots is the caller's array of cap entries. */
struct timer_heap {
	u32 nr, cap;
	struct timer_heap_node **slots;
};

void timer_heap_init(struct timer_heap *h, struct timer_heap_node **slots, u32 cap);
/*
 * Arms n at key, moves it there if armed already, cancels it when key is 0. Returns false
 * (and leaves n unarmed) only when arming a new timer in a heap holding cap of them.
 */
bool timer_heap_set(struct timer_heap *h, struct timer_heap_node *n, u64 key);
/* Cancels n if it is armed. */
void timer_heap_cancel(struct timer_heap *h, struct timer_heap_node *n);

/* The timer with the earliest key, or NULL when none is armed. */
static inline struct timer_heap_node *timer_heap_min(const struct timer_heap *h)
{
	return h->nr ? h->slots[0] : NULL;
}

/* The earliest key, 0 when none is armed. */
static inline u64 timer_heap_min_key(const struct timer_heap *h)
{
	return h->nr ? h->slots[0]->key : 0;
}

#endif
