/* SPDX-License-Identifier: MIT */
/*
 * Small compiler helpers shared by the payload and the host tools.
 */
#ifndef TINYDUMP_COMPILER_H
#define TINYDUMP_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define BIT(n) (1u << (n))
#define BIT64(n) (1ull << (n))
/* GENMASK(h, l): bits h..l set, as in Linux include/linux/bits.h. */
#define GENMASK(h, l) (((~0u) << (l)) & (~0u >> (31 - (h))))
#define GENMASK64(h, l) (((~0ull) << (l)) & (~0ull >> (63 - (h))))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Guarded: picolibc's <sys/cdefs.h> defines some of these too. */
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef __unused
#define __unused __attribute__((unused))
#endif
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

#endif
