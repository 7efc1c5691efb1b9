// SPDX-License-Identifier: MIT
/* The VP-set builder and its inline and in-memory encodings; pure logic (host-tested). */
#include <kestrel/kestrel.h>

#define BANK_BITS 64u

/* The bits of bank b that name vCPUs the VM has. */
static uint64_t bank_valid(const struct kestrel_vpset *s, uint32_t b)
{
	uint32_t first = b * BANK_BITS;

	if (first >= s->nr_vcpus)
		return 0;
	if (s->nr_vcpus - first >= BANK_BITS)
		return ~0ull;
	return (1ull << (s->nr_vcpus - first)) - 1;
}

/* Without libgcc (__builtin_popcountll may call __popcountdi2): SWAR bit count. */
static uint32_t popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

static uint32_t used_banks(const struct kestrel_vpset *s)
{
	return KESTREL_VPSET_BANKS(s->nr_vcpus);
}

int kestrel_vpset_init(struct kestrel_vpset *s, uint64_t *storage, uint32_t nr_banks,
		       uint32_t nr_vcpus)
{
	/* Any VM size: one call takes KESTREL_VPSET_MAX_BANKS non-empty banks (encode checks). */
	if (!storage || KESTREL_VPSET_BANKS((uint64_t)nr_vcpus) > nr_banks)
		return -KESTREL_EINVAL;
	s->bank = storage;
	s->nr_banks = nr_banks;
	s->nr_vcpus = nr_vcpus;
	kestrel_vpset_clear(s);
	return 0;
}

void kestrel_vpset_clear(struct kestrel_vpset *s)
{
	for (uint32_t b = 0; b < s->nr_banks; b++)
		s->bank[b] = 0;
}

void kestrel_vpset_fill(struct kestrel_vpset *s)
{
	for (uint32_t b = 0; b < used_banks(s); b++)
		s->bank[b] = bank_valid(s, b);
}

int kestrel_vpset_add(struct kestrel_vpset *s, uint32_t vcpu)
{
	if (vcpu >= s->nr_vcpus)
		return -KESTREL_EINVAL;
	s->bank[vcpu / BANK_BITS] |= 1ull << (vcpu % BANK_BITS);
	return 0;
}

void kestrel_vpset_remove(struct kestrel_vpset *s, uint32_t vcpu)
{
	if (vcpu < s->nr_vcpus)
		s->bank[vcpu / BANK_BITS] &= ~(1ull << (vcpu % BANK_BITS));
}

bool kestrel_vpset_test(const struct kestrel_vpset *s, uint32_t vcpu)
{
	return vcpu < s->nr_vcpus && (s->bank[vcpu / BANK_BITS] >> (vcpu % BANK_BITS) & 1);
}

uint32_t kestrel_vpset_count(const struct kestrel_vpset *s)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < used_banks(s); b++)
		n += popcount64(s->bank[b]);
	return n;
}

uint32_t kestrel_vpset_nonempty_banks(const struct kestrel_vpset *s)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < used_banks(s); b++)
		n += s->bank[b] != 0;
	return n;
}

int64_t kestrel_vpset_next(const struct kestrel_vpset *s, uint32_t from)
{
	for (uint32_t b = from / BANK_BITS; b < used_banks(s); b++) {
		uint64_t bits = s->bank[b];

		if (b == from / BANK_BITS)
			bits &= ~0ull << (from % BANK_BITS);
		if (bits)
			return (int64_t)b * BANK_BITS + __builtin_ctzll(bits);
	}
	return -1;
}

int kestrel_vpset_encode_inline(const struct kestrel_vpset *s, struct kestrel_vpset_regs *out)
{
	uint32_t idx[2] = { 0, 0 }, n = 0;
	uint64_t bits[2] = { 0, 0 };

	for (uint32_t b = 0; b < used_banks(s); b++) {
		if (!s->bank[b])
			continue;
		if (n == 2)
			return -KESTREL_E2BIG;
		idx[n] = b;
		bits[n++] = s->bank[b];
	}
	out->flags = KESTREL_VPSET_INLINE;
	out->rsi = idx[0] | (uint64_t)idx[1] << 32;
	out->rdx = bits[0];
	out->r10 = bits[1];
	return 0;
}

int kestrel_vpset_encode_mem(const struct kestrel_vpset *s, struct kestrel_vp_set *buf,
			     uint32_t max_banks, uint64_t buf_gpa, struct kestrel_vpset_regs *out)
{
	uint32_t n = 0;

	if (!buf || kestrel_vpset_nonempty_banks(s) > max_banks ||
	    kestrel_vpset_nonempty_banks(s) > KESTREL_VPSET_MAX_BANKS)
		return -KESTREL_E2BIG;
	/* Increasing bank order: the walk is the order Kestrel requires. */
	for (uint32_t b = 0; b < used_banks(s); b++) {
		if (!s->bank[b])
			continue;
		buf->banks[n].index = b;
		buf->banks[n].reserved = 0;
		buf->banks[n].bits = s->bank[b];
		n++;
	}
	buf->nr_banks = n;
	buf->reserved = 0;
	out->flags = 0;
	out->rsi = buf_gpa;
	out->rdx = 0;
	out->r10 = 0;
	return 0;
}

int kestrel_vpset_encode(const struct kestrel_vpset *s, struct kestrel_vp_set *buf,
			 uint32_t max_banks, uint64_t buf_gpa, struct kestrel_vpset_regs *out)
{
	if (kestrel_vpset_nonempty_banks(s) <= 2)
		return kestrel_vpset_encode_inline(s, out);
	return kestrel_vpset_encode_mem(s, buf, max_banks, buf_gpa, out);
}
