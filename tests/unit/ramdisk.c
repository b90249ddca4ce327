// SPDX-License-Identifier: MIT
/*
 * The in-memory block device of tests/unit/ramdisk.h.  Out-of-range
 * requests get -EINVAL, as drivers/blk.h says a driver returns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/ramdisk.h"

static bool rd_in_range(const struct blk_dev *d, uint64_t lba, uint32_t count)
{
	return count && lba < d->blocks && count <= d->blocks - lba;
}

static int rd_read(struct blk_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	struct ramdisk *rd = (struct ramdisk *)d;

	rd->reads++;
	if (!rd_in_range(d, lba, count) || ((uintptr_t)buf & 7))
		return -EINVAL;
	if (rd->fail_read_hi && lba < rd->fail_read_hi &&
	    lba + count > rd->fail_read_lo)
		return -EIO;
	memcpy(buf, rd->data + lba * d->block_size,
	       (size_t)count * d->block_size);
	return 0;
}

static void rd_log(struct ramdisk *rd, enum ramdisk_op op, uint64_t lba,
		   uint32_t count)
{
	if (rd->nlog < RAMDISK_LOG_MAX)
		rd->log[rd->nlog++] = (struct ramdisk_entry){
		    .op = op, .lba = lba, .count = count};
}

static int rd_write(struct blk_dev *d, uint64_t lba, uint32_t count,
		    const void *buf)
{
	struct ramdisk *rd = (struct ramdisk *)d;

	rd->writes++;
	if (!rd_in_range(d, lba, count) || ((uintptr_t)buf & 7))
		return -EINVAL;
	if (rd->fail_write && rd->writes == rd->fail_write)
		return -EIO;
	if (rd->cut_after && rd->writes > rd->cut_after)
		return 0; /* the power is gone: nothing lands */
	memcpy(rd->data + lba * d->block_size, buf,
	       (size_t)count * d->block_size);
	rd_log(rd, RAMDISK_WRITE, lba, count);
	return 0;
}

static int rd_flush(struct blk_dev *d)
{
	struct ramdisk *rd = (struct ramdisk *)d;

	rd->flushes++;
	if (rd->fail_flush)
		return -EIO;
	if (!(rd->cut_after && rd->writes > rd->cut_after))
		rd_log(rd, RAMDISK_FLUSH, 0, 0);
	return 0;
}

static const struct blk_ops ramdisk_ops = {
    .read = rd_read,
    .write = rd_write,
    .flush = rd_flush,
};

int ramdisk_init(struct ramdisk *rd, uint32_t block_size, uint64_t blocks)
{
	memset(rd, 0, sizeof(*rd));
	rd->data = calloc(blocks, block_size);
	rd->log = calloc(RAMDISK_LOG_MAX, sizeof(*rd->log));
	if (!rd->data || !rd->log) {
		ramdisk_free(rd);
		return -ENOMEM;
	}
	rd->dev.ops = &ramdisk_ops;
	rd->dev.driver = "ramdisk";
	strcpy(rd->dev.name, "ramdisk");
	rd->dev.block_size = block_size;
	rd->dev.blocks = blocks;
	return 0;
}

void ramdisk_free(struct ramdisk *rd)
{
	free(rd->data);
	free(rd->log);
	rd->data = NULL;
	rd->log = NULL;
}

void ramdisk_reset_log(struct ramdisk *rd)
{
	rd->nlog = 0;
	rd->writes = rd->reads = rd->flushes = 0;
}

bool ramdisk_writes_within(const struct ramdisk *rd, uint64_t first,
			   uint64_t count)
{
	for (unsigned i = 0; i < rd->nlog; i++) {
		const struct ramdisk_entry *e = &rd->log[i];

		if (e->op == RAMDISK_WRITE &&
		    (e->lba < first || e->lba + e->count > first + count))
			return false;
	}
	return true;
}

uint8_t *ramdisk_block(struct ramdisk *rd, uint64_t lba)
{
	return rd->data + lba * rd->dev.block_size;
}
