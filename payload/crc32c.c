// SPDX-License-Identifier: MIT
/*
 * CRC32C, slicing-by-8: eight 256-entry tables let the loop fold 8 input
 * bytes per step (table k gives the CRC of a byte followed by k zero
 * bytes).  Tables live in .bss (8 KiB) and are computed on first use: the
 * payload runs no constructors and a const literal table would be 8 KiB of
 * source.  Inputs are loaded little-endian byte by byte, so the result is
 * the same on any host.
 */
#include "payload/crc32c.h"

#include <stdbool.h>
#include <string.h>

#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32) && !defined(TINYDUMP_HOST)
/*
 * The payload: the Armv8 CRC32C instructions (FEAT_CRC32, Arm ARM C6.2:
 * CRC32CB/CRC32CX; present on every Cortex-A core and mandatory from
 * Armv8.1; -mcpu=cortex-a53 assumes them).  No tables: 8 KiB less
 * image_size, and faster than slicing-by-8.  Same polynomial, same result.
 */
#include <arm_acle.h>

void crc32c_init(void)
{
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = __crc32cb(crc, *p++);
		len--;
	}
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));	/* little-endian, as the spec says */
		crc = __crc32cd(crc, v);
	}
	while (len--)
		crc = __crc32cb(crc, *p++);
	return ~crc;
}
#else

static uint32_t crc32c_table[8][256];
static bool crc32c_ready;

void crc32c_init(void)
{
	uint32_t n, k, c;

	if (crc32c_ready)
		return;
	for (n = 0; n < 256; n++) {
		c = n;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY_REFLECTED : c >> 1;
		crc32c_table[0][n] = c;
	}
	for (n = 0; n < 256; n++) {
		c = crc32c_table[0][n];
		for (k = 1; k < 8; k++) {
			c = (c >> 8) ^ crc32c_table[0][c & 0xff];
			crc32c_table[k][n] = c;
		}
	}
	crc32c_ready = true;
}

static inline uint32_t crc32c_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t lo, hi;

	crc32c_init();
	crc = ~crc;
	/* Bytewise up to an 8-byte boundary, so word loads are aligned. */
	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		lo = crc ^ crc32c_le32(p);
		hi = crc32c_le32(p + 4);
		crc = crc32c_table[7][lo & 0xff] ^
		      crc32c_table[6][(lo >> 8) & 0xff] ^
		      crc32c_table[5][(lo >> 16) & 0xff] ^
		      crc32c_table[4][lo >> 24] ^ crc32c_table[3][hi & 0xff] ^
		      crc32c_table[2][(hi >> 8) & 0xff] ^
		      crc32c_table[1][(hi >> 16) & 0xff] ^
		      crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
#endif
