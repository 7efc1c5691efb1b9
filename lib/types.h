/* SPDX-License-Identifier: GPL-2.0 */
/* Fixed-width types and small helpers shared by every part of Kestrel (and its host tests). */
#ifndef KESTREL_LIB_TYPES_H
#define KESTREL_LIB_TYPES_H

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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define BIT(n) ((u64)1 << (n))

#define KiB ((u64)1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

#define PAGE_SHIFT 12
#define PAGE_SIZE ((u64)1 << PAGE_SHIFT)

#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#ifndef __always_inline /* glibc has one too, in host tests */
#define __always_inline inline __attribute__((always_inline))
#endif
#define __unused __attribute__((unused))
/* A slow path kept out of line and out of the way of the hot one around it. */
#define __cold __attribute__((noinline, cold))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Error numbers, negative on return, as Linux and the PV ABI use them. */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define EAGAIN 11
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENOTSUP 95
#define ETIMEDOUT 110

#endif
