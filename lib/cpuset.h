/* SPDX-License-Identifier: GPL-2.0 */
/* Sets of physical CPUs by index (a VM's cpus= list): a fixed bitmap as wide as MAX_CPUS. */
#ifndef KESTREL_LIB_CPUSET_H
#define KESTREL_LIB_CPUSET_H

#include "lib/types.h"

/* The most pCPUs Kestrel starts; lab machines with 2-8 sockets have 200-900. */
#define CPUSET_MAX 1024
#define CPUSET_MAX_LAST 1023 /* for messages */
#define CPUSET_WORDS (CPUSET_MAX / 64)
_Static_assert(CPUSET_MAX_LAST == CPUSET_MAX - 1, "the last pCPU index");

struct cpuset {
	u64 bits[CPUSET_WORDS];
};

static inline void cpuset_clear(struct cpuset *s)
{
	for (u32 i = 0; i < CPUSET_WORDS; i++)
		s->bits[i] = 0;
}

static inline void cpuset_fill(struct cpuset *s)
{
	for (u32 i = 0; i < CPUSET_WORDS; i++)
		s->bits[i] = ~(u64)0;
}

/* @pre cpu < CPUSET_MAX */
static inline void cpuset_add(struct cpuset *s, u32 cpu)
{
	s->bits[cpu / 64] |= (u64)1 << (cpu % 64);
}

/* false for any cpu past the set's width, so callers need no bounds check of their own */
static inline bool cpuset_has(const struct cpuset *s, u32 cpu)
{
	return cpu < CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* @pre cpu < CPUSET_MAX */
static inline void cpuset_del(struct cpuset *s, u32 cpu)
{
	s->bits[cpu / 64] &= ~((u64)1 << (cpu % 64));
}

static inline bool cpuset_is_empty(const struct cpuset *s)
{
	for (u32 i = 0; i < CPUSET_WORDS; i++)
		if (s->bits[i])
			return false;
	return true;
}

/* dst gets every pCPU of src as well. */
static inline void cpuset_or(struct cpuset *dst, const struct cpuset *src)
{
	for (u32 i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] |= src->bits[i];
}

static inline bool cpuset_is_full(const struct cpuset *s)
{
	for (u32 i = 0; i < CPUSET_WORDS; i++)
		if (s->bits[i] != ~(u64)0)
			return false;
	return true;
}

#endif
