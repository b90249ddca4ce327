// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for payload/dmesg.c.  Input: one byte choosing the
 * output piece size, a little-endian u16 length, that many bytes of
 * VMCOREINFO text, then a memory image.  Virtual page i of
 * 0xffff800010000000.. maps to physical page i ^ 1 of the image (so reads
 * must be split per page; a read crossing a page traps), anything else
 * fails to translate.  Checks: pieces are 1..cap bytes, the records
 * produced equal dmesg_count_records(), dmesg_tail() yields a suffix.
 * Seeds: tests/fuzz/seeds/fuzz_dmesg (a 6.1-style lockless ring and a
 * log_buf, written in this layout).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/dmesg.h"
#include "payload/vmcoreinfo.h"

#define FZ_VA_BASE UINT64_C(0xffff800010000000)
#define FZ_PG 4096u
/* Longer walks are legal (2^count_bits ids) but too slow for fuzzing. */
#define FZ_MAX_IDS (1u << 16)

struct image {
	const uint8_t *mem;
	size_t len;
	size_t npages;
};

static int fz_va_to_pa(void *ctx, uint64_t va, uint64_t *pa)
{
	const struct image *im = ctx;
	uint64_t page, pp;

	if (va < FZ_VA_BASE || va - FZ_VA_BASE >= (uint64_t)im->npages * FZ_PG)
		return -1;
	page = (va - FZ_VA_BASE) / FZ_PG;
	pp = page ^ 1;
	if (pp >= im->npages)
		pp = page;
	*pa = pp * FZ_PG + (va & (FZ_PG - 1));
	return 0;
}

static int fz_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	const struct image *im = ctx;

	if (len && (pa / FZ_PG) != ((pa + len - 1) / FZ_PG))
		__builtin_trap();
	if (pa > im->len || len > im->len - pa)
		return -1;
	memcpy(buf, im->mem + pa, len);
	return 0;
}

static const struct dmesg_ops fz_ops = { fz_va_to_pa, fz_read };

/* Records produced from the current position; traps on a bad piece. */
static uint64_t drain(struct dmesg *dm, size_t cap, uint64_t limit)
{
	char out[512];
	uint64_t records = 0;
	size_t len;
	bool eor;
	int ret;

	while ((ret = dmesg_next_chunk(dm, out, cap, &len, &eor)) == 1) {
		if (len < 1 || len > cap)
			__builtin_trap();
		records += eor;
		if (records > limit)
			__builtin_trap();
	}
	if (ret != 0)
		__builtin_trap();
	return records;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	struct vmcoreinfo vi;
	struct image im;
	struct dmesg dm;
	size_t cap, vlen;
	uint64_t total, n;

	if (size < 3)
		return 0;
	cap = 1 + data[0] % 512;
	vlen = (size_t)data[1] | (size_t)data[2] << 8;
	if (vlen > size - 3)
		vlen = size - 3;
	im.mem = data + 3 + vlen;
	im.len = size - 3 - vlen;
	im.npages = (im.len + FZ_PG - 1) / FZ_PG;

	vmcoreinfo_init(&vi, ent, VMCOREINFO_DEFAULT_ENTRIES);
	(void)vmcoreinfo_parse(&vi, (const char *)data + 3, vlen);
	if (dmesg_init(&dm, &vi, &fz_ops, &im))
		return 0;
	if (dm.kind == DMESG_LOCKLESS && dm.nids > dm.count)
		__builtin_trap();
	if (dm.kind == DMESG_LOCKLESS && dm.nids > FZ_MAX_IDS)
		return 0;
	if (dmesg_count_records(&dm, &total))
		__builtin_trap();
	if (drain(&dm, cap, total) != total)
		__builtin_trap();
	if (dmesg_tail(&dm, 3))
		__builtin_trap();
	n = drain(&dm, cap, total);
	if (n != (total < 3 ? total : 3))
		__builtin_trap();
	dmesg_rewind(&dm);
	if (dmesg_skip_records(&dm, 1) < 0)
		__builtin_trap();
	(void)drain(&dm, cap, total);
	return 0;
}
