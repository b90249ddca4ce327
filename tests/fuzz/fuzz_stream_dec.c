// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the receiving side of the record stream: the
 * serial deframer (payload/frame.c) and the decoder (payload/stream_dec.c)
 * on arbitrary bytes.  The first input byte picks the path:
 *   even: the rest is console bytes, fed to the deframer in two chunks
 *         (split where byte 1 says), records on to the decoder;
 *   odd:  the rest is records as [u16 LE length][bytes], given straight to
 *         the decoder with magic, version, length and CRC made valid, so
 *         the fuzzer reaches the body checks behind the CRC.
 * Callbacks read every byte they are handed, so ASan sees bad pointers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/crc32c.h"
#include "payload/frame.h"
#include "payload/stream_dec.h"

static struct stream_dec dec;
static struct frame_dec fdec;
static uint8_t recbuf[STREAM_REC_MAX];
static uint8_t scratch[STREAM_REC_MAX];
static volatile unsigned sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	unsigned s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += b[i];
	sink += s;
}

static int on_header(void *ctx, const struct stream_header *h)
{
	(void)ctx;
	touch(h->producer, strlen(h->producer));
	return 0;
}

static int on_notes(void *ctx, uint32_t off, const void *data, size_t len,
		    uint32_t total)
{
	(void)ctx;
	if (off > total || len > total - off)
		__builtin_trap();
	touch(data, len);
	return 0;
}

static int on_pages(void *ctx, const struct stream_run *run)
{
	uint64_t pfn = run->first_pfn;
	unsigned i;

	(void)ctx;
	for (i = 0; i < run->nextents; i++) {
		if (run->ext[i].pfn != pfn || !run->ext[i].count)
			__builtin_trap();
		pfn += run->ext[i].count;
	}
	if (pfn != run->first_pfn + run->npages)
		__builtin_trap();
	for (i = 0; i < run->nblocks; i++)
		touch(run->blk[i].data, run->blk[i].stored_len);
	return 0;
}

static int on_text(void *ctx, unsigned kind, uint32_t off, const void *data,
		   size_t len)
{
	(void)ctx;
	(void)kind;
	(void)off;
	touch(data, len);
	return 0;
}

static void on_missing(void *ctx, uint64_t first, uint64_t count,
		       unsigned flags)
{
	(void)ctx;
	if (!(flags & STREAM_MISS_OPEN) && (!count || first + count < first))
		__builtin_trap();
}

static const struct stream_dec_ops dec_ops = {
	.header = on_header,
	.notes = on_notes,
	.pages = on_pages,
	.text = on_text,
	.missing = on_missing,
};

static void on_record(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	stream_dec_record(&dec, rec, len);
}

static void on_line(void *ctx, const char *line, size_t len, bool clean)
{
	(void)ctx;
	(void)clean;
	if (len > FRAME_LINE_MAX)
		__builtin_trap();
	touch(line, len);
}

static void on_marker(void *ctx, unsigned kind, unsigned mode,
		      const uint8_t *id)
{
	(void)ctx;
	(void)kind;
	(void)mode;
	touch(id, STREAM_CRASH_ID_LEN);
}

static const struct frame_dec_ops frame_ops = {
	.record = on_record,
	.text = on_line,
	.marker = on_marker,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_dec_summary sum;
	size_t split, len;

	if (size < 2)
		return 0;
	stream_dec_init(&dec, &dec_ops, NULL);
	if (!(data[0] & 1)) {
		frame_dec_init(&fdec, &frame_ops, NULL, recbuf, sizeof(recbuf));
		split = (size_t)data[1] * (size - 2) / 255;
		frame_dec_feed(&fdec, data + 2, split);
		frame_dec_feed(&fdec, data + 2 + split, size - 2 - split);
		frame_dec_finish(&fdec);
	} else {
		data++;
		size--;
		while (size >= 2) {
			len = stream_get16(data);
			data += 2;
			size -= 2;
			if (len > size)
				len = size;
			if (len >= STREAM_REC_MIN) {
				memcpy(scratch, data, len);
				scratch[STREAM_REC_OFF_MAGIC] = STREAM_MAGIC0;
				scratch[STREAM_REC_OFF_MAGIC + 1] = STREAM_MAGIC1;
				scratch[STREAM_REC_OFF_VERSION] = STREAM_VERSION_MAJOR;
				stream_put32(scratch + STREAM_REC_OFF_LEN, (uint32_t)len);
				stream_put32(scratch + len - STREAM_REC_CRC_SIZE,
					     crc32c(0, scratch,
						    len - STREAM_REC_CRC_SIZE));
				stream_dec_record(&dec, scratch, len);
			}
			data += len;
			size -= len;
		}
	}
	stream_dec_finish(&dec, &sum);
	if (sum.complete && (!sum.header_seen || !sum.trailer_seen))
		__builtin_trap();
	return 0;
}
