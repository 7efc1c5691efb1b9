/* SPDX-License-Identifier: MIT */
/* libkestrel's private: what kestrel_flush_local() does, decided apart from the instructions. */
#ifndef KESTREL_LIB_FLUSH_PLAN_H
#define KESTREL_LIB_FLUSH_PLAN_H

#include <kestrel/kestrel.h>

/* The steps of a local flush, done in this order. */
#define KESTREL_PLAN_INVLPG		(1u << 0) /* INVLPG each page of the ranges */
#define KESTREL_PLAN_INVPCID_ALL	(1u << 1) /* INVPCID type 2: every PCID, globals too */
#define KESTREL_PLAN_INVPCID_NONGLOBAL	(1u << 2) /* INVPCID type 3: every PCID, globals kept */
#define KESTREL_PLAN_PGE_TOGGLE		(1u << 3) /* CR4.PGE flipped, then restored */
#define KESTREL_PLAN_CR3		(1u << 4) /* CR3 written with its own value */

/* What the plan depends on: CR4 now, and the CPU's INVPCID and PGE (CPUID). */
struct kestrel_flush_cpu {
	uint64_t cr4;
	bool invpcid; /* CPUID.(EAX=07H,ECX=0):EBX[10] */
	bool pge; /* CPUID.01H:EDX[13] */
};

/* The steps for a local flush of kind flags (one KESTREL_FLUSH_* kind) over pages pages. */
uint32_t kestrel_flush_plan(uint32_t flags, uint64_t pages, const struct kestrel_flush_cpu *cpu);

#endif
