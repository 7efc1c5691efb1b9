// SPDX-License-Identifier: GPL-2.0
/* VP sets: decoding, validation and the walk, inline or from guest memory; pure logic. */
#include "pv/vpset.h"
#include "guest-sdk/include/kestrel/abi.h"

#define VPSET_BANK_BITS 64
/* Banks read from guest memory at a time: bounds the stack whatever nr_banks says. */
#define VPSET_BATCH 16

/* The bits of bank index that name existing vCPUs; 0 when the bank is past the VM's vCPUs. */
static u64 vpset_bank_valid(u32 nr_vcpus, u64 index)
{
	u64 first = index * VPSET_BANK_BITS; /* index < 2^32: no overflow */

	if (first >= nr_vcpus)
		return 0;
	if (nr_vcpus - first >= VPSET_BANK_BITS)
		return ~0ull;
	return BIT(nr_vcpus - first) - 1;
}

/* The bank exists and names only vCPUs that exist. */
static bool vpset_bank_ok(u32 nr_vcpus, u64 index, u64 bits)
{
	u64 valid = vpset_bank_valid(nr_vcpus, index);

	return valid && !(bits & ~valid);
}

/* Calls fn for each set bit, lowest first: the cost is the number of bits set. */
static int vpset_walk_bank(u64 index, u64 bits, vpset_fn fn, void *ctx)
{
	while (bits) {
		u32 bit = (u32)__builtin_ctzll(bits);
		int ret;

		bits &= bits - 1;
		ret = fn(ctx, (u32)(index * VPSET_BANK_BITS + bit));
		if (ret)
			return ret;
	}
	return 0;
}

/* Registers only: nothing can change between the checks and the walk. */
static int vpset_inline(u32 nr_vcpus, u64 rsi, u64 rdx, u64 r10, vpset_fn fn, void *ctx)
{
	u64 a = (u32)rsi, b = rsi >> 32;
	int ret;

	/* A bank with no bits is no bank: its index is not looked at. */
	if (rdx && !vpset_bank_ok(nr_vcpus, a, rdx))
		return -EINVAL;
	if (r10 && !vpset_bank_ok(nr_vcpus, b, r10))
		return -EINVAL;
	if (a == b) {
		/* One bank twice: ORing the masks visits each vCPU once. */
		rdx |= r10;
		r10 = 0;
	} else if (rdx && r10 && a > b) {
		u64 t = a;

		a = b;
		b = t;
		t = rdx;
		rdx = r10;
		r10 = t;
	}
	ret = vpset_walk_bank(a, rdx, fn, ctx);
	if (ret)
		return ret;
	return vpset_walk_bank(b, r10, fn, ctx);
}

/* The header, read once: -EFAULT, -EINVAL, or 0 with *nr the (bounded) bank count. */
static int vpset_mem_header(const struct guest_mem *gm, u64 gpa, u32 *nr)
{
	struct kestrel_vp_set hdr;

	if (gmem_read(gm, gpa, &hdr, sizeof(hdr)))
		return -EFAULT;
	if (hdr.reserved || hdr.nr_banks > KESTREL_VPSET_MAX_BANKS)
		return -EINVAL;
	/* The header is in RAM, so gpa + sizeof(hdr) cannot wrap; the length is < 2^17. */
	if (!gmem_range_ok(gm, gpa + sizeof(hdr), (u64)hdr.nr_banks * sizeof(hdr.banks[0])))
		return -EFAULT;
	*nr = hdr.nr_banks;
	return 0;
}

/*
 * One pass over the nr banks at gpa, VPSET_BATCH at a time. Without fn it checks: the first bad
 * bank is -EINVAL. With fn it walks: each bank is checked again as read now (the guest may have
 * changed it since the check) and a bad one, or one not after the last bank walked, is skipped.
 */
static int vpset_mem_pass(const struct guest_mem *gm, u32 nr_vcpus, u64 gpa, u32 nr,
			  vpset_fn fn, void *ctx)
{
	struct kestrel_vp_bank buf[VPSET_BATCH];
	s64 last = -1; /* index of the last good bank */

	for (u32 i = 0; i < nr; i += VPSET_BATCH) {
		u32 n = MIN(nr - i, VPSET_BATCH);

		/* In RAM when the header was checked; RAM does not shrink under a hypercall. */
		if (gmem_read(gm, gpa + (u64)i * sizeof(buf[0]), buf, n * sizeof(buf[0])))
			return -EFAULT;
		for (u32 j = 0; j < n; j++) {
			const struct kestrel_vp_bank *bank = &buf[j];
			int ret;

			if (bank->reserved || (s64)bank->index <= last ||
			    !vpset_bank_ok(nr_vcpus, bank->index, bank->bits)) {
				if (!fn)
					return -EINVAL;
				continue;
			}
			last = bank->index;
			if (!fn)
				continue;
			ret = vpset_walk_bank(bank->index, bank->bits, fn, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int vpset_mem(const struct guest_mem *gm, u32 nr_vcpus, u64 gpa, vpset_fn fn, void *ctx)
{
	u64 banks = gpa + sizeof(struct kestrel_vp_set);
	u32 nr;
	int ret;

	ret = vpset_mem_header(gm, gpa, &nr);
	if (ret)
		return ret;
	ret = vpset_mem_pass(gm, nr_vcpus, banks, nr, NULL, NULL);
	if (ret)
		return ret;
	return vpset_mem_pass(gm, nr_vcpus, banks, nr, fn, ctx);
}

int vpset_for_each(const struct guest_mem *gm, u32 nr_vcpus, u32 flags, u64 rsi, u64 rdx,
		   u64 r10, vpset_fn fn, void *ctx)
{
	if (flags & KESTREL_VPSET_INLINE)
		return vpset_inline(nr_vcpus, rsi, rdx, r10, fn, ctx);
	/* The memory form has no use for RDX and R10: they stay 0 for later extensions. */
	if (rdx || r10)
		return -EINVAL;
	return vpset_mem(gm, nr_vcpus, rsi, fn, ctx);
}

static int vpset_count_one(void *ctx, u32 vcpu)
{
	(void)vcpu;
	(*(s64 *)ctx)++;
	return 0;
}

/* Counted by walking, so in memory form it is the number the walk would visit as read now. */
s64 vpset_count(const struct guest_mem *gm, u32 nr_vcpus, u32 flags, u64 rsi, u64 rdx, u64 r10)
{
	s64 n = 0;
	int ret = vpset_for_each(gm, nr_vcpus, flags, rsi, rdx, r10, vpset_count_one, &n);

	return ret ? ret : n;
}
