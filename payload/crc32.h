// SPDX-License-Identifier: MIT
/*
 * CRC-32 as IEEE 802.3 and the GPT define it (UEFI spec 2.10 §5.3.2:
 * "CRC32 ... using the standard CCITT32 polynomial", i.e. reflected
 * polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF; the same
 * CRC as zlib's crc32()).  Only the GPT reader needs it: a small nibble
 * table, no tables to build.
 */
#ifndef TINYDUMP_PAYLOAD_CRC32_H
#define TINYDUMP_PAYLOAD_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define CRC32_IEEE_POLY_REFLECTED 0xEDB88320u

/**
 * crc32_ieee() - extend an IEEE 802.3 CRC-32 over a buffer
 * @crc: the CRC of the data before @buf, 0 to start
 * @buf: data, any alignment
 * @len: its length in bytes
 *
 * Pre- and post-inversion are done inside, so a CRC continues:
 * crc32_ieee(crc32_ieee(0, a, n), b, m) is the CRC of a then b.
 * crc32_ieee(0, "123456789", 9) == 0xCBF43926.
 *
 * Return: the CRC-32 of the data so far.
 */
uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

#endif
