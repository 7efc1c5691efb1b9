// SPDX-License-Identifier: GPL-2.0
/* Unit tests for pv/vpset.c: inline and in-memory VP sets, their checks, cost and races. */
#include "unit.h"
#include "pv/vpset.h"
#include "guest-sdk/include/kestrel/abi.h"

#define NR_CHUNKS 2 /* 4 MiB of guest RAM */
#define RAM_SIZE (NR_CHUNKS * GMEM_CHUNK_SIZE)
#define INL KESTREL_VPSET_INLINE
#define SET_GPA 0x1000ull
#define MAX_VISITS 300000

static u8 ram[NR_CHUNKS][GMEM_CHUNK_SIZE] __aligned(GMEM_CHUNK_SIZE);
static u64 chunks[NR_CHUNKS];
static struct guest_mem gm = { .size = RAM_SIZE, .nr_chunks = NR_CHUNKS, .chunks = chunks };

/*
 * A stand-in for mm/guest_mem.c's reads that counts them and can run a hook before each, to
 * play another vCPU rewriting the set between two reads. Same semantics: all of it or -EFAULT.
 */
static u64 nr_reads, bytes_read;
static void (*read_hook)(u64 nr_read);

bool gmem_range_ok(const struct guest_mem *g, u64 gpa, u64 len)
{
	return gpa <= g->size && len <= g->size - gpa;
}

int gmem_read(const struct guest_mem *g, u64 gpa, void *dst, u64 len)
{
	u8 *d = dst;

	if (read_hook)
		read_hook(nr_reads);
	if (!gmem_range_ok(g, gpa, len))
		return -EFAULT;
	nr_reads++;
	bytes_read += len;
	while (len) {
		u64 n = MIN(len, GMEM_CHUNK_SIZE - (gpa & (GMEM_CHUNK_SIZE - 1)));

		memcpy(d, (void *)(uintptr_t)gmem_hpa(g, gpa), n);
		gpa += n;
		d += n;
		len -= n;
	}
	return 0;
}

static void put(u64 gpa, const void *src, u64 len)
{
	const u8 *s = src;

	assert_true(gmem_range_ok(&gm, gpa, len));
	for (u64 i = 0; i < len; i++)
		*(u8 *)(uintptr_t)gmem_hpa(&gm, gpa + i) = s[i];
}

/* Writes a set at gpa: nr banks from the arrays, header reserved field as given. */
static void put_set(u64 gpa, u32 nr, const u32 *index, const u64 *bits, u32 hdr_reserved)
{
	struct kestrel_vp_set hdr = { nr, hdr_reserved };

	put(gpa, &hdr, sizeof(hdr));
	for (u32 i = 0; i < nr; i++) {
		struct kestrel_vp_bank b = { index[i], 0, bits[i] };

		put(gpa + sizeof(hdr) + i * sizeof(b), &b, sizeof(b));
	}
}

static u64 bank_gpa(u64 set, u32 i)
{
	return set + sizeof(struct kestrel_vp_set) + i * sizeof(struct kestrel_vp_bank);
}

/* What the walk saw. */
static u32 visited[MAX_VISITS];
static u32 nr_visited;
static u32 stop_after; /* fn returns 7 at this many visits; 0: never */
static void (*visit_hook)(u32 vcpu);

static int record(void *ctx, u32 vcpu)
{
	assert_ptr_equal(ctx, &nr_visited);
	assert_true(nr_visited < MAX_VISITS);
	visited[nr_visited++] = vcpu;
	if (visit_hook)
		visit_hook(vcpu);
	if (stop_after && nr_visited == stop_after)
		return 7;
	return 0;
}

static int walk(u32 nr_vcpus, u32 flags, u64 rsi, u64 rdx, u64 r10)
{
	nr_visited = 0;
	nr_reads = 0;
	bytes_read = 0;
	return vpset_for_each(&gm, nr_vcpus, flags, rsi, rdx, r10, record, &nr_visited);
}

