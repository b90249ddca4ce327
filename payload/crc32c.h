// SPDX-License-Identifier: MIT
/*
 * CRC32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and
 * final XOR 0xFFFFFFFF, as in RFC 3720 (iSCSI) appendix B.4 and SSE4.2's
 * crc32 instruction.  Slicing-by-8 tables, built once on first use.
 */
#ifndef TINYDUMP_PAYLOAD_CRC32C_H
#define TINYDUMP_PAYLOAD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define CRC32C_POLY_REFLECTED 0x82F63B78u

/**
 * crc32c_init() - build the lookup tables now
 *
 * crc32c() builds them on its first call; call this on the boot CPU before
 * any other CPU may call crc32c() so that no two CPUs race to build them.
 * Calling it again does nothing.
 */
void crc32c_init(void);

/**
 * crc32c() - extend a CRC32C over a buffer
 * @crc: the CRC of the data before @buf, 0 to start
 * @buf: data, any alignment
 * @len: its length in bytes
 *
 * The conventional pre- and post-inversion is done inside, so a CRC can be
 * continued: crc32c(crc32c(0, a, n), b, m) equals the CRC of a then b.
 * crc32c(0, "123456789", 9) == 0xE3069283.
 *
 * Return: the CRC32C of the data so far.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
