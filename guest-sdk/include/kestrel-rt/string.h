/* SPDX-License-Identifier: MIT */
/* The few C string functions the runtime provides (the compiler may call the mem* ones). */
#ifndef KESTREL_RT_STRING_H
#define KESTREL_RT_STRING_H

#include <kestrel-rt/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Copies at most size - 1 bytes and always terminates; returns strlen(src). */
size_t rt_strlcpy(char *dst, const char *src, size_t size);

#endif
