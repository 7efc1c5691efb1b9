// SPDX-License-Identifier: MIT
/*
 * Host test of lib/hypercall.c's typed wrappers, the paths that return before any VMCALL: a
 * NULL VP-set buffer with a set that does not fit inline, a NULL range array with ranges
 * counted, too many ranges. A wrapper that reached VMCALL here would die of #UD (SIGILL).
 */
#include <kestrel/kestrel.h>
#include "check.h"

#define VCPUS 256

static uint64_t storage[KESTREL_VPSET_BANKS(VCPUS)];
static struct kestrel_flush_range ranges[KESTREL_FLUSH_MAX_RANGES + 1];

int main(void)
{
	struct kestrel_vpset s;

	CHECK(kestrel_vpset_init(&s, storage, KESTREL_VPSET_BANKS(VCPUS), VCPUS) == 0);
	/* Three non-empty banks: the memory form, and no buffer to put it in. */
	kestrel_vpset_add(&s, 1);
	kestrel_vpset_add(&s, 65);
	kestrel_vpset_add(&s, 129);
	CHECK(kestrel_send_ipi(NULL, &s, 0x40, NULL, 0) == -KESTREL_E2BIG);
	CHECK(kestrel_flush_tlb(NULL, &s, KESTREL_FLUSH_ALL, NULL, 0, 0, NULL, 0) ==
	      -KESTREL_E2BIG);
	/* Ranges counted but none given; too many ranges. */
	kestrel_vpset_remove(&s, 129);
	CHECK(kestrel_flush_tlb(NULL, &s, KESTREL_FLUSH_RANGES, NULL, 1, 0, NULL, 0) ==
	      -KESTREL_EINVAL);
	CHECK(kestrel_flush_tlb(NULL, &s, KESTREL_FLUSH_RANGES, ranges,
				KESTREL_FLUSH_MAX_RANGES + 1, 0, NULL, 0) == -KESTREL_E2BIG);
	return check_report("test_wrappers");
}
