// SPDX-License-Identifier: MIT
/* Host test of lib/vpset.c: the builder, iteration, and both encodings against abi.h. */
#include <string.h>
#include <kestrel/kestrel.h>
#include "check.h"

#define VCPUS 1024
#define BANKS KESTREL_VPSET_BANKS(VCPUS)

static uint64_t storage[BANKS];
static union {
	struct kestrel_vp_set set;
	uint8_t bytes[KESTREL_VP_SET_SIZE(BANKS)];
} buf;

/* What Kestrel's walk would visit: decodes the regs (and buf for the memory form) into a set. */
static void decode(const struct kestrel_vpset_regs *r, uint64_t *out)
{
	memset(out, 0, BANKS * sizeof(*out));
	if (r->flags & KESTREL_VPSET_INLINE) {
		if (r->rdx)
			out[(uint32_t)r->rsi] |= r->rdx;
		if (r->r10)
			out[r->rsi >> 32] |= r->r10;
		return;
	}
	CHECK(r->rdx == 0 && r->r10 == 0 && r->rsi == 0x123000);
	CHECK(buf.set.reserved == 0);
	for (uint32_t i = 0; i < buf.set.nr_banks; i++) {
		CHECK(buf.set.banks[i].reserved == 0);
		CHECK(buf.set.banks[i].bits != 0);
		CHECK(i == 0 || buf.set.banks[i].index > buf.set.banks[i - 1].index);
		out[buf.set.banks[i].index] |= buf.set.banks[i].bits;
	}
}

static void check_roundtrip(const struct kestrel_vpset *s, bool want_inline)
{
	struct kestrel_vpset_regs r;
	uint64_t got[BANKS];

	memset(&buf, 0xa5, sizeof(buf));
	CHECK(kestrel_vpset_encode(s, &buf.set, BANKS, 0x123000, &r) == 0);
	CHECK(!!(r.flags & KESTREL_VPSET_INLINE) == want_inline);
	decode(&r, got);
	CHECK(memcmp(got, s->bank, sizeof(got)) == 0);
}

static void test_builder(void)
{
	struct kestrel_vpset s;
	uint32_t n = 0;
	uint64_t small[2];

	CHECK(kestrel_vpset_init(&s, storage, BANKS, VCPUS) == 0);
	CHECK(kestrel_vpset_init(&s, small, 2, 129) == -KESTREL_EINVAL);
	CHECK(kestrel_vpset_init(&s, storage, BANKS, VCPUS) == 0);
	CHECK(kestrel_vpset_count(&s) == 0 && kestrel_vpset_next(&s, 0) == -1);
	CHECK(kestrel_vpset_add(&s, 0) == 0);
	CHECK(kestrel_vpset_add(&s, 63) == 0);
	CHECK(kestrel_vpset_add(&s, 64) == 0);
	CHECK(kestrel_vpset_add(&s, 1023) == 0);
	CHECK(kestrel_vpset_add(&s, 1024) == -KESTREL_EINVAL);
	CHECK(kestrel_vpset_test(&s, 63) && kestrel_vpset_test(&s, 1023));
	CHECK(!kestrel_vpset_test(&s, 62) && !kestrel_vpset_test(&s, 5000));
	CHECK(kestrel_vpset_count(&s) == 4 && kestrel_vpset_nonempty_banks(&s) == 3);
	CHECK(kestrel_vpset_next(&s, 1) == 63 && kestrel_vpset_next(&s, 64) == 64);
	CHECK(kestrel_vpset_next(&s, 65) == 1023 && kestrel_vpset_next(&s, 1024) == -1);
	kestrel_vpset_remove(&s, 63);
	kestrel_vpset_remove(&s, 2000);
	CHECK(!kestrel_vpset_test(&s, 63) && kestrel_vpset_count(&s) == 3);
	kestrel_vpset_for_each(&s, v)
		n += (uint32_t)v;
	CHECK(n == 0 + 64 + 1023);
	kestrel_vpset_fill(&s);
	CHECK(kestrel_vpset_count(&s) == VCPUS);
	kestrel_vpset_clear(&s);
	CHECK(kestrel_vpset_count(&s) == 0);
}

/* A VM whose vCPU count is not a multiple of 64: fill stops at the last vCPU. */
static void test_partial_bank(void)
{
	struct kestrel_vpset s;

	CHECK(kestrel_vpset_init(&s, storage, BANKS, 70) == 0);
	kestrel_vpset_fill(&s);
	CHECK(kestrel_vpset_count(&s) == 70);
	CHECK(s.bank[1] == 0x3f && s.bank[2] == 0);
	CHECK(kestrel_vpset_add(&s, 70) == -KESTREL_EINVAL);
	check_roundtrip(&s, true);
}

