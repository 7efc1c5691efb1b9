// SPDX-License-Identifier: GPL-2.0
/* VPID allocation (arch/x86/vmx/vpid.h): pure logic, host-tested in tests/unit/test_vpid.c. */
#include "arch/x86/vmx/vpid.h"
#include "lib/spinlock.h"

#define VPID_WORDS (65536 / 64)

/* A bit per VPID, set while a vCPU holds it; bit 0 (the host's VPID) is never handed out. */
static u64 vpid_used[VPID_WORDS] = { 1 };
static u32 vpid_hint; /* the word to look at first: where the last one was found */
static struct spinlock vpid_lock;

u16 vpid_alloc(void)
{
	u16 vpid = 0;

	spin_lock(&vpid_lock);
	for (u32 k = 0; k < VPID_WORDS; k++) {
		u32 w = (vpid_hint + k) % VPID_WORDS;
		u32 bit;

		if (vpid_used[w] == ~0ULL)
			continue;
		bit = (u32)__builtin_ctzll(~vpid_used[w]);
		vpid_used[w] |= 1ULL << bit;
		vpid_hint = w;
		vpid = (u16)(w * 64 + bit);
		break;
	}
	spin_unlock(&vpid_lock);
	return vpid;
}

void vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vpid_lock);
	vpid_used[vpid / 64] &= ~(1ULL << (vpid % 64));
	spin_unlock(&vpid_lock);
}
