// SPDX-License-Identifier: MIT
/*
 * IEEE 802.3 CRC-32 (UEFI spec 2.10 §5.3.2), four bits per step from a
 * 16-entry table: entry n is the CRC register after shifting the nibble
 * n through the reflected polynomial four times.  64 bytes of rodata; the
 * GPT reader runs it over a 92-byte header and a 16 KiB entry array.
 */
#include "payload/crc32.h"

/* crc32_nibble[n]: n shifted 4 times through CRC32_IEEE_POLY_REFLECTED. */
static const uint32_t crc32_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
    0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
	}
	return ~crc;
}