static void assert_visited(const u32 *want, u32 n)
{
	assert_int_equal(nr_visited, n);
	for (u32 i = 0; i < n; i++)
		assert_int_equal(visited[i], want[i]);
}

/* Chunks in reverse host order, so reads that ignore the chunk table go wrong. */
static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	for (u64 i = 0; i < NR_CHUNKS; i++)
		chunks[i] = (u64)(uintptr_t)ram[NR_CHUNKS - 1 - i];
	read_hook = NULL;
	visit_hook = NULL;
	stop_after = 0;
	return 0;
}

static void test_inline_one_bank(void **state)
{
	static const u32 want[] = { 0, 1, 3, 63 };

	(void)state;
	assert_int_equal(walk(64, INL, 0, 0x800000000000000bull, 0), 0);
	assert_visited(want, 4);
	assert_int_equal(nr_reads, 0);
	/* The same bank given as B instead, A empty. */
	assert_int_equal(walk(64, INL, 0, 0, 0x800000000000000bull), 0);
	assert_visited(want, 4);
	assert_int_equal(vpset_count(&gm, 64, INL, 0, 0x800000000000000bull, 0), 4);
}

static void test_inline_two_banks(void **state)
{
	static const u32 want[] = { 1, 130, 191 };

	(void)state;
	/* A = 2, B = 0: bank 0 still comes first. */
	assert_int_equal(walk(192, INL, 2, BIT(2) | BIT(63), BIT(1)), 0);
	assert_visited(want, 3);
	assert_int_equal(walk(192, INL, (2ull << 32) | 0, BIT(1), BIT(2) | BIT(63)), 0);
	assert_visited(want, 3);
	assert_int_equal(vpset_count(&gm, 192, INL, 2, BIT(2) | BIT(63), BIT(1)), 3);
}

static void test_inline_same_bank(void **state)
{
	static const u32 want[] = { 64, 65, 66 };

	(void)state;
	/* A == B: masks ORed, vCPU 65 named by both is visited once. */
	assert_int_equal(walk(128, INL, (1ull << 32) | 1, BIT(0) | BIT(1), BIT(1) | BIT(2)), 0);
	assert_visited(want, 3);
	assert_int_equal(vpset_count(&gm, 128, INL, (1ull << 32) | 1, 3, 6), 3);
	/* Both invalid bits in one of them: -EINVAL though the other is fine. */
	assert_int_equal(walk(100, INL, (1ull << 32) | 1, BIT(0), BIT(40)), -EINVAL);
	assert_int_equal(nr_visited, 0);
}

static void test_inline_zero_masks(void **state)
{
	(void)state;
	/* Empty banks are no banks: any index, even on a VM of 0 vCPUs. */
	assert_int_equal(walk(4, INL, ~0ull, 0, 0), 0);
	assert_int_equal(nr_visited, 0);
	assert_int_equal(walk(0, INL, 0, 0, 0), 0);
	assert_int_equal(vpset_count(&gm, 4, INL, 0x1234567887654321ull, 0, 0), 0);
	assert_int_equal(nr_reads, 0);
}

static void test_inline_own_bank(void **state)
{
	static const u32 want[] = { 3, 70 };

	(void)state;
	/* The caller, vCPU 70, names itself: it is visited like any other; callers decide. */
	assert_int_equal(walk(72, INL, (1ull << 32) | 0, BIT(3), BIT(6)), 0);
	assert_visited(want, 2);
}

