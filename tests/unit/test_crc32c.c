// SPDX-License-Identifier: MIT
/*
 * payload/crc32c.c against the check value of the CRC catalogue, the
 * iSCSI vectors of RFC 3720 appendix B.4, and a bitwise reference over
 * every alignment, length and split point.
 */
#include <stdint.h>
#include <string.h>

#include "payload/crc32c.h"
#include "tests/unit/check.h"

/* One bit at a time: slow and obviously right. */
static uint32_t ref_crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return ~crc;
}

static void test_vectors(void)
{
	uint8_t b[32];
	int i;

	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0);
	CHECK_EQ(crc32c(0x12345678u, NULL, 0), 0x12345678u);
	memset(b, 0, sizeof(b));
	CHECK_EQ(crc32c(0, b, 32), 0x8A9136AAu);
	memset(b, 0xff, sizeof(b));
	CHECK_EQ(crc32c(0, b, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	CHECK_EQ(crc32c(0, b, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	CHECK_EQ(crc32c(0, b, 32), 0x113FDB5Cu);
}

static void test_against_reference(void)
{
	static uint8_t buf[300];
	uint32_t x = 0x9e3779b9u, whole;
	size_t off, len, split;
	int bad = 0, badsplit = 0;

	for (off = 0; off < sizeof(buf); off++) {
		x = x * 1103515245u + 12345u;
		buf[off] = (uint8_t)(x >> 16);
	}
	crc32c_init();
	crc32c_init();
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 280; len++)
			if (crc32c(0, buf + off, len) !=
			    ref_crc32c(0, buf + off, len))
				bad++;
	CHECK_EQ(bad, 0);
	whole = crc32c(0, buf, 257);
	for (split = 0; split <= 257; split++)
		if (crc32c(crc32c(0, buf, split), buf + split, 257 - split) !=
		    whole)
			badsplit++;
	CHECK_EQ(badsplit, 0);
	CHECK_EQ(crc32c(0xdeadbeefu, buf, 100),
		 ref_crc32c(0xdeadbeefu, buf, 100));
}

int main(void)
{
	test_vectors();
	test_against_reference();
	return check_summary("test_crc32c");
}
