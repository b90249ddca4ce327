// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the disk-side parsers: payload/gpt.c,
 * payload/blkarea.c and block_target_find() of payload/sink_block.c.
 * Input: a disk image of 512-byte blocks (the tail short of a block is
 * dropped).  The GPT is read, "tinydump" looked up and an overlap search
 * run; then the target finder runs in GPT mode and in raw mode (a range
 * taken from the image's first bytes), and the area found is inspected.
 * Checks: a partition found lies on the disk and in the usable range; an
 * area found lies on the disk; nothing is ever written (the device's write
 * and flush trap).
 * Seeds: tests/fuzz/seeds/fuzz_gpt (GPT images from tests/qemu/disk.py,
 * one with a prepared area, one holding a small dump).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/gpt.h"
#include "payload/sink_block.h"

#define FZ_BS	      512u
#define FZ_MAX_BLOCKS 2048u

struct fz_disk {
	struct blk_dev dev;
	const uint8_t *data;
};

static int fz_read(struct blk_dev *d, uint64_t lba, uint32_t n, void *buf)
{
	const struct fz_disk *k = (const struct fz_disk *)d;

	if (!n || lba >= d->blocks || n > d->blocks - lba)
		return -22;
	memcpy(buf, k->data + lba * FZ_BS, (size_t)n * FZ_BS);
	return 0;
}

static int fz_write(struct blk_dev *d, uint64_t lba, uint32_t n, const void *b)
{
	(void)d, (void)lba, (void)n, (void)b;
	__builtin_trap(); /* reading a disk must never write it */
}

static int fz_flush(struct blk_dev *d)
{
	(void)d;
	__builtin_trap();
}

static const struct blk_ops fz_ops = {fz_read, fz_write, fz_flush};
static uint8_t scratch[16384] __attribute__((aligned(4096)));

static void check_area(const struct blkarea *a, const struct blk_dev *d)
{
	struct blkarea_state st;

	if (a->first_lba >= d->blocks || a->nblocks > d->blocks - a->first_lba)
		__builtin_trap();
	if (blkarea_inspect((struct blkarea *)a, scratch, sizeof(scratch), &st))
		return;
	if (st.verdict == BLKAREA_COMMITTED &&
	    st.commit.stream_bytes > blkarea_capacity(a))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_disk k = {.data = data};
	struct tinydump_config cfg;
	struct gpt_part p;
	struct blkarea a;
	struct gpt g;

	k.dev.ops = &fz_ops;
	k.dev.block_size = FZ_BS;
	k.dev.blocks = size / FZ_BS;
	if (k.dev.blocks < 3 || k.dev.blocks > FZ_MAX_BLOCKS)
		return 0;
	if (!gpt_read(&g, &k.dev, scratch, sizeof(scratch))) {
		if (!gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p) &&
		    (p.first_lba > p.last_lba || p.first_lba < g.first_usable ||
		     p.last_lba > g.last_usable || p.last_lba >= k.dev.blocks))
			__builtin_trap();
		gpt_find_overlap(&g, 0, k.dev.blocks / 2, scratch,
				 sizeof(scratch), &p);
	}
	config_defaults(&cfg);
	if (!block_target_find(&a, &k.dev, &cfg, scratch, sizeof(scratch)))
		check_area(&a, &k.dev);
	/* A raw range: offset and length from the first two LE u32s. */
	cfg.blk_offset = ((uint64_t)data[0] | (uint64_t)data[1] << 8) * FZ_BS;
	cfg.blk_length = ((uint64_t)data[2] | (uint64_t)data[3] << 8) * FZ_BS;
	if (cfg.blk_length &&
	    !block_target_find(&a, &k.dev, &cfg, scratch, sizeof(scratch)))
		check_area(&a, &k.dev);
	return 0;
}
