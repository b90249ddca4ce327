/* SPDX-License-Identifier: MIT */
/*
 * The block sink (tinydump.sink=block): the record stream written into a
 * dump area (payload/blkarea.h, docs/block.md) on a struct blk_dev.  The
 * area is a GPT partition named tinydump.part= (default "tinydump": the
 * name is what makes it ours) or a raw range tinydump.blk=OFFSET,LENGTH
 * that `tinydump prepare` signed.  Nothing outside the area is ever
 * written; a disk without the area is not written at all.
 */
#ifndef TINYDUMP_PAYLOAD_SINK_BLOCK_H
#define TINYDUMP_PAYLOAD_SINK_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/blk.h"
#include "payload/blkarea.h"
#include "payload/config.h"
#include "payload/sink.h"

/*
 * Records are packed into a staging buffer and written in whole chunks of
 * this size: 32 blocks of 512 bytes per request, few enough requests that
 * per-command overhead (an SD card's busy time, a virtio notification)
 * does not dominate, small enough for the payload's memory budget
 * (docs/memory.md).  4 KiB alignment keeps DMA to whole pages and cache
 * lines.  The target finder borrows the same buffer before the sink opens.
 */
#define BLOCK_SINK_STAGE_SIZE  (8u * 1024u)
#define BLOCK_SINK_STAGE_ALIGN 4096u

/**
 * struct block_sink - a block sink; fields are private except as noted
 * @sink:        the sink interface (first)
 * @area:        where it writes (a copy of what the finder gave)
 * @stage:       the staging buffer
 * @stage_size:  its size, a multiple of the block size
 * @fill:        bytes staged, not yet written
 * @next_block:  the area-relative block the next chunk goes to
 * @taken:       record bytes accepted (read-only for callers)
 * @durable:     record bytes written in whole chunks before any error
 * @records:     records accepted
 * @opened:      between a successful open and close
 * @full:        a record was refused for lack of room
 * @write_error: the first device error, 0 when none
 */
struct block_sink {
	struct sink sink;
	struct blkarea area;
	uint8_t *stage;
	size_t stage_size;
	size_t fill;
	uint64_t next_block;
	uint64_t taken, durable;
	uint32_t records;
	bool opened, full;
	int write_error;
};

/**
 * block_target_find() - the dump area tinydump.part= / tinydump.blk= name
 * @a:    filled in: where the area is and its header as read
 * @dev:  the block device chosen for the dump
 * @cfg:  the configuration: blk_length != 0 selects the raw range
 *        [blk_offset, blk_offset + blk_length), else the GPT partition
 *        named cfg->part
 * @buf:  scratch, at least GPT_SCRATCH_MIN bytes, 8-byte aligned (the
 *        sink's staging buffer, before the sink opens)
 * @size: its size
 *
 * A raw range is accepted only when it is block-aligned, on the device,
 * and begins with a valid area header (tinydump prepare) whose offset and
 * length equal the range's.  A GPT partition is accepted by name alone:
 * exactly one partition must carry it.  The verdict and the reason are
 * logged, and kept in a->msg.
 *
 * Return: 0; -ENODEV when the disk has no such area (no GPT, no partition
 * of that name, no signature on the range); -EEXIST for two partitions
 * of the name; -EINVAL for a range that is misaligned, off the device, too
 * small, or disagrees with its header; -EBADMSG for a damaged GPT; or the
 * device's error.  Nothing is written in any case.
 */
int block_target_find(struct blkarea *a, struct blk_dev *dev,
		      const struct tinydump_config *cfg, void *buf,
		      size_t size);

/**
 * block_sink_init() - a block sink over an area block_target_find() found
 * @bs:         the sink
 * @area:       the area (copied)
 * @stage:      staging buffer: 8-byte aligned (BLOCK_SINK_STAGE_ALIGN in
 *              the payload), a multiple of the block size and at least
 *              BLKAREA_REC_SIZE_MAX bytes; BLOCK_SINK_STAGE_SIZE normally
 * @stage_size: its size
 *
 * Nothing is written until open.  bs->sink.capacity is the stream bytes
 * the area takes, for stream_enc_set_limit() (via sinks_capacity()), so
 * that a dump too big for the area ends with a CUT trailer that fits.
 *
 * open() writes the area header (state WRITING, generation + 1, the crash
 * id) and flushes; write() stages records and writes whole chunks;
 * close() writes the staged tail, flushes, then writes the commit record
 * (stream length, status) and flushes again.
 *
 * Return: 0, or -EINVAL for a bad area or buffer.
 */
int block_sink_init(struct block_sink *bs, const struct blkarea *area,
		    void *stage, size_t stage_size);

#endif
