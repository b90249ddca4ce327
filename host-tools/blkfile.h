/* SPDX-License-Identifier: MIT */
/*
 * A struct blk_dev (drivers/blk.h) over a file or a block device node on
 * the host, so the host tool reads and writes dump areas with the same
 * shared code the payload runs (payload/gpt.c, payload/blkarea.c,
 * payload/sink_block.c).
 */
#ifndef TINYDUMP_HOST_TOOLS_BLKFILE_H
#define TINYDUMP_HOST_TOOLS_BLKFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/blk.h"

/**
 * struct blkfile - the device
 * @dev:       the block device interface (first)
 * @fd:        the open file
 * @size:      its size in bytes
 * @blockdev:  a block device node (else a regular file)
 * @writable:  opened for writing
 */
struct blkfile {
	struct blk_dev dev;
	int fd;
	uint64_t size;
	bool blockdev;
	bool writable;
};

/**
 * blkfile_open() - open @path as a block device
 * @f:          filled in
 * @path:       an image file or a block device node
 * @writable:   open for writing too
 * @block_size: 512 or 4096; 0 to take the kernel's logical block size
 *              for a device node, and for a file 4096 when a GPT header
 *              is at byte 4096 and none at 512, else 512
 *
 * Return: 0, or a negative errno (errno's meaning) with nothing open.
 */
int blkfile_open(struct blkfile *f, const char *path, bool writable,
		 uint32_t block_size);

/** blkfile_close() - close it. Return: 0 or -EIO. */
int blkfile_close(struct blkfile *f);

#endif
