// SPDX-License-Identifier: MIT
/*
 * abi.h as an OS kernel without a C library sees it: `make check` compiles this file with
 * -ffreestanding -nostdinc (no header at all but abi.h), as C11 and as C++11 and C++17.
 */
#include <kestrel/abi.h>

/* The type carries its alignment: a plain array of areas is aligned with no attribute here. */
static struct kestrel_vcpu_area areas[3];

KESTREL_STATIC_ASSERT(sizeof(areas) == 3 * 64, "areas are packed one per cache line");
KESTREL_STATIC_ASSERT(sizeof(kestrel_u64) == 8 && sizeof(kestrel_u32) == 4, "fixed widths");
KESTREL_STATIC_ASSERT(KESTREL_VPSET_MAX_BANKS * sizeof(struct kestrel_vp_bank) +
		      sizeof(struct kestrel_vp_set) == 65544, "a full memory-form VP set");

#ifdef __cplusplus
extern "C" {
#endif
int abi_alone(void);
#ifdef __cplusplus
}
#endif

int abi_alone(void)
{
	return (int)(areas[1].flags + KESTREL_HC_SEND_IPI);
}
