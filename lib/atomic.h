/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one vocabulary for data other CPUs touch (the guest SDK's kestrel-rt/atomic.h says the
 * same things for guests). Each name carries its ordering; the compiler's __atomic builtins
 * appear nowhere else in the hypervisor. Type-generic: u32, u64 and pointer fields alike.
 *
 *   atomic_read(p)           load-acquire: see what the writer published before its release
 *   atomic_read_relaxed(p)   a plain atomic load (a hint, a statistic, a lock's own fields)
 *   atomic_read_seq(p)       sequentially consistent: one half of a Dekker-style handshake
 *   atomic_set(p, v)         store-release: publish everything written before it
 *   atomic_set_seq(p, v)     sequentially consistent: the other half of such a handshake
 *   atomic_xchg(p, v)        swap, returns the old value (full barrier)
 *   atomic_cmpxchg(p, o, n)  sets *p to n if it holds o; true when it did (full barrier)
 *   atomic_or(p, v)          *p |= v, returns the new value (full barrier); atomic_and alike
 *   atomic_or_fetch_old(p, v)  *p |= v, returns the old value (full barrier)
 *   atomic_add(p, v)         *p += v, returns the new value (full barrier); atomic_sub alike
 *   atomic_fetch_add_relaxed(p, v)  *p += v, returns the old value, no ordering
 *   smp_mb()                 a full barrier between a CPU's earlier and later accesses
 */
#ifndef KESTREL_LIB_ATOMIC_H
#define KESTREL_LIB_ATOMIC_H

#define atomic_read(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define atomic_read_relaxed(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define atomic_read_seq(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define atomic_set(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define atomic_set_seq(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)
#define atomic_xchg(p, v) __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define atomic_cmpxchg(p, old, new)                                                        \
	({                                                                                 \
		__typeof__((__typeof__(*(p)))0) __expected = (old); /* without volatile */ \
		__atomic_compare_exchange_n(p, &__expected, new, false, __ATOMIC_SEQ_CST,  \
					    __ATOMIC_SEQ_CST);                             \
	})
#define atomic_or(p, v) __atomic_or_fetch(p, v, __ATOMIC_SEQ_CST)
#define atomic_and(p, v) __atomic_and_fetch(p, v, __ATOMIC_SEQ_CST)
#define atomic_or_fetch_old(p, v) __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST)
#define atomic_add(p, v) __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST)
#define atomic_sub(p, v) __atomic_sub_fetch(p, v, __ATOMIC_SEQ_CST)
#define atomic_fetch_add_relaxed(p, v) __atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
