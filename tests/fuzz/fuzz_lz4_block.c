// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for payload/lz4_block.c.  Input: a little-endian u16
 * cap selector, then the data.  Whatever the compressor returns must fit
 * the cap and decode (liblz4's LZ4_decompress_safe) to the data exactly.
 */
#include <lz4.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payload/lz4_block.h"

static struct lz4_block_state st;
static uint8_t out[LZ4_BLOCK_MAX_INPUT + LZ4_BLOCK_MAX_INPUT / 255 + 64];
static uint8_t back[LZ4_BLOCK_MAX_INPUT];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, n, len;

	if (size < 2)
		return 0;
	cap = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	len = size - 2;
	if (len > LZ4_BLOCK_MAX_INPUT)
		len = LZ4_BLOCK_MAX_INPUT;
	cap = cap % (sizeof(out) + 1);
	n = lz4_block_compress(&st, data, len, out, cap);
	if (!n)
		return 0;
	if (n > cap || LZ4_decompress_safe((const char *)out, (char *)back, (int)n,
					   (int)sizeof(back)) != (int)len ||
	    memcmp(back, data, len))
		abort();
	return 0;
}
