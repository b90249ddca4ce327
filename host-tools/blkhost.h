/* SPDX-License-Identifier: MIT */
/*
 * The host's side of block dumps (docs/block.md): find a dump area on a
 * disk or image (GPT partition by name, or a raw byte range), say what it
 * holds, mark it consumed after a save, and sign a new area (`tinydump
 * prepare`).  Built on the payload's own shared code: payload/gpt.c,
 * payload/blkarea.c and block_target_find() of payload/sink_block.c, over
 * host-tools/blkfile.c.
 */
#ifndef TINYDUMP_HOST_TOOLS_BLKHOST_H
#define TINYDUMP_HOST_TOOLS_BLKHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "host-tools/blkfile.h"
#include "payload/blkarea.h"
#include "payload/config.h"

/* Scratch for the GPT and records: as big as the payload's staging. */
#define BLKHOST_BUF_SIZE (16u * 1024u)
#define BLKHOST_MSG_LEN	 512

/**
 * struct blkhost_target - which area
 * @part:        GPT partition name (NULL: CONFIG_PART_DEFAULT)
 * @have_offset: a raw range at @offset is meant instead
 * @offset:      its first byte
 * @length:      its length, 0 to take it from the area's header
 */
struct blkhost_target {
	const char *part;
	bool have_offset;
	uint64_t offset, length;
};

/**
 * struct blkhost - an open disk and the area on it
 * @f:     the disk or image
 * @area:  the area, after blkhost_locate()
 * @st:    what it holds, after blkhost_inspect()
 * @buf:   scratch (BLKHOST_BUF_SIZE, 4 KiB aligned)
 * @msg:   the last problem, or a note, in words
 */
struct blkhost {
	struct blkfile f;
	struct blkarea area;
	struct blkarea_state st;
	uint8_t *buf;
	char msg[BLKHOST_MSG_LEN];
};

/** blkhost_open() - open @path (image or device node). Return: 0 or -errno. */
int blkhost_open(struct blkhost *h, const char *path, bool writable);

/** blkhost_close() - close it and free the scratch. */
void blkhost_close(struct blkhost *h);

/**
 * blkhost_locate() - find the area @t names, as the payload would
 * @h: the open disk
 * @t: which area
 *
 * A raw range must carry the area signature and agree with it (as
 * tinydump.blk= must).  A GPT partition is found by name; when the disk
 * has no GPT but begins with an area header, the disk is taken to be the
 * partition itself (a /dev/disk/by-partlabel/ node or a copy of it).
 *
 * Return: 0, or a negative errno with h->msg saying why.
 */
int blkhost_locate(struct blkhost *h, const struct blkhost_target *t);

/**
 * blkhost_inspect() - read the area's header and commit into h->st
 * Return: 0 or the device's error.
 */
int blkhost_inspect(struct blkhost *h);

/**
 * blkhost_consume() - mark the area's dump saved (state CONSUMED)
 * Return: 0 or the device's error.
 */
int blkhost_consume(struct blkhost *h);

/**
 * blkhost_prepare() - sign an area: header EMPTY, commit block cleared
 * @h:     the disk, opened writable
 * @t:     a raw range (have_offset, length != 0) or a partition name
 * @force: also over partitions or an unsaved dump
 *
 * A raw range must be block-aligned, at least BLKAREA_MIN_LEN and inside
 * the disk or file, and (without @force) clear of the GPT and of every
 * partition.  Without @force an area holding a dump that was not saved is
 * refused.
 *
 * Return: 0 with h->area describing the area, or a negative errno with
 * h->msg saying why (nothing written).
 */
int blkhost_prepare(struct blkhost *h, const struct blkhost_target *t,
		    bool force);

#endif
