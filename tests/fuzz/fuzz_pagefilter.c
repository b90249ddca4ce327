// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for payload/pagefilter.c.  Input: u16 length, that
 * many bytes of VMCOREINFO text, a 16-byte control block (byte 0: dump
 * level; byte 1 bit 0: every physical address reads the image, wrapped;
 * bytes 2..3: batch size; 4..11: first PFN; 12..15: the image's PA in
 * pages), then the memory image holding page tables, mem_sections and
 * struct pages.  Checked: every state is "keep" or an exclusion with a
 * reason the level allows, the counters add up, and a second pass after
 * pagefilter_reset() decides the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/kvaddr.h"
#include "payload/pagefilter.h"
#include "payload/stream.h"
#include "payload/vmcoreinfo.h"

#define PFNS 1536u

struct image {
	const uint8_t *buf;
	size_t len;
	uint64_t pa;
	int wrap;
};

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static int img_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct image *im = ctx;
	uint8_t *out = buf;
	size_t i;

	if (!im->len || len > PAGEFILTER_BUF_SIZE)
		return -1;
	if (im->wrap) {
		for (i = 0; i < len; i++)
			out[i] = im->buf[(pa + i) % im->len];
		return 0;
	}
	if (pa < im->pa || pa - im->pa > im->len ||
	    im->len - (pa - im->pa) < len)
		return -1;
	memcpy(buf, im->buf + (pa - im->pa), len);
	return 0;
}

static int img_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	uint8_t b[8];

	if (img_read(ctx, pa, b, 8))
		return -1;
	*val = le(b, 8);
	return 0;
}

static bool reason_ok(uint8_t st, unsigned int level)
{
	if (!st)
		return true;
	if (!(st & STREAM_PAGE_EXCLUDED) ||
	    (st & ~(STREAM_PAGE_EXCLUDED | STREAM_PAGE_REASON_MASK)))
		return false;
	switch (st & STREAM_PAGE_REASON_MASK) {
	case STREAM_EXCL_CACHE:
		return level & (PAGEFILTER_CACHE | PAGEFILTER_CACHE_PRIVATE);
	case STREAM_EXCL_CACHE_PRIVATE:
		return level & PAGEFILTER_CACHE_PRIVATE;
	case STREAM_EXCL_USER:
		return level & PAGEFILTER_USER;
	case STREAM_EXCL_FREE:
	case STREAM_EXCL_UNACCEPTED:
		return level & PAGEFILTER_FREE;
	case STREAM_EXCL_HWPOISON:
	case STREAM_EXCL_OFFLINE:
		return true;
	default:
		return false;
	}
}

static void pass(struct pagefilter *pf, uint64_t first, unsigned int batch,
		 uint8_t *st, struct image *im)
{
	unsigned int done = 0, n;

	while (done < PFNS) {
		n = PFNS - done < batch ? PFNS - done : batch;
		if (pagefilter_classify(pf, first + done, n, st + done,
					img_read, im))
			__builtin_trap();
		done += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	static struct pagefilter pf;
	static struct kvaddr kv;
	static uint8_t st1[PFNS], st2[PFNS];
	uint8_t ctl[16] = {0};
	struct vmcoreinfo vi;
	struct image im;
	size_t tlen, off, i;
	unsigned int level, batch;
	uint64_t first, sum;

	if (size < 2)
		return 0;
	tlen = (size_t)le(data, 2);
	if (tlen > size - 2)
		tlen = size - 2;
	off = 2 + tlen;
	for (i = 0; i < 16 && off + i < size; i++)
		ctl[i] = data[off + i];
	off = off + 16 < size ? off + 16 : size;
	im.buf = data + off;
	im.len = size - off;
	im.wrap = ctl[1] & 1;
	im.pa = le(ctl + 12, 4) << 12;
	level = ctl[0] & PAGEFILTER_LEVEL_MAX;
	batch = (unsigned int)le(ctl + 2, 2) % 700 + 1;
	first = le(ctl + 4, 8);
	if (first > UINT64_MAX - PFNS)
		first = UINT64_MAX - PFNS;

	vmcoreinfo_init(&vi, ent, VMCOREINFO_DEFAULT_ENTRIES);
	(void)vmcoreinfo_parse(&vi, (const char *)data + 2, tlen);
	(void)kvaddr_init(&kv, &vi, img_read64, &im);
	(void)pagefilter_init(&pf, &vi, &kv, level);
	if (pf.honoured & ~level)
		__builtin_trap();

	pass(&pf, first, batch, st1, &im);
	sum = pf.stats.kept;
	for (i = 0; i < STREAM_EXCL_REASONS; i++)
		sum += pf.stats.excluded[i];
	if (sum != PFNS)
		__builtin_trap();
	for (i = 0; i < PFNS; i++)
		if (!reason_ok(st1[i], level))
			__builtin_trap();
	/* Same decisions on a second pass, in other batches. */
	pagefilter_reset(&pf);
	kvaddr_flush(&kv);
	pass(&pf, first, batch == 1 ? 512 : 1, st2, &im);
	if (memcmp(st1, st2, PFNS))
		__builtin_trap();
	return 0;
}
