/* SPDX-License-Identifier: MIT */
/* Fixed-width types for the Kestrel guest runtime (freestanding: no libc). */
#ifndef KESTREL_RT_TYPES_H
#define KESTREL_RT_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define RT_PRINTF(fmt_arg, first_arg) __attribute__((format(printf, fmt_arg, first_arg)))
#define RT_NORETURN __attribute__((noreturn))
#define RT_ALIGNED(n) __attribute__((aligned(n)))
#define RT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
