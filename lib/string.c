// SPDX-License-Identifier: GPL-2.0
/* Freestanding memory and string functions for the hypervisor image. */
#include "lib/string.h"

/*
 * By quadwords, then the bytes left over. Real CPUs run REP MOVS and REP STOS fast whatever the
 * width (SDM Vol. 1, 7.3.9.3, "fast-string operation"), but Bochs counts each iteration as an
 * instruction: clearing a page byte by byte took 4,096 of its TSC ticks and made a shadow-paging
 * fault that built three tables take 39,000 (vm-timer-overcommit on core2_penryn_t9600).
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, b = n % 8;

	asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(b) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t q = n / 8, b = n % 8;
	u64 v = 0x0101010101010101ull * (u8)c;

	asm volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
	asm volatile("rep stosb" : "+D"(d), "+c"(b) : "a"(v) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
