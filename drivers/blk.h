/* SPDX-License-Identifier: MIT */
/*
 * Block devices: one interface for virtio-blk, SD/eMMC behind SDHCI, and
 * whatever comes next.  A driver fills a struct blk_dev (embedded first in
 * its own state) and the block sink (payload/sink_block.c) only calls
 * blk_*().  Every operation is bounded in time and returns an error rather
 * than hang.
 */
#ifndef TINYDUMP_DRIVERS_BLK_H
#define TINYDUMP_DRIVERS_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/devenv.h"
#include "fdt/fdt_match.h"

#define BLK_NAME_LEN 64

struct blk_dev;

struct blk_ops {
	/*
	 * Read/write @count blocks at @lba to/from @buf (any address in our
	 * reservation, 8-byte aligned; the driver does DMA cache maintenance
	 * and splits requests above its limits).
	 * Return: 0, -EIO (device error), -ETIMEDOUT, -EINVAL (out of range).
	 */
	int (*read)(struct blk_dev *d, uint64_t lba, uint32_t count, void *buf);
	int (*write)(struct blk_dev *d, uint64_t lba, uint32_t count,
		     const void *buf);
	/* Make written blocks durable (cache flush); NULL when not needed. */
	int (*flush)(struct blk_dev *d);
};

struct blk_dev {
	const struct blk_ops *ops;
	const char *driver;		/* "virtio-blk", "sdhci", ... */
	char name[BLK_NAME_LEN];	/* DT path or PCI address, for messages */
	uint32_t block_size;		/* bytes, 512 for everything we drive */
	uint64_t blocks;		/* capacity in blocks */
};

/*
 * A block driver found through the device tree.  probe() takes over the
 * node (registers mapped through @env, device reset first so nothing the
 * dead kernel queued keeps running), and returns its blk_dev (driver-owned
 * static state: one device per driver at a time).
 * Return: 0, -ENODEV when the node is not a block device of this driver
 * (e.g. a virtio-mmio slot with another device type), or another -errno.
 */
struct blk_driver {
	const char *name;
	const struct fdt_match *matches;
	int (*probe)(const struct dev_env *env, int node,
		     const void *match_data, struct blk_dev **out);
};

/* drivers/registry.c: DT block drivers, NULL-terminated. */
extern const struct blk_driver *const blk_drivers[];

static inline int blk_read(struct blk_dev *d, uint64_t lba, uint32_t count,
			   void *buf)
{
	return d->ops->read(d, lba, count, buf);
}

static inline int blk_write(struct blk_dev *d, uint64_t lba, uint32_t count,
			    const void *buf)
{
	return d->ops->write(d, lba, count, buf);
}

static inline int blk_flush(struct blk_dev *d)
{
	return d->ops->flush ? d->ops->flush(d) : 0;
}

#endif
