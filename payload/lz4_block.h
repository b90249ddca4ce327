/* SPDX-License-Identifier: MIT */
/*
 * An LZ4 block compressor of our own (format: lz4's doc/lz4_Block_format.md,
 * "LZ4 Block Format Description"), for blocks of at most 64 KiB.  Why not
 * liblz4: Debian's liblz4.a is built without -ffunction-sections, so
 * linking LZ4_compress_fast_extState() pulled all of lz4.o (about 60 KiB)
 * into payload.bin, and its state is 16 KiB; this is under 2 KiB of code
 * and 8 KiB of state, and liblz4 (on the host) decodes what it writes.
 */
#ifndef TINYDUMP_PAYLOAD_LZ4_BLOCK_H
#define TINYDUMP_PAYLOAD_LZ4_BLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Positions are 16-bit: blocks up to 64 KiB (ours are 32 KiB). */
#define LZ4_BLOCK_MAX_INPUT 65536u
/* 4096 hash slots: 8 KiB of state (lz4 -1 uses 4096 slots of 32 bits). */
#define LZ4_BLOCK_HASH_BITS 12

struct lz4_block_state {
	uint16_t pos[1u << LZ4_BLOCK_HASH_BITS];
};

/**
 * lz4_block_compress() - compress @len bytes of @src into @dst.
 * @st: scratch state (its contents do not matter on entry)
 * @cap: room at @dst; nothing is written beyond it
 * Return: the compressed size, or 0 when it would not fit in @cap or
 * @len is 0 or above LZ4_BLOCK_MAX_INPUT (the caller stores the data raw).
 */
size_t lz4_block_compress(struct lz4_block_state *st, const void *src,
			  size_t len, void *dst, size_t cap);

#endif
