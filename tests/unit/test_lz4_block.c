// SPDX-License-Identifier: MIT
/*
 * payload/lz4_block.c against liblz4's decoder (LZ4_decompress_safe): every
 * output decodes back to the input, nothing is written past the cap (guard
 * bytes), a cap one byte short of the result gives 0, and the ratio stays
 * close to liblz4's own LZ4_compress_default() (lz4 -1) on typical data.
 */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload/lz4_block.h"
#include "tests/unit/check.h"

#define MAXIN 65536u
#define GUARD 64u

static struct lz4_block_state st;
static uint8_t in[MAXIN], out[MAXIN + MAXIN / 255 + 64 + GUARD], back[MAXIN];
static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Compress @len bytes of in[] with @cap; check the round trip. */
static size_t roundtrip(size_t len, size_t cap)
{
	size_t n;

	memset(out, 0xa5, sizeof(out));
	n = lz4_block_compress(&st, in, len, out, cap);
	for (size_t i = cap; i < cap + GUARD; i++)
		if (out[i] != 0xa5) {
			CHECK(!"wrote past the cap");
			break;
		}
	if (!n)
		return 0;
	CHECK(n <= cap);
	CHECK_EQ(LZ4_decompress_safe((const char *)out, (char *)back, (int)n,
				     (int)sizeof(back)), len);
	CHECK(!memcmp(back, in, len));
	return n;
}

static size_t bound(size_t len)
{
	return (size_t)LZ4_compressBound((int)len);
}

static void check_exact_cap(size_t len)
{
	size_t n = roundtrip(len, bound(len));

	CHECK(n > 0);
	if (!n)
		return;
	CHECK_EQ(roundtrip(len, n), n);
	CHECK_EQ(roundtrip(len, n - 1), 0);
}

static void fill_text(size_t len)
{
	static const char *words[] = { "kernel ", "page ", "struct ", "0x",
				       "ffff8000", "\n", "[ 1.234] ", "the ",
				       "memory ", "dump ", "=", "crash " };

	for (size_t i = 0; i < len;) {
		const char *w = words[rnd() % 12];
		for (; *w && i < len; w++)
			in[i++] = (uint8_t)*w;
	}
}

static void shapes(void)
{
	/* Edge lengths around MFLIMIT, LASTLITERALS and the 15/270 runs. */
	static const size_t lens[] = { 1, 2, 4, 5, 11, 12, 13, 14, 15, 16, 17,
				       18, 19, 20, 30, 31, 32, 33, 270, 271,
				       272, 285, 286, 4095, 4096, 32768, 65535,
				       65536 };

	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t len = lens[k];

		memset(in, 0, len);
		check_exact_cap(len);
		memset(in, 'x', len);
		check_exact_cap(len);
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rnd();
		roundtrip(len, bound(len));
		CHECK_EQ(roundtrip(len, len), 0); /* random data: no gain */
		fill_text(len);
		check_exact_cap(len);
	}
	/* Periods 1..300, several lengths. */
	for (size_t period = 1; period <= 300; period++) {
		size_t len = 1000 + period * 37 % 30000;

		for (size_t i = 0; i < len; i++)
			in[i] = i < period ? (uint8_t)rnd() : in[i - period];
		check_exact_cap(len);
	}
	CHECK_EQ(lz4_block_compress(&st, in, 0, out, sizeof(out)), 0);
	CHECK_EQ(lz4_block_compress(&st, in, MAXIN + 1, out, sizeof(out)), 0);
}

/* Random mixes of runs, copies and noise; random caps. */
static void mixes(void)
{
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 1 + rnd() % MAXIN, i = 0;

		while (i < len) {
			size_t n = 1 + rnd() % 300;
			unsigned kind = rnd() % 3;

			for (size_t j = 0; j < n && i < len; j++, i++)
				in[i] = kind == 0 ? 0 :
					kind == 1 && i > 64 ? in[i - 1 - rnd() % 64] :
							      (uint8_t)rnd();
		}
		roundtrip(len, rnd() % 2 ? bound(len) : rnd() % (len + 16));
	}
}

/* Against lz4 -1 on 32 KiB blocks: text-like and page-like data. */
static void ratio(void)
{
	size_t ours = 0, theirs = 0;
	static char ref[MAXIN + 1024];

	for (int b = 0; b < 64; b++) {
		size_t len = 32768;

		if (b % 2) {
			fill_text(len);
		} else { /* struct-like: mostly small words and pointers */
			for (size_t i = 0; i < len; i += 8) {
				uint64_t v = rnd() % 4 ? 0xffff000012340000ull + (rnd() % 64) * 64 :
							 rnd() % 16;
				memcpy(&in[i], &v, 8);
			}
		}
		ours += roundtrip(len, bound(len));
		theirs += (size_t)LZ4_compress_default((const char *)in, ref,
						       (int)len, (int)sizeof(ref));
	}
	printf("ratio: ours %zu bytes, lz4 -1 %zu bytes (%.3f)\n", ours, theirs,
	       (double)ours / (double)theirs);
	/* Within 10 % of lz4 -1 (it tries more positions on misses). */
	CHECK(ours * 100 <= theirs * 110);
}

int main(void)
{
	shapes();
	mixes();
	ratio();
	return check_summary("test_lz4_block");
}
