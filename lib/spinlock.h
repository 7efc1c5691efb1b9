/* SPDX-License-Identifier: GPL-2.0 */
/* A ticket spin lock: fair, so a CPU spinning on it is served in order. */
#ifndef KESTREL_LIB_SPINLOCK_H
#define KESTREL_LIB_SPINLOCK_H

#include "lib/types.h"
#include "lib/atomic.h"

struct spinlock {
	u32 next;
	u32 owner;
};

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	u32 me = atomic_fetch_add_relaxed(&l->next, 1);

	while (atomic_read(&l->owner) != me)
		__builtin_ia32_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_set(&l->owner, l->owner + 1);
}

/*
 * With interrupts off on this CPU while held: for locks an interrupt handler may also take.
 * Returns the RFLAGS to hand back to spin_unlock_irqrestore.
 */
static inline u64 spin_lock_irqsave(struct spinlock *l)
{
	u64 flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, u64 flags)
{
	spin_unlock(l);
	asm volatile("pushq %0; popfq" ::"r"(flags) : "memory", "cc");
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return atomic_read_relaxed(&l->owner) !=
	       atomic_read_relaxed(&l->next);
}

#endif
