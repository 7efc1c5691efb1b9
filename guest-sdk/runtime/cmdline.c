// SPDX-License-Identifier: MIT
/* Words of the guest command line: `key=value` or `key`, separated by spaces. */
#include "internal.h"

/* The value of the first word named key (empty for a bare `key`), or NULL; *len its length. */
static const char *find_word(const char *key, size_t *len)
{
	const char *s = rt_cmdline();
	size_t klen = strlen(key);

	while (*s) {
		const char *word;
		size_t wlen = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		word = s;
		while (word[wlen] && word[wlen] != ' ' && word[wlen] != '\t')
			wlen++;
		s = word + wlen;
		if (wlen < klen || strncmp(word, key, klen))
			continue;
		if (wlen == klen) {
			*len = 0;
			return word + wlen;
		}
		if (word[klen] == '=') {
			*len = wlen - klen - 1;
			return word + klen + 1;
		}
	}
	return NULL;
}

bool rt_cmdline_has(const char *key)
{
	size_t len;

	return find_word(key, &len) != NULL;
}

bool rt_cmdline_str(const char *key, char *buf, size_t size)
{
	size_t len;
	const char *v = find_word(key, &len);

	if (!v || !size)
		return false;
	if (len > size - 1)
		len = size - 1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return true;
}

static bool parse_u64(const char *s, size_t len, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		char c = s[i];
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else
			break;
		if (v > (~0ull - digit) / base)
			return false;
		v = v * base + digit;
	}
	if (i + 1 == len) {
		unsigned int shift = s[i] == 'K' || s[i] == 'k' ? 10 :
				     s[i] == 'M' || s[i] == 'm' ? 20 :
				     s[i] == 'G' || s[i] == 'g' ? 30 : 0;

		if (!shift || v > (~0ull >> shift))
			return false;
		v <<= shift;
		i++;
	}
	*out = v;
	return i == len;
}

u64 rt_cmdline_u64(const char *key, u64 def)
{
	size_t len;
	const char *v = find_word(key, &len);
	u64 out;

	if (!v)
		return def;
	if (!parse_u64(v, len, &out)) {
		rt_printf("kestrel-rt: command line: %s= wants a number; using %lu\n", key, def);
		return def;
	}
	return out;
}