static void test_encodings(void)
{
	struct kestrel_vpset s;
	struct kestrel_vpset_regs r;

	CHECK(kestrel_vpset_init(&s, storage, BANKS, VCPUS) == 0);
	/* Empty: inline, nothing named. */
	check_roundtrip(&s, true);
	CHECK(kestrel_vpset_encode_inline(&s, &r) == 0 && r.rdx == 0 && r.r10 == 0);
	/* One vCPU, and the caller alone. */
	kestrel_vpset_add(&s, 5);
	check_roundtrip(&s, true);
	CHECK(kestrel_vpset_encode_inline(&s, &r) == 0);
	CHECK(r.rsi == 0 && r.rdx == 1ull << 5 && r.r10 == 0);
	/* Two banks far apart: still inline, A below B. */
	kestrel_vpset_add(&s, 1000);
	check_roundtrip(&s, true);
	CHECK(kestrel_vpset_encode_inline(&s, &r) == 0);
	CHECK(r.rsi == (0 | (uint64_t)(1000 / 64) << 32) && r.r10 == 1ull << (1000 % 64));
	/* A third bank: memory form; inline refuses. */
	kestrel_vpset_add(&s, 500);
	CHECK(kestrel_vpset_encode_inline(&s, &r) == -KESTREL_E2BIG);
	check_roundtrip(&s, false);
	CHECK(buf.set.nr_banks == 3);
	CHECK(buf.set.banks[0].index == 0 && buf.set.banks[1].index == 7 &&
	      buf.set.banks[2].index == 15);
	/* Too small a buffer, and none at all. */
	CHECK(kestrel_vpset_encode_mem(&s, &buf.set, 2, 0x123000, &r) == -KESTREL_E2BIG);
	CHECK(kestrel_vpset_encode(&s, NULL, 0, 0, &r) == -KESTREL_E2BIG);
	/* Every 37th vCPU: sparse, many banks. */
	kestrel_vpset_clear(&s);
	for (uint32_t v = 0; v < VCPUS; v += 37)
		kestrel_vpset_add(&s, v);
	check_roundtrip(&s, false);
	CHECK(kestrel_vpset_count(&s) == (VCPUS + 36) / 37);
	/* All, and all but one. */
	kestrel_vpset_fill(&s);
	check_roundtrip(&s, false);
	CHECK(buf.set.nr_banks == BANKS);
	kestrel_vpset_remove(&s, 0);
	check_roundtrip(&s, false);
	CHECK(buf.set.banks[0].bits == ~1ull);
}

/* A million vCPUs: no cap in the encoding; one call takes KESTREL_VPSET_MAX_BANKS banks. */
static void test_million(void)
{
	enum { MILLION = 1000000, MBANKS = KESTREL_VPSET_BANKS(MILLION) };
	static uint64_t big[MBANKS];
	static union {
		struct kestrel_vp_set set;
		uint8_t bytes[KESTREL_VP_SET_SIZE(KESTREL_VPSET_MAX_BANKS + 1)];
	} mbuf;
	struct kestrel_vpset s;
	struct kestrel_vpset_regs r;

	CHECK(kestrel_vpset_init(&s, big, MBANKS, MILLION) == 0);
	CHECK(kestrel_vpset_add(&s, 0) == 0);
	CHECK(kestrel_vpset_add(&s, MILLION - 1) == 0);
	CHECK(kestrel_vpset_encode(&s, &mbuf.set, KESTREL_VPSET_MAX_BANKS, 0x1000, &r) == 0);
	CHECK(r.flags & KESTREL_VPSET_INLINE);
	CHECK((uint32_t)r.rsi == 0 && (r.rsi >> 32) == (MILLION - 1) / 64);
	CHECK(r.rdx == 1 && r.r10 == 1ull << ((MILLION - 1) % 64));
	for (uint32_t b = 0; b < KESTREL_VPSET_MAX_BANKS; b++)
		CHECK(kestrel_vpset_add(&s, b * 200) == 0); /* 4096 more banks, one bit each */
	CHECK(kestrel_vpset_nonempty_banks(&s) > KESTREL_VPSET_MAX_BANKS);
	CHECK(kestrel_vpset_encode(&s, &mbuf.set, KESTREL_VPSET_MAX_BANKS + 1, 0x1000, &r) ==
	      -KESTREL_E2BIG);
}

int main(void)
{
	test_million();
	test_builder();
	test_partial_bank();
	test_encodings();
	return check_report("test_vpset");
}
