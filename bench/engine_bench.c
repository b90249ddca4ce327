// SPDX-License-Identifier: MIT
/*
 * Host benchmark of the dump engine (payload/engine.c + stream_enc.c +
 * frame.c, the payload's own code compiled for the host) on three kinds
 * of memory: zero-heavy, text-like and random.  Prints MB/s of memory
 * processed beside LZ4_compress_fast(acceleration 1, what `lz4 -1` does)
 * on the same data in 64 KiB blocks and beside memcpy, and the serial
 * efficiency: memory bytes per byte on the wire, binary and ASCII framing.
 * Figures, not assertions.
 */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "payload/engine.h"
#include "payload/lz4_block.h"
#include "payload/frame.h"
#include "payload/stream_enc.h"

#define MIB (1024u * 1024u)
#define DATA_SIZE (32u * MIB)
#define REPEAT 3

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_text(uint8_t *p, size_t len)
{
	static const char *const words[] = {
		"the", "kernel", "page", "struct", "memory", "dump", "0x0000",
		"return", "static", "int", "if", "NULL", "\n", "  ", "error",
		"ffff8000", "task", "lock", "void", "unsigned", "long", "=",
	};
	size_t i = 0;

	while (i < len) {
		const char *w = words[rng() % (sizeof(words) / sizeof(words[0]))];
		size_t n = strlen(w);

		for (size_t k = 0; k < n && i < len; k++)
			p[i++] = (uint8_t)w[k];
		if (i < len)
			p[i++] = ' ';
	}
}

static void fill(uint8_t *p, size_t len, const char *kind)
{
	if (!strcmp(kind, "random")) {
		for (size_t i = 0; i < len; i += 8) {
			uint64_t v = rng();
			memcpy(&p[i], &v, 8);
		}
	} else if (!strcmp(kind, "text")) {
		fill_text(p, len);
	} else {	/* zero-heavy: 80 % zero pages, the rest text */
		for (size_t off = 0; off < len; off += ENGINE_PAGE_SIZE) {
			if (rng() % 5 == 0)
				fill_text(&p[off], ENGINE_PAGE_SIZE);
			else
				memset(&p[off], 0, ENGINE_PAGE_SIZE);
		}
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct wire {
	uint64_t record_bytes, wire_bytes;
	struct frame_enc frame;
};

static int wire_out(void *ctx, const void *buf, size_t len)
{
	(void)buf;
	((struct wire *)ctx)->wire_bytes += len;
	return 0;
}

static int wire_record(void *ctx, const void *rec, size_t len)
{
	struct wire *w = ctx;

	w->record_bytes += len;
	return frame_enc_record(&w->frame, rec, len);
}

/* Run the engine over @data; returns seconds, fills @w. */
static double run_engine(const uint8_t *data, size_t len, enum frame_mode mode,
			 struct wire *w)
{
	static uint8_t recbuf[STREAM_ENC_BUF_SIZE];
	static struct lz4_block_state lz4;
	struct stream_enc enc;
	struct stream_header h = { .page_size = ENGINE_PAGE_SIZE,
				   .machine = STREAM_EM_AARCH64,
				   .endian = STREAM_ENDIAN_LITTLE,
				   .dump_level = 1, .map_count = 1 };
	struct stream_range map = { .paddr = 0, .size = len };
	struct engine e = { .enc = &enc, .lz4_state = &lz4, .drop_zero = true };
	double t0;

	memset(w, 0, sizeof(*w));
	frame_enc_init(&w->frame, mode, wire_out, w);
	stream_enc_init(&enc, wire_record, w, recbuf, sizeof(recbuf));
	h.max_pfn = len / ENGINE_PAGE_SIZE;
	t0 = now();
	stream_enc_header(&enc, &h);
	stream_enc_map(&enc, STREAM_MAP_LOAD, &map, 1);
	stream_enc_pages_begin(&enc, 0);
	for (size_t off = 0; off < len; off += ENGINE_BLOCK_PAGES * ENGINE_PAGE_SIZE)
		engine_block(&e, &data[off], ENGINE_BLOCK_PAGES, NULL);
	stream_enc_trailer(&enc, STREAM_STATUS_COMPLETE, 0);
	return now() - t0;
}

static double run_lz4(const uint8_t *data, size_t len, uint8_t *out, uint64_t *clen)
{
	const int block = 64 * 1024;
	double t0 = now();

	*clen = 0;
	for (size_t off = 0; off < len; off += block)
		*clen += LZ4_compress_fast((const char *)&data[off], (char *)out,
					   block, LZ4_compressBound(block), 1);
	return now() - t0;
}

static double run_memcpy(const uint8_t *data, size_t len, uint8_t *out)
{
	double t0 = now();

	memcpy(out, data, len);
	__asm__ volatile("" : : "r"(out) : "memory");
	return now() - t0;
}

static double median3(double a, double b, double c)
{
	return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

int main(void)
{
	static const char *const kinds[] = { "zero-heavy", "text", "random" };
	uint8_t *data = malloc(DATA_SIZE), *out = malloc(DATA_SIZE + DATA_SIZE / 8);
	double mb = DATA_SIZE / 1e6;

	if (!data || !out)
		return 1;
	printf("engine benchmark: %u MiB per data set, median of %d runs\n",
	       DATA_SIZE / MIB, REPEAT);
	printf("%-11s %10s %10s %10s %8s %8s %9s %9s %9s %9s\n", "data", "engine",
	       "lz4 -1", "memcpy", "eng/lz4", "eng/cpy", "ratio", "bin/wire",
	       "ascii/wire", "framing");
	for (size_t k = 0; k < 3; k++) {
		double te[REPEAT], tl[REPEAT], tm[REPEAT];
		struct wire bin, asc;
		uint64_t clen = 0;

		fill(data, DATA_SIZE, kinds[k]);
		for (int r = 0; r < REPEAT; r++) {
			te[r] = run_engine(data, DATA_SIZE, FRAME_BINARY, &bin);
			tl[r] = run_lz4(data, DATA_SIZE, out, &clen);
			tm[r] = run_memcpy(data, DATA_SIZE, out);
		}
		run_engine(data, DATA_SIZE, FRAME_ASCII, &asc);
		double e = mb / median3(te[0], te[1], te[2]);
		double l = mb / median3(tl[0], tl[1], tl[2]);
		double m = mb / median3(tm[0], tm[1], tm[2]);

		printf("%-11s %7.0f MB/s %5.0f MB/s %5.0f MB/s %8.2f %8.3f %8.2fx %9.2f "
		       "%10.2f %8.2f%%\n", kinds[k], e, l, m, e / l, e / m,
		       (double)DATA_SIZE / bin.record_bytes,
		       (double)DATA_SIZE / bin.wire_bytes,
		       (double)DATA_SIZE / asc.wire_bytes,
		       100.0 * ((double)bin.wire_bytes / bin.record_bytes - 1));
	}
	printf("engine: zero test + lz4 blocks of %u pages + records + COBS framing;\n"
	       "ratio: memory bytes per record byte; bin/wire, ascii/wire: memory\n"
	       "bytes per byte on the serial line; framing: binary wire overhead.\n",
	       ENGINE_BLOCK_PAGES);
	free(data);
	free(out);
	return 0;
}