static void test_inline_index_range(void **state)
{
	static const u32 want[] = { 5 };

	(void)state;
	/* Bank 9 does not exist on 64 vCPUs: fine with a zero mask, -EINVAL with bits. */
	assert_int_equal(walk(64, INL, (9ull << 32) | 0, BIT(5), 0), 0);
	assert_visited(want, 1);
	assert_int_equal(walk(64, INL, (9ull << 32) | 0, BIT(5), 1), -EINVAL);
	assert_int_equal(nr_visited, 0); /* bank 0 was fine but nothing was visited */
	assert_int_equal(walk(64, INL, 1, 1, 0), -EINVAL);
	/* Indices near 2^32 must not wrap into small vCPU numbers. */
	assert_int_equal(walk(~0u, INL, 0xffffffffull, 1, 0), -EINVAL);
	assert_int_equal(walk(~0u, INL, 0x4000000ull << 32, 0, 1), -EINVAL);
	assert_int_equal(vpset_count(&gm, 64, INL, 1, 1, 0), -EINVAL);
	/* The last bank of the largest VM: vCPUs up to 2^32 - 2 exist. */
	assert_int_equal(walk(~0u, INL, 0x3ffffff, BIT(62), 0), 0);
	assert_int_equal(visited[0], 0xfffffffeu);
	assert_int_equal(walk(~0u, INL, 0x3ffffff, BIT(63), 0), -EINVAL);
}

static void test_inline_partial_bank(void **state)
{
	static const u32 want[] = { 64, 69 };

	(void)state;
	/* 70 vCPUs: bank 1 holds 64..69; bit 6 is vCPU 70, which does not exist. */
	assert_int_equal(walk(70, INL, 1, BIT(0) | BIT(5), 0), 0);
	assert_visited(want, 2);
	assert_int_equal(walk(70, INL, 1, BIT(0) | BIT(6), 0), -EINVAL);
	assert_int_equal(nr_visited, 0);
	assert_int_equal(walk(70, INL, 1ull << 32, 0, BIT(63)), -EINVAL);
	assert_int_equal(walk(1, INL, 0, BIT(1), 0), -EINVAL);
	assert_int_equal(walk(1, INL, 0, BIT(0), 0), 0);
}

static void test_stop(void **state)
{
	static const u32 idx[] = { 0, 3 };
	static const u64 bits[] = { 0xf, 0xf };

	(void)state;
	stop_after = 3;
	assert_int_equal(walk(64, INL, 0, 0xff, 0), 7);
	assert_int_equal(nr_visited, 3);
	/* In memory, across banks: stops in the second bank. */
	put_set(SET_GPA, 2, idx, bits, 0);
	stop_after = 6;
	assert_int_equal(walk(256, 0, SET_GPA, 0, 0), 7);
	assert_int_equal(nr_visited, 6);
	assert_int_equal(visited[5], 193);
}

static void test_mem_sparse_16k(void **state)
{
	static const u32 idx[] = { 0, 17, 100, 255 };
	static const u64 bits[] = { BIT(0), BIT(5) | BIT(9), 0, BIT(63) };
	static const u32 want[] = { 0, 17 * 64 + 5, 17 * 64 + 9, 16383 };

	(void)state;
	put_set(SET_GPA, 4, idx, bits, 0);
	assert_int_equal(walk(16384, 0, SET_GPA, 0, 0), 0);
	assert_visited(want, 4);
	assert_int_equal(vpset_count(&gm, 16384, 0, SET_GPA, 0, 0), 4);
	/* One vCPU fewer: bank 255 bit 63 is vCPU 16383, gone. */
	assert_int_equal(walk(16383, 0, SET_GPA, 0, 0), -EINVAL);
	assert_int_equal(nr_visited, 0);
	/* Bank 256 is past a 16384-vCPU VM. */
	put_set(SET_GPA, 1, (const u32[]){ 256 }, (const u64[]){ 1 }, 0);
	assert_int_equal(walk(16384, 0, SET_GPA, 0, 0), -EINVAL);
}

