// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for payload/kvaddr.c.  Input: u16 length, that many
 * bytes of VMCOREINFO text, a 16-byte control block (byte 1 bit 0: every
 * physical address reads the image, wrapped; bytes 12..15: the image's
 * PA in pages), then the memory image.  VAs from VMCOREINFO and from the
 * image are translated; checked: a result is the same from the cache and
 * after a flush, a walk reads at most four descriptors, the last byte of a
 * reported span translates to the matching PA, and the last byte of a
 * failure's range fails the same way.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/kvaddr.h"
#include "payload/vmcoreinfo.h"

struct image {
	const uint8_t *buf;
	size_t len;
	uint64_t pa;
	int wrap;
	unsigned int reads;
};

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static int img_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	struct image *im = ctx;
	uint8_t b[8];
	unsigned int i;

	im->reads++;
	if (!im->len)
		return -1;
	if (im->wrap) {
		for (i = 0; i < 8; i++)
			b[i] = im->buf[(pa + i) % im->len];
	} else {
		if (pa < im->pa || pa - im->pa > im->len ||
		    im->len - (pa - im->pa) < 8)
			return -1;
		memcpy(b, im->buf + (pa - im->pa), 8);
	}
	*val = le(b, 8);
	return 0;
}

static void check_va(struct kvaddr *kv, struct image *im, uint64_t va)
{
	uint64_t pa1 = 0, pa2 = 0, pa3 = 0, span = 0, end;
	int r1, r2, r3;

	r1 = kvaddr_to_phys_span(kv, va, &pa1, &span);
	r2 = kvaddr_to_phys(kv, va, &pa2);
	kvaddr_flush(kv);
	im->reads = 0;
	r3 = kvaddr_to_phys(kv, va, &pa3);
	if (im->reads > 4)
		__builtin_trap();
	if (r1 != r2 || r1 != r3)
		__builtin_trap();
	if (r1) {
		/* A failure covers its whole reported range. */
		end = va + (span - 1);
		if (span && end >= va &&
		    kvaddr_to_phys_span(kv, end, &pa2, &span) != r1)
			__builtin_trap();
		return;
	}
	if (pa1 != pa2 || pa1 != pa3 || !span)
		__builtin_trap();
	end = va + (span - 1);
	if (end >= va && !kvaddr_to_phys(kv, end, &pa2) &&
	    pa2 != pa1 + (span - 1))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	static const char *const syms[] = {"swapper_pg_dir", "_stext",
					   "mem_section", "vmemmap"};
	static const char *const nums[] = {"VMEMMAP_START", "MODULES_VADDR",
					   "VMALLOC_START"};
	uint8_t ctl[16] = {0};
	struct vmcoreinfo vi;
	struct kvaddr kv;
	struct image im;
	size_t tlen, off, i;
	uint64_t v;
	int64_t n;

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
	im.reads = 0;

	vmcoreinfo_init(&vi, ent, VMCOREINFO_DEFAULT_ENTRIES);
	(void)vmcoreinfo_parse(&vi, (const char *)data + 2, tlen);
	if (kvaddr_init(&kv, &vi, img_read64, &im)) {
		if (!kv.status || kvaddr_to_phys(&kv, 0, &v) != kv.status)
			__builtin_trap();
		return 0;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!vmcoreinfo_symbol(&vi, syms[i], &v)) {
			check_va(&kv, &im, v);
			check_va(&kv, &im, v + 0x1000);
		}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (!vmcoreinfo_number(&vi, nums[i], &n))
			check_va(&kv, &im, (uint64_t)n);
	/* VAs from the image: what a walk of its tables would meet. */
	for (i = 0; i + 8 <= im.len && i < 8 * 16; i += 8)
		check_va(&kv, &im, le(im.buf + i, 8));
	(void)kvaddr_read64(&kv, kv.lm_start, &v);
	return 0;
}
