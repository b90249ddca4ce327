// SPDX-License-Identifier: MIT
/*
 * LZ4 block compression (payload/lz4_block.h): greedy matching through a
 * hash table of 4-byte sequences, as fast as the data allows.  The rules of
 * the format (doc/lz4_Block_format.md, "End of block conditions"): the last
 * 5 bytes are literals (LASTLITERALS), the last match starts at least 12
 * bytes before the end (MFLIMIT), a match is at least 4 bytes (MINMATCH)
 * and its offset is 1..65535.
 */
#include <string.h>

#include "payload/lz4_block.h"

#define LZ4_MINMATCH 4u
#define LZ4_LASTLITERALS 5u
#define LZ4_MFLIMIT 12u
#define LZ4_MAX_OFFSET 65535u
#define LZ4_RUN_MASK 15u	/* a 4-bit length field's "more follows" */
/* Misses before the search step grows by one (lz4's skip strength 6):
 * incompressible data is skimmed instead of tried byte by byte. */
#define LZ4_SKIP_SHIFT 6
/* Knuth's multiplicative hash (TAOCP 6.4), as lz4 hashes 4 bytes. */
#define LZ4_HASH_MUL 2654435761u

static uint32_t read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static unsigned hash4(const uint8_t *p)
{
	return (read32(p) * LZ4_HASH_MUL) >> (32 - LZ4_BLOCK_HASH_BITS);
}

/* Bytes the length extension of @n takes (after the 4-bit field's 15). */
static size_t ext_len(size_t n)
{
	return n >= LZ4_RUN_MASK ? (n - LZ4_RUN_MASK) / 255 + 1 : 0;
}

static uint8_t *put_ext(uint8_t *op, size_t n)
{
	if (n < LZ4_RUN_MASK)
		return op;
	for (n -= LZ4_RUN_MASK; n >= 255; n -= 255)
		*op++ = 255;
	*op++ = (uint8_t)n;
	return op;
}

/*
 * One sequence: @lit literals from @anchor, then (when @offset != 0) a
 * match of @mlen + LZ4_MINMATCH bytes at distance @offset.
 * Return: the new output position, or NULL when it does not fit.
 */
static uint8_t *put_seq(uint8_t *op, const uint8_t *oend, const uint8_t *anchor,
			size_t lit, unsigned offset, size_t mlen)
{
	size_t need = 1 + ext_len(lit) + lit + (offset ? 2 + ext_len(mlen) : 0);

	if ((size_t)(oend - op) < need)
		return NULL;
	*op++ = (uint8_t)((lit < LZ4_RUN_MASK ? lit : LZ4_RUN_MASK) << 4 |
			  (offset ? (mlen < LZ4_RUN_MASK ? mlen : LZ4_RUN_MASK) : 0));
	op = put_ext(op, lit);
	memcpy(op, anchor, lit);
	op += lit;
	if (!offset)
		return op;
	*op++ = (uint8_t)offset;
	*op++ = (uint8_t)(offset >> 8);
	return put_ext(op, mlen);
}

size_t lz4_block_compress(struct lz4_block_state *st, const void *src,
			  size_t len, void *dst, size_t cap)
{
	const uint8_t *in = src, *ip = in, *anchor = in, *end = in + len;
	uint8_t *op = dst;
	const uint8_t *oend = op + cap;
	unsigned misses = 0;

	if (!len || len > LZ4_BLOCK_MAX_INPUT)
		return 0;
	memset(st->pos, 0, sizeof(st->pos));
	if (len > LZ4_MFLIMIT) {
		const uint8_t *mflimit = end - LZ4_MFLIMIT;
		const uint8_t *matchlimit = end - LZ4_LASTLITERALS;

		while (ip < mflimit) {
			unsigned h = hash4(ip);
			const uint8_t *ref = in + st->pos[h], *mp;

			st->pos[h] = (uint16_t)(ip - in);
			if (ref >= ip || (size_t)(ip - ref) > LZ4_MAX_OFFSET ||
			    read32(ref) != read32(ip)) {
				ip += 1 + (misses++ >> LZ4_SKIP_SHIFT);
				continue;
			}
			/* Longer backwards, into the pending literals. */
			while (ip > anchor && ref > in && ip[-1] == ref[-1]) {
				ip--;
				ref--;
			}
			mp = ip + LZ4_MINMATCH;
			for (const uint8_t *rp = ref + LZ4_MINMATCH;
			     mp < matchlimit && *mp == *rp; mp++, rp++)
				;
			op = put_seq(op, oend, anchor, (size_t)(ip - anchor),
				     (unsigned)(ip - ref),
				     (size_t)(mp - ip) - LZ4_MINMATCH);
			if (!op)
				return 0;
			ip = anchor = mp;
			misses = 0;
			/* Remember a position inside the match too: the next
			 * one often starts just before where this one ended. */
			if (ip - 2 < mflimit)
				st->pos[hash4(ip - 2)] = (uint16_t)(ip - 2 - in);
		}
	}
	op = put_seq(op, oend, anchor, (size_t)(end - anchor), 0, 0);
	return op ? (size_t)(op - (uint8_t *)dst) : 0;
}