static void test_mem_sparse_1m(void **state)
{
	static const u32 idx[] = { 3, 9999, 15624 };
	static const u64 bits[] = { BIT(7), ~0ull, BIT(63) };

	(void)state;
	/* 1,000,000 vCPUs are exactly 15625 full banks; only nr_vcpus is needed. */
	put_set(SET_GPA, 3, idx, bits, 0);
	assert_int_equal(walk(1000000, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(nr_visited, 66);
	assert_int_equal(visited[0], 3 * 64 + 7);
	assert_int_equal(visited[1], 9999 * 64);
	assert_int_equal(visited[64], 9999 * 64 + 63);
	assert_int_equal(visited[65], 999999);
	put_set(SET_GPA, 1, (const u32[]){ 15625 }, (const u64[]){ 1 }, 0);
	assert_int_equal(walk(1000000, 0, SET_GPA, 0, 0), -EINVAL);
	/* One more vCPU: bank 15625 has vCPU 1000000 only. */
	assert_int_equal(walk(1000001, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(visited[0], 1000000);
	put_set(SET_GPA, 1, (const u32[]){ 15625 }, (const u64[]){ 2 }, 0);
	assert_int_equal(walk(1000001, 0, SET_GPA, 0, 0), -EINVAL);
}

static void test_mem_order(void **state)
{
	(void)state;
	/* Strictly increasing: fine; equal or decreasing: -EINVAL, nothing visited. */
	put_set(SET_GPA, 3, (const u32[]){ 1, 2, 5 }, (const u64[]){ 1, 1, 1 }, 0);
	assert_int_equal(walk(384, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(nr_visited, 3);
	put_set(SET_GPA, 3, (const u32[]){ 1, 2, 2 }, (const u64[]){ 1, 2, 4 }, 0);
	assert_int_equal(walk(384, 0, SET_GPA, 0, 0), -EINVAL);
	assert_int_equal(nr_visited, 0);
	put_set(SET_GPA, 3, (const u32[]){ 1, 5, 2 }, (const u64[]){ 1, 1, 1 }, 0);
	assert_int_equal(walk(384, 0, SET_GPA, 0, 0), -EINVAL);
	assert_int_equal(nr_visited, 0);
	assert_int_equal(vpset_count(&gm, 384, 0, SET_GPA, 0, 0), -EINVAL);
	/* The order holds across batches of 16 banks too. */
	for (u32 i = 0; i < 20; i++) {
		u32 index = i == 17 ? 15 : i;

		put(bank_gpa(SET_GPA, i), &(struct kestrel_vp_bank){ index, 0, 1 }, 16);
	}
	put(SET_GPA, &(struct kestrel_vp_set){ 20, 0 }, 8);
	assert_int_equal(walk(20 * 64, 0, SET_GPA, 0, 0), -EINVAL);
	/* A listed empty bank is allowed but must exist and keep the order. */
	put_set(SET_GPA, 2, (const u32[]){ 0, 4 }, (const u64[]){ 0, 1 }, 0);
	assert_int_equal(walk(320, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(nr_visited, 1);
	assert_int_equal(visited[0], 256);
	assert_int_equal(walk(256, 0, SET_GPA, 0, 0), -EINVAL);
	put_set(SET_GPA, 2, (const u32[]){ 9, 4 }, (const u64[]){ 0, 1 }, 0);
	assert_int_equal(walk(1024, 0, SET_GPA, 0, 0), -EINVAL);
	/* No banks at all: an empty set. */
	put_set(SET_GPA, 0, NULL, NULL, 0);
	assert_int_equal(walk(1, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(nr_visited, 0);
}

static void test_mem_too_many(void **state)
{
	u64 all = ~0ull;

	(void)state;
	/* KESTREL_VPSET_MAX_BANKS full banks: 262144 vCPUs in one call. */
	for (u32 i = 0; i < KESTREL_VPSET_MAX_BANKS; i++)
		put(bank_gpa(SET_GPA, i), &(struct kestrel_vp_bank){ i, 0, all }, 16);
	put(SET_GPA, &(struct kestrel_vp_set){ KESTREL_VPSET_MAX_BANKS, 0 }, 8);
	assert_int_equal(walk(1000000, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(nr_visited, KESTREL_VPSET_MAX_BANKS * 64);
	assert_int_equal(visited[nr_visited - 1], KESTREL_VPSET_MAX_BANKS * 64 - 1);
	/* Bounded reads: the header, then 16 banks at a time, twice. */
	assert_int_equal(nr_reads, 1 + 2 * KESTREL_VPSET_MAX_BANKS / 16);
	/* One more bank is -EINVAL before any bank is read. */
	put(SET_GPA, &(struct kestrel_vp_set){ KESTREL_VPSET_MAX_BANKS + 1, 0 }, 8);
	assert_int_equal(walk(1000000, 0, SET_GPA, 0, 0), -EINVAL);
	assert_int_equal(nr_reads, 1);
	put(SET_GPA, &(struct kestrel_vp_set){ ~0u, 0 }, 8);
	assert_int_equal(walk(~0u, 0, SET_GPA, 0, 0), -EINVAL);
}

static void test_mem_fault(void **state)
{
	(void)state;
	/* The header past the end of RAM, partly or wholly, or at an address that would wrap. */
	assert_int_equal(walk(64, 0, RAM_SIZE - 4, 0, 0), -EFAULT);
	assert_int_equal(walk(64, 0, RAM_SIZE, 0, 0), -EFAULT);
	assert_int_equal(walk(64, 0, ~0ull - 3, 0, 0), -EFAULT);
	assert_int_equal(vpset_count(&gm, 64, 0, RAM_SIZE, 0, 0), -EFAULT);
	/* The header fits, the banks do not: -EFAULT before any bank is looked at. */
	put(RAM_SIZE - 8 - 16, &(struct kestrel_vp_set){ 2, 0 }, 8);
	put(RAM_SIZE - 16, &(struct kestrel_vp_bank){ 0, 0, 1 }, 16);
	assert_int_equal(walk(128, 0, RAM_SIZE - 8 - 16, 0, 0), -EFAULT);
	assert_int_equal(nr_visited, 0);
	/* Exactly to the end: fine. */
	put_set(RAM_SIZE - 8 - 32, 2, (const u32[]){ 0, 1 }, (const u64[]){ 1, 1 }, 0);
	assert_int_equal(walk(128, 0, RAM_SIZE - 8 - 32, 0, 0), 0);
	assert_int_equal(nr_visited, 2);
	/* Across the chunk boundary (chunks are in reverse host order). */
	put_set(GMEM_CHUNK_SIZE - 12, 2, (const u32[]){ 0, 1 }, (const u64[]){ 2, 4 }, 0);
	assert_int_equal(walk(128, 0, GMEM_CHUNK_SIZE - 12, 0, 0), 0);
	assert_int_equal(nr_visited, 2);
	assert_int_equal(visited[1], 66);
}

static void test_mem_reserved(void **state)
{
	struct kestrel_vp_bank b = { 1, 1, 1 };

	(void)state;
	put_set(SET_GPA, 1, (const u32[]){ 0 }, (const u64[]){ 1 }, 1);
	assert_int_equal(walk(64, 0, SET_GPA, 0, 0), -EINVAL);
	put_set(SET_GPA, 2, (const u32[]){ 0, 1 }, (const u64[]){ 1, 1 }, 0);
	put(bank_gpa(SET_GPA, 1), &b, sizeof(b));
	assert_int_equal(walk(128, 0, SET_GPA, 0, 0), -EINVAL);
	assert_int_equal(nr_visited, 0);
	/* RDX and R10 are 0 in the memory form. */
	put_set(SET_GPA, 1, (const u32[]){ 0 }, (const u64[]){ 1 }, 0);
	assert_int_equal(walk(64, 0, SET_GPA, 0, 0), 0);
	assert_int_equal(walk(64, 0, SET_GPA, 1, 0), -EINVAL);
	assert_int_equal(walk(64, 0, SET_GPA, 0, 1), -EINVAL);
	assert_int_equal(nr_reads, 0);
	/* Flag bits other than KESTREL_VPSET_INLINE belong to the call, not to the set. */
	assert_int_equal(walk(64, 0x7fffffff, SET_GPA, 0, 0), 0);
	assert_int_equal(nr_visited, 1);
}

/* The cost follows the set, not the VM: reads and visits counted exactly. */
static void test_cost(void **state)
{
	static const u32 sizes[] = { 192, 16384, 1000000, ~0u };
	u64 rng = 0x5eed;

	(void)state;
	put_set(SET_GPA, 3, (const u32[]){ 0, 1, 2 }, (const u64[]){ 1, 1, 1 }, 0);
	for (u32 s = 0; s < ARRAY_SIZE(sizes); s++) {
		assert_int_equal(walk(sizes[s], 0, SET_GPA, 0, 0), 0);
		assert_int_equal(nr_visited, 3);
		assert_int_equal(nr_reads, 3); /* header, one batch to check, one to walk */
		assert_int_equal(bytes_read, 8 + 2 * 3 * 16);
	}
	/* Random sparse sets on the largest VM: reads are 1 + 2 * ceil(banks / 16). */
	for (u32 round = 0; round < 50; round++) {
		u32 nr = (u32)unit_rand_range(&rng, 1, 100), index = 0;
		u64 bits_total = 0;

		for (u32 i = 0; i < nr; i++) {
			u64 bits = unit_rand(&rng) & unit_rand(&rng);

			index += (u32)unit_rand_range(&rng, 1, 600000);
			bits_total += (u64)__builtin_popcountll(bits);
			put(bank_gpa(SET_GPA, i), &(struct kestrel_vp_bank){ index, 0, bits }, 16);
		}
		put(SET_GPA, &(struct kestrel_vp_set){ nr, 0 }, 8);
		assert_int_equal(walk(~0u, 0, SET_GPA, 0, 0), 0);
		assert_int_equal(nr_visited, bits_total);
		assert_int_equal(nr_reads, 1 + 2 * ((nr + 15) / 16));
		assert_int_equal(bytes_read, 8 + 2 * nr * 16);
		for (u32 i = 1; i < nr_visited; i++)
			assert_true(visited[i] > visited[i - 1]);
	}
}

/* Time of check, time of use: another vCPU rewrites banks between the check and the walk. */
static u64 race_set;
static u32 race_at_read;
static struct kestrel_vp_bank race_bank;
static u32 race_slot;

static void race(u64 nr_read)
{
	if (nr_read == race_at_read)
		put(bank_gpa(race_set, race_slot), &race_bank, sizeof(race_bank));
}

static void race_header(u64 nr_read)
{
	if (nr_read == race_at_read)
		put(SET_GPA, &(struct kestrel_vp_set){ 3, 0 }, 8);
}

static void race_one(u32 slot, struct kestrel_vp_bank b, const u32 *want, u32 n)
{
	put_set(SET_GPA, 3, (const u32[]){ 0, 2, 4 }, (const u64[]){ 1, 1, 1 }, 0);
	race_set = SET_GPA;
	race_slot = slot;
	race_bank = b;
	race_at_read = 2; /* after the header and the checking batch: before the walk's batch */
	read_hook = race;
	assert_int_equal(walk(300, 0, SET_GPA, 0, 0), 0);
	read_hook = NULL;
	assert_visited(want, n);
}

static void test_toctou_between_passes(void **state)
{
	(void)state;
	/* Bank 4 gets a bit for vCPU 300 (past 300 vCPUs): skipped. */
	race_one(2, (struct kestrel_vp_bank){ 4, 0, BIT(44) | 1 }, (const u32[]){ 0, 128 }, 2);
	/* Bank 2 becomes a duplicate of bank 0, then an out-of-order one: skipped. */
	race_one(1, (struct kestrel_vp_bank){ 0, 0, 2 }, (const u32[]){ 0, 256 }, 2);
	race_one(2, (struct kestrel_vp_bank){ 1, 0, 2 }, (const u32[]){ 0, 128 }, 2);
	/* A reserved field set: skipped. */
	race_one(1, (struct kestrel_vp_bank){ 2, 9, 1 }, (const u32[]){ 0, 256 }, 2);
	/* A bank past the VM: skipped. */
	race_one(2, (struct kestrel_vp_bank){ 5, 0, 1 }, (const u32[]){ 0, 128 }, 2);
	/* Still valid but different: what is used is what was checked, the new bits. */
	race_one(1, (struct kestrel_vp_bank){ 3, 0, 6 }, (const u32[]){ 0, 193, 194, 256 }, 4);
	/* The count grown after the check: the header is not read again. */
	put_set(SET_GPA, 2, (const u32[]){ 0, 1 }, (const u64[]){ 1, 1 }, 0);
	put(bank_gpa(SET_GPA, 2), &(struct kestrel_vp_bank){ 2, 0, 1 }, 16);
	race_at_read = 2;
	read_hook = race_header;
	assert_int_equal(walk(192, 0, SET_GPA, 0, 0), 0);
	read_hook = NULL;
	assert_visited((const u32[]){ 0, 64 }, 2);
}

/* fn itself (running for one vCPU) spoils a bank in a later batch: that bank is not acted on. */
static void spoil_later_bank(u32 vcpu)
{
	if (vcpu == 0) {
		put(bank_gpa(SET_GPA, 19), &(struct kestrel_vp_bank){ 18, 0, 1 }, 16);
		put(bank_gpa(SET_GPA, 20), &(struct kestrel_vp_bank){ 20, 7, 1 }, 16);
		put(bank_gpa(SET_GPA, 22), &(struct kestrel_vp_bank){ 22, 0, 2 }, 16);
	}
}

static void test_toctou_during_walk(void **state)
{
	(void)state;
	/* Banks 0..22, bit 0 each, on 1409 vCPUs: bank 22 has vCPU 1408 only. */
	for (u32 i = 0; i < 23; i++)
		put(bank_gpa(SET_GPA, i), &(struct kestrel_vp_bank){ i, 0, 1 }, 16);
	put(SET_GPA, &(struct kestrel_vp_set){ 23, 0 }, 8);
	visit_hook = spoil_later_bank;
	assert_int_equal(walk(22 * 64 + 1, 0, SET_GPA, 0, 0), 0);
	/*
	 * Banks 0..18 visited (16..18 read after the rewrite, unchanged); 19 now goes backwards,
	 * 20 has a reserved field set, 22 names vCPU 1409, which does not exist; 21 is fine.
	 */
	assert_int_equal(nr_visited, 20);
	for (u32 i = 0; i < 19; i++)
		assert_int_equal(visited[i], i * 64);
	assert_int_equal(visited[19], 21 * 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_inline_one_bank, setup),
		cmocka_unit_test_setup(test_inline_two_banks, setup),
		cmocka_unit_test_setup(test_inline_same_bank, setup),
		cmocka_unit_test_setup(test_inline_zero_masks, setup),
		cmocka_unit_test_setup(test_inline_own_bank, setup),
		cmocka_unit_test_setup(test_inline_index_range, setup),
		cmocka_unit_test_setup(test_inline_partial_bank, setup),
		cmocka_unit_test_setup(test_stop, setup),
		cmocka_unit_test_setup(test_mem_sparse_16k, setup),
		cmocka_unit_test_setup(test_mem_sparse_1m, setup),
		cmocka_unit_test_setup(test_mem_order, setup),
		cmocka_unit_test_setup(test_mem_too_many, setup),
		cmocka_unit_test_setup(test_mem_fault, setup),
		cmocka_unit_test_setup(test_mem_reserved, setup),
		cmocka_unit_test_setup(test_cost, setup),
		cmocka_unit_test_setup(test_toctou_between_passes, setup),
		cmocka_unit_test_setup(test_toctou_during_walk, setup),
	};

	return unit_run(tests);
}
