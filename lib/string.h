/* SPDX-License-Identifier: GPL-2.0 */
/* The C string and memory functions Kestrel provides itself (the host tests use libc's). */
#ifndef KESTREL_LIB_STRING_H
#define KESTREL_LIB_STRING_H

#include "lib/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* Kestrel's own helpers (not in libc). */
size_t str_copy(char *dst, const char *src, size_t size);
bool str_to_u64(const char *s, size_t len, u64 *out);
bool str_to_size(const char *s, size_t len, u64 *out);

#endif
