/* SPDX-License-Identifier: MIT */
/* Atomic helpers and a ticket spin lock, for counters and data shared between CPUs. */
#ifndef KESTREL_RT_ATOMIC_H
#define KESTREL_RT_ATOMIC_H

#include <kestrel-rt/cpu.h>

static inline u32 rt_atomic_load(const volatile u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void rt_atomic_store(volatile u32 *p, u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Adds v to *p and returns the old value. */
static inline u32 rt_atomic_add(volatile u32 *p, u32 v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static inline u32 rt_atomic_inc(volatile u32 *p)
{
	return rt_atomic_add(p, 1);
}

static inline u32 rt_atomic_xchg(volatile u32 *p, u32 v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

/* Sets *p to new if it holds old; true when it did. */
static inline bool rt_atomic_cmpxchg(volatile u32 *p, u32 old, u32 new)
{
	return __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

static inline u64 rt_atomic_load64(const volatile u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void rt_atomic_store64(volatile u64 *p, u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline u64 rt_atomic_add64(volatile u64 *p, u64 v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/* A full compiler barrier (no instruction). */
static inline void rt_barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* A ticket lock: CPUs get it in the order they asked. */
struct rt_spinlock {
	volatile u32 next;
	volatile u32 owner;
};

#define RT_SPINLOCK_INIT { 0, 0 }

static inline void rt_spin_lock(struct rt_spinlock *l)
{
	u32 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		rt_pause();
}

/* Takes the lock only if nobody holds or waits for it. */
static inline bool rt_spin_trylock(struct rt_spinlock *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);

	return rt_atomic_cmpxchg(&l->next, owner, owner + 1);
}

static inline void rt_spin_unlock(struct rt_spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* The lock with interrupts off on this CPU; returns the flags to give back to unlock. */
static inline u64 rt_spin_lock_irqsave(struct rt_spinlock *l)
{
	u64 flags = rt_save_flags_cli();

	rt_spin_lock(l);
	return flags;
}

static inline void rt_spin_unlock_irqrestore(struct rt_spinlock *l, u64 flags)
{
	rt_spin_unlock(l);
	rt_restore_flags(flags);
}

#endif
