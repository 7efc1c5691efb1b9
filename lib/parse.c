// SPDX-License-Identifier: GPL-2.0
/* Bounded string helpers for the hypervisor and its host tests: copying, number parsing. */
#include "lib/string.h"

/* Copies at most size-1 bytes and always terminates; returns the length of src. */
size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t k = MIN(n, size - 1);

		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

/* Decimal, or hex with 0x; the whole of s[0..len) must be the number. */
bool str_to_u64(const char *s, size_t len, u64 *out)
{
	u64 v = 0, base = 10;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		u64 d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (u64)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (u64)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (u64)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* A number with an optional K, M or G suffix (binary units), as in mem=64M. */
bool str_to_size(const char *s, size_t len, u64 *out)
{
	u64 v, shift = 0;

	if (len && (s[len - 1] == 'K' || s[len - 1] == 'k'))
		shift = 10;
	else if (len && (s[len - 1] == 'M' || s[len - 1] == 'm'))
		shift = 20;
	else if (len && (s[len - 1] == 'G' || s[len - 1] == 'g'))
		shift = 30;
	if (shift)
		len--;
	if (!str_to_u64(s, len, &v))
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}
